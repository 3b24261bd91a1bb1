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
	"strings"
	"time"
)

// The targets of issue 10 for the operator's work per platform created.
const (
	targetOverFloorPercent  = 10.0 // targetScaleN platforms all Ready within this much of the floor
	targetCPUPerPlatform    = 0.1  // operator CPU seconds
	targetWritesPerPlatform = 19.0 // one per child object plus status
	// No GET that the cache could answer. rest_client_requests_total also counts as GETs the
	// LIST and WATCH requests with which the operator's informers renew their watches, each every
	// 5-10 minutes, i.e. a few per phase, not per platform: below this, no GET is made per platform.
	targetGETsPerPlatform = 0.1
)

// perPlatform divides a phase's total by the number of platforms it created.
func perPlatform(total float64, platforms int) float64 {
	if platforms <= 0 {
		return 0
	}
	return total / float64(platforms)
}

// overFloor is how much longer than its floor d took, in percent of the floor.
func overFloor(d, floor time.Duration) float64 {
	if floor <= 0 {
		return 0
	}
	return 100 * float64(d-floor) / float64(floor)
}

// vsFloor shows a time against its floor, "108.6 s (floor 98.7 s, +10.0 %)"; without a floor
// (zero) only the time.
func vsFloor(d, floor time.Duration) string {
	if floor <= 0 {
		return secs(d)
	}
	return fmt.Sprintf("%s (floor %s, %+.1f %%)", secs(d), secs(floor), overFloor(d, floor))
}

func (r *results) floorResult(n int) *floorResult {
	for i := range r.floor {
		if r.floor[i].n == n {
			return &r.floor[i]
		}
	}
	return nil
}

// floorOf is the floor of n platforms, zero if it was not measured.
func (r *results) floorOf(n int) time.Duration {
	if f := r.floorResult(n); f != nil {
		return f.allDeployments
	}
	return 0
}

// withinFloor judges a scale phase's time against the target; false without a floor.
func withinFloor(s *scaleResult, floor time.Duration) bool {
	return floor > 0 && overFloor(s.allReady, floor) <= targetOverFloorPercent
}

func (s *scaleResult) cpuPerPlatform() float64 { return perPlatform(s.cpu, s.n) }
func (s *scaleResult) writesPerPlatform() float64 {
	return perPlatform(float64(s.requests.writes()), s.n)
}
func (s *scaleResult) getsPerPlatform() float64 {
	return perPlatform(float64(s.requests.method("GET")), s.n)
}
func (s *scaleResult) reconcilesPerPlatform() float64 { return perPlatform(float64(s.reconciles), s.n) }

// label names an operator build in a column head: its short commit, marked when the working
// tree had changes.
func (r *operatorResults) label() string {
	rev, _, _ := strings.Cut(r.commit, " ")
	if strings.Contains(r.commit, "uncommitted changes") {
		rev += " + uncommitted changes"
	}
	return rev
}

