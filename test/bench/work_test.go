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
	"math"
	"strings"
	"testing"
	"time"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func TestPerPlatform(t *testing.T) {
	for _, tc := range []struct {
		name      string
		total     float64
		platforms int
		want      float64
	}{
		{"a phase's total is shared by its platforms", 24.2, 200, 0.121},
		{"no platform gives zero, not a division by zero", 5, 0, 0},
		{"a negative count is no platform", 5, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := perPlatform(tc.total, tc.platforms); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("perPlatform(%g, %d) = %g, want %g", tc.total, tc.platforms, got, tc.want)
			}
		})
	}
}

func TestVsFloor(t *testing.T) {
	for _, tc := range []struct {
		name         string
		took, floor  time.Duration
		want         string
		wantOver     float64
		withinTarget bool
	}{
		{"longer than the floor shows the excess in percent", 108600 * time.Millisecond, 98700 * time.Millisecond, "108.6 s (floor 98.7 s, +10.0 %)", 10.03, false},
		{"exactly 10 % over is within the target", 110 * time.Second, 100 * time.Second, "110.0 s (floor 100.0 s, +10.0 %)", 10, true},
		{"faster than the floor is negative", 9 * time.Second, 10 * time.Second, "9.00 s (floor 10.0 s, -10.0 %)", -10, true},
		{"short times keep the units of secs", 800 * time.Millisecond, 500 * time.Millisecond, "800 ms (floor 500 ms, +60.0 %)", 60, false},
		{"without a floor only the time, and no verdict can be met", 40 * time.Second, 0, "40.0 s", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := vsFloor(tc.took, tc.floor); got != tc.want {
				t.Errorf("vsFloor(%s, %s) = %q, want %q", tc.took, tc.floor, got, tc.want)
			}
			if got := overFloor(tc.took, tc.floor); math.Abs(got-tc.wantOver) > 0.01 {
				t.Errorf("overFloor(%s, %s) = %g, want %g", tc.took, tc.floor, got, tc.wantOver)
			}
			if got := withinFloor(&scaleResult{allReady: tc.took}, tc.floor); got != tc.withinTarget {
				t.Errorf("withinFloor(%s, %s) = %t, want %t", tc.took, tc.floor, got, tc.withinTarget)
			}
		})
	}
}

func TestScaleResultPerPlatform(t *testing.T) {
	s := &scaleResult{n: 200, cpu: 24.2, reconciles: 405,
		requests: requestCounts{"PATCH 200": 1000, "PATCH 201": 3205, "POST 201": 200, "GET 200": 1200, "GET 404": 10, "DELETE 200": 0}}
	if got := s.cpuPerPlatform(); math.Abs(got-0.121) > 1e-9 {
		t.Errorf("cpuPerPlatform = %g", got)
	}
	if got := s.writesPerPlatform(); got != 22.025 {
		t.Errorf("writesPerPlatform = %g, want 22.025 (POST, PUT, PATCH and DELETE)", got)
	}
	if got := s.getsPerPlatform(); got != 6.05 {
		t.Errorf("getsPerPlatform = %g, want 6.05 (every GET, whatever its code)", got)
	}
	if got := s.reconcilesPerPlatform(); got != 2.025 {
		t.Errorf("reconcilesPerPlatform = %g", got)
	}
	s.hwm, s.peakRSSSampled = 100, 120
	if got := s.peakRSS(); got != 120 {
		t.Errorf("peakRSS = %d, want the larger of VmHWM and the sampled peak", got)
	}
}

func TestOthersShare(t *testing.T) {
	for _, tc := range []struct {
		name string
		use  cpuUse
		want float64
	}{
		{"what the machine was busy beyond our processes", cpuUse{machineBusy: 200, ours: 150}, 25},
		{"never negative when our processes' counts run ahead", cpuUse{machineBusy: 100, ours: 101}, 0},
		{"an idle machine is not divided by zero", cpuUse{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.use.othersShare(); got != tc.want {
				t.Errorf("othersShare = %g, want %g", got, tc.want)
			}
		})
	}
}

func TestOperatorLabel(t *testing.T) {
	for commit, want := range map[string]string{
		"8178e44 controllers: one helper (2026-11-23 00:10)":                                         "8178e44",
		"c2bd247 bench: x (2026-11-23 10:00), plus uncommitted changes to 2 file(s) of the operator": "c2bd247 + uncommitted changes",
		"": "",
	} {
		if got := (&operatorResults{commit: commit}).label(); got != want {
			t.Errorf("label of %q = %q, want %q", commit, got, want)
		}
	}
}

