// The Orleans.SpecRag web console: asks POST /v1/query as a stream, shows each draft as it arrives, then the
// answer, every draft with its scores,
// and a timeline of the query drawn from the response's timings. No dependencies, nothing from a CDN.
"use strict";

const $ = (id) => document.getElementById(id);
const fmt = (x) => (x === null || x === undefined ? "—" : Number(x).toFixed(3));
const ms = (x) => `${Number(x).toFixed(1)} ms`;

// The key typed in the header, kept for this browser tab only; sent where the gateway requires one.
function authHeaders(headers = {}) {
  const key = sessionStorage.getItem("specrag.key");
  return key ? { ...headers, "X-Api-Key": key } : headers;
}

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function showError(problem) {
  const box = $("error");
  box.replaceChildren(element("strong", {}, problem.title || "The request failed"));
  if (problem.detail) box.append(element("div", {}, problem.detail));
  for (const [field, messages] of Object.entries(problem.errors || {})) {
    box.append(element("div", {}, `${field}: ${messages.join(" ")}`));
  }
  box.hidden = false;
}

// Phases laid out on one time axis: retrieval, clustering, each draft from the moment drafting began, verification.
function phases(result) {
  const t = result.timings;
  const rows = [{ label: "Retrieval", start: 0, duration: t.retrievalMs, kind: "retrieval" }];
  if (result.mode === "standard") {
    rows.push({ label: "Answer (verifier model)", start: t.retrievalMs, duration: t.verificationMs, kind: "answer" });
    return rows;
  }
  rows.push({ label: "Clustering", start: t.retrievalMs, duration: t.clusteringMs, kind: "clustering" });
  const draftStart = t.retrievalMs + t.clusteringMs;
  for (const draft of result.drafts) {
    rows.push({
      label: `Draft ${draft.index} · ${draft.silo}`,
      start: draftStart,
      duration: draft.latencyMs,
      kind: draft.index === result.selectedDraft ? "draft selected" : "draft",
      draft: draft.index,
    });
  }
  rows.push({ label: "Verification", start: draftStart + t.draftingMs, duration: t.verificationMs, kind: "verification" });
  return rows;
}

function drawTimeline(result) {
  const rows = phases(result);
  const total = Math.max(result.timings.totalMs, ...rows.map((r) => r.start + r.duration), 1);
  const labelWidth = 300, width = 1100, rowHeight = 22, top = 8, axis = 24;
  const height = top + rows.length * rowHeight + axis;
  const scale = (width - labelWidth - 20) / total;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Query timeline" });

  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    chart.append(svg("text", { x: 6, y: y + 15, class: "label" }, row.label));
    const bar = svg("rect", {
      x: labelWidth + row.start * scale, y: y + 3, height: rowHeight - 7,
      width: Math.max(row.duration * scale, 2), rx: 3, class: `bar ${row.kind}`,
    });
    bar.append(svg("title", {}, `${row.label}: ${ms(row.duration)} (from ${ms(row.start)})`));
    if (row.draft !== undefined) bar.setAttribute("data-draft", row.draft);
    chart.append(bar);
  });

  const axisY = top + rows.length * rowHeight + 4;
  chart.append(svg("line", { x1: labelWidth, x2: width - 20, y1: axisY, y2: axisY, class: "axis" }));
  for (let k = 0; k <= 4; k++) {
    const value = (total * k) / 4;
    const anchor = k === 0 ? "start" : k === 4 ? "end" : "middle";
    chart.append(svg("text", { x: labelWidth + value * scale, y: axisY + 15, "text-anchor": anchor }, `${value.toFixed(0)} ms`));
  }
  $("timeline").replaceChildren(chart);
}

