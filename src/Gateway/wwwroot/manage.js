// The console's other views: collections (list, file upload with per-file progress, delete a document), the
// cluster's silos, and the last queries asked here. Plain DOM and fetch, like console.js, whose helpers it uses.
"use strict";

const keyInput = $("api-key");
keyInput.value = sessionStorage.getItem("specrag.key") || "";
keyInput.addEventListener("change", () => sessionStorage.setItem("specrag.key", keyInput.value.trim()));

for (const tab of document.querySelectorAll("nav .tab")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("nav .tab")) other.classList.toggle("active", other === tab);
    for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== tab.dataset.view;
    if (tab.dataset.view === "collections-view") loadCollections();
    if (tab.dataset.view === "cluster-view") loadSilos();
  });
}

async function problemOf(response) {
  const problem = await response.json().catch(() => ({ title: `HTTP ${response.status}` }));
  if (response.status === 401) problem.detail = (problem.detail ? problem.detail + " " : "") + "Enter an operator key at the top right.";
  return problem;
}

async function loadCollections() {
  const response = await fetch("v1/collections", { headers: authHeaders() });
  if (!response.ok) return showError(await problemOf(response));
  const { collections } = await response.json();
  $("collections-table").querySelector("tbody").replaceChildren(...collections.map((c) => {
    const row = element("tr", { "data-collection": c.name });
    const ask = element("button", { type: "button", class: "link" }, "ask");
    ask.addEventListener("click", () => { $("collection").value = c.name; document.querySelector('nav .tab[data-view="ask-view"]').click(); $("question").focus(); });
    row.append(element("td", {}, c.name), element("td", { class: "num" }, String(c.documents)), element("td", { class: "num" }, String(c.passages)), element("td", {}, ""));
    row.lastChild.append(ask);
    return row;
  }));
}

async function loadSilos() {
  const response = await fetch("v1/cluster/silos", { headers: authHeaders() });
  if (!response.ok) return showError(await problemOf(response));
  const silos = await response.json();
  $("silos-table").querySelector("tbody").replaceChildren(...silos.map((s) => {
    const row = element("tr", { class: s.status === "Active" ? "" : "inactive" });
    row.append(element("td", {}, s.address), element("td", {}, s.name || ""), element("td", {}, s.status), element("td", {}, (s.roles || []).join(", ")),
      element("td", { class: "num" }, s.draftsInFlight === null || s.draftsInFlight === undefined ? "—" : `${s.draftsInFlight} / ${s.maxDraftsInFlight}`));
    return row;
  }));
}

// One row per file, updated from the job's events: pending, then ingested (with counts) or failed (with the reason).
function showFiles(files) {
  $("upload-table").hidden = false;
  $("upload-table").querySelector("tbody").replaceChildren(...files.map((f) => {
    const row = element("tr", { "data-file": f.name });
    row.append(element("td", {}, f.name), element("td", { class: f.status }, f.status),
      element("td", { class: "num" }, String(f.documents)), element("td", { class: "num" }, String(f.passages)), element("td", {}, f.error || ""));
    return row;
  }));
}

async function upload(fileList) {
  const collection = $("upload-collection").value.trim();
  const files = [...fileList];
  if (!collection || files.length === 0) return;
  $("error").hidden = true;
  showFiles(files.map((f) => ({ name: f.name, status: "uploading", documents: 0, passages: 0 })));
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  const response = await fetch(`v1/collections/${encodeURIComponent(collection)}/files`, { method: "POST", headers: authHeaders(), body: form });
  if (!response.ok) return showError(await problemOf(response));
  const job = await response.json();
  showFiles(job.files);
  const events = await fetch(`v1/collections/${encodeURIComponent(collection)}/jobs/${job.id}/events`, { headers: authHeaders({ Accept: "text/event-stream" }) });
  if (!events.ok) return showError(await problemOf(events));
  for await (const update of serverSentEvents(events)) showFiles(update.data.files);
  $("delete-collection").value = collection;
  loadCollections();
}

$("upload-files").addEventListener("change", (event) => upload(event.target.files));
const zone = $("drop-zone");
zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
zone.addEventListener("dragleave", () => zone.classList.remove("over"));
zone.addEventListener("drop", (event) => { event.preventDefault(); zone.classList.remove("over"); upload(event.dataTransfer.files); });

$("delete-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const collection = encodeURIComponent($("delete-collection").value.trim());
  const id = encodeURIComponent($("delete-id").value.trim());
  const response = await fetch(`v1/collections/${collection}/documents/${id}`, { method: "DELETE", headers: authHeaders() });
  $("delete-status").textContent = response.ok ? "Deleted." : "";
  if (!response.ok) showError(await problemOf(response)); else loadCollections();
});

// The last queries asked from this browser, newest first; a click shows the stored result again.
const recentKey = "specrag.recent";
function renderRecent() {
  const recent = JSON.parse(localStorage.getItem(recentKey) || "[]");
  $("recent").replaceChildren(...recent.map((q) => {
    const item = element("li");
    const link = element("a", { "data-query": q.id }, q.question);
    link.addEventListener("click", async () => {
      const response = await fetch(`v1/queries/${q.id}`, { headers: authHeaders() });
      if (response.ok) showResult(await response.json()); else showError(await problemOf(response));
    });
    item.append(link, document.createTextNode(` · ${q.collection || "inline documents"} · ${q.mode}`));
    return item;
  }));
}
document.addEventListener("specrag:answer", (event) => {
  const result = event.detail;
  const recent = JSON.parse(localStorage.getItem(recentKey) || "[]").filter((q) => q.id !== result.id);
  recent.unshift({ id: result.id, question: result.question, collection: result.collection, mode: result.mode });
  localStorage.setItem(recentKey, JSON.stringify(recent.slice(0, 10)));
  renderRecent();
});
renderRecent();
