#!/usr/bin/env bash
# Runs a real local Kubernetes cluster from upstream binaries, without Docker or downloads.
#
# The control plane is etcd, kube-apiserver, kube-controller-manager and kube-scheduler, built from
# source by hack/build-controlplane.sh (cached; only the first build is slow). Nodes are fake: kwok
# plays the kubelet for the nodes in hack/cluster/nodes.yaml, so they turn Ready and pods bound to
# them go Running, but no container ever runs. Everything else is the real thing: RBAC, the Node
# authorizer, admission (Pod Security included), the scheduler, garbage collection, ...
#
# Usage:
#   hack/cluster.sh up               start (or repair) the cluster; idempotent
#   hack/cluster.sh down [--purge]   stop the processes `up` started; --purge also deletes the state
#   hack/cluster.sh stop NAME...     stop components of a running cluster (e.g. kube-apiserver, for an
#                                    outage); `up` starts them again and leaves the others alone
#   hack/cluster.sh status           which components run (exit 0 only when all run)
#   hack/cluster.sh env              prints `export KUBECONFIG=...`; use: eval "$(hack/cluster.sh env)"
#
# Env:
#   CLUSTER_DIR        state directory (default <repo>/.cluster, gitignored): pki/, etcd/, logs/,
#                      pids/, and the admin kubeconfig at $CLUSTER_DIR/kubeconfig
#   CLUSTER_PORT_BASE  port base (default 16400). Every port derives from it, so clusters with
#                      different CLUSTER_DIR and CLUSTER_PORT_BASE run side by side:
#                        apiserver base+43, kwok base+47, controller-manager base+57,
#                        scheduler base+59, etcd client base+79, etcd peer base+80
#   CLUSTER_NODES_FILE Node manifests to create (default hack/cluster/nodes.yaml); each node needs
#                      the annotation kwok.x-k8s.io/node=fake so that kwok manages it
#   CLUSTER_TIMEOUT    seconds to wait for each component to become ready (default 120)
#   CLUSTER_STOP_TIMEOUT  seconds `down` waits after SIGTERM before SIGKILL (default 20)
#   KWOK_STAGES_FILE   kwok Stage definitions (default: the set hack/build-controlplane.sh ships)
#   PURGE=1            same as `down --purge`
#
# Timing on 2 cores with cached binaries: `up` ~12s from nothing, ~7s after `down`, <1s when
# already up; `down` ~2-4s. Pods go Running 1-11s after scheduling and take 1-30s (their grace
# period) to vanish after deletion: kwok's stock pod stages add that jitter on purpose.
#
# Example, a second cluster beside the default one (e.g. for e2e tests):
#   CLUSTER_DIR=/tmp/c2 CLUSTER_PORT_BASE=17400 hack/cluster.sh up
#   CLUSTER_DIR=/tmp/c2 hack/cluster.sh down --purge
#
# All listeners bind to 127.0.0.1. etcd speaks plain HTTP, which only local processes can reach.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
marker_name=.meetwarden-cluster

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[cluster %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# --- state directory and ports ----------------------------------------------------------------

# An absolute path: it is baked into process command lines (which `down` matches on) and into
# the kubeconfig hint printed for the user.
init_dir() {
  CLUSTER_DIR=${CLUSTER_DIR:-$repo/.cluster}
  if [[ -d $CLUSTER_DIR ]]; then
    CLUSTER_DIR=$(cd "$CLUSTER_DIR" && pwd -P)
  elif [[ $CLUSTER_DIR != /* ]]; then
    CLUSTER_DIR=$PWD/$CLUSTER_DIR
  fi
  marker=$CLUSTER_DIR/$marker_name
  pki=$CLUSTER_DIR/pki
  kcdir=$CLUSTER_DIR/kubeconfigs
  logdir=$CLUSTER_DIR/logs
  piddir=$CLUSTER_DIR/pids
  admin_kc=$kcdir/admin.kubeconfig
  kubeconfig=$CLUSTER_DIR/kubeconfig
}

# The port base a running cluster was started with wins over the environment, so that `status`
# and `down` work without repeating CLUSTER_PORT_BASE.
load_ports() {
  local recorded=""
  if [[ -f $marker ]]; then
    recorded=$(sed -n 's/^port_base=//p' "$marker")
  fi
  port_base=${recorded:-${CLUSTER_PORT_BASE:-16400}}
  set_ports
}

set_ports() {
  if ! [[ $port_base =~ ^[0-9]+$ ]] || ((port_base < 1024 || port_base > 65400)); then
    die "CLUSTER_PORT_BASE must be a number between 1024 and 65400, got '$port_base'"
  fi
  port_apiserver=$((port_base + 43))
  port_kwok=$((port_base + 47))
  port_kcm=$((port_base + 57))
  port_scheduler=$((port_base + 59))
  port_etcd=$((port_base + 79))
  port_etcd_peer=$((port_base + 80))
}

port_of() {
  case $1 in
    etcd) echo "$port_etcd" ;;
    kube-apiserver) echo "$port_apiserver" ;;
    kube-controller-manager) echo "$port_kcm" ;;
    kube-scheduler) echo "$port_scheduler" ;;
    kwok) echo "$port_kwok" ;;
  esac
}

# --- processes ----------------------------------------------------------------------------------

# True when PID is alive and is component NAME of *this* cluster: argv[0] must be the binary and
# the command line must mention the state directory. That guards against PID reuse and against
# touching the same binary of another cluster. Zombies have an empty cmdline and count as gone.
is_ours() {
  local pid=$1 name=$2
  local -a argv=()
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # mapfile splits the NUL-separated cmdline without forking (strays() calls this per process).
  { mapfile -d '' -t argv <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
  ((${#argv[@]})) || return 1
  # Every component gets state paths as --flag=$CLUSTER_DIR/..., hence the leading "=".
  [[ ${argv[0]##*/} == "$name" && "${argv[*]}" == *"=$CLUSTER_DIR/"* ]]
}

