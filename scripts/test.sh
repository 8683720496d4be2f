#!/usr/bin/env bash
# Runs every GateKiosk test: installs what the tests need (Debian packages), checks formatting,
# builds and runs all test projects, and ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: a real broker, a real browser, pseudo-terminals, and the peer decoders.
packages=(mosquitto mosquitto-clients chromium socat zbar-tools zxing-cpp-tools python3-zxing-cpp python3-pil)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

dotnet restore GateKiosk.sln
dotnet format GateKiosk.sln --verify-no-changes --no-restore
dotnet build GateKiosk.sln --no-restore -c Release

log=$(mktemp)
set +e
dotnet test GateKiosk.sln --no-build -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
awk '/^(Passed|Failed)! +-/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
       }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
