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

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/meetwarden/meetwarden/test/utils"
)

// cluster is the local cluster of hack/cluster.sh that this run starts and purges.
type cluster struct {
	repo     string
	dir      string
	portBase int
	nodes    string // nodes manifest
}

func (c *cluster) env() []string {
	return append(os.Environ(),
		"CLUSTER_DIR="+c.dir,
		"CLUSTER_PORT_BASE="+strconv.Itoa(c.portBase),
		"CLUSTER_NODES_FILE="+c.nodes,
	)
}

func (c *cluster) kubeconfig() string { return filepath.Join(c.dir, "kubeconfig") }

func (c *cluster) script(ctx context.Context, logFile string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.repo, "hack", "cluster.sh"), args...)
	cmd.Dir = c.repo
	cmd.Env = c.env()
	out, err := cmd.CombinedOutput()
	if logFile != "" {
		_ = os.WriteFile(logFile, out, 0o644)
	}
	if err != nil {
		return fmt.Errorf("hack/cluster.sh %s: %w\n%s", strings.Join(args, " "), err, utils.Tail(string(out), 30))
	}
	return nil
}

// down stops the cluster and deletes its state; it must work after the run's context ended.
func (c *cluster) down() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := os.Stat(c.dir); err != nil {
		return nil
	}
	return c.script(ctx, "", "down", "--purge")
}

// componentPIDs are the running processes of the cluster, by component name.
func (c *cluster) componentPIDs() map[string]int {
	out := map[string]int{}
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		data, err := os.ReadFile(filepath.Join(c.dir, "pids", name+".pid"))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			out[name] = pid
		}
	}
	return out
}

// nodesYAML are n kwok nodes alternating between the EU regions eu-central-1 and europe-west3,
// each with room for podsPerNode pods.
func nodesYAML(n, podsPerNode int) string {
	regions := []string{"eu-central-1", "europe-west3"}
	zones := []string{"eu-central-1a", "europe-west3-a"}
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Node
metadata:
  name: bench-eu-%02[1]d
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: bench-eu-%02[1]d
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/region: %[2]s
    topology.kubernetes.io/zone: %[3]s
spec: {}
status:
  allocatable: {cpu: "64", memory: 512Gi, ephemeral-storage: 500Gi, pods: "%[4]d"}
  capacity: {cpu: "64", memory: 512Gi, ephemeral-storage: 500Gi, pods: "%[4]d"}
  nodeInfo: {architecture: amd64, operatingSystem: linux}
`, i+1, regions[i%2], zones[i%2], podsPerNode)
	}
	return b.String()
}

// operator is the manager binary running as its own OS process.
type operator struct {
	bin         string
	kubeconfig  string
	logPath     string
	metricsAddr string
	probeAddr   string
	// extraArgs are further flags of this operator binary (the baseline may not know them).
	extraArgs []string

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (o *operator) metricsURL() string { return "http://" + o.metricsAddr + "/metrics" }

func (o *operator) pid() int {
	if o.cmd == nil || o.cmd.Process == nil {
		return 0
	}
	return o.cmd.Process.Pid
}

func (o *operator) running() bool {
	if o.done == nil {
		return false
	}
	select {
	case <-o.done:
		return false
	default:
		return true
	}
}

// start runs the manager and waits until /readyz answers.
func (o *operator) start(ctx context.Context) error {
	if o.running() {
		return fmt.Errorf("operator already running (pid %d)", o.pid())
	}
	logFile, err := os.OpenFile(o.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(logFile, "\n==== bench: operator start %s ====\n", time.Now().Format(time.RFC3339Nano))
	args := append([]string{"--leader-elect=false",
		"--metrics-bind-address=" + o.metricsAddr, "--health-probe-bind-address=" + o.probeAddr}, o.extraArgs...)
	cmd := exec.Command(o.bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+o.kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The operator dies with this program, even when it is killed with SIGKILL.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("starting %s: %w", o.bin, err)
	}
	o.cmd, o.done, o.err = cmd, make(chan struct{}), nil
	done := o.done
	go func() {
		o.err = cmd.Wait()
		_ = logFile.Close()
		close(done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	client := http.Client{Timeout: time.Second}
	for {
		select {
		case <-done:
			return fmt.Errorf("operator exited during startup (%w); last lines of %s:\n%s", o.err, o.logPath, utils.TailFile(o.logPath, 30))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := client.Get("http://" + o.probeAddr + "/readyz"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			o.stop()
			return fmt.Errorf("operator not ready after 60s; last lines of %s:\n%s", o.logPath, utils.TailFile(o.logPath, 30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM to the process this program started, and SIGKILL after 15s.
func (o *operator) stop() {
	if !o.running() {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-o.done:
	case <-time.After(15 * time.Second):
		_ = o.cmd.Process.Signal(syscall.SIGKILL)
		<-o.done
	}
}

// logSize is the operator log's current length, the start of a phase's part of it.
func (o *operator) logSize() int64 {
	st, err := os.Stat(o.logPath)
	if err != nil {
		return 0
	}
	return st.Size()
}

var (
	namespaceNames = regexp.MustCompile(`bench-[a-z0-9]+(-[a-z0-9]+)*`)
	platformNames  = regexp.MustCompile(`meet-[0-9]{3}`)
	reconcileIDs   = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// logErrors counts the error-level lines the operator logged since offset, grouped by message
// and error with namespace and platform names normalised.
func (o *operator) logErrors(offset int64) map[string]int {
	out := map[string]int{}
	f, err := os.Open(o.logPath)
	if err != nil {
		return out
	}
	defer func() { _ = f.Close() }() // read-only: closing cannot lose data
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return out
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		var line struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Error string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Level != "error" {
			continue
		}
		key := line.Msg
		if line.Error != "" {
			key += ": " + line.Error
		}
		key = namespaceNames.ReplaceAllString(key, "<namespace>")
		key = platformNames.ReplaceAllString(key, "meet-NNN")
		key = reconcileIDs.ReplaceAllString(key, "<id>")
		out[key]++
	}
	return out
}

// logLines returns the operator's log lines since offset.
func (o *operator) logLines(offset int64) []string {
	f, err := os.Open(o.logPath)
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }() // read-only: closing cannot lose data
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// clientLimit reads --kube-api-qps and --kube-api-burst from a running component's command
// line, e.g. "100/s (burst 200)", falling back to the component's defaults.
func clientLimit(pid int, defQPS, defBurst string) string {
	qps, burst, set := defQPS, defBurst, false
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err == nil {
		for _, arg := range strings.Split(string(raw), "\x00") {
			if v, ok := strings.CutPrefix(arg, "--kube-api-qps="); ok {
				qps, set = v, true
			}
			if v, ok := strings.CutPrefix(arg, "--kube-api-burst="); ok {
				burst, set = v, true
			}
		}
	}
	if !set {
		return fmt.Sprintf("%s/s (burst %s, its default)", qps, burst)
	}
	return fmt.Sprintf("%s/s (burst %s)", qps, burst)
}
