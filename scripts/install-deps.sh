#!/usr/bin/env bash
# Installs everything linkly needs to build and test on Debian 12 (bookworm).
# Safe to run again: apt-get skips what is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates python3 curl
  libcaf-dev libssl-dev libqrencode-dev zlib1g-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libleveldb-dev libsnappy-dev libcereal-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libfuzzer-14-dev
  chromium nodejs npm
  nginx gnuplot-nox
  nats-server libnats-dev
)

missing=()
for p in "${packages[@]}"; do
  # A Node from elsewhere bundles npm (and conflicts with Debian's): what
  # counts for these two is that the command is there.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The browser test's playwright-core, exactly as tests/browser/package-lock.json
# pins it (it drives /usr/bin/chromium and downloads no browser). Skipped
# while node_modules was installed from this very lock file.
# The same for the Shlink SDK test's @shlinkio/shlink-js-sdk (tests/shlink).
npm_ci_locked() {
  local dir="$1"
  local lock_sum stamp
  lock_sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  stamp="$dir/node_modules/.installed-lock.sha256"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    npm ci --prefix "$dir" --no-audit --no-fund
    echo "$lock_sum" >"$stamp"
  fi
}
tests_dir="$(cd "$(dirname "$0")/.." && pwd)/tests"
npm_ci_locked "$tests_dir/browser"
npm_ci_locked "$tests_dir/shlink"
