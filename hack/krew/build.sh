#!/usr/bin/env bash
# Builds the kubectl plugin's release archives and its krew manifest into dist/krew/:
# kubectl-meetwarden_<os>_<arch>.tar.gz (the binary and docs/report.md as README.md)
# and meetwarden.yaml with each archive's sha256, from hack/krew/meetwarden.yaml.tmpl.
#
# Usage: hack/krew/build.sh VERSION [os/arch ...]   (default: linux/amd64 linux/arm64 darwin/amd64 darwin/arm64)
# The archives' URIs point at the GitHub release VERSION; upload them there before publishing.
set -euo pipefail
version="${1:?usage: hack/krew/build.sh VERSION [os/arch ...]}"
shift
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64)

root="$(cd "$(dirname "$0")/../.." && pwd)"
dist="$root/dist/krew"
rm -rf "$dist" && mkdir -p "$dist"
platforms=""
for target in "${targets[@]}"; do
  os="${target%/*}" arch="${target#*/}"
  name="kubectl-meetwarden_${os}_${arch}"
  work="$dist/$name"
  mkdir -p "$work"
  (cd "$root" && CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath -ldflags '-s -w' -o "$work/kubectl-meetwarden" ./cmd/kubectl-meetwarden)
  cp "$root/docs/report.md" "$work/README.md"
  tar -C "$work" -czf "$dist/$name.tar.gz" kubectl-meetwarden README.md
  rm -rf "$work"
  sha=$(sha256sum "$dist/$name.tar.gz" | cut -d' ' -f1)
  platforms+="  - selector:
      matchLabels: {os: $os, arch: $arch}
    uri: https://github.com/meetwarden/meetwarden/releases/download/$version/$name.tar.gz
    sha256: $sha
    bin: kubectl-meetwarden
    files:
    - {from: kubectl-meetwarden, to: .}
    - {from: README.md, to: .}
"
done
awk -v version="$version" -v platforms="$platforms" \
  '{ if ($0 == "PLATFORMS") printf "%s", platforms; else { sub(/^  version: VERSION$/, "  version: " version); print } }' \
  "$root/hack/krew/meetwarden.yaml.tmpl" >"$dist/meetwarden.yaml"
echo "$dist/meetwarden.yaml"
