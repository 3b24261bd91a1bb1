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

package settings

import (
	"slices"
	"testing"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

func TestTheReleaseAnEmptyTagResolvesToIsVerified(t *testing.T) {
	if !slices.Contains(VerifiedImageTags, v1alpha1.DefaultImageTag) {
		t.Fatalf("the default tag %s is not among the verified tags %v: every platform without a tag would warn", v1alpha1.DefaultImageTag, VerifiedImageTags)
	}
}

func TestImageTag(t *testing.T) {
	for _, tc := range []struct{ name, tag, want string }{
		{"an empty tag resolves to the release this operator version was verified with", "", v1alpha1.DefaultImageTag},
		{"a pinned tag is kept", "stable-9955", "stable-9955"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mp := &v1alpha1.MeetingPlatform{Spec: v1alpha1.MeetingPlatformSpec{Image: v1alpha1.ImageSpec{Registry: "r.example.eu/jitsi", Tag: tc.tag}}}
			if got := ImageTag(mp); got != tc.want {
				t.Errorf("ImageTag = %q, want %q", got, tc.want)
			}
			if got, want := Image(mp, JVB), "r.example.eu/jitsi/jvb:"+tc.want; got != want {
				t.Errorf("Image = %q, want %q", got, want)
			}
		})
	}
}

func TestTagOf(t *testing.T) {
	for image, want := range map[string]string{
		"ghcr.io/jitsi/web:stable-11146-2":               "stable-11146-2",
		"registry.example.eu:5000/jitsi/jvb:stable-9955": "stable-9955",
		"registry.example.eu:5000/jitsi/jvb":             "",
		"ghcr.io/jitsi/web@sha256:0123":                  "",
		"ghcr.io/jitsi/web:stable-9955@sha256:0123":      "stable-9955",
		"jicofo": "",
	} {
		if got := TagOf(image); got != want {
			t.Errorf("TagOf(%q) = %q, want %q", image, got, want)
		}
	}
}
