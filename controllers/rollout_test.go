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

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func TestRolloutSlotsAreHandedOutFirstComeFirstServed(t *testing.T) {
	a, b, c := types.NamespacedName{Name: "a"}, types.NamespacedName{Name: "b"}, types.NamespacedName{Name: "c"}
	now := time.Now()
	q := newRolloutSlots()
	if !q.acquire(a, 1, now) {
		t.Fatal("the first platform to ask got no free slot")
	}
	if q.acquire(b, 1, now) || q.acquire(c, 1, now) {
		t.Fatal("a platform got a slot while the only one is held")
	}
	if !q.acquire(a, 1, now) {
		t.Fatal("the holder lost its slot by asking again")
	}
	q.settle(a, true, false, 1)
	if len(q.wake) != 0 {
		t.Fatal("a platform still rolling woke a waiter")
	}
	q.settle(a, false, true, 1)
	if len(q.wake) != 0 {
		t.Fatal("a holder whose components are not available again gave its slot away")
	}
	q.settle(a, false, false, 1)
	if woken := <-q.wake; woken.Object.GetName() != "b" || len(q.wake) != 0 {
		t.Fatalf("the released slot woke %s (and %d more), want b alone", woken.Object.GetName(), len(q.wake))
	}
	if q.acquire(c, 1, now) {
		t.Fatal("c took the slot b waited for first")
	}
	if !q.acquire(b, 1, now) {
		t.Fatal("b, first in the queue, got no slot")
	}

	t.Run("a waiter that stopped asking loses its place", func(t *testing.T) {
		q.forget(b, 1)
		<-q.wake // c
		later := now.Add(staleWaiter + time.Second)
		d := types.NamespacedName{Name: "d"}
		if !q.acquire(d, 1, later) {
			t.Fatal("d waits behind c, which has not asked for longer than staleWaiter")
		}
	})
	t.Run("a rollout the operator did not pace holds a slot too", func(t *testing.T) {
		q := newRolloutSlots()
		q.settle(a, true, false, 1)
		if q.acquire(b, 1, now) {
			t.Fatal("b got the slot of a platform that is rolling out")
		}
	})
	t.Run("no limit: every platform rolls", func(t *testing.T) {
		q := newRolloutSlots()
		for _, key := range []types.NamespacedName{a, b, c} {
			if !q.acquire(key, 0, now) {
				t.Fatalf("%s got no slot without a limit", key.Name)
			}
		}
	})
}

// newOperatorTag is the release the operator started second in TestANewOperatorVersion... runs
// by default: a newer operator version than the first one.
const newOperatorTag = "stable-99999-1"

// meetingImages are the images of prosody, jicofo and the videobridge of a platform, by component.
func meetingImages(t *testing.T, mp *v1alpha1.MeetingPlatform) map[settings.Component]string {
	t.Helper()
	out := map[settings.Component]string{}
	for _, c := range settings.MeetingComponents {
		d, err := liveDeployment(mp, c)
		if err != nil {
			t.Fatal(err)
		}
		out[c] = d.Spec.Template.Spec.Containers[0].Image
	}
	return out
}

// rolledOut says whether every meeting component of the platform runs the new release.
func rolledOut(t *testing.T, mp *v1alpha1.MeetingPlatform) bool {
	t.Helper()
	for _, image := range meetingImages(t, mp) {
		if settings.TagOf(image) != newOperatorTag {
			return false
		}
	}
	return true
}

// keptTheirRelease checks that no meeting component of the platform runs the new release.
func keptTheirRelease(t *testing.T, mp *v1alpha1.MeetingPlatform) error {
	for c, image := range meetingImages(t, mp) {
		if settings.TagOf(image) != v1alpha1.DefaultImageTag {
			return fmt.Errorf("%s/%s: %s runs %s", mp.Namespace, mp.Name, c, image)
		}
	}
	return nil
}

// rolloutHeld checks that the platform reports a held rollout with reason, and stays Ready and
// Compliant: what runs is what is judged.
func rolloutHeld(mp *v1alpha1.MeetingPlatform, reason string) error {
	live := &v1alpha1.MeetingPlatform{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(mp), live); err != nil {
		return err
	}
	c := meta.FindStatusCondition(live.Status.Conditions, v1alpha1.ConditionReconciling)
	if c == nil || c.Reason != reason || !strings.Contains(c.Message, "prosody, jicofo, jvb") {
		return fmt.Errorf("%s: Reconciling is %+v, want reason %s naming prosody, jicofo, jvb", mp.Namespace, c, reason)
	}
	for _, cond := range []string{v1alpha1.ConditionReady, v1alpha1.ConditionCompliant} {
		if err := conditionIs(mp, cond, metav1.ConditionTrue); err != nil {
			return fmt.Errorf("%s: %w", mp.Namespace, err)
		}
	}
	if img := live.Status.Image; img == nil || img.Tag != newOperatorTag || img.Source != v1alpha1.ImageTagFromOperator {
		return fmt.Errorf("%s: status.image is %+v, want the new operator's %s", mp.Namespace, img, newOperatorTag)
	}
	// A held component is not written at all: a write would move the Deployment's generation
	// past what the (test's) Deployment controller observed.
	var deployments appsv1.DeploymentList
	if err := k8s.List(context.Background(), &deployments, client.InNamespace(mp.Namespace)); err != nil {
		return err
	}
	for _, d := range deployments.Items {
		if d.Generation != d.Status.ObservedGeneration {
			return fmt.Errorf("%s: Deployment %s was written while its rollout was held (generation %d, observed %d)",
				mp.Namespace, d.Name, d.Generation, d.Status.ObservedGeneration)
		}
	}
	return nil
}