func TestRenderedDeploymentsAreTheFourComponentsOfThePlatform(t *testing.T) {
	mp := newPlatform("bench-floor50-01", "meet-001", 30000)
	ds, err := renderedDeployments(mp)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != len(componentsOf) {
		t.Fatalf("%d Deployments, want %d", len(ds), len(componentsOf))
	}
	for i, d := range ds {
		if d.Namespace != mp.Namespace || d.Labels[settings.LabelInstance] != mp.Name || d.Labels[settings.LabelName] != settings.NameValue {
			t.Errorf("Deployment %d (%s/%s, labels %v) would not be tracked as the platform's", i, d.Namespace, d.Name, d.Labels)
		}
		if len(d.OwnerReferences) > 0 {
			t.Errorf("Deployment %s has owner references %v: it could not be created without its platform", d.Name, d.OwnerReferences)
		}
	}
}

func TestWorkTable(t *testing.T) {
	scale := func(n int, ready time.Duration, cpu float64, writes, gets float64) scaleResult {
		return scaleResult{n: n, allReady: ready, cpu: cpu, reconciles: 2 * n, hwm: 150 * 1024,
			requests: requestCounts{"PATCH 201": writes, "GET 200": gets}}
	}
	b := &bench{cfg: &config{scale: []int{50, 200}}, results: &results{
		operatorResults: &operatorResults{commit: "c2bd247 after (date)",
			scale: []scaleResult{scale(50, 30*time.Second, 4, 900, 0), scale(200, 105*time.Second, 18, 3600, 3)}},
		baseline: &operatorResults{commit: "8178e44 before (date)",
			scale: []scaleResult{scale(50, 40*time.Second, 6, 1100, 300), scale(200, 130*time.Second, 24, 4400, 1200)}},
		floor: []floorResult{{n: 50, allDeployments: 25 * time.Second},
			{n: 200, allDeployments: 100 * time.Second, cpuUse: cpuUse{machineBusy: 200, ours: 100}}},
	}}
	table := b.workTable()
	for _, want := range []string{
		"| Measurement | Target | Before: 8178e44 | After: working tree c2bd247 | Verdict |",
		"| **50 platforms at once**: first create → all Ready |  | 40.0 s (floor 25.0 s, +60.0 %) | 30.0 s (floor 25.0 s, +20.0 %) |  |",
		"| **200 platforms at once**: first create → all Ready | ≤ floor + 10 % | 130.0 s (floor 100.0 s, +30.0 %) | 105.0 s (floor 100.0 s, +5.0 %) | **met** |",
		"| 200: operator CPU per platform | ≤ 0.1 s | 0.120 s | 0.090 s | **met** |",
		"| 50: API writes per platform | ≤ 19 | 22.0 | 18.0 | **met** |",
		"| 200: API GETs per platform | 0 (< 0.1) | 6.00 | 0.01 | **met** |",
		"| 200: reconciles per platform |  | 2.0 | 2.0 |  |",
		"| 200: operator peak RSS | ≤ 150 MiB | 150.0 MiB | 150.0 MiB | **met** |",
		"| 200: CPU time other processes took (shared machine) |  | 0 % (floor 50 %) | 0 % (floor 50 %) |  |",
	} {
		if !strings.Contains(table, want+"\n") {
			t.Errorf("the table lacks the row\n%s\nin\n%s", want, table)
		}
	}

	// A baseline that failed before 200 platforms shows n/a; the working tree is still judged.
	b.results.baseline.scale = b.results.baseline.scale[:1]
	if want := "| 200: API writes per platform | ≤ 19 | n/a | 18.0 | **met** |"; !strings.Contains(b.workTable(), want) {
		t.Errorf("the table lacks the row\n%s\nin\n%s", want, b.workTable())
	}
	// Without a baseline, one column.
	b.results.baseline = nil
	if want := "| 50: API writes per platform | ≤ 19 | 18.0 | **met** |"; !strings.Contains(b.workTable(), want) {
		t.Errorf("the table lacks the row\n%s\nin\n%s", want, b.workTable())
	}
}

