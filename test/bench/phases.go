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
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

const controllerName = "meetingplatform"

var reconcileFilter = map[string]string{"controller": controllerName}

// operatorState is what /metrics says about the work queue.
func (b *bench) operatorState(ctx context.Context) (depth, reconciles float64, s *scrape, err error) {
	s, err = scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return 0, 0, nil, err
	}
	return s.sum("workqueue_depth", map[string]string{"name": controllerName}),
		s.sum("controller_runtime_reconcile_total", reconcileFilter), s, nil
}

// waitQuiet waits until the operator's work queue is empty and no reconcile ran for window.
func (b *bench) waitQuiet(ctx context.Context, window, timeout time.Duration) error {
	var lastCount float64 = -1
	var since time.Time
	return poll(ctx, timeout, 250*time.Millisecond, func() (bool, error) {
		depth, count, _, err := b.operatorState(ctx)
		if err != nil {
			return false, err
		}
		if depth != 0 || count != lastCount {
			lastCount, since = count, time.Now()
			return false, nil
		}
		return time.Since(since) >= window, nil
	})
}

// --- 1. one platform, create -> Ready ------------------------------------------------------------

// singleRun is one create -> Ready measurement; every duration is from the create call's return.
type singleRun struct {
	warmup                                             bool
	bridges                                            int32 // videobridges of the platform (components.jvb.replicas)
	deployExist                                        time.Duration
	children, scheduled, podsReady, deployments, ready time.Duration
	reconciles                                         int
	requests                                           requestCounts
	cpu                                                float64 // operator CPU seconds, create -> Ready and quiet
}

// benchBridges are the videobridges of the platform that phase 1 measures besides the sample
// with one: each bridge is a Deployment, a media Service and a node port of its own.
const benchBridges = 3

// singlePlatform is phase 1: the sample platform, then (withBridges: the working tree's
// operator only, as an older one does not know spec.components.jvb.replicas) the sample with
// benchBridges videobridges, created one at a time.
func (b *bench) singlePlatform(ctx context.Context, withBridges bool) error {
	total := b.cfg.warmup + b.cfg.runs
	bridgeRuns := 0
	if withBridges {
		bridgeRuns = b.cfg.bridgeRuns
	}
	progress("== 1. one platform, create -> Ready: %d run(s) (+%d warm-up), then %d with %d videobridges, sequential, a fresh namespace each",
		b.cfg.runs, b.cfg.warmup, bridgeRuns, benchBridges)
	phaseBefore, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return err
	}
	for i := range total + bridgeRuns {
		bridges := int32(1)
		label := fmt.Sprintf("run %d/%d", i+1-b.cfg.warmup, b.cfg.runs)
		switch {
		case i < b.cfg.warmup:
			label = fmt.Sprintf("warm-up %d/%d", i+1, b.cfg.warmup)
		case i >= total:
			bridges = benchBridges
			label = fmt.Sprintf("%d bridges, run %d/%d", benchBridges, i+1-total, bridgeRuns)
		}
		r, err := b.singleRun(ctx, i+1, bridges)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		r.warmup = i < b.cfg.warmup
		b.res.single = append(b.res.single, r)
		progress("%s: Deployments exist %s, children %s, pods scheduled %s, pods Ready %s, Deployments available %s, platform Ready %s (%d reconciles, %d writes)",
			label, ms(r.deployExist), ms(r.children), ms(r.scheduled), ms(r.podsReady), ms(r.deployments), ms(r.ready), r.reconciles, r.requests.writes())
	}
	phaseAfter, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return err
	}
	b.res.singleReconcile = histogramBetween(phaseBefore, phaseAfter, "controller_runtime_reconcile_time_seconds", reconcileFilter)
	return nil
}

