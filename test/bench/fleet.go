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
	"path/filepath"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// Phases 6-8 run on a fleet of -fleet platforms that the first build creates: the baseline's
// operator, when there is one, so that phase 6 upgrades a fleet the baseline deployed.

// fleetPrefix names the namespaces of the fleet.
const fleetPrefix = "bench-fleet"

// createFleet creates the fleet with the running operator and waits until every platform is
// Ready and the operator idle.
func (b *bench) createFleet(ctx context.Context) error {
	n := b.cfg.fleet
	set, err := b.newScaleSet(ctx, fleetPrefix, n)
	if err != nil {
		return err
	}
	progress("== 6-8. a fleet of %d platforms (%d namespaces), created by the operator of the %s", n, len(set.namespaces), b.runningBuild().name)
	if err := parallel(ctx, n, b.cfg.workers, func(ctx context.Context, i int) error { return b.createInputs(ctx, set.platforms[i]) }); err != nil {
		return err
	}
	start := time.Now()
	if _, err := b.createAll(ctx, n, func(ctx context.Context, i int) error { return b.createPlatform(ctx, set.platforms[i]) }); err != nil {
		return err
	}
	if err := b.awaitAll(ctx, start, set.keys, func(c stageCounts) bool { return c.ready == n }); err != nil {
		return fmt.Errorf("only %d of %d platforms of the fleet Ready: %w", b.tracker.counts(set.keys).ready, n, err)
	}
	b.fleet = set
	progress("fleet Ready %s after the first create", ms(time.Since(start)))
	return b.waitQuiet(ctx, 2*time.Second, 5*time.Minute)
}

// runningBuild is the build whose operator the phases measure now.
func (b *bench) runningBuild() *build {
	for _, u := range b.builds() {
		if u.op == b.op {
			return u
		}
	}
	return b.current
}

// fleetReady says whether every platform of the fleet is Ready for its generation, read past
// the benchmark's informers (which an API-server restart leaves behind for up to 30 s).
func (b *bench) fleetReady(ctx context.Context) (bool, error) {
	for _, key := range b.fleet.keys {
		var mp v1alpha1.MeetingPlatform
		if err := b.k8s.Get(ctx, key, &mp); err != nil {
			return false, err
		}
		if !platformReady(&mp) {
			return false, nil
		}
	}
	return true, nil
}

// --- 8. drift right after an API-server restart ---------------------------------------------------

// restartRun is one API-server restart of phase 8.
type restartRun struct {
	down          time.Duration // stop → the API server answers /readyz again
	degradedAfter time.Duration // stop → meetwarden_cache_degraded=1; -1 if the operator does not export it
	tamperWrite   time.Duration // answers → the tampering write returned
	reverted      time.Duration // tampering write returned → the revert is read back
	afterAnswer   time.Duration // answers → the revert is read back
	windowClosed  time.Duration // answers → meetwarden_cache_degraded=0; -1 if not exported
}

// apiServerRestarts stops the cluster's kube-apiserver for -outage, starts it again, makes
// drift on the first platform of the fleet as soon as it answers, and times the revert; -restarts
// times. Everything is read with direct requests: the benchmark's own informers back off too.
func (b *bench) apiServerRestarts(ctx context.Context) error {
	progress("== 8. drift right after an API-server restart: %d restart(s), the API server stopped for %s each", b.cfg.restarts, b.cfg.outage)
	dc, err := discovery.NewDiscoveryClientForConfig(b.rest)
	if err != nil {
		return err
	}
	answers := func() bool { return dc.RESTClient().Get().AbsPath("/readyz").Do(ctx).Error() == nil }
	target := b.fleet.platforms[0]
	web := types.NamespacedName{Namespace: target.Namespace, Name: target.Name + "-web"}
	for i := range b.cfg.restarts {
		if err := b.settleAfterDrift(ctx, web); err != nil {
			return fmt.Errorf("before restart %d: %w", i+1, err)
		}
		r, err := b.restartOnce(ctx, i, answers, web)
		if err != nil {
			return fmt.Errorf("restart %d: %w", i+1, err)
		}
		b.res.restarts = append(b.res.restarts, r)
		progress("restart %d/%d: API server back after %s; drift written %s later, reverted %s after the write (%s after the API server answered); degraded reported after %s, closed %s after the return",
			i+1, b.cfg.restarts, ms(r.down), ms(r.tamperWrite), ms(r.reverted), ms(r.afterAnswer), optionalMs(r.degradedAfter), optionalMs(r.windowClosed))
	}
	return b.settleAfterDrift(ctx, web)
}

