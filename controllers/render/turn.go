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
	"net"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// This file renders the platform's own TURN server (spec.turn.own): coturn with its
// configuration in a ConfigMap (without the shared secret), a Deployment, a Service for TURN
// over UDP and TURNS over TCP, and a NetworkPolicy. Nothing of it is rendered without
// turn.own.

// turnResources are coturn's requests and limits: it relays media in user space, a few
// hundred bytes of state per allocation; its only files are the PID file and an empty database.
var turnResources = corev1.ResourceRequirements{
	Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi"),
		corev1.ResourceEphemeralStorage: resource.MustParse("16Mi"),
	},
	Limits: corev1.ResourceList{
		corev1.ResourceMemory: resource.MustParse("256Mi"), corev1.ResourceEphemeralStorage: resource.MustParse("64Mi"),
	},
}

// Volumes of the coturn pod.
const (
	turnTLSVolume  = "tls"
	turnDataVolume = "data"
	turnTmpVolume  = "tmp"
)

// turnObjects are the own TURN server's objects by kind, each empty without turn.own.
type turnObjects struct {
	configMaps, deployments, services, certificates, policies []client.Object
}

func renderTURN(mp *v1alpha1.MeetingPlatform, media settings.MediaInputs) turnObjects {
	if settings.OwnTURN(mp) == nil {
		return turnObjects{}
	}
	cm := turnConfigMap(mp, media)
	out := turnObjects{
		configMaps:  []client.Object{cm},
		deployments: []client.Object{turnDeployment(mp, dataHash(cm.Data))},
		services:    []client.Object{turnService(mp)},
		policies:    []client.Object{turnNetworkPolicy(mp, media)},
	}
	if settings.TURNNeedsCertificate(mp) {
		out.certificates = []client.Object{certificateFor(mp, settings.TURNCertificateName(mp), settings.TURNHost(mp), settings.TURN)}
	}
	return out
}

// TURNConfig is the content of coturn's turnserver.conf: settings.TURNConfig, one option a line.
func TURNConfig(mp *v1alpha1.MeetingPlatform, media settings.MediaInputs) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# coturn configuration of MeetingPlatform %s, written by meetwarden; edits are reverted.\n", mp.Name)
	b.WriteString("# The shared secret is passed on the command line from the credentials Secret.\n")
	for _, o := range settings.TURNConfig(mp, media) {
		fmt.Fprintf(&b, "# %s\n%s\n", o.Why, o.Line())
	}
	return b.String()
}

func turnConfigMap(mp *v1alpha1.MeetingPlatform, media settings.MediaInputs) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(mp, settings.ConfigMapName(mp, settings.TURN), string(settings.TURN)),
		Data:       map[string]string{settings.TURNConfigKey: TURNConfig(mp, media)},
	}
}

// turnDeployment runs coturn with the hardening of the other components: non-root, read-only
// root filesystem, no privilege escalation, EU placement, no service account token.
func turnDeployment(mp *v1alpha1.MeetingPlatform, configHash string) *appsv1.Deployment {
	c := settings.TURN
	user := settings.TURNImageUser
	container := corev1.Container{
		Name:            string(c),
		Image:           settings.TURNImage(mp),
		ImagePullPolicy: mp.Spec.Image.PullPolicy,
		Command:         []string{settings.TURNBinary},
		Args:            []string{"-c", settings.TURNConfigPath, settings.TURNSecretArg},
		Env: []corev1.EnvVar{{Name: settings.TURNSecretKey, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: settings.CredentialsSecretName(mp)},
			Key:                  settings.TURNSecretKey,
		}}}},
		Ports: []corev1.ContainerPort{
			{Name: settings.PortTURN, ContainerPort: settings.TURNListeningPort, Protocol: corev1.ProtocolUDP},
			{Name: settings.PortTURNS, ContainerPort: settings.TURNTLSListeningPort, Protocol: corev1.ProtocolTCP},
		},
		Resources: *turnResources.DeepCopy(),
		// Readiness and liveness differ: a relay busy enough to miss a check leaves the Service
		// for a while before it is restarted (and its relayed calls end).
		ReadinessProbe: turnProbe(10, 3),
		LivenessProbe:  turnProbe(20, 6),
		VolumeMounts: []corev1.VolumeMount{
			{Name: settings.ConfigVolume, MountPath: settings.TURNConfigPath, SubPath: settings.TURNConfigKey, ReadOnly: true},
			{Name: turnTLSVolume, MountPath: settings.TURNTLSPath, ReadOnly: true},
			{Name: turnDataVolume, MountPath: settings.TURNDataPath},
			{Name: turnTmpVolume, MountPath: settings.TmpPath},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Privileged:               ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			// The image gives /usr/bin/turnserver the file capability NET_BIND_SERVICE with the
			// effective bit (docker/coturn/alpine/Dockerfile L126-131). The kernel refuses to
			// exec such a binary when the capability is outside the bounding set (capabilities(7),
			// "safety checking for capability-dumb binaries"), so dropping ALL alone would stop
			// coturn from starting. NET_BIND_SERVICE is the one capability Pod Security's
			// restricted level allows to add; the ports are unprivileged anyway.
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"NET_BIND_SERVICE"}},
		},
	}
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      settings.Labels(mp, string(c)),
			Annotations: map[string]string{settings.ConfigHashAnnotation: configHash},
		},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr.To(false),
			EnableServiceLinks:           ptr.To(false),
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To(user), RunAsGroup: ptr.To(user), FSGroup: ptr.To(user),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Affinity:   placement(mp),
			Containers: []corev1.Container{container},
			Volumes:    turnVolumes(mp),
		},
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta(mp, settings.Name(mp, string(c)), string(c)),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: settings.SelectorLabels(mp, string(c))},
			// A new relay starts before the old one stops, so an update ends no relayed call
			// before the new pod is ready.
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromInt32(1)),
			}},
			Template: template,
		},
	}
}

