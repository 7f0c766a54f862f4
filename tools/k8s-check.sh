#!/usr/bin/env bash
# Validates deploy/kubernetes offline with kubeconform (built once from its Go module) against the
# committed schemas (npm run k8s:schemas), strictly: an unknown or misspelt field is an error. A known-bad
# manifest must be rejected too, so the check cannot pass by validating nothing.
set -euo pipefail
KUBECONFORM_VERSION=v0.8.0
tools_dir="${MAILFLEET_TOOLS_DIR:-.stack/tools}"
bin="$tools_dir/kubeconform/kubeconform"
if ! { [ -x "$bin" ] && "$bin" -v 2>/dev/null | grep -q "${KUBECONFORM_VERSION#v}"; }; then
  command -v go >/dev/null || { echo "k8s-check: go is needed to build kubeconform" >&2; exit 1; }
  echo "k8s-check: building kubeconform $KUBECONFORM_VERSION from its Go module (once)"
  mkdir -p "$(dirname "$bin")"
  GOBIN="$(cd "$(dirname "$bin")" && pwd)" GOFLAGS=-mod=mod \
    go install -ldflags "-X main.version=$KUBECONFORM_VERSION" "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
fi
validate() {
  "$bin" -strict -summary -output text \
    -schema-location 'deploy/kubernetes/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json' "$@"
}
validate deploy/kubernetes/*.yaml
if validate deploy/kubernetes/testdata/invalid.yaml >/dev/null 2>&1; then
  echo "k8s-check: deploy/kubernetes/testdata/invalid.yaml passed validation; the check is not checking" >&2
  exit 1
fi
echo "k8s-check: the known-bad manifest is rejected, as it must be"
