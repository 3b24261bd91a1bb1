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

package settings

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// This file is the layout of the videobridges (spec.components.jvb.replicas) and where each
// one's public address comes from.
//
// Design: one Deployment and one media Service per bridge, each bridge bound to a port of its
// own (spec.media.port + index). Per-bridge Deployments keep a bridge's identity (its name, its
// port, its relay id) stable across restarts, so jicofo sees the same bridge come back, and a
// scale-down removes exactly the highest-numbered bridges, never a bridge picked at random by
// a ReplicaSet. Distinct ports let every bridge share the nodes' addresses (NodePort) or one
// load balancer's. Host ports on dedicated media nodes were the alternative: they need nodes
// reserved per bridge and a privileged port range, and the Pod Security "restricted" profile
// the platform runs under refuses host ports.
//
// The first bridge keeps the names of the single bridge of earlier versions (<name>-jvb, its
// Service, its selector, which a Deployment cannot change): an operator upgrade leaves a
// one-bridge platform exactly as it runs, with no restart and no new node port.

// BridgeLabel on a bridge's pods and in its selectors numbers the bridge ("0", "1", ...). The
// first bridge carries it only when there are several: with one bridge, its pods and Service
// stay as earlier versions wrote them.
const BridgeLabel = "meetwarden.io/bridge"

// MaxBridges is the most videobridges a platform runs (the CRD's maximum of
// spec.components.jvb.replicas). Ten bridges at the default 80 participants each
// (jicofo's max-bridge-participants) carry about 800 participants, beyond what one jicofo and
// one prosody, which do not scale, are sized for here; each bridge also takes a node port of
// the 2768 of the NodePort range, and a conference that spans every bridge relays between each
// pair of them.
const MaxBridges = 10

// Bridge is one videobridge of a platform.
type Bridge struct {
	// Index numbers the bridges from 0; the highest go first on a scale-down.
	Index int
	// Name is the name of the bridge's Deployment and media Service.
	Name string
	// Port is the UDP port the bridge binds and clients send media to (node port, load
	// balancer port and container port alike).
	Port int32
}

// Bridges are the platform's videobridges in order: "<name>-jvb" on spec.media.port, then
// "<name>-jvb-<i>" on spec.media.port + i. mp must be defaulted.
func Bridges(mp *v1alpha1.MeetingPlatform) []Bridge {
	n := max(int(mp.Spec.Components.JVB.Replicas), 1) // 0: a spec read without defaults
	out := make([]Bridge, 0, n)
	for i := range n {
		name := Name(mp, string(JVB))
		if i > 0 {
			name += "-" + strconv.Itoa(i)
		}
		out = append(out, Bridge{Index: i, Name: name, Port: mp.Spec.Media.Port + int32(i)})
	}
	return out
}

// DeploymentNames are the names of the operator's Deployments of a component: one, or for the
// videobridge one per bridge.
func DeploymentNames(mp *v1alpha1.MeetingPlatform, c Component) []string {
	if c != JVB {
		return []string{Name(mp, string(c))}
	}
	var out []string
	for _, b := range Bridges(mp) {
		out = append(out, b.Name)
	}
	return out
}

// SeveralBridges reports whether the platform runs more than one videobridge: only then are the
// relays between bridges (Octo) on and the first bridge's pods labelled with their number.
func SeveralBridges(mp *v1alpha1.MeetingPlatform) bool {
	return mp.Spec.Components.JVB.Replicas > 1
}

// BridgeNamed returns the platform's bridge with that Deployment or Service name.
func BridgeNamed(mp *v1alpha1.MeetingPlatform, name string) (Bridge, bool) {
	bridges := Bridges(mp)
	i := slices.IndexFunc(bridges, func(b Bridge) bool { return b.Name == name })
	if i < 0 {
		return Bridge{}, false
	}
	return bridges[i], true
}

