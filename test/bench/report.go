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
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Targets the measurements are judged against.
const (
	targetSingleReady = 3 * time.Second
	targetDriftP99    = time.Second
	targetScaleN      = 200
	targetScaleRSSMiB = 150.0
	// The RSS with unrelated objects counts as flat when it grows by at most this much.
	flatMiB     = 5.0
	flatPercent = 10.0
)

// operatorResults are the measurements taken once per operator build: phases 1 and 3.
type operatorResults struct {
	commit          string // the operator's revision, from gitDescribe
	single          []singleRun
	singleReconcile histogram
	scale           []scaleResult
	restarts        []restartRun
}

type results struct {
	*operatorResults                  // of the working tree's operator
	baseline         *operatorResults // of the -baseline revision's operator; nil without -baseline
	floor            []floorResult

	drift           []tampering
	driftRequests   requestCounts
	driftReconciles int
	driftEvents     map[string]int
	steady          *steadyResult
	unrelated       *unrelatedResult
	upgrade         *upgradeResult
	soak            *soakResult

	logErrors []phaseErrors

	foreignSeen                  map[string]bool // other control-plane binaries seen at phase boundaries
	kcmLimit, schedulerLimit     string          // client-side request limits of the control plane
	controlPlane                 string
	loadStart, loadEnd           string
	foreignAtStart, foreignAtEnd []string
	duration                     time.Duration
	aborted                      string
}

// noteForeign remembers which other control-plane binaries ran beside the benchmark.
func (r *results) noteForeign(procs []string) {
	if r.foreignSeen == nil {
		r.foreignSeen = map[string]bool{}
	}
	for _, p := range procs {
		name, _, _ := strings.Cut(p, " (")
		r.foreignSeen[name] = true
	}
}

// phaseErrors are the error lines the operator logged during one phase.
type phaseErrors struct {
	phase  string
	errors map[string]int
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}

func secs(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}

// measured are the counted runs of the sample platform (one videobridge).
func (r *operatorResults) measured() []singleRun {
	var out []singleRun
	for _, s := range r.single {
		if !s.warmup && s.bridges <= 1 {
			out = append(out, s)
		}
	}
	return out
}

// bridgeRuns are the runs of the platform with several videobridges.
func (r *operatorResults) bridgeRuns() []singleRun {
	var out []singleRun
	for _, s := range r.single {
		if s.bridges > 1 {
			out = append(out, s)
		}
	}
	return out
}

// column is f of every run: one column of a table of runs.
func column[T any](runs []T, f func(T) time.Duration) []time.Duration {
	out := make([]time.Duration, 0, len(runs))
	for _, r := range runs {
		out = append(out, f(r))
	}
	return out
}

func (r *results) driftLatencies(kind tamperKind, all bool) []time.Duration {
	var out []time.Duration
	for _, t := range r.drift {
		if all || t.kind == kind {
			out = append(out, max(0, t.latency))
		}
	}
	return out
}

func (r *operatorResults) scaleOf(n int) *scaleResult {
	for i := range r.scale {
		if r.scale[i].n == n {
			return &r.scale[i]
		}
	}
	return nil
}

// phase3CPU is the CPU use of every measurement of phase 3: floors, baseline and working tree.
func (r *results) phase3CPU() []cpuUse {
	var out []cpuUse
	for _, f := range r.floor {
		out = append(out, f.cpuUse)
	}
	for _, o := range []*operatorResults{r.baseline, r.operatorResults} {
		if o == nil {
			continue
		}
		for _, s := range o.scale {
			out = append(out, s.cpuUse)
		}
	}
	return out
}

func unrelatedDelta(u *unrelatedResult) (deltaMiB, percent float64, flat bool) {
	deltaMiB = mib(u.with.rss) - mib(u.without.rss)
	if u.without.rss > 0 {
		percent = 100 * deltaMiB / mib(u.without.rss)
	}
	return deltaMiB, percent, deltaMiB <= flatMiB || percent <= flatPercent
}