# Prints the recorded PID of NAME if that process still runs.
running_pid() {
  local name=$1 pid
  [[ -f $piddir/$name.pid ]] || return 1
  pid=$(<"$piddir/$name.pid")
  is_ours "$pid" "$name" || return 1
  echo "$pid"
}

port_in_use() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts NAME in the background unless it already runs. setsid detaches it from this script's
# session, so Ctrl-C in the terminal or the end of this script leave it running; fd 8 (the state
# lock) is closed so the daemon does not hold the lock forever.
start() {
  local name=$1 pid port
  shift
  if pid=$(running_pid "$name"); then
    log "$name already running (pid $pid)"
    return 0
  fi
  port=$(port_of "$name")
  if port_in_use "$port"; then
    die "port $port for $name is taken by another process (another cluster? pick another CLUSTER_PORT_BASE); see: ss -ltnp 'sport = :$port'"
  fi
  rm -f "$piddir/$name.pid"
  [[ -f $logdir/$name.log ]] && mv -f "$logdir/$name.log" "$logdir/$name.log.prev"
  setsid "$bindir/$name" "$@" </dev/null >"$logdir/$name.log" 2>&1 8>&- &
  pid=$!
  echo "$pid" >"$piddir/$name.pid"
  log "started $name (pid $pid, port $port, log $logdir/$name.log)"
}

fail_component() {
  local name=$1 msg=$2
  {
    echo "---- last lines of $logdir/$name.log ----"
    tail -n 25 "$logdir/$name.log" 2>/dev/null || true
    echo "----"
  } >&2
  die "$msg; full log: $logdir/$name.log (stop what did start with: hack/cluster.sh down)"
}

