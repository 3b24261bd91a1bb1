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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// prunable are the kinds of children that a spec change or a newer operator version may stop
// rendering (a cert-manager Certificate after a switch to tls.secretName, say), by the kind's
// name in the inventory. Secrets are absent on purpose: the only one, the credentials Secret,
// is always rendered, and a password must never be deleted by a mistake in this list.
var prunable = map[string]func() client.Object{
	"Deployment":    func() client.Object { return &appsv1.Deployment{} },
	"Service":       func() client.Object { return &corev1.Service{} },
	"ConfigMap":     func() client.Object { return &corev1.ConfigMap{} },
	"Ingress":       func() client.Object { return &networkingv1.Ingress{} },
	"NetworkPolicy": func() client.Object { return &networkingv1.NetworkPolicy{} },
	// Optional components come and go with the spec, and their budgets with them.
	"PodDisruptionBudget": func() client.Object { return &policyv1.PodDisruptionBudget{} },
	"Certificate":         func() client.Object { return newCertificate() },
	"HTTPRoute":           func() client.Object { return &gatewayv1.HTTPRoute{} },
	"Middleware":          func() client.Object { return newOptional(middlewareGVK) },
}

// pruneChildren deletes the children the inventory lists that the platform no longer renders,
// and only those the platform controls (owner reference with its UID): a listed object someone
// else owns by now is dropped from the inventory and left alone. A deletion is reported as an
// Event and counts as a write of the pass.
func (r *MeetingPlatformReconciler) pruneChildren(ctx context.Context, s *scope) error {
	keep := sets.New(inventoryID(&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: settings.ProcessingRecordName(s.mp)}}), // published by compliance
		settings.PolicyReportKind+"/"+settings.PolicyReportName(s.mp)) // likewise, where OpenReports is served
	for _, o := range s.desired {
		keep.Insert(inventoryID(o))
	}
	for _, id := range sets.List(s.inventory.Difference(keep)) {
		kind, name, _ := strings.Cut(id, "/")
		newObj, ok := prunable[kind]
		if !ok {
			continue
		}
		obj := newObj()
		err := r.Get(ctx, client.ObjectKey{Namespace: s.mp.Namespace, Name: name}, obj)
		switch {
		case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
			s.inventory.Delete(id)
			continue
		case err != nil:
			return fmt.Errorf("reading %s: %w", id, err)
		case !metav1.IsControlledBy(obj, s.mp):
			s.inventory.Delete(id)
			continue
		}
		err = r.Delete(ctx, obj, client.Preconditions{UID: ptr.To(obj.GetUID())})
		if client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting %s, which the platform no longer renders: %w", id, err)
		}
		s.inventory.Delete(id)
		s.applied++
		r.Recorder.Eventf(s.mp, obj, corev1.EventTypeNormal, v1alpha1.EventPruned, "Prune",
			"deleted %s %s, which the platform no longer renders", kind, name)
	}
	return nil
}
