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

package render

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// ingressAnnotations are for ingress-nginx (plain HTTP is redirected to HTTPS, TLS-1, and the
// XMPP websocket may stay idle between pings) and Traefik (the router takes TLS requests only);
// each controller ignores the other's. Nothing here injects configuration snippets.
var ingressAnnotations = map[string]string{
	settings.AnnotationSSLRedirect:                   "true",
	settings.AnnotationForceSSLRedirect:              "true",
	settings.AnnotationTraefikRouterTLS:              "true",
	"nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
	"nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
}

func intOrName(name string) intstr.IntOrString { return intstr.FromString(name) }

func service(mp *v1alpha1.MeetingPlatform, c settings.Component, spec corev1.ServiceSpec) *corev1.Service {
	spec.Selector = settings.SelectorLabels(mp, string(c))
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta(mp, settings.Name(mp, string(c)), string(c)),
		Spec:       spec,
	}
}

// services: web and prosody inside the cluster, the videobridge's media port outside. Jicofo
// accepts no connections and has no Service.
func services(mp *v1alpha1.MeetingPlatform) []client.Object {
	out := []client.Object{
		service(mp, settings.Web, corev1.ServiceSpec{
			Type:  corev1.ServiceTypeClusterIP,
			Ports: []corev1.ServicePort{{Name: settings.PortHTTP, Protocol: corev1.ProtocolTCP, Port: settings.WebServicePort, TargetPort: intOrName(settings.PortHTTP)}},
		}),
		service(mp, settings.Prosody, corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP,
			Ports: []corev1.ServicePort{
				{Name: settings.PortC2S, Protocol: corev1.ProtocolTCP, Port: settings.ProsodyC2SPort, TargetPort: intOrName(settings.PortC2S)},
				{Name: settings.PortHTTP, Protocol: corev1.ProtocolTCP, Port: settings.ProsodyHTTPPort, TargetPort: intOrName(settings.PortHTTP)},
			},
		}),
	}
	for _, b := range settings.Bridges(mp) {
		out = append(out, bridgeService(mp, b))
	}
	return out
}

// bridgeService exposes one videobridge's UDP port: a node port or a load balancer port equal
// to the port the bridge binds (settings.Bridges).
func bridgeService(mp *v1alpha1.MeetingPlatform, b settings.Bridge) *corev1.Service {
	m := mp.Spec.Media
	media := corev1.ServicePort{Name: settings.PortMedia, Protocol: corev1.ProtocolUDP, Port: b.Port, TargetPort: intOrName(settings.PortMedia)}
	if m.Type == v1alpha1.MediaServiceNodePort {
		media.NodePort = b.Port
	}
	svc := service(mp, settings.JVB, corev1.ServiceSpec{
		Type:  corev1.ServiceType(m.Type),
		Ports: []corev1.ServicePort{media},
		// Cluster, not Local: any node's address (or the load balancer's) reaches the bridge
		// wherever it is scheduled, so an eviction to another node (EU-2) does not break
		// media, every eligible node's address can be advertised (settings.AddressOf), and the
		// bridge sees node addresses instead of client addresses. Replies return through the
		// same node by connection tracking.
		ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster,
	})
	svc.Name = b.Name
	svc.Spec.Selector = settings.BridgeSelectorLabels(mp, b)
	return svc
}

// ingress publishes the web Service on spec.domain over HTTPS only (TLS-1).
func ingress(mp *v1alpha1.MeetingPlatform) *networkingv1.Ingress {
	om := meta(mp, settings.IngressName(mp), string(settings.Web))
	om.Annotations = maps.Clone(ingressAnnotations)
	paths := []networkingv1.HTTPIngressPath{{
		Path:     "/",
		PathType: ptr.To(networkingv1.PathTypePrefix),
		Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: settings.Name(mp, string(settings.Web)),
			Port: networkingv1.ServiceBackendPort{Name: settings.PortHTTP},
		}},
	}}
	if settings.UsesTokenBridge(mp) {
		// The longest matching prefix wins (networking/v1 HTTPIngressPath), so /oidc/ goes to
		// the bridge and everything else to web.
		paths = append(paths, tokenBridgePath(mp))
	}
	spec := networkingv1.IngressSpec{
		TLS: []networkingv1.IngressTLS{{Hosts: []string{mp.Spec.Domain}, SecretName: settings.TLSSecretName(mp)}},
		Rules: []networkingv1.IngressRule{{
			Host:             mp.Spec.Domain,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}},
		}},
	}
	if mp.Spec.Ingress.ClassName != "" {
		spec.IngressClassName = ptr.To(mp.Spec.Ingress.ClassName)
	}
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: om,
		Spec:       spec,
	}
}

