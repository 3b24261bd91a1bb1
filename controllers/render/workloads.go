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
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// UID and GID of the s6 user the images run as.
const imageUser int64 = 1000

// healthcheck is the script every image but web ships; it queries the component's health
// endpoint on loopback, so no health port has to be reachable from outside the pod.
const healthcheck = "/usr/local/bin/healthcheck.sh"

// defaultResources apply when spec.components.<c>.resources is empty. No CPU limits: throttling
// degrades audio and video long before a node runs out of CPU.
var defaultResources = map[settings.Component]corev1.ResourceRequirements{
	settings.Web:     resources("100m", "128Mi", "512Mi"),
	settings.Prosody: resources("100m", "128Mi", "512Mi"),
	settings.Jicofo:  resources("100m", "512Mi", "1Gi"),
	settings.JVB:     resources("500m", "1Gi", "2Gi"),
}

func resources(cpu, memory, memoryLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memoryLimit)},
	}
}

// componentResources are the spec's resources of c, or the defaults.
func componentResources(mp *v1alpha1.MeetingPlatform, c settings.Component) corev1.ResourceRequirements {
	cs := mp.Spec.Components
	specified := map[settings.Component]*corev1.ResourceRequirements{
		settings.Web: cs.Web.Resources, settings.Prosody: cs.Prosody.Resources,
		settings.Jicofo: cs.Jicofo.Resources, settings.JVB: cs.JVB.Resources,
	}[c]
	if specified != nil {
		return *specified.DeepCopy()
	}
	return *ptr.To(defaultResources[c]).DeepCopy()
}

// deployment renders one component. configHash is the digest of its ConfigMap, empty if none.
func deployment(mp *v1alpha1.MeetingPlatform, c settings.Component, configHash string) *appsv1.Deployment {
	replicas := int32(1)
	strategy := appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if c == settings.Web {
		// The only component that scales; the others must never run twice at once.
		replicas = mp.Spec.Components.Web.Replicas
		strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType}
	}
	res := componentResources(mp, c)
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: settings.Labels(mp, string(c))},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr.To(false),
			// No <SERVICE>_PORT variables: they could shadow an image's own settings.
			EnableServiceLinks: ptr.To(false),
			SecurityContext:    podSecurity(imageUser),
			Affinity:           placement(mp),
			Containers: []corev1.Container{{
				Name:            string(c),
				Image:           settings.Image(mp, c),
				ImagePullPolicy: mp.Spec.Image.PullPolicy,
				Env:             containerEnv(mp, c, res),
				Ports:           containerPorts(mp, c),
				Resources:       res,
				StartupProbe:    probe(c, 5, 60),
				ReadinessProbe:  probe(c, 10, 3),
				LivenessProbe:   probe(c, 20, 3),
				VolumeMounts:    volumeMounts(c),
				SecurityContext: containerSecurity(),
			}},
			Volumes: volumes(mp, c),
		},
	}
	if configHash != "" {
		template.Annotations = map[string]string{settings.ConfigHashAnnotation: configHash}
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta(mp, settings.Name(mp, string(c)), string(c)),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: settings.SelectorLabels(mp, string(c))},
			Strategy: strategy,
			Template: template,
		},
	}
}

// podSecurity runs a pod's processes as user (and group) uid, never root, with the runtime's
// default seccomp profile.
func podSecurity(uid int64) *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr.To(true),
		RunAsUser:      ptr.To(uid),
		RunAsGroup:     ptr.To(uid),
		FSGroup:        ptr.To(uid),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// containerSecurity is the hardening of every container: no privileges, no capabilities, a
// read-only root file system.
func containerSecurity() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false), // also required by the images' s6-overlay
		Privileged:               ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		RunAsNonRoot:             ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

// placement requires nodes whose region label is one of the allowed regions (EU-1).
func placement(mp *v1alpha1.MeetingPlatform) *corev1.Affinity {
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
				Key:      mp.Spec.Placement.RegionLabel,
				Operator: corev1.NodeSelectorOpIn,
				Values:   settings.AllowedRegions(mp),
			}}}},
		},
	}}
}