// summaryTable is the table printed on stdout and put at the top of the report.
func (b *bench) summaryTable() string {
	r := b.results
	var t strings.Builder
	t.WriteString("| Measurement | Result | Target | Verdict |\n|---|---|---|---|\n")
	row := func(m, res, target, v string) { fmt.Fprintf(&t, "| %s | %s | %s | %s |\n", m, res, target, v) }
	if runs := r.measured(); len(runs) > 0 {
		ready := column(runs, func(s singleRun) time.Duration { return s.ready })
		children := column(runs, func(s singleRun) time.Duration { return s.children })
		kwok := column(runs, func(s singleRun) time.Duration { return s.podsReady - s.scheduled })
		op := column(runs, func(s singleRun) time.Duration { return s.deployExist + (s.ready - s.deployments) })
		row(fmt.Sprintf("1. One platform, create → Ready=True (n=%d), median / p95", len(runs)),
			secs(median(ready))+" / "+secs(percentile(ready, 95)), "≤ 3 s", verdict(percentile(ready, 95) <= targetSingleReady))
		row("1a. create → all children exist (operator's first pass), median / p95",
			secs(median(children))+" / "+secs(percentile(children, 95)), "", "")
		row("1b. operator's share of the critical path (create → Deployments exist, plus Deployments available → Ready), median / p95",
			secs(median(op))+" / "+secs(percentile(op, 95)), "", "")
		row("1c. kwok's simulated container start (all pods scheduled → all pods Ready), median / p95",
			secs(median(kwok))+" / "+secs(percentile(kwok, 95)), "", "")
	}
	if len(r.drift) > 0 {
		all := r.driftLatencies(0, true)
		row(fmt.Sprintf("2. Drift reverted (n=%d), median / p99 / max", len(all)),
			secs(median(all))+" / "+secs(percentile(all, 99))+" / "+secs(percentile(all, 100)), "p99 ≤ 1 s",
			verdict(percentile(all, 99) <= targetDriftP99))
	}
	for i := range r.scale {
		s := &r.scale[i]
		floor := r.floorOf(s.n)
		target, v := "", ""
		if s.n == targetScaleN {
			target, v = fmt.Sprintf("≤ floor + %.0f %%", targetOverFloorPercent), verdict(withinFloor(s, floor))
		}
		row(fmt.Sprintf("3. %d platforms at once: first create → all Ready", s.n), vsFloor(s.allReady, floor), target, v)
		row(fmt.Sprintf("3. %d platforms: first create → all children exist", s.n), secs(s.allChildren), "", "")
		target, v = "", ""
		if s.n == targetScaleN {
			target, v = fmt.Sprintf("≤ %.0f MiB", targetScaleRSSMiB), verdict(mib(s.peakRSS()) <= targetScaleRSSMiB)
		}
		row(fmt.Sprintf("3. %d platforms: operator peak RSS (VmHWM / sampled VmRSS)", s.n),
			fmt.Sprintf("%.1f MiB / %.1f MiB", mib(s.hwm), mib(s.peakRSSSampled)), target, v)
		row(fmt.Sprintf("3. %d platforms: operator CPU (utime+stime)", s.n),
			fmt.Sprintf("%.1f s (%.3f s per platform)", s.cpu, s.cpuPerPlatform()), "", "")
	}
	if s := r.steady; s != nil {
		res := fmt.Sprintf("%d", s.requests.writes())
		if s.requests.writes() > 0 {
			res += " (" + s.requests.String() + ")"
		}
		row(fmt.Sprintf("4. Operator API writes in %s of steady state (%d reconciles)", s.window.Round(time.Second), s.reconciles), res, "0", verdict(s.requests.writes() == 0))
	}
	if u := r.unrelated; u != nil {
		d, p, flat := unrelatedDelta(u)
		row(fmt.Sprintf("5. Operator VmRSS without / with %d unrelated ConfigMaps+Secrets (Δ)", u.configMaps+u.secrets),
			fmt.Sprintf("%.1f MiB / %.1f MiB (%+.1f MiB, %+.1f%%)", mib(u.without.rss), mib(u.with.rss), d, p),
			fmt.Sprintf("flat (Δ ≤ %.0f MiB or ≤ %.0f%%)", flatMiB, flatPercent), verdict(flat))
	}
	b.fleetSummaryRows(row)
	return t.String()
}

// report prints the table and writes the report file.
func (b *bench) report() {
	if b.results.duration == 0 {
		b.results.duration = time.Since(b.started)
		b.results.loadEnd = loadAvg()
		b.results.foreignAtEnd = foreignControlPlanes(b.cluster.dir)
	}
	table, work := b.summaryTable(), ""
	if len(b.results.scale) > 0 || len(b.results.measured()) > 0 {
		work = b.workTable()
	}
	fmt.Println()
	fmt.Print(work)
	if work != "" {
		fmt.Println()
	}
	fmt.Print(table)
	if b.results.aborted != "" {
		fmt.Printf("\nThe run was aborted: %s\n", b.results.aborted)
	}
	if b.cfg.out == "" {
		return
	}
	path := b.cfg.out
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.repo, path)
	}
	notes := defaultNotes
	if old, err := os.ReadFile(path); err == nil {
		if n, ok := extractNotes(string(old)); ok {
			notes = n
		}
	}
	doc := b.document(table, work, notes)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		progress("ERROR: %v", err)
		return
	}
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		progress("ERROR: writing %s: %v", path, err)
		return
	}
	progress("wrote %s", path)
}

const (
	notesBegin = "<!-- notes:begin (kept verbatim when make bench rewrites this file) -->"
	notesEnd   = "<!-- notes:end -->"
)

const defaultNotes = "No notes yet.\n"

func extractNotes(doc string) (string, bool) {
	i := strings.Index(doc, notesBegin)
	j := strings.Index(doc, notesEnd)
	if i < 0 || j < i {
		return "", false
	}
	return strings.TrimLeft(doc[i+len(notesBegin):j], "\n"), true
}

