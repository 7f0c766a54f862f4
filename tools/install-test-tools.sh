#!/usr/bin/env bash
# What `npm test` needs beyond npm packages, installed once and idempotently, so a fresh machine needs
# nothing by hand: the Docker Compose CLI plugin (validates docker-compose.yml; no engine), Chromium
# (the dashboard's browser test, driven by playwright-core) and Postfix (a real MTA whose bounce reports
# the feedback service's test reads; its tests run a private instance, never the system's). Kafka, the
# MongoDB stand-in and Mailpit are fetched by the tools that start them.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-compose.sh

as_root=()
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then as_root=(sudo); fi
apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || {
    echo "install-test-tools: $1 is needed ($2); install it with your package manager (Chromium: or set CHROMIUM_PATH)" >&2
    exit 1
  }
  if [ "$(id -u)" != 0 ] && [ ${#as_root[@]} = 0 ]; then
    echo "install-test-tools: installing $1 needs root: run 'sudo apt-get install $1'" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [ "$apt_updated" = 0 ]; then
    "${as_root[@]}" apt-get update -qq
    apt_updated=1
  fi
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}

if ! command -v postconf >/dev/null || [ ! -f /etc/postfix/master.cf ]; then
  echo "install-test-tools: installing Postfix from Debian for the bounce-report test (once)"
  apt_install postfix "the feedback service's bounce-report test runs a private Postfix instance"
fi

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ]; then
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    echo "install-test-tools: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable; point it at a Chromium or unset it" >&2
    exit 1
  fi
  echo "install-test-tools: installing Chromium from Debian for the dashboard's browser test (once, about a minute)"
  apt_install chromium "the dashboard's browser test"
  "$chromium_path" --version 2>/dev/null
fi
