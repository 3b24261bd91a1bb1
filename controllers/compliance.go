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
	"hash/fnv"
	"maps"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/evaluate"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// certificateRecheck bounds how long a certificate's validity goes unexamined: the TLS Secret is
// not in the cache, so expiry (TLS-2) is re-evaluated on this timer.
const certificateRecheck = time.Hour

// recheckJitter spreads the hourly rechecks of a fleet: platforms created together would
// otherwise all wake in the same second every hour.
const recheckJitter = 10 * time.Minute

// recheckAfter is when a platform looks again: certificateRecheck plus a share of
// recheckJitter that is fixed per platform (from its UID), so that the wait does not change
// from pass to pass.
func recheckAfter(uid types.UID) time.Duration {
	h := fnv.New32a()
	_, _ = h.Write([]byte(uid)) // a hash.Hash never fails
	return certificateRecheck + time.Duration(h.Sum32()%uint32(recheckJitter/time.Second))*time.Second
}

// liveState is the evaluation snapshot plus what the reconciler needs from it.
type liveState = evaluate.Snapshot

// reconcileCompliance reads the live platform, evaluates every control, and publishes the
// record of processing activities generated from that evaluation.
func (r *MeetingPlatformReconciler) reconcileCompliance(ctx context.Context, s *scope) (ctrl.Result, error) {
	snap, err := r.readLiveState(ctx, s)
	if err != nil {
		return ctrl.Result{}, err
	}
	s.snapshot = snap
	s.components, s.rollingOut = componentStatuses(snap.Deployments, s.mp)
	if s.applied > 0 {
		// The cache has not seen this pass's writes yet: evaluating it would report controls of
		// objects that are already fixed. The watch events of those writes bring the next pass;
		// the requeue is a safety net.
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	r.settleRollout(s)
	s.results = evaluate.Evaluate(snap)
	s.cacheStaleSince, _ = r.WatchHealth.Degraded()

	if s.stalled == nil || s.stalled.reason == v1alpha1.ReasonNoEligibleNode {
		published, err := r.publishProcessingRecord(ctx, s)
		if err != nil {
			return ctrl.Result{}, err
		}
		// The record is part of what is evaluated (TRN-2): when this pass wrote a new text,
		// judge the platform with it rather than report it stale until the next pass. An
		// unchanged record (every pass of a converged platform) needs no second evaluation.
		if live := findConfigMap(snap.ConfigMaps, published.Name); live == nil || !maps.Equal(live.Data, published.Data) {
			snap.ConfigMaps = replaceConfigMap(snap.ConfigMaps, published)
			s.results = evaluate.Evaluate(snap)
		}
	}
	if err := r.publishPolicyReport(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: nextLook(s, snap)}, nil
}

// nextLook is when the platform is judged again without a watch event: at the hourly recheck,
// or earlier when a certificate it is served with (its TLS Secret, or its Gateway listeners')
// changes its TLS-2 result by the clock alone.
func nextLook(s *scope, snap *liveState) time.Duration {
	wait := recheckAfter(s.mp.UID)
	certificates := []*corev1.Secret{s.inputs.tls}
	for _, sec := range snap.ListenerSecrets {
		certificates = append(certificates, sec)
	}
	for _, sec := range certificates {
		if at := evaluate.CertificateChange(sec, s.now); !at.IsZero() && at.Sub(s.now) < wait {
			// A second past the instant, so that the clock has passed it when the pass runs.
			wait = at.Sub(s.now) + time.Second
		}
	}
	return wait
}

// findConfigMap returns the ConfigMap of that name in list, or nil.
func findConfigMap(list []corev1.ConfigMap, name string) *corev1.ConfigMap {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

// replaceConfigMap returns list with cm in place of the ConfigMap of the same name.
func replaceConfigMap(list []corev1.ConfigMap, cm *corev1.ConfigMap) []corev1.ConfigMap {
	out := make([]corev1.ConfigMap, 0, len(list)+1)
	for _, c := range list {
		if c.Name != cm.Name {
			out = append(out, c)
		}
	}
	return append(out, *cm)
}

// evaluate judges the live state without publishing anything; used when a pass failed midway.
func (r *MeetingPlatformReconciler) evaluate(ctx context.Context, s *scope) {
	if s.results != nil {
		return
	}
	snap, err := r.readLiveState(ctx, s)
	if err != nil {
		return
	}
	s.snapshot = snap
	s.components, s.rollingOut = componentStatuses(snap.Deployments, s.mp)
	s.results = evaluate.Evaluate(snap)
	s.cacheStaleSince, _ = r.WatchHealth.Degraded()
}

// readLiveState collects the platform's live objects from the cache (and the TLS Secret read
// in reconcileInputs).
func (r *MeetingPlatformReconciler) readLiveState(ctx context.Context, s *scope) (*liveState, error) {
	mp := s.mp
	in := []client.ListOption{client.InNamespace(mp.Namespace), client.MatchingLabels{settings.LabelInstance: mp.Name}}
	snap := &liveState{Platform: mp, Desired: s.desired, Media: s.mediaInputs, TLSSecret: s.inputs.tls, JWTSecret: s.inputs.jwt, Now: s.now, Roots: r.Roots,
		Nodes: map[string]*corev1.Node{}, VerifiedImageTags: r.verifiedImageTags()}

	var deployments appsv1.DeploymentList
	var configMaps corev1.ConfigMapList
	var secrets corev1.SecretList
	var services corev1.ServiceList
	var ingresses networkingv1.IngressList
	var policies networkingv1.NetworkPolicyList
	var pods corev1.PodList
	var replicaSets appsv1.ReplicaSetList
	var endpointSlices discoveryv1.EndpointSliceList
	for _, list := range []client.ObjectList{&deployments, &configMaps, &secrets, &services, &pods, &replicaSets} {
		if err := r.List(ctx, list, in...); err != nil {
			return nil, err
		}
	}
	// Every NetworkPolicy and EndpointSlice of the namespace, labelled or not: see CacheOptions.
	for _, list := range []client.ObjectList{&policies, &endpointSlices} {
		if err := r.List(ctx, list, client.InNamespace(mp.Namespace)); err != nil {
			return nil, err
		}
	}
	// Every Ingress of the namespace, and every other one that routes the domain, exactly or
	// by a wildcard (ingressHostField).
	if err := r.List(ctx, &ingresses, client.InNamespace(mp.Namespace)); err != nil {
		return nil, err
	}
	snap.Ingresses = ingresses.Items
	// The cache's own copies are only read here, and the few that route the domain copied.
	var all networkingv1.IngressList
	if err := r.List(ctx, &all, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range all.Items {
		if ing := &all.Items[i]; ing.Namespace != mp.Namespace && evaluate.RoutesHost(ing, mp.Spec.Domain) {
			snap.DomainIngresses = append(snap.DomainIngresses, *ing.DeepCopy())
		}
	}
	var classes networkingv1.IngressClassList
	if err := r.List(ctx, &classes); err != nil {
		return nil, err
	}
	snap.IngressClasses = classes.Items
	if err := r.readGatewayState(ctx, snap); err != nil {
		return nil, err
	}
	if err := r.readMiddlewares(ctx, s, snap); err != nil {
		return nil, err
	}
	snap.Deployments, snap.ConfigMaps, snap.Secrets = deployments.Items, configMaps.Items, secrets.Items
	snap.Services, snap.NetworkPolicies, snap.Pods = services.Items, policies.Items, pods.Items
	snap.ReplicaSets, snap.EndpointSlices = replicaSets.Items, endpointSlices.Items

	for _, pod := range pods.Items {
		if pod.Spec.NodeName == "" || snap.Nodes[pod.Spec.NodeName] != nil {
			continue
		}
		node := &corev1.Node{}
		err := r.Get(ctx, client.ObjectKey{Name: pod.Spec.NodeName}, node)
		if apierrors.IsNotFound(err) {
			// A node the pod runs on must exist; the cache may just not have it yet.
			err = r.APIReader.Get(ctx, client.ObjectKey{Name: pod.Spec.NodeName}, node)
		}
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		snap.Nodes[node.Name] = node
	}
	return snap, nil
}

// publishProcessingRecord applies the Art. 30 record generated from this evaluation; it is
// rewritten only when its text changes.
func (r *MeetingPlatformReconciler) publishProcessingRecord(ctx context.Context, s *scope) (*corev1.ConfigMap, error) {
	cm := render.ProcessingRecordConfigMap(s.mp, evaluate.ProcessingRecord(s.snapshot, s.results))
	if err := apply.Prepare(s.mp, cm, r.Scheme()); err != nil {
		return nil, err
	}
	if _, err := r.syncChild(ctx, s, cm); err != nil {
		return nil, err
	}
	return cm, nil
}

// componentStatuses reports desired and ready (available) replicas of the operator's
// Deployments, and which of them are still rolling out: the Deployment controller has not yet
// observed the current template, or not every replica runs it.
func componentStatuses(deployments []appsv1.Deployment, mp *v1alpha1.MeetingPlatform) ([]v1alpha1.ComponentStatus, []string) {
	var out []v1alpha1.ComponentStatus
	var rollingOut []string
	for _, component := range settings.PlatformComponents(mp) {
		st := v1alpha1.ComponentStatus{Name: string(component)}
		rolling := false
		// The videobridges count together: one Deployment per bridge, one status entry.
		for _, name := range settings.DeploymentNames(mp, component) {
			i := slices.IndexFunc(deployments, func(d appsv1.Deployment) bool { return d.Name == name })
			if i < 0 {
				continue
			}
			d := &deployments[i]
			desired := ptr.Deref(d.Spec.Replicas, 0)
			st.DesiredReplicas += desired
			st.ReadyReplicas += d.Status.AvailableReplicas
			if st.Image == "" {
				st.Image = componentImage(d, component)
			}
			// kstatus' rules for a Deployment: the controller saw the current template, every
			// replica runs it, and no pod of the previous template is left (a surge pod that is
			// not ready yet while the old one still serves is a rollout, not Ready).
			rolling = rolling || d.Status.ObservedGeneration < d.Generation || d.Status.UpdatedReplicas < desired ||
				d.Status.Replicas > d.Status.UpdatedReplicas
		}
		if rolling {
			rollingOut = append(rollingOut, st.Name)
		}
		out = append(out, st)
	}
	return out, rollingOut
}

// componentImage is the image of the component's container in its live pod template: the one
// named after the component, else the first.
func componentImage(d *appsv1.Deployment, c settings.Component) string {
	containers := d.Spec.Template.Spec.Containers
	for _, ctr := range containers {
		if ctr.Name == string(c) {
			return ctr.Image
		}
	}
	if len(containers) > 0 {
		return containers[0].Image
	}
	return ""
}