// singleRun creates the sample platform with that many videobridges in a fresh namespace,
// measures it to Ready, and deletes it again.
func (b *bench) singleRun(ctx context.Context, n int, bridges int32) (singleRun, error) {
	ns := fmt.Sprintf("%ssingle-%02d", b.namespacePrefix(), n)
	if err := b.createNamespace(ctx, ns, "single"); err != nil {
		return singleRun{}, err
	}
	withTURN := bridges > 1
	ports := bridges
	if withTURN {
		ports += 2 // the relay's UDP and TLS node ports
	}
	port, err := b.mediaPorts(ports)
	if err != nil {
		return singleRun{}, err
	}
	mp := newPlatform(ns, "meet", port)
	mp.Spec.Components.JVB.Replicas = bridges
	if withTURN {
		// The platform with several bridges also runs its own TURN relay, as a platform for
		// participants behind firewalls does: the relay's NodePorts follow the bridges'.
		mp.Spec.TURN = &v1alpha1.TURNSpec{Own: &v1alpha1.OwnTURNSpec{
			Type: v1alpha1.MediaServiceNodePort, Port: port + bridges, TLSPort: port + bridges + 1,
		}}
	}
	if err := b.createInputs(ctx, mp); err != nil {
		return singleRun{}, err
	}
	if err := b.waitQuiet(ctx, time.Second, time.Minute); err != nil {
		return singleRun{}, fmt.Errorf("operator not idle before the run: %w", err)
	}
	before, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return singleRun{}, err
	}
	cpuBefore, _ := cpuSeconds(b.op.pid())
	key := client.ObjectKeyFromObject(mp)
	if err := b.createPlatform(ctx, mp); err != nil {
		return singleRun{}, err
	}
	var pt platformTimes
	err = poll(ctx, 3*time.Minute, 20*time.Millisecond, func() (bool, error) {
		pt, _ = b.tracker.get(key)
		return !pt.ready.IsZero(), nil
	})
	if err != nil {
		return singleRun{}, fmt.Errorf("platform %s not Ready: %w (operator log: %s)", key, err, b.op.logPath)
	}
	// Let the reconciles the last status events trigger finish before counting.
	_ = b.waitQuiet(ctx, 500*time.Millisecond, 30*time.Second)
	after, _ := scrapeMetrics(ctx, b.op.metricsURL())
	cpuAfter, _ := cpuSeconds(b.op.pid())
	r := singleRun{
		bridges:     bridges,
		deployExist: pt.deployExist.Sub(pt.created),
		children:    pt.children.Sub(pt.created),
		scheduled:   pt.scheduled.Sub(pt.created),
		podsReady:   pt.podsReady.Sub(pt.created),
		deployments: pt.deployments.Sub(pt.created),
		ready:       pt.ready.Sub(pt.created),
		reconciles:  int(after.sum("controller_runtime_reconcile_total", reconcileFilter) - before.sum("controller_runtime_reconcile_total", reconcileFilter)),
		requests:    requestsBetween(before, after),
		cpu:         cpuAfter - cpuBefore,
	}
	b.deleteNamespaces(ctx, []string{ns}, 3*time.Minute)
	b.tracker.forget(key)
	return r, nil
}

// --- 2. drift revert -------------------------------------------------------------------------------

type tamperKind int

const (
	tamperAmplitude tamperKind = iota
	tamperRecording
	tamperDeleteNetpol
)

func (k tamperKind) String() string {
	return [...]string{
		"add env AMPLITUDE_ID to <name>-web (Update, field manager bench-tamper)",
		"set ENABLE_RECORDING=true on <name>-web (Update, field manager bench-tamper)",
		"delete NetworkPolicy <name>-default-deny",
	}[k]
}

func (k tamperKind) short() string {
	return [...]string{"AMPLITUDE_ID added", "ENABLE_RECORDING=true", "default-deny deleted"}[k]
}

type tampering struct {
	kind       tamperKind
	latency    time.Duration // tampering write returned -> watch sees the revert
	seen       time.Duration // tampering write returned -> watch sees the tampering itself
	readyFlaps bool          // the platform's Ready condition left True meanwhile
	flapReason string        // the Ready condition's reason and message when it did
}

func webEnv(d *appsv1.Deployment, name string) (string, bool) {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != "web" {
			continue
		}
		for _, e := range c.Env {
			if e.Name == name {
				return e.Value, true
			}
		}
	}
	return "", false
}

func setWebEnv(d *appsv1.Deployment, name, value string) {
	for i := range d.Spec.Template.Spec.Containers {
		c := &d.Spec.Template.Spec.Containers[i]
		if c.Name != "web" {
			continue
		}
		for j := range c.Env {
			if c.Env[j].Name == name {
				c.Env[j].Value = value
				return
			}
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: value})
	}
}

// driftPlatforms are the converged platforms phase 2 tampers with, in turn. The operator stops
// correcting the same object after three corrections within five minutes (controllers/loops.go,
// RevertLoop), a guard against fighting another controller; the tamperings, one every 20 s or
// so, rotate over enough platforms that no object is corrected that often, so every tampering
// measures a revert of the operator as installed.
const driftPlatforms = 12

// driftTarget is one platform of phase 2 and the objects tampered with.
type driftTarget struct{ key, web, netpol types.NamespacedName }

