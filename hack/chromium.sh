#!/usr/bin/env bash
# Finds or installs Debian's headless-capable Chromium for the report test (test/report): the
# HTML report a data-protection officer files is printed to PDF and screenshotted by a real
# browser. Debian's `chromium` package is used because no browser can be downloaded from
# elsewhere on our build machines; apt caches the .deb, so only the first run is slow.
#
# Usage: hack/chromium.sh      prints the path of the chromium binary (last line)
# Env:   CHROMIUM              a browser to use instead (checked, never installed)
set -euo pipefail

log() { printf '[chromium %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

works() { "$1" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1; }

if [[ -n "${CHROMIUM:-}" ]]; then
  works "$CHROMIUM" || { log "CHROMIUM=$CHROMIUM does not run"; exit 1; }
  echo "$CHROMIUM"
  exit 0
fi

for candidate in chromium chromium-browser; do
  if path=$(command -v "$candidate") && works "$path"; then
    echo "$path"
    exit 0
  fi
done

# Not there: install Debian's package. That needs root (or sudo without a password) and apt.
if ! command -v apt-get >/dev/null; then
  log "no chromium on PATH and no apt-get to install it: install Chromium or set CHROMIUM=/path/to/chromium"
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if ! sudo -n true 2>/dev/null; then
    log "no chromium on PATH and no root to run apt-get install chromium: install it or set CHROMIUM"
    exit 1
  fi
  sudo=(sudo -n)
fi
log "installing Debian's chromium with apt-get (once; the package stays in apt's cache)"
# Other clones may install at the same time: wait for dpkg's lock rather than fail on it.
apt_opts=(-o DPkg::Lock::Timeout=900 -q)
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends chromium >&2; then
  log "apt-get install chromium failed; refreshing the package lists once and retrying"
  "${sudo[@]}" apt-get "${apt_opts[@]}" update >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends chromium >&2 \
    || { log "apt-get install chromium failed: install Chromium or set CHROMIUM"; exit 1; }
fi
path=$(command -v chromium) || { log "apt-get installed chromium but it is not on PATH"; exit 1; }
works "$path" || { log "$path does not start headless"; exit 1; }
echo "$path"
