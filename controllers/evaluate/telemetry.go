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
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// TEL-2: no third-party requests from the browser; the CSP limits it to the own origin.
func checkThirdParties(s *Snapshot) (resultValue, string) {
	mp := s.Platform
	var f findings
	if d := s.deployment(settings.Web); d != nil {
		v := s.effectiveEnv(mainContainer(d, settings.Web))[settings.CSPVariable]
		value, readable := v.literal()
		switch {
		case !v.set:
			f.add("Deployment %s does not set %s (want a Content-Security-Policy limited to https://%s)", d.Name, settings.CSPVariable, mp.Spec.Domain)
		case !readable:
			f.add("Deployment %s sets %s %s, which cannot be checked", d.Name, settings.CSPVariable, v.describe())
		default:
			if problems := settings.CSPProblems(value, mp.Spec.Domain); len(problems) > 0 {
				f.add("Deployment %s sets a %s whose %s (want only the platform's own origin)", d.Name, settings.CSPVariable, strings.Join(problems, ", "))
			}
		}
	}
	f.addAll(s.settingFindings(settings.TEL2, settings.CSPVariable))
	return f.result("the web client makes no third-party requests and its Content-Security-Policy allows only https://" + mp.Spec.Domain)
}

// TEL-3: no STUN server outside spec.stun.servers, no peer-to-peer without own STUN.
func checkSTUN(s *Snapshot) (resultValue, string) {
	mp := s.Platform
	var f findings
	own := []string{}
	for _, srv := range settings.STUNServers(mp) {
		own = append(own, srv.HostPort())
	}
	for _, d := range s.bridgeDeployments() {
		v := s.effectiveEnv(mainContainer(d, settings.JVB))[settings.STUNVariable]
		value, readable := v.literal()
		switch {
		case v.set && !readable:
			f.add("Deployment %s sets %s %s, which cannot be checked", d.Name, settings.STUNVariable, v.describe())
		case readable:
			for _, srv := range splitList(value) {
				if !slices.Contains(own, srv) {
					f.add("Deployment %s uses STUN server %q, which spec.stun.servers does not name", d.Name, srv)
				}
			}
		}
	}
	f.addAll(s.settingFindings(settings.TEL3, settings.STUNVariable, settings.TURNHostVariable, settings.TURNSHostVariable))
	f.addAll(s.turnHostFindings())
	turn := "; TURN: none announced"
	if hosts := settings.TURNHosts(mp); len(hosts) > 0 {
		turn = "; TURN: only " + strings.Join(hosts, ", ") + " of spec.turn is announced"
	}
	if len(own) == 0 {
		return f.result("STUN is off and peer-to-peer is off: the platform has no STUN server of its own" + turn)
	}
	return f.result("only the STUN servers of spec.stun.servers are used" + turn)
}

// TEL-4: a default-deny egress policy selects every platform pod, and what the policies allow
// is DNS, the platform's own pods and the endpoints the spec names.
func checkEgress(s *Snapshot) (resultValue, string) {
	f := s.settingFindings(settings.TEL4)
	// Pod templates first, then the running pods, whose labels may have been changed since.
	type subject struct {
		name, what string
		deployment bool
		labels     map[string]string
	}
	var subjects []subject
	for _, d := range s.deploymentsSorted() {
		subjects = append(subjects, subject{d.Name, "the pods of Deployment " + d.Name, true, d.Spec.Template.Labels})
	}
	for _, p := range s.runningPods() {
		subjects = append(subjects, subject{p.Name, "pod " + p.Name, false, p.Labels})
	}
	judged := map[string]bool{}
	var unisolated []string // name prefixes of Deployments whose pods were already reported
	for _, sub := range subjects {
		policies := s.policiesFor(sub.labels, networkingv1.PolicyTypeEgress)
		if !slices.ContainsFunc(policies, func(p *networkingv1.NetworkPolicy) bool { return len(p.Spec.Egress) == 0 }) &&
			!slices.ContainsFunc(unisolated, func(prefix string) bool { return strings.HasPrefix(sub.name, prefix) }) {
			f.add("no default-deny egress NetworkPolicy selects %s", sub.what)
			if sub.deployment {
				unisolated = append(unisolated, sub.name+"-")
			}
		}
		for _, pol := range policies {
			for i, rule := range pol.Spec.Egress {
				id := fmt.Sprintf("%s/%d", pol.Name, i)
				if judged[id] {
					continue
				}
				judged[id] = true
				if !s.egressAllowed(pol, rule) {
					f.add("NetworkPolicy %s lets its pods send %s to %s (want DNS, the platform's pods or the endpoints of the spec)",
						pol.Name, describePorts(rule.Ports), s.describePeers(rule.To))
				}
			}
		}
	}
	return f.result("a default-deny egress NetworkPolicy selects every platform pod; egress is limited to DNS, the platform's pods and the spec's endpoints")
}

