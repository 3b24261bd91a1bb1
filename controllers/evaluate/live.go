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
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// This file reads the snapshot: which Deployment is which component, what a container's
// environment really holds, which ConfigMap a path is served from.

// desiredDeployment returns the Deployment the operator renders under that name, or nil.
func (s *Snapshot) desiredDeployment(name string) *appsv1.Deployment {
	for _, o := range s.Desired {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == name {
			return d
		}
	}
	return nil
}

// desiredContent is the content the operator renders for one of its files, or "" when the
// snapshot has no desired objects.
func (s *Snapshot) desiredContent(f settings.File) string {
	name := settings.ConfigMapName(s.Platform, f.Component)
	for _, o := range s.Desired {
		if cm, ok := o.(*corev1.ConfigMap); ok && cm.Name == name {
			return cm.Data[f.Key]
		}
	}
	return ""
}

// deployment returns the operator's Deployment of a component, or nil when it is missing.
func (s *Snapshot) deployment(c settings.Component) *appsv1.Deployment {
	name := settings.Name(s.Platform, string(c))
	for i := range s.Deployments {
		if s.Deployments[i].Name == name {
			return &s.Deployments[i]
		}
	}
	return nil
}

// bridgeDeployments returns the live Deployments of the platform's bridges that exist, in
// bridge order.
func (s *Snapshot) bridgeDeployments() []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, name := range settings.DeploymentNames(s.Platform, settings.JVB) {
		if d := s.deploymentNamed(name); d != nil {
			out = append(out, d)
		}
	}
	return out
}

// deploymentsSorted returns every Deployment of the snapshot, sorted by name.
func (s *Snapshot) deploymentsSorted() []*appsv1.Deployment {
	out := make([]*appsv1.Deployment, 0, len(s.Deployments))
	for i := range s.Deployments {
		out = append(out, &s.Deployments[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// configMap returns the ConfigMap of that name, or nil.
func (s *Snapshot) configMap(name string) *corev1.ConfigMap { return named(s.ConfigMaps, name) }

// secret returns the platform Secret of that name, or nil.
func (s *Snapshot) secret(name string) *corev1.Secret { return named(s.Secrets, name) }

// mainContainer returns the container of a component's Deployment that runs the component's
// image: the one named after the component, else the first one.
func mainContainer(d *appsv1.Deployment, c settings.Component) *corev1.Container {
	cs := d.Spec.Template.Spec.Containers
	for i := range cs {
		if cs[i].Name == string(c) {
			return &cs[i]
		}
	}
	if len(cs) > 0 {
		return &cs[0]
	}
	return nil
}

// allContainers returns the init and regular containers of a pod template.
func allContainers(spec *corev1.PodSpec) []*corev1.Container {
	out := make([]*corev1.Container, 0, len(spec.InitContainers)+len(spec.Containers))
	for i := range spec.InitContainers {
		out = append(out, &spec.InitContainers[i])
	}
	for i := range spec.Containers {
		out = append(out, &spec.Containers[i])
	}
	return out
}

// envVar is what one environment variable of a container resolves to.
type envVar struct {
	set bool
	// value is the literal value, when readable is true.
	value    string
	readable bool
	// from describes where a value that is not a literal comes from: "secretKeyRef
	// meet-credentials/JVB_AUTH_PASSWORD", "envFrom ConfigMap x".
	from string
	// secretRef is the secretKeyRef the value comes from, if any.
	secretRef *corev1.SecretKeySelector
}

// literal returns the value when the evaluator can read it.
func (v envVar) literal() (string, bool) {
	return v.value, v.set && v.readable
}

// describe is how a finding shows the variable's value: the literal quoted, or where it comes
// from. Values of secret-backed variables are never read, let alone shown.
func (v envVar) describe() string {
	switch {
	case !v.set:
		return "unset"
	case !v.readable:
		return "from " + v.from
	case v.from != "":
		return fmt.Sprintf("%q (from %s)", v.value, v.from)
	}
	return fmt.Sprintf("%q", v.value)
}

// effectiveEnv returns the environment a container really gets: envFrom sources in order
// (ConfigMaps read from the snapshot), then env entries, the last definition of a name winning
// as in the kubelet. Values behind a Secret or a ConfigMap outside the snapshot are unreadable.
func (s *Snapshot) effectiveEnv(c *corev1.Container) map[string]envVar {
	if c == nil {
		return map[string]envVar{}
	}
	if s.memo == nil {
		return s.resolveEnv(c)
	}
	env, ok := s.memo.envs[c]
	if !ok {
		env = s.resolveEnv(c)
		s.memo.envs[c] = env
	}
	return env
}

// resolveEnv computes effectiveEnv; callers only read the map it returns.
func (s *Snapshot) resolveEnv(c *corev1.Container) map[string]envVar {
	out := map[string]envVar{}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			continue // a Secret's keys are not visible here; OVR-1 judges the source itself
		}
		cm := s.configMap(ef.ConfigMapRef.Name)
		if cm == nil {
			continue
		}
		for k, v := range cm.Data {
			out[ef.Prefix+k] = envVar{set: true, value: v, readable: true, from: "envFrom ConfigMap " + cm.Name}
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			out[e.Name] = envVar{set: true, value: e.Value, readable: true}
			continue
		}
		v := envVar{set: true, from: describeSource(e.ValueFrom), secretRef: e.ValueFrom.SecretKeyRef}
		if ref := e.ValueFrom.ConfigMapKeyRef; ref != nil {
			if cm := s.configMap(ref.Name); cm != nil {
				v.value, v.readable = cm.Data[ref.Key]
			}
		}
		out[e.Name] = v
	}
	return out
}

func describeSource(src *corev1.EnvVarSource) string {
	switch {
	case src.SecretKeyRef != nil:
		return "secretKeyRef " + src.SecretKeyRef.Name + "/" + src.SecretKeyRef.Key
	case src.ConfigMapKeyRef != nil:
		return "configMapKeyRef " + src.ConfigMapKeyRef.Name + "/" + src.ConfigMapKeyRef.Key
	case src.FieldRef != nil:
		return "fieldRef " + src.FieldRef.FieldPath
	case src.ResourceFieldRef != nil:
		return "resourceFieldRef " + src.ResourceFieldRef.Resource
	}
	return "valueFrom"
}

// workload names a container for messages: "Deployment meet-web container web".
func workload(d *appsv1.Deployment, c *corev1.Container) string {
	if c == nil || len(d.Spec.Template.Spec.Containers)+len(d.Spec.Template.Spec.InitContainers) <= 1 {
		return "Deployment " + d.Name
	}
	return "Deployment " + d.Name + " container " + c.Name
}

// isOperatorComponent reports whether d is the operator's Deployment of one of the platform's
// components: the four Jitsi ones (each of the spec's videobridges included), coturn with
// turn.own and the token bridge of an OIDC platform. A bridge beyond
// spec.components.jvb.replicas is not: it is a workload someone else runs.
func (s *Snapshot) isOperatorComponent(d *appsv1.Deployment) (settings.Component, bool) {
	for _, c := range settings.PlatformComponents(s.Platform) {
		if slices.Contains(settings.DeploymentNames(s.Platform, c), d.Name) {
			return c, true
		}
	}
	return "", false
}

// runningPods returns the pods that are placed on a node and not finished, sorted by name.
func (s *Snapshot) runningPods() []*corev1.Pod {
	var out []*corev1.Pod
	for i := range s.Pods {
		p := &s.Pods[i]
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// quoteList formats strings for a message: ["a", "b"].
func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = fmt.Sprintf("%q", it)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
