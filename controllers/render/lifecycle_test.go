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
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func TestTheBridgeDrainsForTheSpecifiedTime(t *testing.T) {
	mp := minimal()
	mp.Spec.Components.JVB.DrainSeconds = ptr.To[int32](5400)
	d := find[*appsv1.Deployment](t, mustRender(t, mp), settings.Name(mp, string(settings.JVB)))
	pod := d.Spec.Template.Spec
	if got := *pod.TerminationGracePeriodSeconds; got != 5430 {
		t.Errorf("termination grace %d, want the drain and 30 s to stop", got)
	}
	if got := *d.Spec.ProgressDeadlineSeconds; got <= 5430 {
		t.Errorf("progress deadline %d: a drain would count as a stuck rollout", got)
	}
	hook := pod.Containers[0].Lifecycle.PreStop.Exec.Command
	script := hook[len(hook)-1]
	for _, want := range []string{"--request POST http://127.0.0.1:8080/colibri/drain/enable", "SECONDS + 5400",
		"http://127.0.0.1:8080/metrics", `"jitsi_jvb_conferences"`} {
		if !strings.Contains(script, want) {
			t.Errorf("the drain hook lacks %q:\n%s", want, script)
		}
	}
	env := envOf(t, mustRender(t, mp), mp, settings.JVB)
	if env["SHUTDOWN_REST_ENABLED"] != settings.False || env["COLIBRI_REST_ENABLED"] != settings.False {
		t.Errorf("the drain must not need the shutdown or COLIBRI REST API: %v", env)
	}
}

func TestWebRollsWithoutLosingAPod(t *testing.T) {
	d := find[*appsv1.Deployment](t, mustRender(t, minimal()), "meet-web")
	ru := d.Spec.Strategy.RollingUpdate
	if ru == nil || ru.MaxUnavailable.IntValue() != 0 || ru.MaxSurge.IntValue() != 1 {
		t.Errorf("web rolling update %+v, want maxUnavailable 0 and maxSurge 1", ru)
	}
}

func TestTheBudgetsFollowSpecDisruption(t *testing.T) {
	for policy, want := range map[v1alpha1.DisruptionPolicy]map[settings.Component]int{
		v1alpha1.DisruptionAllow: {settings.Web: 1, settings.Prosody: 1, settings.Jicofo: 1, settings.JVB: 1},
		v1alpha1.DisruptionBlock: {settings.Web: 1, settings.Prosody: 0, settings.Jicofo: 0, settings.JVB: 0},
	} {
		mp := minimal()
		mp.Spec.Disruption.Meetings = policy
		objs := mustRender(t, mp)
		for c, n := range want {
			pdb := find[*policyv1.PodDisruptionBudget](t, objs, settings.PodDisruptionBudgetName(mp, c))
			if got := pdb.Spec.MaxUnavailable.IntValue(); got != n {
				t.Errorf("%s, %s: maxUnavailable %d, want %d", policy, c, got, n)
			}
			if pdb.Spec.MinAvailable != nil || *pdb.Spec.UnhealthyPodEvictionPolicy != policyv1.AlwaysAllow {
				t.Errorf("%s, %s: %+v", policy, c, pdb.Spec)
			}
		}
	}
}

func TestSpecifiedResourcesKeepABoundedEphemeralStorage(t *testing.T) {
	mp := minimal()
	mp.Spec.Components.Web.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
	mp.Spec.Components.Prosody.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceEphemeralStorage: resource.MustParse("2Gi")}}
	objs := mustRender(t, mp)
	web := find[*appsv1.Deployment](t, objs, "meet-web").Spec.Template.Spec.Containers[0].Resources
	if web.Limits.StorageEphemeral().String() != "256Mi" || web.Requests.StorageEphemeral().String() != "64Mi" || web.Limits.Memory().String() != "1Gi" {
		t.Errorf("web: %+v, want the spec's memory and the default ephemeral storage", web)
	}
	prosody := find[*appsv1.Deployment](t, objs, "meet-prosody").Spec.Template.Spec.Containers[0].Resources
	if prosody.Limits.StorageEphemeral().String() != "2Gi" || prosody.Requests.StorageEphemeral().String() != "128Mi" {
		t.Errorf("prosody: %+v, want the spec's limit and the default request", prosody)
	}
	if mp.Spec.Components.Web.Resources.Requests != nil {
		t.Error("rendering changed the spec's resources")
	}
}
