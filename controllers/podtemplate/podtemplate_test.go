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

package podtemplate

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
	"github.com/meetwarden/meetwarden/test/utils"
)

var (
	env = &utils.LazyAPIServer{Package: "controllers/podtemplate", Setup: func(cfg *rest.Config) (err error) {
		k8s, err = client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
		return err
	}}
	k8s client.Client
)

func TestMain(m *testing.M) { os.Exit(env.Stop(m.Run())) }

// stored creates each Deployment on the real API server and returns what it stored.
func stored(t *testing.T, deployments []*appsv1.Deployment) []*appsv1.Deployment {
	t.Helper()
	env.Config(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "podtemplate-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	var out []*appsv1.Deployment
	for i, d := range deployments {
		d = d.DeepCopy()
		d.Namespace, d.Name = ns.Name, fmt.Sprintf("d%d", i)
		d.ResourceVersion, d.OwnerReferences = "", nil
		if err := k8s.Create(ctx, d); err != nil {
			t.Fatalf("creating the Deployment of %s: %v", deployments[i].Name, err)
		}
		live := &appsv1.Deployment{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(d), live); err != nil {
			t.Fatal(err)
		}
		out = append(out, live)
	}
	return out
}

// TestDefaultedIsWhatTheAPIServerStores proves the Go defaults against kube-apiserver: every
// Deployment the operator renders for every sample, and a template with the fields foreign
// additions bring (probes, hooks, init containers, projected and host volumes), come back
// equal to Defaulted of what was sent. A default missing in Defaulted would make every live
// template differ; one too many would hide nothing, but fails here all the same.
func TestDefaultedIsWhatTheAPIServerStores(t *testing.T) {
	var sent []*appsv1.Deployment
	names := make([]string, 0, len(fixtures.Samples()))
	for name := range fixtures.Samples() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		objs, err := render.Objects(settings.Defaulted(fixtures.Samples()[name]))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if d, ok := o.(*appsv1.Deployment); ok {
				sent = append(sent, d)
			}
		}
	}
	sent = append(sent, everyDefaultedField())
	for i, live := range stored(t, sent) {
		if d, err := Diff(&sent[i].Spec.Template, &live.Spec.Template); err != nil || d != "" {
			t.Errorf("%s: the stored template differs from Defaulted of the sent one: %q (err %v)", sent[i].Name, d, err)
		}
	}
}

// everyDefaultedField is a Deployment whose template leaves every field Defaulted fills empty.
func everyDefaultedField() *appsv1.Deployment {
	labels := map[string]string{"app": "x"}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}}
	container := corev1.Container{
		Name: "main", Image: "example.eu/app",
		Ports:          []corev1.ContainerPort{{ContainerPort: 80}},
		Env:            []corev1.EnvVar{{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}},
		LivenessProbe:  probe,
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9000}}},
		Lifecycle:      &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}},
	}
	init := corev1.Container{Name: "init", Image: "example.eu/init:1.0", Command: []string{"true"}}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "every-defaulted-field"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: "app",
					InitContainers:     []corev1.Container{init},
					Containers:         []corev1.Container{container},
					Volumes: []corev1.Volume{
						{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}}}},
						{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}},
						{Name: "projected", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
							{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "n", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}}},
						}}}},
						{Name: "downward", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{{Path: "n", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}}}},
						{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/etc"}}},
					},
				},
			},
		},
	}
}

// TestDiffFindsWhatTheIssueTried: each route-around of the pod template that issue 11 names,
// and the ones next to them, is a difference that names its field.
func TestDiffFindsWhatTheIssueTried(t *testing.T) {
	objs, err := render.Objects(settings.Defaulted(fixtures.Minimal()))
	if err != nil {
		t.Fatal(err)
	}
	var web *appsv1.Deployment
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok && d.Labels[settings.LabelComponent] == string(settings.Web) {
			web = d
		}
	}
	if web == nil {
		t.Fatal("no web Deployment rendered")
	}
	main := func(s *corev1.PodSpec) *corev1.Container { return &s.Containers[0] }
	cases := map[string]struct {
		tamper func(*corev1.PodTemplateSpec)
		want   string
	}{
		"command":        {func(p *corev1.PodTemplateSpec) { main(&p.Spec).Command = []string{"/bin/sh"} }, ".command: added"},
		"args":           {func(p *corev1.PodTemplateSpec) { main(&p.Spec).Args = []string{"-x"} }, ".args: added"},
		"image":          {func(p *corev1.PodTemplateSpec) { main(&p.Spec).Image += "-evil" }, ".image: changed"},
		"init container": {func(p *corev1.PodTemplateSpec) { p.Spec.InitContainers = []corev1.Container{{Name: "x", Image: "x:1"}} }, "spec.template.spec.initContainers[name=x]: added"},
		"lifecycle hook": {func(p *corev1.PodTemplateSpec) {
			main(&p.Spec).Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh"}}}}
		}, ".lifecycle: added"},
		"sidecar": {func(p *corev1.PodTemplateSpec) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side", Image: "x:1"})
		}, "spec.template.spec.containers[name=side]: added"},
		"cont-init mount": {func(p *corev1.PodTemplateSpec) {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "hook", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		}, "spec.template.spec.volumes[name=hook]: added"},
		"host network":    {func(p *corev1.PodTemplateSpec) { p.Spec.HostNetwork = true }, "spec.template.spec.hostNetwork: added"},
		"service account": {func(p *corev1.PodTemplateSpec) { p.Spec.ServiceAccountName = "admin" }, "spec.template.spec.serviceAccountName: added"},
		"privileged": {func(p *corev1.PodTemplateSpec) {
			main(&p.Spec).SecurityContext.Privileged = ptr.To(true)
		}, ".securityContext.privileged: changed"},
		"env removed": {func(p *corev1.PodTemplateSpec) { main(&p.Spec).Env = main(&p.Spec).Env[1:] }, ".env["},
		"label":       {func(p *corev1.PodTemplateSpec) { p.Labels["x"] = "y" }, "spec.template.metadata.labels.x: added"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			live := Defaulted(&web.Spec.Template)
			tc.tamper(live)
			d, err := Diff(&web.Spec.Template, live)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(d, tc.want) {
				t.Errorf("Diff = %q, want it to contain %q", d, tc.want)
			}
		})
	}
	t.Run("rollout restart and the template hash are no difference", func(t *testing.T) {
		live := Defaulted(&web.Spec.Template)
		live.Annotations["kubectl.kubernetes.io/restartedAt"] = "2026-12-06T00:00:00Z"
		live.Labels["pod-template-hash"] = "abc"
		if d, err := Diff(&web.Spec.Template, live); err != nil || d != "" {
			t.Errorf("Diff = %q, %v; want none", d, err)
		}
	})
}
