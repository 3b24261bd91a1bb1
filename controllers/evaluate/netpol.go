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

package evaluate

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// This file reads NetworkPolicies the way the cluster applies them: a pod is isolated in a
// direction once any policy of that direction selects it, and then it accepts the union of
// what the selecting policies allow. A control therefore needs (a) at least one policy that
// isolates the pods and (b) no rule in any selecting policy that admits more than it should.

// namespaceNameLabel is the label the API server sets on every namespace to its name.
const namespaceNameLabel = "kubernetes.io/metadata.name"

// appliesTo reports whether a policy governs the direction t.
func appliesTo(p *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	if len(p.Spec.PolicyTypes) == 0 {
		// Unset policyTypes: Ingress always, Egress when egress rules are given.
		return t == networkingv1.PolicyTypeIngress || len(p.Spec.Egress) > 0
	}
	return slices.Contains(p.Spec.PolicyTypes, t)
}

// selects reports whether a label selector matches a label set; an invalid selector matches
// nothing, as the API server would have refused it.
func selects(sel *metav1.LabelSelector, l map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(l))
}

// policiesFor returns the policies of direction t that select pods with these labels, sorted
// by name.
func (s *Snapshot) policiesFor(podLabels map[string]string, t networkingv1.PolicyType) []*networkingv1.NetworkPolicy {
	var out []*networkingv1.NetworkPolicy
	for i := range s.NetworkPolicies {
		p := &s.NetworkPolicies[i]
		if p.Namespace == s.Platform.Namespace && appliesTo(p, t) && selects(&p.Spec.PodSelector, podLabels) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// pinned returns the values a selector restricts key to, and whether it restricts it at all
// (matchLabels, or matchExpressions with In; several restrictions intersect).
func pinned(sel *metav1.LabelSelector, key string) ([]string, bool) {
	if sel == nil {
		return nil, false
	}
	var values []string
	ok := false
	restrict := func(vs []string) {
		if ok {
			values = intersect(values, vs)
		} else {
			values, ok = slices.Clone(vs), true
		}
	}
	if v, found := sel.MatchLabels[key]; found {
		restrict([]string{v})
	}
	for _, e := range sel.MatchExpressions {
		if e.Key == key && e.Operator == metav1.LabelSelectorOpIn {
			restrict(e.Values)
		}
	}
	return values, ok
}

// pinnedTo reports whether a selector restricts key to exactly the one value.
func pinnedTo(sel *metav1.LabelSelector, key, value string) bool {
	values, ok := pinned(sel, key)
	return ok && len(values) == 1 && values[0] == value
}

// peer is what one peer of a rule admits: the pods of one other namespace, pods of this
// platform (some components or all), or something beyond both (outside).
type peer struct {
	// namespace is the namespace the peer is pinned to; "" for the policy's own namespace.
	namespace string
	// pods is the pod selector within that other namespace; nil: every pod there.
	pods *metav1.LabelSelector
	// components are the platform components a same-namespace podSelector pins; nil when the
	// selector admits every pod of the platform (instance pinned, component not).
	components []string
	// platform is true when the peer is restricted to pods of this platform.
	platform bool
	// outside describes a peer that reaches beyond the platform and beyond a single named
	// namespace ("pods in any namespace", "ipBlock 0.0.0.0/0"); empty otherwise.
	outside string
}

// classify describes one NetworkPolicyPeer of a rule in the platform's namespace.
func (s *Snapshot) classify(p networkingv1.NetworkPolicyPeer) peer {
	switch {
	case p.IPBlock != nil:
		return peer{outside: "ipBlock " + p.IPBlock.CIDR}
	case p.NamespaceSelector != nil:
		ns, ok := pinned(p.NamespaceSelector, namespaceNameLabel)
		if !ok || len(ns) != 1 {
			return peer{outside: "pods in any namespace"}
		}
		if ns[0] != s.Platform.Namespace {
			return peer{namespace: ns[0], pods: p.PodSelector}
		}
		// The platform's own namespace named explicitly: judged like a plain podSelector.
		return s.classifyPods(p.PodSelector)
	}
	return s.classifyPods(p.PodSelector)
}

// classifyPods judges a podSelector in the platform's namespace.
func (s *Snapshot) classifyPods(sel *metav1.LabelSelector) peer {
	if sel == nil || !pinnedTo(sel, settings.LabelInstance, s.Platform.Name) {
		return peer{outside: "pods of the namespace outside the platform"}
	}
	components, ok := pinned(sel, settings.LabelComponent)
	if !ok {
		return peer{platform: true}
	}
	return peer{platform: true, components: components}
}

// describePeers names a rule's sources or destinations for a message.
func (s *Snapshot) describePeers(peers []networkingv1.NetworkPolicyPeer) string {
	if len(peers) == 0 {
		return "every address"
	}
	var parts []string
	for _, p := range peers {
		c := s.classify(p)
		switch {
		case c.outside != "":
			parts = append(parts, c.outside)
		case c.namespace != "":
			parts = append(parts, "namespace "+c.namespace)
		case c.components == nil:
			parts = append(parts, "every pod of the platform")
		default:
			parts = append(parts, "component "+strings.Join(c.components, "/"))
		}
	}
	return strings.Join(parts, ", ")
}

// port is one port of a container.
type port struct {
	name     string
	number   int32
	protocol corev1.Protocol
}

func (p port) String() string {
	if p.name != "" {
		return fmt.Sprintf("%d/%s (%s)", p.number, p.protocol, p.name)
	}
	return fmt.Sprintf("%d/%s", p.number, p.protocol)
}

// containerPorts returns the declared ports of a container.
func containerPorts(c *corev1.Container) []port {
	var out []port
	if c == nil {
		return out
	}
	for _, cp := range c.Ports {
		proto := cp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		out = append(out, port{name: cp.Name, number: cp.ContainerPort, protocol: proto})
	}
	return out
}

// covers reports whether a rule's port list admits traffic to p. An empty list admits every
// port.
func covers(ports []networkingv1.NetworkPolicyPort, p port) bool {
	if len(ports) == 0 {
		return true
	}
	for _, np := range ports {
		proto := corev1.ProtocolTCP
		if np.Protocol != nil {
			proto = *np.Protocol
		}
		if proto != p.protocol {
			continue
		}
		switch {
		case np.Port == nil:
			return true
		case np.Port.StrVal != "":
			if np.Port.StrVal == p.name {
				return true
			}
		default:
			lo, hi := np.Port.IntVal, np.Port.IntVal
			if np.EndPort != nil {
				hi = *np.EndPort
			}
			if p.number >= lo && p.number <= hi {
				return true
			}
		}
	}
	return false
}

// ingressRule is one ingress rule of a policy that admits traffic to a port.
type ingressRule struct {
	policy *networkingv1.NetworkPolicy
	index  int
	rule   *networkingv1.NetworkPolicyIngressRule
}

// admitting returns, for pods with these labels, every ingress rule of a selecting policy that
// admits traffic to p; isolated is false when no ingress policy selects the pods at all (then
// every source is admitted).
func (s *Snapshot) admitting(podLabels map[string]string, p port) (rules []ingressRule, isolated bool) {
	policies := s.policiesFor(podLabels, networkingv1.PolicyTypeIngress)
	for _, pol := range policies {
		for i := range pol.Spec.Ingress {
			r := &pol.Spec.Ingress[i]
			if covers(r.Ports, p) {
				rules = append(rules, ingressRule{policy: pol, index: i, rule: r})
			}
		}
	}
	return rules, len(policies) > 0
}

// ingressFindings checks that port p of the pods with these labels admits only the sources
// allowed says yes to. With required, some rule must also admit an allowed source: the flow
// the platform needs is declared, not left to whatever else selects the pods. what names the
// pods for messages ("the web pods").
func (s *Snapshot) ingressFindings(podLabels map[string]string, p port, what string, allowed func(peer) bool, want string, required bool) findings {
	var f findings
	rules, isolated := s.admitting(podLabels, p)
	if !isolated {
		f.add("no NetworkPolicy selects %s for ingress, so port %s accepts every source (want %s)", what, p, want)
		return f
	}
	declared := false
	for _, r := range rules {
		ok := len(r.rule.From) > 0
		for _, pr := range r.rule.From {
			ok = ok && allowed(s.classify(pr))
		}
		if !ok {
			f.add("NetworkPolicy %s admits port %s of %s from %s (want %s)", r.policy.Name, p, what, s.describePeers(r.rule.From), want)
		}
		declared = declared || ok
	}
	if required && !declared {
		f.add("no NetworkPolicy admits port %s of %s from %s", p, what, strings.TrimPrefix(want, "only "))
	}
	return f
}

// exposures lists the Services that select pods with these labels and reach beyond the
// cluster (NodePort, LoadBalancer, externalIPs) on port p.
func (s *Snapshot) exposures(podLabels map[string]string, p port) []string {
	var out []string
	for i := range s.Services {
		svc := &s.Services[i]
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(podLabels)) {
			continue
		}
		external := svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer || len(svc.Spec.ExternalIPs) > 0
		if !external {
			continue
		}
		for _, sp := range svc.Spec.Ports {
			proto := sp.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			target := sp.TargetPort
			hit := proto == p.protocol && ((target.StrVal != "" && target.StrVal == p.name) ||
				(target.StrVal == "" && target.IntVal == p.number) || (target.StrVal == "" && target.IntVal == 0 && sp.Port == p.number))
			if hit {
				out = append(out, fmt.Sprintf("Service %s (%s) exposes port %s", svc.Name, serviceExposure(svc), p))
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

func serviceExposure(svc *corev1.Service) string {
	if len(svc.Spec.ExternalIPs) > 0 && svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return "externalIPs"
	}
	return string(svc.Spec.Type)
}
