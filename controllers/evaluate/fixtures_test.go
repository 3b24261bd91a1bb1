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
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/podtemplate"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// now is the evaluation time of every test snapshot.
var now = time.Date(2026, time.September, 1, 12, 0, 0, 0, time.UTC)

// jwtPlatform is the representative spec (the shared sample): JWT authentication, no guests,
// media on a NodePort with a public advertised address, a user-supplied TLS Secret, the
// built-in EEA catalog. It carries the UID and generation of a stored object.
func jwtPlatform() *v1alpha1.MeetingPlatform {
	return stored(fixtures.Minimal())
}

// oidcPlatform: single sign-on with moderator and allowed groups through a public client.
func oidcPlatform() *v1alpha1.MeetingPlatform {
	return stored(fixtures.OIDCModeratorsPublicClient())
}

// oidcConfidentialPlatform: single sign-on with a confidential client on an issuer port of
// its own, no groups.
func oidcConfidentialPlatform() *v1alpha1.MeetingPlatform {
	return stored(fixtures.OIDCConfidentialClient())
}

// internalSTUNPlatform: internal accounts, guests, the organisation's own STUN servers (so
// peer-to-peer is on), jurisdiction EU and two web replicas.
func internalSTUNPlatform() *v1alpha1.MeetingPlatform {
	return stored(fixtures.InternalOwnSTUN())
}

// ldapPlatform: LDAP, media behind a load balancer, a cert-manager issuer, an explicit region
// list on its own region label, and sovereign providers.
func ldapPlatform() *v1alpha1.MeetingPlatform {
	return stored(fixtures.LDAPLoadBalancerCertManager())
}

// gatewayPlatform: the sample attached to the fixture Gateway's HTTPS listener, redirected on
// its HTTP listener.
func gatewayPlatform() *v1alpha1.MeetingPlatform {
	return stored(fixtures.OnGateway("video", "meet", "meet.example.eu", v1alpha1.DefaultMediaPort))
}

// traefikPlatform: the sample served by Traefik, in a cluster that serves Traefik's Middleware
// kind, so its redirect and headers are Middlewares.
func traefikPlatform() *v1alpha1.MeetingPlatform {
	return stored(fixtures.TraefikMinimal())
}

// onTraefik says whether a fixture platform is served by Traefik (fixtures.TraefikClass).
func onTraefik(mp *v1alpha1.MeetingPlatform) bool {
	return mp.Spec.Ingress.ClassName == fixtures.TraefikClassName
}

// oidcGatewayPlatform: single sign-on on a Gateway, whose route sends /oidc/ to the bridge.
func oidcGatewayPlatform() *v1alpha1.MeetingPlatform {
	mp := gatewayPlatform()
	mp.Spec.Access = fixtures.OIDCConfidentialClient().Spec.Access
	return mp
}

// gatewayCertificate is the Secret of the fixture Gateway's HTTPS listener.
const gatewayCertificate = "public-tls"

// stored gives a fixture the identity the API server gives a created object.
func stored(mp *v1alpha1.MeetingPlatform) *v1alpha1.MeetingPlatform {
	mp.UID, mp.Generation = types.UID("6f1c2a9e-0000-4000-8000-000000000001"), 1
	return mp
}

// Nodes of the test cluster: Hetzner in Germany.
func euNode(name, region string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			corev1.LabelTopologyRegion: region, corev1.LabelTopologyZone: region + "-dc14",
		}},
		Spec: corev1.NodeSpec{ProviderID: "hcloud://" + name},
	}
}

// jwtSigningSecretValue is the user's JWT signing secret in the test snapshots: 48 bytes.
const jwtSigningSecretValue = "q3J8vX2mL9pR4tW7yZ1cF6hK0nB5dG8sA2eU4iO7xM9wQ1rT"

// credentials are fixed, long and varied, like the reconciler's generated ones.
func credentials() map[string][]byte {
	out := map[string][]byte{}
	for _, k := range settings.CredentialKeys {
		sum := sha256.Sum256([]byte("test credential " + k))
		out[k] = []byte(base64.RawURLEncoding.EncodeToString(sum[:]))
	}
	return out
}

// tlsSecret returns a kubernetes.io/tls Secret with the certificate; it panics on error, which
// fails the test.
func tlsSecret(name string, spec fixtures.Certificate) *corev1.Secret {
	sec, err := spec.TLSSecret("", name)
	must(err)
	return sec
}

