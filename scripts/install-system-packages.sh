#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/system-packages.txt that are missing, so the README's test command
# works on a fresh machine. Does nothing when all are present; without apt-get (not Debian) it names what is missing
# and lets the tests that need a package say so themselves.
set -euo pipefail
list="$(dirname "$0")/system-packages.txt"
mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$list")
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "headstart tests: missing system packages (${missing[*]}); install them to run every test." >&2
  exit 0
fi
sudo=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
echo "headstart tests: installing ${missing[*]} (apt-get)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
