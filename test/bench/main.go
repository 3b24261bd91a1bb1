/*
Copyright 2026 The meetwarden Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command bench measures the meetwarden operator on the local cluster (hack/cluster.sh: real
// etcd, kube-apiserver, controller-manager and scheduler, kwok fake nodes). It starts a cluster
// of its own, builds and runs the operator as a separate process, and measures:
//
//  1. create -> Ready of one platform (sequential runs, a fresh namespace each), split into
//     operator work (all children exist), scheduling, kwok's simulated container start,
//     Deployment availability and the operator's status update;
//  2. drift-revert latency: tampering write returned -> a watch sees the object reverted;
//  3. N platforms created at once: time until all are Ready against the floor (the same
//     Deployments applied by the benchmark itself, no operator running), and per platform the
//     operator's CPU, API writes, GETs and reconciles; its peak RSS;
//  4. the operator's API writes during a steady-state window (must be 0);
//  5. operator RSS with and without many unrelated ConfigMaps and Secrets in the cluster;
//  6. on a fleet of -fleet platforms that the baseline's operator deployed: an operator upgrade,
//     the baseline's operator replaced by the working tree's; pods replaced per component and
//     the new operator's writes;
//  7. the operator's API writes in an idle soak of -soak with the fleet (must be 0);
//  8. drift made as the API server answers again after an outage of -outage (kube-apiserver
//     stopped and started), time until it is reverted, with each operator build.
//
// With -baseline <rev> it also builds the operator of that git revision and runs phases 1, 3 and
// 8 with it, the baseline's first in 1 and 3, so that the report shows both side by side; phase 6
// needs it.
//
// It prints Markdown tables and writes a report (docs/benchmarks.md). Progress goes to
// stderr. The cluster is purged and the operator stopped on every exit, including Ctrl-C.
//
// Usage: go run ./test/bench [flags]   (make bench; make bench BENCH_FLAGS="-runs 3 ...")
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/go-logr/logr"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// config holds the flags. The defaults are the full benchmark.
type config struct {
	runs         int
	warmup       int
	bridgeRuns   int
	tamperings   int
	scale        []int
	workers      int
	perNamespace int
	steady       time.Duration
	unrelated    int
	settle       time.Duration
	readyTimeout time.Duration
	nodes        int
	podsPerNode  int
	portBase     int
	metricsAddr  string
	probeAddr    string
	pprofAddr    string
	out          string
	keep         bool
	workDir      string
	baseline     string
	fleet        int
	restarts     int
	outage       time.Duration
	soak         time.Duration
}

func parseFlags(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&c.runs, "runs", 10, "sequential single-platform runs (create -> Ready); 0 skips the measurement")
	fs.IntVar(&c.warmup, "warmup", 1, "single-platform runs before the measured ones, reported but not counted")
	fs.IntVar(&c.bridgeRuns, "bridge-runs", 3, "single-platform runs of a platform with 3 videobridges after the others of phase 1, working tree only; 0 skips them")
	fs.IntVar(&c.tamperings, "tamperings", 51, "drift tamperings, alternating the three kinds; 0 skips the measurement")
	scale := fs.String("scale", "100,200", "platform counts created at once, one phase each (after its floor), in order; the last stays for -steady and -unrelated; empty skips")
	fs.IntVar(&c.workers, "workers", 16, "concurrent creators in the scale phases")
	fs.IntVar(&c.perNamespace, "per-namespace", 10, "platforms per namespace in the scale phases")
	fs.DurationVar(&c.steady, "steady", 120*time.Second, "steady-state window in which the operator's API writes are counted; 0 skips")
	fs.IntVar(&c.unrelated, "unrelated", 10000, "unrelated ConfigMaps+Secrets (half each, ~1 KiB) for the RSS comparison; 0 skips")
	fs.DurationVar(&c.settle, "settle", 150*time.Second, "steady time after an operator restart before its RSS is read; more than 2 min, so that the Go runtime's forced GC has run since the startup")
	fs.DurationVar(&c.readyTimeout, "ready-timeout", 15*time.Minute, "longest wait for all platforms of a scale phase to become Ready")
	fs.IntVar(&c.nodes, "nodes", 10, "kwok nodes, alternating the EU regions eu-central-1 and europe-west3")
	fs.IntVar(&c.podsPerNode, "pods-per-node", 250, "allocatable pods per kwok node")
	// 17700: `make demo` uses 16400, the e2e suite 17400 (or 17600 with E2E_CLUSTER_PORT_BASE).
	// The cluster takes base+43/47/57/59/79/80; the operator listens on base+90/91.
	fs.IntVar(&c.portBase, "port-base", 17700, "CLUSTER_PORT_BASE of the benchmark's cluster (apiserver base+43, etcd base+79/80)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "127.0.0.1:17790", "the operator's --metrics-bind-address")
	fs.StringVar(&c.probeAddr, "probe-addr", "127.0.0.1:17791", "the operator's --health-probe-bind-address")
	fs.StringVar(&c.pprofAddr, "pprof-addr", "", "the working tree's operator serves pprof profiles here (--pprof-bind-address), for diagnosis; empty: off")
	fs.StringVar(&c.out, "out", "docs/benchmarks.md", "report file to write (relative to the repository); empty: print only")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory (logs) also when the run succeeds")
	fs.StringVar(&c.workDir, "work-dir", "", "work directory (default: a new temporary directory)")
	fs.StringVar(&c.baseline, "baseline", "", "git revision whose operator (only its ./cmd) phases 1, 3 and 8 also measure, side by side with the working tree's in the report, and phase 6 upgrades from (make bench: BENCH_BASELINE)")
	fs.IntVar(&c.fleet, "fleet", 20, "platforms of phases 6-8 (operator upgrade, idle soak, API-server restarts), deployed by the baseline's operator if there is one; 0 skips the three")
	fs.IntVar(&c.restarts, "restarts", 3, "API-server restarts of phase 8, per operator build; 0 skips")
	fs.DurationVar(&c.outage, "outage", 20*time.Second, "how long the API server stays stopped in each restart of phase 8")
	fs.DurationVar(&c.soak, "soak", 10*time.Minute, "idle window of phase 7 in which the operator's API writes are counted; longer than 6 min, so that client-go's Event-series tick falls in it; 0 skips")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	for _, f := range strings.Split(*scale, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-scale: %q is not a positive number", f)
		}
		c.scale = append(c.scale, n)
	}
	if c.fleet < 0 || c.restarts < 0 || c.outage < 0 || c.soak < 0 {
		return nil, errors.New("-fleet, -restarts, -outage and -soak must not be negative")
	}
	if c.workers < 1 || c.perNamespace < 1 || c.nodes < 1 {
		return nil, errors.New("-workers, -per-namespace and -nodes must be at least 1")
	}
	maxPlatforms := 1
	for _, n := range c.scale {
		maxPlatforms = max(maxPlatforms, n)
	}
	if need := maxPlatforms * len(componentsOf); need > c.nodes*c.podsPerNode {
		return nil, fmt.Errorf("%d platforms need %d pods, but -nodes %d x -pods-per-node %d hold only %d",
			maxPlatforms, need, c.nodes, c.podsPerNode, c.nodes*c.podsPerNode)
	}
	// Every platform gets a media NodePort of its own (mediaPort): phase 1 and each platform count
	// of phase 3 once per operator build, the floor once more, and the drift platform.
	builds := 1
	if c.baseline != "" {
		builds = 2
	}
	ports := driftPlatforms + builds*(c.warmup+c.runs) + c.bridgeRuns*(benchBridges+2) + c.fleet + soakGone // +2: the relay of the bridges platform
	for _, n := range c.scale {
		ports += (builds + 1) * n
	}
	if ports > nodePortCount {
		return nil, fmt.Errorf("the phases need %d media NodePorts, more than the %d of the range %d-%d: fewer -scale or -runs", ports, nodePortCount, firstNodePort, lastNodePort)
	}
	return c, nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[bench %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	os.Exit(run(cfg))
}

// bench is the state of one benchmark run.
type bench struct {
	cfg     *config
	repo    string
	work    string
	cluster *cluster
	// current is the working tree's operator, baseline the -baseline revision's (nil without it).
	current, baseline *build
	// op is the operator the phases measure, res where phases 1 and 3 record their results; use
	// switches both to one build.
	op       *operator
	res      *operatorResults
	rest     *rest.Config
	k8s      client.Client
	tracker  *tracker
	machine  machineInfo
	command  string
	started  time.Time
	results  *results
	nextPort int32
	portMu   sync.Mutex

	// The platforms of the last scale phase, kept for the steady-state and RSS measurements.
	scaleNamespaces []string
	scaleKeys       []types.NamespacedName
	// fleet are the platforms of phases 6-8.
	fleet *scaleSet
}

var osPid = os.Getpid()

func run(cfg *config) (code int) {
	// klog (client-go) and controller-runtime's logger stay quiet; progress is our own.
	klog.SetLogger(logr.Discard())
	ctrllog.SetLogger(logr.Discard())

	repo, err := repoRoot()
	if err != nil {
		progress("ERROR: %v", err)
		return 1
	}
	b := &bench{cfg: cfg, repo: repo, started: time.Now(), nextPort: firstNodePort,
		command: "go run ./test/bench " + strings.Join(os.Args[1:], " "), results: &results{}}
	b.command = strings.TrimSpace(b.command)
	b.work = cfg.workDir
	if b.work == "" {
		if b.work, err = os.MkdirTemp("", "meetwarden-bench-"); err != nil {
			progress("ERROR: %v", err)
			return 1
		}
	} else if err := os.MkdirAll(b.work, 0o755); err != nil {
		progress("ERROR: %v", err)
		return 1
	}
	b.work, _ = filepath.Abs(b.work)
	progress("work directory %s", b.work)
	b.cluster = &cluster{repo: repo, dir: filepath.Join(b.work, "cluster"), portBase: cfg.portBase,
		nodes: filepath.Join(b.work, "nodes.yaml")}
	b.current = b.newBuild("working tree", "manager", "operator.log")
	// The benchmark scrapes plain HTTP on loopback, as the baseline (which predates the flag)
	// serves it; the working tree's operator serves HTTPS with authentication by default.
	b.current.op.extraArgs = []string{"--metrics-secure=false"}
	if cfg.pprofAddr != "" {
		b.current.op.extraArgs = append(b.current.op.extraArgs, "--pprof-bind-address="+cfg.pprofAddr)
	}
	b.results.operatorResults = b.current.results
	if cfg.baseline != "" {
		b.baseline = b.newBuild("baseline", "manager-baseline", "operator-baseline.log")
		b.results.baseline = b.baseline.results
	}
	b.op, b.res = b.current.op, b.current.results

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var teardownOnce sync.Once
	teardown := func(reason string) {
		teardownOnce.Do(func() {
			progress("tearing down (%s): stopping the operator, hack/cluster.sh down --purge", reason)
			for _, u := range b.builds() {
				u.op.stop()
			}
			keepLogs(b.cluster.dir, filepath.Join(b.work, "cluster-logs"))
			if err := b.cluster.down(); err != nil {
				progress("ERROR: %v", err)
				progress("stop it by hand: CLUSTER_DIR=%s hack/cluster.sh down --purge", b.cluster.dir)
			}
		})
	}
	defer func() {
		teardown("end of the run")
		if code == 0 && !cfg.keep && cfg.workDir == "" {
			_ = os.RemoveAll(b.work)
		} else {
			progress("logs kept in %s (operator.log, cluster-logs/)", b.work)
		}
	}()
	// Ctrl-C or SIGTERM: cancel the run, tear down, exit. A second signal exits at once.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-signals
		progress("received %s: cancelling", s)
		cancel()
		go func() {
			<-signals
			progress("second signal: exiting without waiting")
			os.Exit(130)
		}()
		teardown("signal " + s.String())
		os.Exit(130)
	}()

	if err := b.setUp(ctx); err != nil {
		progress("ERROR: setting up: %v", err)
		return 1
	}
	if err := b.measure(ctx); err != nil {
		progress("ERROR: %v", err)
		b.results.aborted = err.Error()
		b.report()
		return 1
	}
	b.report()
	return 0
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.Contains(string(data), "module github.com/meetwarden/meetwarden") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the meetwarden repository (go run ./test/bench)")
		}
		dir = parent
	}
}

func keepLogs(clusterDir, dst string) {
	src := filepath.Join(clusterDir, "logs")
	entries, err := os.ReadDir(src)
	if err != nil {
		return
	}
	_ = os.MkdirAll(dst, 0o755)
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join(src, e.Name())); err == nil {
			_ = os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644)
		}
	}
}

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	utilruntime.Must(gatewayv1.Install(scheme))
}

func (b *bench) setUp(ctx context.Context) error {
	if err := b.checkPorts(); err != nil {
		return err
	}
	b.machine = describeMachine()
	if out, err := exec.CommandContext(ctx, filepath.Join(b.repo, "hack", "build-controlplane.sh")).Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		b.results.controlPlane = filepath.Base(lines[len(lines)-1])
	}
	b.results.loadStart = loadAvg()
	b.results.foreignAtStart = foreignControlPlanes(b.cluster.dir)
	if err := os.WriteFile(b.cluster.nodes, []byte(nodesYAML(b.cfg.nodes, b.cfg.podsPerNode)), 0o644); err != nil {
		return err
	}

	b.current.results.commit = gitDescribe(ctx, b.repo, "HEAD")
	progress("building the manager: go build -o %s ./cmd", b.current.op.bin)
	if err := goBuild(ctx, b.repo, b.current.op.bin); err != nil {
		return err
	}
	if b.baseline != nil {
		if err := b.buildBaseline(ctx); err != nil {
			return err
		}
	}

	progress("starting the cluster: CLUSTER_DIR=%s CLUSTER_PORT_BASE=%d CLUSTER_NODES_FILE=%s hack/cluster.sh up",
		b.cluster.dir, b.cluster.portBase, b.cluster.nodes)
	t0 := time.Now()
	if err := b.cluster.script(ctx, filepath.Join(b.work, "cluster-up.log"), "up"); err != nil {
		return err
	}
	progress("cluster up in %s (%d kwok nodes in eu-central-1/europe-west3, %d pods each)",
		time.Since(t0).Round(100*time.Millisecond), b.cfg.nodes, b.cfg.podsPerNode)

	pids := b.cluster.componentPIDs()
	b.results.kcmLimit = clientLimit(pids["kube-controller-manager"], "20", "30")
	b.results.schedulerLimit = clientLimit(pids["kube-scheduler"], "50", "100")
	var err error
	if b.rest, err = clientcmd.BuildConfigFromFlags("", b.cluster.kubeconfig()); err != nil {
		return err
	}
	// The benchmark's own client must never be the bottleneck.
	b.rest.QPS, b.rest.Burst = 500, 1000
	if b.k8s, err = client.New(b.rest, client.Options{Scheme: scheme}); err != nil {
		return err
	}

	progress("installing the CRD (kubectl apply --server-side -f config/crd/bases)")
	if err := b.kubectl(ctx, "apply", "--server-side", "--force-conflicts", "-f", filepath.Join(b.repo, "config", "crd", "bases")); err != nil {
		return err
	}
	if err := b.kubectl(ctx, "wait", "--for=condition=Established", "--timeout=60s", "crd/meetingplatforms.meetwarden.io"); err != nil {
		return err
	}

	if b.tracker, err = newTracker(ctx, b.rest, cache.Options{Scheme: scheme}, len(componentsOf)); err != nil {
		return err
	}
	// The first phase starts the operator it measures (use).
	return nil
}

// checkPorts fails early, with the flags to change, when a port this run needs is taken.
func (b *bench) checkPorts() error {
	addrs := map[string]string{b.op.metricsAddr: "-metrics-addr", b.op.probeAddr: "-probe-addr"}
	for _, off := range []int{43, 47, 57, 59, 79, 80} {
		addrs[fmt.Sprintf("127.0.0.1:%d", b.cfg.portBase+off)] = "-port-base"
	}
	var taken []string
	for addr, flag := range addrs {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			taken = append(taken, fmt.Sprintf("%s (%s)", addr, flag))
			continue
		}
		_ = l.Close()
	}
	if len(taken) > 0 {
		sort.Strings(taken)
		return fmt.Errorf("ports in use by another process (another cluster or operator?): %s; pick others with the flags named, see: ss -ltnp",
			strings.Join(taken, ", "))
	}
	return nil
}

// gitDescribe names the commit rev of an operator under test and, for HEAD, whether its sources
// (api/, cmd/, controllers/, go.mod, go.sum) had uncommitted changes when the manager was built.
func gitDescribe(ctx context.Context, repo, rev string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", repo, "log", "-1", "--format=%h %s (%cd)", "--date=format:%Y-%m-%d %H:%M", rev, "--").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	desc := strings.TrimSpace(string(out))
	if rev != "HEAD" {
		return desc
	}
	dirty, err := exec.CommandContext(ctx, "git", "-C", repo, "status", "--porcelain", "--", "api", "cmd", "controllers", "go.mod", "go.sum").Output()
	if err == nil && len(strings.TrimSpace(string(dirty))) > 0 {
		n := len(strings.Split(strings.TrimSpace(string(dirty)), "\n"))
		desc += fmt.Sprintf(", plus uncommitted changes to %d file(s) of the operator", n)
	}
	return desc
}

func (b *bench) kubectl(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig=" + b.cluster.kubeconfig()}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// measure runs the phases in order; a failing phase ends the run, keeping what was measured.
// Phases 1 and 3 run once per build, the baseline's first; each platform count of phase 3 is
// measured first without an operator (the floor), then with each build, on the same cluster.
func (b *bench) measure(ctx context.Context) error {
	// phase runs fn with the operator of u (nil: with none) and keeps the errors it logged.
	phase := func(name string, u *build, fn func() error) error {
		if u == nil {
			b.op.stop()
		} else if err := b.use(ctx, u); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if u != nil && b.baseline != nil {
			name += " (" + u.name + ")"
		}
		// Every build's log: a phase may swap one operator for the other (the upgrade).
		offsets := map[*build]int64{}
		for _, v := range b.builds() {
			offsets[v] = v.op.logSize()
		}
		b.results.noteForeign(foreignControlPlanes(b.cluster.dir))
		err := fn()
		b.results.noteForeign(foreignControlPlanes(b.cluster.dir))
		if u != nil {
			errs := map[string]int{}
			for v, offset := range offsets {
				for k, n := range v.op.logErrors(offset) {
					errs[k] += n
				}
			}
			b.results.logErrors = append(b.results.logErrors, phaseErrors{phase: name, errors: errs})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	if b.cfg.runs > 0 {
		for _, u := range b.builds() {
			if err := phase("1. one platform", u, func() error { return b.singlePlatform(ctx, u == b.current) }); err != nil {
				return err
			}
		}
	}
	if b.cfg.tamperings > 0 {
		if err := phase("2. drift", b.current, func() error { return b.drift(ctx) }); err != nil {
			return err
		}
	}
	for i, n := range b.cfg.scale {
		if err := phase(fmt.Sprintf("3. floor of %d platforms", n), nil, func() error { return b.floorPhase(ctx, n) }); err != nil {
			return err
		}
		for _, u := range b.builds() {
			// The working tree's platforms of the last count stay for phases 4 and 5.
			keep := i == len(b.cfg.scale)-1 && u == b.current
			if err := phase(fmt.Sprintf("3. %d platforms", n), u, func() error { return b.scalePhase(ctx, n, !keep) }); err != nil {
				return err
			}
		}
	}
	if b.cfg.steady > 0 {
		if err := phase("4. steady state", b.current, func() error { return b.steadyState(ctx) }); err != nil {
			return err
		}
	}
	if b.cfg.unrelated > 0 {
		if err := phase("5. unrelated objects", b.current, func() error { return b.unrelatedObjects(ctx) }); err != nil {
			return err
		}
	}
	if err := b.measureFleet(ctx, phase); err != nil {
		return err
	}
	b.results.loadEnd = loadAvg()
	b.results.foreignAtEnd = foreignControlPlanes(b.cluster.dir)
	b.results.duration = time.Since(b.started)
	return nil
}

// measureFleet runs phases 6-8 on a fleet that the first build deploys, on a cluster without
// the platforms of the scale phases: the upgrade from the baseline's operator to the working
// tree's, the idle soak, and restarts of the API server with each build. The restarts come last:
// kwok, a client-go program too, may miss its node leases during an outage, and the node
// lifecycle controller then marks the fleet's pods not ready for good (no kubelet sets them
// ready again).
func (b *bench) measureFleet(ctx context.Context, phase func(string, *build, func() error) error) error {
	if b.cfg.fleet == 0 {
		return nil
	}
	if len(b.scaleNamespaces) > 0 {
		progress("deleting the %d platforms of the last scale phase", len(b.scaleKeys))
		b.deleteNamespaces(ctx, b.scaleNamespaces, 10*time.Minute)
		b.tracker.forget(b.scaleKeys...)
		b.scaleNamespaces, b.scaleKeys = nil, nil
	}
	first := b.builds()[0]
	if err := phase(fmt.Sprintf("6. fleet of %d platforms", b.cfg.fleet), first, func() error { return b.createFleet(ctx) }); err != nil {
		return err
	}
	if b.baseline != nil {
		// The phase starts the working tree's operator itself, once it has counted the pods.
		if err := phase("6. operator upgrade", b.baseline, func() error { return b.upgrade(ctx) }); err != nil {
			return err
		}
	}
	if b.cfg.soak > 0 {
		if err := phase("7. idle soak", b.current, func() error { return b.idleSoak(ctx) }); err != nil {
			return err
		}
	}
	if b.cfg.restarts == 0 {
		return nil
	}
	// The working tree's first: it runs already, and the baseline's leaves the fleet as it renders it.
	for _, u := range []*build{b.current, b.baseline} {
		if u == nil {
			continue
		}
		if err := phase("8. API-server restarts", u, func() error { return b.apiServerRestarts(ctx) }); err != nil {
			return err
		}
	}
	return nil
}
