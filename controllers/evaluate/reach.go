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

package evaluate

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/podtemplate"
)

// This file judges what users reach by an allow-list: the other controls read the operator's
// own objects, and these two make sure nothing else is in their path. OVR-2 holds each
// component's pod template to the rendered one as a whole; OVR-3 holds every pod and endpoint
// behind the platform's Services, and every Ingress that routes its domain or its Services,
// to the operator's own.

// OVR-2: every component runs the pod template the operator renders, field by field.
func checkPodTemplates(s *Snapshot) (resultValue, string) {
	var f findings
	if s.Desired == nil {
		f.add("the spec cannot be rendered, so the pod templates cannot be compared")
	}
	for _, want := range s.desiredDeployments() {
		live := s.deploymentNamed(want.Name)
		if live == nil {
			f.add("Deployment %s is missing", want.Name)
			continue
		}
		d, err := podtemplate.Diff(&want.Spec.Template, &live.Spec.Template)
		switch {
		case err != nil:
			f.add("Deployment %s: the pod template cannot be read: %v", live.Name, err)
		case d != "":
			f.add("Deployment %s: %s (the operator renders the template without it)", live.Name, d)
		}
	}
	return f.result("every component's pod template is the one the operator renders: no other container, command, image, hook, volume, host namespace or service account")
}

// OVR-3: whatever the platform's Services and domain lead to is the operator's.
func checkWhatUsersReach(s *Snapshot) (resultValue, string) {
	var failed, warned findings
	own := s.ownDeployments()
	for _, want := range s.desiredServices() {
		live := s.serviceNamed(want.Name)
		if live == nil {
			continue // the controls of what the Service serves report it missing
		}
		if !maps.Equal(live.Spec.Selector, want.Spec.Selector) {
			failed.add("Service %s selects %s instead of %s", live.Name, labels.Set(live.Spec.Selector), labels.Set(want.Spec.Selector))
		}
		failed.addAll(serviceDifferences(live, want))
		serving := map[string]*corev1.Pod{}
		for _, pod := range s.podsSelectedBy(live) {
			fail, warn := s.podOrigin(pod, own)
			switch {
			case fail != "":
				failed.add("Pod %s receives the traffic of Service %s but %s", pod.Name, live.Name, fail)
			case warn != "":
				warned.add("Pod %s behind Service %s %s", pod.Name, live.Name, warn)
				serving[pod.Name] = pod
			default:
				serving[pod.Name] = pod
			}
		}
		failed.addAll(s.foreignEndpoints(live, serving))
	}
	failed.addAll(s.foreignRoutes())
	failed.addAll(s.foreignHTTPRoutes())
	if len(failed) > 0 {
		return failed.result("")
	}
	if len(warned) > 0 {
		_, message := warned.result("")
		return v1alpha1.ResultWarn, message
	}
	return pass("every pod and endpoint behind the platform's Services belongs to the operator's Deployments, and no Ingress or HTTPRoute but the operator's routes %s or its Services", s.Platform.Spec.Domain)
}

// ownDeployments are the live Deployments the operator renders and controls, by UID.
func (s *Snapshot) ownDeployments() map[types.UID]*appsv1.Deployment {
	out := map[types.UID]*appsv1.Deployment{}
	for _, want := range s.desiredDeployments() {
		if d := s.deploymentNamed(want.Name); d != nil && s.controlledByPlatform(d) {
			out[d.UID] = d
		}
	}
	return out
}

// controlledByPlatform says whether the platform is obj's controller.
func (s *Snapshot) controlledByPlatform(obj metav1.Object) bool {
	ref := metav1.GetControllerOf(obj)
	return ref != nil && ref.UID == s.Platform.UID
}