func (b *bench) document(table, work, notes string) string {
	r := b.results
	m := b.machine
	var d strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&d, format, args...) }

	p("# Benchmarks\n\n")
	p("<!-- Written by `make bench` (test/bench). Everything outside the notes markers is regenerated on every run. -->\n\n")
	p("How fast the operator deploys, reverts drift and scales, measured on the local cluster of `hack/cluster.sh` ")
	p("(real etcd, kube-apiserver, kube-controller-manager and kube-scheduler; kwok plays the kubelet of fake nodes, so no container runs). ")
	p("The operator runs as its own process, built from `./cmd`, exactly as in `hack/demo.sh`.\n\n")
	p("- Date: %s (run took %s)\n", b.started.Format("2006-01-02 15:04 MST"), r.duration.Round(time.Second))
	p("- Command: `%s` (from `make bench`)\n", b.command)
	p("- Operator under test: %s\n", r.commit)
	if r.baseline != nil {
		p("- Baseline operator (phases 1 and 3): %s\n", r.baseline.commit)
	}
	if r.aborted != "" {
		p("- **The run was aborted:** %s. The tables hold what was measured until then.\n", r.aborted)
	}
	if work != "" {
		b.sectionWork(&d, work)
	}
	p("\n## Machine\n\n| | |\n|---|---|\n")
	p("| CPUs (`nproc`) | %d |\n", m.NProc)
	p("| CPU model | %s |\n", m.CPUModel)
	p("| Memory | %s |\n", m.MemTotal)
	p("| Kernel | %s |\n", m.Kernel)
	p("| Go | %s |\n", m.GoVersion)
	p("| Control plane | %s (`hack/build-controlplane.sh`) |\n", r.controlPlane)
	p("| Control-plane client limits | kube-controller-manager %s, kube-scheduler %s |\n", r.kcmLimit, r.schedulerLimit)
	p("| Nodes | %d kwok nodes, alternating eu-central-1 / europe-west3, %d allocatable pods each; kwok's stock pod stages |\n", b.cfg.nodes, b.cfg.podsPerNode)
	p("| Load average (1/5/15 min) | %s at the start, %s at the end |\n", r.loadStart, r.loadEnd)
	r.noteForeign(r.foreignAtStart)
	r.noteForeign(r.foreignAtEnd)
	shared := "no other local-cluster or envtest control plane was seen at the start, the end or any phase boundary"
	if len(r.foreignSeen) > 0 {
		var names []string
		for n := range r.foreignSeen {
			names = append(names, n)
		}
		sort.Strings(names)
		shared = fmt.Sprintf("**yes**: other control-plane processes (%s: another engineer's e2e cluster or envtest) ran beside the benchmark at some point",
			strings.Join(names, ", "))
	}
	if uses := r.phase3CPU(); len(uses) > 0 {
		lo, hi := 100.0, 0.0
		for _, u := range uses {
			lo, hi = math.Min(lo, u.othersShare()), math.Max(hi, u.othersShare())
		}
		shared += fmt.Sprintf("; other processes took %.0f-%.0f%% of the busy CPU time during the scale phases and their floors (section 3)", lo, hi)
	}
	p("| Machine shared | %s |\n", shared)
	p("\n## Results\n\n%s\n", table)
	p("Verdicts compare with the targets: one platform Ready ≤ 3 s after apply (judged on p95), drift reverted ≤ 1 s at p99, ")
	p("200 platforms Ready within 10 %% of the floor with operator RSS ≤ 150 MiB (the larger of VmHWM and the sampled peak), zero steady-state writes, ")
	p("an operator RSS that stays flat with unrelated objects in the cluster, drift made right after an API-server restart reverted within 5 s, ")
	p("and zero writes in the idle soak.\n")

	b.sectionSingle(&d)
	b.sectionDrift(&d)
	b.sectionScale(&d)
	b.sectionSteady(&d)
	b.sectionUnrelated(&d)
	b.sectionUpgrade(&d)
	b.sectionSoak(&d)
	b.sectionRestarts(&d)
	b.sectionErrors(&d)
	b.sectionTime(&d)
	p("%s", b.methodText())
	p("\n## Notes\n\n%s\n%s%s\n", notesBegin, notes, notesEnd)
	return d.String()
}

func (b *bench) sectionSingle(d *strings.Builder) {
	r := b.results
	if len(r.single) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## 1. One platform: create → Ready\n\n")
	p("Sequential runs, each in a fresh namespace (Pod Security `restricted`) with its own TLS and JWT Secret, deleted (and waited for) before the next. ")
	p("Every time is from the return of the create call to the first watch event that shows the stage reached. Warm-up runs are listed but not counted.\n\n")
	p("| Run | Deployments exist | All children exist | All pods scheduled | All pods Ready | All Deployments available | Platform Ready | Reconciles | Operator writes |\n|---|---|---|---|---|---|---|---|---|\n")
	n, bridgeRun := 0, 0
	for i, s := range r.single {
		label := fmt.Sprintf("warm-up %d", i+1)
		switch {
		case s.bridges > 1:
			bridgeRun++
			label = fmt.Sprintf("%d bridges, %d", s.bridges, bridgeRun)
		case !s.warmup:
			n++
			label = fmt.Sprintf("%d", n)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %d | %d |\n", label, secs(s.deployExist), secs(s.children), secs(s.scheduled), secs(s.podsReady),
			secs(s.deployments), secs(s.ready), s.reconciles, s.requests.writes())
	}
	runs := r.measured()
	if len(runs) == 0 {
		return
	}
	stage := func(name, who string, f func(singleRun) time.Duration) {
		c := column(runs, f)
		p("| %s | %s | %s | %s | %s |\n", name, who, secs(median(c)), secs(percentile(c, 95)), secs(percentile(c, 100)))
	}
	p("\nWhere the time of one platform goes: the critical path, stage by stage (each stage's own duration per run, then median / p95 / max over the %d runs). ", len(runs))
	p("The operator applies the Deployments first, so pods are scheduled while it still applies the Services, NetworkPolicies and the rest; ")
	p("\"all children exist\" (the end of its first pass) is therefore not on the critical path and listed apart.\n\n")
	p("| Stage | Done by | Median | p95 | Max |\n|---|---|---|---|---|\n")
	stage("create returned → the four Deployments exist", "operator", func(s singleRun) time.Duration { return s.deployExist })
	stage("Deployments exist → all pods scheduled", "controller-manager (Deployment → ReplicaSet → Pod), scheduler", func(s singleRun) time.Duration { return s.scheduled - s.deployExist })
	stage("all pods scheduled → all pods Ready", "**kwok's simulated container start**", func(s singleRun) time.Duration { return s.podsReady - s.scheduled })
	stage("all pods Ready → all Deployments available", "controller-manager (status)", func(s singleRun) time.Duration { return s.deployments - s.podsReady })
	stage("all Deployments available → platform Ready=True", "operator (watch, reconcile, status patch)", func(s singleRun) time.Duration { return s.ready - s.deployments })
	stage("**total: create returned → platform Ready**", "", func(s singleRun) time.Duration { return s.ready })
	stage("(apart) create returned → all children exist", "operator, first pass", func(s singleRun) time.Duration { return s.children })
	h := r.singleReconcile
	p("\nOperator reconciles during these runs (all of them, deletion included): %d, mean %s, p50 ≈ %s, p99 ≈ %s (`controller_runtime_reconcile_time_seconds`, bucket-interpolated).\n",
		int(h.count), secs(time.Duration(h.mean()*float64(time.Second))), secs(dur(h.quantile(0.5))), secs(dur(h.quantile(0.99))))
	var reqs requestCounts = map[string]float64{}
	for _, s := range runs {
		for k, v := range s.requests {
			reqs[k] += v / float64(len(runs))
		}
	}
	p("Average API requests of the operator per platform creation (create → Ready): %s.\n", reqs)
	b.bridgesSummary(d)
}

