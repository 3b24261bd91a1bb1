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
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

func TestOVR2JudgesTheLiveImagesAgainstTheReleasesTheReconcilerVerified(t *testing.T) {
	const other = "stable-9955"
	for _, tc := range []struct {
		name     string
		verified []string
		liveTag  string
		want     v1alpha1.ControlResultValue
		mentions string
	}{
		{"the default verified release passes", nil, v1alpha1.DefaultImageTag, v1alpha1.ResultPass, v1alpha1.DefaultImageTag},
		{"another release passes where the reconciler verified it", []string{other}, other, v1alpha1.ResultPass, other},
		{"the default release warns where the reconciler verified only another", []string{other}, v1alpha1.DefaultImageTag, v1alpha1.ResultWarn,
			"runs ghcr.io/jitsi/web:" + v1alpha1.DefaultImageTag + ", a release the operator's settings were not verified against (and 3 more; verified: " + other + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := passingJWT(t)
			s.VerifiedImageTags = tc.verified
			for i := range s.Deployments {
				setTag(&s.Deployments[i], tc.liveTag)
			}
			got := resultOf(Evaluate(s), "OVR-4")
			if got.Result != tc.want || !strings.Contains(got.Message, tc.mentions) {
				t.Errorf("OVR-4 = %s %q, want %s mentioning %q", got.Result, got.Message, tc.want, tc.mentions)
			}
		})
	}
}

// setTag replaces the tag of every container image of a Deployment.
func setTag(d *appsv1.Deployment, tag string) {
	for i := range d.Spec.Template.Spec.Containers {
		c := &d.Spec.Template.Spec.Containers[i]
		name, _, _ := strings.Cut(c.Image, ":")
		c.Image = name + ":" + tag
	}
}