// playDeploymentController reports the selected Deployments of ns as rolled out, as markAvailable
// does, but for use inside eventually: a conflict with the operator's write is left for the
// next try.
func playDeploymentController(t *testing.T, ns string, selected func(*appsv1.Deployment) bool) {
	t.Helper()
	var list appsv1.DeploymentList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		d := &list.Items[i]
		if d.Status.ObservedGeneration == d.Generation || !selected(d) {
			continue
		}
		n := *d.Spec.Replicas
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
		if err := client.IgnoreNotFound(k8s.Status().Update(context.Background(), d)); err != nil && !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
}

// countRolledOut counts the platforms whose meeting components run the new release.
func countRolledOut(t *testing.T, mps []*v1alpha1.MeetingPlatform) int {
	n := 0
	for _, mp := range mps {
		if rolledOut(t, mp) {
			n++
		}
	}
	return n
}

func TestANewOperatorVersionRollsOutOnePlatformAtATime(t *testing.T) {
	first := startManager(t)
	var fleet []*v1alpha1.MeetingPlatform
	for range 4 {
		fleet = append(fleet, convergedPlatform(t, v1alpha1.ComplianceModeEnforce))
	}
	deferred := newPlatform(newNamespace(t), v1alpha1.ComplianceModeEnforce)
	deferred.Annotations = map[string]string{v1alpha1.DeferRolloutAnnotation: "until the Sunday window"}
	createSecrets(t, deferred.Namespace)
	createPlatform(t, deferred)
	markAvailable(t, deferred.Namespace)
	for _, mp := range append(fleet, deferred) {
		eventually(t, "Ready before the upgrade", func() error { return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue) })
	}
	first.stop()
	deleteOtherPlatforms(t, append(fleet, deferred))

	// The new operator version runs another release by default, and rolls one platform at a time.
	startManager(t, func(r *MeetingPlatformReconciler) { r.ImageTag, r.MaxConcurrentRollouts = newOperatorTag, 1 })
	var rolling *v1alpha1.MeetingPlatform
	eventually(t, "one platform rolls out, the others wait for the slot", func() error {
		rolling = nil
		for _, mp := range fleet {
			if rolledOut(t, mp) {
				rolling = mp
				continue
			}
			if err := rolloutHeld(mp, v1alpha1.ReasonRolloutQueued); err != nil {
				return err
			}
		}
		if rolling == nil {
			return fmt.Errorf("no platform rolls out")
		}
		return nil
	})
	eventually(t, "the deferred platform keeps its release", func() error {
		if err := rolloutHeld(deferred, v1alpha1.ReasonRolloutDeferred); err != nil {
			return err
		}
		return keptTheirRelease(t, deferred)
	})
	consistently(t, "no second platform rolls while the first is not available again", 3*time.Second, func() error {
		if n := countRolledOut(t, fleet); n != 1 {
			return fmt.Errorf("%d platforms roll out at once, the limit is 1", n)
		}
		if err := rolloutHeld(deferred, v1alpha1.ReasonRolloutDeferred); err != nil {
			return err
		}
		return keptTheirRelease(t, deferred)
	})

	markAvailable(t, rolling.Namespace)
	eventually(t, "the freed slot goes to the next platform, and only to it", func() error {
		if n := countRolledOut(t, fleet); n != 2 {
			return fmt.Errorf("%d platforms rolled out, want 2", n)
		}
		return nil
	})
	var queued []*v1alpha1.MeetingPlatform
	for _, mp := range fleet {
		if !rolledOut(t, mp) {
			queued = append(queued, mp)
		}
	}
	for _, mp := range queued {
		eventually(t, "the other platforms still wait", func() error {
			return rolloutHeld(mp, v1alpha1.ReasonRolloutQueued)
		})
	}

	t.Run("drift on a queued platform is reverted at once, and its rollout goes with it", func(t *testing.T) {
		queued := queued[0]
		updateDeployment(t, queued, settings.JVB, func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "AMPLITUDE_ID", Value: "tracking"})
		})
		eventually(t, "the tampering is reverted with a DriftReverted Event", func() error {
			d, err := liveDeployment(queued, settings.JVB)
			if err != nil {
				return err
			}
			if _, ok := envOf(d, "AMPLITUDE_ID"); ok {
				return fmt.Errorf("AMPLITUDE_ID is still set")
			}
			return eventFor(queued, v1alpha1.EventDriftReverted, "Deployment meet-jvb: changed by another manager: "+tamperer)
		})
		if !rolledOut(t, queued) {
			t.Errorf("the reverted platform still runs %v", meetingImages(t, queued))
		}
	})

	t.Run("a field removed from a queued platform's template, which managedFields cannot show, is reverted at once", func(t *testing.T) {
		queued := queued[1]
		updateDeployment(t, queued, settings.Jicofo, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Affinity = nil })
		eventually(t, "the affinity is back, with a DriftReverted Event", func() error {
			d, err := liveDeployment(queued, settings.Jicofo)
			if err != nil {
				return err
			}
			if d.Spec.Template.Spec.Affinity == nil {
				return fmt.Errorf("jicofo still has no affinity")
			}
			return eventFor(queued, v1alpha1.EventDriftReverted, "Deployment meet-jicofo: it or its files changed while its rollout was held")
		})
		if !rolledOut(t, queued) {
			t.Errorf("the reverted platform still runs %v", meetingImages(t, queued))
		}
	})

	t.Run("removing the annotation lets the deferred rollout go once a slot is free", func(t *testing.T) {
		// As `kubectl annotate mp meet meetwarden.io/defer-rollout-` does.
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:null}}}`, v1alpha1.DeferRolloutAnnotation)
		if err := k8s.Patch(context.Background(), getPlatform(t, deferred), client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the platform queues", func() error {
			return rolloutHeld(deferred, v1alpha1.ReasonRolloutQueued)
		})
		for _, mp := range fleet {
			markAvailable(t, mp.Namespace)
		}
		eventually(t, "the platform rolls out", func() error {
			if !rolledOut(t, deferred) {
				return fmt.Errorf("it still runs %v", meetingImages(t, deferred))
			}
			return nil
		})
	})
}

// deleteOtherPlatforms deletes the platforms earlier tests left behind: the operator would roll
// them out too, and as nothing plays their Deployment controller here, they would hold the
// rollout slots for ever. (envtest runs no garbage collector: their children stay, orphaned.)
func deleteOtherPlatforms(t *testing.T, keep []*v1alpha1.MeetingPlatform) {
	t.Helper()
	var all v1alpha1.MeetingPlatformList
	if err := k8s.List(context.Background(), &all); err != nil {
		t.Fatal(err)
	}
	for i := range all.Items {
		mp := &all.Items[i]
		if !slices.ContainsFunc(keep, func(k *v1alpha1.MeetingPlatform) bool { return k.UID == mp.UID }) {
			if err := client.IgnoreNotFound(k8s.Delete(context.Background(), mp)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestASpecChangeOnADeferredPlatformRollsAtOnce(t *testing.T) {
	first := startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	updatePlatform(t, mp, func(live *v1alpha1.MeetingPlatform) {
		live.Annotations = map[string]string{v1alpha1.DeferRolloutAnnotation: ""}
	})
	eventually(t, "Ready before the upgrade", func() error { return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue) })
	first.stop()

	startManager(t, func(r *MeetingPlatformReconciler) { r.ImageTag = newOperatorTag })
	eventually(t, "the new version's rollout is deferred", func() error {
		return rolloutHeld(mp, v1alpha1.ReasonRolloutDeferred)
	})
	if err := keptTheirRelease(t, mp); err != nil {
		t.Fatal(err)
	}

	updatePlatform(t, mp, func(live *v1alpha1.MeetingPlatform) { live.Spec.Components.Web.Replicas = 2 })
	eventually(t, "the spec change rolls every component at once, with the new release", func() error {
		if !rolledOut(t, mp) {
			return fmt.Errorf("the meeting components still run %v", meetingImages(t, mp))
		}
		web, err := liveDeployment(mp, settings.Web)
		if err != nil {
			return err
		}
		if *web.Spec.Replicas != 2 {
			return fmt.Errorf("web has %d replicas", *web.Spec.Replicas)
		}
		return nil
	})
}

// updatePlatform changes the live platform, retrying when the operator's status write came first.
func updatePlatform(t *testing.T, mp *v1alpha1.MeetingPlatform, change func(*v1alpha1.MeetingPlatform)) {
	t.Helper()
	eventually(t, "updating the platform", func() error {
		live := getPlatform(t, mp)
		change(live)
		return k8s.Update(context.Background(), live)
	})
}
