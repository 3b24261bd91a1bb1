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
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// build is one operator binary under test: the working tree's or the -baseline revision's.
// Both listen on the same addresses, so only one runs at a time.
type build struct {
	name    string
	op      *operator
	results *operatorResults
}

func (b *bench) newBuild(name, binary, log string) *build {
	return &build{name: name, results: &operatorResults{},
		op: &operator{bin: filepath.Join(b.work, binary), kubeconfig: b.cluster.kubeconfig(),
			logPath: filepath.Join(b.work, log), metricsAddr: b.cfg.metricsAddr, probeAddr: b.cfg.probeAddr}}
}

// builds are the operators that phases 1 and 3 measure, in the order they run: the baseline
// first, so that the working tree's operator, which phases 4 and 5 use, runs last.
func (b *bench) builds() []*build {
	if b.baseline == nil {
		return []*build{b.current}
	}
	return []*build{b.baseline, b.current}
}

// use makes u's operator the one the phases measure, and starts it, stopping the other one.
func (b *bench) use(ctx context.Context, u *build) error {
	b.res = u.results
	if b.op == u.op && b.op.running() {
		return nil
	}
	b.op.stop()
	b.op = u.op
	progress("starting the operator of the %s: %s --leader-elect=false --metrics-bind-address=%s --health-probe-bind-address=%s (log %s)",
		u.name, u.op.bin, u.op.metricsAddr, u.op.probeAddr, u.op.logPath)
	if err := u.op.start(ctx); err != nil {
		return err
	}
	progress("operator of the %s running (pid %d)", u.name, u.op.pid())
	return nil
}

// goBuild builds the manager of the module in dir.
func goBuild(ctx context.Context, dir, bin string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd in %s: %w\n%s", dir, err, out)
	}
	return nil
}

// buildBaseline builds the manager of the -baseline revision from a git worktree in the work
// directory, removed again afterwards. Only the operator comes from that revision: the
// benchmark, the CRD and the cluster scripts are the working tree's.
func (b *bench) buildBaseline(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "git", "-C", b.repo, "rev-parse", "--verify", "--quiet", b.cfg.baseline+"^{commit}").Output()
	if err != nil {
		return fmt.Errorf("-baseline %s: not a commit of %s", b.cfg.baseline, b.repo)
	}
	rev := strings.TrimSpace(string(out))
	b.baseline.results.commit = gitDescribe(ctx, b.repo, rev)
	src := filepath.Join(b.work, "baseline-src")
	progress("building the baseline manager: git worktree add %s %s; go build -o %s ./cmd", src, b.cfg.baseline, b.baseline.op.bin)
	if out, err := exec.CommandContext(ctx, "git", "-C", b.repo, "worktree", "add", "--detach", src, rev).CombinedOutput(); err != nil {
		return fmt.Errorf("git worktree add %s %s: %w\n%s", src, rev, err, out)
	}
	// Not ctx: the worktree must go also when the run was cancelled.
	defer func() {
		if out, err := exec.Command("git", "-C", b.repo, "worktree", "remove", "--force", src).CombinedOutput(); err != nil {
			progress("WARNING: git worktree remove %s: %v: %s", src, err, out)
		}
	}()
	return goBuild(ctx, src, b.baseline.op.bin)
}