// settleAfterDrift waits until every platform of the fleet is Compliant for its generation, the
// web Deployment has no drift left, and the operator is idle. Not Ready: an outage may leave
// pods not ready under kwok (measureFleet).
func (b *bench) settleAfterDrift(ctx context.Context, web types.NamespacedName) error {
	err := poll(ctx, 5*time.Minute, 200*time.Millisecond, func() (bool, error) {
		for _, key := range b.fleet.keys {
			var mp v1alpha1.MeetingPlatform
			if err := b.k8s.Get(ctx, key, &mp); err != nil {
				return false, err
			}
			c := meta.FindStatusCondition(mp.Status.Conditions, v1alpha1.ConditionCompliant)
			if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != mp.Generation {
				return false, nil
			}
		}
		var d appsv1.Deployment
		if err := b.k8s.Get(ctx, web, &d); err != nil {
			return false, err
		}
		_, drifted := webEnv(&d, "AMPLITUDE_ID")
		return !drifted, nil
	})
	if err != nil {
		return fmt.Errorf("the fleet is not Compliant: %w", err)
	}
	return b.waitQuiet(ctx, 2*time.Second, 5*time.Minute)
}

func (b *bench) restartOnce(ctx context.Context, i int, answers func() bool, web types.NamespacedName) (restartRun, error) {
	r := restartRun{degradedAfter: -1, windowClosed: -1}
	logFile := filepath.Join(b.work, fmt.Sprintf("cluster-restart-%s-%d.log", b.runningBuild().name, i+1))
	if err := b.cluster.script(ctx, logFile, "stop", "kube-apiserver"); err != nil {
		return r, err
	}
	stopped := time.Now()
	// `up` starts what is stopped; it returns once every component is ready again, seconds
	// after the API server answers.
	upDone := make(chan error, 1)
	time.AfterFunc(b.cfg.outage, func() { upDone <- b.cluster.script(ctx, logFile+".up", "up") })
	for time.Since(stopped) < b.cfg.outage {
		if r.degradedAfter < 0 && b.metricIs(ctx, "meetwarden_cache_degraded", 1) {
			r.degradedAfter = time.Since(stopped)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return r, err
		}
	}
	if err := poll(ctx, 3*time.Minute, 50*time.Millisecond, func() (bool, error) { return answers(), nil }); err != nil {
		return r, fmt.Errorf("the API server did not answer again: %w", err)
	}
	back := time.Now()
	r.down = back.Sub(stopped)
	windowClosed := b.watchWindowClose(ctx, r.degradedAfter >= 0, back)
	value := fmt.Sprintf("restart-%d", i+1)
	// The first writes after a restart may still meet a closing connection: retried.
	err := retry.OnError(retry.DefaultBackoff, func(error) bool { return true }, func() error {
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			var d appsv1.Deployment
			if err := b.k8s.Get(ctx, web, &d); err != nil {
				return err
			}
			setWebEnv(&d, "AMPLITUDE_ID", value)
			return b.k8s.Update(ctx, &d, client.FieldOwner("bench-tamper"))
		})
	})
	if err != nil {
		return r, fmt.Errorf("tampering with %s: %w", web, err)
	}
	written := time.Now()
	r.tamperWrite = written.Sub(back)
	err = poll(ctx, 2*time.Minute, 20*time.Millisecond, func() (bool, error) {
		var d appsv1.Deployment
		if err := b.k8s.Get(ctx, web, &d); err != nil {
			return false, err
		}
		v, ok := webEnv(&d, "AMPLITUDE_ID")
		return !ok || v != value, nil
	})
	if err != nil {
		return r, fmt.Errorf("the drift was not reverted (operator log: %s): %w", b.op.logPath, err)
	}
	r.reverted, r.afterAnswer = time.Since(written), time.Since(back)
	if closed := <-windowClosed; closed > 0 {
		r.windowClosed = closed
	}
	return r, <-upDone
}

