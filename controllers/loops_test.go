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
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func TestLoopsCountCorrectionsWithinTheWindow(t *testing.T) {
	var l loops
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for i := range loopLimit - 1 {
		l.note("k", t0.Add(time.Duration(i)*time.Minute))
	}
	if looping, _ := l.looping("k", t0.Add(2*time.Minute)); looping {
		t.Fatalf("%d corrections are a loop", loopLimit-1)
	}
	l.note("k", t0.Add(3*time.Minute))
	looping, until := l.looping("k", t0.Add(3*time.Minute))
	if !looping || !until.Equal(t0.Add(loopWindow)) {
		t.Fatalf("looping = %v until %v, want true until %v", looping, until, t0.Add(loopWindow))
	}
	if looping, _ := l.looping("other", t0.Add(3*time.Minute)); looping {
		t.Fatal("another key loops")
	}
	if looping, _ := l.looping("k", t0.Add(loopWindow+time.Second)); looping {
		t.Fatal("still looping once the first correction left the window")
	}
}

// TestAFightOverARevertPausesAndSaysSo: another controller that writes an analytics variable
// back after every revert gets loopLimit reverts; then the platform is Stalled RevertLoop naming
// that manager, the reverts pause, and the drift stays reported.
func TestAFightOverARevertPausesAndSaysSo(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	ctx := context.Background()
	var writes int
	fight := func() error {
		d, err := liveDeployment(mp, settings.Web)
		if err != nil {
			return err
		}
		if _, set := envOf(d, "AMPLITUDE_ID"); set {
			return nil
		}
		writes++
		c := &d.Spec.Template.Spec.Containers[0]
		c.Env = append(c.Env, corev1.EnvVar{Name: "AMPLITUDE_ID", Value: "tracking"})
		return k8s.Update(ctx, d, client.FieldOwner("analytics-injector"))
	}
	eventually(t, "Stalled RevertLoop names the other manager", func() error {
		if err := fight(); err != nil && !apierrors.IsConflict(err) {
			return err
		}
		return stalledWith(mp, v1alpha1.ReasonRevertLoop, "analytics-injector")()
	})
	if writes < loopLimit {
		t.Errorf("the loop was declared after %d writes of the other manager, want at least %d", writes, loopLimit)
	}
	consistently(t, "reverts pause", 3*time.Second, func() error {
		d, err := liveDeployment(mp, settings.Web)
		if err != nil {
			return err
		}
		if _, set := envOf(d, "AMPLITUDE_ID"); !set {
			return fmt.Errorf("reverted again during the pause")
		}
		return nil
	})
	if err := conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionFalse); err != nil {
		t.Errorf("the drift left in place during the pause is not reported: %v", err)
	}
}

// TestEvictionsThatLandBackStallWithEvictionLoop: the test plays a scheduler that puts each new
// web pod on the node outside the jurisdiction it was evicted from; after loopLimit passes of
// evictions the platform is Stalled EvictionLoop naming the node, and the next pod stays.
func TestEvictionsThatLandBackStallWithEvictionLoop(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	ctx := context.Background()
	us := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "us-node-loop-" + mp.Namespace, Labels: map[string]string{corev1.LabelTopologyRegion: "us-east-1"}}}
	mustCreate(t, us)
	t.Cleanup(func() { _ = k8s.Delete(ctx, us) })
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: "meet-web-5d9c7b8f6d"}}
	web, err := liveDeployment(mp, settings.Web)
	if err != nil {
		t.Fatal(err)
	}
	rs.Labels = web.Spec.Template.Labels
	rs.OwnerReferences = []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", web)}
	rs.Spec = appsv1.ReplicaSetSpec{Selector: web.Spec.Selector, Template: web.Spec.Template}
	mustCreate(t, rs)
	placed := func(n int) *corev1.Pod {
		pod := podOf(mp, fmt.Sprintf("meet-web-5d9c7b8f6d-%05d", n), web.Spec.Template.Labels, controllerRef("apps/v1", "ReplicaSet", rs))
		pod.Spec.NodeName = us.Name
		mustCreate(t, pod)
		return pod
	}
	for n := range loopLimit {
		pod := placed(n)
		eventually(t, fmt.Sprintf("pod %d is evicted", n), func() error {
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod); client.IgnoreNotFound(err) != nil {
				return err
			} else if err == nil && pod.DeletionTimestamp == nil {
				return fmt.Errorf("not evicted")
			}
			return nil
		})
	}
	last := placed(loopLimit)
	eventually(t, "Stalled EvictionLoop names the node", stalledWith(mp, v1alpha1.ReasonEvictionLoop, us.Name))
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(last), last); err != nil || last.DeletionTimestamp != nil {
		t.Errorf("the pod was evicted again during the pause (err %v)", err)
	}
}
