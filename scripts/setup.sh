#!/usr/bin/env bash
# Installs what llstream needs on a Debian/Ubuntu machine: system packages
# (ffmpeg, Chromium for the browser tests, the test pattern's font, xmllint for
# manifest validation), then the npm packages from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

node_version=$(node -p 'process.versions.node' 2>/dev/null || echo none)
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
  echo "llstream needs Node.js >= 20.19 (found: $node_version)." >&2
  exit 1
fi

# ffmpeg: transcoding and the test source; fonts-dejavu-core: the test
# pattern's burned-in clock; libxml2-utils: xmllint validates served MPDs;
# chromium: headless browser tests (Debian's build plays H.264/AAC via MSE).
# varnish: the reference CDN edge (npm run edge) and its tests; it streams an
# in-progress segment to every viewer with one origin request.
# varnish-modules, varnish-vmod-digest: vmods the edge's VCL can use (request
# throttling; HMAC for signed playback URLs).
packages=(ffmpeg fonts-dejavu-core libxml2-utils chromium varnish varnish-modules varnish-vmod-digest)
# Ubuntu ships Chromium only as a snap, behind the chromium-browser package
# (binary /snap/bin/chromium, which the tests also look for).
if grep -qs '^ID=ubuntu' /etc/os-release; then packages[3]=chromium-browser; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing system packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
