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
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func everyDeployment(*appsv1.Deployment) bool { return true }

// imageIs checks status.image and the image every component's Deployment runs.
func imageIs(mp *v1alpha1.MeetingPlatform, want v1alpha1.ImageStatus) error {
	live := &v1alpha1.MeetingPlatform{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(mp), live); err != nil {
		return err
	}
	if live.Status.Image == nil || *live.Status.Image != want {
		return fmt.Errorf("status.image is %+v, want %+v", live.Status.Image, want)
	}
	for _, c := range live.Status.Components {
		if settings.TagOf(c.Image) != want.Tag {
			return fmt.Errorf("status.components: %s runs %q, want tag %s", c.Name, c.Image, want.Tag)
		}
	}
	return nil
}

func TestAnEmptyTagRunsTheOperatorsReleaseAndAnUnverifiedPinWarns(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	if stored := getPlatform(t, mp).Spec.Image.Tag; stored != "" {
		t.Fatalf("the API server stored spec.image.tag %q: a schema default would pin every platform", stored)
	}
	eventually(t, "status.image names the operator's release", func() error {
		return imageIs(mp, v1alpha1.ImageStatus{Tag: v1alpha1.DefaultImageTag, Source: v1alpha1.ImageTagFromOperator})
	})

	const unverified = "stable-9955"
	updatePlatform(t, mp, func(live *v1alpha1.MeetingPlatform) { live.Spec.Image.Tag = unverified })
	eventually(t, "the pin is reported: status.image, an UnverifiedImage Event, and OVR-4 warns", func() error {
		playDeploymentController(t, mp.Namespace, everyDeployment)
		if err := imageIs(mp, v1alpha1.ImageStatus{Tag: unverified, Source: v1alpha1.ImageTagFromSpec}); err != nil {
			return err
		}
		if err := eventFor(mp, v1alpha1.EventUnverifiedImage, "spec.image.tag "+unverified+" is not a release"); err != nil {
			return err
		}
		live := getPlatform(t, mp)
		if live.Status.Compliance == nil {
			return fmt.Errorf("no compliance yet")
		}
		for _, c := range live.Status.Compliance.Controls {
			if c.ID == string(settings.OVR4) && (c.Result != v1alpha1.ResultWarn || !strings.Contains(c.Message, unverified)) {
				return fmt.Errorf("OVR-4 is %s: %s", c.Result, c.Message)
			}
		}
		// A warning, not a failure: nothing found is against the profile.
		return conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionTrue)
	})

	// docs/upgrading.md: how to un-pin a platform.
	patch := []byte(`[{"op":"remove","path":"/spec/image/tag"}]`)
	if err := k8s.Patch(context.Background(), getPlatform(t, mp), client.RawPatch(types.JSONPatchType, patch)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the un-pinned platform runs the operator's release again", func() error {
		playDeploymentController(t, mp.Namespace, everyDeployment)
		return imageIs(mp, v1alpha1.ImageStatus{Tag: v1alpha1.DefaultImageTag, Source: v1alpha1.ImageTagFromOperator})
	})
}
