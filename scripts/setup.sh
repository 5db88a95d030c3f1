#!/usr/bin/env bash
# Installs what cfiam needs on Debian 12 (only what is missing), the npm
# packages of the SDK tests (from the committed package-lock), and builds.
#
#   scripts/setup.sh release   Release build in build/release (the server)
#   scripts/setup.sh asan      ASan+UBSan build with tests in build/asan
#   scripts/setup.sh deps      packages only
set -euo pipefail
cd "$(dirname "$0")/.."
flavor="${1:-release}"

# dnsmasq-base: the DNS server the SSO verification tests start on a loopback
# port (the binary only; the "dnsmasq" package would also run a system service
# on port 53). sqlite3: the CLI the audit tests use to look at the stored log
# of a deleted account, and the audit benchmark uses to seed a million entries.
# openssl, curl: the TLS tests make a throw-away CA with the CLI and call the
# server with curl. util-linux: prlimit, for the descriptor-limit tests.
packages=(
  g++ cmake make pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libgtest-dev
  wrk dnsmasq-base sqlite3
  openssl curl util-linux
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from another packaging (with npm bundled): check the commands.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci wipes node_modules, so run it only when the lock file changed.
stamp=node_modules/.cfiam-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" >"$stamp"
fi

jobs=$(nproc)
case "$flavor" in
  deps) exit 0 ;;
  release)
    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCFIAM_TESTS=OFF >/dev/null
    cmake --build build/release -j"$jobs" --target cfiam
    ;;
  asan)
    cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCFIAM_SANITIZE=ON \
      -DCFIAM_WERROR=ON -DCFIAM_TESTS=ON >/dev/null
    cmake --build build/asan -j"$jobs"
    ;;
  *) echo "usage: scripts/setup.sh [release|asan|deps]" >&2; exit 2 ;;
esac
