#!/usr/bin/env bash
# Prints the operator's kustomize install (config/default) with the image set to $1, through a
# temporary overlay, so config/ is never edited. With --without-crds it leaves the CRDs out:
# `make undeploy` deletes what this prints, and deleting the CRD would delete every
# MeetingPlatform in the cluster (docs/uninstall.md).
# Uses `kubectl kustomize`; no kustomize binary is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

img="" without_crds=false
for arg in "$@"; do
  case "$arg" in
    --without-crds) without_crds=true ;;
    -*) echo "usage: $0 [--without-crds] [IMAGE]" >&2; exit 2 ;;
    *) img="$arg" ;;
  esac
done

overlay=$(mktemp -d)
trap 'rm -rf "$overlay"' EXIT
{
  echo "resources:"
  echo "- $(realpath --relative-to="$overlay" config/default)"
  if [[ -n "$img" ]]; then
    # IMAGE is name, name:tag or name@sha256:digest; a registry port (host:5000/x) is no tag.
    name=$img tag="" digest=""
    if [[ "$img" == *@* ]]; then
      name=${img%@*} digest=${img#*@}
    elif [[ "${img##*/}" == *:* ]]; then
      name=${img%:*} tag=${img##*:}
    fi
    echo "images:"
    echo "- name: ghcr.io/meetwarden/meetwarden"
    echo "  newName: $name"
    [[ -z "$tag" ]] || echo "  newTag: \"$tag\""
    [[ -z "$digest" ]] || echo "  digest: $digest"
  fi
  if [[ -n "$img" ]] || $without_crds; then
    echo "patches:"
  fi
  if [[ -n "$img" ]]; then
    # The token bridge runs the same image; the manager takes the last --tokenbridge-image.
    echo "- target: {kind: Deployment}"
    echo "  patch: |"
    echo "    - op: add"
    echo "      path: /spec/template/spec/containers/0/args/-"
    echo "      value: --tokenbridge-image=$img"
  fi
  if $without_crds; then
    cat <<'YAML'
- target:
    kind: CustomResourceDefinition
  patch: |
    $patch: delete
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: any
YAML
  fi
} >"$overlay/kustomization.yaml"
kubectl kustomize "$overlay"
