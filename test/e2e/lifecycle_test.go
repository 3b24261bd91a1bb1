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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

func TestLifecycle(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 9*time.Minute)
	nsOne := createNamespace(t, "e2e-life-one")
	nsTwo := createNamespace(t, "e2e-life-two")
	// alpha exists twice, in two namespaces, next to bravo in the first.
	alpha := createPlatform(t, newPlatform(nsOne, "alpha"))
	bravo := createPlatform(t, newPlatform(nsOne, "bravo"))
	twin := createPlatform(t, newPlatform(nsTwo, "alpha"))
	all := []*v1alpha1.MeetingPlatform{alpha, bravo, twin}
	for i, mp := range all {
		all[i] = waitReady(t, keyOf(mp), 3*time.Minute)
	}
	alpha, bravo, twin = all[0], all[1], all[2]

	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}

	step("two platforms in one namespace and one of the same name in another namespace have distinct children", func(t *testing.T) {
		seen := map[string]string{} // namespace/kind/name -> platform
		for _, mp := range all {
			inv, err := inventory(ctx, mp)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range inv.problems {
				t.Errorf("%s: %s", keyOf(mp), p)
			}
			for _, c := range inv.objects {
				id := mp.Namespace + "/" + c.String()
				if other, dup := seen[id]; dup {
					t.Errorf("%s is a child of both %s and %s", id, other, keyOf(mp))
				}
				seen[id] = keyOf(mp).String()
				if !strings.HasPrefix(c.name, mp.Name) {
					t.Errorf("%s child %s is not named after the platform", keyOf(mp), c)
				}
			}
			if counts := inv.counts(); counts["Deployment"] != len(components) {
				t.Errorf("%s has %v", keyOf(mp), counts)
			}
		}
	})

	step("tampering with one platform leaves the others untouched", func(t *testing.T) {
		others := []*v1alpha1.MeetingPlatform{bravo, twin}
		before := map[string]childInventory{}
		for _, mp := range others {
			waitQuiet(t, keyOf(mp), 2*time.Second)
			inv, err := inventory(ctx, mp)
			if err != nil {
				t.Fatal(err)
			}
			before[keyOf(mp).String()] = inv
		}
		started := time.Now()
		if out, err := kubectl(ctx, "-n", nsOne, "set", "env", "deployment/alpha-web", "ENABLE_RECORDING=true"); err != nil {
			t.Fatalf("kubectl set env: %v\n%s", err, out)
		}
		waitFor(t, 30*time.Second, "alpha-web in "+nsOne+" reverted", func() error {
			d := &appsv1.Deployment{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: nsOne, Name: "alpha-web"}, d); err != nil {
				return err
			}
			if v, _ := envOf(d, "web", "ENABLE_RECORDING"); v != "false" {
				return fmt.Errorf("ENABLE_RECORDING=%q", v)
			}
			return nil
		})
		waitEvent(t, nsOne, eventMatch{platform: "alpha", reason: "DriftReverted", since: started, about: "alpha-web"}, 30*time.Second)
		// Give a stray reconcile of the others time to show.
		time.Sleep(3 * time.Second)
		for _, mp := range others {
			inv, err := inventory(ctx, mp)
			if err != nil {
				t.Fatal(err)
			}
			if diff := diffInventories(before[keyOf(mp).String()], inv); diff != "" {
				t.Errorf("tampering with %s/alpha changed the children of %s: %s", nsOne, keyOf(mp), diff)
			}
			evs, err := matchingEvents(ctx, mp.Namespace, eventMatch{platform: mp.Name, reason: "DriftReverted", since: started})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) > 0 {
				t.Errorf("%s reported DriftReverted after %s/alpha was tampered with: %v", keyOf(mp), nsOne, evs)
			}
			cur, err := getPlatform(ctx, keyOf(mp))
			if err != nil {
				t.Fatal(err)
			}
			if err := readyAndCompliant(cur); err != nil {
				t.Error(err)
			}
		}
		d := &appsv1.Deployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: nsTwo, Name: "alpha-web"}, d); err != nil {
			t.Fatal(err)
		}
		if v, _ := envOf(d, "web", "ENABLE_RECORDING"); v != "false" {
			t.Errorf("%s/alpha-web has ENABLE_RECORDING=%q", nsTwo, v)
		}
	})

	step("changing the spec (web replicas 1 to 3, guests on, own STUN servers) rolls out and the platform stays Compliant", func(t *testing.T) {
		key := keyOf(bravo)
		waitQuiet(t, key, 2*time.Second)
		cur, err := getPlatform(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		history := watchPlatform(ctx, key, cur.ResourceVersion)

		changes := []struct {
			what   string
			mutate func(*v1alpha1.MeetingPlatform)
			check  func(context.Context) error
		}{
			{"web replicas 1 -> 3", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Components.Web.Replicas = 3 }, func(ctx context.Context) error {
				return rolledOut(ctx, nsOne, "bravo", map[string]int{"web": 3}, nil)
			}},
			{"guests false -> true", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Access.Guests = true }, func(ctx context.Context) error {
				return rolledOut(ctx, nsOne, "bravo", map[string]int{"web": 3}, map[string]map[string]string{
					"web": {"ENABLE_GUESTS": "true"}, "prosody": {"ENABLE_GUESTS": "true"},
				})
			}},
			{"stun servers [] -> [stun:stun.e2e.example.eu:3478]", func(mp *v1alpha1.MeetingPlatform) {
				mp.Spec.STUN.Servers = []string{"stun:stun.e2e.example.eu:3478"}
			}, func(ctx context.Context) error {
				return rolledOut(ctx, nsOne, "bravo", map[string]int{"web": 3}, map[string]map[string]string{
					"jvb": {"JVB_STUN_SERVERS": "stun.e2e.example.eu:3478", "JVB_DISABLE_STUN": "false"},
					"web": {"ENABLE_P2P": "true", "ENABLE_GUESTS": "true"},
				})
			}},
		}
		for _, c := range changes {
			changed := time.Now()
			mp := updatePlatform(t, key, c.mutate)
			waitFor(t, 3*time.Minute, c.what+" rolled out", func() error { return c.check(ctx) })
			mp, _ = waitPlatform(t, key, 2*time.Minute, "Ready and Compliant for generation "+fmt.Sprint(mp.Generation), readyAndCompliant)
			d := time.Since(changed)
			recordMeasurement("spec change -> rolled out, Ready and Compliant", c.what, d)
			t.Logf("%s: rolled out and Ready for generation %d after %s", c.what, mp.Generation, d.Round(10*time.Millisecond))
		}

		cur, err = getPlatform(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := history.waitSeen(parseRV(cur.ResourceVersion), 30*time.Second); err != nil {
			t.Fatal(err)
		}
		events, err := history.snapshot()
		if err != nil {
			t.Fatal(err)
		}
		var notCompliant []string
		for _, e := range events {
			if e.compliant != metav1.ConditionTrue {
				notCompliant = append(notCompliant, e.String())
			}
		}
		t.Logf("%d status versions written during the three changes", len(events))
		if len(notCompliant) > 0 {
			t.Errorf("Compliant was not True during legitimate spec changes:\n  %s", strings.Join(notCompliant, "\n  "))
		}
	})

	step("deleting a platform removes every child through garbage collection and leaves the others alone", func(t *testing.T) {
		var creds corev1.Secret
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: nsOne, Name: "alpha-credentials"}, &creds); err != nil {
			t.Fatal(err)
		}
		rememberCredentials(&creds)
		inv, err := inventory(ctx, alpha)
		if err != nil {
			t.Fatal(err)
		}
		twinBefore, err := inventory(ctx, twin)
		if err != nil {
			t.Fatal(err)
		}
		deleted := time.Now()
		if err := k8s.Delete(ctx, alpha); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 3*time.Minute, "every child of "+nsOne+"/alpha to be gone", func() error {
			var left []string
			if _, err := getPlatform(ctx, keyOf(alpha)); !apierrors.IsNotFound(err) {
				left = append(left, "the MeetingPlatform itself")
			}
			for _, c := range inv.objects {
				obj := emptyOf(c.kind)
				if err := k8s.Get(ctx, client.ObjectKey{Namespace: nsOne, Name: c.name}, obj); !apierrors.IsNotFound(err) {
					left = append(left, c.String())
				}
			}
			for kind, list := range map[string]client.ObjectList{
				"ReplicaSet": &appsv1.ReplicaSetList{}, "Pod": &corev1.PodList{}, "Deployment": &appsv1.DeploymentList{},
				"Service": &corev1.ServiceList{}, "ConfigMap": &corev1.ConfigMapList{}, "Secret": &corev1.SecretList{},
				"NetworkPolicy": &networkingv1.NetworkPolicyList{}, "Ingress": &networkingv1.IngressList{},
			} {
				if err := k8s.List(ctx, list, client.InNamespace(nsOne), client.MatchingLabels{labelInstance: "alpha"}); err != nil {
					return err
				}
				if n := itemCount(list); n > 0 {
					left = append(left, fmt.Sprintf("%d %s labelled alpha", n, kind))
				}
			}
			if len(left) > 0 {
				return fmt.Errorf("still there: %s", strings.Join(left, ", "))
			}
			return nil
		})
		d := time.Since(deleted)
		recordMeasurement("deletion -> every child gone (garbage collection)", nsOne+"/alpha", d)
		t.Logf("all %d children of %s/alpha and its ReplicaSets and pods gone %s after the delete", len(inv.objects), nsOne, d.Round(10*time.Millisecond))

		for _, mp := range []*v1alpha1.MeetingPlatform{bravo, twin} {
			cur, err := getPlatform(ctx, keyOf(mp))
			if err != nil {
				t.Fatal(err)
			}
			if err := readyAndCompliant(cur); err != nil {
				t.Error(err)
			}
			after, err := inventory(ctx, cur)
			if err != nil {
				t.Fatal(err)
			}
			if len(after.objects) != len(inv.objects) {
				t.Errorf("%s has %d children after alpha's deletion, want %d", keyOf(mp), len(after.objects), len(inv.objects))
			}
		}
		twinAfter, err := inventory(ctx, twin)
		if err != nil {
			t.Fatal(err)
		}
		if diff := diffInventories(twinBefore, twinAfter); diff != "" {
			t.Errorf("deleting %s/alpha changed %s/alpha: %s", nsOne, nsTwo, diff)
		}
	})
}

