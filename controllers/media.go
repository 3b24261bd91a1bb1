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
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// readMediaInputs reads from the cache what the cluster says about the videobridges' public
// addresses: the IPs each bridge's LoadBalancer Service got, or the ExternalIPs of the nodes
// the platform may run on. Nothing is read when spec.media.advertiseAddresses is set: the
// user's list wins. Both kinds are watched (the owned Services, every Node), so a new address
// reaches the bridge on the next pass, with no spec change.
func (r *MeetingPlatformReconciler) readMediaInputs(ctx context.Context, mp *v1alpha1.MeetingPlatform) (settings.MediaInputs, error) {
	var in settings.MediaInputs
	if len(mp.Spec.Media.AdvertiseAddresses) > 0 {
		return in, nil
	}
	switch mp.Spec.Media.Type {
	case v1alpha1.MediaServiceLoadBalancer:
		in.LoadBalancerIPs = map[string][]string{}
		for _, b := range settings.Bridges(mp) {
			svc := &corev1.Service{}
			err := r.Get(ctx, client.ObjectKey{Namespace: mp.Namespace, Name: b.Name}, svc)
			switch {
			case apierrors.IsNotFound(err):
				continue // created by this pass; its load balancer answers later
			case err != nil:
				return in, fmt.Errorf("reading Service %s/%s: %w", mp.Namespace, b.Name, err)
			case !metav1.IsControlledBy(svc, mp):
				// Another's Service of that name must not steer where clients send media.
				continue
			}
			in.LoadBalancerIPs[b.Name] = settings.LoadBalancerIPs(svc)
		}
	case v1alpha1.MediaServiceNodePort:
		var nodes corev1.NodeList
		if err := r.List(ctx, &nodes); err != nil {
			return in, fmt.Errorf("listing nodes: %w", err)
		}
		in.NodeExternalIPs = settings.EligibleExternalIPs(mp, nodes.Items)
	}
	return in, nil
}

// mediaStatus is status.media: every bridge with what it advertises and where that comes from.
func mediaStatus(mp *v1alpha1.MeetingPlatform, in settings.MediaInputs) *v1alpha1.MediaStatus {
	st := &v1alpha1.MediaStatus{}
	for _, b := range settings.Bridges(mp) {
		addr := settings.AddressOf(mp, b, in)
		st.Bridges = append(st.Bridges, v1alpha1.BridgeMediaStatus{
			Name: b.Name, Addresses: addr.Addresses, Port: b.Port, Source: addr.Source,
		})
	}
	return st
}

// unreachableBridges names the bridges clients cannot reach: no address is known for them and
// the platform has no STUN server through which they could learn one (private candidates are
// off, EU-3). Empty when every bridge is reachable.
func unreachableBridges(mp *v1alpha1.MeetingPlatform, st *v1alpha1.MediaStatus) []string {
	if st == nil || len(mp.Spec.STUN.Servers) > 0 {
		return nil
	}
	var out []string
	for _, b := range st.Bridges {
		if len(b.Addresses) == 0 {
			out = append(out, b.Name)
		}
	}
	return out
}

// noMediaAddressMessage says which bridges have no address and what would give them one.
func noMediaAddressMessage(mp *v1alpha1.MeetingPlatform, bridges []string) string {
	why := "no node the platform may run on has an ExternalIP address"
	if mp.Spec.Media.Type == v1alpha1.MediaServiceLoadBalancer {
		why = "its LoadBalancer Service has no IP address (yet) in status.loadBalancer.ingress"
	}
	return fmt.Sprintf("videobridge %s has no address clients can reach: %s; set spec.media.advertiseAddresses to its public IP addresses, or spec.stun.servers to your own STUN servers",
		strings.Join(bridges, ", "), why)
}
