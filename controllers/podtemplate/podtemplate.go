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

// Package podtemplate compares a live pod template with the one the operator renders, field by
// field and in both directions: what the rendered template sets must be there, and whatever
// else the live one holds must be what the API server fills in by default. A changed command,
// an init container, a lifecycle hook, a sidecar or a host namespace is a difference, whoever
// wrote it and under whichever field manager.
//
// The API server's defaults are applied here, in Go (Defaulted), so that the comparison stays
// pure; a test creates every rendered Deployment on a real kube-apiserver and proves that what
// it stores equals Defaulted of what was sent.
package podtemplate

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

// Ignored labels and annotations are written onto pod templates by Kubernetes itself or by
// users' routine operations; they change nothing a container does.
var (
	// ignoredAnnotations: `kubectl rollout restart` stamps restartedAt to roll the pods.
	ignoredAnnotations = []string{"kubectl.kubernetes.io/restartedAt"}
	// ignoredLabels: the Deployment controller labels each ReplicaSet's template with its hash.
	ignoredLabels = []string{"pod-template-hash"}
)

// Defaulted returns a copy of t with the defaults kube-apiserver fills into a pod template
// (k8s.io/kubernetes pkg/apis/core/v1/defaults.go, SetDefaults_PodSpec, _Container, _Probe,
// _HTTPGetAction, _ConfigMapVolumeSource, _SecretVolumeSource, _ProjectedVolumeSource,
// _DownwardAPIVolumeSource, _ObjectFieldSelector), for the fields the operator's templates use
// and those a foreign addition may bring. TestDefaultedIsWhatTheAPIServerStores checks it.
func Defaulted(t *corev1.PodTemplateSpec) *corev1.PodTemplateSpec {
	out := t.DeepCopy()
	spec := &out.Spec
	if spec.DNSPolicy == "" {
		spec.DNSPolicy = corev1.DNSClusterFirst
	}
	if spec.RestartPolicy == "" {
		spec.RestartPolicy = corev1.RestartPolicyAlways
	}
	if spec.TerminationGracePeriodSeconds == nil {
		spec.TerminationGracePeriodSeconds = ptr.To[int64](corev1.DefaultTerminationGracePeriodSeconds)
	}
	if spec.SecurityContext == nil {
		spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	if spec.SchedulerName == "" {
		spec.SchedulerName = corev1.DefaultSchedulerName
	}
	if spec.ServiceAccountName != "" && spec.DeprecatedServiceAccount == "" {
		spec.DeprecatedServiceAccount = spec.ServiceAccountName
	}
	for i := range spec.InitContainers {
		defaultContainer(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		defaultContainer(&spec.Containers[i])
	}
	for i := range spec.Volumes {
		defaultVolume(&spec.Volumes[i].VolumeSource)
	}
	return out
}

// defaultFileMode is the mode of files projected from ConfigMaps, Secrets and the downward
// API when the volume names none (0644).
const defaultFileMode int32 = 0o644

func defaultContainer(c *corev1.Container) {
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = defaultPullPolicy(c.Image)
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	for i := range c.Env {
		if f := c.Env[i].ValueFrom; f != nil && f.FieldRef != nil && f.FieldRef.APIVersion == "" {
			f.FieldRef.APIVersion = "v1"
		}
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		defaultProbe(p)
	}
	if c.Lifecycle != nil {
		for _, h := range []*corev1.LifecycleHandler{c.Lifecycle.PostStart, c.Lifecycle.PreStop} {
			if h != nil {
				defaultHTTPGet(h.HTTPGet)
			}
		}
	}
}

// defaultPullPolicy is Always for an image without a tag or tagged latest, else IfNotPresent.
func defaultPullPolicy(image string) corev1.PullPolicy {
	name := image
	if i := strings.Index(name, "@"); i >= 0 {
		return corev1.PullIfNotPresent // pinned by digest
	}
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	tag, tagged := "", false
	if i := strings.LastIndex(name, ":"); i >= 0 {
		tag, tagged = name[i+1:], true
	}
	if !tagged || tag == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

func defaultProbe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	defaultHTTPGet(p.HTTPGet)
	if p.GRPC != nil && p.GRPC.Service == nil {
		p.GRPC.Service = ptr.To("")
	}
}

func defaultHTTPGet(h *corev1.HTTPGetAction) {
	if h == nil {
		return
	}
	if h.Path == "" {
		h.Path = "/"
	}
	if h.Scheme == "" {
		h.Scheme = corev1.URISchemeHTTP
	}
}

func defaultVolume(v *corev1.VolumeSource) {
	mode := func(m **int32) {
		if *m == nil {
			*m = ptr.To(defaultFileMode)
		}
	}
	switch {
	case v.ConfigMap != nil:
		mode(&v.ConfigMap.DefaultMode)
	case v.Secret != nil:
		mode(&v.Secret.DefaultMode)
	case v.Projected != nil:
		mode(&v.Projected.DefaultMode)
		for i := range v.Projected.Sources {
			if d := v.Projected.Sources[i].DownwardAPI; d != nil {
				for j := range d.Items {
					if f := d.Items[j].FieldRef; f != nil && f.APIVersion == "" {
						f.APIVersion = "v1"
					}
				}
			}
		}
	case v.DownwardAPI != nil:
		mode(&v.DownwardAPI.DefaultMode)
		for i := range v.DownwardAPI.Items {
			if f := v.DownwardAPI.Items[i].FieldRef; f != nil && f.APIVersion == "" {
				f.APIVersion = "v1"
			}
		}
	case v.HostPath != nil && v.HostPath.Type == nil:
		v.HostPath.Type = ptr.To(corev1.HostPathUnset)
	}
}

// Diff returns where the live template differs from the rendered one as the API server would
// store it ("spec.containers[name=web].command: added"), or "" when they are the same. Only the
// labels and annotations Kubernetes or `kubectl rollout restart` write are left out.
func Diff(rendered, live *corev1.PodTemplateSpec) (string, error) {
	want, err := comparable(Defaulted(rendered))
	if err != nil {
		return "", err
	}
	got, err := comparable(live)
	if err != nil {
		return "", err
	}
	return firstDifference(want, got, "spec.template"), nil
}

// comparable turns a template into its JSON map without what Diff leaves out.
func comparable(t *corev1.PodTemplateSpec) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(t)
	if err != nil {
		return nil, fmt.Errorf("reading a pod template: %w", err)
	}
	meta, _ := m["metadata"].(map[string]any)
	delete(meta, "creationTimestamp")
	for field, keys := range map[string][]string{"annotations": ignoredAnnotations, "labels": ignoredLabels} {
		values, _ := meta[field].(map[string]any)
		for _, k := range keys {
			delete(values, k)
		}
		if len(values) == 0 {
			delete(meta, field)
		}
	}
	if len(meta) == 0 {
		delete(m, "metadata")
	}
	return m, nil
}

// firstDifference walks both trees in key order and names the first path where they differ:
// "added" (only live has it), "missing" (only the rendered one has it) or "changed".
func firstDifference(want, got any, path string) string {
	if isEmpty(want) && isEmpty(got) {
		return ""
	}
	if g, ok := got.([]any); ok && want == nil && len(g) > 0 && element(g[0], nil, 0) != "[0]" {
		want = []any{} // a list of named elements only the live template has: name the first
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return describe(path, want, got)
		}
		for _, k := range sortedKeys(w, g) {
			if d := firstDifference(w[k], g[k], path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return describe(path, want, got)
		}
		for i := range max(len(w), len(g)) {
			var we, ge any
			if i < len(w) {
				we = w[i]
			}
			if i < len(g) {
				ge = g[i]
			}
			if d := firstDifference(we, ge, path+element(we, ge, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return describe(path, want, got)
}

func describe(path string, want, got any) string {
	switch {
	case isEmpty(want):
		return path + ": added"
	case isEmpty(got):
		return path + ": missing"
	}
	return path + ": changed"
}

// isEmpty treats an absent field, null, and an empty map or list alike: the API server drops
// empty values on the way in, so they are no difference.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// element names a list element by its name, as managedFields and Events do, or by its index.
func element(want, got any, i int) string {
	for _, e := range []any{want, got} {
		if m, ok := e.(map[string]any); ok {
			if name, ok := m["name"].(string); ok && name != "" {
				return "[name=" + name + "]"
			}
		}
	}
	return fmt.Sprintf("[%d]", i)
}

func sortedKeys(a, b map[string]any) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
