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

// Package e2e runs meetwarden end to end on a real local cluster: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler built from source, and kwok as the kubelet of
// fake nodes (hack/cluster.sh). The operator runs as its own OS process, built from ./cmd, so
// the tests can kill it with SIGKILL, run two replicas for leader election, and grep its log. It
// authenticates as the Helm chart's ServiceAccount with the chart's RBAC, not as the admin, and
// the API server runs the OwnerReferencesPermissionEnforcement admission plugin (OpenShift's
// default): a right the chart lacks fails the tests that need it (identity_test.go).
//
// Order of the suite: the fault tests (which stop, kill and restart the shared operator) and
// the tampering test (which measures revert latencies) are not parallel, so Go runs them
// first, one after the other, with no other scenario in flight; every other scenario is
// parallel and runs after them, side by side, each in its own namespaces and, where nodes are
// relabelled, on its own nodes. The last check (secrets never in the log) waits for all of them.
//
// The cluster uses CLUSTER_PORT_BASE 17400 (apiserver 17443) so that it never collides with
// `make demo` (16400); operators listen 100 to 199 above the base (17500-17599).
package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/fixtures"
	"github.com/meetwarden/meetwarden/test/utils"
)

// clusterPortBase keeps the e2e cluster away from `make demo` (16400). E2E_CLUSTER_PORT_BASE
// overrides it, e.g. to run the suite while another cluster holds 17400.
var clusterPortBase = func() int {
	if v, err := strconv.Atoi(os.Getenv("E2E_CLUSTER_PORT_BASE")); err == nil && v > 0 {
		return v
	}
	return 17400
}()

// operatorPort is the n-th port of the operators this suite starts (0-98), 100 above the
// cluster's base, so that two suites with different E2E_CLUSTER_PORT_BASE never collide.
func operatorPort(n int) int { return clusterPortBase + 100 + n }

// mainOperatorProbePort is the health port of the suite's operator; the leader-election test
// uses further operator ports.
var mainOperatorProbePort = operatorPort(1)

const (
	// leaderElectionNamespace holds the Lease of operators started with --leader-elect.
	leaderElectionNamespace = "meetwarden-system"
)

var (
	scheme = runtime.NewScheme()

	repoRoot   string
	workDir    string // everything of this run: cluster state, logs, the manager binary
	clusterDir string
	logDir     string // operator logs: one file per operator process
	kubeconfig string
	managerBin string

	restConfig *rest.Config
	k8s        client.WithWatch // the tests' own client, uncached, admin
	// suiteIdentity is the chart's ServiceAccount in leaderElectionNamespace, as which the
	// suite's operators run (identity_test.go).
	suiteIdentity *operatorIdentity

	// operators guards the suite's operator process, which the fault tests replace.
	operatorsMu  sync.Mutex
	mainOperator *operatorProcess
	operatorSeq  int
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	utilruntime.Must(gatewayv1.Install(scheme))
}

func progress(format string, args ...any) {
	fmt.Printf("[e2e %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func TestMain(m *testing.M) {
	flag.Parse()
	// The scenarios wait on the cluster most of the time, so they may run side by side beyond
	// -parallel's default (GOMAXPROCS, 2 on CI). Each parallel subtest takes a slot, so
	// does the final test while it waits for the others: 2 would run them one by one.
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "16")
	} else if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == "1" {
		// The final test holds a slot while it waits for the others: 1 would deadlock.
		_ = flag.Set("test.parallel", "2")
	}
	os.Exit(runSuite(m))
}