// bridgesSummary compares the platform with several videobridges with the sample: medians of
// the runs of each, and what the extra bridges cost the operator.
func (b *bench) bridgesSummary(d *strings.Builder) {
	r := b.results
	bridges, single := r.bridgeRuns(), r.measured()
	if len(bridges) == 0 || len(single) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\nThe same platform with %d videobridges (spec.components.jvb.replicas: each bridge a Deployment, a media Service and a node port of its own) and its own TURN relay (spec.turn.own: a Deployment, a Service, a ConfigMap and a NetworkPolicy more), median of %d run(s) beside the median of the %d runs above:\n\n",
		bridges[0].bridges, len(bridges), len(single))
	p("| | One bridge | %d bridges |\n|---|---|---|\n", bridges[0].bridges)
	row := func(name string, f func(singleRun) time.Duration) {
		p("| %s | %s | %s |\n", name, secs(median(column(single, f))), secs(median(column(bridges, f))))
	}
	row("create returned → every Deployment exists", func(s singleRun) time.Duration { return s.deployExist })
	row("create returned → all children exist", func(s singleRun) time.Duration { return s.children })
	row("create returned → platform Ready", func(s singleRun) time.Duration { return s.ready })
	mean := func(runs []singleRun, f func(singleRun) float64) float64 {
		var sum float64
		for _, s := range runs {
			sum += f(s)
		}
		return sum / float64(len(runs))
	}
	writes := func(s singleRun) float64 { return float64(s.requests.writes()) }
	reconciles := func(s singleRun) float64 { return float64(s.reconciles) }
	cpu := func(s singleRun) float64 { return s.cpu }
	p("| operator writes (mean) | %.0f | %.0f |\n", mean(single, writes), mean(bridges, writes))
	p("| reconciles (mean) | %.0f | %.0f |\n", mean(single, reconciles), mean(bridges, reconciles))
	p("| operator CPU seconds (mean) | %.2f | %.2f |\n", mean(single, cpu), mean(bridges, cpu))
}

func dur(seconds float64) time.Duration { return time.Duration(seconds * float64(time.Second)) }

func (b *bench) sectionDrift(d *strings.Builder) {
	r := b.results
	if len(r.drift) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## 2. Drift revert latency\n\n")
	p("%d converged platforms in Enforce mode, tampered with in turn (the operator stops correcting an object corrected three times within five minutes: RevertLoop); %d tamperings, cycling through three kinds. Each is timed from the return of the tampering write ", driftPlatforms, len(r.drift))
	p("to the first event of the benchmark's own informer that shows the object reverted (the env var gone or `false` again; the NetworkPolicy back with a new UID). ")
	p("Before each tampering the platform is converged again (Ready, `<name>-web` rolled out, operator queue empty).\n\n")
	p("| Tampering | n | Median | p99 | Max | Tampering seen by the watch (median) | Ready left True |\n|---|---|---|---|---|---|---|\n")
	for _, k := range []tamperKind{tamperAmplitude, tamperRecording, tamperDeleteNetpol} {
		l := r.driftLatencies(k, false)
		if len(l) == 0 {
			continue
		}
		var seen []time.Duration
		flaps := 0
		for _, t := range r.drift {
			if t.kind == k {
				seen = append(seen, t.seen)
				if t.readyFlaps {
					flaps++
				}
			}
		}
		p("| %s | %d | %s | %s | %s | %s | %d of %d |\n", k, len(l), secs(median(l)), secs(percentile(l, 99)), secs(percentile(l, 100)), secs(median(seen)), flaps, len(l))
	}
	all := r.driftLatencies(0, true)
	p("| all | %d | %s | %s | %s | | |\n", len(all), secs(median(all)), secs(percentile(all, 99)), secs(percentile(all, 100)))
	reasons := map[string]int{}
	for _, t := range r.drift {
		if t.readyFlaps {
			reasons[fmt.Sprintf("%s → `%s`", t.kind.short(), strings.ReplaceAll(t.flapReason, "`", "'"))]++
		}
	}
	if len(reasons) > 0 {
		p("\nWhen Ready left True during a tampering, the Ready condition first said (tampering → reason: message):\n\n")
		keys := make([]string, 0, len(reasons))
		for k := range reasons {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p("- %d × %s\n", reasons[k], k)
		}
	}
	p("\nOperator during the drift phase: %d reconciles, API requests %s. Events it recorded in the namespace: %s.\n",
		r.driftReconciles, r.driftRequests, formatCounts(r.driftEvents))
}

func formatCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// tableRows writes the head of a Markdown table with the columns heads and returns the function
// that adds a row: its name, then cell(i) for each column i.
func tableRows(d *strings.Builder, heads []string) func(name string, cell func(i int) string) {
	fmt.Fprintf(d, "| | %s |\n|---|%s\n", strings.Join(heads, " | "), strings.Repeat("---|", len(heads)))
	return func(name string, cell func(i int) string) {
		fmt.Fprintf(d, "| %s |", name)
		for i := range heads {
			fmt.Fprintf(d, " %s |", cell(i))
		}
		d.WriteString("\n")
	}
}

