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
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// Tests that relabel nodes or need a particular set of nodes use a region label key of their
// own (spec.placement.regionLabel) on nodes of their own: the built-in region catalog still
// judges the values, but no other test's platform can land on those nodes, and no relabelling
// moves another test's pods.
const (
	regionKeyLate    = "e2e.meetwarden.io/region-late"
	regionKeyEnforce = "e2e.meetwarden.io/region-enforce"
	regionKeyAudit   = "e2e.meetwarden.io/region-audit"
)

func withRegionLabel(key string) func(*v1alpha1.MeetingPlatform) {
	return func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Placement.RegionLabel = key }
}

func TestPlacement(t *testing.T) {
	parallelTest(t)

	t.Run("a platform's pods all land on EU nodes and it becomes Ready and Compliant", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 5*time.Minute)
		ns := createNamespace(t, "e2e-place")
		mp := createPlatform(t, newPlatform(ns, "meet"))
		mp = waitReady(t, keyOf(mp), 3*time.Minute)

		pods, err := activePods(ctx, ns, mp.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(pods) != len(components) {
			t.Fatalf("want %d pods (one per component) admitted by Pod Security \"restricted\", got %d", len(components), len(pods))
		}
		for _, p := range pods {
			node := &corev1.Node{}
			if err := k8s.Get(ctx, client.ObjectKey{Name: p.Spec.NodeName}, node); err != nil {
				t.Fatalf("pod %s on node %q: %v", p.Name, p.Spec.NodeName, err)
			}
			region := node.Labels[corev1.LabelTopologyRegion]
			if !sharedEURegions[region] {
				t.Errorf("pod %s runs on node %s in region %q, outside the EU", p.Name, node.Name, region)
			} else {
				t.Logf("pod %s runs on node %s (%s)", p.Name, node.Name, region)
			}
		}
		// EU-1 as the scheduler sees it: a required node affinity on the region label that
		// admits no US region.
		for _, c := range components {
			d := &appsv1.Deployment{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: mp.Name + "-" + c}, d); err != nil {
				t.Fatal(err)
			}
			a := d.Spec.Template.Spec.Affinity
			if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
				t.Errorf("Deployment %s has no required node affinity", d.Name)
				continue
			}
			for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
				for _, e := range term.MatchExpressions {
					if e.Key == corev1.LabelTopologyRegion && slices.Contains(e.Values, "us-east-1") {
						t.Errorf("Deployment %s admits us-east-1", d.Name)
					}
				}
			}
		}
		if mp.Status.Compliance == nil || mp.Status.Compliance.Summary.Fail != 0 {
			t.Errorf("status.compliance reports failures: %+v", mp.Status.Compliance)
		}
		// kstatus / kubectl compatibility: `kubectl wait --for=condition=Ready` works.
		if out, err := kubectl(ctx, "-n", ns, "wait", "--for=condition=Ready", "--timeout=20s", "meetingplatform/"+mp.Name); err != nil {
			t.Errorf("kubectl wait --for=condition=Ready: %v\n%s", err, out)
		}
	})

	t.Run("with only non-EU nodes a platform reports Stalled and its pods stay Pending, and an added EU node makes it Ready", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 5*time.Minute)
		sfx := randomSuffix()
		usNode := createNode(t, "e2e-late-us-"+sfx, map[string]string{regionKeyLate: "us-east-1"})
		ns := createNamespace(t, "e2e-late")
		mp := createPlatform(t, newPlatform(ns, "meet", withRegionLabel(regionKeyLate)))
		key := keyOf(mp)

		mp, _ = waitPlatform(t, key, 2*time.Minute, "Stalled=True or DataResidency=False", func(mp *v1alpha1.MeetingPlatform) error {
			if conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionTrue) == nil ||
				conditionIs(mp, v1alpha1.ConditionDataResidency, metav1.ConditionFalse) == nil {
				return nil
			}
			return fmt.Errorf("conditions: %s", describeConditions(mp))
		})
		for _, typ := range []string{v1alpha1.ConditionStalled, v1alpha1.ConditionDataResidency, v1alpha1.ConditionReady} {
			if c := condition(mp, typ); c != nil {
				t.Logf("%s=%s %s: %s", typ, c.Status, c.Reason, c.Message)
			}
		}
		reported := condition(mp, v1alpha1.ConditionStalled)
		if reported == nil || reported.Status != metav1.ConditionTrue {
			reported = condition(mp, v1alpha1.ConditionDataResidency)
		}
		if reported.Reason == "" || !strings.Contains(strings.ToLower(reported.Message), "node") {
			t.Errorf("%s=%s does not name the reason (no node in the allowed regions): reason %q, message %q",
				reported.Type, reported.Status, reported.Reason, reported.Message)
		}
		if c := condition(mp, v1alpha1.ConditionReady); c == nil || c.Status == metav1.ConditionTrue {
			t.Errorf("Ready must not be True without an EU node: %+v", c)
		}

		// The pods exist (Pod Security admitted them) and the scheduler refuses every node.
		waitFor(t, time.Minute, "the platform's pods to exist and be marked unschedulable", func() error {
			pods, err := activePods(ctx, ns, mp.Name)
			if err != nil {
				return err
			}
			if len(pods) != len(components) {
				return fmt.Errorf("%d pods, want %d", len(pods), len(components))
			}
			for _, p := range pods {
				if p.Spec.NodeName != "" {
					return fmt.Errorf("pod %s was bound to node %s although no node is in the EU", p.Name, p.Spec.NodeName)
				}
				unschedulable := false
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
						unschedulable = true
					}
				}
				if !unschedulable {
					return fmt.Errorf("pod %s not yet marked Unschedulable by the scheduler", p.Name)
				}
			}
			return nil
		})
		holdUntil := time.Now().Add(5 * time.Second)
		for time.Now().Before(holdUntil) {
			pods, err := activePods(ctx, ns, mp.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pods {
				if p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending {
					t.Fatalf("pod %s left Pending (node %q, phase %s) with only the non-EU node %s available",
						p.Name, p.Spec.NodeName, p.Status.Phase, usNode.Name)
				}
			}
			time.Sleep(500 * time.Millisecond)
		}

		added := time.Now()
		euNode := createNode(t, "e2e-late-eu-"+sfx, map[string]string{regionKeyLate: "europe-west3"})
		mp, _ = waitPlatform(t, key, 2*time.Minute, "Ready after an EU node was added", readyAndCompliant)
		d := time.Since(added)
		recordMeasurement("time to Ready after an EU node is added", key.String(), d)
		t.Logf("Ready %s after the EU node %s was created", d.Round(10*time.Millisecond), euNode.Name)
		if err := conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionFalse); err != nil {
			t.Error(err)
		}
		pods, err := activePods(ctx, ns, mp.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods {
			if p.Spec.NodeName != euNode.Name {
				t.Errorf("pod %s runs on %q, want the EU node %s", p.Name, p.Spec.NodeName, euNode.Name)
			}
		}
	})

	t.Run("in Enforce mode a pod on a node relabelled out of the EU is evicted and rescheduled onto an EU node", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 5*time.Minute)
		sfx := randomSuffix()
		nodeA := createNode(t, "e2e-enf-a-"+sfx, map[string]string{regionKeyEnforce: "europe-west3"})
		ns := createNamespace(t, "e2e-enforce")
		mp := createPlatform(t, newPlatform(ns, "meet", withRegionLabel(regionKeyEnforce)))
		key := keyOf(mp)
		waitReady(t, key, 3*time.Minute)
		original := podsOnNode(t, ns, mp.Name, nodeA.Name)

		nodeB := createNode(t, "e2e-enf-b-"+sfx, map[string]string{regionKeyEnforce: "eu-central-1"})
		relabelled := time.Now()
		setNodeLabel(t, nodeA.Name, regionKeyEnforce, "us-east-1")
		t.Logf("node %s relabelled %s=us-east-1; pods on it: %v", nodeA.Name, regionKeyEnforce, podNames(original))

		for _, p := range original {
			e := waitEvent(t, ns, eventMatch{platform: mp.Name, reason: "PodEvicted", since: relabelled, about: p.Name}, time.Minute)
			t.Logf("event: %s", e)
		}
		waitFor(t, 2*time.Minute, "the evicted pods to be replaced by Running pods on the EU node "+nodeB.Name, func() error {
			for _, p := range original {
				cur := &corev1.Pod{}
				err := k8s.Get(ctx, client.ObjectKeyFromObject(&p), cur)
				if err == nil && cur.DeletionTimestamp == nil {
					return fmt.Errorf("pod %s still runs on %s without being deleted", p.Name, cur.Spec.NodeName)
				}
			}
			pods, err := activePods(ctx, ns, mp.Name)
			if err != nil {
				return err
			}
			if len(pods) != len(components) {
				return fmt.Errorf("%d active pods, want %d", len(pods), len(components))
			}
			for _, p := range pods {
				if p.Spec.NodeName != nodeB.Name || !podRunning(&p) {
					return fmt.Errorf("pod %s on %q phase %s", p.Name, p.Spec.NodeName, p.Status.Phase)
				}
			}
			return nil
		})
		waitPlatform(t, key, 2*time.Minute, "Ready and Compliant again after the eviction", readyAndCompliant)
		d := time.Since(relabelled)
		recordMeasurement("relabel out of the EU -> evicted, rescheduled, Ready (Enforce)", key.String(), d)
		t.Logf("all pods evicted, rescheduled onto %s and the platform Ready %s after the relabel", nodeB.Name, d.Round(10*time.Millisecond))
	})

	t.Run("in Audit mode a pod on a node relabelled out of the EU is reported and not evicted", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 5*time.Minute)
		sfx := randomSuffix()
		nodeA := createNode(t, "e2e-aud-a-"+sfx, map[string]string{regionKeyAudit: "europe-west3"})
		ns := createNamespace(t, "e2e-audit")
		mp := createPlatform(t, newPlatform(ns, "meet", withRegionLabel(regionKeyAudit), func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Compliance.Mode = v1alpha1.ComplianceModeAudit
		}))
		key := keyOf(mp)
		waitReady(t, key, 3*time.Minute)
		original := podsOnNode(t, ns, mp.Name, nodeA.Name)
		// An EU node to move to exists, so the only problem is the relabelled node.
		createNode(t, "e2e-aud-b-"+sfx, map[string]string{regionKeyAudit: "eu-central-1"})

		relabelled := time.Now()
		setNodeLabel(t, nodeA.Name, regionKeyAudit, "us-east-1")
		mp, d := waitPlatform(t, key, time.Minute, "DataResidency=False naming a pod and the node", func(mp *v1alpha1.MeetingPlatform) error {
			if err := conditionIs(mp, v1alpha1.ConditionDataResidency, metav1.ConditionFalse); err != nil {
				return err
			}
			return nil
		})
		recordMeasurement("relabel out of the EU -> DataResidency=False (Audit)", key.String(), d)
		c := condition(mp, v1alpha1.ConditionDataResidency)
		t.Logf("DataResidency=False %s after the relabel: %s: %s", d.Round(10*time.Millisecond), c.Reason, c.Message)
		eu2 := ""
		if mp.Status.Compliance != nil {
			for _, ctl := range mp.Status.Compliance.Controls {
				if ctl.ID == "EU-2" {
					eu2 = fmt.Sprintf("EU-2 %s: %s", ctl.Result, ctl.Message)
				}
			}
		}
		t.Logf("control %s", eu2)
		if !strings.Contains(c.Message, nodeA.Name) || !containsAny(c.Message, podNames(original)) {
			t.Errorf("the DataResidency condition does not name the misplaced pod and node %s: %q (control: %q)", nodeA.Name, c.Message, eu2)
		}
		for _, typ := range []string{v1alpha1.ConditionCompliant, v1alpha1.ConditionReady} {
			if err := conditionIs(mp, typ, metav1.ConditionFalse); err != nil {
				t.Errorf("with a pod outside the EU: %v", err)
			}
		}

		// Audit: nothing is evicted. Watch the pods for a while after the report.
		holdUntil := time.Now().Add(6 * time.Second)
		for time.Now().Before(holdUntil) {
			for _, p := range original {
				cur := &corev1.Pod{}
				if err := k8s.Get(ctx, client.ObjectKeyFromObject(&p), cur); err != nil {
					t.Fatalf("pod %s of an Audit-mode platform is gone: %v", p.Name, err)
				}
				if cur.DeletionTimestamp != nil || cur.UID != p.UID || cur.Spec.NodeName != nodeA.Name {
					t.Fatalf("pod %s of an Audit-mode platform was evicted or moved (deleting=%v, node %s)",
						p.Name, cur.DeletionTimestamp != nil, cur.Spec.NodeName)
				}
			}
			time.Sleep(500 * time.Millisecond)
		}
		if evs, err := matchingEvents(ctx, ns, eventMatch{platform: mp.Name, reason: "PodEvicted", since: relabelled}); err != nil {
			t.Fatal(err)
		} else if len(evs) > 0 {
			t.Errorf("Audit mode emitted PodEvicted: %v", evs)
		}

		// Back in the EU: the report clears without any pod having moved.
		setNodeLabel(t, nodeA.Name, regionKeyAudit, "europe-west3")
		waitPlatform(t, key, time.Minute, "Ready and Compliant after the node is back in the EU", readyAndCompliant)
	})
}

// podsOnNode returns the platform's pods and fails unless all of them run on node.
func podsOnNode(t testing.TB, ns, platform, node string) []corev1.Pod {
	t.Helper()
	pods, err := activePods(testContext(t, 30*time.Second), ns, platform)
	if err != nil {
		t.Fatal(err)
	}
	if len(pods) != len(components) {
		t.Fatalf("want %d pods, got %d", len(components), len(pods))
	}
	for _, p := range pods {
		if p.Spec.NodeName != node {
			t.Fatalf("pod %s runs on %q, want %s (the only node of its region label)", p.Name, p.Spec.NodeName, node)
		}
	}
	return pods
}

func podNames(pods []corev1.Pod) []string {
	out := make([]string, len(pods))
	for i, p := range pods {
		out[i] = p.Name
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
