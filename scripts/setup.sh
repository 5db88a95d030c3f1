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
# prometheus: promtool and the server the metrics tests start on a loopback
# port (see below: its system service is never started).
# openssl, curl: the TLS tests make a throw-away CA with the CLI and call the
# server with curl. util-linux: prlimit, for the descriptor-limit tests.
# nginx-light: bench/compare.sh serves the same bytes with it from a temp
# directory on a loopback port. libpq-dev: the PostgreSQL store engine's client
# library. postgresql-15: the server the tests start (initdb in a temp dir,
# loopback port). No system service of these is ever started (see below).
packages=(
  g++ cmake make pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libgtest-dev
  wrk dnsmasq-base sqlite3 prometheus
  openssl curl util-linux nginx-light
  libpq-dev postgresql-15
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from another packaging (with npm bundled): check the commands.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "setup: these Debian packages are missing and installing them needs root, but you are" \
        "not root and sudo is not installed: ${missing[*]}" >&2
      echo "setup: as root, run: apt-get install --no-install-recommends ${missing[*]}" >&2
      exit 1
    fi
    sudo="sudo"
  fi
  # apt is quiet (-qq) and slow: say what is coming and roughly for how long.
  echo "setup: installing ${#missing[@]} Debian package(s) with apt: ${missing[*]}" >&2
  echo "setup: (compiler, Boost and the test tools take about 2-5 minutes on a fresh system;" \
    "apt prints nothing meanwhile)" >&2
  echo "setup: apt-get update..." >&2
  $sudo apt-get update -qq
  # Debian's prometheus, nginx and postgresql packages would start their
  # system services: a policy-rc.d that refuses every start keeps invoke-rc.d
  # (and deb-systemd-invoke) from doing so while we install, unless the
  # machine already has one.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
  fi
  status=0
  echo "setup: apt-get install..." >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  [ -z "$policy" ] || $sudo rm -f "$policy"
  [ "$status" -eq 0 ] || exit "$status"
  echo "setup: packages installed" >&2
  # Under a running systemd, also keep them from starting at boot.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    $sudo systemctl disable --now prometheus.service nginx.service postgresql.service \
      >/dev/null 2>&1 || true
  fi
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
