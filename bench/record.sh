#!/usr/bin/env bash
# Records a full benchmark run (the one in bench/results/) into bench/results/<UTC date>, or into $1:
# eval on PopQA, ARC-Challenge and MuSiQue (50 questions each, both modes), overhead at m = 1, 5, 10, 20, gateway
# load at 1, 8 and 64 clients, retrieval at 10k, 100k and 1M passages, then the summary. Release build.
# About 20 minutes on 2 cores. Needs ../shared/data beside the repository (or SPECRAG_SHARED_DATA) for eval.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-bench/results/$(date -u +%Y-%m-%d)}"
data="${SPECRAG_SHARED_DATA:-../shared/data}"
mkdir -p "$out"
dotnet build bench/SpecRag.Bench -c Release --nologo -v quiet -clp:ErrorsOnly
bench=(dotnet bench/SpecRag.Bench/bin/Release/net10.0/SpecRag.Bench.dll)

{
  "${bench[@]}" eval --data "$data/popqa-dev.jsonl" --format popqa --limit 50 --mode both --out "$out"
  "${bench[@]}" eval --data "$data/arc-challenge-dev.jsonl" --format arc --limit 50 --mode both --out "$out"
  "${bench[@]}" eval --data "$data/musique-dev.jsonl" --format musique --corpus "$data/musique-corpus.jsonl" --limit 50 --mode both --out "$out"
  "${bench[@]}" overhead --drafts 1,5,10,20 --draft-ms 200 --verify-ms 50 --jitter-ms 20 --requests 20 --zero-requests 200 --out "$out"
  "${bench[@]}" load --concurrency 1,8,64 --requests 400 --out "$out"
  "${bench[@]}" retrieval --passages 10000,100000,1000000 --out "$out"
  "${bench[@]}" summary --out "$out"
} 2>&1 | tee "$out/run.log"
