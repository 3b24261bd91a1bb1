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
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// UID and GID of the s6 user the images run as.
const imageUser int64 = 1000

// defaultResources apply when spec.components.<c>.resources is empty. No CPU limits: throttling
// degrades audio and video long before a node runs out of CPU. The ephemeral-storage limit holds
// the component's emptyDirs (settings.ScratchVolumes: 128Mi, prosody 384Mi) and the kubelet's
// rotated container logs (5 files of 10Mi by default), which count against it too.
var defaultResources = map[settings.Component]corev1.ResourceRequirements{
	settings.Web:     resources("100m", "128Mi", "512Mi", "64Mi", "256Mi"),
	settings.Prosody: resources("100m", "128Mi", "512Mi", "128Mi", "512Mi"),
	settings.Jicofo:  resources("100m", "512Mi", "1Gi", "64Mi", "256Mi"),
	settings.JVB:     resources("500m", "1Gi", "2Gi", "64Mi", "256Mi"),
}

func resources(cpu, memory, memoryLimit, storage, storageLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory),
			corev1.ResourceEphemeralStorage: resource.MustParse(storage),
		},
		Limits: corev1.ResourceList{
			corev1.ResourceMemory: resource.MustParse(memoryLimit), corev1.ResourceEphemeralStorage: resource.MustParse(storageLimit),
		},
	}
}

// componentResources are the spec's resources of c, or the defaults. Specified resources
// without ephemeral-storage get the default request and limit of it: without a limit, a
// container that fills its emptyDirs or logs evicts its neighbours on the node instead of
// itself.
func componentResources(mp *v1alpha1.MeetingPlatform, c settings.Component) corev1.ResourceRequirements {
	cs := mp.Spec.Components
	specified := map[settings.Component]*corev1.ResourceRequirements{
		settings.Web: cs.Web.Resources, settings.Prosody: cs.Prosody.Resources,
		settings.Jicofo: cs.Jicofo.Resources, settings.JVB: cs.JVB.Resources,
	}[c]
	defaults := defaultResources[c]
	if specified == nil {
		return *defaults.DeepCopy()
	}
	res := *specified.DeepCopy()
	res.Requests = withDefault(res.Requests, defaults.Requests, corev1.ResourceEphemeralStorage)
	res.Limits = withDefault(res.Limits, defaults.Limits, corev1.ResourceEphemeralStorage)
	return res
}

// withDefault is list with name set to its value in defaults when list lacks it.
func withDefault(list, defaults corev1.ResourceList, name corev1.ResourceName) corev1.ResourceList {
	if _, ok := list[name]; ok {
		return list
	}
	if list == nil {
		list = corev1.ResourceList{}
	}
	list[name] = defaults[name].DeepCopy()
	return list
}

// scratchSize is the sum of the sizeLimits of c's emptyDirs, which its ephemeral-storage limit
// must hold (render.Validate).
func scratchSize(mp *v1alpha1.MeetingPlatform, c settings.Component) resource.Quantity {
	var sum resource.Quantity
	for _, v := range volumes(mp, c) {
		if v.EmptyDir != nil && v.EmptyDir.SizeLimit != nil {
			sum.Add(*v.EmptyDir.SizeLimit)
		}
	}
	return sum
}

