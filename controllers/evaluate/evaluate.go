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

// Package evaluate judges a live MeetingPlatform against the gdpr-eu compliance profile
// (docs/controls.md): one result per control, computed from the objects that really run in the
// cluster, never from the spec alone. The spec only says what is expected (the domain, the own
// STUN servers, guests, the allowed regions).
//
// The package is pure: no client, no clock, no randomness. The same Snapshot always yields the
// same results and the same messages, so the reconciler writes status only when something
// really changed.
package evaluate

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// Snapshot is the live state of one platform, read by the reconciler from the cluster.
type Snapshot struct {
	// Platform is the MeetingPlatform with its defaults applied (settings.Defaulted).
	Platform *v1alpha1.MeetingPlatform
	// Deployments are every Deployment labelled as the platform's, including ones the operator
	// did not create (a jibri or jigasi workload someone labelled into the platform).
	Deployments []appsv1.Deployment
	ConfigMaps  []corev1.ConfigMap
	// Secrets are the platform's own Secrets (the credentials Secret).
	Secrets []corev1.Secret
	// TLSSecret is the user's TLS Secret or the one cert-manager fills; nil when missing.
	TLSSecret *corev1.Secret
	// JWTSecret is the user's Secret of spec.access.jwt.secretRef, whose key ACC-3 judges; nil
	// when it is missing or authentication is not JWT.
	JWTSecret *corev1.Secret
	Services  []corev1.Service
	// Ingresses and NetworkPolicies are every one in the platform's namespace, whoever made
	// them: another Ingress for the domain or another policy selecting the pods changes what
	// the cluster lets through.
	Ingresses       []networkingv1.Ingress
	NetworkPolicies []networkingv1.NetworkPolicy
	// DomainIngresses are the Ingresses of other namespaces that route the platform's domain:
	// ingress controllers merge the rules of one host from every namespace.
	DomainIngresses []networkingv1.Ingress
	// IngressClasses are every IngressClass of the cluster: the controller of the Ingresses'
	// class decides whether their HTTP→HTTPS redirect can be verified (TLS-1).
	IngressClasses []networkingv1.IngressClass
	// HTTPRoutes are the HTTPRoutes, anyone's, in the platform's namespace, that route its
	// domain, or that attach to its Gateways without hostnames; none where the cluster does
	// not serve the Gateway API.
	HTTPRoutes []gatewayv1.HTTPRoute
	// Gateways are the Gateways of spec.gateway.parentRefs that exist, by "namespace/name".
	Gateways map[string]*gatewayv1.Gateway
	// GatewayClasses are the GatewayClasses of those Gateways that exist and can be read, by
	// name: whether the class supports the route's ResponseHeaderModifier.
	GatewayClasses map[string]*gatewayv1.GatewayClass
	// ListenerSecrets are the certificate Secrets the Gateways' listeners name, by
	// "namespace/name"; nil for one that does not exist.
	ListenerSecrets map[string]*corev1.Secret
	// ReferenceGrants are the grants of the namespaces of listener Secrets that lie outside
	// their Gateway's namespace.
	ReferenceGrants []gatewayv1.ReferenceGrant
	// Middlewares are the Traefik Middlewares (traefik.io/v1alpha1; unstructured: no Traefik Go
	// dependency), anyone's, of the platform's namespace and of any other whose Traefik name
	// may collide with the platform's; none where the cluster does not serve the kind.
	Middlewares []unstructured.Unstructured
	// MiddlewaresServed says whether the cluster serves Traefik's Middleware kind: only then
	// are the redirect and headers of a Traefik Ingress rendered, and verified (TLS-1).
	MiddlewaresServed bool
	// Unreadable says, by object ("Gateway ns/name", "Secret ns/name"), why the reconciler
	// could not read it: the controls that need it warn instead of guessing.
	Unreadable map[string]string
	// Pods are every pod labelled as the platform's; a platform Service's selector holds
	// those labels, so every pod it sends traffic to is here.
	Pods []corev1.Pod
	// ReplicaSets are every ReplicaSet labelled as the platform's: a pod's way back to the
	// Deployment it belongs to.
	ReplicaSets []appsv1.ReplicaSet
	// EndpointSlices are the EndpointSlices of the platform's namespace that name a Service
	// (kubernetes.io/service-name), whoever made them: they decide where a Service's traffic
	// goes.
	EndpointSlices []discoveryv1.EndpointSlice
	// Media is what the cluster says about the bridges' public addresses (their load balancers,
	// the eligible nodes' ExternalIPs), as the reconciler read it for rendering: the own TURN
	// relay may forward to those addresses (settings.TURNPeers, ACC-5).
	Media settings.MediaInputs
	// Nodes are the nodes the pods run on, by name.
	Nodes map[string]*corev1.Node
	// Now is the time certificates are judged at.
	Now time.Time
	// Roots are the certificate authorities browsers trust, which TLS-2 verifies the chain
	// against (the system's trust store, read by the reconciler); nil: none known.
	Roots *x509.CertPool
	// Desired are the objects the operator renders for the platform (render.Objects): what
	// the live objects are compared with where the profile allows nothing else, such as the
	// operator's own mounts at override paths (OVR-1) and the lines of its files. Nil when the
	// spec cannot be rendered; the controls that need it then fail.
	Desired []client.Object
	// VerifiedImageTags are the Jitsi releases the operator's settings were verified against
	// (OVR-4); nil: settings.VerifiedImageTags.
	VerifiedImageTags []string

	// memo holds what one evaluation derives from the snapshot more than once; see memo.
	memo *memo
}