// BridgeSelectorLabels are the labels that select one bridge's pods. The first bridge's
// Deployment keeps the component's selector (a Deployment's selector is immutable), so only
// its Service and pods use this; the further bridges' Deployments select by it.
func BridgeSelectorLabels(mp *v1alpha1.MeetingPlatform, b Bridge) map[string]string {
	l := SelectorLabels(mp, string(JVB))
	if b.Index > 0 || SeveralBridges(mp) {
		l[BridgeLabel] = strconv.Itoa(b.Index)
	}
	return l
}

// BridgeDeploymentSelector is the selector of a bridge's Deployment: the component's for the
// first bridge (as earlier versions created it), the bridge's own for the others. The first
// bridge's selector also matches the other bridges' pods; the Deployment and ReplicaSet
// controllers still only count the pods of their own ReplicaSets, which they find by owner
// reference, not by label (kubernetes pkg/controller/controller_ref_manager.go, ClaimObject:
// an object owned by another controller is ignored).
func BridgeDeploymentSelector(mp *v1alpha1.MeetingPlatform, b Bridge) map[string]string {
	if b.Index == 0 {
		return SelectorLabels(mp, string(JVB))
	}
	return BridgeSelectorLabels(mp, b)
}

// Relays between bridges (Octo) with several bridges, as the images read them
// (docker-jitsi-meet stable-11146-2): ENABLE_OCTO turns on jvb.conf's videobridge.relay
// (jvb/rootfs/defaults/jvb.conf L4, L104-110) and jicofo's octo.enabled (jicofo.conf L9,
// L258-265); JVB_OCTO_REGION and JVB_OCTO_RELAY_ID become the relay's region and id (jvb.conf
// L107-108); OCTO_BRIDGE_SELECTION_STRATEGY becomes jicofo's bridge.selection-strategy while
// visitors are off, as they always are here (jicofo.conf L80-89).
const (
	OctoVariable           = "ENABLE_OCTO"
	OctoRegionVariable     = "JVB_OCTO_REGION"
	OctoRelayIDVariable    = "JVB_OCTO_RELAY_ID"
	BridgeStrategyVariable = "OCTO_BRIDGE_SELECTION_STRATEGY"
	// OctoRegion is the one relay region of all bridges of a platform: they run in one
	// cluster, so no bridge is nearer to a participant than another.
	OctoRegion = "cluster"
	// BridgeStrategy is IntraRegionBridgeSelectionStrategy (jicofo
	// jicofo-selector/.../IntraRegionBridgeSelectionStrategy.kt): bridges of one region, a new
	// conference on the least loaded bridge, a conference kept on its bridge until that is
	// overloaded and only then spread to another one. The default SingleBridgeSelectionStrategy
	// never splits a conference, SplitBridgeSelectionStrategy is meant for testing, and
	// RegionBasedBridgeSelectionStrategy chooses by the participants' regions, which a
	// one-cluster platform does not have.
	BridgeStrategy = "IntraRegionBridgeSelectionStrategy"
)

// MediaInputs are what the cluster says about the bridges' public addresses, read by the
// reconciler and passed into the renderer (which stays pure).
type MediaInputs struct {
	// LoadBalancerIPs are the IP addresses of each bridge's LoadBalancer Service
	// (status.loadBalancer.ingress[].ip), by Service name.
	LoadBalancerIPs map[string][]string
	// NodeExternalIPs are the ExternalIP addresses of the nodes the platform's pods may run on
	// (NodeAllowed), sorted, at most MaxAdvertised.
	NodeExternalIPs []string
}

// MaxAdvertised is the most addresses a bridge advertises, as for spec.media.advertiseAddresses.
const MaxAdvertised = 8

// BridgeAddress is what one bridge advertises to clients and where it comes from; no
// Addresses when nothing is known.
type BridgeAddress struct {
	Addresses []string
	Source    v1alpha1.MediaAddressSource
}