func (b *bench) drift(ctx context.Context) error {
	progress("== 2. drift revert: %d tamperings, in turn on %d converged platforms", b.cfg.tamperings, driftPlatforms)
	ns := "bench-drift"
	if err := b.createNamespace(ctx, ns, "drift"); err != nil {
		return err
	}
	var targets []driftTarget
	for n := range driftPlatforms {
		port, err := b.mediaPort()
		if err != nil {
			return err
		}
		mp := newPlatform(ns, fmt.Sprintf("meet-%02d", n), port)
		if err := b.createInputs(ctx, mp); err != nil {
			return err
		}
		if err := b.createPlatform(ctx, mp); err != nil {
			return err
		}
		targets = append(targets, driftTarget{
			key:    client.ObjectKeyFromObject(mp),
			web:    types.NamespacedName{Namespace: ns, Name: mp.Name + "-web"},
			netpol: types.NamespacedName{Namespace: ns, Name: mp.Name + "-default-deny"},
		})
	}

	converged := func(t driftTarget) func() (bool, error) {
		return func() (bool, error) {
			var live v1alpha1.MeetingPlatform
			if err := b.tracker.cache.Get(ctx, t.key, &live); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			var web appsv1.Deployment
			if err := b.tracker.cache.Get(ctx, t.web, &web); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			if err := b.tracker.cache.Get(ctx, t.netpol, &networkingv1.NetworkPolicy{}); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			v, _ := webEnv(&web, "ENABLE_RECORDING")
			_, amplitude := webEnv(&web, "AMPLITUDE_ID")
			return platformReady(&live) && deploymentAvailable(&web) && v == "false" && !amplitude, nil
		}
	}
	for _, t := range targets {
		if err := poll(ctx, 3*time.Minute, 50*time.Millisecond, converged(t)); err != nil {
			return fmt.Errorf("platform %s not converged: %w", t.key, err)
		}
	}

	before, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return err
	}
	for i := range b.cfg.tamperings {
		kind := tamperKind(i % 3)
		target := targets[i%len(targets)]
		key, webKey, netpolKey := target.key, target.web, target.netpol
		if err := poll(ctx, 2*time.Minute, 50*time.Millisecond, converged(target)); err != nil {
			return fmt.Errorf("platform %s not converged before tampering %d: %w", key, i+1, err)
		}
		if err := b.waitQuiet(ctx, 300*time.Millisecond, time.Minute); err != nil {
			return err
		}
		var flapReason string
		flapped, cancelFlap := b.tracker.await("MeetingPlatform", key, func(o client.Object, deleted bool) bool {
			live := o.(*v1alpha1.MeetingPlatform)
			if deleted || platformReady(live) {
				return false
			}
			if c := meta.FindStatusCondition(live.Status.Conditions, v1alpha1.ConditionReady); c != nil {
				flapReason = c.Reason + ": " + c.Message
			}
			return true
		})

		var seenAt time.Time
		var reverted <-chan time.Time
		var cancel func()
		var writeErr error
		switch kind {
		case tamperAmplitude, tamperRecording:
			envName, value, safe := "AMPLITUDE_ID", fmt.Sprintf("bench-%d", i+1), ""
			if kind == tamperRecording {
				envName, value, safe = "ENABLE_RECORDING", "true", "false"
			}
			tampered := false
			reverted, cancel = b.tracker.await("Deployment", webKey, func(o client.Object, deleted bool) bool {
				if deleted {
					return false
				}
				v, ok := webEnv(o.(*appsv1.Deployment), envName)
				if ok && v == value {
					if !tampered {
						tampered, seenAt = true, time.Now()
					}
					return false
				}
				if !tampered {
					return false
				}
				if safe == "" {
					return !ok
				}
				return ok && v == safe
			})
			writeErr = retry.RetryOnConflict(retry.DefaultRetry, func() error {
				var d appsv1.Deployment
				if err := b.k8s.Get(ctx, webKey, &d); err != nil {
					return err
				}
				setWebEnv(&d, envName, value)
				return b.k8s.Update(ctx, &d, client.FieldOwner("bench-tamper"))
			})
		case tamperDeleteNetpol:
			var np networkingv1.NetworkPolicy
			if err := b.k8s.Get(ctx, netpolKey, &np); err != nil {
				cancelFlap()
				return err
			}
			oldUID := np.UID
			reverted, cancel = b.tracker.await("NetworkPolicy", netpolKey, func(o client.Object, deleted bool) bool {
				if deleted {
					if seenAt.IsZero() {
						seenAt = time.Now()
					}
					return false
				}
				return o.GetUID() != oldUID
			})
			writeErr = b.k8s.Delete(ctx, &np, client.Preconditions{UID: &oldUID})
		}
		written := time.Now()
		if writeErr != nil {
			cancel()
			cancelFlap()
			return fmt.Errorf("tampering %d (%s): %w", i+1, kind.short(), writeErr)
		}
		var at time.Time
		select {
		case at = <-reverted:
		case <-time.After(60 * time.Second):
			cancel()
			cancelFlap()
			return fmt.Errorf("tampering %d (%s) not reverted within 60s (operator log: %s)", i+1, kind.short(), b.op.logPath)
		case <-ctx.Done():
			cancel()
			cancelFlap()
			return ctx.Err()
		}
		// Give the status a moment to settle, then see whether Ready left True.
		_ = poll(ctx, 2*time.Minute, 50*time.Millisecond, converged(target))
		t := tampering{kind: kind, latency: at.Sub(written)}
		b.tracker.mu.Lock()
		if !seenAt.IsZero() {
			t.seen = max(0, seenAt.Sub(written))
		}
		b.tracker.mu.Unlock()
		select {
		case <-flapped:
			t.readyFlaps = true
			b.tracker.mu.Lock()
			t.flapReason = flapReason
			b.tracker.mu.Unlock()
		default:
		}
		cancelFlap()
		b.results.drift = append(b.results.drift, t)
		progress("tampering %d/%d (%s): reverted %s after the write returned%s", i+1, b.cfg.tamperings, kind.short(),
			ms(t.latency), map[bool]string{true: "; Ready left True meanwhile", false: ""}[t.readyFlaps])
	}
	_ = b.waitQuiet(ctx, time.Second, time.Minute)
	after, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return err
	}
	b.results.driftRequests = requestsBetween(before, after)
	b.results.driftReconciles = int(after.sum("controller_runtime_reconcile_total", reconcileFilter) - before.sum("controller_runtime_reconcile_total", reconcileFilter))
	b.results.driftEvents = b.eventReasons(ctx, ns)
	b.deleteNamespaces(ctx, []string{ns}, 3*time.Minute)
	for _, t := range targets {
		b.tracker.forget(t.key)
	}
	return nil
}

