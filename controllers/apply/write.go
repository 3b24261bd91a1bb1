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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/csaupgrade"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// apply writes the object with server-side apply under the operator's one field owner.
func (a *Applier) apply(ctx context.Context, obj client.Object) error {
	_, err := a.applied(ctx, obj)
	return err
}

// applied applies obj and returns the object as the API server stored it.
func (a *Applier) applied(ctx context.Context, obj client.Object) (client.Object, error) {
	applied := obj.DeepCopyObject().(client.Object)
	applied.SetManagedFields(nil)
	applied.SetResourceVersion("")
	//nolint:staticcheck // client.Apply with a typed object is the documented way until typed apply configurations are generated for every kind.
	err := a.Client.Patch(ctx, applied, client.Apply, client.FieldOwner(FieldOwner), client.ForceOwnership)
	return applied, err
}

// create makes a missing child. Server-side apply can create objects too, and does for every kind
// but a Service that asks for a fixed node port: the API server's create-on-apply path commits
// the node-port allocation before it writes the object, so an apply cut short (the operator
// killed, a request timeout) leaks the port, and the platform's own media port is then refused
// as "already allocated" until the API server's repair loop frees it, about ten minutes later. A
// POST releases the allocation when the write fails.
func (a *Applier) create(ctx context.Context, obj client.Object) error {
	svc, ok := obj.(*corev1.Service)
	if !ok || !requestsNodePort(svc) {
		return a.apply(ctx, obj)
	}
	// The cache may not show yet what the previous pass created, and a POST of an existing
	// Service with a fixed node port fails as "already allocated" rather than AlreadyExists.
	if err := a.APIReader.Get(ctx, client.ObjectKeyFromObject(svc), &corev1.Service{}); !apierrors.IsNotFound(err) {
		if err != nil {
			return err
		}
		return a.apply(ctx, obj)
	}
	created := svc.DeepCopy()
	created.SetManagedFields(nil)
	created.SetResourceVersion("")
	if err := a.Client.Create(ctx, created, client.FieldOwner(FieldOwner)); err != nil {
		return err
	}
	return a.ownByApply(ctx, created)
}

// CreateOnce creates obj with a POST and returns the object the API server stored, or nil (and
// no error) when it exists already. It is for objects whose first content must never be
// overwritten, such as generated passwords: two writers that both find the object missing (an
// operator's old and new leader during a hand-over) cannot both win, as with an apply; the one
// that loses reads what the other wrote. obj must be prepared (Prepare).
func (a *Applier) CreateOnce(ctx context.Context, obj client.Object) (client.Object, error) {
	created := obj.DeepCopyObject().(client.Object)
	created.SetManagedFields(nil)
	created.SetResourceVersion("")
	err := a.Client.Create(ctx, created, client.FieldOwner(FieldOwner))
	if apierrors.IsAlreadyExists(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return created, a.ownByApply(ctx, created)
}

// requestsNodePort tells whether the Service names a node port rather than letting Kubernetes
// choose one.
func requestsNodePort(svc *corev1.Service) bool {
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			return true
		}
	}
	return false
}

// ownByApply moves the fields the operator wrote with a POST or PUT into its server-side apply
// entry. Left in a separate Update entry they would stay owned by it, and a later apply could
// never remove them: after a change of spec.media.port the old port would linger next to the new.
func (a *Applier) ownByApply(ctx context.Context, obj client.Object) error {
	for attempt := 0; ; attempt++ {
		patch, err := csaupgrade.UpgradeManagedFieldsPatch(obj, sets.New(FieldOwner), FieldOwner)
		if err != nil || patch == nil {
			return err
		}
		// The patch carries the resourceVersion it was computed from, so that it cannot drop
		// another manager's entry written in between; it then conflicts and is recomputed.
		err = a.Client.Patch(ctx, obj, client.RawPatch(types.JSONPatchType, patch))
		if !apierrors.IsConflict(err) || attempt == 2 {
			return err
		}
		// Usually the Deployment controller wrote its status right after the replace.
		if err := a.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
	}
}