// deployment renders one component. configHash is the digest of its ConfigMap, empty if none.
func deployment(mp *v1alpha1.MeetingPlatform, c settings.Component, configHash string) *appsv1.Deployment {
	replicas := int32(1)
	if c == settings.Web {
		// The only component that scales; the others must never run twice at once.
		replicas = mp.Spec.Components.Web.Replicas
	}
	res := componentResources(mp, c)
	ready, alive := healthChecks(c)
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: settings.Labels(mp, string(c))},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr.To(false),
			// No <SERVICE>_PORT variables: they could shadow an image's own settings.
			EnableServiceLinks:            ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To(settings.TerminationGraceSeconds(mp, c)),
			SecurityContext:               podSecurity(imageUser),
			Affinity:                      placement(mp),
			Containers: []corev1.Container{{
				Name:            string(c),
				Image:           settings.Image(mp, c),
				ImagePullPolicy: mp.Spec.Image.PullPolicy,
				Env:             containerEnv(mp, c, res),
				Ports:           containerPorts(c),
				Resources:       res,
				StartupProbe:    probe(ready, 5, 60),
				ReadinessProbe:  probe(ready, 10, 3),
				LivenessProbe:   probe(alive, 20, 6),
				Lifecycle:       lifecycle(mp, c),
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
			Replicas:                ptr.To(replicas),
			Selector:                &metav1.LabelSelector{MatchLabels: settings.SelectorLabels(mp, string(c))},
			Strategy:                strategy(c),
			ProgressDeadlineSeconds: ptr.To(settings.DeploymentProgressSeconds(mp, c)),
			Template:                template,
		},
	}
}

// bridgeDeployments renders one Deployment per videobridge (settings.Bridges): the same
// component, each with its own name, selector, port and advertised addresses.
func bridgeDeployments(mp *v1alpha1.MeetingPlatform, configHash string, media settings.MediaInputs) []client.Object {
	var out []client.Object
	for _, b := range settings.Bridges(mp) {
		d := deployment(mp, settings.JVB, configHash)
		d.Name = b.Name
		d.Spec.Selector.MatchLabels = settings.BridgeDeploymentSelector(mp, b)
		maps.Copy(d.Spec.Template.Labels, settings.BridgeSelectorLabels(mp, b))
		c := &d.Spec.Template.Spec.Containers[0]
		c.Ports = []corev1.ContainerPort{{Name: settings.PortMedia, ContainerPort: b.Port, Protocol: corev1.ProtocolUDP}}
		c.Env = withEnv(c.Env, settings.BridgeEnv(mp, b, settings.AddressOf(mp, b, media)))
		out = append(out, d)
	}
	return out
}

// withEnv sets the variables of extra on env, keeping it sorted by name.
func withEnv(env []corev1.EnvVar, extra map[string]string) []corev1.EnvVar {
	env = slices.DeleteFunc(env, func(e corev1.EnvVar) bool { _, ok := extra[e.Name]; return ok })
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		env = append(env, corev1.EnvVar{Name: name, Value: extra[name]})
	}
	slices.SortFunc(env, func(a, b corev1.EnvVar) int { return strings.Compare(a.Name, b.Name) })
	return env
}

// strategy replaces the web pods and the token bridge one by one, a new one ready before an
// old one goes (maxUnavailable 0): they only serve the client and the login. Prosody and jicofo hold the platform's
// meetings in memory and must never run twice (two XMPP servers or two foci for one domain),
// so they are replaced with Recreate, which ends the meetings (docs/usage.md). A bridge is
// replaced with Recreate too: a surge pod would be a second bridge on the same media address
// and port, and the Service would split a conference's clients between the two; the old
// bridge drains first instead (lifecycle).
func strategy(c settings.Component) appsv1.DeploymentStrategy {
	if slices.Contains(settings.MeetingComponents, c) {
		return appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	}
	return appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
		MaxUnavailable: ptr.To(intstr.FromInt32(0)),
		MaxSurge:       ptr.To(intstr.FromInt32(1)),
	}}
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

func containerPorts(c settings.Component) []corev1.ContainerPort {
	switch c {
	case settings.Web:
		return []corev1.ContainerPort{{Name: settings.PortHTTP, ContainerPort: settings.WebHTTPPort, Protocol: corev1.ProtocolTCP}}
	case settings.Prosody:
		return []corev1.ContainerPort{
			{Name: settings.PortC2S, ContainerPort: settings.ProsodyC2SPort, Protocol: corev1.ProtocolTCP},
			{Name: settings.PortHTTP, ContainerPort: settings.ProsodyHTTPPort, Protocol: corev1.ProtocolTCP},
		}
	}
	return nil // jicofo accepts no connections; each bridge's media port: bridgeDeployments
}