# Polls CHECK... until it succeeds; fails fast if NAME died, and after CLUSTER_TIMEOUT seconds.
wait_ready() {
  local name=$1 deadline=$((SECONDS + ${CLUSTER_TIMEOUT:-120}))
  shift
  until "$@" >/dev/null 2>&1; do
    running_pid "$name" >/dev/null || fail_component "$name" "$name exited during startup"
    ((SECONDS < deadline)) || fail_component "$name" "$name not ready after ${CLUSTER_TIMEOUT:-120}s"
    sleep 0.5
  done
  log "$name ready"
}

kc() { kubectl --kubeconfig="$admin_kc" "$@"; }

etcd_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$port_etcd/health" | grep -q '"health":"true"'; }
apiserver_ready() { kc get --raw=/readyz --request-timeout=3s; }
# Both serve /healthz to anyone (--authorization-always-allow-paths default); their TLS certs are
# self-signed in memory, hence -k.
kcm_healthy() { curl -fsSk --max-time 2 "https://127.0.0.1:$port_kcm/healthz"; }
scheduler_healthy() { curl -fsSk --max-time 2 "https://127.0.0.1:$port_scheduler/healthz"; }
kwok_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$port_kwok/healthz"; }
nodes_ready() { kc wait --for=condition=Ready -f "$nodes_file" --timeout="${1:-5}s"; }

all_running() {
  local c
  for c in "${components[@]}"; do running_pid "$c" >/dev/null || return 1; done
}

# --- certificates -------------------------------------------------------------------------------

# A cert is reusable if it chains to the current CA and is valid for at least another day.
cert_ok() {
  [[ -s $pki/$1.crt && -s $pki/$1.key ]] &&
    openssl verify -CAfile "$pki/ca.crt" "$pki/$1.crt" >/dev/null 2>&1 &&
    openssl x509 -checkend 86400 -noout -in "$pki/$1.crt" >/dev/null 2>&1
}

# issue NAME SUBJECT EXTENSIONS: an ECDSA P-256 key and a cert signed by the local CA.
issue() {
  local name=$1 subj=$2 ext=$3
  cert_ok "$name" && return 0
  printf '[ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n%s\n' \
    "$ext" >"$pki/$name.ext"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 \
    -extfile "$pki/$name.ext" -extensions ext -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
  log "issued $name certificate ($subj)"
}

gen_certs() {
  command -v openssl >/dev/null || die "openssl is required to create the cluster certificates (apt-get install openssl)"
  mkdir -p "$pki"
  chmod 700 "$pki"
  # Private keys stay readable by the owner only.
  local old_umask
  old_umask=$(umask)
  umask 077
  if ! { [[ -s $pki/ca.crt && -s $pki/ca.key ]] &&
    openssl x509 -checkend 2592000 -noout -in "$pki/ca.crt" >/dev/null 2>&1; }; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/ca.key" 2>/dev/null
    printf '[ext]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\n' >"$pki/ca.ext"
    openssl req -new -key "$pki/ca.key" -subj "/CN=meetwarden-local-ca" |
      openssl x509 -req -signkey "$pki/ca.key" -days 3650 -set_serial "0x$(openssl rand -hex 16)" \
        -extfile "$pki/ca.ext" -extensions ext -out "$pki/ca.crt" 2>/dev/null
    rm -f "$pki/ca.ext"
    log "created cluster CA"
  fi
  local client=extendedKeyUsage=clientAuth
  issue apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  issue admin "/O=system:masters/CN=meetwarden-admin" "$client"
  issue kube-controller-manager "/CN=system:kube-controller-manager" "$client"
  issue kube-scheduler "/CN=system:kube-scheduler" "$client"
  # kwok updates many nodes and pods; a node identity per fake node would need one cert each.
  issue kwok "/O=system:masters/CN=kwok-controller" "$client"
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
  # Lets aggregated API servers (e.g. metrics-server) trust the apiserver's proxied requests.
  issue front-proxy-client "/CN=front-proxy-client" "$client"
  if [[ ! -s $pki/sa.key || ! -s $pki/sa.pub ]]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key" 2>/dev/null
    openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"
    log "created service-account signing key"
  fi
  umask "$old_umask"
}

