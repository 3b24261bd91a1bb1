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
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"slices"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// podDisruptionBudgets are one budget per component (settings.MaxUnavailable says how many of
// its pods an eviction may take). Each selects the component's pods by label, so one budget
// covers every Deployment of a component, such as several bridges.
//
// A pod that is not ready may always be evicted (AlwaysAllow): it serves no client through its
// Service, and under the default policy a crash-looping pod of a single-replica component would
// block every node drain even with Allow.
func podDisruptionBudgets(mp *v1alpha1.MeetingPlatform) []client.Object {
	var out []client.Object
	components := settings.Components
	if settings.UsesTokenBridge(mp) {
		components = append(slices.Clip(components), settings.TokenBridge)
	}
	for _, c := range components {
		out = append(out, &policyv1.PodDisruptionBudget{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
			ObjectMeta: meta(mp, settings.PodDisruptionBudgetName(mp, c), string(c)),
			Spec: policyv1.PodDisruptionBudgetSpec{
				MaxUnavailable:             ptr.To(intstr.FromInt32(settings.MaxUnavailable(mp, c))),
				Selector:                   &metav1.LabelSelector{MatchLabels: settings.SelectorLabels(mp, string(c))},
				UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
			},
		})
	}
	return out
}
