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

package controllers

// Rollouts the operator starts by itself.
//
// A new operator version can render another pod template for a spec that did not change (a
// hardened setting, a new Jitsi release). Rolling it out replaces prosody, jicofo and the
// videobridge, which ends every running meeting of the platform. So the operator paces these
// rollouts across the fleet: at most MaxConcurrentRollouts platforms roll at once, in the order
// they asked; the others are held: their components' Deployments and files are not written
// (nothing of them changes, not even the Deployment's generation), and they say so in
// Reconciling (RolloutQueued). A platform with the DeferRolloutAnnotation is held until the
// annotation goes (RolloutDeferred). Every other object of a held platform is still applied.
//
// Nothing else waits: a first deploy, a change of the spec (the generation moved), a rotated
// Secret (the secrets digest changed) and drift (Enforce mode reverts at once) roll immediately,
// and take the platform's pending rollout with them: its meetings end anyway, and once is
// better than twice. A held platform is judged as it runs: its live objects, not the new
// version's templates, are what the controls see.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// DefaultMaxConcurrentRollouts is how many platforms roll out a new operator version's pod
// templates at once unless --max-concurrent-rollouts says otherwise.
const DefaultMaxConcurrentRollouts = 3

// queuedRecheck is how long a queued platform waits before it asks for a slot again, should no
// released slot wake it first (rolloutSlots.wake).
const queuedRecheck = 30 * time.Second

// heldRollout is a rollout this pass held back: why, and which components keep what runs.
type heldRollout struct {
	reason     string // v1alpha1.ReasonRolloutQueued or ReasonRolloutDeferred
	components []string
	slots      int // MaxConcurrentRollouts, for the message
	// children are the inventory IDs of the held components' Deployments and ConfigMaps, which
	// the pass does not write.
	children sets.Set[string]
}

// templateChange is how the desired pod template of one component relates to the live one.
type templateChange int

const (
	// unchanged: writing the desired Deployment replaces no pod (or only reverts drift, which
	// apply.Sync reports as such).
	unchanged templateChange = iota
	// ownChange: the operator renders another template for the same spec and Secrets.
	ownChange
	// rollsNow: the change does not wait: first deploy, spec change, rotated Secret, drift.
	rollsNow
)

// componentRollout is one component's desired and live objects and what writing them changes.
type componentRollout struct {
	component           settings.Component
	desired, live       *appsv1.Deployment // live is nil when missing
	desiredCM, liveCM   *corev1.ConfigMap  // nil when the component has no files, or liveCM is missing
	change              templateChange
	drift, driftedChild string // the drift that makes it roll now, and the child it is on
	// heldAs is the digest of what the component kept when an earlier pass of this process held
	// it (heldDigest); "" when none did.
	heldAs string
}

// paceRollout holds back the platform's pod-template changes that the operator introduced by
// itself, when its turn to roll has not come or it is deferred (hold). It returns when to look
// again.
func (r *MeetingPlatformReconciler) paceRollout(ctx context.Context, s *scope) (time.Duration, error) {
	plan, err := r.rolloutPlan(ctx, s)
	if err != nil {
		return 0, err
	}
	key := client.ObjectKeyFromObject(s.mp)
	var pending []*componentRollout
	now, endsMeetings := false, false
	for _, c := range plan {
		switch c.change {
		case rollsNow:
			now = true
		case ownChange:
			pending = append(pending, c)
			endsMeetings = endsMeetings || slices.Contains(settings.MeetingComponents, c.component)
		}
	}
	if now || !endsMeetings {
		// Nothing waits, only the web pods roll (one by one), or the meetings end anyway.
		r.rollouts().leave(key)
		s.noteRevertedByRollout(plan)
		r.forgetHeld(plan)
		return 0, nil
	}
	held := &heldRollout{reason: v1alpha1.ReasonRolloutDeferred, slots: r.MaxConcurrentRollouts}
	var wait time.Duration
	switch {
	case rolloutDeferred(s.mp):
		r.rollouts().leave(key)
	case r.rollouts().acquire(key, r.MaxConcurrentRollouts, s.now):
		r.forgetHeld(plan)
		return 0, nil
	default:
		held.reason, wait = v1alpha1.ReasonRolloutQueued, queuedRecheck
	}
	held.children = sets.New[string]()
	for _, c := range pending {
		r.hold(c, held)
	}
	s.held = held
	return wait, nil
}