// eventReasons counts the operator's Events in a namespace by reason.
func (b *bench) eventReasons(ctx context.Context, ns string) map[string]int {
	var list eventsv1.EventList
	out := map[string]int{}
	if err := b.k8s.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return out
	}
	for _, e := range list.Items {
		if e.ReportingController != "meetwarden" && !strings.Contains(e.ReportingController, "meetwarden") {
			continue
		}
		n := 1
		if e.Series != nil {
			n = int(e.Series.Count)
		}
		if e.DeprecatedCount > 0 {
			n = int(e.DeprecatedCount)
		}
		out[e.Reason] += n
	}
	return out
}

// --- 3. many platforms at once, and their floor -----------------------------------------------------

type componentCPU struct {
	name    string
	seconds float64
}

// cpuUse is the CPU time the benchmark's processes and the whole machine used during a phase.
type cpuUse struct {
	components  []componentCPU // the cluster's processes, the operator (if it ran) and this program
	machineBusy float64        // every process of the machine, this benchmark's and others'
	ours        float64        // the sum of components
}

// othersShare is the percentage of the machine's busy CPU time that processes other than the
// benchmark's took.
func (u cpuUse) othersShare() float64 {
	return 100 * math.Max(0, u.machineBusy-u.ours) / math.Max(1, u.machineBusy)
}

// measureCPU starts a CPU measurement; the function it returns ends it.
func (b *bench) measureCPU() func() cpuUse {
	before, busyBefore := b.clusterCPU(), systemBusySeconds()
	return func() cpuUse {
		u := cpuUse{machineBusy: systemBusySeconds() - busyBefore}
		for _, c := range b.clusterCPU() {
			for _, p := range before {
				if p.name == c.name {
					u.components = append(u.components, componentCPU{c.name, c.seconds - p.seconds})
					u.ours += c.seconds - p.seconds
				}
			}
		}
		return u
	}
}

// scaleSet is the platforms of one measurement of phase 3, -per-namespace to a namespace.
type scaleSet struct {
	namespaces []string
	platforms  []*v1alpha1.MeetingPlatform // not created yet
	keys       []types.NamespacedName
}

// newScaleSet creates the namespaces <prefix>-01, <prefix>-02, ... for n platforms and returns the
// platforms: the sample, named meet-001, meet-002, ..., each with a media port of its own.
func (b *bench) newScaleSet(ctx context.Context, prefix string, n int) (*scaleSet, error) {
	set := &scaleSet{}
	for j := range (n + b.cfg.perNamespace - 1) / b.cfg.perNamespace {
		set.namespaces = append(set.namespaces, fmt.Sprintf("%s-%02d", prefix, j+1))
	}
	phase := strings.TrimPrefix(prefix, "bench-")
	if err := parallel(ctx, len(set.namespaces), b.cfg.workers, func(ctx context.Context, j int) error {
		return b.createNamespace(ctx, set.namespaces[j], phase)
	}); err != nil {
		return nil, err
	}
	for i := range n {
		port, err := b.mediaPort()
		if err != nil {
			return nil, err
		}
		mp := newPlatform(set.namespaces[i/b.cfg.perNamespace], fmt.Sprintf("meet-%03d", i+1), port)
		set.platforms = append(set.platforms, mp)
		set.keys = append(set.keys, client.ObjectKeyFromObject(mp))
	}
	return set, nil
}

// awaitAll waits until done holds for the stages the platforms of keys reached, logging them
// every 5 s.
func (b *bench) awaitAll(ctx context.Context, start time.Time, keys []types.NamespacedName, done func(stageCounts) bool) error {
	lastReport := time.Now()
	return poll(ctx, b.cfg.readyTimeout, 100*time.Millisecond, func() (bool, error) {
		c := b.tracker.counts(keys)
		if time.Since(lastReport) >= 5*time.Second {
			lastReport = time.Now()
			progress("  +%s: %s", time.Since(start).Round(time.Second), c)
		}
		return done(c), nil
	})
}

// floorResult is what the control plane alone needs for the platforms of a scale phase: their
// Deployments, as the operator renders them, created by the benchmark with no operator running.
type floorResult struct {
	n, namespaces  int
	lastCreate     time.Duration // phase start -> last create call returned
	allScheduled   time.Duration // phase start -> every platform reached the stage
	allPodsReady   time.Duration
	allDeployments time.Duration // the floor
	cpuUse
	loadBefore, loadAfter string
}

