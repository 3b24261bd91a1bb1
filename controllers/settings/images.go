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
	"strings"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// VerifiedImageTags are the Jitsi releases the tables of this package were verified against:
// the project's reference notes say, for these images, which variable each template reads and
// how it parses it. An image of another release may read a setting the operator does not pin,
// or read a pinned one differently, so control OVR-4 warns about it instead of passing.
var VerifiedImageTags = []string{v1alpha1.DefaultImageTag}

// ImageTag is the tag the components run: spec.image.tag, or when it is empty the release this
// operator version was verified with. The reconciler resolves the tag before it renders (and
// may resolve it to another release, see MeetingPlatformReconciler.ImageTag); render falls
// back on this for a spec that nobody resolved, such as a unit test's.
func ImageTag(mp *v1alpha1.MeetingPlatform) string {
	if mp.Spec.Image.Tag != "" {
		return mp.Spec.Image.Tag
	}
	return v1alpha1.DefaultImageTag
}

// Image is the image reference of a component: "<registry>/<component>:<tag>".
func Image(mp *v1alpha1.MeetingPlatform, c Component) string {
	return mp.Spec.Image.Registry + "/" + string(c) + ":" + ImageTag(mp)
}

// TagOf returns the tag of an image reference, "" when it has none (which a container runtime
// reads as "latest"). A registry port ("registry:5000/jitsi/web") is not a tag.
func TagOf(image string) string {
	name := image[strings.LastIndex(image, "/")+1:]
	name, _, _ = strings.Cut(name, "@")
	_, tag, _ := strings.Cut(name, ":")
	return tag
}
