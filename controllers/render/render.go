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
//
// Every function takes the platform with its defaults applied (settings.Defaulted): the
// reconciler applies them once at the top of a pass and hands the result down.
package render

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// Objects returns every object of the platform except the credentials Secret (see
// CredentialsSecret), in a fixed order: ConfigMaps, Deployments, Services, Ingress, the
// cert-manager Certificate when spec.tls.issuerRef is set, NetworkPolicies, PodDisruptionBudgets;
// each of the first groups ends with the own TURN server's object of its kind (spec.turn.own),
// then come the token bridge's Deployment, Service and NetworkPolicy for an OIDC platform. With
// spec.gateway, the HTTPRoutes take the Ingress's place; WithTraefikMiddlewares adds
// Traefik's plain-HTTP Ingress and its Middlewares after the Ingress. It fails, without
// partial output, on a spec that cannot be rendered safely (see Validate).
func Objects(mp *v1alpha1.MeetingPlatform, opts ...Option) ([]client.Object, error) {
	if err := Validate(mp); err != nil {
		return nil, err
	}
	o := collect(opts)

	var objs []client.Object
	turn := renderTURN(mp, o.media)
	configMaps := map[settings.Component]string{}
	for _, c := range settings.Components {
		if cm := configMap(mp, c); cm != nil {
			objs = append(objs, cm)
			configMaps[c] = dataHash(cm.Data)
		}
	}
	objs = append(objs, turn.configMaps...)
	for _, c := range settings.Components {
		if c == settings.JVB {
			objs = append(objs, bridgeDeployments(mp, configMaps[c], o.media)...)
			continue
		}
		objs = append(objs, deployment(mp, c, configMaps[c]))
	}
	objs = append(objs, turn.deployments...)
	objs = append(objs, services(mp)...)
	objs = append(objs, turn.services...)
	if settings.UsesGateway(mp) {
		objs = append(objs, httpRoutes(mp, o.gatewayHeaders)...)
	} else {
		ing := ingress(mp)
		objs = append(objs, ing)
		if o.traefikMiddlewares {
			objs = append(objs, traefikObjects(mp, ing)...)
		}
	}
	if mp.Spec.TLS.IssuerRef != nil {
		objs = append(objs, certificate(mp))
	}
	objs = append(objs, turn.certificates...)
	objs = append(objs, networkPolicies(mp)...)
	objs = append(objs, turn.policies...)
	objs = append(objs, podDisruptionBudgets(mp)...)
	objs = append(objs, tokenBridgeObjects(mp, o)...)
	return objs, nil
}

// meta is the ObjectMeta of a platform object.
func meta(mp *v1alpha1.MeetingPlatform, name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: mp.Namespace, Labels: settings.Labels(mp, component)}
}