// rolledOut checks that the platform's active pods match replicas per component (default 1)
// and are Running, and that env holds in both the Deployment and every active pod.
func rolledOut(ctx context.Context, ns, platform string, replicas map[string]int, env map[string]map[string]string) error {
	pods, err := activePods(ctx, ns, platform)
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, p := range pods {
		c := p.Labels[labelComponent]
		count[c]++
		if !podRunning(&p) {
			return fmt.Errorf("pod %s is %s", p.Name, p.Status.Phase)
		}
		for name, want := range env[c] {
			if got, _ := podEnv(&p, name); !strings.Contains(got, want) {
				return fmt.Errorf("pod %s has %s=%q, want %q", p.Name, name, got, want)
			}
		}
	}
	for _, c := range components {
		want := 1
		if n, ok := replicas[c]; ok {
			want = n
		}
		if count[c] != want {
			return fmt.Errorf("%d active %s pods, want %d", count[c], c, want)
		}
		d := &appsv1.Deployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: platform + "-" + c}, d); err != nil {
			return err
		}
		if d.Spec.Replicas == nil || int(*d.Spec.Replicas) != want {
			return fmt.Errorf("Deployment %s wants %v replicas, want %d", d.Name, d.Spec.Replicas, want)
		}
		for name, want := range env[c] {
			if got, _ := envOf(d, c, name); !strings.Contains(got, want) {
				return fmt.Errorf("Deployment %s has %s=%q, want %q", d.Name, name, got, want)
			}
		}
	}
	return nil
}

