#!/usr/bin/env bash
# npm test: everything, in the order that fails fastest — static checks, unit tests, then integration
# tests against the real local stack, which is started here if it is not running (and stopped again).
# What the checks need beyond npm packages is installed first, once (tools/install-test-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
jest_flags=()
[ "${CI:-}" = "true" ] && jest_flags+=(--ci)

step "test tools (installed once)"; bash tools/install-test-tools.sh
step "lint"; npm run -s lint
step "format"; npm run -s format:check
step "types"; npm run -s typecheck
step "docker-compose.yml"; npm run -s compose:check
step "Kubernetes manifests (kubeconform, offline)"; npm run -s k8s:check
step "schema compatibility gate"; npm run -s contracts:gate
step "unit tests"; npx jest --selectProjects unit "${jest_flags[@]}"

step "local stack"
started_here=0
if ! npm run -s stack -- status >/dev/null 2>&1; then
  npm run -s stack -- up
  started_here=1
fi
stop_stack() { if [ "$started_here" = 1 ]; then npm run -s stack -- down; fi; }
trap stop_stack EXIT

step "integration and MongoDB conformance tests (MongoDB: ${MONGO_URL:-local stack})"
# A bound on the whole run, so a wedged server fails the run with a clear message instead of eating CI's
# time limit; a healthy run takes about ten minutes on a 2-core machine.
int_timeout="${MAILFLEET_INT_TIMEOUT:-45m}"
status=0
timeout --kill-after=30s "$int_timeout" npx jest --selectProjects int conformance "${jest_flags[@]}" || status=$?
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
  echo "test: the integration tests did not finish within $int_timeout (MAILFLEET_INT_TIMEOUT); see .stack/*/logs" >&2
fi
exit "$status"
