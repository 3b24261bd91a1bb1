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

package controllers

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// A web-only change on the API server: the web Deployment gets a new pod template, and the
// Deployments of prosody, jicofo and the bridge keep their generation, so no meeting ends.
func TestAWebOnlyChangeLeavesTheMeetingComponentsUntouched(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	generations := deploymentGenerations(t, mp)
	updatePlatform(t, mp, func(p *v1alpha1.MeetingPlatform) {
		p.Spec.Components.Web.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
		p.Spec.PrivacyPolicyURL = "https://example.eu/another-privacy-notice"
	})
	eventually(t, "the web Deployment has the new template", func() error {
		d, err := liveDeployment(mp, settings.Web)
		if err != nil {
			return err
		}
		if got := d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory(); got.Cmp(resource.MustParse("1Gi")) != 0 {
			return fmt.Errorf("web memory limit %s", got)
		}
		if d.Generation == generations[settings.Web] {
			return fmt.Errorf("web generation still %d", d.Generation)
		}
		return nil
	})
	eventually(t, "the platform observed the change", func() error {
		if p := getPlatform(t, mp); p.Status.ObservedGeneration != p.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d", p.Status.ObservedGeneration, p.Generation)
		}
		return nil
	})
	now := deploymentGenerations(t, mp)
	for _, c := range settings.MeetingComponents {
		if now[c] != generations[c] {
			t.Errorf("%s: generation %d, was %d: a web-only change rolled a component that holds meetings", c, now[c], generations[c])
		}
	}
}

// deploymentGenerations are the generations of the platform's Deployments by component.
func deploymentGenerations(t *testing.T, mp *v1alpha1.MeetingPlatform) map[settings.Component]int64 {
	t.Helper()
	out := map[settings.Component]int64{}
	for _, c := range settings.Components {
		d, err := liveDeployment(mp, c)
		if err != nil {
			t.Fatal(err)
		}
		out[c] = d.Generation
	}
	return out
}

// Every component has a budget that selects its pods by the component label (so several
// bridges share one), and spec.disruption.meetings: Block turns the budgets of the meeting
// components to 0 while web keeps 1.
func TestEveryComponentHasABudgetThatFollowsTheSpec(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	budgetsAre := func(want map[settings.Component]string) func() error {
		return func() error {
			for _, c := range settings.Components {
				pdb := &policyv1.PodDisruptionBudget{}
				key := client.ObjectKey{Namespace: mp.Namespace, Name: settings.PodDisruptionBudgetName(mp, c)}
				if err := k8s.Get(context.Background(), key, pdb); err != nil {
					return err
				}
				if got := pdb.Spec.MaxUnavailable.String(); got != want[c] {
					return fmt.Errorf("%s: maxUnavailable %s, want %s", c, got, want[c])
				}
				if got := pdb.Spec.Selector.MatchLabels[settings.LabelComponent]; got != string(c) {
					return fmt.Errorf("%s: selects component %q", c, got)
				}
				if _, named := pdb.Spec.Selector.MatchLabels["pod-template-hash"]; named {
					return fmt.Errorf("%s: selects one ReplicaSet", c)
				}
			}
			return nil
		}
	}
	eventually(t, "every budget allows one", budgetsAre(map[settings.Component]string{
		settings.Web: "1", settings.Prosody: "1", settings.Jicofo: "1", settings.JVB: "1"}))
	before := deploymentGenerations(t, mp)
	updatePlatform(t, mp, func(p *v1alpha1.MeetingPlatform) { p.Spec.Disruption.Meetings = v1alpha1.DisruptionBlock })
	eventually(t, "the meeting components' budgets allow none", budgetsAre(map[settings.Component]string{
		settings.Web: "1", settings.Prosody: "0", settings.Jicofo: "0", settings.JVB: "0"}))
	now := deploymentGenerations(t, mp)
	for _, c := range settings.MeetingComponents {
		if now[c] != before[c] {
			t.Errorf("%s: blocking evictions rolled it (generation %d, was %d)", c, now[c], before[c])
		}
	}
}