// workTable is the table of the issue 10 targets: for each platform count of phase 3, the time
// until all are Ready against the floor and the operator's work per platform, for the baseline
// (before) and the working tree (after) side by side; then the same per platform of phase 1.
func (b *bench) workTable() string {
	r := b.results
	builds := []*operatorResults{r.operatorResults}
	heads := []string{"Working tree " + r.label()}
	if r.baseline != nil {
		builds = []*operatorResults{r.baseline, r.operatorResults}
		heads = []string{"Before: " + r.baseline.label(), "After: working tree " + r.label()}
	}
	var t strings.Builder
	t.WriteString("| Measurement | Target | " + strings.Join(heads, " | ") + " | Verdict |\n|---|---|")
	t.WriteString(strings.Repeat("---|", len(heads)+1) + "\n")
	// row writes one measurement per build; ok, when not nil, judges the working tree's.
	row := func(name, target string, cell func(o *operatorResults) (string, bool), ok func(o *operatorResults) bool) {
		fmt.Fprintf(&t, "| %s | %s |", name, target)
		measured := false
		for _, o := range builds {
			v, has := cell(o)
			if !has {
				v = "n/a"
			}
			measured = measured || has && o == r.operatorResults
			fmt.Fprintf(&t, " %s |", v)
		}
		v := ""
		if ok != nil && measured {
			v = verdict(ok(r.operatorResults))
		}
		fmt.Fprintf(&t, " %s |\n", v)
	}
	for _, n := range b.cfg.scale {
		floor := r.floorOf(n)
		scale := func(f func(s *scaleResult) string) func(o *operatorResults) (string, bool) {
			return func(o *operatorResults) (string, bool) {
				if s := o.scaleOf(n); s != nil {
					return f(s), true
				}
				return "", false
			}
		}
		judge := func(f func(s *scaleResult) bool) func(o *operatorResults) bool {
			return func(o *operatorResults) bool { return f(o.scaleOf(n)) }
		}
		var timeTarget, rssTarget string
		var timeOK, rssOK func(o *operatorResults) bool
		if n == targetScaleN {
			timeTarget = fmt.Sprintf("≤ floor + %.0f %%", targetOverFloorPercent)
			timeOK = judge(func(s *scaleResult) bool { return withinFloor(s, floor) })
			rssTarget = fmt.Sprintf("≤ %.0f MiB", targetScaleRSSMiB)
			rssOK = judge(func(s *scaleResult) bool { return mib(s.peakRSS()) <= targetScaleRSSMiB })
		}
		row(fmt.Sprintf("**%d platforms at once**: first create → all Ready", n), timeTarget,
			scale(func(s *scaleResult) string { return vsFloor(s.allReady, floor) }), timeOK)
		row(fmt.Sprintf("%d: operator CPU per platform", n), fmt.Sprintf("≤ %g s", targetCPUPerPlatform),
			scale(func(s *scaleResult) string { return fmt.Sprintf("%.3f s", s.cpuPerPlatform()) }),
			judge(func(s *scaleResult) bool { return s.cpuPerPlatform() <= targetCPUPerPlatform }))
		row(fmt.Sprintf("%d: API writes per platform", n), fmt.Sprintf("≤ %g", targetWritesPerPlatform),
			scale(func(s *scaleResult) string { return fmt.Sprintf("%.1f", s.writesPerPlatform()) }),
			judge(func(s *scaleResult) bool { return s.writesPerPlatform() <= targetWritesPerPlatform }))
		row(fmt.Sprintf("%d: API GETs per platform", n), fmt.Sprintf("0 (< %g)", targetGETsPerPlatform),
			scale(func(s *scaleResult) string { return fmt.Sprintf("%.2f", s.getsPerPlatform()) }),
			judge(func(s *scaleResult) bool { return s.getsPerPlatform() < targetGETsPerPlatform }))
		row(fmt.Sprintf("%d: reconciles per platform", n), "",
			scale(func(s *scaleResult) string { return fmt.Sprintf("%.1f", s.reconcilesPerPlatform()) }), nil)
		row(fmt.Sprintf("%d: operator peak RSS", n), rssTarget,
			scale(func(s *scaleResult) string { return fmt.Sprintf("%.1f MiB", mib(s.peakRSS())) }), rssOK)
		floorShare := ""
		if f := r.floorResult(n); f != nil {
			floorShare = fmt.Sprintf(" (floor %.0f %%)", f.othersShare())
		}
		row(fmt.Sprintf("%d: CPU time other processes took (shared machine)", n), "",
			scale(func(s *scaleResult) string { return fmt.Sprintf("%.0f %%%s", s.othersShare(), floorShare) }), nil)
	}
	if len(r.measured()) > 0 {
		single := func(f func(runs []singleRun) string) func(o *operatorResults) (string, bool) {
			return func(o *operatorResults) (string, bool) {
				runs := o.measured()
				return f(runs), len(runs) > 0
			}
		}
		mean := func(f func(s singleRun) float64) func(runs []singleRun) float64 {
			return func(runs []singleRun) float64 {
				total := 0.0
				for _, s := range runs {
					total += f(s)
				}
				return perPlatform(total, len(runs))
			}
		}
		cpu := mean(func(s singleRun) float64 { return s.cpu })
		writes := mean(func(s singleRun) float64 { return float64(s.requests.writes()) })
		gets := mean(func(s singleRun) float64 { return float64(s.requests.method("GET")) })
		reconciles := mean(func(s singleRun) float64 { return float64(s.reconciles) })
		row(fmt.Sprintf("**1 platform alone** (%d runs): create → Ready, median", len(r.measured())), "",
			single(func(runs []singleRun) string {
				return secs(median(column(runs, func(s singleRun) time.Duration { return s.ready })))
			}), nil)
		row("1: operator CPU per platform (mean)", "", single(func(runs []singleRun) string { return fmt.Sprintf("%.3f s", cpu(runs)) }), nil)
		row("1: API writes per platform (mean)", "", single(func(runs []singleRun) string { return fmt.Sprintf("%.1f", writes(runs)) }), nil)
		row("1: API GETs per platform (mean)", "", single(func(runs []singleRun) string { return fmt.Sprintf("%.1f", gets(runs)) }), nil)
		row("1: reconciles per platform (mean)", "", single(func(runs []singleRun) string { return fmt.Sprintf("%.1f", reconciles(runs)) }), nil)
		if n := len(r.bridgeRuns()); n > 0 {
			// The platform with several videobridges, measured with the working tree only.
			bridges := func(f func(runs []singleRun) string) func(o *operatorResults) (string, bool) {
				return func(o *operatorResults) (string, bool) {
					runs := o.bridgeRuns()
					return f(runs), len(runs) > 0
				}
			}
			row(fmt.Sprintf("**1 platform, %d videobridges** (%d runs): create → Ready, median", benchBridges, n), "",
				bridges(func(runs []singleRun) string {
					return secs(median(column(runs, func(s singleRun) time.Duration { return s.ready })))
				}), nil)
			row(fmt.Sprintf("1, %d videobridges: operator CPU per platform (mean)", benchBridges), "", bridges(func(runs []singleRun) string { return fmt.Sprintf("%.3f s", cpu(runs)) }), nil)
			row(fmt.Sprintf("1, %d videobridges: API writes per platform (mean)", benchBridges), "", bridges(func(runs []singleRun) string { return fmt.Sprintf("%.1f", writes(runs)) }), nil)
			row(fmt.Sprintf("1, %d videobridges: reconciles per platform (mean)", benchBridges), "", bridges(func(runs []singleRun) string { return fmt.Sprintf("%.1f", reconciles(runs)) }), nil)
		}
	}
	return t.String()
}