// ownedByUpdate tells whether the operator still owns fields of obj through an Update entry.
func ownedByUpdate(obj client.Object) bool {
	return slices.ContainsFunc(obj.GetManagedFields(), func(mf metav1.ManagedFieldsEntry) bool {
		return mf.Manager == FieldOwner && mf.Operation == metav1.ManagedFieldsOperationUpdate && mf.Subresource == ""
	})
}

// replace overwrites the live object with the desired one (an update, not an apply), which drops
// every field other managers added. Values the API server allocated are carried over.
func (a *Applier) replace(ctx context.Context, desired, live client.Object) (client.Object, error) {
	obj := desired.DeepCopyObject().(client.Object)
	obj.SetResourceVersion(live.GetResourceVersion())
	// A PUT would drop the finalizers other controllers added; they are not drift.
	obj.SetFinalizers(live.GetFinalizers())
	for _, key := range systemAnnotations {
		if v, ok := live.GetAnnotations()[key]; ok {
			annotations := obj.GetAnnotations()
			annotations[key] = v
			obj.SetAnnotations(annotations)
		}
	}
	if svc, ok := obj.(*corev1.Service); ok {
		keepAllocated(svc, live.(*corev1.Service))
	}
	if d, ok := obj.(*appsv1.Deployment); ok {
		keepRestart(d, live.(*appsv1.Deployment))
	}
	err := a.Client.Update(ctx, obj, client.FieldOwner(FieldOwner))
	for attempt := 0; apierrors.IsConflict(err) && attempt < 3; attempt++ {
		// The cache lagged behind another writer (often the Deployment controller's status);
		// read the current version past the cache and replace that.
		fresh := obj.DeepCopyObject().(client.Object)
		if err = a.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), fresh); err != nil {
			return nil, err
		}
		obj.SetResourceVersion(fresh.GetResourceVersion())
		err = a.Client.Update(ctx, obj, client.FieldOwner(FieldOwner))
	}
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// keepRestart keeps the time of the last `kubectl rollout restart`: dropping it would roll the
// pods once more.
func keepRestart(d, live *appsv1.Deployment) {
	at, ok := live.Spec.Template.Annotations[RestartedAtAnnotation]
	if !ok {
		return
	}
	if d.Spec.Template.Annotations == nil {
		d.Spec.Template.Annotations = map[string]string{}
	}
	d.Spec.Template.Annotations[RestartedAtAnnotation] = at
}

// keepAllocated copies what the API server assigned to a Service (cluster IPs, node ports the
// spec left open) so that a replace does not try to change immutable fields.
func keepAllocated(svc, live *corev1.Service) {
	svc.Spec.ClusterIP = live.Spec.ClusterIP
	svc.Spec.ClusterIPs = live.Spec.ClusterIPs
	svc.Spec.IPFamilies = live.Spec.IPFamilies
	svc.Spec.IPFamilyPolicy = live.Spec.IPFamilyPolicy
	if svc.Spec.HealthCheckNodePort == 0 {
		svc.Spec.HealthCheckNodePort = live.Spec.HealthCheckNodePort
	}
	for i := range svc.Spec.Ports {
		for _, lp := range live.Spec.Ports {
			if svc.Spec.Ports[i].Name == lp.Name && svc.Spec.Ports[i].NodePort == 0 {
				svc.Spec.Ports[i].NodePort = lp.NodePort
			}
		}
	}
}

// getLike reads the live counterpart of a desired object from the cache.
func (a *Applier) getLike(ctx context.Context, desired client.Object) (client.Object, error) {
	var live client.Object
	if u, ok := desired.(*unstructured.Unstructured); ok {
		lu := &unstructured.Unstructured{}
		lu.SetGroupVersionKind(u.GroupVersionKind())
		live = lu
	} else {
		live = desired.DeepCopyObject().(client.Object)
	}
	err := a.Client.Get(ctx, client.ObjectKeyFromObject(desired), live)
	return live, err
}
