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
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// TestAnExistingObjectWithAChildsNameIsNeverTakenOver: a ConfigMap someone made under the name
// of a child, and a credentials Secret with known passwords, stall the platform with
// NameConflict naming them; neither is rewritten or given an owner (it would be
// garbage-collected with the platform). Once they are gone, the platform deploys.
func TestAnExistingObjectWithAChildsNameIsNeverTakenOver(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	for _, tc := range []struct {
		name string
		obj  client.Object
	}{
		{"a ConfigMap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "meet-web-config"}, Data: map[string]string{"mine": "yes"}}},
		{"a credentials Secret with the platform's labels", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "meet-credentials"},
			StringData: map[string]string{"JVB_AUTH_PASSWORD": "known-to-the-attacker"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			createSecrets(t, ns)
			mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
			tc.obj.SetNamespace(ns)
			tc.obj.SetLabels(settings.Labels(mp, string(settings.Web)))
			mustCreate(t, tc.obj)
			if err := k8s.Create(context.Background(), mp); err != nil {
				t.Fatal(err)
			}
			eventually(t, "Stalled NameConflict names the object", stalledWith(mp, v1alpha1.ReasonNameConflict, tc.obj.GetName()))
			eventually(t, "a NameConflict Event", func() error { return eventFor(mp, v1alpha1.ReasonNameConflict, tc.obj.GetName()) })
			live := tc.obj.DeepCopyObject().(client.Object)
			if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(tc.obj), live); err != nil {
				t.Fatal(err)
			}
			if len(live.GetOwnerReferences()) > 0 || live.GetResourceVersion() != tc.obj.GetResourceVersion() {
				t.Errorf("%s %s was written (owners %v)", tc.name, live.GetName(), live.GetOwnerReferences())
			}
			mustDelete(t, tc.obj)
			eventually(t, "the platform deploys once the name is free", deployed(mp))
		})
	}
}

// TestADomainBelongsToOnePlatform: a second platform for a domain, in another namespace,
// stalls with DomainConflict naming the first and deploys nothing; when the first is deleted,
// it deploys.
func TestADomainBelongsToOnePlatform(t *testing.T) {
	startManager(t)
	first := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	ns := newNamespace(t)
	createSecrets(t, ns)
	second := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	second.Spec.Domain = first.Spec.Domain
	if err := k8s.Create(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the later platform stalls naming the first", stalledWith(second, v1alpha1.ReasonDomainConflict, first.Namespace+"/"+first.Name))
	if err := childrenExist(second); err == nil {
		t.Fatal("the later platform deployed its children")
	}
	eventually(t, "the first stays unaffected", func() error { return conditionIs(first, v1alpha1.ConditionStalled, metav1.ConditionFalse) })
	if err := k8s.Delete(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the later platform deploys once the domain is free", func() error { return childrenExist(second) })
}