// floorPhase measures the floor of n platforms: the same namespaces (Pod Security "restricted")
// and specs as scalePhase, of which only the Deployments of render.Objects are created, by the
// same number of workers; timed from the first create until every Deployment is available. Pods
// need nothing else under kwok, which starts no container: no ConfigMap, Secret or Service.
func (b *bench) floorPhase(ctx context.Context, n int) error {
	if b.op.running() {
		return errors.New("the floor is measured without an operator, but one runs")
	}
	set, err := b.newScaleSet(ctx, fmt.Sprintf("bench-floor%d", n), n)
	if err != nil {
		return err
	}
	progress("== 3. floor of %d platforms: their Deployments, created by %d workers with no operator running (%d namespaces)", n, b.cfg.workers, len(set.namespaces))
	deployments := make([][]*appsv1.Deployment, n)
	for i, mp := range set.platforms {
		if deployments[i], err = renderedDeployments(mp); err != nil {
			return err
		}
		b.tracker.register(set.keys[i])
	}
	r := floorResult{n: n, namespaces: len(set.namespaces), loadBefore: loadAvg()}
	cpu := b.measureCPU()
	start := time.Now()
	lastCreate, err := b.createAll(ctx, n, func(ctx context.Context, i int) error {
		for _, d := range deployments[i] {
			if err := b.k8s.Create(ctx, d); err != nil {
				return fmt.Errorf("creating Deployment %s/%s: %w", d.Namespace, d.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.lastCreate = lastCreate.Sub(start)
	if err := b.awaitAll(ctx, start, set.keys, func(c stageCounts) bool { return c.deployments == n }); err != nil {
		return fmt.Errorf("only %d of %d platforms' Deployments available: %w", b.tracker.counts(set.keys).deployments, n, err)
	}
	r.cpuUse = cpu()
	r.loadAfter = loadAvg()
	last := b.tracker.last(set.keys)
	r.allScheduled, r.allPodsReady, r.allDeployments = last.scheduled.Sub(start), last.podsReady.Sub(start), last.deployments.Sub(start)
	b.results.floor = append(b.results.floor, r)
	progress("floor of %d platforms: all Deployments available %s after the first create (pods scheduled %s, pods Ready %s)",
		n, ms(r.allDeployments), ms(r.allScheduled), ms(r.allPodsReady))
	b.deleteNamespaces(ctx, set.namespaces, 10*time.Minute)
	b.tracker.forget(set.keys...)
	return nil
}

// renderedDeployments are the Deployments the operator renders for mp.
func renderedDeployments(mp *v1alpha1.MeetingPlatform) ([]*appsv1.Deployment, error) {
	objs, err := render.Objects(settings.Defaulted(mp))
	if err != nil {
		return nil, fmt.Errorf("rendering %s/%s: %w", mp.Namespace, mp.Name, err)
	}
	var out []*appsv1.Deployment
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok {
			out = append(out, d)
		}
	}
	return out, nil
}

type scaleResult struct {
	n, namespaces                int
	lastCreate                   time.Duration // phase start -> last create call returned
	allChildren, allScheduled    time.Duration // phase start -> every platform reached the stage
	allPodsReady, allDeployments time.Duration
	allReady, firstReady         time.Duration
	perPlatformReady             []time.Duration // create returned -> Ready, per platform
	perPlatformChildren          []time.Duration
	peakRSSSampled, hwm          int64 // KiB
	rssSamples                   int
	cpu                          float64 // operator CPU seconds during the phase
	cpuUse
	reconciles            int
	reconcile             histogram
	queueWait             histogram
	requests              requestCounts
	maxDepth              float64
	workers               int // the controller's max concurrent reconciles
	heapInuse             float64
	loadBefore, loadAfter string
}

// peakRSS is the larger of the phase's VmHWM and sampled VmRSS, in KiB.
func (s *scaleResult) peakRSS() int64 { return max(s.hwm, s.peakRSSSampled) }

func (b *bench) scalePhase(ctx context.Context, n int, cleanUp bool) error {
	set, err := b.newScaleSet(ctx, fmt.Sprintf("%sscale%d", b.namespacePrefix(), n), n)
	if err != nil {
		return err
	}
	progress("== 3. %d platforms created at once by %d workers (%d namespaces of up to %d platforms)", n, b.cfg.workers, len(set.namespaces), b.cfg.perNamespace)
	progress("creating %d TLS and %d JWT Secrets", n, n)
	if err := parallel(ctx, n, b.cfg.workers, func(ctx context.Context, i int) error {
		return b.createInputs(ctx, set.platforms[i])
	}); err != nil {
		return err
	}
	if err := b.waitQuiet(ctx, 2*time.Second, 5*time.Minute); err != nil {
		return fmt.Errorf("operator not idle before the phase: %w", err)
	}

	r := scaleResult{n: n, namespaces: len(set.namespaces), loadBefore: loadAvg()}
	pid := b.op.pid()
	before, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return err
	}
	cpuBefore, _ := cpuSeconds(pid)
	cpu := b.measureCPU()
	if err := resetHWM(pid); err != nil {
		progress("WARNING: cannot reset VmHWM of the operator (%v); VmHWM is then the peak since its start", err)
	}
	sampler := startRSSSampler(pid, 200*time.Millisecond)
	// The work queue depth, every second.
	depthDone := make(chan struct{})
	depthStop := make(chan struct{})
	go func() {
		defer close(depthDone)
		for {
			if d, _, _, err := b.operatorState(ctx); err == nil {
				r.maxDepth = max(r.maxDepth, d)
			}
			select {
			case <-depthStop:
				return
			case <-time.After(time.Second):
			}
		}
	}()

	start := time.Now()
	lastCreate, err := b.createAll(ctx, n, func(ctx context.Context, i int) error {
		return b.createPlatform(ctx, set.platforms[i])
	})
	if err != nil {
		close(depthStop)
		sampler.Stop()
		return err
	}
	r.lastCreate = lastCreate.Sub(start)
	progress("all %d create calls returned after %s; waiting for Ready", n, ms(r.lastCreate))

	err = b.awaitAll(ctx, start, set.keys, func(c stageCounts) bool { return c.ready == n })
	close(depthStop)
	<-depthDone
	r.peakRSSSampled, r.rssSamples = sampler.Stop()
	if err != nil {
		return fmt.Errorf("only %d of %d platforms Ready: %w", b.tracker.counts(set.keys).ready, n, err)
	}
	_, r.hwm, _ = procStatusKiB(pid)
	cpuAfter, _ := cpuSeconds(pid)
	r.cpu = cpuAfter - cpuBefore
	r.cpuUse = cpu()
	after, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return err
	}
	r.loadAfter = loadAvg()
	r.reconciles = int(after.sum("controller_runtime_reconcile_total", reconcileFilter) - before.sum("controller_runtime_reconcile_total", reconcileFilter))
	r.reconcile = histogramBetween(before, after, "controller_runtime_reconcile_time_seconds", reconcileFilter)
	r.queueWait = histogramBetween(before, after, "workqueue_queue_duration_seconds", map[string]string{"name": controllerName})
	r.requests = requestsBetween(before, after)
	r.heapInuse = after.sum("go_memstats_heap_inuse_bytes", nil)
	r.workers = int(after.sum("controller_runtime_max_concurrent_reconciles", reconcileFilter))

	last := b.tracker.last(set.keys)
	first := last.ready
	for _, k := range set.keys {
		pt, _ := b.tracker.get(k)
		r.perPlatformReady = append(r.perPlatformReady, pt.ready.Sub(pt.created))
		if !pt.children.IsZero() {
			r.perPlatformChildren = append(r.perPlatformChildren, pt.children.Sub(pt.created))
		}
		if pt.ready.Before(first) {
			first = pt.ready
		}
	}
	r.firstReady = first.Sub(start)
	r.allChildren, r.allScheduled = last.children.Sub(start), last.scheduled.Sub(start)
	r.allPodsReady, r.allDeployments, r.allReady = last.podsReady.Sub(start), last.deployments.Sub(start), last.ready.Sub(start)
	b.res.scale = append(b.res.scale, r)
	progress("%d platforms: all Ready %s after the first create (children %s, pods Ready %s); operator peak RSS %.1f MiB (VmHWM %.1f MiB), CPU %.1f s, %d reconciles, %d writes, %d GETs",
		n, ms(r.allReady), ms(r.allChildren), ms(r.allPodsReady), mib(r.peakRSSSampled), mib(r.hwm), r.cpu, r.reconciles, r.requests.writes(), r.requests.method("GET"))

	if cleanUp {
		progress("deleting the %d platforms of this phase", n)
		b.deleteNamespaces(ctx, set.namespaces, 10*time.Minute)
		b.tracker.forget(set.keys...)
	} else {
		b.scaleNamespaces = set.namespaces
		b.scaleKeys = set.keys
	}
	return nil
}

// namespacePrefix starts the names of the namespaces of phases 1 and 3, "bench-" for the working
// tree's operator and "bench-baseline-" for the baseline's, so that no name is reused between them.
func (b *bench) namespacePrefix() string {
	if b.baseline != nil && b.op == b.baseline.op {
		return "bench-baseline-"
	}
	return "bench-"
}

// clusterCPU is the CPU time so far of every process of the benchmark's cluster, the
// operator (when one runs), and this program.
func (b *bench) clusterCPU() []componentCPU {
	var out []componentCPU
	pids := b.cluster.componentPIDs()
	for _, name := range []string{"kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if pid, ok := pids[name]; ok {
			if s, err := cpuSeconds(pid); err == nil {
				out = append(out, componentCPU{name, s})
			}
		}
	}
	if b.op.running() {
		if s, err := cpuSeconds(b.op.pid()); err == nil {
			out = append(out, componentCPU{"operator", s})
		}
	}
	if s, err := cpuSeconds(osPid); err == nil {
		out = append(out, componentCPU{"bench (this program)", s})
	}
	return out
}

// --- 4. steady state ------------------------------------------------------------------------------

type steadyResult struct {
	window     time.Duration
	requests   requestCounts
	reconciles int
	writers    map[string]int // "manager operation Kind" -> objects written in the window
	events     map[string]int // reason -> operator Events in the window
	logLines   []string       // the operator's log lines in the window
}

func (b *bench) steadyState(ctx context.Context) error {
	progress("== 4. steady state: counting the operator's API writes for %s", b.cfg.steady)
	if err := b.waitQuiet(ctx, 10*time.Second, 10*time.Minute); err != nil {
		return fmt.Errorf("operator did not become idle: %w", err)
	}
	r, err := b.idleWindow(ctx, b.cfg.steady)
	if err != nil {
		return err
	}
	b.results.steady = &r
	progress("steady state: %d writes in %s (%s); %d reconciles", r.requests.writes(), r.window.Round(time.Second), r.requests, r.reconciles)
	return nil
}

// idleWindow counts what the operator does in a window of d: its requests and reconciles from
// /metrics, the objects written (managedFields), its Events and its log lines.
func (b *bench) idleWindow(ctx context.Context, d time.Duration) (steadyResult, error) {
	start := time.Now()
	logOffset := b.op.logSize()
	before, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return steadyResult{}, err
	}
	if err := sleep(ctx, d); err != nil {
		return steadyResult{}, err
	}
	after, err := scrapeMetrics(ctx, b.op.metricsURL())
	if err != nil {
		return steadyResult{}, err
	}
	r := steadyResult{window: after.at.Sub(before.at), requests: requestsBetween(before, after),
		reconciles: int(after.sum("controller_runtime_reconcile_total", reconcileFilter) - before.sum("controller_runtime_reconcile_total", reconcileFilter))}
	r.writers, r.events = b.writesSince(ctx, start)
	r.logLines = b.op.logLines(logOffset)
	return r, nil
}