// AddressOf resolves a bridge's advertised addresses: spec.media.advertiseAddresses when set
// (the user's list always wins), else for a LoadBalancer the addresses its load balancer got,
// else for a NodePort the ExternalIPs of the eligible nodes. With the Cluster traffic policy
// every node forwards its node port to the bridge wherever it runs, so any eligible node's
// address reaches it; the address of the node the bridge happens to run on would change with
// every reschedule and restart the bridge to announce it. mp must be defaulted.
func AddressOf(mp *v1alpha1.MeetingPlatform, b Bridge, in MediaInputs) BridgeAddress {
	m := mp.Spec.Media
	switch {
	case len(m.AdvertiseAddresses) > 0:
		return BridgeAddress{Addresses: m.AdvertiseAddresses, Source: v1alpha1.MediaAddressFromSpec}
	case m.Type == v1alpha1.MediaServiceLoadBalancer && len(in.LoadBalancerIPs[b.Name]) > 0:
		return BridgeAddress{Addresses: in.LoadBalancerIPs[b.Name], Source: v1alpha1.MediaAddressFromLoadBalancer}
	case m.Type == v1alpha1.MediaServiceNodePort && len(in.NodeExternalIPs) > 0:
		return BridgeAddress{Addresses: in.NodeExternalIPs, Source: v1alpha1.MediaAddressFromNodeExternalIP}
	}
	return BridgeAddress{}
}

// LoadBalancerIPs are the IP addresses a load-balancer controller wrote into a Service's
// status, in its order, at most MaxAdvertised. An ingress point with only a host name (as some
// cloud load balancers report) is left out: the bridge maps its address to an IP literal.
func LoadBalancerIPs(svc *corev1.Service) []string {
	var out []string
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if _, err := netip.ParseAddr(in.IP); err == nil && !slices.Contains(out, in.IP) && len(out) < MaxAdvertised {
			out = append(out, in.IP)
		}
	}
	return out
}

// ExternalIPs are a node's ExternalIP addresses, in its order.
func ExternalIPs(node *corev1.Node) []string {
	var out []string
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeExternalIP {
			if _, err := netip.ParseAddr(a.Address); err == nil {
				out = append(out, a.Address)
			}
		}
	}
	return out
}

// EligibleExternalIPs are the ExternalIPs of the nodes the platform's pods may run on
// (NodeAllowed), sorted and without duplicates, at most MaxAdvertised. mp must be defaulted.
func EligibleExternalIPs(mp *v1alpha1.MeetingPlatform, nodes []corev1.Node) []string {
	var out []string
	for i := range nodes {
		if ok, _ := NodeAllowed(mp, &nodes[i]); ok {
			out = append(out, ExternalIPs(&nodes[i])...)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return out[:min(len(out), MaxAdvertised)]
}

// BridgeEnv are the variables that differ from bridge to bridge: the port it binds, the
// addresses it advertises when they are discovered (those of the spec are an enforced setting,
// DynamicEnv), and with several bridges its relay id.
//
// The advertised addresses are plain IPs, never IP#PORT: every bridge binds the public port
// itself (JVB_PORT), so jvb.conf's mapping of a plain IP keeps the port (stable-11146-2
// jvb/rootfs/defaults/jvb.conf L145-150); IP#PORT (L136-144) is for a public port that differs.
func BridgeEnv(mp *v1alpha1.MeetingPlatform, b Bridge, addr BridgeAddress) map[string]string {
	env := map[string]string{"JVB_PORT": strconv.Itoa(int(b.Port))}
	if addr.Source != v1alpha1.MediaAddressFromSpec && len(addr.Addresses) > 0 {
		env[AdvertiseVariable] = strings.Join(addr.Addresses, ",")
	}
	if SeveralBridges(mp) {
		// The relay id names the bridge to the other bridges; the Deployment name is unique
		// in the platform and survives restarts.
		env[OctoRelayIDVariable] = b.Name
	}
	return env
}