# write_kubeconfig FILE CERT_NAME: certs embedded so the file can be copied elsewhere.
write_kubeconfig() {
  local file=$1 user=$2
  (
    umask 077
    cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: meetwarden-local
  cluster:
    server: https://127.0.0.1:$port_apiserver
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$pki/$user.crt")
    client-key-data: $(base64 -w0 <"$pki/$user.key")
contexts:
- name: meetwarden-local
  context:
    cluster: meetwarden-local
    user: $user
current-context: meetwarden-local
EOF
  )
  mv -f "$file.tmp" "$file"
}

# kwok's Stage definitions, as shipped in its module, hold alternatives: node-heartbeat (status
# every ~20-45s) and node-heartbeat-with-lease (status every ~10min; the Lease kwok renews with
# --node-lease-duration-seconds is the real heartbeat), and a chaos stage. Like kwokctl we keep
# only the lease variant and drop the chaos one; non-Stage documents (test data) are dropped too.
write_stages() {
  local src=$1 dst=$2
  awk '
    function flush() {
      if (kind == "Stage" && name != "node-heartbeat" && name != "node-not-ready" && doc != "") printf "%s---\n", doc
      doc = ""; kind = ""; name = ""
    }
    /^---/ { flush(); next }
    {
      doc = doc $0 "\n"
      if ($0 ~ /^kind: /) kind = $2
      if (name == "" && $0 ~ /^  name: /) name = $2
    }
    END { flush() }
  ' "$src" >"$dst.tmp"
  grep -q 'name: node-initialize' "$dst.tmp" || die "no node-initialize Stage in $src"
  grep -q 'name: pod-ready' "$dst.tmp" || die "no pod-ready Stage in $src"
  mv -f "$dst.tmp" "$dst"
}

# --- subcommands --------------------------------------------------------------------------------

summary() {
  local hint=""
  [[ $CLUSTER_DIR != "$repo/.cluster" ]] && hint="CLUSTER_DIR=$CLUSTER_DIR "
  echo
  echo "Cluster is up (apiserver https://127.0.0.1:$port_apiserver, state $CLUSTER_DIR)."
  echo "  kubeconfig: $kubeconfig"
  echo
  KUBECONFIG=$kubeconfig kubectl get nodes -L topology.kubernetes.io/region -L topology.kubernetes.io/zone
  echo
  echo "Use it:  export KUBECONFIG=$kubeconfig     (or: eval \"\$(${hint}hack/cluster.sh env)\")"
  echo "Stop it: ${hint}hack/cluster.sh down        (add --purge to delete certs and etcd data too)"
}

