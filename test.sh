#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need when it is missing, so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is required (https://dot.net); it is not on PATH" >&2
  exit 1
fi

# Debian packages the tests talk to as real peers: ensure <command> <package>.
need=()
ensure() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || need+=("$2"); }
ensure mosquitto mosquitto               # a real MQTT broker for the cloud tests
ensure mosquitto_pub mosquitto-clients   # the reference publisher in the drain benchmark
ensure chromium chromium                 # the browser the signage tests and benchmarks drive (Playwright, system Chromium)
# The screens' Japanese text is set in the system's CJK font, and the browser tests check it is there.
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
# The promotion engine's dayparts and the store's time zone read the IANA database.
[ -e /usr/share/zoneinfo/Asia/Tokyo ] && [ -e /usr/share/zoneinfo/Europe/London ] || need+=(tzdata)
# The deploy tests start the linux-arm64 build of the gateway under qemu-user, on the arm64 libraries of this release.
ensure qemu-aarch64-static qemu-user-static
arm64=()
[ -e /usr/lib/aarch64-linux-gnu/libc.so.6 ] || arm64+=(libc6:arm64)
[ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ] || arm64+=(libstdc++6:arm64)
[ -e /usr/lib/aarch64-linux-gnu/libgcc_s.so.1 ] || arm64+=(libgcc-s1:arm64)
[ -e /usr/lib/aarch64-linux-gnu/libssl.so.3 ] || arm64+=(openssl3:arm64)
if [ ${#need[@]} -gt 0 ] || [ ${#arm64[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  # arm64 packages come from the same mirror once dpkg knows the architecture (idempotent).
  if [ ${#arm64[@]} -gt 0 ]; then $sudo dpkg --add-architecture arm64; fi
  $sudo apt-get update -qq
  # OpenSSL 3 is libssl3 up to Debian 12, libssl3t64 from Debian 13 on: ask the lists just updated.
  for i in "${!arm64[@]}"; do
    if [ "${arm64[$i]}" = openssl3:arm64 ]; then
      if apt-cache show libssl3t64:arm64 >/dev/null 2>&1; then arm64[$i]=libssl3t64:arm64; else arm64[$i]=libssl3:arm64; fi
    fi
  done
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" "${arm64[@]}"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Edge.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One summary line over all test projects, in the form CI reads.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "Tests: ${passed} passed, ${failed} failed"
exit "$status"