// writesSince lists who wrote the platforms' objects since t, from managedFields (second
// precision), and the operator's Events since t.
func (b *bench) writesSince(ctx context.Context, t time.Time) (map[string]int, map[string]int) {
	since := t.Truncate(time.Second)
	writers := map[string]int{}
	selector := client.MatchingLabels{settings.LabelName: settings.NameValue}
	lists := map[string]client.ObjectList{
		"Deployment": &appsv1.DeploymentList{}, "Service": &corev1.ServiceList{}, "ConfigMap": &corev1.ConfigMapList{},
		"Secret": &corev1.SecretList{}, "Ingress": &networkingv1.IngressList{}, "NetworkPolicy": &networkingv1.NetworkPolicyList{},
	}
	count := func(kind string, o metav1.Object) {
		for _, mf := range o.GetManagedFields() {
			if mf.Time != nil && !mf.Time.Time.Before(since) {
				what := mf.Manager + " " + string(mf.Operation)
				if mf.Subresource != "" {
					what += " " + mf.Subresource
				}
				writers[what+" "+kind]++
			}
		}
	}
	for kind, list := range lists {
		if err := b.k8s.List(ctx, list, selector); err != nil {
			continue
		}
		_ = meta.EachListItem(list, func(o runtime.Object) error {
			if m, err := meta.Accessor(o); err == nil {
				count(kind, m)
			}
			return nil
		})
	}
	var mps v1alpha1.MeetingPlatformList
	if err := b.k8s.List(ctx, &mps); err == nil {
		for i := range mps.Items {
			count("MeetingPlatform", &mps.Items[i])
		}
	}
	events := map[string]int{}
	var list eventsv1.EventList
	if err := b.k8s.List(ctx, &list); err == nil {
		for _, e := range list.Items {
			if !strings.Contains(e.ReportingController, "meetwarden") {
				continue
			}
			last := e.EventTime.Time
			if e.Series != nil {
				last = e.Series.LastObservedTime.Time
			}
			if !last.Before(t) {
				events[e.Reason]++
			}
		}
	}
	return writers, events
}

