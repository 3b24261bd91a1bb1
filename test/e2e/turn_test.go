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

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// TestAnOwnTURNRelay: on the real cluster (Pod Security "restricted" admission, the
// scheduler, real NodePorts), a platform with its own coturn server becomes Ready and Compliant
// with the relay's pod on an EU node, and a line added to the relay's configuration by hand is
// reverted.
func TestAnOwnTURNRelay(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 6*time.Minute)
	ns := createNamespace(t, "e2e-turn")
	mp := createPlatform(t, newPlatform(ns, "meet", func(mp *v1alpha1.MeetingPlatform) {
		mp.Spec.TURN = &v1alpha1.TURNSpec{Own: &v1alpha1.OwnTURNSpec{
			Type: v1alpha1.MediaServiceNodePort, Port: nextNodePort(), TLSPort: nextNodePort(),
		}}
	}))
	key := keyOf(mp)
	mp = waitReady(t, key, 3*time.Minute)
	if mp.Status.Media == nil || len(mp.Status.Media.TURN) != 2 {
		t.Errorf("status.media = %+v, want the TURN and TURNS endpoints", mp.Status.Media)
	}

	pods, err := activePods(ctx, ns, mp.Name)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(pods, func(p corev1.Pod) bool { return p.Labels[labelComponent] == "turn" })
	if i < 0 {
		t.Fatalf("no coturn pod was admitted (pods: %d)", len(pods))
	}
	node := &corev1.Node{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: pods[i].Spec.NodeName}, node); err != nil {
		t.Fatalf("coturn pod %s on node %q: %v", pods[i].Name, pods[i].Spec.NodeName, err)
	}
	if region := node.Labels[corev1.LabelTopologyRegion]; !sharedEURegions[region] {
		t.Errorf("coturn pod %s runs in region %q, outside the EU", pods[i].Name, region)
	}
	creds := &corev1.Secret{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: mp.Name + "-credentials"}, creds); err != nil {
		t.Fatal(err)
	}
	rememberCredentials(creds) // the final test checks that no operator log line shows them

	cm := &corev1.ConfigMap{}
	name := mp.Name + "-turn-config"
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cm); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	cm.Data["turnserver.conf"] += "allow-loopback-peers\n"
	if err := k8s.Update(ctx, cm, client.FieldOwner("e2e-tamperer")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the added line is reverted", func() error {
		live := &corev1.ConfigMap{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, live); err != nil {
			return err
		}
		if strings.Contains(live.Data["turnserver.conf"], "allow-loopback-peers") {
			return fmt.Errorf("ConfigMap %s still has the line", name)
		}
		return nil
	})
	waitEvent(t, ns, eventMatch{platform: mp.Name, reason: "DriftReverted", since: started, about: name}, 30*time.Second)
	waitPlatform(t, key, time.Minute, "Ready and Compliant after the revert", readyAndCompliant)
}