// validCert is the passing certificate: RSA 2048, issued a day ago, valid 90 days.
func validCert(host string) fixtures.Certificate {
	return fixtures.Certificate{Host: host, NotBefore: now.Add(-24 * time.Hour), ValidFor: 90 * 24 * time.Hour, RSABits: 2048}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// podSuffixes name the pods of a Deployment, as a ReplicaSet would.
var podSuffixes = []string{"x2k4p", "m8n3q", "b7c5d"}

// snapshotFor builds what the reconciler would read from a cluster where the operator has
// applied everything for mp: the rendered objects (round-tripped through JSON, as the API
// server returns them, with the controller reference the reconciler sets), running pods on EU
// nodes, the TLS Secret and the processing record generated from an evaluation.
func snapshotFor(t testing.TB, mp *v1alpha1.MeetingPlatform) *Snapshot {
	t.Helper()
	return snapshotWith(t, mp, settings.MediaInputs{})
}

// snapshotWith is snapshotFor on a cluster that says media about the bridges' addresses.
func snapshotWith(t testing.TB, mp *v1alpha1.MeetingPlatform, media settings.MediaInputs) *Snapshot {
	t.Helper()
	mp = settings.Defaulted(mp)
	opts := []render.Option{render.WithMedia(media)}
	if onTraefik(mp) {
		opts = append(opts, render.WithTraefikMiddlewares())
	}
	objs, err := render.Objects(mp, opts...)
	if err != nil {
		t.Fatalf("render.Objects: %v", err)
	}
	desired, _ := render.Objects(mp, opts...)
	objs = append(objs, render.CredentialsSecret(mp, credentials()))
	s := &Snapshot{Platform: mp.DeepCopy(), Desired: desired, Media: media, Now: now, Roots: fixtures.TestRoots(), Nodes: map[string]*corev1.Node{},
		MiddlewaresServed: onTraefik(mp)}
	for _, o := range objs {
		o.SetOwnerReferences([]metav1.OwnerReference{ownerRef(mp)})
		switch o := o.(type) {
		case *appsv1.Deployment:
			// As the API server stores it: with a UID and its defaults.
			d := roundTrip(t, o)
			d.UID = types.UID("uid-deployment-" + d.Name)
			d.Spec.Template = *podtemplate.Defaulted(&d.Spec.Template)
			s.Deployments = append(s.Deployments, *d)
		case *corev1.ConfigMap:
			s.ConfigMaps = append(s.ConfigMaps, *roundTrip(t, o))
		case *corev1.Secret:
			s.Secrets = append(s.Secrets, *roundTrip(t, o))
		case *corev1.Service:
			s.Services = append(s.Services, *roundTrip(t, o))
		case *networkingv1.Ingress:
			s.Ingresses = append(s.Ingresses, *roundTrip(t, o))
		case *networkingv1.NetworkPolicy:
			s.NetworkPolicies = append(s.NetworkPolicies, *roundTrip(t, o))
		case *gatewayv1.HTTPRoute:
			route := roundTrip(t, o)
			route.Generation = 1
			route.Status = fixtures.AcceptedRouteStatus(route)
			s.HTTPRoutes = append(s.HTTPRoutes, *route)
		case *unstructured.Unstructured:
			if o.GetKind() == settings.MiddlewareKind {
				s.Middlewares = append(s.Middlewares, *o.DeepCopy())
			}
		}
	}
	s.IngressClasses = []networkingv1.IngressClass{*fixtures.IngressNginxClass(), *fixtures.TraefikClass()}
	if settings.UsesGateway(mp) {
		onFixtureGateway(s)
	} else {
		s.TLSSecret = tlsSecret(settings.TLSSecretName(mp), validCert(mp.Spec.Domain))
		s.TLSSecret.Namespace = mp.Namespace
	}
	if jwt := mp.Spec.Access.JWT; jwt != nil {
		s.JWTSecret = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: jwt.SecretRef.Name},
			Data: map[string][]byte{jwt.SecretRef.Key: []byte(jwtSigningSecretValue)}}
	}

	// Web and the signalling components on one node, the bridge on another.
	// The nodes carry the platform's region label too, when it has its own.
	for name, region := range map[string]string{"eu-node-1": "fsn1", "eu-node-2": "nbg1"} {
		s.Nodes[name] = euNode(name, region)
		s.Nodes[name].Labels[mp.Spec.Placement.RegionLabel] = region
	}
	for i := range s.Deployments {
		d := &s.Deployments[i]
		node := "eu-node-1"
		if d.Spec.Template.Labels[settings.LabelComponent] == string(settings.JVB) {
			node = "eu-node-2"
		}
		rs := replicaSetOf(d)
		s.ReplicaSets = append(s.ReplicaSets, rs)
		for r := range int(ptr.Deref(d.Spec.Replicas, 1)) {
			s.Pods = append(s.Pods, podOf(&rs, podSuffixes[r], node))
		}
	}
	s.EndpointSlices = endpointSlicesFor(s)

	record := render.ProcessingRecordConfigMap(mp, ProcessingRecord(s, Evaluate(s)))
	record.SetOwnerReferences([]metav1.OwnerReference{ownerRef(mp)})
	s.ConfigMaps = append(s.ConfigMaps, *roundTrip(t, record))
	return s
}

