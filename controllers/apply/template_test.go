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

package apply

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestATemplateChangedUnderTheOperatorsNameIsDrift: an update that calls itself "meetwarden"
// (kubectl edit --field-manager=meetwarden) and adds a command leaves no foreign managedFields
// entry, and the rendered fields are all still there; the whole-template comparison still sees
// it, Enforce removes it by a replace and Audit reports it.
func TestATemplateChangedUnderTheOperatorsNameIsDrift(t *testing.T) {
	c := apiServer(t)
	ns := newNamespace(t)
	ctx := context.Background()
	for _, mode := range []Mode{Enforce, Audit} {
		name := map[Mode]string{Enforce: "enforce", Audit: "audit"}[mode]
		desired := templateDeployment(ns, name)
		a := &Applier{Client: c, APIReader: c}
		if _, err := a.Sync(ctx, desired.DeepCopy(), Options{Mode: mode}); err != nil {
			t.Fatal(err)
		}
		live := &appsv1.Deployment{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(desired), live); err != nil {
			t.Fatal(err)
		}
		live.Spec.Template.Spec.Containers[0].Command = []string{"/bin/sh", "-c", "exec evil"}
		if err := c.Update(ctx, live, client.FieldOwner(FieldOwner)); err != nil {
			t.Fatal(err)
		}
		if err := c.Get(ctx, client.ObjectKeyFromObject(desired), live); err != nil {
			t.Fatal(err)
		}
		res, err := a.Sync(ctx, desired.DeepCopy(), Options{Mode: mode, AppliedBefore: true})
		if err != nil {
			t.Fatal(err)
		}
		want := map[Mode]Outcome{Enforce: Reverted, Audit: DriftLeft}[mode]
		if res.Outcome != want || !strings.Contains(res.Drift, "containers[name=main].command: added") {
			t.Errorf("%s: Sync = %v %q, want %v naming the command", name, res.Outcome, res.Drift, want)
		}
		if err := c.Get(ctx, client.ObjectKeyFromObject(desired), live); err != nil {
			t.Fatal(err)
		}
		if reverted := len(live.Spec.Template.Spec.Containers[0].Command) == 0; reverted != (mode == Enforce) {
			t.Errorf("%s: the live command is %q after Sync", name, live.Spec.Template.Spec.Containers[0].Command)
		}
	}
}

func templateDeployment(ns, name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "example.eu/app:1.0"}}},
			},
		},
	}
	if err := setDesiredHash(d); err != nil {
		panic(err)
	}
	return d
}