cmd_up() {
  local c start_time=$SECONDS
  for c in kubectl curl setsid flock openssl base64 awk; do
    command -v "$c" >/dev/null || die "$c is required but not installed"
  done
  nodes_file=${CLUSTER_NODES_FILE:-$repo/hack/cluster/nodes.yaml}
  [[ -f $nodes_file ]] || die "node manifest $nodes_file not found"

  mkdir -p "$CLUSTER_DIR"
  init_dir # now that it exists, resolve symlinks
  # One `up`/`down` at a time per state directory.
  exec 8>"$CLUSTER_DIR/.lock"
  flock 8

  local recorded=""
  [[ -f $marker ]] && recorded=$(sed -n 's/^port_base=//p' "$marker")
  port_base=${CLUSTER_PORT_BASE:-${recorded:-16400}}
  if [[ -n $recorded && $recorded != "$port_base" ]]; then
    for c in "${components[@]}"; do
      running_pid "$c" >/dev/null &&
        die "the cluster in $CLUSTER_DIR runs with CLUSTER_PORT_BASE=$recorded; run 'hack/cluster.sh down' before changing it"
    done
  fi
  set_ports
  printf 'port_base=%s\n' "$port_base" >"$marker"
  mkdir -p "$kcdir" "$logdir" "$piddir" "$CLUSTER_DIR/etcd" "$CLUSTER_DIR/kwok"
  chmod 700 "$CLUSTER_DIR/etcd"

  if all_running && [[ -f $kubeconfig ]] && apiserver_ready >/dev/null 2>&1 && nodes_ready 5 >/dev/null 2>&1; then
    log "cluster in $CLUSTER_DIR is already up and healthy"
    summary
    return 0
  fi

  log "building/locating control-plane binaries (hack/build-controlplane.sh)"
  local cpdir
  cpdir=$("$repo/hack/build-controlplane.sh" | tail -n 1)
  bindir=$cpdir/bin
  for c in "${components[@]}"; do
    [[ -x $bindir/$c ]] || die "$bindir/$c missing; hack/build-controlplane.sh did not produce it"
  done
  write_stages "${KWOK_STAGES_FILE:-$cpdir/kwok-stages/stages.yaml}" "$CLUSTER_DIR/kwok/stages.yaml"

  gen_certs
  write_kubeconfig "$admin_kc" admin
  for c in kube-controller-manager kube-scheduler kwok; do
    write_kubeconfig "$kcdir/$c.kubeconfig" "$c"
  done

  # Fail before starting anything if another process holds one of our ports.
  for c in "${components[@]}"; do
    running_pid "$c" >/dev/null && continue
    if port_in_use "$(port_of "$c")" || { [[ $c == etcd ]] && port_in_use "$port_etcd_peer"; }; then
      die "a port of $c is taken by another process (another cluster? pick another CLUSTER_PORT_BASE); ports in use: $(port_of "$c")$([[ $c == etcd ]] && echo " $port_etcd_peer"); see: ss -ltnp"
    fi
  done

  start etcd \
    --name=meetwarden-local \
    --data-dir="$CLUSTER_DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$port_etcd" \
    --advertise-client-urls="http://127.0.0.1:$port_etcd" \
    --listen-peer-urls="http://127.0.0.1:$port_etcd_peer" \
    --initial-advertise-peer-urls="http://127.0.0.1:$port_etcd_peer" \
    --initial-cluster="meetwarden-local=http://127.0.0.1:$port_etcd_peer" \
    --auto-compaction-retention=1
  wait_ready etcd etcd_healthy

  # --allow-privileged=true so that privileged pods are refused by Pod Security admission per
  # namespace (as on real clusters), not by a cluster-wide flag. Default admission plugins stay
  # on (PodSecurity among them); NodeRestriction is added as kubeadm does, and
  # OwnerReferencesPermissionEnforcement as OpenShift does: an owner reference with
  # blockOwnerDeletion needs the right to update the owner's finalizers, so a controller that
  # lacks it sees every child create refused here, not first on OpenShift.
  # --advertise-address=127.0.0.1 stops it from picking the host's network interface; but
  # Endpoints may not hold loopback addresses, so the endpoint reconciler would log a validation
  # error every 10s: turned off (no pod runs for real, so none needs the `kubernetes` Service).
  # With it off, the apiserver logs a misleading "Found stale data ..." error once per start.
  start kube-apiserver \
    --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none \
    --bind-address=127.0.0.1 \
    --secure-port="$port_apiserver" \
    --etcd-servers="http://127.0.0.1:$port_etcd" \
    --tls-cert-file="$pki/apiserver.crt" \
    --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction,OwnerReferencesPermissionEnforcement \
    --allow-privileged=true \
    --service-cluster-ip-range=10.96.0.0/16 \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" \
    --service-account-signing-key-file="$pki/sa.key" \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --proxy-client-cert-file="$pki/front-proxy-client.crt" \
    --proxy-client-key-file="$pki/front-proxy-client.key" \
    --requestheader-client-ca-file="$pki/ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra-
  wait_ready kube-apiserver apiserver_ready

  # Leader election is pointless with one replica and only delays startup by a lease period.
  # The client limit is raised from 20/s: at 20/s the Deployment and ReplicaSet controllers, not
  # the operator, set the pace when hundreds of platforms are created at once (make bench).
  start kube-controller-manager \
    --kubeconfig="$kcdir/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$kcdir/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$kcdir/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$port_kcm" \
    --controllers='*' \
    --use-service-account-credentials=true \
    --root-ca-file="$pki/ca.crt" \
    --service-account-private-key-file="$pki/sa.key" \
    --cluster-signing-cert-file="$pki/ca.crt" \
    --cluster-signing-key-file="$pki/ca.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --cluster-name=meetwarden-local \
    --kube-api-qps=100 --kube-api-burst=200 \
    --leader-elect=false
  start kube-scheduler \
    --kubeconfig="$kcdir/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$kcdir/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$kcdir/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$port_scheduler" \
    --leader-elect=false
  # Standalone kwok renews no node Leases unless --node-lease-duration-seconds is set (only
  # kwokctl defaults it to 40); without them the node lifecycle controller would mark the nodes
  # NotReady once the status heartbeat (every ~10min with the lease stage) goes stale.
  # kwok's server (healthz, and the "kubelet" endpoint the apiserver uses for logs/exec) listens
  # on one port for plain HTTP and HTTPS; nodes report InternalIP 127.0.0.1 and that port, so
  # nothing the apiserver proxies to a node leaves this machine.
  if ! running_pid kwok >/dev/null; then
    # Each kwok run has a new holder identity, so node Leases left by a previous run block the
    # new one until they expire (40s), and until then it does not manage those nodes' pods.
    # kwok is the only lease holder of this cluster's nodes: drop the stale leases.
    kc -n kube-node-lease delete leases --all --ignore-not-found >/dev/null
  fi
  start kwok \
    --kubeconfig="$kcdir/kwok.kubeconfig" \
    --config="$CLUSTER_DIR/kwok/stages.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 \
    --node-port="$port_kwok" \
    --server-address="127.0.0.1:$port_kwok" \
    --node-lease-duration-seconds=40 \
    --cidr=10.244.0.0/16
  wait_ready kube-controller-manager kcm_healthy
  wait_ready kube-scheduler scheduler_healthy
  wait_ready kwok kwok_healthy

  log "creating nodes from $nodes_file"
  kc apply -f "$nodes_file" >&2
  nodes_ready "${CLUSTER_TIMEOUT:-120}" >/dev/null || die "nodes did not become Ready; see $logdir/kwok.log"
  log "nodes Ready"
  # Pods are refused until the namespace's default ServiceAccount exists, which the
  # controller-manager creates shortly after start; wait so the first `kubectl apply` succeeds.
  local deadline=$((SECONDS + ${CLUSTER_TIMEOUT:-120}))
  until kc -n default get serviceaccount default >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail_component kube-controller-manager "no default ServiceAccount after ${CLUSTER_TIMEOUT:-120}s"
    sleep 0.5
  done

  # Written last, so its presence means a usable cluster.
  cp -f "$admin_kc" "$kubeconfig.tmp"
  mv -f "$kubeconfig.tmp" "$kubeconfig"
  log "up in $((SECONDS - start_time))s"
  summary
}