// cpuRows adds the rows of the CPU time of each process and of the machine, for phases that
// took wall[i].
func (b *bench) cpuRows(row func(string, func(int) string), uses []cpuUse, wall []time.Duration, loads [][2]string) {
	var names []string
	for _, c := range uses[0].components {
		names = append(names, c.name)
	}
	for _, name := range names {
		row("CPU s: "+name, func(i int) string {
			for _, c := range uses[i].components {
				if c.name == name {
					return fmt.Sprintf("%.1f", c.seconds)
				}
			}
			return ""
		})
	}
	row("Machine CPU busy / of it other processes (not this benchmark)", func(i int) string {
		u := uses[i]
		return fmt.Sprintf("%.0f s of %.0f s available / %.0f s (%.0f%%)", u.machineBusy, wall[i].Seconds()*float64(b.machine.NProc), math.Max(0, u.machineBusy-u.ours), u.othersShare())
	})
	row("Load average before / after", func(i int) string { return loads[i][0] + " / " + loads[i][1] })
}

func (b *bench) sectionScale(d *strings.Builder) {
	r := b.results
	if len(r.scale) == 0 && len(r.floor) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## 3. Many platforms created at once\n\n")
	p("Namespaces and Secrets are created first (not timed); then %d workers create the MeetingPlatforms concurrently. ", b.cfg.workers)
	p("Times are from the first create call. The operator's RSS is sampled every 200 ms from `/proc/<pid>/status` (VmRSS), and its VmHWM is reset ")
	p("(`/proc/<pid>/clear_refs` = 5) at the start of the phase, so both are peaks of the phase; CPU is utime+stime from `/proc/<pid>/stat`. ")
	p("Phases before the last are deleted (and waited for) before the next starts.")
	// One column per measurement with an operator, the baseline's before the working tree's.
	var cols []*scaleResult
	var heads []string
	for i := range r.scale {
		s := &r.scale[i]
		if r.baseline != nil {
			if bs := r.baseline.scaleOf(s.n); bs != nil {
				cols, heads = append(cols, bs), append(heads, fmt.Sprintf("%d platforms, baseline", s.n))
			}
			cols, heads = append(cols, s), append(heads, fmt.Sprintf("%d platforms, working tree", s.n))
			continue
		}
		cols, heads = append(cols, s), append(heads, fmt.Sprintf("%d platforms", s.n))
	}
	if r.baseline != nil {
		p(" The baseline's operator (%s) ran each platform count just before the working tree's.", r.baseline.label())
	}
	p("\n\n")
	if len(cols) > 0 {
		b.scaleTable(d, cols, heads)
	}
	b.floorTable(d)
}

func (b *bench) scaleTable(d *strings.Builder, cols []*scaleResult, heads []string) {
	r := b.results
	add := tableRows(d, heads)
	row := func(name string, f func(s *scaleResult) string) { add(name, func(i int) string { return f(cols[i]) }) }
	row("Namespaces", func(s *scaleResult) string { return fmt.Sprint(s.namespaces) })
	row("Last create call returned", func(s *scaleResult) string { return secs(s.lastCreate) })
	row("All children exist (operator)", func(s *scaleResult) string { return secs(s.allChildren) })
	row("All pods scheduled", func(s *scaleResult) string { return secs(s.allScheduled) })
	row("All pods Ready (kwok)", func(s *scaleResult) string { return secs(s.allPodsReady) })
	row("All Deployments available", func(s *scaleResult) string { return secs(s.allDeployments) })
	row("First platform Ready", func(s *scaleResult) string { return secs(s.firstReady) })
	row("**All platforms Ready** (against the floor)", func(s *scaleResult) string { return "**" + vsFloor(s.allReady, r.floorOf(s.n)) + "**" })
	row("Per platform create → children, median / p95", func(s *scaleResult) string {
		return secs(median(s.perPlatformChildren)) + " / " + secs(percentile(s.perPlatformChildren, 95))
	})
	row("Per platform create → Ready, median / p95", func(s *scaleResult) string {
		return secs(median(s.perPlatformReady)) + " / " + secs(percentile(s.perPlatformReady, 95))
	})
	row("Operator peak VmRSS (sampled, n samples)", func(s *scaleResult) string {
		return fmt.Sprintf("%.1f MiB (%d)", mib(s.peakRSSSampled), s.rssSamples)
	})
	row("Operator VmHWM", func(s *scaleResult) string { return fmt.Sprintf("%.1f MiB", mib(s.hwm)) })
	row("Operator Go heap in use at the end", func(s *scaleResult) string { return fmt.Sprintf("%.1f MiB", s.heapInuse/1024/1024) })
	row("Operator CPU (utime+stime; per platform)", func(s *scaleResult) string {
		return fmt.Sprintf("%.1f s (%.3f s)", s.cpu, s.cpuPerPlatform())
	})
	row("Reconcile workers (max concurrent reconciles)", func(s *scaleResult) string { return fmt.Sprint(s.workers) })
	row("Reconciles (per platform)", func(s *scaleResult) string {
		return fmt.Sprintf("%d (%.1f)", s.reconciles, s.reconcilesPerPlatform())
	})
	row("Reconcile time mean / p50 / p99", func(s *scaleResult) string {
		return fmt.Sprintf("%s / %s / %s", secs(dur(s.reconcile.mean())), secs(dur(s.reconcile.quantile(0.5))), secs(dur(s.reconcile.quantile(0.99))))
	})
	row("Time in the work queue before a reconcile, mean / p50 bucket / p99 bucket", func(s *scaleResult) string {
		return fmt.Sprintf("%s / %s / %s", secs(dur(s.queueWait.mean())), s.queueWait.bucketOf(0.5), s.queueWait.bucketOf(0.99))
	})
	row("Peak work-queue depth (sampled every 1 s)", func(s *scaleResult) string { return fmt.Sprintf("%.0f", s.maxDepth) })
	row("Operator API writes, POST/PUT/PATCH/DELETE (per platform)", func(s *scaleResult) string {
		return fmt.Sprintf("%d (%.1f)", s.requests.writes(), s.writesPerPlatform())
	})
	row("Operator API reads, GET incl. LIST and WATCH (per platform)", func(s *scaleResult) string {
		return fmt.Sprintf("%d (%.2f)", s.requests.method("GET"), s.getsPerPlatform())
	})
	row("Operator API requests by method and code", func(s *scaleResult) string { return s.requests.String() })
	row("Operator API requests per second (average over the phase)", func(s *scaleResult) string {
		total := 0.0
		for _, v := range s.requests {
			total += v
		}
		return fmt.Sprintf("%.0f", total/math.Max(1, s.allReady.Seconds()))
	})
	uses, wall, loads := make([]cpuUse, len(cols)), make([]time.Duration, len(cols)), make([][2]string, len(cols))
	for i, s := range cols {
		uses[i], wall[i], loads[i] = s.cpuUse, s.allReady, [2]string{s.loadBefore, s.loadAfter}
	}
	b.cpuRows(add, uses, wall, loads)
}

