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
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// bridgesPlatform is the sample platform with n videobridges on n node ports of its own.
func bridgesPlatform(t *testing.T, n int32) *v1alpha1.MeetingPlatform {
	t.Helper()
	ensureEUNode(t)
	ns := newNamespace(t)
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	mp.Spec.Media.Port = 30000 + nodePortN.Add(n) - n + 1
	mp.Spec.Components.JVB.Replicas = n
	return mp
}

// bridgeEnv is a variable of the live bridge's container, "" when unset.
func bridgeEnv(t *testing.T, ns, bridge, name string) string {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: bridge}, d); err != nil {
		t.Fatal(err)
	}
	return containerEnv(d, name)
}

// mediaOf is status.media of the live platform, by bridge name.
func mediaOf(t *testing.T, mp *v1alpha1.MeetingPlatform) map[string]v1alpha1.BridgeMediaStatus {
	t.Helper()
	out := map[string]v1alpha1.BridgeMediaStatus{}
	if m := getPlatform(t, mp).Status.Media; m != nil {
		for _, b := range m.Bridges {
			out[b.Name] = b
		}
	}
	return out
}

func TestThreeBridgesHaveTheirOwnDeploymentServiceAndPort(t *testing.T) {
	startManager(t)
	mp := createPlatform(t, bridgesPlatform(t, 3))
	base := mp.Spec.Media.Port

	for i, name := range []string{"meet-jvb", "meet-jvb-1", "meet-jvb-2"} {
		port := base + int32(i)
		svc := &corev1.Service{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: name}, svc); err != nil {
			t.Fatal(err)
		}
		if p := svc.Spec.Ports; len(p) != 1 || p[0].Port != port || p[0].NodePort != port {
			t.Errorf("Service %s has ports %+v, want node port %d", name, p, port)
		}
		if got := svc.Spec.Selector[settings.BridgeLabel]; got != fmt.Sprint(i) {
			t.Errorf("Service %s selects bridge %q, want %d", name, got, i)
		}
		if got := bridgeEnv(t, mp.Namespace, name, "JVB_PORT"); got != fmt.Sprint(port) {
			t.Errorf("Deployment %s binds JVB_PORT=%s, want %d", name, got, port)
		}
		if got := bridgeEnv(t, mp.Namespace, name, settings.OctoRelayIDVariable); got != name {
			t.Errorf("Deployment %s has relay id %q, want its name", name, got)
		}
	}
	eventually(t, "status.media lists the three bridges with their ports and the spec's address", func() error {
		media := mediaOf(t, mp)
		if len(media) != 3 {
			return fmt.Errorf("status.media has %d bridges: %+v", len(media), media)
		}
		for i, name := range []string{"meet-jvb", "meet-jvb-1", "meet-jvb-2"} {
			b := media[name]
			if b.Port != base+int32(i) || b.Source != v1alpha1.MediaAddressFromSpec || !slices.Equal(b.Addresses, mp.Spec.Media.AdvertiseAddresses) {
				return fmt.Errorf("bridge %s is %+v, want port %d and the spec's addresses", name, b, base+int32(i))
			}
		}
		return nil
	})
	markAvailable(t, mp.Namespace)
	eventually(t, "the jvb component counts the three bridges", func() error {
		for _, c := range getPlatform(t, mp).Status.Components {
			if c.Name == string(settings.JVB) && c.DesiredReplicas == 3 && c.ReadyReplicas == 3 {
				return nil
			}
		}
		return fmt.Errorf("status.components: %+v", getPlatform(t, mp).Status.Components)
	})
}

func TestScalingThreeBridgesToTwoRemovesOnlyTheThird(t *testing.T) {
	startManager(t)
	mp := createPlatform(t, bridgesPlatform(t, 3))
	uids := map[string]types.UID{}
	for _, name := range []string{"meet-jvb", "meet-jvb-1"} {
		d := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: name}, d); err != nil {
			t.Fatal(err)
		}
		uids[name] = d.UID
	}
	before := map[string]string{}
	for name := range uids {
		before[name] = bridgeEnv(t, mp.Namespace, name, "JVB_PORT") + bridgeEnv(t, mp.Namespace, name, settings.OctoVariable)
	}

	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		live := getPlatform(t, mp)
		live.Spec.Components.JVB.Replicas = 2
		return k8s.Update(context.Background(), live)
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the third bridge's Deployment and Service are deleted", func() error {
		for _, obj := range []client.Object{&appsv1.Deployment{}, &corev1.Service{}} {
			err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: "meet-jvb-2"}, obj)
			switch {
			case err == nil:
				return fmt.Errorf("%T meet-jvb-2 still exists", obj)
			case !apierrors.IsNotFound(err):
				return fmt.Errorf("reading %T meet-jvb-2: %w", obj, err)
			}
		}
		return nil
	})
	for name, uid := range uids {
		d := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: name}, d); err != nil {
			t.Fatal(err)
		}
		if d.UID != uid {
			t.Errorf("Deployment %s was replaced by the scale-down", name)
		}
		if got := bridgeEnv(t, mp.Namespace, name, "JVB_PORT") + bridgeEnv(t, mp.Namespace, name, settings.OctoVariable); got != before[name] {
			t.Errorf("Deployment %s changed its port or relay setting (%s, was %s): the scale-down restarted it", name, got, before[name])
		}
	}
	eventually(t, "a Pruned event names the third bridge", func() error { return eventFor(mp, v1alpha1.EventPruned, "meet-jvb-2") })
}

