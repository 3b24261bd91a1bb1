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

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// On the real cluster: a web-only change replaces only the web pods, and the kube-controller-
// manager's disruption controller and the eviction API hold a bridge pod to the platform's
// PodDisruptionBudget: refused while spec.disruption.meetings is Block, allowed (the bridge
// drains, then a new one starts) once it is Allow.
func TestNoDroppedMeetings(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 8*time.Minute)
	ns := createNamespace(t, "e2e-nodrop")
	mp := createPlatform(t, newPlatform(ns, "meet", func(mp *v1alpha1.MeetingPlatform) {
		mp.Spec.Disruption.Meetings = v1alpha1.DisruptionBlock
	}))
	key := keyOf(mp)
	waitReady(t, key, 3*time.Minute)

	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}

	step("a web-only change replaces the web pods and leaves prosody, jicofo and the bridge running", func(t *testing.T) {
		before := podUIDs(t, ctx, ns, mp.Name)
		updatePlatform(t, key, func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Components.Web.Resources = &corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("96Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("384Mi")},
			}
		})
		waitFor(t, 2*time.Minute, "a new web pod running and the old one gone", func() error {
			now := podUIDs(t, ctx, ns, mp.Name)
			if len(now["web"]) != 1 || now["web"][0] == before["web"][0] {
				return fmt.Errorf("web pods %v, before %v", now["web"], before["web"])
			}
			return nil
		})
		waitPlatform(t, key, 2*time.Minute, "Ready and Compliant after the web change", readyAndCompliant)
		now := podUIDs(t, ctx, ns, mp.Name)
		for _, c := range []string{"prosody", "jicofo", "jvb"} {
			if fmt.Sprint(now[c]) != fmt.Sprint(before[c]) {
				t.Errorf("%s pods %v, before %v: a web-only change restarted a component that holds meetings", c, now[c], before[c])
			}
		}
	})

	budget := types.NamespacedName{Namespace: ns, Name: mp.Name + "-jvb"}
	step("an eviction of the bridge is refused while the budget allows none", func(t *testing.T) {
		waitBudget(t, ctx, budget, 0)
		pod := bridgePod(t, ctx, ns, mp.Name)
		err := evict(ctx, pod)
		if !apierrors.IsTooManyRequests(err) || !strings.Contains(err.Error(), "disruption budget") {
			t.Fatalf("evicting %s: %v, want 429 naming the disruption budget", pod.Name, err)
		}
		t.Logf("eviction refused: %v", err)
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod); err != nil || pod.DeletionTimestamp != nil {
			t.Errorf("the bridge pod was deleted despite its budget (err %v)", err)
		}
	})

	step("with Allow one bridge may go: the eviction is accepted and a new bridge replaces it", func(t *testing.T) {
		updatePlatform(t, key, func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Disruption.Meetings = v1alpha1.DisruptionAllow })
		waitBudget(t, ctx, budget, 1)
		pod := bridgePod(t, ctx, ns, mp.Name)
		if err := evict(ctx, pod); err != nil {
			t.Fatalf("evicting %s: %v", pod.Name, err)
		}
		waitFor(t, 2*time.Minute, "another bridge pod running", func() error {
			next := bridgePod(t, ctx, ns, mp.Name)
			if next.UID == pod.UID || !podRunning(next) {
				return fmt.Errorf("bridge pod %s (%s)", next.Name, next.Status.Phase)
			}
			return nil
		})
		waitPlatform(t, key, 2*time.Minute, "Ready and Compliant after the eviction", readyAndCompliant)
	})
}

// podUIDs are the UIDs of the platform's active pods by component.
func podUIDs(t *testing.T, ctx context.Context, ns, name string) map[string][]types.UID {
	t.Helper()
	pods, err := activePods(ctx, ns, name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]types.UID{}
	for _, p := range pods {
		out[p.Labels[labelComponent]] = append(out[p.Labels[labelComponent]], p.UID)
	}
	return out
}

// bridgePod is the platform's one active bridge pod; the test fails if there is none.
func bridgePod(t *testing.T, ctx context.Context, ns, name string) *corev1.Pod {
	t.Helper()
	var found *corev1.Pod
	waitFor(t, time.Minute, "a bridge pod", func() error {
		pods, err := activePods(ctx, ns, name)
		if err != nil {
			return err
		}
		for i := range pods {
			if pods[i].Labels[labelComponent] == "jvb" {
				found = &pods[i]
				return nil
			}
		}
		return fmt.Errorf("no active bridge pod")
	})
	return found
}

// waitBudget waits until the disruption controller has computed the budget for its current
// spec with one healthy pod and allowed disruptions.
func waitBudget(t *testing.T, ctx context.Context, key types.NamespacedName, allowed int32) {
	t.Helper()
	waitFor(t, 2*time.Minute, fmt.Sprintf("budget %s to allow %d disruption(s)", key, allowed), func() error {
		pdb := &policyv1.PodDisruptionBudget{}
		if err := k8s.Get(ctx, key, pdb); err != nil {
			return err
		}
		s := pdb.Status
		if s.ObservedGeneration != pdb.Generation || s.ExpectedPods != 1 || s.CurrentHealthy != 1 || s.DisruptionsAllowed != allowed {
			return fmt.Errorf("generation %d, status %+v", pdb.Generation, s)
		}
		return nil
	})
}

// evict asks the eviction API (policy/v1) to evict the pod, as kubectl drain does.
func evict(ctx context.Context, pod *corev1.Pod) error {
	return k8s.SubResource("eviction").Create(ctx, pod, &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace}})
}
