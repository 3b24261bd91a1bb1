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
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// children writes ConfigMaps the way the operator and other managers do, in one namespace.
type children struct {
	t  *testing.T
	c  client.Client
	ns string
}

func newChildren(t *testing.T) *children {
	return &children{t: t, c: apiServer(t), ns: newNamespace(t)}
}

// desired is a prepared desired state of the child.
func (f *children) desired(child, value string) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: child, Namespace: f.ns},
		Data:       map[string]string{"k": value},
	}
	if err := setDesiredHash(cm); err != nil {
		f.t.Fatal(err)
	}
	return cm
}

// live reads the child past any cache.
func (f *children) live(child string) (*corev1.ConfigMap, error) {
	cm := &corev1.ConfigMap{}
	return cm, f.c.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: child}, cm)
}

// exists applies the first desired state, as an earlier pass of the operator did.
func (f *children) exists(t *testing.T, child string) {
	t.Helper()
	if err := (&Applier{Client: f.c, APIReader: f.c}).apply(context.Background(), f.desired(child, "v")); err != nil {
		t.Fatal(err)
	}
}

// changedBySomeone changes the value as `kubectl edit` would: an update by another manager.
func (f *children) changedBySomeone(t *testing.T, child string) {
	t.Helper()
	f.exists(t, child)
	f.changedBySomeoneElse(t, child)
}