// probe runs command every period seconds and gives up after failures. Every check runs
// inside the container against loopback, so it needs no exception in the NetworkPolicies and no
// health port open to the node (prosody's /health answers only on loopback; jicofo's and the
// bridge's HTTP servers are bound to it).
func probe(command []string, period, failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: command}},
		PeriodSeconds:    period,
		TimeoutSeconds:   5,
		FailureThreshold: failures,
	}
}

// healthChecks are the commands of a component's readiness and liveness probes. Readiness asks
// whether the component can take work: the pod serves only while it passes. Liveness asks only
// whether the process still answers, so a component that is not ready for a reason a restart
// cannot cure keeps running with its meetings and is reported not ready; it also gives up later
// (two minutes) than readiness.
//   - web: ready when nginx serves the start page (a 2xx; the image has no health script),
//     alive when nginx answers HTTP at all: a broken page is not fixed by a restart;
//   - prosody: ready when mod_http_health has no module in error (settings.ProsodyHealthPath),
//     alive when its HTTP server answers at all: a module in error (an unreachable LDAP
//     server) stays in error after a restart too, which would only end every meeting;
//   - jicofo: ready on /about/health, the image's healthcheck.sh L3, which fails while no
//     bridge is operational or XMPP is down; alive on /about/version, answered with no check
//     behind it: a restart would end every conference it focuses without bringing a bridge
//     back (the failure the same probe for both caused before);
//   - jvb: ready on /about/health (fails while its media port is not bound), alive on
//     /about/version: a bridge whose health fails keeps the conferences it has.
func healthChecks(c settings.Component) (ready, alive []string) {
	switch c {
	case settings.Web:
		return curl(true, settings.WebHTTPPort, "/"), curl(false, settings.WebHTTPPort, "/")
	case settings.Prosody:
		return curl(true, settings.ProsodyHTTPPort, settings.ProsodyHealthPath), curl(false, settings.ProsodyHTTPPort, settings.ProsodyHealthPath)
	case settings.Jicofo:
		return curl(true, settings.JicofoRESTPort, settings.HealthPath), curl(true, settings.JicofoRESTPort, settings.VersionPath)
	}
	return curl(true, settings.JVBPrivatePort, settings.HealthPath), curl(true, settings.JVBPrivatePort, settings.VersionPath)
}

// curl asks a loopback URL with the images' curl; fail: only a 2xx passes, else any answer.
func curl(fail bool, port int32, path string) []string {
	command := []string{"curl", "--silent", "--output", "/dev/null"}
	if fail {
		command = append(command, "--fail")
	}
	return append(command, loopbackURL(port, path))
}

func loopbackURL(port int32, path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", port, path)
}

// lifecycle is the bridge's preStop hook: drain, then wait until the last conference has ended
// or spec.components.jvb.drainSeconds are up, then let the kubelet stop the container. The
// image's own /opt/jitsi/shutdown.sh is no drain: it only stops s6 after the bridge has exited
// (image jvb-finish L7-9, shutdown.sh L1-11). Its graceful-shutdown API would need the COLIBRI
// REST API (JVB RestConfig.kt L69-73), which ACC-4 keeps off; the drain API needs nothing more.
// A bridge that does not answer is not waited for: there is nothing to keep. The others have no
// hook: prosody and jicofo cannot hand their meetings over.
func lifecycle(mp *v1alpha1.MeetingPlatform, c settings.Component) *corev1.Lifecycle {
	if c != settings.JVB {
		return nil
	}
	script := fmt.Sprintf(`curl --silent --fail --output /dev/null --request POST %s || exit 0
end=$((SECONDS + %d))
while [ "$SECONDS" -lt "$end" ]; do
  n=$(curl --silent --fail %s | awk '$1 == "%s" { print int($2) }')
  [ "${n:-0}" -gt 0 ] || exit 0
  sleep %d
done`, loopbackURL(settings.JVBPrivatePort, settings.DrainPath), settings.DrainSeconds(mp),
		loopbackURL(settings.JVBPrivatePort, settings.MetricsPath), settings.ConferencesMetric, settings.DrainPollSeconds)
	return &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/bash", "-c", script}}}}
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
