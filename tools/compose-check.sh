#!/usr/bin/env bash
# Validates docker-compose.yml with the real Compose implementation (no Docker engine needed).
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins/docker-compose"
if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
  docker compose config -q
elif [ -x "$plugin" ]; then
  "$plugin" config -q
else
  echo "compose-check: docker compose is not installed; run tools/install-compose.sh (npm test does it)" >&2
  exit 1
fi
echo "docker-compose.yml: valid"
