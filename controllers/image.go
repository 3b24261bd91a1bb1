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
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// resolveImage fills an empty spec.image.tag of the pass's copy of the platform with the release
// this operator runs by default, and says where the tag came from. The stored platform keeps
// its empty tag, so that the next operator version resolves it to its own release.
func (r *MeetingPlatformReconciler) resolveImage(mp *v1alpha1.MeetingPlatform) v1alpha1.ImageStatus {
	if mp.Spec.Image.Tag != "" {
		return v1alpha1.ImageStatus{Tag: mp.Spec.Image.Tag, Source: v1alpha1.ImageTagFromSpec}
	}
	mp.Spec.Image.Tag = r.defaultImageTag()
	return v1alpha1.ImageStatus{Tag: mp.Spec.Image.Tag, Source: v1alpha1.ImageTagFromOperator}
}

// defaultImageTag is the release an empty spec.image.tag resolves to.
func (r *MeetingPlatformReconciler) defaultImageTag() string {
	if r.ImageTag != "" {
		return r.ImageTag
	}
	return v1alpha1.DefaultImageTag
}

// verifiedImageTags are the releases the operator's settings were verified against (OVR-4):
// settings.VerifiedImageTags, and the release the operator runs by default, which it was
// verified with by definition.
func (r *MeetingPlatformReconciler) verifiedImageTags() []string {
	tags := slices.Clone(settings.VerifiedImageTags)
	if !slices.Contains(tags, r.defaultImageTag()) {
		tags = append(tags, r.defaultImageTag())
	}
	return tags
}

// recordUnverifiedImage emits UnverifiedImage once per operator process and platform for a
// release the settings were not verified against: a new pin, or a pin that this operator
// version no longer counts as verified. OVR-4 warns about every component that runs it.
func (r *MeetingPlatformReconciler) recordUnverifiedImage(s *scope) {
	key := client.ObjectKeyFromObject(s.mp)
	verified := r.verifiedImageTags()
	if slices.Contains(verified, s.image.Tag) {
		r.warnedImages.Delete(key)
		return
	}
	if warned, ok := r.warnedImages.Load(key); ok && warned == s.image.Tag {
		return
	}
	r.warnedImages.Store(key, s.image.Tag)
	r.Recorder.Eventf(s.mp, nil, corev1.EventTypeWarning, v1alpha1.EventUnverifiedImage, "Resolve",
		"spec.image.tag %s is not a release the operator's settings were verified against (verified: %s): the images may read settings the operator does not pin; remove spec.image.tag to run %s",
		s.image.Tag, strings.Join(verified, ", "), r.defaultImageTag())
}
