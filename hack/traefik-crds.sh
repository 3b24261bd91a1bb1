#!/usr/bin/env bash
# Prints the directory of Traefik's CRDs (traefik.io/v1alpha1: Middleware and the others) as
# Traefik's source ships them, in the module cache. The module is downloaded with
# `go mod download` (about 15 MB, once, cached in GOMODCACHE like every other module) and is not
# a requirement of go.mod: its dependency graph is huge and the operator uses none of its code.
# TRAEFIK_VERSION overrides the pinned release.
set -euo pipefail

version=${TRAEFIK_VERSION:-v3.7.13}
module=github.com/traefik/traefik/v3

# Outside any module, so that go.mod and go.sum of this repository stay as they are.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dir=$(cd "$scratch" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$module@$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
if [[ -z $dir ]]; then
  echo "go mod download $module@$version printed no directory" >&2
  exit 1
fi
crds=$dir/docs/content/reference/dynamic-configuration
if [[ ! -f $crds/traefik.io_middlewares.yaml ]]; then
  echo "$crds/traefik.io_middlewares.yaml is missing: did Traefik move its CRDs?" >&2
  exit 1
fi
echo "$crds"
