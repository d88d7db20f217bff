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
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
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
