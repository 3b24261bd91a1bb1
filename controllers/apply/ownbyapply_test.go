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
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

func TestOwnByApplyRetriesWhenAnotherWriterCameInBetween(t *testing.T) {
	ns := newNamespace(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "replaced", Namespace: ns}, Data: map[string]string{"k": "v"}}
	if err := k8s.Create(context.Background(), cm, client.FieldOwner(FieldOwner)); err != nil {
		t.Fatal(err)
	}
	if !ownedByUpdate(cm) {
		t.Fatalf("a POST by the operator left no Update entry: %v", operatorEntries(cm))
	}
	// Someone writes between the operator's write and its bookkeeping, as the Deployment
	// controller does with a Deployment's status: the first patch conflicts.
	other := cm.DeepCopy()
	other.Labels = map[string]string{"touched": "yes"}
	if err := k8s.Update(context.Background(), other, client.FieldOwner("someone")); err != nil {
		t.Fatal(err)
	}

	base, err := client.NewWithWatch(testConfig, client.Options{Scheme: k8s.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	var conflicts int
	c := interceptor.NewClient(base, interceptor.Funcs{
		Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			err := cl.Patch(ctx, obj, patch, opts...)
			if apierrors.IsConflict(err) {
				conflicts++
			}
			return err
		},
	})
	a := &Applier{Client: c, APIReader: k8s}
	if err := a.ownByApply(context.Background(), cm); err != nil {
		t.Fatalf("ownByApply: %v", err)
	}
	if conflicts == 0 {
		t.Errorf("the first patch did not conflict; the test does not exercise the retry")
	}
	live := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(cm), live); err != nil {
		t.Fatal(err)
	}
	if got := operatorEntries(live); !slices.Equal(got, []string{"Apply/"}) {
		t.Errorf("the operator's entries are %v, want only its apply entry", got)
	}
	if !slices.ContainsFunc(live.ManagedFields, func(mf metav1.ManagedFieldsEntry) bool { return mf.Manager == "someone" }) {
		t.Errorf("the other writer's managedFields entry was lost: %v", live.ManagedFields)
	}
}
