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

// targetRevertAfterRestart is how soon drift made as the API server answers again after an
// outage must be reverted.
const targetRevertAfterRestart = 5 * time.Second

// restartBuilds are the builds that ran phase 8, baseline first.
func (b *bench) restartBuilds() []*build {
	var out []*build
	for _, u := range b.builds() {
		if len(u.results.restarts) > 0 {
			out = append(out, u)
		}
	}
	return out
}

// fleetSummaryRows adds the rows of phases 6-8 to the summary table.
func (b *bench) fleetSummaryRows(row func(m, res, target, v string)) {
	r := b.results
	if up := r.upgrade; up != nil {
		row(fmt.Sprintf("6. Operator upgrade, baseline → working tree, %d platforms: pods replaced; operator writes until idle", up.platforms),
			fmt.Sprintf("%s; %d writes", replacedText(up), up.requests.writes()), "", "")
	}
	if s := r.soak; s != nil {
		res := fmt.Sprintf("%d", s.requests.writes())
		if s.requests.writes() > 0 {
			res += " (" + s.requests.String() + ")"
		}
		row(fmt.Sprintf("7. Operator API writes in a %s idle soak of %d platforms (%d reconciles)", s.window.Round(time.Second), s.platforms, s.reconciles),
			res, "0", verdict(s.requests.writes() == 0))
	}
	for _, u := range b.restartBuilds() {
		after := column(u.results.restarts, func(x restartRun) time.Duration { return x.reverted })
		target, v := "", ""
		if u == b.current {
			target, v = "max ≤ 5 s", verdict(percentile(after, 100) <= targetRevertAfterRestart)
		}
		row(fmt.Sprintf("8. Drift made as the API server answers after a %s outage → reverted, %s (n=%d), median / max", secs(b.cfg.outage), u.name, len(after)),
			secs(median(after))+" / "+secs(percentile(after, 100)), target, v)
	}
}

// replacedText is "jicofo 20 of 20, jvb 0 of 20, ...".
func replacedText(up *upgradeResult) string {
	parts := make([]string, 0, len(up.pods))
	for _, c := range fleetComponents(up.pods) {
		parts = append(parts, fmt.Sprintf("%s %d of %d", c, up.replaced[c], up.pods[c]))
	}
	return strings.Join(parts, ", ")
}

func (b *bench) sectionRestarts(d *strings.Builder) {
	builds := b.restartBuilds()
	if len(builds) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## 8. Drift right after an API-server restart\n\n")
	p("The fleet of phases 6-8 (%d platforms) Compliant and the operator idle, the benchmark stops the cluster's kube-apiserver ", b.cfg.fleet)
	p("(`hack/cluster.sh stop kube-apiserver`: SIGTERM), waits %s, starts it again (`hack/cluster.sh up`), and as soon as `/readyz` answers ", secs(b.cfg.outage))
	p("adds `AMPLITUDE_ID` to the web Deployment of the first platform. The revert is read back with direct GETs every 20 ms ")
	p("(the benchmark's own informers back off like any other). `meetwarden_cache_degraded` is read from the operator's metrics; ")
	p("an operator that does not export it shows n/a.\n\n")
	p("| Operator | Restart | API server down (stop → `/readyz` answers) | Degraded reported after the stop | Drift written after the return | Reverted after the write | Reverted after the return | Degraded window closed after the return |\n")
	p("|---|---|---|---|---|---|---|---|\n")
	for _, u := range builds {
		for i, x := range u.results.restarts {
			p("| %s | %d | %s | %s | %s | **%s** | %s | %s |\n", u.name, i+1, secs(x.down), optionalSecs(x.degradedAfter), secs(x.tamperWrite),
				secs(x.reverted), secs(x.afterAnswer), optionalSecs(x.windowClosed))
		}
	}
}

func optionalSecs(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return secs(d)
}

func (b *bench) sectionUpgrade(d *strings.Builder) {
	up := b.results.upgrade
	if up == nil {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## 6. Operator upgrade with %d platforms\n\n", up.platforms)
	p("The baseline's operator (%s) deployed the fleet and converged it; then it is stopped and the working tree's operator started, ", b.baseline.results.commit)
	p("as a Deployment rollout of the operator would. Pods are compared by UID before the swap and once the new operator has reconciled ")
	p("every platform, its queue has been empty for 5 s and every platform is Ready: a pod that is gone or terminating was replaced.\n\n")
	p("| Component | Pods before | Replaced by the upgrade |\n|---|---|---|\n")
	for _, c := range fleetComponents(up.pods) {
		p("| %s | %d | %d |\n", c, up.pods[c], up.replaced[c])
	}
	p("\nThe new operator until then: converged %s after the swap, %d reconciles, API requests %s. ", secs(up.converge), up.reconciles, up.requests)
	p("Objects of the platforms written since the swap (manager, operation, kind: objects): %s.\n", formatCounts(up.writers))
}

func (b *bench) sectionSoak(d *strings.Builder) {
	s := b.results.soak
	if s == nil {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(d, format, args...) }
	p("\n## 7. Idle soak\n\n")
	p("The working tree's operator with the %d platforms of the fleet, converged and idle. Just before the window, %d more platforms in Audit mode are ", s.platforms, soakGone)
	p("created in a namespace of their own and become Ready; one write adds `AMPLITUDE_ID` and `ENABLE_RECORDING=true` to each web Deployment, so that ")
	p("one pass reports two failing controls, two ControlFailed Events about the same platform version, which client-go's Event broadcaster keeps as a series; ")
	p("then the namespace is deleted. The broadcaster writes the final count of each series 6 to 12 minutes after its last occurrence, ")
	p("which for a deleted namespace used to be a PATCH and a POST answered 404. ")
	p("Their namespace held %d operator Events, %d of them series. The operator's `/metrics` is scraped before and after the %s window.\n\n",
		s.goneEvents, s.goneSeries, s.window.Round(time.Second))
	idleWindowText(d, &s.steadyResult)
}
