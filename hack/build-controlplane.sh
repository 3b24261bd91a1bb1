#!/usr/bin/env bash
# Builds the local Kubernetes control plane from source through the Go module proxy:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok.
#
# No prebuilt binaries can be downloaded on our build machines, and no container can run, so the
# test cluster is made of real upstream binaries compiled here. They are cached per version set
# outside the checkout, so every clone on a machine shares them and only the first build is slow.
#
# Usage: hack/build-controlplane.sh            prints the directory holding the binaries (last line)
# Env:   MEETWARDEN_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/meetwarden)
set -euo pipefail

KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.36.3}"
# The staging modules (k8s.io/api, ...) are published as v0.<minor>.<patch>.
STAGING_VERSION="v0${KUBERNETES_VERSION#v1}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"

cache_root="${MEETWARDEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meetwarden}"
dest="$cache_root/controlplane/k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}"
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { printf '[controlplane %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

complete() {
  [[ -f "$dest/.complete" ]] || return 1
  for b in "${binaries[@]}"; do [[ -x "$dest/bin/$b" ]] || return 1; done
}

if complete; then
  echo "$dest"
  exit 0
fi

# One build at a time per cache: parallel `make` targets wait for the first to finish.
mkdir -p "$cache_root/controlplane"
exec 9>"$cache_root/controlplane/.lock"
if ! flock -n 9; then
  log "another build is running; waiting for it"
  flock 9
fi
if complete; then echo "$dest"; exit 0; fi

work="$dest/src"
mkdir -p "$dest/bin" "$work"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0
start=$SECONDS

step() { log "[$1/5] $2 (elapsed $((SECONDS - start))s)"; }

# Prints a heartbeat while a long compile runs, so the user sees it is alive.
with_heartbeat() {
  local label="$1"; shift
  ( while sleep 30; do log "    still building $label ... $((SECONDS - start))s"; done ) &
  local hb=$!
  local rc=0
  "$@" || rc=$?
  kill "$hb" 2>/dev/null; wait "$hb" 2>/dev/null || true
  return "$rc"
}

# --- etcd: go.etcd.io/etcd/server/v3 has replace directives, so it cannot be `go install`ed;
# a wrapper module that requires it and calls etcdmain.Main builds the same server.
step 1 "etcd $ETCD_VERSION"
if [[ ! -x "$dest/bin/etcd" ]]; then
  mkdir -p "$work/etcd"
  cat >"$work/etcd/go.mod" <<MOD
module meetwarden.local/controlplane/etcd

go 1.26
MOD
  cat >"$work/etcd/main.go" <<'GO'
// Command etcd runs the upstream etcd server for the local test control plane.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$work/etcd" &&
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2 &&
    go mod tidy >&2 &&
    with_heartbeat etcd go build -trimpath -o "$dest/bin/etcd" . >&2)
fi

# --- Kubernetes: k8s.io/kubernetes replaces every k8s.io/<staging> module with a local path;
# the wrapper replaces each with its published version instead. The list comes from
# k8s.io/kubernetes' own go.mod, so a version bump needs no edit here.
step 2 "kubernetes $KUBERNETES_VERSION module graph"
kdir="$work/kubernetes"
if [[ ! -f "$kdir/go.sum" ]]; then
  mkdir -p "$kdir"
  kmod=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  {
    echo "module meetwarden.local/controlplane/kubernetes"
    echo
    echo "go 1.26"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    echo "replace ("
    grep -E '^[[:space:]]*k8s.io/[^ ]+ => \./staging/' "$kmod" |
      awk -v v="$STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } >"$kdir/go.mod.tmp"
  # sample-* modules are examples that nothing imports and not all are published.
  grep -v 'k8s.io/sample-' "$kdir/go.mod.tmp" >"$kdir/go.mod"; rm "$kdir/go.mod.tmp"
  cat >"$kdir/tools.go" <<'GO'
//go:build tools

// Package tools pins the Kubernetes commands this wrapper module builds.
package tools
GO
  (cd "$kdir" && go get \
    "k8s.io/kubernetes/cmd/kube-apiserver@$KUBERNETES_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$KUBERNETES_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$KUBERNETES_VERSION" >&2)
fi

# The version stamps make `kubectl version` and discovery report the real version.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1"
  ldflags+=" -X $pkg.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean"
done

n=3
for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
  if [[ ! -x "$dest/bin/$cmd" ]]; then
    step "$n" "$cmd (several minutes on 2 cores when cold)"
    (cd "$kdir" && with_heartbeat "$cmd" go build -trimpath -ldflags "$ldflags" \
      -o "$dest/bin/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd" >&2)
    mv "$dest/bin/$cmd.tmp" "$dest/bin/$cmd"
  fi
  n=$((n + 1))
  [[ $n -gt 4 ]] && n=4
done

# --- kwok: its module has no replace directives, so `go install` builds it directly.
step 5 "kwok $KWOK_VERSION"
if [[ ! -x "$dest/bin/kwok" ]]; then
  with_heartbeat kwok env GOBIN="$dest/bin" go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
fi
# kwok needs Stage definitions (node heartbeat, pod lifecycle); they ship inside its module.
kwokdir=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
mkdir -p "$dest/kwok-stages"
find "$kwokdir/kustomize/stage/node" "$kwokdir/kustomize/stage/pod/general" -name '*.yaml' ! -name kustomization.yaml \
  -exec sh -c 'for f; do cat "$f"; echo "---"; done' _ {} + >"$dest/kwok-stages/stages.yaml"

touch "$dest/.complete"
log "done in $((SECONDS - start))s: $dest/bin"
echo "$dest"