// floorTable shows the floors of phase 3, one column per platform count.
func (b *bench) floorTable(d *strings.Builder) {
	fs := b.results.floor
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(d, "\n**The floor.** Before each platform count, the same namespaces and platform specs, of which only the Deployments that ")
	fmt.Fprintf(d, "`render.Objects` renders are created, by %d workers, with no operator running; kwok starts the pods without their ", b.cfg.workers)
	fmt.Fprintf(d, "ConfigMaps, Secrets or Services, so nothing else is needed. Times are from the first create call.\n\n")
	heads := make([]string, len(fs))
	for i, f := range fs {
		heads[i] = fmt.Sprintf("%d platforms, floor", f.n)
	}
	add := tableRows(d, heads)
	row := func(name string, f func(f *floorResult) string) { add(name, func(i int) string { return f(&fs[i]) }) }
	row("Namespaces", func(f *floorResult) string { return fmt.Sprint(f.namespaces) })
	row("Last create call returned", func(f *floorResult) string { return secs(f.lastCreate) })
	row("All pods scheduled", func(f *floorResult) string { return secs(f.allScheduled) })
	row("All pods Ready (kwok)", func(f *floorResult) string { return secs(f.allPodsReady) })
	row("**All Deployments available: the floor**", func(f *floorResult) string { return "**" + secs(f.allDeployments) + "**" })
	uses, wall, loads := make([]cpuUse, len(fs)), make([]time.Duration, len(fs)), make([][2]string, len(fs))
	for i, f := range fs {
		uses[i], wall[i], loads[i] = f.cpuUse, f.allDeployments, [2]string{f.loadBefore, f.loadAfter}
	}
	b.cpuRows(add, uses, wall, loads)
}