// runSuite brings the cluster and the operator up, runs the tests, and tears everything down
// whatever happens. It never skips: a cluster that cannot start is a failure.
func runSuite(m *testing.M) (code int) {
	start := time.Now()
	var err error
	if repoRoot, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
		progress("ERROR: %v", err)
		return 1
	}
	if workDir, err = os.MkdirTemp("", "meetwarden-e2e-"); err != nil {
		progress("ERROR: %v", err)
		return 1
	}
	clusterDir = filepath.Join(workDir, "cluster")
	logDir = filepath.Join(workDir, "logs")
	kubeconfig = filepath.Join(clusterDir, "kubeconfig")
	managerBin = filepath.Join(workDir, "manager")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		progress("ERROR: %v", err)
		return 1
	}
	progress("work directory %s (kept when a test fails, or with E2E_KEEP_LOGS=1)", workDir)

	var teardownOnce sync.Once
	teardown := func(reason string) {
		teardownOnce.Do(func() {
			progress("tearing down (%s)", reason)
			stopAllOperators()
			keepClusterLogs()
			if out, err := clusterScript("down", "--purge"); err != nil {
				progress("ERROR: hack/cluster.sh down --purge failed: %v\n%s", err, out)
			}
			if ownsPortBase {
				_ = os.Remove(ownerFile())
			}
		})
	}
	defer func() {
		teardown("end of the suite")
		switch {
		case code == 0 && os.Getenv("E2E_KEEP_LOGS") == "":
			_ = os.RemoveAll(workDir)
			progress("done in %s; removed %s", time.Since(start).Round(time.Second), workDir)
		case code == 0:
			progress("done in %s; logs kept in %s (E2E_KEEP_LOGS)", time.Since(start).Round(time.Second), workDir)
		default:
			progress("FAILED after %s; logs kept in %s (operator: %s, cluster: %s)",
				time.Since(start).Round(time.Second), workDir, logDir, filepath.Join(workDir, "cluster-logs"))
		}
	}()

	// Ctrl-C or a kill of `go test` must not leave a cluster behind.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-signals
		teardown("signal " + s.String())
		os.Exit(1)
	}()
	// `go test -timeout` panics without running deferred functions: tear down shortly before.
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, ok := f.Value.(flag.Getter).Get().(time.Duration); ok && d > 0 {
			margin := min(45*time.Second, d/10)
			time.AfterFunc(d-margin, func() {
				progress("the test binary's -timeout (%s) is %s away: tearing the cluster down now", d, margin)
				teardown("approaching -timeout")
			})
		}
	}

	if err := setUp(); err != nil {
		progress("ERROR: setting up the e2e environment failed: %v", err)
		progress("cluster logs: %s, operator logs: %s", filepath.Join(clusterDir, "logs"), logDir)
		return 1
	}
	progress("environment ready in %s; running the tests", time.Since(start).Round(100*time.Millisecond))
	code = m.Run()
	printSummary(func(format string, args ...any) { fmt.Printf(format+"\n", args...) }, false)
	return code
}

