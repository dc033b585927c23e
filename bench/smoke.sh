#!/usr/bin/env bash
# Bench smoke test: runs every specrag-bench command once on a tiny input so that the harness cannot rot, writing
# to a temporary --out folder, and exits non-zero when any command fails or leaves no report. It checks that the
# harness works, not how fast anything is (benchmarks never assert timings). About 2 minutes on 2 cores.
#
#   bench/smoke.sh                       # Debug build (the one `dotnet test Orleans.SpecRag.sln` already made)
#   BENCH_CONFIGURATION=Release bench/smoke.sh
#   SPECRAG_SHARED_DATA=/path/to/data bench/smoke.sh   # default: ../shared/data beside the repository
#
# eval needs ../shared/data/popqa-dev.jsonl; without it eval says so and exits 0, and the smoke test goes on.
set -uo pipefail
cd "$(dirname "$0")/.."

configuration="${BENCH_CONFIGURATION:-Debug}"
data="${SPECRAG_SHARED_DATA:-../shared/data}"
out="$(mktemp -d "${TMPDIR:-/tmp}/specrag-bench-smoke.XXXXXX")"
failed=()
started=$SECONDS

echo "== build bench/SpecRag.Bench ($configuration)"
if ! dotnet build bench/SpecRag.Bench -c "$configuration" --nologo -v quiet -clp:ErrorsOnly; then
  echo "bench smoke: the build failed"
  exit 1
fi
bench=(dotnet "bench/SpecRag.Bench/bin/$configuration/net10.0/SpecRag.Bench.dll")

run() {
  local name=$1
  shift
  echo "== $name: specrag-bench $*"
  if ! timeout 300 "${bench[@]}" "$@" --out "$out"; then
    failed+=("$name (exit code)")
  fi
}

expect() {
  local report=$1
  [[ -s "$out/$report.json" && -s "$out/$report.md" ]] || failed+=("$report (no $report.json / $report.md)")
}

run eval eval --data "$data/popqa-dev.jsonl" --format popqa --limit 3 --mode both
if [[ -f "$data/popqa-dev.jsonl" ]]; then expect eval-popqa; fi
run overhead overhead --drafts 1,5 --requests 3 --zero-requests 20 --draft-ms 20 --verify-ms 5 --jitter-ms 2
expect overhead
run load load --concurrency 1,8 --requests 20 --warmup 4 --ingest-passages 64
expect load
run retrieval retrieval --passages 1000,25000 --shards 1 --queries 20 --ingest-passages 16 --musique none
expect retrieval
run summary summary
expect summary

elapsed=$((SECONDS - started))
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "bench smoke: FAILED after ${elapsed}s: ${failed[*]} (reports kept in $out)"
  exit 1
fi

rm -rf "$out"
echo "bench smoke: all commands ran in ${elapsed}s"
