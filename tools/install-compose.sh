#!/usr/bin/env bash
# Installs the Docker Compose v2 CLI plugin (only the client: it validates docker-compose.yml; no engine
# is needed for `docker compose config`). Built from its Go module, the only way to get it on machines
# that reach package registries but not download sites. Idempotent.
set -euo pipefail
COMPOSE_VERSION=v2.32.4
plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
if [ -x "$plugin_dir/docker-compose" ] && "$plugin_dir/docker-compose" version >/dev/null 2>&1; then
  exit 0
fi
command -v go >/dev/null || { echo "install-compose: go is needed to build the docker compose plugin" >&2; exit 1; }
echo "install-compose: building docker compose $COMPOSE_VERSION from its Go module (a few minutes, once)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOFLAGS=-mod=mod go install "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION"
mkdir -p "$plugin_dir"
install -m 0755 "$tmp/cmd" "$plugin_dir/docker-compose"
"$plugin_dir/docker-compose" version
