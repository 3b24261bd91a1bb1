#!/usr/bin/env bash
# Writes docs/argocd/argocd-cm-patch.yaml: the argocd-cm entry that installs
# docs/argocd/health.lua as Argo CD's health check for MeetingPlatform. `make docs` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  cat <<'YAML'
# Argo CD health check for MeetingPlatform (docs/gitops.md). Merge into the argocd-cm ConfigMap:
#   kubectl -n argocd patch configmap argocd-cm --patch-file docs/argocd/argocd-cm-patch.yaml
# Generated from docs/argocd/health.lua by `make docs`; do not edit here.
data:
  resource.customizations.health.meetwarden.io_MeetingPlatform: |
YAML
  sed -e 's/^\(.\)/    \1/' docs/argocd/health.lua
} >docs/argocd/argocd-cm-patch.yaml
