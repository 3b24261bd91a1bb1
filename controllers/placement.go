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
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// reconcilePlacement checks that the cluster has a node the platform may run on, and in Enforce
// mode evicts the platform's pods from nodes outside the allowed jurisdiction, so the scheduler
// places them again under the required node affinity.
func (r *MeetingPlatformReconciler) reconcilePlacement(ctx context.Context, s *scope) (ctrl.Result, error) {
	var nodes corev1.NodeList
	if err := r.List(ctx, &nodes); err != nil {
		return ctrl.Result{}, err
	}
	eligible := 0
	for i := range nodes.Items {
		n := &nodes.Items[i]
		if ok, _ := settings.NodeAllowed(s.mp, n); ok && nodeReady(n) && !n.Spec.Unschedulable {
			eligible++
		}
	}
	if eligible == 0 {
		// No eviction either: an evicted pod would be placed right back (the affinity sees
		// only the region label, the judgement also zones and providers): report, do not loop.
		return ctrl.Result{}, stall(v1alpha1.ReasonNoEligibleNode,
			"no Ready node lies in the allowed regions of jurisdiction %s (%s); the platform's pods stay Pending until one exists",
			s.mp.Spec.Placement.Jurisdiction, describeAllowed(s.mp))
	}
	if s.mp.Spec.Compliance.Mode == v1alpha1.ComplianceModeAudit {
		return ctrl.Result{}, nil
	}
	pods, err := r.platformPods(ctx, s.mp)
	if err != nil {
		return ctrl.Result{}, err
	}
	byName := map[string]*corev1.Node{}
	for i := range nodes.Items {
		byName[nodes.Items[i].Name] = &nodes.Items[i]
	}
	var loops []string
	var resume time.Time
	// A pass counts once per node and component, however many replicas it evicts there.
	noted := map[string]bool{}
	for i := range pods {
		pod := &pods[i]
		node := byName[pod.Spec.NodeName]
		if node == nil || pod.DeletionTimestamp != nil || !isOwnedWorkloadPod(pod) {
			continue
		}
		ok, reason := settings.NodeAllowed(s.mp, node)
		if ok {
			continue
		}
		loopKey := string(s.mp.UID) + "/evict/" + node.Name + "/" + pod.Labels[settings.LabelComponent]
		if looping, until := r.loops.looping(loopKey, s.now); looping {
			// See loops.go: the scheduler puts the pods right back.
			loops = append(loops, fmt.Sprintf("%s pods keep being placed on node %s (%s)", pod.Labels[settings.LabelComponent], node.Name, reason))
			if resume.IsZero() || until.Before(resume) {
				resume = until
			}
			continue
		}
		evicted, err := r.evict(ctx, s, pod, reason)
		if err != nil {
			return ctrl.Result{}, err
		}
		if evicted && !noted[loopKey] {
			noted[loopKey] = true
			r.loops.note(loopKey, s.now)
		}
	}
	if len(loops) > 0 {
		return ctrl.Result{RequeueAfter: resume.Sub(s.now) + time.Second}, stall(v1alpha1.ReasonEvictionLoop,
			"evicted %d times within %s and scheduled back each time: %s. The pods' node affinity names only the allowed regions (label %s); "+
				"cordon or taint the node, or label it with a region outside spec.placement; evictions pause for %s",
			loopLimit, loopWindow, strings.Join(loops, "; "), s.mp.Spec.Placement.RegionLabel, loopWindow)
	}
	key := client.ObjectKeyFromObject(s.mp)
	if !s.evictionBlocked {
		r.blockedEvictions.Delete(key)
		return ctrl.Result{}, nil
	}
	// Nothing watches a budget's headroom: try again with backoff.
	return ctrl.Result{RequeueAfter: backoff(&r.blockedEvictions, key)}, nil
}

func describeAllowed(mp *v1alpha1.MeetingPlatform) string {
	if len(mp.Spec.Placement.AllowedRegions) > 0 {
		return fmt.Sprintf("spec.placement.allowedRegions %v on label %s", mp.Spec.Placement.AllowedRegions, mp.Spec.Placement.RegionLabel)
	}
	return fmt.Sprintf("built-in catalog on label %s", mp.Spec.Placement.RegionLabel)
}

// platformPods lists the pods labelled as the platform's.
func (r *MeetingPlatformReconciler) platformPods(ctx context.Context, mp *v1alpha1.MeetingPlatform) ([]corev1.Pod, error) {
	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.InNamespace(mp.Namespace),
		client.MatchingLabels{settings.LabelInstance: mp.Name, settings.LabelManagedBy: settings.ManagedByValue}); err != nil {
		return nil, err
	}
	sort.Slice(pods.Items, func(i, j int) bool { return pods.Items[i].Name < pods.Items[j].Name })
	return pods.Items, nil
}

// isOwnedWorkloadPod is true for pods a ReplicaSet manages: evicting them is safe, because the
// ReplicaSet creates a replacement that the scheduler places under the node affinity.
func isOwnedWorkloadPod(pod *corev1.Pod) bool {
	ref := metav1.GetControllerOf(pod)
	return ref != nil && ref.Kind == "ReplicaSet"
}

// evict asks the API server to evict a pod, and says whether it did.
func (r *MeetingPlatformReconciler) evict(ctx context.Context, s *scope, pod *corev1.Pod, reason string) (bool, error) {
	eviction := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace}}
	var err error
	if r.Evictions != nil {
		// No retries: client-go would otherwise retry a 429 after its Retry-After, ten times,
		// holding this worker for minutes on a budget that will not change by then.
		err = r.Evictions.Post().Namespace(pod.Namespace).Resource("pods").Name(pod.Name).SubResource("eviction").
			Body(eviction).MaxRetries(0).Do(ctx).Error()
	} else {
		err = r.SubResource("eviction").Create(ctx, pod, eviction)
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if apierrors.IsTooManyRequests(err) {
		// A PodDisruptionBudget blocks it for now: say which, and try again later.
		s.evictionBlocked = true
		r.Recorder.Eventf(s.mp, pod, corev1.EventTypeWarning, v1alpha1.EventEvictionBlocked, "Evict",
			"Pod %s on node %s must leave (%s), but its eviction is blocked: %s", pod.Name, pod.Spec.NodeName, reason, apiMessage(err))
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("evicting pod %s: %w", pod.Name, err)
	}
	what := fmt.Sprintf("Pod %s on node %s: %s; evicted", pod.Name, pod.Spec.NodeName, reason)
	s.reverted = append(s.reverted, what)
	r.Recorder.Eventf(s.mp, pod, corev1.EventTypeWarning, v1alpha1.EventPodEvicted, "Evict", "%s", what)
	return true, nil
}
