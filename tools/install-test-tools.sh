#!/usr/bin/env bash
# What `npm test` needs beyond npm packages, installed once and idempotently, so a fresh machine needs
# nothing by hand: the Docker Compose CLI plugin (validates docker-compose.yml; no engine) and Chromium
# (the dashboard's browser test, driven by playwright-core). Kafka, the MongoDB stand-in and Mailpit are
# fetched by the tools that start them.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-compose.sh

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ]; then
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    echo "install-test-tools: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable; point it at a Chromium or unset it" >&2
    exit 1
  fi
  command -v apt-get >/dev/null || {
    echo "install-test-tools: Chromium is needed for the dashboard's browser test; install it, or set CHROMIUM_PATH to one" >&2
    exit 1
  }
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || {
      echo "install-test-tools: installing Chromium needs root: run 'sudo apt-get install chromium', or set CHROMIUM_PATH" >&2
      exit 1
    }
    as_root=(sudo)
  fi
  echo "install-test-tools: installing Chromium from Debian for the dashboard's browser test (once, about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq chromium >/dev/null
  "$chromium_path" --version 2>/dev/null
fi