// --- 5. RSS with and without unrelated objects --------------------------------------------------

type restartResult struct {
	label      string
	platforms  int
	converge   time.Duration // start -> every platform reconciled and the queue empty
	rss, hwm   int64         // KiB, after settle (rss: median of samples)
	rssMin     int64
	liveHeap   float64 // bytes: go_memstats_next_gc_bytes / 2, the live heap of the last GC cycle
	gcCycles   int     // GC cycles during the settle time
	rssMax     int64
	samples    int
	heapInuse  float64
	cpu        float64
	reconciles int
	requests   requestCounts // since the start (the counters restart with the process)
}

type unrelatedResult struct {
	configMaps, secrets int
	bytesEach           int
	createTime          time.Duration
	without, with       restartResult
}

func (b *bench) unrelatedObjects(ctx context.Context) error {
	progress("== 5. operator RSS without and with %d unrelated ConfigMaps and Secrets", b.cfg.unrelated)
	var mps v1alpha1.MeetingPlatformList
	if err := b.k8s.List(ctx, &mps); err != nil {
		return err
	}
	r := unrelatedResult{configMaps: b.cfg.unrelated / 2, secrets: b.cfg.unrelated - b.cfg.unrelated/2, bytesEach: 1024}
	var err error
	if r.without, err = b.restartAndMeasure(ctx, "without", len(mps.Items)); err != nil {
		return err
	}
	ns := "bench-unrelated"
	if err := b.createNamespace(ctx, ns, "unrelated"); err != nil {
		return err
	}
	progress("creating %d ConfigMaps and %d Secrets (~1 KiB each, unlabelled) in %s", r.configMaps, r.secrets, ns)
	t0 := time.Now()
	if err := parallel(ctx, b.cfg.unrelated, b.cfg.workers, func(ctx context.Context, i int) error {
		raw := make([]byte, 768) // 1 KiB in base64
		_, _ = rand.Read(raw)
		value := base64.StdEncoding.EncodeToString(raw)
		om := metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("unrelated-%05d", i)}
		var obj client.Object
		if i < r.configMaps {
			obj = &corev1.ConfigMap{ObjectMeta: om, Data: map[string]string{"payload": value}}
		} else {
			obj = &corev1.Secret{ObjectMeta: om, Data: map[string][]byte{"payload": []byte(value)}}
		}
		err := b.k8s.Create(ctx, obj)
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	}); err != nil {
		return err
	}
	r.createTime = time.Since(t0)
	progress("created them in %s", r.createTime.Round(100*time.Millisecond))
	if r.with, err = b.restartAndMeasure(ctx, "with", len(mps.Items)); err != nil {
		return err
	}
	b.results.unrelated = &r
	return nil
}