// hold keeps a component as it runs: its Deployment and ConfigMap are not written, and the
// pass's desired objects, which the controls compare the live ones with, become what runs. The
// digest of what it keeps is remembered, so that any change to it later is drift (a field
// someone removed leaves no trace in managedFields).
func (r *MeetingPlatformReconciler) hold(c *componentRollout, held *heldRollout) {
	key := client.ObjectKeyFromObject(c.live)
	if c.heldAs == "" {
		r.heldDigests.Store(key, heldDigest(c.live, c.liveCM))
	}
	c.desired.Spec.Template = *c.live.Spec.Template.DeepCopy()
	held.children.Insert(inventoryID(c.desired))
	if c.desiredCM != nil {
		c.desiredCM.Data = maps.Clone(c.liveCM.Data)
		held.children.Insert(inventoryID(c.desiredCM))
	}
	held.components = append(held.components, string(c.component))
}

// forgetRollouts drops what the reconciler holds for a platform that is gone or going: its
// rollout slot and the digests of its held components.
func (r *MeetingPlatformReconciler) forgetRollouts(key types.NamespacedName) {
	r.rollouts().forget(key, r.MaxConcurrentRollouts)
	// The platform's spec is gone: every bridge it may have had.
	mp := &v1alpha1.MeetingPlatform{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	mp.Spec.Components.JVB.Replicas = settings.MaxBridges
	for _, c := range append(slices.Clone(settings.Components), settings.OptionalComponents...) {
		for _, name := range settings.DeploymentNames(mp, c) {
			r.heldDigests.Delete(types.NamespacedName{Namespace: key.Namespace, Name: name})
		}
	}
}

// forgetHeld drops the digests of the components: none of them is held any more.
func (r *MeetingPlatformReconciler) forgetHeld(plan []*componentRollout) {
	for _, c := range plan {
		r.heldDigests.Delete(client.ObjectKeyFromObject(c.desired))
	}
}

// rolloutPlan classifies the template change of every component the platform renders.
func (r *MeetingPlatformReconciler) rolloutPlan(ctx context.Context, s *scope) ([]*componentRollout, error) {
	var plan []*componentRollout
	for _, obj := range s.desired {
		d, ok := obj.(*appsv1.Deployment)
		if !ok {
			continue
		}
		c := &componentRollout{component: settings.Component(d.Labels[settings.LabelComponent]), desired: d}
		err := r.readComponent(ctx, s, c)
		if err != nil {
			return nil, err
		}
		if c.change, err = c.classify(s); err != nil {
			return nil, err
		}
		plan = append(plan, c)
	}
	return plan, nil
}

// readComponent reads the live Deployment and ConfigMap of a component from the cache and
// prepares the desired Deployment, so that its desired hash can be compared.
func (r *MeetingPlatformReconciler) readComponent(ctx context.Context, s *scope, c *componentRollout) error {
	if err := apply.Prepare(s.mp, c.desired, r.Scheme()); err != nil {
		return err
	}
	live, err := getIfExists(ctx, r.Client, c.desired)
	if err != nil || live == nil {
		return err
	}
	c.live = live
	if held, ok := r.heldDigests.Load(client.ObjectKeyFromObject(live)); ok {
		c.heldAs = held.(string)
	}
	name := settings.ConfigMapName(s.mp, c.component)
	for _, obj := range s.desired {
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == name {
			c.desiredCM = cm
		}
	}
	if c.desiredCM != nil {
		c.liveCM, err = getIfExists(ctx, r.Client, c.desiredCM)
	}
	return err
}

// getIfExists reads the live counterpart of desired from the cache; nil when it does not exist.
func getIfExists[T client.Object](ctx context.Context, c client.Reader, desired T) (T, error) {
	live := desired.DeepCopyObject().(T)
	err := c.Get(ctx, client.ObjectKeyFromObject(desired), live)
	if apierrors.IsNotFound(err) {
		var none T
		return none, nil
	}
	if err != nil {
		var none T
		return none, fmt.Errorf("reading %s %s: %w", apply.KindOf(desired), desired.GetName(), err)
	}
	return live, nil
}

// classify says whether the component's new template may wait for its turn.
func (c *componentRollout) classify(s *scope) (templateChange, error) {
	if c.live == nil || (c.desiredCM != nil && c.liveCM == nil) {
		return rollsNow, nil // a first deploy, or a deleted child: nothing runs that could be kept
	}
	if !apply.DesiredChanged(c.desired, c.live) {
		return unchanged, nil // what was applied last: a difference is drift, which Sync reverts as such
	}
	differs, err := apply.PodTemplateDiffers(c.desired, c.live)
	if err != nil || !differs {
		return unchanged, err // the change restarts nothing
	}
	if c.findDrift() || s.userChanged() || c.secretsRotated() || c.addressMoved() {
		// Drift is reverted at once; what the user changed takes effect at once.
		return rollsNow, nil
	}
	return ownChange, nil
}

// findDrift reports whether someone changed the component's Deployment or files: another
// manager's fields, or (once a rollout was held) anything the held digest covers.
func (c *componentRollout) findDrift() bool {
	deployment := apply.KindOf(c.live) + " " + c.live.Name
	if c.heldAs != "" && c.heldAs != heldDigest(c.live, c.liveCM) {
		c.drift, c.driftedChild = deployment+": it or its files changed while its rollout was held", inventoryID(c.desired)
	}
	if foreign := apply.ForeignChanges(c.live); foreign != "" {
		c.drift, c.driftedChild = deployment+": "+foreign, inventoryID(c.desired)
	}
	if c.liveCM != nil {
		if foreign := apply.ForeignChanges(c.liveCM); foreign != "" {
			c.drift, c.driftedChild = apply.KindOf(c.liveCM)+" "+c.liveCM.Name+": "+foreign, inventoryID(c.desiredCM)
		}
	}
	return c.drift != ""
}

// userChanged reports whether the user changed the platform since the last pass that applied
// it: the spec (its generation is not the one last observed), or an input that ended a stall
// (the stalled pass observed the generation but applied nothing).
func (s *scope) userChanged() bool {
	return s.mp.Generation != s.observedGeneration || s.previouslyStalled
}

// secretsRotated reports whether a Secret the component reads has a new version. A template
// without the digest was written by a version that did not stamp it.
func (c *componentRollout) secretsRotated() bool {
	live := c.live.Spec.Template.Annotations[settings.SecretsDigestAnnotation]
	return live != "" && live != c.desired.Spec.Template.Annotations[settings.SecretsDigestAnnotation]
}

// addressMoved reports whether a bridge advertises addresses other than the ones it runs with:
// its load balancer or the eligible nodes got new ones. A bridge that announces a stale address
// carries no media, so it never waits for a rollout slot or a maintenance window. A bridge that
// advertised nothing before (the first address a load balancer gets, or an operator upgrade
// that starts discovering) is an ordinary rollout, paced as such.
func (c *componentRollout) addressMoved() bool {
	if c.component != settings.JVB {
		return false
	}
	live := containerEnv(c.live, settings.AdvertiseVariable)
	return live != "" && live != containerEnv(c.desired, settings.AdvertiseVariable)
}

// containerEnv is the literal value of a variable of a Deployment's first container.
func containerEnv(d *appsv1.Deployment, name string) string {
	if len(d.Spec.Template.Spec.Containers) == 0 {
		return ""
	}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// rolloutDeferred reports whether the platform carries the DeferRolloutAnnotation. Its value is
// not read, as with Cluster API's cluster.x-k8s.io/paused: "false" defers too.
func rolloutDeferred(mp *v1alpha1.MeetingPlatform) bool {
	_, ok := mp.Annotations[v1alpha1.DeferRolloutAnnotation]
	return ok
}

// heldDigest is the digest of what a held component keeps: its live Deployment's labels and
// spec (without the restart annotation `kubectl rollout restart` sets on the pod template, which
// restarts the kept template and is no drift) and its files with their labels.
func heldDigest(live *appsv1.Deployment, liveCM *corev1.ConfigMap) string {
	spec := live.Spec.DeepCopy()
	delete(spec.Template.Annotations, apply.RestartedAtAnnotation)
	h := sha256.New()
	// None of these can fail: they are plain API types.
	_ = json.NewEncoder(h).Encode(live.Labels)
	_ = json.NewEncoder(h).Encode(spec)
	if liveCM != nil {
		_ = json.NewEncoder(h).Encode(liveCM.Labels)
		_ = json.NewEncoder(h).Encode(liveCM.Data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// noteRevertedByRollout remembers, in Enforce mode, the children whose drift the write of the
// new desired state reverts: Sync reports that write as a change (the desired state moved too),
// but for the user it is a revert, with a DriftReverted Event.
func (s *scope) noteRevertedByRollout(plan []*componentRollout) {
	if s.mp.Spec.Compliance.Mode == v1alpha1.ComplianceModeAudit {
		return
	}
	for _, c := range plan {
		if c.drift == "" {
			continue
		}
		if s.revertedByRollout == nil {
			s.revertedByRollout = map[string]string{}
		}
		s.revertedByRollout[c.driftedChild] = c.drift
	}
}

// settleRollout tells the fleet's slots whether the platform is rolling out: the Deployment
// controller reports pods of a component whose restart ends meetings being replaced; or, for a
// platform that holds a slot, it has not observed the new template yet, or a component is not
// available again. Rollouts the operator did not pace count too, so that the bound holds for
// the whole fleet, also after an operator restart. A Deployment not yet observed alone is no
// rollout: every write bumps its generation, also one that leaves the pod template alone. A
// component whose Deployment gave up (ProgressDeadlineExceeded) no longer keeps the slot: a
// platform that cannot start must not stop the rollout of every other.
func (r *MeetingPlatformReconciler) settleRollout(s *scope) {
	var replacing, settling bool
	for _, c := range settings.MeetingComponents {
		for _, name := range settings.DeploymentNames(s.mp, c) {
			d := findDeployment(s.snapshot, name)
			if d == nil {
				continue
			}
			want := ptr.Deref(d.Spec.Replicas, 1)
			observed := d.Status.ObservedGeneration >= d.Generation
			replacing = replacing || (observed && (d.Status.UpdatedReplicas < want || d.Status.Replicas > d.Status.UpdatedReplicas))
			settling = settling || !observed || (d.Status.AvailableReplicas < want && !gaveUp(d))
		}
	}
	r.rollouts().settle(client.ObjectKeyFromObject(s.mp), replacing, settling, r.MaxConcurrentRollouts)
}

// findDeployment returns the live Deployment of that name, or nil.
func findDeployment(snap *liveState, name string) *appsv1.Deployment {
	for i := range snap.Deployments {
		if snap.Deployments[i].Name == name {
			return &snap.Deployments[i]
		}
	}
	return nil
}

// gaveUp reports whether the Deployment controller reports the Deployment's rollout as failed.
func gaveUp(d *appsv1.Deployment) bool {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == deploymentProgressDeadlineExceeded {
			return true
		}
	}
	return false
}

// deploymentProgressDeadlineExceeded is the reason of a Deployment's Progressing=False condition
// once its rollout took longer than progressDeadlineSeconds (k8s.io/kubernetes
// pkg/controller/deployment/util: TimedOutReason; the API package has no constant for it).
const deploymentProgressDeadlineExceeded = "ProgressDeadlineExceeded"

// heldMessage says what the Reconciling condition of a held platform says.
func heldMessage(h *heldRollout) string {
	components := strings.Join(h.components, ", ")
	if h.reason == v1alpha1.ReasonRolloutDeferred {
		return fmt.Sprintf("the operator renders new pod templates for %s (a new operator version); their rollout would end running meetings and is deferred by the annotation %s: the live templates stay until it is removed",
			components, v1alpha1.DeferRolloutAnnotation)
	}
	return fmt.Sprintf("the operator renders new pod templates for %s (a new operator version); their rollout would end running meetings and waits for one of %d rollout slots (--max-concurrent-rollouts): the live templates stay until then",
		components, h.slots)
}

// deferRolloutChanged passes updates of a platform that add or remove the
// DeferRolloutAnnotation: a removed one lets a held rollout go, which must not wait for the next
// pass. (An annotation changes no generation, so the platform's other predicates drop it.)
var deferRolloutChanged = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	_, before := e.ObjectOld.GetAnnotations()[v1alpha1.DeferRolloutAnnotation]
	_, after := e.ObjectNew.GetAnnotations()[v1alpha1.DeferRolloutAnnotation]
	return before != after
}}

// rollouts is the reconciler's rolloutSlots, made on first use (tests build reconcilers field
// by field).
func (r *MeetingPlatformReconciler) rollouts() *rolloutSlots {
	r.rolloutsOnce.Do(func() { r.rolloutSlots = newRolloutSlots() })
	return r.rolloutSlots
}

// rolloutSlots hands out the fleet's rollout slots, first come first served. It lives in memory:
// after a restart, platforms that are still rolling take their slots back as they are
// reconciled (settle).
type rolloutSlots struct {
	mu      sync.Mutex
	holders map[types.NamespacedName]bool
	waiting []waiter
	// wake enqueues a waiting platform when a slot frees up (a source of the controller).
	wake chan event.GenericEvent
}

// waiter is a platform waiting for a slot, and when it last asked.
type waiter struct {
	key   types.NamespacedName
	asked time.Time
}

// staleWaiter is how long a waiter keeps its place without asking again: a platform that
// stopped asking (stalled, failing, gone) must not block the queue.
const staleWaiter = 3 * queuedRecheck

func newRolloutSlots() *rolloutSlots {
	return &rolloutSlots{holders: map[types.NamespacedName]bool{}, wake: make(chan event.GenericEvent, 1024)}
}

// acquire grants key a slot when it holds one, or when one is free and no platform that asked
// earlier still waits for it; otherwise key takes (or keeps) its place in the queue. A limit of
// 0 or less means no limit.
func (q *rolloutSlots) acquire(key types.NamespacedName, limit int, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if limit <= 0 || q.holders[key] {
		q.holders[key] = true
		q.remove(key)
		return true
	}
	q.waiting = slices.DeleteFunc(q.waiting, func(w waiter) bool { return w.key != key && now.Sub(w.asked) > staleWaiter })
	i := slices.IndexFunc(q.waiting, func(w waiter) bool { return w.key == key })
	if i < 0 {
		q.waiting = append(q.waiting, waiter{key: key})
		i = len(q.waiting) - 1
	}
	q.waiting[i].asked = now
	if i >= limit-len(q.holders) {
		return false
	}
	q.remove(key)
	q.holders[key] = true
	return true
}

// leave takes key out of the queue: it has nothing to roll, or is deferred.
func (q *rolloutSlots) leave(key types.NamespacedName) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.remove(key)
}

// settle records what the platform's live state shows: while its pods are being replaced it
// holds a slot (also one it never asked for), while a holder's rollout settles it keeps it, and
// otherwise it gives its slot to the first waiters.
func (q *rolloutSlots) settle(key types.NamespacedName, replacing, settling bool, limit int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case replacing:
		q.holders[key] = true
		q.remove(key)
	case q.holders[key] && !settling:
		delete(q.holders, key)
		q.wakeWaiters(limit)
	}
}

// forget drops a deleted platform, and its slot.
func (q *rolloutSlots) forget(key types.NamespacedName, limit int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.remove(key)
	if q.holders[key] {
		delete(q.holders, key)
		q.wakeWaiters(limit)
	}
}

// remove deletes key from the queue; the caller holds mu.
func (q *rolloutSlots) remove(key types.NamespacedName) {
	q.waiting = slices.DeleteFunc(q.waiting, func(w waiter) bool { return w.key == key })
}

// wakeWaiters enqueues as many of the first waiters as there are free slots; the caller holds
// mu. A full channel drops the wake-up: the waiter asks again after queuedRecheck.
func (q *rolloutSlots) wakeWaiters(limit int) {
	for i := 0; i < len(q.waiting) && i < limit-len(q.holders); i++ {
		mp := &v1alpha1.MeetingPlatform{ObjectMeta: metav1.ObjectMeta{Namespace: q.waiting[i].key.Namespace, Name: q.waiting[i].key.Name}}
		select {
		case q.wake <- event.GenericEvent{Object: mp}:
		default:
		}
	}
}