func TestALoadBalancerAddressReachesItsBridgeWithoutASpecChange(t *testing.T) {
	startManager(t)
	mp := bridgesPlatform(t, 2)
	mp.Spec.Media = v1alpha1.MediaSpec{Type: v1alpha1.MediaServiceLoadBalancer, Port: 10000}
	createPlatform(t, mp)
	eventually(t, "NoMediaAddress names the bridges whose load balancer has no address", func() error {
		return eventFor(mp, v1alpha1.EventNoMediaAddress, "meet-jvb, meet-jvb-1 has no address")
	})
	generation := getPlatform(t, mp).Generation
	first := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: "meet-jvb"}, first); err != nil {
		t.Fatal(err)
	}

	// The test plays the load-balancer controller: it writes the address it got.
	svc := &corev1.Service{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: "meet-jvb-1"}, svc); err != nil {
		t.Fatal(err)
	}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "198.51.100.31"}, {Hostname: "lb.example.eu"}}
	if err := k8s.Status().Update(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	written := time.Now()
	eventually(t, "the second bridge advertises its load balancer's IP", func() error {
		if got := bridgeEnv(t, mp.Namespace, "meet-jvb-1", settings.AdvertiseVariable); got != "198.51.100.31" {
			return fmt.Errorf("%s=%q", settings.AdvertiseVariable, got)
		}
		return nil
	})
	t.Logf("the bridge's Deployment advertised the load balancer's address %s after the Service status was written", time.Since(written).Round(time.Millisecond))

	eventually(t, "status.media says where the address comes from", func() error {
		b := mediaOf(t, mp)["meet-jvb-1"]
		if b.Source != v1alpha1.MediaAddressFromLoadBalancer || !slices.Equal(b.Addresses, []string{"198.51.100.31"}) || b.Port != 10001 {
			return fmt.Errorf("bridge meet-jvb-1 is %+v", b)
		}
		if other := mediaOf(t, mp)["meet-jvb"]; len(other.Addresses) != 0 || other.Source != "" {
			return fmt.Errorf("bridge meet-jvb, whose load balancer has no address, is %+v", other)
		}
		return nil
	})
	if got := getPlatform(t, mp).Generation; got != generation {
		t.Errorf("the platform's generation moved from %d to %d: the address needed a spec change", generation, got)
	}

	// A load balancer that moves is not a rollout the operator starts by itself: a bridge
	// announcing the old address carries no media, so it does not wait for the maintenance
	// window the defer annotation holds the platform's rollouts back for.
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		live := getPlatform(t, mp)
		live.Annotations = map[string]string{v1alpha1.DeferRolloutAnnotation: "until the weekend"}
		return k8s.Update(context.Background(), live)
	}); err != nil {
		t.Fatal(err)
	}
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(svc), svc); err != nil {
			return err
		}
		svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "198.51.100.32"}}
		return k8s.Status().Update(context.Background(), svc)
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the bridge follows its load balancer's new IP despite the deferred rollouts", func() error {
		if got := bridgeEnv(t, mp.Namespace, "meet-jvb-1", settings.AdvertiseVariable); got != "198.51.100.32" {
			return fmt.Errorf("%s=%q", settings.AdvertiseVariable, got)
		}
		return nil
	})
	after := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(first), after); err != nil {
		t.Fatal(err)
	}
	if after.Generation != first.Generation {
		t.Errorf("the first bridge's Deployment changed (generation %d to %d) although its load balancer did not", first.Generation, after.Generation)
	}
}

func TestANodePortBridgeAdvertisesTheEligibleNodesExternalIPs(t *testing.T) {
	startManager(t)
	mp := bridgesPlatform(t, 1)
	mp.Spec.Media.AdvertiseAddresses = nil
	createPlatform(t, mp)

	// Two nodes with ExternalIPs: one in the EU, whose address is advertised, one in the US,
	// whose address is not (the bridge never runs there, and the node would carry its media).
	ctx := context.Background()
	for name, region := range map[string]string{"media-eu": "eu-central-1", "media-us": "us-east-1"} {
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelTopologyRegion: region}}}
		if err := k8s.Create(ctx, node); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = k8s.Delete(context.Background(), node) })
		address := map[string]string{"media-eu": "198.51.100.40", "media-us": "198.51.100.50"}[name]
		node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.40"}, {Type: corev1.NodeExternalIP, Address: address}}
		if err := k8s.Status().Update(ctx, node); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the bridge advertises the EU node's ExternalIP only", func() error {
		if got := bridgeEnv(t, mp.Namespace, "meet-jvb", settings.AdvertiseVariable); got != "198.51.100.40" {
			return fmt.Errorf("%s=%q", settings.AdvertiseVariable, got)
		}
		return nil
	})
	eventually(t, "status.media names the node ExternalIP as the source", func() error {
		if b := mediaOf(t, mp)["meet-jvb"]; b.Source != v1alpha1.MediaAddressFromNodeExternalIP || !slices.Equal(b.Addresses, []string{"198.51.100.40"}) {
			return fmt.Errorf("bridge meet-jvb is %+v", b)
		}
		return nil
	})
}

func TestScalingABridgeDeploymentByHandIsReverted(t *testing.T) {
	startManager(t)
	mp := createPlatform(t, bridgesPlatform(t, 2))
	key := client.ObjectKey{Namespace: mp.Namespace, Name: "meet-jvb-1"}
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), key, d); err != nil {
			return err
		}
		d.Spec.Replicas = ptr.To[int32](3)
		return k8s.Update(context.Background(), d)
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the second bridge runs one replica again: scaling is a spec change", func() error {
		d := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), key, d); err != nil {
			return err
		}
		if n := ptr.Deref(d.Spec.Replicas, 0); n != 1 {
			return fmt.Errorf("%d replicas", n)
		}
		return eventFor(mp, v1alpha1.EventDriftReverted, "meet-jvb-1")
	})
}
