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
	"slices"
	"strings"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// OVR-4: every component runs a release the settings tables were verified against. It judges
// the images of the live Deployments, not the spec: a platform whose rollout is queued or
// deferred is judged by the release it still runs. Never Fail: an unverified release is a risk
// the operator cannot rule out (the image may read a setting it does not pin), not a finding.
func checkVerifiedRelease(s *Snapshot) (resultValue, string) {
	verified := s.VerifiedImageTags
	if len(verified) == 0 {
		verified = settings.VerifiedImageTags
	}
	var unverified []string
	for _, c := range settings.Components {
		d := s.deployment(c)
		if d == nil {
			unverified = append(unverified, "Deployment "+settings.Name(s.Platform, string(c))+" does not exist, so its image is unknown")
			continue
		}
		ctr := mainContainer(d, c)
		if ctr == nil {
			unverified = append(unverified, "Deployment "+d.Name+" has no container")
			continue
		}
		if tag := settings.TagOf(ctr.Image); !slices.Contains(verified, tag) {
			unverified = append(unverified, line("%s runs %s, a release the operator's settings were not verified against", workload(d, ctr), ctr.Image))
		}
	}
	switch len(unverified) {
	case 0:
		return pass("every component runs %s, the release the operator's settings were verified against", strings.Join(verified, " or "))
	case 1:
		return warn("%s (verified: %s)", unverified[0], strings.Join(verified, ", "))
	}
	return warn("%s (and %d more; verified: %s)", unverified[0], len(unverified)-1, strings.Join(verified, ", "))
}
