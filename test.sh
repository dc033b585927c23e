#!/usr/bin/env bash
# Runs the whole test suite: restores, builds and tests every project of the solution, then prints one
# summary line ("N passed, N failed, N skipped"). Needs the .NET 10 SDK and Node.js; installs Azurite
# (npm, repo-locally) and Debian's Chromium for the browser test when it is missing and this user may (root
# with apt-get). Tests that use ../shared data skip with a message when it is absent.
set -uo pipefail
cd "$(dirname "$0")"

if [[ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] && command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
  echo "Installing Chromium for the web console test…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "Chromium could not be installed; the browser test will be skipped."
fi

# Azurite, the Azure Storage emulator the cluster fault tests run against, pinned in tools/azurite.
if [[ ! -x tools/azurite/node_modules/.bin/azurite ]] && command -v npm >/dev/null; then
  echo "Installing Azurite into tools/azurite…"
  npm ci --prefix tools/azurite --no-audit --no-fund --loglevel=error \
    || echo "Azurite could not be installed; the Azure Storage tests will be skipped."
fi

# The offline validator of the Kubernetes manifests (deploy/k8s/validate.mjs) and its pinned schemas.
if [[ ! -d deploy/k8s/node_modules ]] && command -v npm >/dev/null; then
  npm ci --prefix deploy/k8s --no-audit --no-fund --loglevel=error \
    || echo "The manifest validator could not be installed; its tests will be skipped."
fi

rm -rf TestResults
dotnet test Orleans.SpecRag.sln --logger "console;verbosity=normal" --logger "trx" --results-directory TestResults "$@"
status=$?
passed=0 failed=0 skipped=0
for trx in TestResults/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  total=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
  executed=$(sed -E 's/.* executed="([0-9]+)".*/\1/' <<<"$counters")
  passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
  failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
  skipped=$((skipped + total - executed))
done
if [[ $failed -gt 0 ]] && command -v node >/dev/null; then
  node tools/trx-failures.mjs TestResults/*.trx
fi
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  echo "dotnet test exited with $status but no test failed: the build failed or a test host crashed (see above)."
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit $status