func setUp() error {
	if err := claimPortBase(); err != nil {
		return err
	}
	// hack/cluster.sh refuses ports in use too, but cannot say whose they are.
	for _, offset := range []int{43, 47, 57, 59, 79, 80} {
		port := clusterPortBase + offset
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			_ = c.Close()
			return fmt.Errorf("port %d (CLUSTER_PORT_BASE %d + %d) is in use by another process, probably another cluster; "+
				"find it with `ss -ltnp 'sport = :%d'`, or run the suite on other ports with E2E_CLUSTER_PORT_BASE", port, clusterPortBase, offset, port)
		}
	}
	nodesFile := filepath.Join(workDir, "nodes.yaml")
	if err := os.WriteFile(nodesFile, []byte(sharedNodesYAML), 0o644); err != nil {
		return err
	}

	progress("starting the cluster: CLUSTER_DIR=%s CLUSTER_PORT_BASE=%d hack/cluster.sh up", clusterDir, clusterPortBase)
	t0 := time.Now()
	out, err := clusterScript("up")
	_ = os.WriteFile(filepath.Join(workDir, "cluster-up.log"), out, 0o644)
	if err != nil {
		return fmt.Errorf("hack/cluster.sh up failed (%w); its output is in %s:\n%s", err,
			filepath.Join(workDir, "cluster-up.log"), utils.Tail(string(out), 40))
	}
	progress("cluster up in %s", time.Since(t0).Round(100*time.Millisecond))

	if restConfig, err = clientcmd.BuildConfigFromFlags("", kubeconfig); err != nil {
		return fmt.Errorf("reading %s: %w", kubeconfig, err)
	}
	restConfig.QPS, restConfig.Burst = 200, 400
	if k8s, err = client.NewWithWatch(restConfig, client.Options{Scheme: scheme}); err != nil {
		return err
	}

	progress("installing the CRD from config/crd/bases")
	if out, err := kubectl(context.Background(), "apply", "--server-side", "--force-conflicts", "-f", filepath.Join(repoRoot, "config", "crd", "bases")); err != nil {
		return fmt.Errorf("installing the CRD: %w\n%s", err, out)
	}
	// Served once Established; a List succeeds from then on.
	if _, err := poll(60*time.Second, func() error {
		return k8s.List(context.Background(), &v1alpha1.MeetingPlatformList{})
	}); err != nil {
		return fmt.Errorf("the MeetingPlatform CRD is not served after 60s: %w", err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: leaderElectionNamespace}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		return fmt.Errorf("creating namespace %s: %w", leaderElectionNamespace, err)
	}
	progress("installing the chart's ServiceAccount and RBAC in %s; the operators run as it", leaderElectionNamespace)
	if suiteIdentity, err = installIdentity(context.Background(), "meetwarden", leaderElectionNamespace); err != nil {
		return err
	}

	progress("building the manager: go build -o %s ./cmd", managerBin)
	t0 = time.Now()
	build := exec.Command("go", "build", "-o", managerBin, "./cmd")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd failed: %w\n%s", err, out)
	}
	progress("manager built in %s", time.Since(t0).Round(100*time.Millisecond))

	op, err := startOperator("main", mainOperatorProbePort, "--leader-elect=false")
	if err != nil {
		return err
	}
	setMainOperator(op)
	progress("operator running (pid %d), log %s", op.cmd.Process.Pid, op.logPath)
	return nil
}