// sectionWork is the report's first section: the work table and how it was measured.
func (b *bench) sectionWork(d *strings.Builder, table string) {
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## Work per platform (issue 10 targets)\n\n")
	if b.results.baseline != nil {
		p("Before and after on one cluster: the operator of the baseline revision (`-baseline %s`) and that of the working tree, ", b.cfg.baseline)
		p("each built from `./cmd` of its revision and run in turn, the baseline's first: phase 1, then for each platform count of phase 3 ")
		p("the floor, the baseline and the working tree, one after the other, the platforms of each deleted before the next.\n\n")
	} else {
		p("The operator of the working tree only; run with `-baseline <rev>` (as `make bench` does) for a before/after comparison.\n\n")
	}
	p("%s\n", table)
	p("- **Floor**: the platforms' Deployments, as `render.Objects` renders them for the same specs, created by the benchmark with the same number of workers ")
	p("into the same namespaces with no operator running, timed from the first create until every Deployment is available: what the control plane ")
	p("alone needs. Each time is from the first create until the last platform is Ready, with how much longer than the floor it took.\n")
	p("- **Per platform**: the phase's total divided by the platforms created. CPU is the operator's utime+stime (`/proc/<pid>/stat`); writes and GETs ")
	p("are the operator's own requests by method (`rest_client_requests_total`: POST/PUT/PATCH/DELETE, and GET); reconciles are ")
	p("`controller_runtime_reconcile_total`. The GETs include the LIST and WATCH requests with which the operator's informers renew their ")
	p("watches every 5-10 min, a few per phase; below %g per platform, no GET is made per platform, which is how the target \"no GET that the cache ", targetGETsPerPlatform)
	p("could answer\" is judged.\n")
	p("- **Peak RSS**: the larger of VmHWM (reset at the start of the phase) and VmRSS sampled every 200 ms.\n")
	p("- **Shared machine**: the share of the machine's busy CPU time that processes other than this benchmark's took during the phase ")
	p("and during its floor; times measured while others took much are slower than they would be alone.\n")
	p("- The targets apply to platforms created at once; one platform alone, whose pods start one by one and trigger a reconcile each, is shown for comparison.\n")
}