// podOrigin says why a pod behind a platform Service is not the operator's (fail), or that it
// runs an earlier template of an operator Deployment that is rolling out (warn).
func (s *Snapshot) podOrigin(pod *corev1.Pod, own map[types.UID]*appsv1.Deployment) (fail, warn string) {
	ref := metav1.GetControllerOf(pod)
	if ref == nil {
		return "has no controller: it is no pod of the operator's Deployments", ""
	}
	if ref.Kind != "ReplicaSet" {
		return fmt.Sprintf("is controlled by %s %s, not by the operator's Deployments", ref.Kind, ref.Name), ""
	}
	rs := s.replicaSet(ref.UID)
	if rs == nil {
		return fmt.Sprintf("is controlled by ReplicaSet %s, which is not the platform's", ref.Name), ""
	}
	dref := metav1.GetControllerOf(rs)
	var d *appsv1.Deployment
	if dref != nil {
		d = own[dref.UID]
	}
	if d == nil {
		owner := "no Deployment"
		if dref != nil {
			owner = dref.Kind + " " + dref.Name
		}
		return fmt.Sprintf("belongs to ReplicaSet %s of %s, not to the operator's Deployments", rs.Name, owner), ""
	}
	if f := podChanges(pod, &rs.Spec.Template); f != "" {
		return f, ""
	}
	diff, err := podtemplate.Diff(&d.Spec.Template, &rs.Spec.Template)
	switch {
	case err != nil:
		return fmt.Sprintf("its ReplicaSet %s cannot be read: %v", rs.Name, err), ""
	case diff == "":
		return "", ""
	case d.Spec.Paused || !s.olderThanCurrent(rs, d):
		// Only a rollout of the Deployment's own template replaces an earlier one; a paused
		// Deployment or a ReplicaSet newer than the current one is nobody's rollout.
		return fmt.Sprintf("runs ReplicaSet %s, whose template is not Deployment %s's (%s)", rs.Name, d.Name, diff), ""
	}
	return "", fmt.Sprintf("still runs an earlier template of Deployment %s while it rolls out (ReplicaSet %s: %s)", d.Name, rs.Name, diff)
}

// podChanges says what a running pod has that its ReplicaSet's template does not: an
// ephemeral container (kubectl debug reads and writes everything the pod holds) or another
// image (a pod's images can be changed in place).
func podChanges(pod *corev1.Pod, template *corev1.PodTemplateSpec) string {
	if len(pod.Spec.EphemeralContainers) > 0 {
		c := pod.Spec.EphemeralContainers[0]
		return fmt.Sprintf("runs ephemeral container %s (%s), which no template of the operator has", c.Name, c.Image)
	}
	want := map[string]string{}
	for _, c := range allContainers(&template.Spec) {
		want[c.Name] = c.Image
	}
	for _, c := range allContainers(&pod.Spec) {
		if image, ok := want[c.Name]; !ok || image != c.Image {
			return fmt.Sprintf("runs container %s with image %s, which is not its ReplicaSet's", c.Name, c.Image)
		}
	}
	return ""
}

// olderThanCurrent says whether rs was created before the ReplicaSet that runs the
// Deployment's current template; with no current ReplicaSet yet, every earlier one is older.
func (s *Snapshot) olderThanCurrent(rs *appsv1.ReplicaSet, d *appsv1.Deployment) bool {
	for i := range s.ReplicaSets {
		cur := &s.ReplicaSets[i]
		if ref := metav1.GetControllerOf(cur); ref == nil || ref.UID != d.UID {
			continue
		}
		if diff, err := podtemplate.Diff(&d.Spec.Template, &cur.Spec.Template); err == nil && diff == "" {
			return rs.CreationTimestamp.Before(&cur.CreationTimestamp)
		}
	}
	return true
}

// foreignEndpoints lists the endpoints of a platform Service that lead anywhere but to the
// pods allowed to serve it: hand-made EndpointSlices, addresses without a pod, other pods.
func (s *Snapshot) foreignEndpoints(svc *corev1.Service, serving map[string]*corev1.Pod) findings {
	var f findings
	for _, slice := range s.endpointSlicesOf(svc.Name) {
		for _, ep := range slice.Endpoints {
			where := strings.Join(ep.Addresses, ",")
			ref := ep.TargetRef
			if !receivesTraffic(ep) {
				continue
			}
			if ref == nil || ref.Kind != "Pod" {
				f.add("EndpointSlice %s sends the traffic of Service %s to %s, which is no pod of the platform", slice.Name, svc.Name, where)
				continue
			}
			pod := serving[ref.Name]
			if pod == nil && slice.Labels[discoveryv1.LabelManagedBy] == endpointSliceController && s.podNamed(ref.Name) == nil {
				// The pod is gone and the EndpointSlice controller has not yet caught up (a
				// watch event apart). It also rewrites any endpoint someone else puts into a
				// slice it manages, so this is no way around the check.
				continue
			}
			if pod == nil {
				f.add("EndpointSlice %s sends the traffic of Service %s to Pod %s, which is not one of the operator's pods behind it", slice.Name, svc.Name, ref.Name)
				continue
			}
			if ips := podIPs(pod); len(ips) > 0 {
				for _, a := range ep.Addresses {
					if !slices.Contains(ips, a) {
						f.add("EndpointSlice %s sends the traffic of Service %s to %s, which is not the address of Pod %s", slice.Name, svc.Name, a, pod.Name)
					}
				}
			}
		}
	}
	return f
}