// TestSyncReportsWhatItDid runs Sync against a real API server, whose managedFields tell the
// operator's fields from other managers'.
func TestSyncReportsWhatItDid(t *testing.T) {
	f := newChildren(t)
	ctx := context.Background()
	exists, changedBySomeone := f.exists, f.changedBySomeone
	tests := []struct {
		name      string
		child     string
		before    func(t *testing.T, child string)
		value     string
		opts      Options
		want      Result
		wantValue string // "" when the child must not exist afterwards
	}{
		{
			name:      "a missing child is created",
			child:     "created",
			before:    func(*testing.T, string) {},
			value:     "v",
			want:      Result{Outcome: Created},
			wantValue: "v",
		},
		{
			name:      "a child that matches its desired state is left alone",
			child:     "unchanged",
			before:    exists,
			value:     "v",
			opts:      Options{AppliedBefore: true},
			want:      Result{Outcome: Unchanged},
			wantValue: "v",
		},
		{
			name:      "a changed desired state is applied",
			child:     "changed",
			before:    exists,
			value:     "w",
			opts:      Options{AppliedBefore: true},
			want:      Result{Outcome: Changed},
			wantValue: "w",
		},
		{
			name:      "a changed desired state is applied in Audit mode too",
			child:     "changed-audit",
			before:    exists,
			value:     "w",
			opts:      Options{Mode: Audit, AppliedBefore: true},
			want:      Result{Outcome: Changed},
			wantValue: "w",
		},
		{
			name:      "a child deleted after it was applied is recreated and the revert is named",
			child:     "deleted-enforce",
			before:    func(*testing.T, string) {},
			value:     "v",
			opts:      Options{AppliedBefore: true},
			want:      Result{Outcome: Reverted, Drift: "ConfigMap deleted-enforce was deleted; recreated"},
			wantValue: "v",
		},
		{
			name:   "a child deleted after it was applied stays deleted in Audit mode and is named",
			child:  "deleted-audit",
			before: func(*testing.T, string) {},
			value:  "v",
			opts:   Options{Mode: Audit, AppliedBefore: true},
			want:   Result{Outcome: DriftLeft, Drift: "ConfigMap deleted-audit was deleted"},
		},
		{
			name:      "a value another manager changed is reverted and the manager named",
			child:     "foreign-enforce",
			before:    changedBySomeone,
			value:     "v",
			opts:      Options{AppliedBefore: true},
			want:      Result{Outcome: Reverted, Drift: "ConfigMap foreign-enforce: changed by another manager: someone: data.k"},
			wantValue: "v",
		},
		{
			name:      "a value another manager changed is left in place in Audit mode and the manager named",
			child:     "foreign-audit",
			before:    changedBySomeone,
			value:     "v",
			opts:      Options{Mode: Audit, AppliedBefore: true},
			want:      Result{Outcome: DriftLeft, Drift: "ConfigMap foreign-audit: changed by another manager: someone: data.k"},
			wantValue: "foreign",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.before(t, tt.child)
			a := &Applier{Client: f.c, APIReader: f.c}
			got, err := a.Sync(ctx, f.desired(tt.child, tt.value), tt.opts)
			if err != nil || got != tt.want {
				t.Fatalf("Sync: got %+v (err %v), want %+v", got, err, tt.want)
			}
			// The next pass finds nothing to do, or the same drift still left in place.
			wantAgain := Result{}
			if tt.want.Outcome == DriftLeft {
				wantAgain = tt.want
			}
			again, err := a.Sync(ctx, f.desired(tt.child, tt.value), Options{Mode: tt.opts.Mode, AppliedBefore: true})
			if err != nil || again != wantAgain {
				t.Errorf("the next Sync: got %+v (err %v), want %+v", again, err, wantAgain)
			}

			live, err := f.live(tt.child)
			if tt.wantValue == "" {
				if !apierrors.IsNotFound(err) {
					t.Fatalf("the child exists (err %v), want it left deleted", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if live.Data["k"] != tt.wantValue {
				t.Errorf("the live value is %q, want %q", live.Data["k"], tt.wantValue)
			}
			if tt.want.Outcome != DriftLeft {
				// Whatever was written, the operator owns its fields through apply alone.
				if got := operatorEntries(live); !slices.Equal(got, []string{"Apply/"}) {
					t.Errorf("the operator's managedFields entries are %v, want only its apply entry", got)
				}
			}
		})
	}
}

func TestSyncReportsARevertEvenWhenTheBookkeepingAfterItFails(t *testing.T) {
	f := newChildren(t)
	ctx := context.Background()
	f.changedBySomeone(t, "c")

	// The replace goes through; the JSON patch of ownByApply after it does not.
	base, err := client.NewWithWatch(testConfig, client.Options{Scheme: f.c.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	failing := interceptor.NewClient(base, interceptor.Funcs{
		Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			if patch.Type() == types.JSONPatchType {
				return apierrors.NewServiceUnavailable("injected")
			}
			return cl.Patch(ctx, obj, patch, opts...)
		},
	})
	got, err := (&Applier{Client: failing, APIReader: f.c}).Sync(ctx, f.desired("c", "v"), Options{AppliedBefore: true})
	want := Result{Outcome: Reverted, Drift: "ConfigMap c: changed by another manager: someone: data.k"}
	if got != want || !apierrors.IsServiceUnavailable(err) {
		t.Fatalf("Sync: got %+v (err %v), want %+v with the bookkeeping's error", got, err, want)
	}
	live, err := f.live("c")
	if err != nil {
		t.Fatal(err)
	}
	if live.Data["k"] != "v" {
		t.Errorf("the live value is %q: the revert did not happen", live.Data["k"])
	}

	// The next pass finds the object converged and finishes the bookkeeping.
	got, err = (&Applier{Client: f.c, APIReader: f.c}).Sync(ctx, f.desired("c", "v"), Options{AppliedBefore: true})
	if err != nil || got != (Result{}) {
		t.Fatalf("the next Sync: got %+v (err %v), want Unchanged", got, err)
	}
	if live, err = f.live("c"); err != nil {
		t.Fatal(err)
	}
	if got := operatorEntries(live); !slices.Equal(got, []string{"Apply/"}) {
		t.Errorf("the operator's managedFields entries are %v, want only its apply entry", got)
	}
}

func TestARevertKeepsTheFinalizersOfOtherControllers(t *testing.T) {
	f := newChildren(t)
	ctx := context.Background()
	const finalizer = "service.kubernetes.io/load-balancer-cleanup"
	f.exists(t, "finalized")
	live, err := f.live("finalized")
	if err != nil {
		t.Fatal(err)
	}
	// A cloud controller adds its cleanup finalizer; someone else changes a value.
	live.Finalizers = []string{finalizer}
	if err := f.c.Update(ctx, live, client.FieldOwner("cloud-controller")); err != nil {
		t.Fatal(err)
	}
	a := &Applier{Client: f.c, APIReader: f.c}
	if got, err := a.Sync(ctx, f.desired("finalized", "v"), Options{AppliedBefore: true}); err != nil || got.Outcome != Unchanged {
		t.Fatalf("a foreign finalizer alone: Sync = %+v (err %v), want Unchanged: it is not drift", got, err)
	}
	f.changedBySomeoneElse(t, "finalized")
	if got, err := a.Sync(ctx, f.desired("finalized", "v"), Options{AppliedBefore: true}); err != nil || got.Outcome != Reverted {
		t.Fatalf("Sync = %+v (err %v), want Reverted", got, err)
	}
	live, err = f.live("finalized")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(live.Finalizers, finalizer) || live.Data["k"] != "v" {
		t.Errorf("after the revert: finalizers %v, value %q; want the cloud controller's finalizer kept and the value reverted", live.Finalizers, live.Data["k"])
	}
	// Let the namespace go.
	live.Finalizers = nil
	if err := f.c.Update(ctx, live); err != nil {
		t.Fatal(err)
	}
}

// changedBySomeoneElse changes the child's value as another manager, leaving the rest alone.
func (f *children) changedBySomeoneElse(t *testing.T, child string) {
	t.Helper()
	live, err := f.live(child)
	if err != nil {
		t.Fatal(err)
	}
	live.Data["k"] = "foreign"
	if err := f.c.Update(context.Background(), live, client.FieldOwner("someone")); err != nil {
		t.Fatal(err)
	}
}