func TestTheThreeBridgeRunsAreReportedApart(t *testing.T) {
	run := func(bridges int32, ready time.Duration, writes float64) singleRun {
		return singleRun{bridges: bridges, ready: ready, reconciles: 20, requests: requestCounts{"PATCH 201": writes}}
	}
	b := &bench{cfg: &config{}, results: &results{operatorResults: &operatorResults{commit: "c2bd247 after (date)",
		single: []singleRun{run(1, 8*time.Second, 30), run(1, 10*time.Second, 32), run(3, 12*time.Second, 40)}}}}
	if got := len(b.results.measured()); got != 2 {
		t.Errorf("the one-bridge statistics count %d runs, want the 2 with one bridge", got)
	}
	table := b.workTable()
	for _, want := range []string{
		"| **1 platform alone** (2 runs): create → Ready, median |  | 9.00 s |  |",
		"| **1 platform, 3 videobridges** (1 runs): create → Ready, median |  | 12.0 s |  |",
		"| 1, 3 videobridges: API writes per platform (mean) |  | 40.0 |  |",
	} {
		if !strings.Contains(table, want+"\n") {
			t.Errorf("the table lacks the row\n%s\nin\n%s", want, table)
		}
	}
}

func TestStageCountsString(t *testing.T) {
	c := stageCounts{platforms: 50, children: 50, scheduled: 40, podsReady: 30, deployments: 20, ready: 10}
	want := "children 50/50, pods scheduled 40/50, pods Ready 30/50, Deployments available 20/50, Ready 10/50"
	if got := c.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTheRestartsAreJudgedOnTheWorkingTreesOperatorOnly(t *testing.T) {
	b := &bench{cfg: &config{outage: 20 * time.Second}, results: &results{operatorResults: &operatorResults{}}}
	b.current = &build{name: "working tree", op: &operator{}, results: b.results.operatorResults}
	b.baseline = &build{name: "baseline", op: &operator{}, results: &operatorResults{}}
	b.baseline.results.restarts = []restartRun{{reverted: 23 * time.Second}}
	b.current.results.restarts = []restartRun{{reverted: 800 * time.Millisecond}, {reverted: 6 * time.Second}}
	var rows []string
	b.fleetSummaryRows(func(m, res, target, v string) { rows = append(rows, strings.Join([]string{m, res, target, v}, " | ")) })
	if len(rows) != 2 {
		t.Fatalf("%d rows, want one per build: %q", len(rows), rows)
	}
	if !strings.Contains(rows[0], "baseline") || strings.Contains(rows[0], "met") {
		t.Errorf("the baseline's row is judged or misnamed: %q", rows[0])
	}
	if !strings.Contains(rows[1], "working tree") || !strings.Contains(rows[1], "**not met**") || !strings.Contains(rows[1], "6.00 s") {
		t.Errorf("a 6 s revert of the working tree's operator must fail the 5 s target, with the slowest shown: %q", rows[1])
	}
}

func TestReplacedTextListsEveryComponentInOrder(t *testing.T) {
	up := &upgradeResult{pods: map[string]int{"web": 20, "jvb": 20, "prosody": 20, "jicofo": 20}, replaced: map[string]int{"web": 20, "prosody": 3}}
	if got, want := replacedText(up), "jicofo 0 of 20, jvb 0 of 20, prosody 3 of 20, web 20 of 20"; got != want {
		t.Errorf("replacedText = %q, want %q", got, want)
	}
}

// Every object the operator renders for a benchmarked platform is of a kind the tracker
// watches: one it did not would never be seen, and "children" (every child exists) never known.
func TestTheTrackerWatchesEveryKindTheOperatorRenders(t *testing.T) {
	bridges := newPlatform("ns", "meet", 30000)
	bridges.Spec.Components.JVB.Replicas = benchBridges
	bridges.Spec.TURN = &v1alpha1.TURNSpec{Own: &v1alpha1.OwnTURNSpec{Type: v1alpha1.MediaServiceNodePort, Port: 30003, TLSPort: 30004}}
	for _, mp := range []*v1alpha1.MeetingPlatform{newPlatform("ns", "meet", 30000), bridges} {
		objs, err := render.Objects(settings.Defaulted(mp))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if _, watched := childKinds[kindName(o)]; !watched {
				t.Errorf("%T %s is rendered but its kind is not among the tracker's childKinds", o, o.GetName())
			}
		}
	}
}
