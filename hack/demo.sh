#!/usr/bin/env bash
# `make demo`: the local cluster is up (make cluster-up ran first). Starts the operator, creates
# the sample's Secrets (a self-signed certificate made on the spot, a random JWT secret), applies
# the sample MeetingPlatform into a namespace that enforces the "restricted" Pod Security
# standard, waits for Ready and shows the result.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CLUSTER_DIR=${CLUSTER_DIR:-$repo/.cluster}
export KUBECONFIG=$CLUSTER_DIR/kubeconfig
ns=${DEMO_NAMESPACE:-video}
domain=meet.example.eu
start=$SECONDS

step() { printf '\n\033[1m== %s\033[0m (%ss)\n' "$*" "$((SECONDS - start))"; }

step "Starting the operator"
"$repo/hack/operator.sh" start

step "Namespace $ns (Pod Security: restricted) and the sample's Secrets"
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl label namespace "$ns" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
if ! kubectl -n "$ns" get secret meet-tls >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain" \
    -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
  kubectl -n "$ns" create secret tls meet-tls --cert="$tmp/tls.crt" --key="$tmp/tls.key" >/dev/null
  rm -rf "$tmp"
fi
if ! kubectl -n "$ns" get secret meet-jwt >/dev/null 2>&1; then
  kubectl -n "$ns" create secret generic meet-jwt --from-literal=secret="$(openssl rand -base64 48)" >/dev/null
fi

step "Applying config/samples/"
kubectl -n "$ns" apply -k "$repo/config/samples" 

step "Waiting for Ready"
if ! kubectl -n "$ns" wait --for=condition=Ready --timeout=120s meetingplatform/meet; then
  echo "The platform did not become Ready; its status says:" >&2
fi

step "kubectl get mp"
kubectl -n "$ns" get meetingplatforms -o wide
step "kubectl get pods (kwok simulates the containers; see the NODE column)"
kubectl -n "$ns" get pods -o wide
step "kubectl describe mp meet"
kubectl -n "$ns" describe meetingplatform meet

cat <<TXT

Done in $((SECONDS - start))s. TLS-2 warns, truthfully: the demo's certificate is self-signed,
so no trusted CA vouches for it (a real one, or --trusted-ca-bundle for a private CA, passes).
TLS-1 warns too: the local cluster runs no ingress controller, so no IngressClass says which
controller serves the Ingress and whether it redirects plain HTTP (docs/install.md).
Look further:
  export KUBECONFIG=$KUBECONFIG
  kubectl -n $ns get cm meet-processing-record -o jsonpath='{.data.processing-record\.md}'   # the Art. 30 record
  kubectl -n $ns set env deployment/meet-web ENABLE_RECORDING=true                          # tamper: reverted at once
  kubectl -n $ns get events --field-selector reason=DriftReverted
  tail -f $CLUSTER_DIR/logs/operator.log
Stop everything: make cluster-down
TXT
