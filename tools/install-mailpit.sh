#!/usr/bin/env bash
# Installs Mailpit (the SMTP server with a web UI that `npm start` sends the fleet's mail to). Built from
# its Go module, the only way to get it on machines that reach package registries but not download sites;
# the module lacks the built web UI, so it is built first with the module's own package-lock (npm
# registry). Idempotent: does nothing when the wanted version is installed. docker-compose uses the image.
set -euo pipefail
MAILPIT_VERSION=v1.27.11
tools_dir="${MAILFLEET_TOOLS_DIR:-.stack/tools}"
bin="$tools_dir/mailpit/mailpit"
if [ -x "$bin" ] && "$bin" version --no-release-check 2>/dev/null | grep -q "$MAILPIT_VERSION"; then
  exit 0
fi
command -v go >/dev/null || { echo "install-mailpit: go is needed to build Mailpit" >&2; exit 1; }
echo "install-mailpit: building Mailpit $MAILPIT_VERSION from its Go module (about a minute, once)"
module=$(GOFLAGS=-mod=mod go mod download -json "github.com/axllent/mailpit@$MAILPIT_VERSION" | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$module/." "$work"
chmod -R u+w "$work"
(
  cd "$work"
  # --ignore-scripts: nothing of it needs an install script (esbuild comes as its platform package).
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
  npm run build >/dev/null
  GOFLAGS=-mod=mod go build -ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION" -o mailpit .
)
mkdir -p "$(dirname "$bin")"
install -m 0755 "$work/mailpit" "$bin"
"$bin" version --no-release-check
