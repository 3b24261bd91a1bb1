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
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// invariants returns every way in which objs, rendered from mp, break a property that must
// hold for every spec. The property tests and the fuzz test share it.
func invariants(mp *v1alpha1.MeetingPlatform, objs []client.Object) []string {
	d := settings.Defaulted(mp)
	p := &checker{mp: d}
	deployments := map[settings.Component]*appsv1.Deployment{}
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
			deployments[settings.Component(o.Labels[settings.LabelComponent])] = o
		case *corev1.ConfigMap:
			configMaps[o.Name] = o
		case *networkingv1.NetworkPolicy:
			policies = append(policies, o)
		}
	}

	for _, c := range settings.Components {
		dep := deployments[c]
		if dep == nil {
			p.add("no Deployment for %s", c)
			continue
		}
		p.checkPod(d, c, dep)
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
	if !equalMaps(dep.Spec.Template.Labels, settings.Labels(mp, string(c))) {
		p.add("%s: pod labels %v", c, dep.Spec.Template.Labels)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		p.add("%s: service account token is mounted", c)
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		p.add("%s: shares a host namespace", c)
	}
	psc := pod.SecurityContext
	if psc == nil || !isTrue(psc.RunAsNonRoot) || psc.RunAsUser == nil || *psc.RunAsUser != 1000 ||
		psc.RunAsGroup == nil || *psc.RunAsGroup != 1000 || psc.FSGroup == nil || *psc.FSGroup != 1000 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		p.add("%s: pod security context %+v", c, psc)
	}
	p.checkPlacement(mp, c, pod.Affinity)
	if len(pod.Containers) != 1 || len(pod.InitContainers) > 0 {
		p.add("%s: %d containers, %d init containers", c, len(pod.Containers), len(pod.InitContainers))
		return
	}
	ctr := pod.Containers[0]
	if want := fmt.Sprintf("%s/%s:%s", mp.Spec.Image.Registry, c, settings.ImageTag(mp)); ctr.Image != want {
		p.add("%s: image %q, want %q", c, ctr.Image, want)
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
		if r, bad := settings.Forbidden(e.Name); bad && !settings.IsTURNAnnouncement(mp, c, e.Name) {
			p.add("%s: forbidden %s (%s)", c, e.Name, r.Control)
		}
		if settings.IsBooleanEnv(e.Name) && !settings.CanonicalBool(e.Value) {
			p.add("%s: %s=%q is not a canonical boolean", c, e.Name, e.Value)
		}
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef == nil {
			p.add("%s: %s comes from something other than a Secret", c, e.Name)
		}
		for _, frag := range credentialLike {
			if strings.Contains(e.Name, frag) && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
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
