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

// Package render turns a MeetingPlatform into the complete set of objects that make up its
// Jitsi Meet installation. It is pure and deterministic: the same spec always yields deep-equal
// objects, with no client, no I/O, no clock and no randomness. Privacy settings come from
// package settings, which the evaluator checks the live objects against.
//
// Objects carry TypeMeta (for server-side apply), the platform's namespace and labels, and no
// owner references: the reconciler sets those.
package render

import (
	"cmp"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/regions"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// Labels on every owned object.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelComponent = "app.kubernetes.io/component"
	LabelManagedBy = "app.kubernetes.io/managed-by"

	// NameValue is the value of LabelName.
	NameValue = "jitsi-meet"
	// ManagedByValue is the value of LabelManagedBy.
	ManagedByValue = "meetwarden"
)

// ConfigHashAnnotation on a pod template holds a digest of the operator's ConfigMaps the pods
// mount, so that a configuration change rolls them.
const ConfigHashAnnotation = "meetwarden.io/config-hash"

// Labels returns the labels of a platform object. component is "web", "prosody", "jicofo" or
// "jvb"; empty for objects that belong to the whole platform (the credentials Secret, the
// default-deny NetworkPolicy), which then carry no component label.
func Labels(mp *v1alpha1.MeetingPlatform, component string) map[string]string {
	l := SelectorLabels(mp, component)
	l[LabelManagedBy] = ManagedByValue
	return l
}

// SelectorLabels are the labels that select a component's pods (or, with an empty component,
// every pod of the platform). They never change, as a Deployment's selector is immutable.
func SelectorLabels(mp *v1alpha1.MeetingPlatform, component string) map[string]string {
	l := map[string]string{LabelName: NameValue, LabelInstance: mp.Name}
	if component != "" {
		l[LabelComponent] = component
	}
	return l
}

// Name is the name of a platform object: "<mp name>-<suffix>", e.g. "meet-web".
func Name(mp *v1alpha1.MeetingPlatform, component string) string {
	return mp.Name + "-" + component
}

// CredentialsSecretName is the Secret with the generated internal credentials.
func CredentialsSecretName(mp *v1alpha1.MeetingPlatform) string {
	return settings.CredentialsSecretName(mp)
}

// CredentialKeys are the keys of the credentials Secret (see settings.CredentialKeys).
var CredentialKeys = settings.CredentialKeys

// TLSSecretName is the Secret the Ingress serves spec.domain with: spec.tls.secretName, or
// "<name>-tls" that cert-manager fills when spec.tls.issuerRef is set.
func TLSSecretName(mp *v1alpha1.MeetingPlatform) string {
	if mp.Spec.TLS.SecretName != "" {
		return mp.Spec.TLS.SecretName
	}
	return Name(mp, "tls")
}

// AllowedRegions are the region label values the platform's pods require: the explicit
// spec.placement.allowedRegions, else the built-in catalog's regions of the jurisdiction.
// Sorted and without duplicates.
func AllowedRegions(mp *v1alpha1.MeetingPlatform) []string {
	p := settings.Defaulted(mp).Spec.Placement
	if len(p.AllowedRegions) == 0 {
		return regions.AllowedRegions(regions.Jurisdiction(p.Jurisdiction))
	}
	out := slices.Clone(p.AllowedRegions)
	slices.Sort(out)
	return slices.Compact(out)
}

// Objects returns every object of the platform except the credentials Secret (see
// CredentialsSecret), in a fixed order: ConfigMaps, Deployments, Services, Ingress, the
// cert-manager Certificate when spec.tls.issuerRef is set, NetworkPolicies. It fails, without
// partial output, on a spec that cannot be rendered safely (see Validate).
func Objects(mp *v1alpha1.MeetingPlatform) ([]client.Object, error) {
	if err := Validate(mp); err != nil {
		return nil, err
	}
	mp = settings.Defaulted(mp)

	var objs []client.Object
	configMaps := map[settings.Component]string{}
	for _, c := range settings.Components {
		if cm := configMap(mp, c); cm != nil {
			objs = append(objs, cm)
			configMaps[c] = dataHash(cm.Data)
		}
	}
	for _, c := range settings.Components {
		objs = append(objs, deployment(mp, c, configMaps[c]))
	}
	objs = append(objs, services(mp)...)
	objs = append(objs, ingress(mp))
	if mp.Spec.TLS.IssuerRef != nil {
		objs = append(objs, certificate(mp))
	}
	objs = append(objs, networkPolicies(mp)...)
	return objs, nil
}

// meta is the ObjectMeta of a platform object.
func meta(mp *v1alpha1.MeetingPlatform, name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: mp.Namespace, Labels: Labels(mp, component)}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// serviceHost is the in-cluster DNS name of a platform Service.
func serviceHost(mp *v1alpha1.MeetingPlatform, component settings.Component) string {
	if mp.Namespace == "" {
		return Name(mp, string(component))
	}
	return fmt.Sprintf("%s.%s.svc", Name(mp, string(component)), mp.Namespace)
}