// watchWindowClose reports how long after back meetwarden_cache_degraded reads 0 again, or
// sends -1 at once when the operator never reported the window (it does not export the metric).
func (b *bench) watchWindowClose(ctx context.Context, reported bool, back time.Time) <-chan time.Duration {
	out := make(chan time.Duration, 1)
	if !reported {
		out <- -1
		return out
	}
	go func() {
		err := poll(ctx, time.Minute, 100*time.Millisecond, func() (bool, error) { return b.metricIs(ctx, "meetwarden_cache_degraded", 0), nil })
		if err != nil {
			out <- -1
			return
		}
		out <- time.Since(back)
	}()
	return out
}

// metricIs says whether the operator exports the unlabelled metric with that value.
func (b *bench) metricIs(ctx context.Context, name string, want float64) bool {
	s, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return false
	}
	for _, smp := range s.samples {
		if smp.name == name {
			return smp.value == want
		}
	}
	return false
}

// settleFleet waits until every platform of the fleet is Ready and the operator idle.
func (b *bench) settleFleet(ctx context.Context) error {
	if err := poll(ctx, 5*time.Minute, 200*time.Millisecond, func() (bool, error) { return b.fleetReady(ctx) }); err != nil {
		return fmt.Errorf("the fleet is not Ready: %w", err)
	}
	return b.waitQuiet(ctx, 2*time.Second, 5*time.Minute)
}

func optionalMs(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return ms(d)
}

// --- 6. operator upgrade ---------------------------------------------------------------------------

// upgradeResult is the swap of the baseline's operator for the working tree's on the fleet.
type upgradeResult struct {
	platforms  int
	pods       map[string]int // component → pods before the swap
	replaced   map[string]int // component → of those, pods gone or terminating after it
	converge   time.Duration  // new operator started → every platform reconciled, queue empty, fleet Ready
	reconciles int
	requests   requestCounts // of the new operator, from its start until converged
	writers    map[string]int
}

// upgrade replaces the running baseline operator with the working tree's, as a Deployment
// rollout would (the old one stopped, the new one started), and counts what that does to the
// fleet: pods replaced per component, and the new operator's writes until it is idle.
func (b *bench) upgrade(ctx context.Context) error {
	progress("== 6. operator upgrade: the %s's operator, which deployed the fleet, replaced by the working tree's", b.baseline.name)
	if err := b.settleFleet(ctx); err != nil {
		return err
	}
	before, err := b.fleetPods(ctx)
	if err != nil {
		return err
	}
	swap := time.Now()
	if err := b.use(ctx, b.current); err != nil {
		return err
	}
	var s *scrape
	var lastCount float64 = -1
	var since time.Time
	err = poll(ctx, 10*time.Minute, 250*time.Millisecond, func() (bool, error) {
		depth, count, sc, err := b.operatorState(ctx)
		if err != nil {
			return false, err
		}
		s = sc
		if depth != 0 || count != lastCount || count < float64(b.cfg.fleet) {
			if count != lastCount {
				lastCount, since = count, time.Now()
			}
			return false, nil
		}
		if time.Since(since) < 5*time.Second {
			return false, nil
		}
		return b.fleetReady(ctx)
	})
	if err != nil {
		return fmt.Errorf("the working tree's operator did not converge the fleet: %w", err)
	}
	after, err := b.fleetPods(ctx)
	if err != nil {
		return err
	}
	r := upgradeResult{platforms: b.cfg.fleet, pods: map[string]int{}, replaced: map[string]int{}, converge: time.Since(swap),
		reconciles: int(s.sum("controller_runtime_reconcile_total", reconcileFilter)), requests: requestsBetween(nil, s)}
	for uid, component := range before {
		r.pods[component]++
		if _, kept := after[uid]; !kept {
			r.replaced[component]++
		}
	}
	r.writers, _ = b.writesSince(ctx, swap)
	b.results.upgrade = &r
	progress("upgrade: converged %s after the swap; pods replaced %s; %d writes (%s)", ms(r.converge), formatCounts(r.replaced), r.requests.writes(), r.requests)
	return nil
}

// fleetPods maps the UID of every running (not terminating) pod of the fleet to its component.
func (b *bench) fleetPods(ctx context.Context) (map[types.UID]string, error) {
	out := map[types.UID]string{}
	for _, ns := range b.fleet.namespaces {
		var pods corev1.PodList
		if err := b.k8s.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{settings.LabelName: settings.NameValue}); err != nil {
			return nil, err
		}
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil {
				out[p.UID] = p.Labels[settings.LabelComponent]
			}
		}
	}
	return out, nil
}

// --- 7. idle soak ----------------------------------------------------------------------------------