// certificate asks cert-manager for spec.domain's certificate in settings.TLSSecretName, with an ECDSA
// P-256 key (TLS-2) rotated at every renewal. The Secret carries the platform's labels, so the
// operator's label-filtered cache sees it. Unstructured: no cert-manager Go dependency.
func certificate(mp *v1alpha1.MeetingPlatform) *unstructured.Unstructured {
	return certificateFor(mp, settings.TLSSecretName(mp), mp.Spec.Domain, settings.Web)
}

// certificateFor asks spec.tls.issuerRef for a certificate of host in the Secret name, labelled
// as the component's.
func certificateFor(mp *v1alpha1.MeetingPlatform, name, host string, c settings.Component) *unstructured.Unstructured {
	r := mp.Spec.TLS.IssuerRef
	labels := func() map[string]any {
		out := map[string]any{}
		for k, v := range settings.Labels(mp, string(c)) {
			out[k] = v
		}
		return out
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cert-manager.io/v1",
		"kind":       "Certificate",
		"metadata": map[string]any{
			"name":      name,
			"namespace": mp.Namespace,
			"labels":    labels(),
		},
		"spec": map[string]any{
			"secretName":     name,
			"secretTemplate": map[string]any{"labels": labels()},
			"dnsNames":       []any{host},
			"issuerRef":      map[string]any{"name": r.Name, "kind": r.Kind, "group": r.Group},
			"privateKey":     map[string]any{"algorithm": "ECDSA", "size": int64(256), "rotationPolicy": "Always"},
		},
	}}
}

// Network policy building blocks.

func pods(mp *v1alpha1.MeetingPlatform, cs ...settings.Component) []networkingv1.NetworkPolicyPeer {
	var peers []networkingv1.NetworkPolicyPeer
	for _, c := range cs {
		peers = append(peers, networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: settings.SelectorLabels(mp, string(c))}})
	}
	return peers
}

func namespace(name string) []networkingv1.NetworkPolicyPeer {
	return namespacePods(name, nil)
}

// namespaces admits the pods of each namespace.
func namespaces(names []string) []networkingv1.NetworkPolicyPeer {
	var peers []networkingv1.NetworkPolicyPeer
	for _, n := range names {
		peers = append(peers, namespace(n)...)
	}
	return peers
}

// namespacePods admits the pods of one namespace that carry podLabels (nil: all of them).
func namespacePods(name string, podLabels map[string]string) []networkingv1.NetworkPolicyPeer {
	p := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: name}}}
	if len(podLabels) > 0 {
		p.PodSelector = &metav1.LabelSelector{MatchLabels: podLabels}
	}
	return []networkingv1.NetworkPolicyPeer{p}
}

// anywhere is every IPv4 and IPv6 address: for clients' media and for servers named by host
// name in the spec, whose addresses a NetworkPolicy cannot resolve.
var anywhere = []networkingv1.NetworkPolicyPeer{
	{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}},
	{IPBlock: &networkingv1.IPBlock{CIDR: "::/0"}},
}

func port(protocol corev1.Protocol, n int32) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: ptr.To(protocol), Port: ptr.To(intstr.FromInt32(n))}
}

func tcp(n int32) networkingv1.NetworkPolicyPort { return port(corev1.ProtocolTCP, n) }

// netpol selects a component's pods (all pods for an empty component) and allows what the
// rules say; policy types follow the rules given.
func netpol(mp *v1alpha1.MeetingPlatform, suffix string, c settings.Component, in []networkingv1.NetworkPolicyIngressRule, out []networkingv1.NetworkPolicyEgressRule) *networkingv1.NetworkPolicy {
	spec := networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: settings.SelectorLabels(mp, string(c))},
		Ingress:     in,
		Egress:      out,
	}
	if in != nil {
		spec.PolicyTypes = append(spec.PolicyTypes, networkingv1.PolicyTypeIngress)
	}
	if out != nil {
		spec.PolicyTypes = append(spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: meta(mp, settings.Name(mp, suffix), string(c)),
		Spec:       spec,
	}
}