// onFixtureGateway gives the snapshot the fixture Gateway as its controller programmed it, and
// the valid certificate of its HTTPS listener.
func onFixtureGateway(s *Snapshot) {
	gw := fixtures.Gateway(s.Platform.Spec.Domain, gatewayCertificate)
	gw.Generation = 1
	gw.Status = fixtures.ProgrammedStatus(gw)
	key := gw.Namespace + "/" + gw.Name
	s.Gateways = map[string]*gatewayv1.Gateway{key: gw}
	sec := tlsSecret(gatewayCertificate, validCert(s.Platform.Spec.Domain))
	sec.Namespace = gw.Namespace
	s.ListenerSecrets = map[string]*corev1.Secret{gw.Namespace + "/" + gatewayCertificate: sec}
	s.Unreadable = map[string]string{}
}

func ownerRef(mp *v1alpha1.MeetingPlatform) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: v1alpha1.GroupVersion.String(), Kind: "MeetingPlatform", Name: mp.Name, UID: mp.UID,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}
}

// replicaSetOf is the ReplicaSet that runs a Deployment's current template.
func replicaSetOf(d *appsv1.Deployment) appsv1.ReplicaSet {
	template := *d.Spec.Template.DeepCopy()
	template.Labels = maps.Clone(template.Labels)
	template.Labels["pod-template-hash"] = "7c9d8f6b5"
	name := d.Name + "-7c9d8f6b5"
	return appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: d.Namespace, UID: types.UID("uid-replicaset-" + name), Labels: template.Labels,
			CreationTimestamp: metav1.NewTime(now.Add(-time.Hour)),
			OwnerReferences:   []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptr.To(true)}},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: d.Spec.Selector, Template: template},
	}
}

// podOf is a running pod of a ReplicaSet on a node.
func podOf(rs *appsv1.ReplicaSet, suffix, node string) corev1.Pod {
	spec := *rs.Spec.Template.Spec.DeepCopy()
	spec.NodeName = node
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: rs.Name + "-" + suffix, Namespace: rs.Namespace, Labels: rs.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}},
		},
		Spec:   spec,
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIPs: []corev1.PodIP{{IP: podIP(rs.Name + suffix)}}},
	}
}

// podIP is a fixed pod address derived from the pod's name.
func podIP(name string) string {
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("10.244.%d.%d", sum[0], sum[1]|1)
}

// endpointSlicesFor is what the EndpointSlice controller writes for the snapshot's Services:
// one slice per Service, an endpoint per selected pod.
func endpointSlicesFor(s *Snapshot) []discoveryv1.EndpointSlice {
	var out []discoveryv1.EndpointSlice
	for _, svc := range s.Services {
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		slice := discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{Name: svc.Name + "-abcde", Namespace: svc.Namespace, Labels: map[string]string{
				discoveryv1.LabelServiceName: svc.Name, discoveryv1.LabelManagedBy: "endpointslice-controller.k8s.io"}},
			AddressType: discoveryv1.AddressTypeIPv4,
		}
		for _, pod := range s.podsSelectedBy(&svc) {
			slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{
				Addresses: []string{pod.Status.PodIPs[0].IP},
				TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
			})
		}
		out = append(out, slice)
	}
	return out
}