function showResult(result) {
  $("answer").textContent = result.answer;
  $("rationale").textContent = result.rationale;
  $("citations").replaceChildren(...result.citations.map((c) => element("li", {}, c.title ? `${c.title} (${c.id})` : c.id)));
  $("meta").textContent =
    `${result.mode} · drafter ${result.models.drafter ?? "—"} · verifier ${result.models.verifier}` +
    `${result.scoring ? ` · scoring ${result.scoring}` : ""} · ${ms(result.timings.totalMs)} · trace ${result.traceId ?? "—"}`;

  const body = $("drafts-table").querySelector("tbody");
  body.replaceChildren(...result.drafts.map((d) => {
    const row = element("tr", { "data-draft": d.index, class: d.index === result.selectedDraft ? "selected" : "" });
    row.append(
      element("td", {}, String(d.index)),
      element("td", { title: d.rationale }, d.answer),
      element("td", {}, d.documentIds.join(", ")),
      element("td", { class: "num" }, fmt(d.scores.draft)),
      element("td", { class: "num" }, fmt(d.scores.selfConsistency)),
      element("td", { class: "num" }, fmt(d.scores.selfReflection)),
      element("td", { class: "num" }, fmt(d.scores.total)),
      element("td", { class: "num" }, ms(d.latencyMs)),
      element("td", {}, d.silo));
    return row;
  }));
  $("drafts-heading").hidden = $("drafts-table").hidden = result.drafts.length === 0;
  $("failed").replaceChildren(...(result.failedDrafts || []).map((f) =>
    element("p", { class: "failed" }, `Draft ${f.index} (${f.documentIds.join(", ")}) failed: ${f.error}`)));

  drawTimeline(result);
  $("result").hidden = false;
  document.dispatchEvent(new CustomEvent("specrag:answer", { detail: result }));
}

// A draft row as soon as the draft arrives; the verifier's scores fill in when the answer comes.
function showDraftArriving(draft) {
  $("result").hidden = false;
  $("drafts-heading").hidden = $("drafts-table").hidden = false;
  const row = element("tr", { "data-draft": draft.index, class: "arriving" });
  row.append(
    element("td", {}, String(draft.index)),
    element("td", { title: draft.rationale }, draft.answer),
    element("td", {}, draft.documentIds.join(", ")),
    element("td", { class: "num" }, fmt(draft.draftScore)),
    element("td", { class: "num" }, "…"),
    element("td", { class: "num" }, "…"),
    element("td", { class: "num" }, "…"),
    element("td", { class: "num" }, ms(draft.latencyMs)),
    element("td", {}, draft.silo));
  $("drafts-table").querySelector("tbody").append(row);
}

// Reads server-sent events from a fetch response: the query's progress as it happens.
async function* serverSentEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split("\n");
      const name = (lines.find((l) => l.startsWith("event: ")) || "event: message").slice(7);
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) yield { name, data: JSON.parse(data) };
    }
    if (done) return;
  }
}

$("ask-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = $("ask");
  button.disabled = true;
  $("status").textContent = "Retrieving…";
  $("error").hidden = true;
  $("result").hidden = true;
  $("drafts-table").querySelector("tbody").replaceChildren();
  try {
    const response = await fetch("v1/query", {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify({
        question: $("question").value,
        collection: $("collection").value || undefined,
        drafts: Number($("drafts").value),
        docsPerDraft: Number($("docsPerDraft").value),
        mode: $("mode").value,
        stream: true,
      }),
    });
    if (!response.ok) {
      showError(await response.json().catch(() => ({ title: `HTTP ${response.status}` })));
      return;
    }
    let drafts = 0;
    for await (const update of serverSentEvents(response)) {
      if (update.name === "retrieved") $("status").textContent = `Retrieved ${update.data.passages.length} passages; drafting…`;
      if (update.name === "draft") { drafts++; showDraftArriving(update.data); $("status").textContent = `${drafts} draft(s) in…`; }
      if (update.name === "verified") $("status").textContent = "Verifying…";
      if (update.name === "answer") showResult(update.data);
    }
  } catch (error) {
    showError({ title: "The gateway could not be reached", detail: String(error) });
  } finally {
    button.disabled = false;
    $("status").textContent = "";
  }
});