// endpointSliceController is the managed-by label value of the slices Kubernetes writes.
const endpointSliceController = "endpointslice-controller.k8s.io"

// receivesTraffic says whether kube-proxy sends traffic to an endpoint: one that is ready (an
// unset condition means ready), or serving while it terminates.
func receivesTraffic(ep discoveryv1.Endpoint) bool {
	c := ep.Conditions
	return c.Ready == nil || *c.Ready || (c.Serving != nil && *c.Serving)
}

func (s *Snapshot) podNamed(name string) *corev1.Pod { return named(s.Pods, name) }

func podIPs(pod *corev1.Pod) []string {
	out := make([]string, 0, len(pod.Status.PodIPs))
	for _, ip := range pod.Status.PodIPs {
		out = append(out, ip.IP)
	}
	return out
}

// foreignRoutes lists every Ingress but the operator's that routes the platform's domain (in
// any namespace: ingress controllers merge the rules of one host across namespaces) or sends
// traffic to one of its Services, and differences of the operator's own Ingress.
func (s *Snapshot) foreignRoutes() findings {
	var f findings
	ingresses := append(slices.Clone(s.Ingresses), s.DomainIngresses...)
	sort.Slice(ingresses, func(i, j int) bool {
		return ingresses[i].Namespace+"/"+ingresses[i].Name < ingresses[j].Namespace+"/"+ingresses[j].Name
	})
	for i := range ingresses {
		ing := &ingresses[i]
		if want := s.desiredIngress(ing.Name); want != nil && ing.Namespace == s.Platform.Namespace && s.controlledByPlatform(ing) {
			if !equality.Semantic.DeepEqual(ing.Spec.Rules, want.Spec.Rules) || !equality.Semantic.DeepEqual(ing.Spec.DefaultBackend, want.Spec.DefaultBackend) {
				f.add("Ingress %s routes other paths or backends than the operator renders", ing.Name)
			}
			// An ingress controller's annotation can rewrite what it serves (ingress-nginx's
			// configuration and server snippets return any body for any path).
			for _, k := range slices.Sorted(maps.Keys(ing.Annotations)) {
				if _, rendered := want.Annotations[k]; !rendered && !strings.HasPrefix(k, operatorAnnotations) {
					f.add("Ingress %s carries annotation %s, which the operator does not render", ing.Name, k)
				}
			}
			continue
		}
		if RoutesHost(ing, s.Platform.Spec.Domain) {
			f.add("Ingress %s/%s routes %s, but it is not the operator's", ing.Namespace, ing.Name, s.Platform.Spec.Domain)
			continue
		}
		if svc := s.platformBackend(ing); svc != "" {
			f.add("Ingress %s/%s sends traffic to Service %s, but it is not the operator's", ing.Namespace, ing.Name, svc)
		}
	}
	return f
}

// operatorAnnotations is the prefix of the operator's bookkeeping annotations on its objects
// (the desired-state hash), which the rendered objects do not carry yet.
const operatorAnnotations = "meetwarden.io/"

// serviceDifferences lists the ways a live platform Service reaches further than the rendered
// one: another type (a NodePort or LoadBalancer opens it outside the cluster), external IPs,
// other ports or target ports.
func serviceDifferences(live, want *corev1.Service) findings {
	var f findings
	wantType, liveType := want.Spec.Type, live.Spec.Type
	if wantType == "" {
		wantType = corev1.ServiceTypeClusterIP
	}
	if liveType == "" {
		liveType = corev1.ServiceTypeClusterIP
	}
	if liveType != wantType {
		f.add("Service %s is of type %s, not %s", live.Name, liveType, wantType)
	}
	if len(live.Spec.ExternalIPs) > len(want.Spec.ExternalIPs) {
		f.add("Service %s is exposed on external IPs %s", live.Name, strings.Join(live.Spec.ExternalIPs, ", "))
	}
	for _, lp := range live.Spec.Ports {
		i := slices.IndexFunc(want.Spec.Ports, func(wp corev1.ServicePort) bool { return wp.Port == lp.Port })
		switch {
		case i < 0:
			f.add("Service %s serves port %d, which the operator does not render", live.Name, lp.Port)
		case want.Spec.Ports[i].TargetPort.String() != "0" && lp.TargetPort != want.Spec.Ports[i].TargetPort:
			f.add("Service %s sends port %d to %s instead of %s", live.Name, lp.Port, lp.TargetPort.String(), want.Spec.Ports[i].TargetPort.String())
		}
	}
	return f
}

