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
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// A change that only the web pods read must leave the pod templates of prosody, jicofo and the
// bridge byte for byte as they were: a changed template replaces the pod (Recreate), which ends
// every running meeting. Changes the meeting components do read roll them, and only them.
func TestAChangeRollsOnlyTheComponentsThatReadIt(t *testing.T) {
	tests := []struct {
		name   string
		change func(*v1alpha1.MeetingPlatform)
		rolls  []settings.Component
	}{
		{"more web replicas roll nothing", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Components.Web.Replicas = 3 }, nil},
		{"web resources roll only web", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Components.Web.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
		}, []settings.Component{settings.Web}},
		{"another privacy notice rolls only web", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.PrivacyPolicyURL = "https://example.eu/another-privacy-notice"
		}, []settings.Component{settings.Web}},
		{"a longer drain rolls only the bridge", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Components.JVB.DrainSeconds = ptr.To[int32](7200) }, []settings.Component{settings.JVB}},
		{"jicofo resources roll only jicofo", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Components.Jicofo.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")}}
		}, []settings.Component{settings.Jicofo}},
		{"blocking evictions rolls nothing", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Disruption.Meetings = v1alpha1.DisruptionBlock }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := jwtGuestsNodePort()
			before := podTemplates(t, mp)
			tt.change(mp)
			after := podTemplates(t, mp)
			for _, c := range settings.Components {
				rolled := before[c] != after[c]
				want := false
				for _, r := range tt.rolls {
					want = want || r == c
				}
				if rolled != want {
					t.Errorf("%s: pod template changed = %v, want %v", c, rolled, want)
				}
			}
		})
	}
}

// podTemplates are the rendered pod templates of mp's components, as YAML.
func podTemplates(t *testing.T, mp *v1alpha1.MeetingPlatform) map[settings.Component]string {
	t.Helper()
	objs := mustRender(t, mp)
	out := map[settings.Component]string{}
	for _, c := range settings.Components {
		raw, err := yaml.Marshal(find[*appsv1.Deployment](t, objs, settings.Name(mp, string(c))).Spec.Template)
		if err != nil {
			t.Fatal(err)
		}
		out[c] = string(raw)
	}
	return out
}