# stop NAME...: SIGTERM all, wait, SIGKILL what is left. Every signal goes only to a PID that
# was recorded by `up` and still is that component of this cluster.
stop() {
  local name pid deadline killed=0
  local -a names=() left=()
  for name in "$@"; do
    [[ -f $piddir/$name.pid ]] || continue
    if pid=$(running_pid "$name"); then
      log "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      names+=("$name")
    else
      log "$name not running (removing stale pid file)"
      rm -f "$piddir/$name.pid"
    fi
  done
  ((${#names[@]})) || return 0
  deadline=$((SECONDS + ${CLUSTER_STOP_TIMEOUT:-20}))
  while :; do
    left=()
    for name in "${names[@]}"; do
      running_pid "$name" >/dev/null && left+=("$name")
    done
    ((${#left[@]})) || break
    if ((SECONDS >= deadline)); then
      ((killed)) && die "${left[*]} survived SIGKILL"
      for name in "${left[@]}"; do
        pid=$(running_pid "$name") || continue
        log "$name (pid $pid) ignored SIGTERM for ${CLUSTER_STOP_TIMEOUT:-20}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      done
      killed=1
      deadline=$((SECONDS + 5))
    fi
    sleep 0.2
  done
  for name in "${names[@]}"; do rm -f "$piddir/$name.pid"; done
}

# Processes of our binaries that mention this state directory but have no pid file (e.g. an
# `up` killed between starting a process and recording it). Reported, never killed blindly.
strays() {
  local f pid c
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    for c in "${components[@]}"; do
      if is_ours "$pid" "$c"; then
        echo "$pid $c"
      fi
    done
  done
}

cmd_down() {
  local purge=${PURGE:-0} arg
  for arg in "$@"; do
    case $arg in
      --purge) purge=1 ;;
      *) die "unknown argument to down: $arg" ;;
    esac
  done
  if [[ ! -d $CLUSTER_DIR ]]; then
    log "nothing to stop: $CLUSTER_DIR does not exist"
    return 0
  fi
  init_dir
  exec 8>"$CLUSTER_DIR/.lock"
  flock 8
  local start_time=$SECONDS
  # Clients first, so they do not log errors about a vanished apiserver; etcd last.
  stop kwok kube-scheduler kube-controller-manager
  stop kube-apiserver
  stop etcd
  local left
  left=$(strays)
  if [[ -n $left ]]; then
    die "processes of this cluster still run without pid files (not started by this 'up'?): $(echo "$left" | tr '\n' ' ')— stop them with kill <pid>"
  fi
  log "all components stopped ($((SECONDS - start_time))s)"
  if [[ $purge == 1 ]]; then
    [[ -f $marker ]] || die "refusing to delete $CLUSTER_DIR: it has no $marker_name marker"
    rm -rf "$CLUSTER_DIR"
    log "deleted $CLUSTER_DIR"
  else
    log "kept certs and etcd data in $CLUSTER_DIR (use 'down --purge' to delete them)"
  fi
}

# cmd_stop NAME...: stops the named components only, as `down` would.
cmd_stop() {
  local c
  (($#)) || die "stop needs the components to stop: ${components[*]}"
  for c in "$@"; do
    [[ " ${components[*]} " == *" $c "* ]] || die "unknown component '$c'; the components are: ${components[*]}"
  done
  [[ -d $CLUSTER_DIR ]] || die "no cluster state in $CLUSTER_DIR"
  init_dir
  exec 8>"$CLUSTER_DIR/.lock"
  flock 8
  stop "$@"
}

cmd_status() {
  if [[ ! -d $CLUSTER_DIR ]]; then
    echo "no cluster state in $CLUSTER_DIR"
    return 1
  fi
  init_dir
  load_ports
  local c pid all=0
  printf '%-24s %-8s %-8s %s\n' COMPONENT STATE PID PORT
  for c in "${components[@]}"; do
    if pid=$(running_pid "$c"); then
      printf '%-24s %-8s %-8s %s\n' "$c" running "$pid" "$(port_of "$c")"
    else
      printf '%-24s %-8s %-8s %s\n' "$c" stopped - "$(port_of "$c")"
      all=1
    fi
  done
  if running_pid kube-apiserver >/dev/null; then
    if apiserver_ready >/dev/null 2>&1; then
      echo "apiserver: ready at https://127.0.0.1:$port_apiserver"
      kc get nodes -L topology.kubernetes.io/region 2>&1 || true
    else
      echo "apiserver: running but not ready (see $logdir/kube-apiserver.log)"
      all=1
    fi
  fi
  echo "kubeconfig: $kubeconfig"
  return "$all"
}

cmd_env() {
  [[ -f $kubeconfig ]] || log "warning: $kubeconfig does not exist yet; run hack/cluster.sh up"
  printf 'export KUBECONFIG=%q\n' "$kubeconfig"
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  init_dir
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
