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
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// platformTimes is what the watches saw of one platform, as wall-clock times of this process.
type platformTimes struct {
	createStart time.Time // the create call was sent
	created     time.Time // the create call returned

	expected map[string]bool // "Kind/name" of every child the operator must create
	// wantDeployments and wantPods are the platform's Deployments and pods, from its rendered
	// objects (one per videobridge); 0 before setCreated: the tracker's defaults.
	wantDeployments, wantPods int
	firstSeen                 map[string]time.Time // first watch event per child
	pods                      map[string]podState
	available                 map[string]bool // Deployment name -> available

	children    time.Time // every expected child exists (operator work)
	deployExist time.Time // the four Deployments exist (the operator's part of the critical path)
	scheduled   time.Time // every pod is bound to a node (scheduler)
	podsReady   time.Time // every pod is Ready (kwok's simulated start)
	deployments time.Time // every Deployment is available (controller-manager)
	ready       time.Time // the platform's Ready condition is True (operator)
}

type podState struct{ scheduled, ready bool }

// waiter is called on every watch event of one object until it returns true.
type waiter struct {
	kind string
	key  types.NamespacedName
	fn   func(obj client.Object, deleted bool) bool
	done chan time.Time
}

// tracker timestamps, from informers of its own, the life of every platform it is told about.
// The informers hold only objects labelled app.kubernetes.io/name=jitsi-meet (and every
// MeetingPlatform), like the operator's own cache.
type tracker struct {
	cache        cache.Cache
	expectedPods int

	mu        sync.Mutex
	platforms map[types.NamespacedName]*platformTimes
	waiters   []*waiter
}

// childKinds are the kinds the operator creates, watched here under these names.
var childKinds = map[string]client.Object{
	"Deployment":    &appsv1.Deployment{},
	"Service":       &corev1.Service{},
	"ConfigMap":     &corev1.ConfigMap{},
	"Secret":        &corev1.Secret{},
	"Ingress":       &networkingv1.Ingress{},
	"NetworkPolicy": &networkingv1.NetworkPolicy{},
	// A child the tracker does not watch would never be seen, and "children" never known.
	"PodDisruptionBudget": &policyv1.PodDisruptionBudget{},
}

func kindName(obj client.Object) string {
	switch obj.(type) {
	case *appsv1.Deployment:
		return "Deployment"
	case *corev1.Service:
		return "Service"
	case *corev1.ConfigMap:
		return "ConfigMap"
	case *corev1.Secret:
		return "Secret"
	case *networkingv1.Ingress:
		return "Ingress"
	case *networkingv1.NetworkPolicy:
		return "NetworkPolicy"
	case *policyv1.PodDisruptionBudget:
		return "PodDisruptionBudget"
	case *corev1.Pod:
		return "Pod"
	case *v1alpha1.MeetingPlatform:
		return "MeetingPlatform"
	}
	if k := obj.GetObjectKind().GroupVersionKind().Kind; k != "" {
		return k
	}
	return fmt.Sprintf("%T", obj)
}

func newTracker(ctx context.Context, cfg *rest.Config, opts cache.Options, expectedPods int) (*tracker, error) {
	jitsi := labels.SelectorFromSet(labels.Set{settings.LabelName: settings.NameValue})
	opts.DefaultLabelSelector = jitsi
	opts.ByObject = map[client.Object]cache.ByObject{&v1alpha1.MeetingPlatform{}: {Label: labels.Everything()}}
	c, err := cache.New(cfg, opts)
	if err != nil {
		return nil, err
	}
	t := &tracker{cache: c, expectedPods: expectedPods, platforms: map[types.NamespacedName]*platformTimes{}}
	objs := []client.Object{&v1alpha1.MeetingPlatform{}, &corev1.Pod{}}
	for _, o := range childKinds {
		objs = append(objs, o)
	}
	for _, o := range objs {
		inf, err := c.GetInformer(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("informer for %T: %w", o, err)
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { t.event(obj, false) },
			UpdateFunc: func(_, obj any) { t.event(obj, false) },
			DeleteFunc: func(obj any) { t.event(obj, true) },
		}); err != nil {
			return nil, err
		}
	}
	go func() { _ = c.Start(ctx) }()
	syncCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if !c.WaitForCacheSync(syncCtx) {
		return nil, fmt.Errorf("the benchmark's informers did not sync")
	}
	return t, nil
}