// turnProbe checks that coturn accepts TLS connections. The image has no health script; the
// TURNS port is open to every source anyway, so the kubelet's TCP check needs no exception.
func turnProbe(period, failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(settings.PortTURNS)}},
		PeriodSeconds:    period,
		TimeoutSeconds:   5,
		FailureThreshold: failures,
	}
}

func turnVolumes(mp *v1alpha1.MeetingPlatform) []corev1.Volume {
	emptyDir := func(size string) corev1.VolumeSource {
		return corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse(size))}}
	}
	return []corev1.Volume{
		{Name: settings.ConfigVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: settings.ConfigMapName(mp, settings.TURN)},
			DefaultMode:          ptr.To[int32](0o444),
		}}},
		// Only the certificate and key: coturn reads tls.crt and tls.key.
		{Name: turnTLSVolume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName:  settings.TURNTLSSecretName(mp),
			Items:       []corev1.KeyToPath{{Key: corev1.TLSCertKey, Path: corev1.TLSCertKey}, {Key: corev1.TLSPrivateKeyKey, Path: corev1.TLSPrivateKeyKey}},
			DefaultMode: ptr.To[int32](0o440),
		}}},
		{Name: turnDataVolume, VolumeSource: emptyDir("16Mi")},
		{Name: turnTmpVolume, VolumeSource: emptyDir("16Mi")},
	}
}

// turnService publishes TURN over UDP and TURNS over TCP on the ports of spec.turn.own.
// Cluster traffic policy as for the bridge: any node's address reaches the relay wherever it
// runs.
func turnService(mp *v1alpha1.MeetingPlatform) *corev1.Service {
	t := settings.OwnTURN(mp)
	udp := corev1.ServicePort{Name: settings.PortTURN, Protocol: corev1.ProtocolUDP, Port: t.Port, TargetPort: intOrName(settings.PortTURN)}
	tls := corev1.ServicePort{Name: settings.PortTURNS, Protocol: corev1.ProtocolTCP, Port: t.TLSPort, TargetPort: intOrName(settings.PortTURNS)}
	if t.Type == v1alpha1.MediaServiceNodePort {
		udp.NodePort, tls.NodePort = t.Port, t.TLSPort
	}
	return service(mp, settings.TURN, corev1.ServiceSpec{
		Type:                  corev1.ServiceType(t.Type),
		Ports:                 []corev1.ServicePort{udp, tls},
		ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster,
	})
}

// turnNetworkPolicy admits clients from anywhere on the TURN ports and the bridges on the relay
// ports, and lets the relay send only to the bridges' media ports (one per bridge, spec.media.port
// onwards): the pods, and the announced
// addresses through which a relayed client reaches them. What coturn itself refuses
// (denied-peer-ip) the policy refuses once more.
func turnNetworkPolicy(mp *v1alpha1.MeetingPlatform, discovered settings.MediaInputs) *networkingv1.NetworkPolicy {
	var media []networkingv1.NetworkPolicyPort
	for _, b := range settings.Bridges(mp) {
		media = append(media, port(corev1.ProtocolUDP, b.Port))
	}
	out := []networkingv1.NetworkPolicyEgressRule{{To: pods(mp, settings.JVB), Ports: media}}
	if peers := hostBlocks(settings.TURNPeers(mp, discovered)); len(peers) > 0 {
		out = append(out, networkingv1.NetworkPolicyEgressRule{To: peers, Ports: media})
	}
	return netpol(mp, string(settings.TURN), settings.TURN,
		[]networkingv1.NetworkPolicyIngressRule{
			{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolUDP, settings.TURNListeningPort), tcp(settings.TURNTLSListeningPort)}},
			{From: pods(mp, settings.JVB), Ports: []networkingv1.NetworkPolicyPort{turnRelayPorts()}},
		},
		out,
	)
}

// turnRelayPorts are the UDP ports coturn relays on.
func turnRelayPorts() networkingv1.NetworkPolicyPort {
	p := port(corev1.ProtocolUDP, settings.TURNRelayMinPort)
	p.EndPort = ptr.To(settings.TURNRelayMaxPort)
	return p
}

// hostBlocks are single-address IP blocks.
func hostBlocks(ips []string) []networkingv1.NetworkPolicyPeer {
	var out []networkingv1.NetworkPolicyPeer
	for _, ip := range ips {
		bits := 32
		if parsed := net.ParseIP(ip); parsed != nil && parsed.To4() == nil {
			bits = 128
		}
		out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: fmt.Sprintf("%s/%d", ip, bits)}})
	}
	return out
}

// jvbToTURN lets the bridges answer relayed clients on the relay's ports, with turn.own.
func jvbToTURN(mp *v1alpha1.MeetingPlatform) []networkingv1.NetworkPolicyEgressRule {
	if settings.OwnTURN(mp) == nil {
		return nil
	}
	return []networkingv1.NetworkPolicyEgressRule{{To: pods(mp, settings.TURN), Ports: []networkingv1.NetworkPolicyPort{turnRelayPorts()}}}
}
