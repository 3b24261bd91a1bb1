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

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// domainField indexes cached MeetingPlatforms by spec.domain.
const domainField = "spec.domain"

func platformDomain(o client.Object) []string {
	return []string{o.(*v1alpha1.MeetingPlatform).Spec.Domain}
}

// reconcileClaims stalls a platform whose domain an older platform claims, in any namespace:
// ingress controllers merge the rules of one host, so two platforms would serve each other's
// users. The older one keeps it (by creation time, then namespace and name); the later one
// deploys nothing until the domain is free.
func (r *MeetingPlatformReconciler) reconcileClaims(ctx context.Context, s *scope) (ctrl.Result, error) {
	var list v1alpha1.MeetingPlatformList
	if err := r.List(ctx, &list, client.MatchingFields{domainField: s.mp.Spec.Domain}); err != nil {
		return ctrl.Result{}, err
	}
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID == s.mp.UID || !other.DeletionTimestamp.IsZero() || !claimedBefore(other, s.mp) {
			continue
		}
		return ctrl.Result{}, stall(v1alpha1.ReasonDomainConflict,
			"MeetingPlatform %s/%s, created earlier, already serves %s: a domain belongs to one platform; choose another spec.domain",
			other.Namespace, other.Name, s.mp.Spec.Domain)
	}
	return ctrl.Result{}, nil
}

// claimedBefore says whether a's claim on a domain precedes b's.
func claimedBefore(a, b *v1alpha1.MeetingPlatform) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

// platformsOfDomain maps a platform to the others with its domain: when one is deleted or
// moves to another domain, the one waiting for it deploys.
func (r *MeetingPlatformReconciler) platformsOfDomain(ctx context.Context, o client.Object) []reconcile.Request {
	mp, ok := o.(*v1alpha1.MeetingPlatform)
	if !ok {
		return nil
	}
	var reqs []reconcile.Request
	for _, req := range r.platformRequests(ctx, client.MatchingFields{domainField: mp.Spec.Domain}) {
		if req.NamespacedName != client.ObjectKeyFromObject(mp) {
			reqs = append(reqs, req)
		}
	}
	return reqs
}
