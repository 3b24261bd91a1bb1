#!/usr/bin/env bash
# Runs the operator as a local process against the local cluster (what `make demo` and the e2e
# tests use): hack/operator.sh start | stop | status.
#
# Env: CLUSTER_DIR (default <repo>/.cluster), OPERATOR_ARGS (extra manager flags).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CLUSTER_DIR=${CLUSTER_DIR:-$repo/.cluster}
pidfile=$CLUSTER_DIR/pids/operator.pid
logfile=$CLUSTER_DIR/logs/operator.log
binary=$repo/bin/manager

log() { printf '[operator %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

running() { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && grep -qa manager "/proc/$(cat "$pidfile")/cmdline"; }

case "${1:-}" in
start)
  [[ -f $CLUSTER_DIR/kubeconfig ]] || { log "no cluster at $CLUSTER_DIR: run 'make cluster-up' first"; exit 1; }
  if running; then log "already running (pid $(cat "$pidfile")), log $logfile"; exit 0; fi
  log "building bin/manager"
  (cd "$repo" && go build -o "$binary" ./cmd)
  log "installing the CRD"
  KUBECONFIG=$CLUSTER_DIR/kubeconfig kubectl apply --server-side --force-conflicts -f "$repo/config/crd/bases" >/dev/null
  KUBECONFIG=$CLUSTER_DIR/kubeconfig kubectl wait --for=condition=Established --timeout=30s crd/meetingplatforms.meetwarden.io >/dev/null
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  # Ports away from the defaults so the operator does not collide with anything else locally.
  # shellcheck disable=SC2086 # OPERATOR_ARGS is a list of flags
  KUBECONFIG=$CLUSTER_DIR/kubeconfig nohup "$binary" --leader-elect=false \
    --metrics-bind-address=127.0.0.1:18080 --health-probe-bind-address=127.0.0.1:18081 \
    ${OPERATOR_ARGS:-} >>"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 50); do
    curl -fs http://127.0.0.1:18081/readyz >/dev/null 2>&1 && { log "running (pid $(cat "$pidfile")), log $logfile"; exit 0; }
    running || { log "the operator exited; last lines of $logfile:"; tail -20 "$logfile" >&2; exit 1; }
    sleep 0.2
  done
  log "the operator did not become ready; see $logfile"; exit 1
  ;;
stop)
  if running; then
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped (pid $pid)"
  fi
  rm -f "$pidfile"
  ;;
status)
  if running; then echo "operator running (pid $(cat "$pidfile"))"; else echo "operator not running"; exit 1; fi
  ;;
*)
  sed -n '2,5p' "$0"; exit 2
  ;;
esac