// RoutesHost says whether an Ingress has a rule for host, exactly or by a wildcard
// ("*.example.eu" covers "meet.example.eu", one label deep). The reconciler reads the
// Ingresses of other namespaces by it (Snapshot.DomainIngresses).
func RoutesHost(ing *networkingv1.Ingress, host string) bool {
	for _, r := range ing.Spec.Rules {
		if r.Host == host {
			return true
		}
		if parent, ok := strings.CutPrefix(r.Host, "*."); ok {
			if label, rest, found := strings.Cut(host, "."); found && label != "" && rest == parent {
				return true
			}
		}
	}
	return false
}

// platformBackend names a platform Service an Ingress in the platform's namespace sends
// traffic to, or "".
func (s *Snapshot) platformBackend(ing *networkingv1.Ingress) string {
	if ing.Namespace != s.Platform.Namespace {
		return ""
	}
	names := map[string]bool{}
	for _, svc := range s.desiredServices() {
		names[svc.Name] = true
	}
	backends := []*networkingv1.IngressBackend{ing.Spec.DefaultBackend}
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for i := range r.HTTP.Paths {
			backends = append(backends, &r.HTTP.Paths[i].Backend)
		}
	}
	for _, b := range backends {
		if b != nil && b.Service != nil && names[b.Service.Name] {
			return b.Service.Name
		}
	}
	return ""
}

// podsSelectedBy returns the snapshot's pods a Service selects, sorted by name. The Service's
// selector holds the platform's labels, so every pod it selects is in the snapshot.
func (s *Snapshot) podsSelectedBy(svc *corev1.Service) []*corev1.Pod {
	if len(svc.Spec.Selector) == 0 {
		return nil
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	var out []*corev1.Pod
	for i := range s.Pods {
		p := &s.Pods[i]
		// A terminating pod still serves until it is gone, so it is judged like the others.
		if p.Namespace == svc.Namespace && sel.Matches(labels.Set(p.Labels)) &&
			p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// endpointSlicesOf returns the EndpointSlices of a Service, sorted by name.
func (s *Snapshot) endpointSlicesOf(service string) []*discoveryv1.EndpointSlice {
	var out []*discoveryv1.EndpointSlice
	for i := range s.EndpointSlices {
		e := &s.EndpointSlices[i]
		if e.Namespace == s.Platform.Namespace && e.Labels[discoveryv1.LabelServiceName] == service {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// named returns the object of that name in list, or nil.
func named[T any, PT interface {
	*T
	GetName() string
}](list []T, name string) PT {
	for i := range list {
		if p := PT(&list[i]); p.GetName() == name {
			return p
		}
	}
	return nil
}

func (s *Snapshot) replicaSet(uid types.UID) *appsv1.ReplicaSet {
	for i := range s.ReplicaSets {
		if s.ReplicaSets[i].UID == uid {
			return &s.ReplicaSets[i]
		}
	}
	return nil
}

func (s *Snapshot) deploymentNamed(name string) *appsv1.Deployment { return named(s.Deployments, name) }

func (s *Snapshot) serviceNamed(name string) *corev1.Service { return named(s.Services, name) }

// desiredDeployments, desiredServices and desiredIngress are the rendered objects of a kind.
func (s *Snapshot) desiredDeployments() []*appsv1.Deployment { return desiredOf[*appsv1.Deployment](s) }
func (s *Snapshot) desiredServices() []*corev1.Service       { return desiredOf[*corev1.Service](s) }

// desiredIngress is the rendered Ingress of that name (Traefik's plain-HTTP router has one of
// its own), nil when none.
func (s *Snapshot) desiredIngress(name string) *networkingv1.Ingress {
	for _, ing := range desiredOf[*networkingv1.Ingress](s) {
		if ing.Name == name {
			return ing
		}
	}
	return nil
}

func desiredOf[T any](s *Snapshot) []T {
	var out []T
	for _, o := range s.Desired {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
