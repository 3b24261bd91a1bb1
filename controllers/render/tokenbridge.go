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
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/tokenbridge"
)

// tokenBridgeResources: the bridge holds no state, writes no file and answers one login at a
// time per user; its ephemeral storage is only its container log.
var tokenBridgeResources = resources("10m", "32Mi", "128Mi", "16Mi", "64Mi")

// tokenBridgeObjects are the bridge's Deployment, Service and NetworkPolicy for an OIDC
// platform, nothing otherwise. The Ingress or HTTPRoute path to it is part of the exposure.
func tokenBridgeObjects(mp *v1alpha1.MeetingPlatform, o options) []client.Object {
	if !settings.UsesTokenBridge(mp) {
		return nil
	}
	return []client.Object{
		tokenBridgeDeployment(mp, o.tokenBridgeImage),
		service(mp, settings.TokenBridge, corev1.ServiceSpec{
			Type:  corev1.ServiceTypeClusterIP,
			Ports: []corev1.ServicePort{{Name: settings.PortHTTP, Protocol: corev1.ProtocolTCP, Port: settings.TokenBridgePort, TargetPort: intOrName(settings.PortHTTP)}},
		}),
		tokenBridgePolicy(mp),
	}
}

// tokenBridgeDeployment runs the bridge with the hardening and placement of every component:
// non-root, no privileges, read-only root, no service account token, EU/EEA nodes only. One
// replica suffices: it keeps no state, and a restart only fails the logins in flight.
func tokenBridgeDeployment(mp *v1alpha1.MeetingPlatform, image string) *appsv1.Deployment {
	c := settings.TokenBridge
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: settings.Labels(mp, string(c))},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To(settings.TerminationGraceSeconds(mp, c)),
			SecurityContext:               podSecurity(settings.TokenBridgeUser),
			Affinity:                      placement(mp),
			Containers: []corev1.Container{{
				Name:            string(c),
				Image:           image,
				ImagePullPolicy: mp.Spec.Image.PullPolicy,
				Command:         settings.TokenBridgeCommand,
				Env:             containerEnv(mp, c, tokenBridgeResources),
				Ports:           []corev1.ContainerPort{{Name: settings.PortHTTP, ContainerPort: settings.TokenBridgePort, Protocol: corev1.ProtocolTCP}},
				Resources:       *tokenBridgeResources.DeepCopy(),
				StartupProbe:    probe(settings.TokenBridgeLiveProbe, 2, 30),
				ReadinessProbe:  probe(settings.TokenBridgeReadyProbe, 10, 3),
				LivenessProbe:   probe(settings.TokenBridgeLiveProbe, 20, 6),
				SecurityContext: containerSecurity(),
			}},
		},
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta(mp, settings.Name(mp, string(c)), string(c)),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: settings.SelectorLabels(mp, string(c))},
			Strategy: strategy(c),
			Template: template,
		},
	}
}

// tokenBridgePolicy admits only the TLS terminator to the bridge, and lets the bridge reach
// only the provider's port. A NetworkPolicy cannot name a host, and the issuer is named by
// one, so the destination is any address on that port (as for LDAP and STUN); DNS is the
// platform's dns policy.
func tokenBridgePolicy(mp *v1alpha1.MeetingPlatform) *networkingv1.NetworkPolicy {
	terminator, terminatorPods := settings.TerminatorSource(mp)
	issuer := settings.IssuerPort(mp.Spec.Access.OIDC.IssuerURL)
	return netpol(mp, string(settings.TokenBridge), settings.TokenBridge,
		[]networkingv1.NetworkPolicyIngressRule{{From: namespacePods(terminator, terminatorPods), Ports: []networkingv1.NetworkPolicyPort{tcp(settings.TokenBridgePort)}}},
		[]networkingv1.NetworkPolicyEgressRule{{To: anywhere, Ports: []networkingv1.NetworkPolicyPort{tcp(issuer)}}},
	)
}

// tokenBridgePath routes the bridge's prefix on the platform's host to it.
func tokenBridgePath(mp *v1alpha1.MeetingPlatform) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{
		Path:     tokenbridge.PathPrefix,
		PathType: ptr.To(networkingv1.PathTypePrefix),
		Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: settings.Name(mp, string(settings.TokenBridge)),
			Port: networkingv1.ServiceBackendPort{Name: settings.PortHTTP},
		}},
	}
}