// soakResult is phase 7: the operator's writes while the fleet stands idle.
type soakResult struct {
	steadyResult
	platforms int
	// goneSeries counts the Event series of the platforms deleted with their namespace just
	// before the window: client-go writes their last count after 6 to 12 minutes.
	goneSeries, goneEvents int
}

// soakGone is how many platforms are created and deleted with their namespace just before the
// soak, so that the window holds the broadcaster's late writes for a deleted namespace.
const soakGone = 3

func (b *bench) idleSoak(ctx context.Context) error {
	progress("== 7. idle soak: %d platforms, the operator's API writes counted for %s", b.cfg.fleet, b.cfg.soak)
	series, events, err := b.platformsDeletedWithTheirNamespace(ctx)
	if err != nil {
		return err
	}
	if err := b.settleFleet(ctx); err != nil {
		return err
	}
	if err := b.waitQuiet(ctx, 10*time.Second, 10*time.Minute); err != nil {
		return fmt.Errorf("operator did not become idle: %w", err)
	}
	idle, err := b.idleWindow(ctx, b.cfg.soak)
	if err != nil {
		return err
	}
	r := soakResult{steadyResult: idle, platforms: b.cfg.fleet, goneSeries: series, goneEvents: events}
	b.results.soak = &r
	progress("idle soak: %d writes in %s (%s); %d reconciles", r.requests.writes(), r.window.Round(time.Second), r.requests, r.reconciles)
	return nil
}

// platformsDeletedWithTheirNamespace creates soakGone platforms in Audit mode in a namespace of
// their own, waits until they are Ready, adds two forbidden settings to each web Deployment in one
// write, so that one pass reports two failing controls (two ControlFailed Events about the same
// platform version: an Event series), and deletes the namespace. It returns how many of the
// operator's Events, and of them series, the namespace held.
func (b *bench) platformsDeletedWithTheirNamespace(ctx context.Context) (series, events int, err error) {
	ns := "bench-soak-gone"
	if err := b.createNamespace(ctx, ns, "soak"); err != nil {
		return 0, 0, err
	}
	var keys []types.NamespacedName
	for i := range soakGone {
		port, err := b.mediaPort()
		if err != nil {
			return 0, 0, err
		}
		mp := newPlatform(ns, fmt.Sprintf("meet-%03d", i+1), port)
		mp.Spec.Compliance.Mode = v1alpha1.ComplianceModeAudit
		if err := b.createInputs(ctx, mp); err != nil {
			return 0, 0, err
		}
		if err := b.createPlatform(ctx, mp); err != nil {
			return 0, 0, err
		}
		keys = append(keys, client.ObjectKeyFromObject(mp))
	}
	if err := b.awaitAll(ctx, time.Now(), keys, func(c stageCounts) bool { return c.ready == len(keys) }); err != nil {
		return 0, 0, fmt.Errorf("the platforms to delete did not become Ready: %w", err)
	}
	for _, key := range keys {
		web := types.NamespacedName{Namespace: ns, Name: key.Name + "-web"}
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			var d appsv1.Deployment
			if err := b.k8s.Get(ctx, web, &d); err != nil {
				return err
			}
			setWebEnv(&d, "AMPLITUDE_ID", "bench-soak")
			setWebEnv(&d, "ENABLE_RECORDING", "true")
			return b.k8s.Update(ctx, &d, client.FieldOwner("bench-tamper"))
		}); err != nil {
			return 0, 0, fmt.Errorf("tampering with %s: %w", web, err)
		}
	}
	_ = poll(ctx, time.Minute, 500*time.Millisecond, func() (bool, error) {
		series, events, err = b.operatorEvents(ctx, ns)
		return series >= len(keys), err
	})
	b.deleteNamespaces(ctx, []string{ns}, 3*time.Minute)
	b.tracker.forget(keys...)
	return series, events, nil
}

// operatorEvents counts the operator's Events in a namespace, and of them the series.
func (b *bench) operatorEvents(ctx context.Context, ns string) (series, events int, err error) {
	var list eventsv1.EventList
	if err := b.k8s.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return 0, 0, err
	}
	for _, e := range list.Items {
		if e.ReportingController == "meetwarden" {
			events++
			if e.Series != nil {
				series++
			}
		}
	}
	return series, events, nil
}

// fleetComponents lists the components of the fleet's pods in a stable order.
func fleetComponents(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
