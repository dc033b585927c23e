// Prints every failed test of the given .trx files with its message and the top of its stack trace, so the
// tail of a long CI log says what failed (the console logger prints failures in place, thousands of lines up).
import { readFileSync } from "node:fs";

const decode = (s) =>
  s.replace(/&#x([0-9a-fA-F]+);/g, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

let count = 0;
for (const file of process.argv.slice(2)) {
  const xml = readFileSync(file, "utf8");
  for (const [, attributes, body] of xml.matchAll(/<UnitTestResult ([^>]*?)(?:\/>|>([\s\S]*?)<\/UnitTestResult>)/g)) {
    if (!/outcome="(Failed|Error|Timeout|Aborted)"/.test(attributes)) continue;
    const name = decode(/testName="([^"]*)"/.exec(attributes)?.[1] ?? "?");
    const duration = /duration="([^"]*)"/.exec(attributes)?.[1] ?? "";
    const message = decode(/<Message>([\s\S]*?)<\/Message>/.exec(body ?? "")?.[1] ?? "(no message)");
    const stack = decode(/<StackTrace>([\s\S]*?)<\/StackTrace>/.exec(body ?? "")?.[1] ?? "");
    count++;
    console.log(`FAILED ${name} (${duration})`);
    console.log(message.trim().split("\n").slice(0, 40).map((l) => "  " + l).join("\n"));
    const frames = stack.trim().split("\n").filter((l) => l.includes("Orleans.SpecRag")).slice(0, 8);
    if (frames.length) console.log(frames.map((l) => "  " + l.trim()).join("\n"));
  }
}
if (count) console.log(`${count} test(s) failed; each one's full output is in the log above and in TestResults/*.trx.`);