// register starts tracking a platform before it is created.
func (t *tracker) register(key types.NamespacedName) *platformTimes {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := &platformTimes{firstSeen: map[string]time.Time{}, pods: map[string]podState{}, available: map[string]bool{}}
	t.platforms[key] = p
	return p
}

func (t *tracker) forget(keys ...types.NamespacedName) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.platforms, k)
	}
}

// setCreated records the create call and the children the created (defaulted) platform needs.
func (t *tracker) setCreated(mp *v1alpha1.MeetingPlatform, start, end time.Time) error {
	objs, err := render.Objects(settings.Defaulted(mp))
	if err != nil {
		return fmt.Errorf("rendering %s/%s: %w", mp.Namespace, mp.Name, err)
	}
	expected := map[string]bool{}
	var deployments, pods int
	for _, o := range objs {
		expected[kindName(o)+"/"+o.GetName()] = true
		if d, ok := o.(*appsv1.Deployment); ok {
			deployments++
			pods += int(ptr.Deref(d.Spec.Replicas, 1))
		}
	}
	expected["Secret/"+settings.CredentialsSecretName(mp)] = true
	expected["ConfigMap/"+settings.ProcessingRecordName(mp)] = true

	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.platforms[client.ObjectKeyFromObject(mp)]
	if p == nil {
		return fmt.Errorf("platform %s/%s not registered", mp.Namespace, mp.Name)
	}
	p.createStart, p.created, p.expected = start, end, expected
	p.wantDeployments, p.wantPods = deployments, pods
	t.checkChildren(p)
	return nil
}

// get returns a copy of a platform's times.
func (t *tracker) get(key types.NamespacedName) (platformTimes, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.platforms[key]
	if !ok {
		return platformTimes{}, false
	}
	return *p, true
}

// stageCounts is how many of a set of platforms reached each stage.
type stageCounts struct {
	platforms                                          int
	children, scheduled, podsReady, deployments, ready int
}

func (c stageCounts) String() string {
	return fmt.Sprintf("children %[2]d/%[1]d, pods scheduled %[3]d/%[1]d, pods Ready %[4]d/%[1]d, Deployments available %[5]d/%[1]d, Ready %[6]d/%[1]d",
		c.platforms, c.children, c.scheduled, c.podsReady, c.deployments, c.ready)
}

// counts reports how many of keys reached each stage.
func (t *tracker) counts(keys []types.NamespacedName) stageCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := stageCounts{platforms: len(keys)}
	for _, k := range keys {
		p := t.platforms[k]
		if p == nil {
			continue
		}
		for _, s := range []struct {
			at time.Time
			n  *int
		}{{p.children, &c.children}, {p.scheduled, &c.scheduled}, {p.podsReady, &c.podsReady}, {p.deployments, &c.deployments}, {p.ready, &c.ready}} {
			if !s.at.IsZero() {
				*s.n++
			}
		}
	}
	return c
}

// last is, for each stage, when the last of keys that reached it did (zero when none did).
func (t *tracker) last(keys []types.NamespacedName) (last platformTimes) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		p := t.platforms[k]
		if p == nil {
			return platformTimes{}
		}
		for _, s := range []struct{ at, dst *time.Time }{
			{&p.children, &last.children}, {&p.scheduled, &last.scheduled}, {&p.podsReady, &last.podsReady},
			{&p.deployments, &last.deployments}, {&p.ready, &last.ready},
		} {
			if s.at.After(*s.dst) {
				*s.dst = *s.at
			}
		}
	}
	return last
}