// networkPolicies deny everything to and from the platform's pods, then allow exactly the
// flows Jitsi needs (TLS-3, TEL-4, ACC-4). NetworkPolicies are additive, so the default-deny
// policy also covers a pod that another policy forgets.
func networkPolicies(mp *v1alpha1.MeetingPlatform) []client.Object {
	toProsodyC2S := []networkingv1.NetworkPolicyEgressRule{{To: pods(mp, settings.Prosody), Ports: []networkingv1.NetworkPolicyPort{tcp(settings.ProsodyC2SPort)}}}

	deny := netpol(mp, "default-deny", "", []networkingv1.NetworkPolicyIngressRule{}, []networkingv1.NetworkPolicyEgressRule{})
	dns := netpol(mp, "dns", "", nil, []networkingv1.NetworkPolicyEgressRule{{
		To:    namespaces(settings.DNSNamespaces(mp)),
		Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolUDP, settings.DNSPort), tcp(settings.DNSPort)},
	}})
	// TLS-3: only the TLS terminator (the ingress controller or the Gateway's proxies) reaches
	// the plain HTTP port.
	terminator, terminatorPods := settings.TerminatorSource(mp)
	web := netpol(mp, string(settings.Web), settings.Web,
		[]networkingv1.NetworkPolicyIngressRule{{From: namespacePods(terminator, terminatorPods), Ports: []networkingv1.NetworkPolicyPort{tcp(settings.WebHTTPPort)}}},
		[]networkingv1.NetworkPolicyEgressRule{{To: pods(mp, settings.Prosody), Ports: []networkingv1.NetworkPolicyPort{tcp(settings.ProsodyHTTPPort)}}},
	)
	// ACC-4: BOSH and websocket only from web, XMPP only from jicofo and the videobridge.
	var prosodyOut []networkingv1.NetworkPolicyEgressRule
	if ldap := mp.Spec.Access.LDAP; mp.Spec.Access.Authentication == v1alpha1.AuthenticationLDAP && ldap != nil {
		prosodyOut = []networkingv1.NetworkPolicyEgressRule{{To: anywhere, Ports: []networkingv1.NetworkPolicyPort{tcp(settings.LDAPPort(ldap.URL))}}}
	}
	prosody := netpol(mp, string(settings.Prosody), settings.Prosody,
		[]networkingv1.NetworkPolicyIngressRule{
			{From: pods(mp, settings.Web), Ports: []networkingv1.NetworkPolicyPort{tcp(settings.ProsodyHTTPPort)}},
			{From: pods(mp, settings.Jicofo, settings.JVB), Ports: []networkingv1.NetworkPolicyPort{tcp(settings.ProsodyC2SPort)}},
		},
		prosodyOut,
	)
	jicofo := netpol(mp, string(settings.Jicofo), settings.Jicofo, nil, toProsodyC2S)
	// Media from any client to the UDP port; replies leave by connection tracking. The bridge
	// opens no other connection, except to the platform's own STUN servers.
	jvbOut := append(slices.Clone(toProsodyC2S), jvbToTURN(mp)...)
	if stun := stunPorts(mp); len(stun) > 0 {
		jvbOut = append(jvbOut, networkingv1.NetworkPolicyEgressRule{To: anywhere, Ports: stun})
	}
	jvbIn := []networkingv1.NetworkPolicyIngressRule{{Ports: bridgePorts(mp)}}
	if settings.SeveralBridges(mp) {
		relay := relayRules(mp)
		jvbIn = append(jvbIn, networkingv1.NetworkPolicyIngressRule{From: relay.To, Ports: relay.Ports})
		jvbOut = append(jvbOut, relay)
	}
	jvb := netpol(mp, string(settings.JVB), settings.JVB, jvbIn, jvbOut)
	return []client.Object{deny, dns, web, prosody, jicofo, jvb}
}

// bridgePorts are the bridges' media ports, which every client may send to; one entry per
// bridge, not a port range (endPort), which some CNIs ignore.
func bridgePorts(mp *v1alpha1.MeetingPlatform) []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	for _, b := range settings.Bridges(mp) {
		out = append(out, port(corev1.ProtocolUDP, b.Port))
	}
	return out
}

// relayRules admit the relays between the platform's bridges (Octo), and only between them:
// UDP from and to the platform's bridge pods. A relay is ICE and DTLS between the bridges'
// pod addresses (jitsi-videobridge's Relay always offers private host candidates, whatever
// advertise-private-candidates says: Relay.kt, "advertisePrivateAddresses = true"), on the
// bridge's media port or, when jicofo asks for a unique port, an ephemeral one, so no port is
// named. TCP is not needed: the bridge channel is SCTP inside that same DTLS (colibri
// websockets are gone in stable-11146).
func relayRules(mp *v1alpha1.MeetingPlatform) networkingv1.NetworkPolicyEgressRule {
	return networkingv1.NetworkPolicyEgressRule{
		To:    pods(mp, settings.JVB),
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolUDP)}},
	}
}

// stunPorts are the ports of spec.stun.servers, UDP and TCP each (STUN runs over both), sorted.
// The servers are named by host name, so the destination is any address.
func stunPorts(mp *v1alpha1.MeetingPlatform) []networkingv1.NetworkPolicyPort {
	var numbers []int32
	for _, s := range settings.STUNServers(mp) {
		numbers = append(numbers, s.Port)
	}
	slices.Sort(numbers)
	var out []networkingv1.NetworkPolicyPort
	for _, n := range slices.Compact(numbers) {
		out = append(out, port(corev1.ProtocolUDP, n), tcp(n))
	}
	return out
}