// containerEnv is every variable of a component, sorted by name: the enforced settings, the
// wiring between the components, and the credentials by secretKeyRef.
func containerEnv(mp *v1alpha1.MeetingPlatform, c settings.Component, res corev1.ResourceRequirements) []corev1.EnvVar {
	var env []corev1.EnvVar
	for _, e := range settings.EnvFor(mp, c) {
		env = append(env, corev1.EnvVar{Name: e.Name, Value: e.Value})
	}
	wiring := settings.WiringEnv(mp, c, res.Limits.Memory())
	for _, name := range slices.Sorted(maps.Keys(wiring)) {
		env = append(env, corev1.EnvVar{Name: name, Value: wiring[name]})
	}
	for _, s := range settings.SecretEnvs(mp) {
		if s.Component == c {
			env = append(env, corev1.EnvVar{Name: s.Name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: s.Secret},
				Key:                  s.Key,
			}}})
		}
	}
	slices.SortFunc(env, func(a, b corev1.EnvVar) int { return strings.Compare(a.Name, b.Name) })
	return env
}

func containerPorts(mp *v1alpha1.MeetingPlatform, c settings.Component) []corev1.ContainerPort {
	switch c {
	case settings.Web:
		return []corev1.ContainerPort{{Name: settings.PortHTTP, ContainerPort: settings.WebHTTPPort, Protocol: corev1.ProtocolTCP}}
	case settings.Prosody:
		return []corev1.ContainerPort{
			{Name: settings.PortC2S, ContainerPort: settings.ProsodyC2SPort, Protocol: corev1.ProtocolTCP},
			{Name: settings.PortHTTP, ContainerPort: settings.ProsodyHTTPPort, Protocol: corev1.ProtocolTCP},
		}
	case settings.JVB:
		return []corev1.ContainerPort{{Name: settings.PortMedia, ContainerPort: mp.Spec.Media.Port, Protocol: corev1.ProtocolUDP}}
	}
	return nil // jicofo accepts no connections
}

// probe checks a component every period seconds and gives up after failures. Every check
// runs inside the container against loopback, so it needs no exception in the NetworkPolicies
// and no health port open to the node: the images' health script asks the component (prosody's
// /health answers only on loopback; jicofo's and the bridge's REST servers are bound to it),
// and web, which has no such script, is asked for its start page with the image's curl.
func probe(c settings.Component, period, failures int32) *corev1.Probe {
	command := []string{healthcheck}
	if c == settings.Web {
		command = []string{"curl", "--fail", "--silent", "--output", "/dev/null", fmt.Sprintf("http://127.0.0.1:%d/", settings.WebHTTPPort)}
	}
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: command}},
		PeriodSeconds:    period,
		TimeoutSeconds:   5,
		FailureThreshold: failures,
	}
}

func volumes(mp *v1alpha1.MeetingPlatform, c settings.Component) []corev1.Volume {
	var vs []corev1.Volume
	if len(settings.FilesOf(c)) > 0 {
		vs = append(vs, corev1.Volume{Name: settings.ConfigVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: settings.ConfigMapName(mp, c)},
			DefaultMode:          ptr.To[int32](0o444),
		}}})
	}
	for _, s := range settings.ScratchVolumes {
		if s.Only != "" && s.Only != c {
			continue
		}
		source := corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse(s.Size))}}
		if claim := settings.AccountsClaimName(mp); s.Name == settings.ProsodyDataVolume && claim != "" {
			source = corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}
		}
		vs = append(vs, corev1.Volume{Name: s.Name, VolumeSource: source})
	}
	return vs
}

// volumeMounts are sorted by path.
func volumeMounts(c settings.Component) []corev1.VolumeMount {
	var ms []corev1.VolumeMount
	for _, f := range settings.FilesOf(c) {
		ms = append(ms, corev1.VolumeMount{Name: settings.ConfigVolume, MountPath: f.MountPath, SubPath: f.Key, ReadOnly: true})
	}
	for _, s := range settings.ScratchVolumes {
		if s.Only == "" || s.Only == c {
			ms = append(ms, corev1.VolumeMount{Name: s.Name, MountPath: s.Path})
		}
	}
	slices.SortFunc(ms, func(a, b corev1.VolumeMount) int { return strings.Compare(a.MountPath, b.MountPath) })
	return ms
}