// await registers fn for events of one object; the channel receives the time of the event for
// which fn returned true. cancel drops the waiter if it has not fired.
func (t *tracker) await(kind string, key types.NamespacedName, fn func(obj client.Object, deleted bool) bool) (done <-chan time.Time, cancel func()) {
	w := &waiter{kind: kind, key: key, fn: fn, done: make(chan time.Time, 1)}
	t.mu.Lock()
	t.waiters = append(t.waiters, w)
	t.mu.Unlock()
	return w.done, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		for i, x := range t.waiters {
			if x == w {
				t.waiters = append(t.waiters[:i], t.waiters[i+1:]...)
				return
			}
		}
	}
}

func (t *tracker) event(raw any, deleted bool) {
	now := time.Now()
	if d, ok := raw.(toolscache.DeletedFinalStateUnknown); ok {
		raw, deleted = d.Obj, true
	}
	obj, ok := raw.(client.Object)
	if !ok {
		return
	}
	kind := kindName(obj)
	t.mu.Lock()
	defer t.mu.Unlock()

	if len(t.waiters) > 0 {
		key := client.ObjectKeyFromObject(obj)
		kept := t.waiters[:0]
		for _, w := range t.waiters {
			if w.kind == kind && w.key == key && w.fn(obj, deleted) {
				w.done <- now
				continue
			}
			kept = append(kept, w)
		}
		t.waiters = kept
	}

	if mp, ok := obj.(*v1alpha1.MeetingPlatform); ok {
		p := t.platforms[client.ObjectKeyFromObject(mp)]
		if p != nil && !deleted && p.ready.IsZero() && platformReady(mp) {
			p.ready = now
		}
		return
	}
	instance := obj.GetLabels()[settings.LabelInstance]
	p := t.platforms[types.NamespacedName{Namespace: obj.GetNamespace(), Name: instance}]
	if p == nil {
		return
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		if deleted || o.DeletionTimestamp != nil {
			delete(p.pods, o.Name)
		} else {
			p.pods[o.Name] = podState{scheduled: o.Spec.NodeName != "", ready: podReady(o)}
		}
		var scheduled, ready int
		for _, s := range p.pods {
			if s.scheduled {
				scheduled++
			}
			if s.ready {
				ready++
			}
		}
		wantPods := cmp.Or(p.wantPods, t.expectedPods)
		if p.scheduled.IsZero() && scheduled >= wantPods {
			p.scheduled = now
		}
		if p.podsReady.IsZero() && ready >= wantPods {
			p.podsReady = now
		}
		return
	case *appsv1.Deployment:
		p.available[o.Name] = !deleted && deploymentAvailable(o)
		n := 0
		for _, ok := range p.available {
			if ok {
				n++
			}
		}
		wantDeployments := cmp.Or(p.wantDeployments, len(componentsOf))
		if p.deployments.IsZero() && n >= wantDeployments {
			p.deployments = now
		}
		if !deleted && p.deployExist.IsZero() && len(p.available) >= wantDeployments {
			p.deployExist = now
		}
	}
	if !deleted {
		id := kind + "/" + obj.GetName()
		if _, seen := p.firstSeen[id]; !seen {
			p.firstSeen[id] = now
			t.checkChildren(p)
		}
	}
}

// checkChildren sets p.children to the time the last expected child was first seen.
func (t *tracker) checkChildren(p *platformTimes) {
	if !p.children.IsZero() || p.expected == nil {
		return
	}
	var last time.Time
	for id := range p.expected {
		at, ok := p.firstSeen[id]
		if !ok {
			return
		}
		if at.After(last) {
			last = at
		}
	}
	p.children = last
}

// componentsOf are the four Deployments of a platform.
var componentsOf = []string{"web", "prosody", "jicofo", "jvb"}

func platformReady(mp *v1alpha1.MeetingPlatform) bool {
	c := meta.FindStatusCondition(mp.Status.Conditions, v1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == mp.Generation
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func deploymentAvailable(d *appsv1.Deployment) bool {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	return d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas >= want &&
		d.Status.AvailableReplicas >= want && d.Status.Replicas == want
}