// restartAndMeasure restarts the operator, waits until it has reconciled every platform and
// is idle, lets it run settle longer, and reads its memory.
func (b *bench) restartAndMeasure(ctx context.Context, label string, platforms int) (restartResult, error) {
	r := restartResult{label: label, platforms: platforms}
	// Stop it idle, so that the new process starts with no work left over from the old one.
	if err := b.waitQuiet(ctx, 5*time.Second, 5*time.Minute); err != nil {
		return r, fmt.Errorf("operator not idle before the restart: %w", err)
	}
	progress("restarting the operator (%s unrelated objects)", label)
	b.op.stop()
	t0 := time.Now()
	if err := b.op.start(ctx); err != nil {
		return r, err
	}
	var lastCount float64 = -1
	var since time.Time
	err := poll(ctx, 10*time.Minute, 250*time.Millisecond, func() (bool, error) {
		depth, count, _, err := b.operatorState(ctx)
		if err != nil {
			return false, err
		}
		if depth != 0 || count != lastCount || count < float64(platforms) {
			if count != lastCount {
				lastCount, since = count, time.Now()
			}
			return false, nil
		}
		return time.Since(since) >= 2*time.Second, nil
	})
	if err != nil {
		return r, fmt.Errorf("operator did not converge after the restart: %w", err)
	}
	r.converge = since.Sub(t0)
	progress("operator reconciled %d platforms %s after its start; letting it run %s", platforms, ms(r.converge), b.cfg.settle)
	// RSS and heap move with the garbage collector: take the median of samples 1 s apart over the
	// last 10 s of the settle time (at least one sample). An idle Go process collects only when
	// the runtime forces a cycle (every 2 min), so the settle time should exceed that; the live
	// heap of the last cycle (next_gc / 2 with GOGC=100) does not depend on when it is read.
	gcBefore := 0.0
	if s0, err := scrapeMetrics(ctx, b.op.metricsURL()); err == nil {
		gcBefore = s0.sum("go_gc_duration_seconds_count", nil)
	}
	half := min(b.cfg.settle/2, 10*time.Second)
	if err := sleep(ctx, b.cfg.settle-half); err != nil {
		return r, err
	}
	var rss []int64
	var heap []float64
	var s *scrape
	for i := 0; ; i++ {
		var err error
		if s, err = scrapeMetrics(ctx, b.op.metricsURL()); err != nil {
			return r, err
		}
		v, _, _ := procStatusKiB(b.op.pid())
		rss = append(rss, v)
		heap = append(heap, s.sum("go_memstats_heap_inuse_bytes", nil))
		if time.Duration(i+1)*time.Second > half {
			break
		}
		if err := sleep(ctx, time.Second); err != nil {
			return r, err
		}
	}
	slices.Sort(rss)
	slices.Sort(heap)
	r.samples = len(rss)
	r.rss, r.rssMin, r.rssMax = rss[len(rss)/2], rss[0], rss[len(rss)-1]
	r.heapInuse = heap[len(heap)/2]
	r.liveHeap = s.sum("go_memstats_next_gc_bytes", nil) / 2
	r.gcCycles = int(s.sum("go_gc_duration_seconds_count", nil) - gcBefore)
	_, r.hwm, _ = procStatusKiB(b.op.pid())
	r.cpu, _ = cpuSeconds(b.op.pid())
	r.reconciles = int(s.sum("controller_runtime_reconcile_total", reconcileFilter))
	r.requests = requestsBetween(nil, s)
	progress("%s unrelated objects: VmRSS %.1f MiB (VmHWM %.1f MiB, Go heap in use %.1f MiB, live heap after the last GC %.1f MiB, %d GC cycles while settling); %d writes since the start (%s)",
		label, mib(r.rss), mib(r.hwm), r.heapInuse/1024/1024, r.liveHeap/1024/1024, r.gcCycles, r.requests.writes(), r.requests)
	return r, nil
}

// --- helpers ---------------------------------------------------------------------------------------

func ms(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// percentile is the nearest-rank percentile of ds (p in 0..100).
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = max(1, min(rank, len(s)))
	return s[rank-1]
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