// sharedNodesYAML are the nodes every test may use: two EU regions and one US region, with room
// for many platforms. Tests that relabel nodes create their own (see createNode).
var sharedNodesYAML = func() string {
	var b strings.Builder
	// Zones as the providers write them (AWS "eu-central-1a"); a zone such as "eu-central-1-a"
	// would read as an AWS Local Zone, which the region catalog refuses.
	for _, n := range []struct{ name, region, zone string }{
		{"eu-node-1", "eu-central-1", "eu-central-1a"}, {"eu-node-2", "europe-west3", "europe-west3-a"}, {"us-node-1", "us-east-1", "us-east-1a"},
	} {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Node
metadata:
  name: %[1]s
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: %[1]s
    topology.kubernetes.io/region: %[2]s
    topology.kubernetes.io/zone: %[3]s
spec: {}
status:
  allocatable: {cpu: "128", memory: 1Ti, ephemeral-storage: 1Ti, pods: "500"}
  capacity: {cpu: "128", memory: 1Ti, ephemeral-storage: 1Ti, pods: "500"}
  nodeInfo: {architecture: amd64, operatingSystem: linux}
`, n.name, n.region, n.zone)
	}
	return b.String()
}()

// sharedEURegions are the region labels of the shared EU nodes.
var sharedEURegions = map[string]bool{"eu-central-1": true, "europe-west3": true}

func clusterScript(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot, "hack", "cluster.sh"), args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(),
		"CLUSTER_DIR="+clusterDir,
		"CLUSTER_PORT_BASE="+strconv.Itoa(clusterPortBase),
		"CLUSTER_NODES_FILE="+filepath.Join(workDir, "nodes.yaml"),
	)
	return cmd.CombinedOutput()
}

// keepClusterLogs copies the component logs out of the cluster directory before it is purged.
func keepClusterLogs() {
	src := filepath.Join(clusterDir, "logs")
	entries, err := os.ReadDir(src)
	if err != nil {
		return
	}
	dst := filepath.Join(workDir, "cluster-logs")
	_ = os.MkdirAll(dst, 0o755)
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join(src, e.Name())); err == nil {
			_ = os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644)
		}
	}
}

// ownerFile records which process owns the e2e cluster on port base 17400, so that a later
// run can clean up after a run that was killed (SIGKILL, or the -timeout panic) and never
// tore its cluster down, without ever touching a run that is still alive.
func ownerFile() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("meetwarden-e2e-%d.owner", clusterPortBase))
}

func claimPortBase() error {
	if data, err := os.ReadFile(ownerFile()); err == nil {
		fields := map[string]string{}
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				fields[k] = v
			}
		}
		pid, _ := strconv.Atoi(fields["pid"])
		if pid > 0 && processAlive(pid) {
			return fmt.Errorf("another e2e run (pid %d, %s) uses CLUSTER_PORT_BASE %d; wait for it to finish", pid, fields["dir"], clusterPortBase)
		}
		if dir := fields["dir"]; dir != "" {
			progress("cleaning up the cluster of a previous e2e run that did not finish (%s)", dir)
			for _, p := range strings.Fields(fields["operators"]) {
				if n, err := strconv.Atoi(p); err == nil && processAlive(n) && strings.Contains(cmdline(n), dir) {
					_ = syscall.Kill(n, syscall.SIGKILL)
				}
			}
			cmd := exec.Command(filepath.Join(repoRoot, "hack", "cluster.sh"), "down", "--purge")
			cmd.Env = append(os.Environ(), "CLUSTER_DIR="+filepath.Join(dir, "cluster"))
			if out, err := cmd.CombinedOutput(); err != nil {
				progress("cleaning up %s failed: %v\n%s", dir, err, out)
			}
			_ = os.RemoveAll(dir)
		}
	}
	ownsPortBase = true
	return writeOwnerFile()
}

// ownsPortBase is set once this run has claimed the port base in ownerFile.
var ownsPortBase bool

func writeOwnerFile() error {
	if !ownsPortBase {
		return nil
	}
	var pids []string
	for _, op := range allOperators() {
		pids = append(pids, strconv.Itoa(op.cmd.Process.Pid))
	}
	content := fmt.Sprintf("pid=%d\ndir=%s\noperators=%s\n", os.Getpid(), workDir, strings.Join(pids, " "))
	return os.WriteFile(ownerFile(), []byte(content), 0o644)
}

func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	// A zombie has an empty command line and counts as gone.
	return cmdline(pid) != ""
}

func cmdline(pid int) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.ReplaceAll(string(data), "\x00", " ")
}

// --- the operator as an OS process -------------------------------------------------------------

type operatorProcess struct {
	name      string
	cmd       *exec.Cmd
	logPath   string
	probePort int
	done      chan struct{} // closed when the process has exited
	exitErr   error
}

var (
	allOperatorsMu sync.Mutex
	startedOps     []*operatorProcess
)

func allOperators() []*operatorProcess {
	allOperatorsMu.Lock()
	defer allOperatorsMu.Unlock()
	return append([]*operatorProcess(nil), startedOps...)
}

// startOperator runs the manager binary as the suite's installation (the chart's identity in
// leaderElectionNamespace) and waits until /readyz answers.
func startOperator(name string, probePort int, args ...string) (*operatorProcess, error) {
	return startOperatorAs(suiteIdentity, name, probePort, args...)
}

// startOperatorBinary is startOperator for another build of the manager (the upgrade test's
// earlier version).
func startOperatorBinary(bin, name string, probePort int, args ...string) (*operatorProcess, error) {
	return startBuildAs(bin, suiteIdentity, name, probePort, args...)
}

// startOperatorAs runs the manager binary as id and waits until /readyz answers.
func startOperatorAs(id *operatorIdentity, name string, probePort int, args ...string) (*operatorProcess, error) {
	return startBuildAs(managerBin, id, name, probePort, args...)
}

// startBuildAs runs a build of the manager as id and waits until /readyz answers.
func startBuildAs(bin string, id *operatorIdentity, name string, probePort int, args ...string) (*operatorProcess, error) {
	op, err := launchOperator(bin, id, name, probePort, args...)
	if err != nil {
		return nil, err
	}
	if err := op.waitReady(60 * time.Second); err != nil {
		return nil, err
	}
	return op, nil
}

// launchOperator runs a build of the manager as id, in the installation of id's namespace
// unless args name another, with its stdout and stderr in a log file of its own.
func launchOperator(bin string, id *operatorIdentity, name string, probePort int, args ...string) (*operatorProcess, error) {
	operatorsMu.Lock()
	operatorSeq++
	seq := operatorSeq
	operatorsMu.Unlock()
	logPath := filepath.Join(logDir, fmt.Sprintf("operator-%02d-%s.log", seq, name))
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	// The suite's organisation trusts the CA that issues its certificates.
	bundle := filepath.Join(logDir, "trusted-ca.pem")
	if err := os.WriteFile(bundle, fixtures.TestCAPEM(), 0o644); err != nil {
		return nil, err
	}
	full := append([]string{
		"--health-probe-bind-address=127.0.0.1:" + strconv.Itoa(probePort),
		// Debug level: the secret-leak check is only as good as what the operator logs.
		"--zap-log-level=debug",
		"--trusted-ca-bundle=" + bundle,
	}, args...)
	if !hasFlag(args, "--metrics-bind-address") {
		full = append(full, "--metrics-bind-address=0")
	}
	if !hasFlag(args, "--leader-election-namespace") {
		full = append(full, "--leader-election-namespace="+id.namespace)
	}
	cmd := exec.Command(bin, full...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+id.kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The operator dies with the test binary, even when that is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	op := &operatorProcess{name: name, cmd: cmd, logPath: logPath, probePort: probePort, done: make(chan struct{})}
	go func() {
		op.exitErr = cmd.Wait()
		_ = logFile.Close()
		close(op.done)
	}()
	allOperatorsMu.Lock()
	startedOps = append(startedOps, op)
	allOperatorsMu.Unlock()
	_ = writeOwnerFile()
	return op, nil
}

// waitReady waits until /readyz answers; an operator that exits or is not ready in time is
// an error, and killed.
func (o *operatorProcess) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-o.done:
			exitErr := o.exitErr
			if exitErr == nil {
				exitErr = errors.New("exit status 0")
			}
			return fmt.Errorf("operator %s exited during startup (%w); last lines of %s:\n%s",
				o.name, exitErr, o.logPath, utils.TailFile(o.logPath, 30))
		default:
		}
		if o.ready() {
			return nil
		}
		if time.Now().After(deadline) {
			o.kill()
			return fmt.Errorf("operator %s not ready after %s; last lines of %s:\n%s", o.name, timeout, o.logPath, utils.TailFile(o.logPath, 30))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func (o *operatorProcess) ready() bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", o.probePort))
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (o *operatorProcess) exited() bool {
	select {
	case <-o.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (o *operatorProcess) kill() {
	if o.exited() {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGKILL)
	<-o.done
}

// stop sends SIGTERM, and SIGKILL after 15s.
func (o *operatorProcess) stop() {
	if o.exited() {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-o.done:
	case <-time.After(15 * time.Second):
		o.kill()
	}
}

func setMainOperator(op *operatorProcess) {
	operatorsMu.Lock()
	defer operatorsMu.Unlock()
	mainOperator = op
}

func getMainOperator() *operatorProcess {
	operatorsMu.Lock()
	defer operatorsMu.Unlock()
	return mainOperator
}

func stopAllOperators() {
	for _, op := range allOperators() {
		op.stop()
	}
}

// operatorLogFiles are the logs of every operator process this run started.
func operatorLogFiles() []string {
	files, _ := filepath.Glob(filepath.Join(logDir, "operator-*.log"))
	return files
}
