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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func TestThreeBridgesRunOnEUNodesEachOnItsOwnPort(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 5*time.Minute)
	ns := createNamespace(t, "e2e-bridges")
	// Three node ports in a row, taken together so no parallel test lands in between.
	base := 30100 + nodePorts.Add(3) - 2
	mp := createPlatform(t, newPlatform(ns, "meet", func(mp *v1alpha1.MeetingPlatform) {
		mp.Spec.Media.Port = base
		mp.Spec.Components.JVB.Replicas = 3
	}))
	mp = waitReady(t, keyOf(mp), 3*time.Minute)

	pods, err := activePods(ctx, ns, mp.Name)
	if err != nil {
		t.Fatal(err)
	}
	bridges := map[string]string{} // bridge label -> node
	for _, p := range pods {
		if p.Labels[settings.LabelComponent] != string(settings.JVB) {
			continue
		}
		node := &corev1.Node{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: p.Spec.NodeName}, node); err != nil {
			t.Fatalf("bridge pod %s on node %q: %v", p.Name, p.Spec.NodeName, err)
		}
		if region := node.Labels[corev1.LabelTopologyRegion]; !sharedEURegions[region] {
			t.Errorf("bridge pod %s runs on node %s in region %q, outside the EU", p.Name, node.Name, region)
		}
		bridges[p.Labels[settings.BridgeLabel]] = node.Name
		t.Logf("bridge pod %s (bridge %s) runs on node %s", p.Name, p.Labels[settings.BridgeLabel], node.Name)
	}
	if len(bridges) != 3 || bridges["0"] == "" || bridges["1"] == "" || bridges["2"] == "" {
		t.Errorf("want one running pod for each of the bridges 0, 1 and 2, got %v", bridges)
	}

	if mp.Status.Media == nil || len(mp.Status.Media.Bridges) != 3 {
		t.Fatalf("status.media does not list three bridges: %+v", mp.Status.Media)
	}
	for i, b := range mp.Status.Media.Bridges {
		svc := &corev1.Service{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: b.Name}, svc); err != nil {
			t.Fatalf("status.media names %s: %v", b.Name, err)
		}
		want := base + int32(i)
		if b.Port != want || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].NodePort != want || len(b.Addresses) == 0 {
			t.Errorf("bridge %s: status %+v, Service ports %+v; want node port %d and an address", b.Name, b, svc.Spec.Ports, want)
		}
	}
	if mp.Status.Compliance == nil || mp.Status.Compliance.Summary.Fail != 0 {
		t.Errorf("status.compliance reports failures: %s", fmt.Sprint(mp.Status.Compliance))
	}
}
