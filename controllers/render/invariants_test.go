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

package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// invariants returns every way in which objs, rendered from mp, break a property that must
// hold for every spec. The property tests and the fuzz test share it.
func invariants(mp *v1alpha1.MeetingPlatform, objs []client.Object) []string {
	d := settings.Defaulted(mp)
	p := &checker{mp: d}
	deployments := map[settings.Component][]*appsv1.Deployment{}
	configMaps := map[string]*corev1.ConfigMap{}
	var policies []*networkingv1.NetworkPolicy

	for _, obj := range objs {
		where := fmt.Sprintf("%T %s", obj, obj.GetName())
		if obj.GetObjectKind().GroupVersionKind().Kind == "" {
			p.add("%s has no TypeMeta", where)
		}
		if obj.GetNamespace() != mp.Namespace {
			p.add("%s is in namespace %q", where, obj.GetNamespace())
		}
		if len(obj.GetOwnerReferences()) > 0 {
			p.add("%s has owner references", where)
		}
		for k, v := range settings.Labels(mp, "") {
			if obj.GetLabels()[k] != v {
				p.add("%s lacks label %s=%s", where, k, v)
			}
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			c := settings.Component(o.Labels[settings.LabelComponent])
			deployments[c] = append(deployments[c], o)
		case *corev1.ConfigMap:
			configMaps[o.Name] = o
		case *networkingv1.NetworkPolicy:
			policies = append(policies, o)
		}
	}

	for _, c := range settings.Components {
		if len(deployments[c]) == 0 {
			p.add("no Deployment for %s", c)
		}
		for _, dep := range deployments[c] {
			p.checkPod(d, c, dep)
		}
	}
	if got, want := len(deployments[settings.JVB]), len(settings.Bridges(d)); got != want {
		p.add("%d videobridge Deployments for %d replicas", got, want)
	}
	switch deps := deployments[settings.TokenBridge]; {
	case settings.UsesTokenBridge(d) && len(deps) == 0:
		p.add("no Deployment for %s on an OIDC platform", settings.TokenBridge)
	case len(deps) > 0 && !settings.UsesTokenBridge(d):
		p.add("a %s Deployment on a platform without OIDC", settings.TokenBridge)
	case len(deps) > 1:
		p.add("%d %s Deployments", len(deps), settings.TokenBridge)
	case len(deps) == 1:
		p.checkPod(d, settings.TokenBridge, deps[0])
	}
	p.checkClientConfig(configMaps[settings.ConfigMapName(d, settings.Web)])
	p.checkDefaultDeny(d, policies)
	return p.list
}

// checker collects the problems found in the objects of one (defaulted) platform.
type checker struct {
	mp   *v1alpha1.MeetingPlatform
	list []string
}

func (p *checker) add(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// credentialLike are name fragments of variables that must come from a Secret.
var credentialLike = []string{"PASSWORD", "SECRET", "TOKEN", "KEY", "BINDPW", "BINDDN"}

func (p *checker) checkPod(mp *v1alpha1.MeetingPlatform, c settings.Component, dep *appsv1.Deployment) {
	pod := dep.Spec.Template.Spec
	wantLabels := settings.Labels(mp, string(c))
	if b, ok := settings.BridgeNamed(mp, dep.Name); ok && c == settings.JVB {
		maps.Copy(wantLabels, settings.BridgeSelectorLabels(mp, b))
	}
	if !equalMaps(dep.Spec.Template.Labels, wantLabels) {
		p.add("%s: pod labels %v", c, dep.Spec.Template.Labels)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		p.add("%s: service account token is mounted", c)
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		p.add("%s: shares a host namespace", c)
	}
	psc := pod.SecurityContext
	uid, image := int64(1000), fmt.Sprintf("%s/%s:%s", mp.Spec.Image.Registry, c, settings.ImageTag(mp))
	if c == settings.TokenBridge {
		// The operator's distroless image, as its nonroot user.
		uid, image = settings.TokenBridgeUser, settings.DefaultTokenBridgeImage
	}
	if psc == nil || !isTrue(psc.RunAsNonRoot) || psc.RunAsUser == nil || *psc.RunAsUser != uid ||
		psc.RunAsGroup == nil || *psc.RunAsGroup != uid || psc.FSGroup == nil || *psc.FSGroup != uid ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		p.add("%s: pod security context %+v", c, psc)
	}
	p.checkPlacement(mp, c, pod.Affinity)
	if len(pod.Containers) != 1 || len(pod.InitContainers) > 0 {
		p.add("%s: %d containers, %d init containers", c, len(pod.Containers), len(pod.InitContainers))
		return
	}
	ctr := pod.Containers[0]
	if ctr.Image != image {
		p.add("%s: image %q, want %q", c, ctr.Image, image)
	}
	sc := ctr.SecurityContext
	if sc == nil || !isTrue(sc.ReadOnlyRootFilesystem) || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		isTrue(sc.Privileged) || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		p.add("%s: container security context %+v", c, sc)
	}
	for _, port := range ctr.Ports {
		if port.HostPort != 0 {
			p.add("%s: host port %d", c, port.HostPort)
		}
	}
	p.checkEnv(mp, c, ctr.Env)
	p.checkMounts(c, pod, ctr.VolumeMounts)
	p.checkLifecycle(mp, c, dep)
}