// roundTrip returns the object as the API server would: through JSON, so empty lists vanish.
func roundTrip[T client.Object](t testing.TB, obj T) T {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	out := obj.DeepCopyObject().(T)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// deepCopy copies a snapshot, so a tampering case never changes the shared passing one.
func deepCopy(s *Snapshot) *Snapshot {
	out := &Snapshot{
		Platform: s.Platform.DeepCopy(), Desired: s.Desired, Now: s.Now, Roots: s.Roots, Nodes: map[string]*corev1.Node{},
		Deployments: copyEach(s.Deployments), ConfigMaps: copyEach(s.ConfigMaps), Secrets: copyEach(s.Secrets),
		Services: copyEach(s.Services), Ingresses: copyEach(s.Ingresses), NetworkPolicies: copyEach(s.NetworkPolicies),
		Pods: copyEach(s.Pods), ReplicaSets: copyEach(s.ReplicaSets), EndpointSlices: copyEach(s.EndpointSlices),
		DomainIngresses: copyEach(s.DomainIngresses), IngressClasses: copyEach(s.IngressClasses),
		HTTPRoutes: copyEach(s.HTTPRoutes), ReferenceGrants: copyEach(s.ReferenceGrants),
		Unreadable: maps.Clone(s.Unreadable), MiddlewaresServed: s.MiddlewaresServed,
	}
	for _, mw := range s.Middlewares {
		out.Middlewares = append(out.Middlewares, *mw.DeepCopy())
	}
	if s.Gateways != nil {
		out.Gateways = map[string]*gatewayv1.Gateway{}
		for k, g := range s.Gateways {
			out.Gateways[k] = g.DeepCopy()
		}
	}
	if s.ListenerSecrets != nil {
		out.ListenerSecrets = map[string]*corev1.Secret{}
		for k, sec := range s.ListenerSecrets {
			out.ListenerSecrets[k] = sec.DeepCopy()
		}
	}
	if s.TLSSecret != nil {
		out.TLSSecret = s.TLSSecret.DeepCopy()
	}
	if s.JWTSecret != nil {
		out.JWTSecret = s.JWTSecret.DeepCopy()
	}
	for k, n := range s.Nodes {
		out.Nodes[k] = n.DeepCopy()
	}
	return out
}

// copyEach deep-copies a list of API objects.
func copyEach[T any, PT interface {
	*T
	DeepCopy() *T
}](in []T) []T {
	var out []T
	for i := range in {
		out = append(out, *PT(&in[i]).DeepCopy())
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Tampering helpers: each changes the live state the way a user or another controller could.

func deploymentOf(s *Snapshot, c settings.Component) *appsv1.Deployment {
	d := s.deployment(c)
	if d == nil {
		panic("no Deployment for " + string(c))
	}
	return d
}

func containerOf(s *Snapshot, c settings.Component) *corev1.Container {
	return mainContainer(deploymentOf(s, c), c)
}

// setEnv sets a literal variable on a component, replacing every earlier definition.
func setEnv(name, value string, on ...settings.Component) func(*Snapshot) {
	return func(s *Snapshot) {
		for _, c := range on {
			ctr := containerOf(s, c)
			ctr.Env = slices.DeleteFunc(ctr.Env, func(e corev1.EnvVar) bool { return e.Name == name })
			ctr.Env = append(ctr.Env, corev1.EnvVar{Name: name, Value: value})
		}
	}
}

// editFile rewrites one operator file in its ConfigMap.
func editFile(c settings.Component, key string, edit func(string) string) func(*Snapshot) {
	return func(s *Snapshot) {
		cm := s.configMap(settings.ConfigMapName(s.Platform, c))
		cm.Data[key] = edit(cm.Data[key])
	}
}

func deletePolicy(name string) func(*Snapshot) {
	return func(s *Snapshot) {
		s.NetworkPolicies = slices.DeleteFunc(s.NetworkPolicies, func(p networkingv1.NetworkPolicy) bool { return p.Name == name })
	}
}

// movePod puts the first pod of a component on a new node.
func movePod(c settings.Component, node *corev1.Node) func(*Snapshot) {
	return func(s *Snapshot) {
		s.Nodes[node.Name] = node
		for i := range s.Pods {
			if s.Pods[i].Labels[settings.LabelComponent] == string(c) {
				s.Pods[i].Spec.NodeName = node.Name
				return
			}
		}
	}
}

func withCert(spec fixtures.Certificate) func(*Snapshot) {
	return func(s *Snapshot) {
		s.TLSSecret = tlsSecret(s.TLSSecret.Name, spec)
	}
}
