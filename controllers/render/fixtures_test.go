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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// minimal is the smallest spec the API server accepts, as a user would write it: JWT auth,
// a TLS Secret, everything else defaulted.
func minimal() *v1alpha1.MeetingPlatform {
	return &v1alpha1.MeetingPlatform{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "MeetingPlatform"},
		ObjectMeta: metav1.ObjectMeta{Name: "meet", Namespace: "video"},
		Spec: v1alpha1.MeetingPlatformSpec{
			Domain:           "meet.example.eu",
			PrivacyPolicyURL: "https://example.eu/privacy",
			TLS:              v1alpha1.TLSSpec{SecretName: "meet-tls"},
			Access: v1alpha1.AccessSpec{JWT: &v1alpha1.JWTSpec{
				AppID:     "meet",
				SecretRef: v1alpha1.SecretKeyReference{Name: "meet-jwt"},
			}},
		},
	}
}

// jwtGuestsNodePort: JWT with guests, media on a NodePort, an existing TLS Secret, an
// ingress class, two web replicas and an explicit region list.
func jwtGuestsNodePort() *v1alpha1.MeetingPlatform {
	mp := minimal()
	mp.Spec.Access.Guests = true
	mp.Spec.Ingress.ClassName = "nginx"
	mp.Spec.Media = v1alpha1.MediaSpec{Type: v1alpha1.MediaServiceNodePort, Port: 31000, AdvertiseAddresses: []string{"203.0.113.10"}}
	mp.Spec.Placement.AllowedRegions = []string{"fsn1", "nbg1"}
	mp.Spec.Components.Web.Replicas = 2
	return mp
}

// internalOwnSTUN: prosody accounts kept on the user's claim, the organisation's own STUN
// servers (so peer-to-peer is on), the EU catalog, and explicit resources for the videobridge.
func internalOwnSTUN() *v1alpha1.MeetingPlatform {
	mp := minimal()
	mp.Name, mp.Namespace = "conf", "meetings"
	mp.Spec.Domain = "conf.example.org"
	mp.Spec.PrivacyPolicyURL = "https://example.org/datenschutz?lang=de&v=2"
	mp.Spec.TLS = v1alpha1.TLSSpec{SecretName: "conf-cert"}
	mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationInternal,
		Internal: &v1alpha1.InternalAuthSpec{AccountsClaimName: "prosody-accounts"}}
	mp.Spec.STUN.Servers = []string{"stun:stun.example.org", "stuns:stun2.example.org:443"}
	mp.Spec.Placement.Jurisdiction = v1alpha1.JurisdictionEU
	mp.Spec.Components.JVB.Resources = &corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("2Gi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("4Gi")},
	}
	return mp
}

// ldapLoadBalancerCertManager: LDAP, media behind a load balancer, a cert-manager issuer, a
// mirror registry and a custom region label.
func ldapLoadBalancerCertManager() *v1alpha1.MeetingPlatform {
	mp := minimal()
	mp.Name, mp.Namespace = "video", "collab"
	mp.Spec.Domain = "video.example.de"
	mp.Spec.PrivacyPolicyURL = "https://example.de/datenschutz"
	mp.Spec.TLS = v1alpha1.TLSSpec{IssuerRef: &v1alpha1.IssuerReference{Name: "eu-ca", Kind: "ClusterIssuer"}}
	mp.Spec.Ingress.ControllerNamespace = "ingress-system"
	mp.Spec.Access = v1alpha1.AccessSpec{
		Authentication: v1alpha1.AuthenticationLDAP,
		LDAP: &v1alpha1.LDAPSpec{
			URL:           "ldaps://ldap.example.de:6360",
			BaseDN:        "ou=people,dc=example,dc=de",
			BindSecretRef: v1alpha1.LocalObjectReference{Name: "ldap-bind"},
		},
	}
	mp.Spec.Media = v1alpha1.MediaSpec{Type: v1alpha1.MediaServiceLoadBalancer, Port: 10000, AdvertiseAddresses: []string{"198.51.100.7", "2001:db8::7"}}
	mp.Spec.Placement = v1alpha1.PlacementSpec{RegionLabel: "example.de/region", AllowedRegions: []string{"fra", "ber"}}
	mp.Spec.Image = v1alpha1.ImageSpec{Registry: "registry.example.de/jitsi", Tag: "stable-11146-2", PullPolicy: corev1.PullAlways}
	return mp
}

// sampleSpecs are the specs the property tests run over.
func sampleSpecs() map[string]*v1alpha1.MeetingPlatform {
	eea := minimal()
	eea.Spec.Placement.Jurisdiction = v1alpha1.JurisdictionEEA
	return map[string]*v1alpha1.MeetingPlatform{
		"minimal":                        minimal(),
		"jwt-guests-nodeport":            jwtGuestsNodePort(),
		"internal-own-stun":              internalOwnSTUN(),
		"ldap-loadbalancer-cert-manager": ldapLoadBalancerCertManager(),
		"eea":                            eea,
	}
}