// egressAllowed reports whether one egress rule lets the selected pods reach only DNS, the
// platform's own pods, or endpoints the spec names.
func (s *Snapshot) egressAllowed(pol *networkingv1.NetworkPolicy, rule networkingv1.NetworkPolicyEgressRule) bool {
	peers := make([]peer, len(rule.To))
	for i, p := range rule.To {
		peers[i] = s.classify(p)
	}
	all := func(ok func(peer) bool) bool {
		return len(peers) > 0 && !slices.ContainsFunc(peers, func(p peer) bool { return !ok(p) })
	}
	if all(func(p peer) bool { return p.outside == "" && p.namespace == "" && p.platform }) {
		return true
	}
	dns := settings.DNSNamespaces(s.Platform)
	if onlyPorts(rule.Ports, func(proto corev1.Protocol, n int32) bool { return n == settings.DNSPort }) &&
		all(func(p peer) bool { return p.outside == "" && (p.namespace == "" || slices.Contains(dns, p.namespace)) }) {
		return true // DNS to the cluster's resolver, in the namespaces of spec.network.dnsNamespaces
	}
	allowed := s.endpointPorts(pol)
	return onlyPorts(rule.Ports, func(proto corev1.Protocol, n int32) bool {
		return slices.Contains(allowed, port{number: n, protocol: proto})
	})
}

// onlyPorts reports whether a rule names ports, each a single port that ok accepts.
func onlyPorts(ports []networkingv1.NetworkPolicyPort, ok func(corev1.Protocol, int32) bool) bool {
	if len(ports) == 0 {
		return false
	}
	for _, np := range ports {
		proto := corev1.ProtocolTCP
		if np.Protocol != nil {
			proto = *np.Protocol
		}
		if np.Port == nil || np.Port.StrVal != "" || (np.EndPort != nil && *np.EndPort != np.Port.IntVal) || !ok(proto, np.Port.IntVal) {
			return false
		}
	}
	return true
}

// endpointPorts are the ports of the spec's external endpoints that every pod the policy
// selects may reach: the LDAP directory for prosody, the own STUN servers for the bridge, the
// OpenID provider for the token bridge.
// A policy that also selects a workload the operator did not create gets none.
func (s *Snapshot) endpointPorts(pol *networkingv1.NetworkPolicy) []port {
	mp := s.Platform
	perComponent := map[settings.Component][]port{}
	if l := mp.Spec.Access.LDAP; mp.Spec.Access.Authentication == v1alpha1.AuthenticationLDAP && l != nil {
		perComponent[settings.Prosody] = []port{{number: settings.LDAPPort(l.URL), protocol: corev1.ProtocolTCP}}
	}
	if settings.UsesTokenBridge(mp) {
		perComponent[settings.TokenBridge] = []port{{number: settings.IssuerPort(mp.Spec.Access.OIDC.IssuerURL), protocol: corev1.ProtocolTCP}}
	}
	for _, srv := range settings.STUNServers(mp) {
		perComponent[settings.JVB] = append(perComponent[settings.JVB],
			port{number: srv.Port, protocol: corev1.ProtocolUDP}, port{number: srv.Port, protocol: corev1.ProtocolTCP})
	}
	if settings.OwnTURN(mp) != nil {
		// The relay reaches the bridges at their announced addresses (settings.TURNPeers), each
		// on its own media port.
		for _, b := range settings.Bridges(mp) {
			perComponent[settings.TURN] = append(perComponent[settings.TURN], port{number: b.Port, protocol: corev1.ProtocolUDP})
		}
	}
	var out []port
	first := true
	for _, d := range s.deploymentsSorted() {
		if !selects(&pol.Spec.PodSelector, d.Spec.Template.Labels) {
			continue
		}
		c, ok := s.isOperatorComponent(d)
		var ports []port
		if ok {
			ports = perComponent[c]
		}
		if first {
			out, first = ports, false
		} else {
			out = slices.DeleteFunc(out, func(p port) bool { return !slices.Contains(ports, p) })
		}
	}
	return out
}

// describePorts names a rule's ports: "UDP 53, TCP 53" or "every port".
func describePorts(ports []networkingv1.NetworkPolicyPort) string {
	if len(ports) == 0 {
		return "every port"
	}
	parts := make([]string, 0, len(ports))
	for _, np := range ports {
		proto := corev1.ProtocolTCP
		if np.Protocol != nil {
			proto = *np.Protocol
		}
		switch {
		case np.Port == nil:
			parts = append(parts, "every "+string(proto)+" port")
		case np.EndPort != nil:
			parts = append(parts, fmt.Sprintf("%s %s-%d", proto, np.Port.String(), *np.EndPort))
		default:
			parts = append(parts, fmt.Sprintf("%s %s", proto, np.Port.String()))
		}
	}
	return strings.Join(parts, ", ")
}