// checkLifecycle: liveness is not readiness (a component that is not ready is not restarted),
// ephemeral storage is bounded and holds the emptyDirs, and only a bridge drains.
func (p *checker) checkLifecycle(mp *v1alpha1.MeetingPlatform, c settings.Component, dep *appsv1.Deployment) {
	pod := dep.Spec.Template.Spec
	ctr := pod.Containers[0]
	if ctr.ReadinessProbe == nil || ctr.LivenessProbe == nil || equality.Semantic.DeepEqual(ctr.ReadinessProbe.ProbeHandler, ctr.LivenessProbe.ProbeHandler) {
		p.add("%s: liveness and readiness probes are missing or ask the same", c)
	} else if ctr.LivenessProbe.FailureThreshold*ctr.LivenessProbe.PeriodSeconds <= ctr.ReadinessProbe.FailureThreshold*ctr.ReadinessProbe.PeriodSeconds {
		p.add("%s: liveness gives up no later than readiness", c)
	}
	request, limit := ctr.Resources.Requests[corev1.ResourceEphemeralStorage], ctr.Resources.Limits[corev1.ResourceEphemeralStorage]
	var scratch resource.Quantity
	for _, v := range pod.Volumes {
		if v.EmptyDir != nil {
			if v.EmptyDir.SizeLimit == nil {
				p.add("%s: emptyDir %s has no sizeLimit", c, v.Name)
				continue
			}
			scratch.Add(*v.EmptyDir.SizeLimit)
		}
	}
	if request.IsZero() || limit.IsZero() || limit.Cmp(scratch) < 0 {
		p.add("%s: ephemeral-storage request %s, limit %s for %s of emptyDirs", c, request.String(), limit.String(), scratch.String())
	}
	drains := ctr.Lifecycle != nil && ctr.Lifecycle.PreStop != nil
	grace := pod.TerminationGracePeriodSeconds
	if drains != (c == settings.JVB) || grace == nil || *grace != settings.TerminationGraceSeconds(mp, c) {
		p.add("%s: preStop %v, termination grace %v", c, drains, grace)
	}
	if (dep.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType) != slices.Contains(settings.MeetingComponents, c) {
		p.add("%s: strategy %s", c, dep.Spec.Strategy.Type)
	}
}

func (p *checker) checkPlacement(mp *v1alpha1.MeetingPlatform, c settings.Component, a *corev1.Affinity) {
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		p.add("%s: no required node affinity", c)
		return
	}
	terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	want := settings.AllowedRegions(settings.Defaulted(mp))
	if len(want) == 0 {
		p.add("%s: no allowed region", c)
	}
	// Terms are ORed: every one must pin the region label to exactly the allowed regions.
	for _, term := range terms {
		if len(term.MatchExpressions) != 1 || len(term.MatchFields) > 0 {
			p.add("%s: node selector term %+v", c, term)
			continue
		}
		e := term.MatchExpressions[0]
		if e.Key != mp.Spec.Placement.RegionLabel || e.Operator != corev1.NodeSelectorOpIn || !slices.Equal(e.Values, want) {
			p.add("%s: node affinity %s %s %v, want %s In %v", c, e.Key, e.Operator, e.Values, mp.Spec.Placement.RegionLabel, want)
		}
	}
	if len(terms) == 0 {
		p.add("%s: node affinity without terms", c)
	}
}