func (b *bench) sectionSteady(d *strings.Builder) {
	s := b.results.steady
	if s == nil {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## 4. Steady state\n\n")
	p("With every platform of the last scale phase converged (operator queue empty and no reconcile for 10 s), the operator's `/metrics` ")
	p("(`rest_client_requests_total{code,host,method}`) is scraped before and after a %s window.\n\n", s.window.Round(time.Second))
	idleWindowText(d, s)
}

// idleWindowText lists what the operator did in an idle window: requests, reconciles, writes
// and Events when there were writes, and the first lines it logged.
func idleWindowText(d *strings.Builder, s *steadyResult) {
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("- Writes (POST/PUT/PATCH/DELETE): **%d**\n", s.requests.writes())
	p("- All requests in the window, by method and code: %s\n", s.requests)
	p("- Reconciles in the window: %d\n", s.reconciles)
	if len(s.writers) > 0 || s.requests.writes() > 0 {
		p("- Objects of the platforms whose managedFields show a write in the window (manager, operation, kind: objects): %s\n", formatCounts(s.writers))
		p("- Events the operator recorded in the window: %s\n", formatCounts(s.events))
	}
	if len(s.logLines) > 0 {
		p("- The operator's log in the window (%d lines", len(s.logLines))
		if len(s.logLines) > 10 {
			p(", the first 10")
		}
		p("):\n\n```\n")
		for i, l := range s.logLines {
			if i == 10 {
				break
			}
			if len(l) > 700 {
				l = l[:700] + "…"
			}
			p("%s\n", l)
		}
		p("```\n")
	}
}

func (b *bench) sectionUnrelated(d *strings.Builder) {
	u := b.results.unrelated
	if u == nil {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## 5. Memory with unrelated objects in the cluster\n\n")
	p("The operator is restarted with the platforms of the last scale phase in the cluster, waits until it has reconciled all of them and is idle, ")
	p("runs %s more (longer than the Go runtime's 2-minute forced-GC period, so that the garbage of its startup has been collected), and its VmRSS is read. Then %d ConfigMaps and %d Secrets (about %d bytes of data each, unlabelled) are created in an ", b.cfg.settle, u.configMaps, u.secrets, u.bytesEach)
	p("unrelated namespace (took %s) and the same is done again.\n\n", secs(u.createTime))
	p("| | Without | With | Δ |\n|---|---|---|---|\n")
	dm, pc, _ := unrelatedDelta(u)
	p("| Platforms in the cluster | %d | %d | |\n", u.without.platforms, u.with.platforms)
	p("| VmRSS after settling (median of %d samples, 1 s apart, at the end of the settle time) | %.1f MiB | %.1f MiB | %+.1f MiB (%+.1f%%) |\n", u.without.samples, mib(u.without.rss), mib(u.with.rss), dm, pc)
	p("| VmRSS range of those samples | %.1f-%.1f MiB | %.1f-%.1f MiB | |\n", mib(u.without.rssMin), mib(u.without.rssMax), mib(u.with.rssMin), mib(u.with.rssMax))
	p("| Live Go heap after the last GC (`go_memstats_next_gc_bytes` / 2) | %.1f MiB | %.1f MiB | %+.1f MiB |\n",
		u.without.liveHeap/1024/1024, u.with.liveHeap/1024/1024, (u.with.liveHeap-u.without.liveHeap)/1024/1024)
	p("| GC cycles during the settle time | %d | %d | |\n", u.without.gcCycles, u.with.gcCycles)
	p("| VmHWM since the start | %.1f MiB | %.1f MiB | %+.1f MiB |\n", mib(u.without.hwm), mib(u.with.hwm), mib(u.with.hwm)-mib(u.without.hwm))
	p("| Go heap in use (median of the same samples) | %.1f MiB | %.1f MiB | %+.1f MiB |\n", u.without.heapInuse/1024/1024, u.with.heapInuse/1024/1024, (u.with.heapInuse-u.without.heapInuse)/1024/1024)
	p("| Start → every platform reconciled, queue empty | %s | %s | |\n", secs(u.without.converge), secs(u.with.converge))
	p("| Reconciles since the start | %d | %d | |\n", u.without.reconciles, u.with.reconciles)
	p("| CPU since the start | %.1f s | %.1f s | |\n", u.without.cpu, u.with.cpu)
	p("| API writes since the start (resync after restart) | %d | %d | |\n", u.without.requests.writes(), u.with.requests.writes())
	p("\nRequests since the start, without: %s; with: %s.\n", u.without.requests, u.with.requests)
}

// sectionTime explains, from the numbers of this run, where the time goes.
func (b *bench) sectionTime(d *strings.Builder) {
	r := b.results
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## Where the time goes\n\n")
	if runs := r.measured(); len(runs) > 0 {
		ready := median(column(runs, func(s singleRun) time.Duration { return s.ready }))
		head := median(column(runs, func(s singleRun) time.Duration { return s.deployExist }))
		children := median(column(runs, func(s singleRun) time.Duration { return s.children }))
		tail := median(column(runs, func(s singleRun) time.Duration { return s.ready - s.deployments }))
		kwok := median(column(runs, func(s singleRun) time.Duration { return s.podsReady - s.scheduled }))
		cm := median(column(runs, func(s singleRun) time.Duration { return s.scheduled - s.deployExist }))
		p("- **One platform.** Of the median %s from create to Ready, the operator's share of the critical path is about %s: %s until its four Deployments exist ",
			secs(ready), secs(head+tail), secs(head))
		p("(it must see the create event, read the user's Secrets, generate credentials and server-side apply the ConfigMaps and Deployments; its whole first pass, every child, takes %s) ", secs(children))
		p("plus %s from the last Deployment turning available to Ready=True. ", secs(tail))
		p("The controller-manager and the scheduler take %s to turn the Deployments into scheduled pods, and **kwok's simulated container start takes %s**: ", secs(cm), secs(kwok))
		p("its stock `pod-create` and `pod-ready` stages each wait 1-5 s at random per pod, and the platform waits for the slowest of its four pods. ")
		p("On real nodes this stage is image pull plus the startup and readiness probes of the Jitsi containers instead, typically longer. ")
		p("A target of Ready ≤ 3 s after apply can therefore not be met on this cluster whatever the operator does; the operator's part of it is what it controls.\n")
	}
	if len(r.drift) > 0 {
		all := r.driftLatencies(0, true)
		p("- **Drift.** A revert costs one watch event, one reconcile (the operator re-renders and compares all children, reading its inputs from the API server) and one write; ")
		p("the median was %s and p99 %s.\n", secs(median(all)), secs(percentile(all, 99)))
	}
	if s := r.scaleOf(maxScale(r)); s != nil {
		p("- **%d platforms.** Every child existed %s after the first create; all pods were scheduled at %s, Ready at %s, all Deployments available at %s and all platforms Ready at %s. ",
			s.n, secs(s.allChildren), secs(s.allScheduled), secs(s.allPodsReady), secs(s.allDeployments), secs(s.allReady))
		if floor := r.floorOf(s.n); floor > 0 {
			p("The same Deployments without the operator were all available after %s (the floor): the operator's platforms took %s, %+.1f %%, longer. ",
				secs(floor), secs(s.allReady-floor), overFloor(s.allReady, floor))
		}
		workers := max(1, s.workers)
		busy := s.reconcile.sum / (float64(workers) * math.Max(1, s.allReady.Seconds()))
		p("The operator ran %d reconciles (%.1f per platform), mean %s each, on %d worker(s): %.0f s of reconcile time, %.0f%% of the workers' time in the phase; ",
			s.reconciles, float64(s.reconciles)/float64(s.n), secs(dur(s.reconcile.mean())), workers, s.reconcile.sum, 100*busy)
		p("requests waited %s on average (p99 in %s) in the work queue before being handled. ", secs(dur(s.queueWait.mean())), s.queueWait.bucketOf(0.99))
		if lag := s.allScheduled - s.allChildren; lag > 10*time.Second {
			p("The last pod was scheduled %s after the operator had created every child, so at the end the controller-manager and scheduler, not the operator, set the pace. ", secs(lag))
		}
		if lag := s.allDeployments - s.allPodsReady; lag > 5*time.Second {
			p("The controller-manager reported the last Deployment available %s after the last pod was Ready. ", secs(lag))
		}
		var top []componentCPU
		top = append(top, s.components...)
		sort.Slice(top, func(i, j int) bool { return top[i].seconds > top[j].seconds })
		var parts []string
		for _, c := range top {
			parts = append(parts, fmt.Sprintf("%s %.0f s", c.name, c.seconds))
		}
		p("CPU in the phase: %s; the machine has %d CPUs, i.e. %.0f CPU-seconds in %.0f s, of which %.0f were busy. ",
			strings.Join(parts, ", "), b.machine.NProc, s.allReady.Seconds()*float64(b.machine.NProc), s.allReady.Seconds(), s.machineBusy)
		var controlPlane float64
		for _, c := range s.components {
			if c.name != "operator" && !strings.HasPrefix(c.name, "bench") {
				controlPlane += c.seconds
			}
		}
		p("The control plane and kwok alone used %.0f CPU-seconds, i.e. at least %.0f s of wall time on %d CPUs even if the operator and this benchmark had used none: ",
			controlPlane, controlPlane/float64(max(1, b.machine.NProc)), b.machine.NProc)
		p("at this scale the run is bound by the machine as much as by any one component.\n")
	}
	p("- Client-side request limits in this cluster: kube-controller-manager %s per controller client, kube-scheduler %s; kwok has its own. ", r.kcmLimit, r.schedulerLimit)
	p("They bound how fast ReplicaSets, pods, bindings and Deployment status appear when hundreds of platforms are created at once.\n")
}

func maxScale(r *results) int {
	n := 0
	for _, s := range r.scale {
		n = max(n, s.n)
	}
	return n
}

func (b *bench) methodText() string {
	return strings.NewReplacer("{base}", fmt.Sprint(b.cfg.portBase), "{metrics}", b.cfg.metricsAddr, "{probe}", b.cfg.probeAddr).Replace(methodTemplate)
}

const methodTemplate = `
## Method

- **Cluster.** ` + "`hack/cluster.sh up`" + ` with its own CLUSTER_DIR (a temporary directory), CLUSTER_PORT_BASE ({base} in this run) and a
  generated nodes file; purged with ` + "`hack/cluster.sh down --purge`" + ` at the end, also after a failure or Ctrl-C.
- **Operator.** ` + "`go build -o <tmp>/manager ./cmd`" + `, run with ` + "`--leader-elect=false --metrics-bind-address={metrics} --health-probe-bind-address={probe}`" + `
  (the working tree's also with ` + "`--metrics-secure=false`" + `: the benchmark scrapes plain HTTP on loopback) and the cluster's kubeconfig, after the CRD from config/crd/bases is installed.
- **Baseline.** With ` + "`-baseline <rev>`" + ` (` + "`make bench`" + `: BENCH_BASELINE), the manager of that revision is built too (` + "`git worktree add`" + ` into the
  work directory, ` + "`go build ./cmd`" + ` there, the worktree removed); only the operator comes from it, the benchmark, CRD and scripts are
  the working tree's. Phase 1 runs with the baseline's operator, then with the working tree's; each platform count of phase 3 runs
  as floor, baseline, working tree, one after the other on the same cluster, every platform of one deleted before the next. Drift,
  steady state and unrelated objects are measured with the working tree's operator only. Only one operator runs at a time.
- **Floor.** For each platform count of phase 3, before the operators, the Deployments ` + "`render.Objects`" + ` renders for the same
  platform specs, created by the benchmark (same workers, same namespace layout, Pod Security "restricted") with no operator
  running, timed from the first create until every Deployment is available: what the control plane and kwok alone need.
- **Observation.** The benchmark runs informers of its own (controller-runtime cache, label app.kubernetes.io/name=jitsi-meet, like the
  operator's) on MeetingPlatforms, Deployments, Services, ConfigMaps, Secrets, Ingresses, NetworkPolicies and Pods, and timestamps the
  first event that shows each stage. "All children exist" means every object ` + "`render.Objects`" + ` returns for the created platform,
  plus the credentials Secret and the processing-record ConfigMap. "Platform Ready" is the Ready condition True with the current
  observedGeneration.
- **Platforms.** The sample of config/samples (JWT, NodePort media), each with its own self-signed ECDSA P-256 certificate, JWT
  Secret and NodePort (never reused within a run), in namespaces that enforce Pod Security "restricted".
- **Percentiles** are nearest-rank: with 10 runs p95 is the slowest run, with 51 tamperings p99 is the slowest tampering.
- **Metrics.** ` + "`rest_client_requests_total`" + ` counts every request of the operator process (its client, API reader, event recorder).
  Reconcile and queue times come from ` + "`controller_runtime_reconcile_time_seconds`" + ` and ` + "`workqueue_queue_duration_seconds`" + `;
  their quantiles are interpolated within the histogram buckets.
- **Fleet (phases 6-8).** -fleet platforms (the same sample) deployed by the first build's operator (the baseline's, with ` + "`-baseline`" + `)
  after the platforms of the scale phases are deleted; phase 6 swaps that operator for the working tree's (without ` + "`-baseline`" + ` there
  is no phase 6), phase 7 soaks with it, and phase 8 restarts the API server with the working tree's operator, then with the baseline's.
  The restarts come last: kwok, itself a client-go program, may miss its node leases during an outage, and the node lifecycle controller
  then marks the fleet's pods not ready for good, which only a real kubelet would undo; phase 8 therefore waits for Compliant, not Ready.
- **Shared machine.** Load average and any other running control planes (e.g. another engineer's e2e cluster or envtest) are recorded;
  the CPU busy time of the whole machine during each scale phase, minus that of the benchmark's own processes, is the share others took.
`

func (b *bench) sectionErrors(d *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## Errors the operator logged\n\n")
	p("Error-level lines of the operator's log per phase, grouped (namespace and platform names replaced by placeholders). ")
	p("Errors while a phase's namespaces are deleted count towards that phase.\n\n")
	logged := false
	for _, pe := range b.results.logErrors {
		total := 0
		for _, n := range pe.errors {
			total += n
		}
		p("- **%s**: %d", pe.phase, total)
		if total > 0 {
			logged = true
			type kv struct {
				k string
				n int
			}
			var l []kv
			for k, n := range pe.errors {
				l = append(l, kv{k, n})
			}
			sort.Slice(l, func(i, j int) bool { return l[i].n > l[j].n || l[i].n == l[j].n && l[i].k < l[j].k })
			for i, e := range l {
				if i == 8 {
					p("\n  - … %d more kinds", len(l)-8)
					break
				}
				msg := e.k
				if len(msg) > 300 {
					msg = msg[:300] + "…"
				}
				p("\n  - %d × `%s`", e.n, strings.ReplaceAll(msg, "`", "'"))
			}
		}
		p("\n")
	}
	if !logged {
		p("\nNone.\n")
	}
}