// memo holds what one evaluation derives from the snapshot more than once: the settings tables
// expanded for the platform, the operator's files, and each container's effective environment.
// Evaluate creates it and drops it afterwards, so a snapshot changed between two evaluations
// (as the tests do) is never judged on stale derivations.
type memo struct {
	env       map[settings.Component][]settings.Env
	files     []operatorFile
	envs      map[*corev1.Container]map[string]envVar
	forbidden map[settings.ControlID]findings
}

// Evaluate runs every control of the profile against the snapshot, in profile order.
func Evaluate(s *Snapshot) []v1alpha1.ControlStatus {
	if s != nil {
		s.memo = &memo{env: map[settings.Component][]settings.Env{}, envs: map[*corev1.Container]map[string]envVar{}}
		defer func() { s.memo = nil }()
	}
	out := make([]v1alpha1.ControlStatus, 0, len(Profile))
	for _, c := range Profile {
		result, message := run(c, s)
		status := v1alpha1.ControlStatus{ID: string(c.ID), Result: result, Severity: c.Severity, Message: message}
		if result != v1alpha1.ResultPass {
			status.Remediation = c.Remediation
		}
		out = append(out, status)
	}
	return out
}

// run calls one check. A check that panics on an unexpected object fails its control instead
// of taking the operator down: an object the evaluator cannot read is not evidence of
// compliance.
func run(c Control, s *Snapshot) (result v1alpha1.ControlResultValue, message string) {
	defer func() {
		if r := recover(); r != nil {
			result, message = v1alpha1.ResultFail, line("the live objects could not be evaluated: %v", r)
		}
	}()
	if s == nil || s.Platform == nil {
		return v1alpha1.ResultFail, "no MeetingPlatform to evaluate"
	}
	return c.Check(s)
}

// FamilyResult says whether every control of a family passes (Warn allowed), and lists the
// failing ones in profile order.
func FamilyResult(results []v1alpha1.ControlStatus, family settings.Family) (ok bool, failing []v1alpha1.ControlStatus) {
	for _, r := range results {
		if settings.FamilyOf(settings.ControlID(r.ID)) == family && r.Result == v1alpha1.ResultFail {
			failing = append(failing, r)
		}
	}
	return len(failing) == 0, failing
}

// ---------------------------------------------------------------------------------------------
// Results

// resultValue shortens the result type in check signatures.
type resultValue = v1alpha1.ControlResultValue

func pass(format string, args ...any) (v1alpha1.ControlResultValue, string) {
	return v1alpha1.ResultPass, line(format, args...)
}

func fail(format string, args ...any) (v1alpha1.ControlResultValue, string) {
	return v1alpha1.ResultFail, line(format, args...)
}

func warn(format string, args ...any) (v1alpha1.ControlResultValue, string) {
	return v1alpha1.ResultWarn, line(format, args...)
}

// line formats a message and keeps it on one line, whatever a live object contains.
func line(format string, args ...any) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, fmt.Sprintf(format, args...))
}

// findings collects the violations one check found, in a deterministic order (the order the
// check walks sorted objects in).
type findings []string

func (f *findings) add(format string, args ...any) {
	*f = append(*f, line(format, args...))
}

// addAll appends other findings.
func (f *findings) addAll(other findings) {
	*f = append(*f, other...)
}

// verdict collects what one check found: violations (Fail) and what it could not verify
// (Warn), each in the order the check walks sorted objects in.
type verdict struct {
	failed, warned findings
}

// result is Fail naming the first violation, else Warn naming the first thing that could not
// be verified, else Pass with ok.
func (v verdict) result(ok string) (v1alpha1.ControlResultValue, string) {
	if len(v.failed) > 0 {
		return v.failed.result(ok)
	}
	if len(v.warned) > 0 {
		_, message := v.warned.result(ok)
		return v1alpha1.ResultWarn, message
	}
	return v1alpha1.ResultPass, ok
}

func (v *verdict) addAll(other verdict) {
	v.failed.addAll(other.failed)
	v.warned.addAll(other.warned)
}

// result is Fail naming the first finding (and how many more there are), or Pass with ok.
func (f findings) result(ok string) (v1alpha1.ControlResultValue, string) {
	switch len(f) {
	case 0:
		return v1alpha1.ResultPass, ok
	case 1:
		return v1alpha1.ResultFail, f[0]
	}
	return v1alpha1.ResultFail, fmt.Sprintf("%s (and %d more)", f[0], len(f)-1)
}