func (p *checker) checkEnv(mp *v1alpha1.MeetingPlatform, c settings.Component, env []corev1.EnvVar) {
	got := map[string]corev1.EnvVar{}
	for _, e := range env {
		if _, dup := got[e.Name]; dup {
			p.add("%s: %s is set twice", c, e.Name)
		}
		got[e.Name] = e
		// A name the tables declare is the operator's own setting, checked against the table
		// below, and so are the TURN variables it writes; the name heuristics are for everything
		// else.
		_, own := settings.DeclaredEnv(mp, c, e.Name)
		own = own || settings.IsTURNAnnouncement(mp, c, e.Name)
		if r, bad := settings.Forbidden(e.Name); bad && !own {
			p.add("%s: forbidden %s (%s)", c, e.Name, r.Control)
		}
		if settings.IsBooleanEnv(e.Name) && !settings.CanonicalBool(e.Value) {
			p.add("%s: %s=%q is not a canonical boolean", c, e.Name, e.Value)
		}
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef == nil {
			p.add("%s: %s comes from something other than a Secret", c, e.Name)
		}
		for _, frag := range credentialLike {
			if !own && strings.Contains(e.Name, frag) && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
				p.add("%s: %s has a literal value", c, e.Name)
			}
		}
		if strings.ContainsFunc(e.Value, func(r rune) bool { return r < ' ' }) {
			p.add("%s: %s contains a control character", c, e.Name)
		}
	}
	for _, want := range settings.EnvFor(mp, c) {
		if e, ok := got[want.Name]; !ok || e.Value != want.Value || e.ValueFrom != nil {
			p.add("%s: %s=%q missing or different (%s)", c, want.Name, want.Value, want.Control)
		}
	}
	for _, want := range settings.SecretEnvs(mp) {
		if want.Component != c {
			continue
		}
		e := got[want.Name]
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != want.Secret || e.ValueFrom.SecretKeyRef.Key != want.Key {
			p.add("%s: %s not from Secret %s key %s", c, want.Name, want.Secret, want.Key)
		}
	}
}

// checkMounts: below an override path, only the operator's files (subPath mounts of the
// component's ConfigMap) and the empty /run.
func (p *checker) checkMounts(c settings.Component, pod corev1.PodSpec, mounts []corev1.VolumeMount) {
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
		if v.HostPath != nil {
			p.add("%s: hostPath volume %s", c, v.Name)
		}
	}
	for _, m := range mounts {
		if _, over := settings.UnderOverridePath(m.MountPath); !over {
			continue
		}
		v := volumes[m.Name]
		operatorFile := v.ConfigMap != nil && m.SubPath != "" && m.ReadOnly
		emptyRun := v.EmptyDir != nil && m.MountPath == "/run"
		if !operatorFile && !emptyRun {
			p.add("%s: mount %s at override path %s", c, m.Name, m.MountPath)
		}
	}
}

// checkClientConfig: the privacy block is the end of custom-config.js and holds every key.
func (p *checker) checkClientConfig(cm *corev1.ConfigMap) {
	if cm == nil {
		p.add("no web ConfigMap")
		return
	}
	js := strings.TrimRight(cm.Data[settings.CustomConfigKey], "\n")
	begin := strings.Index(js, settings.PrivacyBlockBegin)
	if begin < 0 || !strings.HasSuffix(js, "\n"+settings.PrivacyBlockEnd) {
		p.add("custom-config.js does not end with the privacy block")
		return
	}
	block := js[begin:]
	for _, k := range settings.ClientConfig(p.mp) {
		if !strings.Contains(block, "\n"+k.JSLine(settings.ClientObject)+"\n") {
			p.add("privacy block lacks %s", k.JSLine(settings.ClientObject))
		}
	}
}

func (p *checker) checkDefaultDeny(mp *v1alpha1.MeetingPlatform, policies []*networkingv1.NetworkPolicy) {
	for _, np := range policies {
		if np.Name == settings.Name(mp, "default-deny") {
			if !equalMaps(np.Spec.PodSelector.MatchLabels, settings.SelectorLabels(mp, "")) || len(np.Spec.Ingress)+len(np.Spec.Egress) > 0 ||
				!slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
				p.add("default-deny policy %+v", np.Spec)
			}
			return
		}
	}
	p.add("no default-deny NetworkPolicy")
}

func isTrue(b *bool) bool { return b != nil && *b }

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