// diffInventories says which children appeared, vanished, were replaced or rewritten. A
// Deployment's status changes on its own (pods come and go), so Deployments are compared by
// generation (a spec write) and other kinds by resourceVersion (any write).
func diffInventories(before, after childInventory) string {
	idx := map[string]child{}
	for _, c := range after.objects {
		idx[c.String()] = c
	}
	var diffs []string
	for _, b := range before.objects {
		a, ok := idx[b.String()]
		switch {
		case !ok:
			diffs = append(diffs, b.String()+" vanished")
		case a.uid != b.uid:
			diffs = append(diffs, b.String()+" was re-created")
		case b.kind == "Deployment" && a.generation != b.generation:
			diffs = append(diffs, fmt.Sprintf("%s generation %d -> %d", b, b.generation, a.generation))
		case b.kind != "Deployment" && a.rv != b.rv:
			diffs = append(diffs, fmt.Sprintf("%s was written (rv %s -> %s)", b, b.rv, a.rv))
		}
		delete(idx, b.String())
	}
	for name := range idx {
		diffs = append(diffs, name+" appeared")
	}
	return strings.Join(diffs, "; ")
}

func emptyOf(kind string) client.Object {
	switch kind {
	case "Deployment":
		return &appsv1.Deployment{}
	case "Service":
		return &corev1.Service{}
	case "ConfigMap":
		return &corev1.ConfigMap{}
	case "Secret":
		return &corev1.Secret{}
	case "NetworkPolicy":
		return &networkingv1.NetworkPolicy{}
	case "Ingress":
		return &networkingv1.Ingress{}
	}
	panic("unknown kind " + kind)
}

func itemCount(list client.ObjectList) int {
	switch l := list.(type) {
	case *appsv1.ReplicaSetList:
		return len(l.Items)
	case *corev1.PodList:
		return len(l.Items)
	}
	items, err := metaItems(list)
	if err != nil {
		panic(err)
	}
	return len(items)
}
