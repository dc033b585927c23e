#!/usr/bin/env bash
# Runs the whole test suite: restores, builds and tests every project of the solution.
# Needs only the .NET 10 SDK; tests that use ../shared data skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")"
dotnet test Orleans.SpecRag.sln --logger "console;verbosity=normal" "$@"
