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
	"crypto/x509"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// tamperCase changes the live state of the passing JWT platform and names the control that
// must catch it and what its message must name.
type tamperCase struct {
	name    string
	mutate  func(*Snapshot)
	control string
	// want is Fail unless set.
	want v1alpha1.ControlResultValue
	// mentions are substrings the message must contain: the object and the setting.
	mentions []string
}

var (
	web, prosody, jicofo, jvb = settings.Web, settings.Prosody, settings.Jicofo, settings.JVB
)

// appendLine adds a line at the end of a file.
func appendLine(line string) func(string) string {
	return func(content string) string { return content + line + "\n" }
}

// replaceLine swaps one exact line of a file.
func replaceLine(old, new string) func(string) string {
	return func(content string) string {
		if !strings.Contains(content, old) {
			panic("line not in file: " + old)
		}
		return strings.Replace(content, old, new, 1)
	}
}

func editPolicy(name string, edit func(*networkingv1.NetworkPolicy)) func(*Snapshot) {
	return func(s *Snapshot) {
		for i := range s.NetworkPolicies {
			if s.NetworkPolicies[i].Name == name {
				edit(&s.NetworkPolicies[i])
				return
			}
		}
		panic("no NetworkPolicy " + name)
	}
}

func editService(name string, edit func(*corev1.Service)) func(*Snapshot) {
	return func(s *Snapshot) {
		for i := range s.Services {
			if s.Services[i].Name == name {
				edit(&s.Services[i])
				return
			}
		}
		panic("no Service " + name)
	}
}

func editIngress(edit func(*networkingv1.Ingress)) func(*Snapshot) {
	return func(s *Snapshot) { edit(&s.Ingresses[0]) }
}

func editDeployment(c settings.Component, edit func(*appsv1.Deployment)) func(*Snapshot) {
	return func(s *Snapshot) { edit(deploymentOf(s, c)) }
}

// jibriDeployment is a recorder someone labelled into the platform.
func jibriDeployment(s *Snapshot) {
	d := appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "meet-jibri", Namespace: s.Platform.Namespace, Labels: map[string]string{
			settings.LabelName: settings.NameValue, settings.LabelInstance: s.Platform.Name, settings.LabelComponent: "jibri",
		}},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{settings.LabelName: settings.NameValue, settings.LabelInstance: s.Platform.Name, settings.LabelComponent: "jibri"}},
			Spec: corev1.PodSpec{
				Affinity:   deploymentOf(s, web).Spec.Template.Spec.Affinity.DeepCopy(),
				Containers: []corev1.Container{{Name: "jibri", Image: "ghcr.io/jitsi/jibri:stable-11146-2"}},
			},
		}},
	}
	s.Deployments = append(s.Deployments, d)
}

// credential is the generated password of a key, as the reconciler stores it.
func credential(key string) string { return string(credentials()[key]) }

func node(name, region, providerID string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelTopologyRegion: region, corev1.LabelTopologyZone: region + "a"}},
		Spec:       corev1.NodeSpec{ProviderID: providerID},
	}
}

const (
	privacyLine = `config.legalUrls = { privacy: "https://example.eu/privacy", terms: "https://example.eu/privacy", helpCentre: "https://example.eu/privacy", security: "https://example.eu/privacy" };`
	webPod      = "meet-web-7c9d8f6b5-x2k4p"
)

var tampering = []tamperCase{
	// TLS
	{name: "an Ingress without a TLS entry fails TLS-1", control: "TLS-1", mentions: []string{"Ingress meet", "meet.example.eu", "TLS"},
		mutate: editIngress(func(i *networkingv1.Ingress) { i.Spec.TLS = nil })},
	{name: "an Ingress without the HTTPS redirect annotations fails TLS-1", control: "TLS-1", mentions: []string{"Ingress meet", settings.AnnotationForceSSLRedirect},
		mutate: editIngress(func(i *networkingv1.Ingress) { i.Annotations = nil })},
	{name: "an HSTS max-age of one day fails TLS-1", control: "TLS-1", mentions: []string{"ConfigMap meet-web-config custom-meet.conf", "max-age=86400"},
		mutate: editFile(web, settings.NginxServerKey, replaceLine(`"max-age=63072000; includeSubDomains"`, `"max-age=86400"`))},
	{name: "a web Deployment that no longer mounts the nginx include fails TLS-1", control: "TLS-1", mentions: []string{"Deployment meet-web", "/config/nginx/custom-meet.conf"},
		mutate: editDeployment(web, func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.VolumeMounts = slices.DeleteFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/config/nginx/custom-meet.conf" })
		})},
	{name: "a missing TLS Secret fails TLS-2", control: "TLS-2", mentions: []string{"meet-tls", "does not exist"},
		mutate: func(s *Snapshot) { s.TLSSecret = nil }},
	{name: "a TLS Secret of type Opaque fails TLS-2", control: "TLS-2", mentions: []string{"meet-tls", "Opaque"},
		mutate: func(s *Snapshot) { s.TLSSecret.Type = corev1.SecretTypeOpaque }},
	{name: "an expired certificate fails TLS-2", control: "TLS-2", mentions: []string{"meet-tls", "expired on 2026-08-02"},
		mutate: withCert(fixtures.Certificate{Host: "meet.example.eu", NotBefore: now.Add(-120 * 24 * time.Hour), ValidFor: 90 * 24 * time.Hour, RSABits: 2048})},
	{name: "a certificate for another host fails TLS-2", control: "TLS-2", mentions: []string{"meet-tls", "other.example.eu", "does not cover meet.example.eu"},
		mutate: withCert(fixtures.Certificate{Host: "other.example.eu", NotBefore: now.Add(-24 * time.Hour), ValidFor: 90 * 24 * time.Hour, RSABits: 2048})},
	{name: "an RSA 1024 key fails TLS-2", control: "TLS-2", mentions: []string{"meet-tls", "RSA 1024-bit"},
		mutate: withCert(fixtures.Certificate{Host: "meet.example.eu", NotBefore: now.Add(-24 * time.Hour), ValidFor: 90 * 24 * time.Hour, RSABits: 1024})},
	{name: "a certificate that expires in 7 days warns TLS-2", control: "TLS-2", want: v1alpha1.ResultWarn, mentions: []string{"meet-tls", "expires on 2026-09-08", "within 14 days"},
		mutate: withCert(fixtures.Certificate{Host: "meet.example.eu", NotBefore: now.Add(-83 * 24 * time.Hour), ValidFor: 90 * 24 * time.Hour, RSABits: 2048})},
	{name: "a certificate for TLS clients only fails TLS-2", control: "TLS-2", mentions: []string{"meet-tls", "lacks serverAuth"},
		mutate: withCert(fixtures.Certificate{Host: "meet.example.eu", NotBefore: now.Add(-24 * time.Hour), ValidFor: 90 * 24 * time.Hour, RSABits: 2048, ClientOnly: true})},
	{name: "a certificate no root of the trust store vouches for warns TLS-2", control: "TLS-2", want: v1alpha1.ResultWarn,
		mentions: []string{"meet-tls", `issued by "meetwarden test CA"`, "private or self-signed CA"},
		mutate:   func(s *Snapshot) { s.Roots = x509.NewCertPool() }},
	{name: "without a trust store TLS-2 warns that the issuer is unchecked", control: "TLS-2", want: v1alpha1.ResultWarn,
		mentions: []string{"meet-tls", "no trust store"},
		mutate:   func(s *Snapshot) { s.Roots = nil }},
	{name: "a key that does not match the certificate fails TLS-2", control: "TLS-2", mentions: []string{"meet-tls", "tls.key"},
		mutate: func(s *Snapshot) {
			s.TLSSecret.Data[corev1.TLSPrivateKeyKey] = tlsSecret("x", fixtures.Certificate{Host: "meet.example.eu", NotBefore: now, ValidFor: time.Hour}).Data[corev1.TLSPrivateKeyKey]
		}},
	{name: "deleting the web NetworkPolicy fails TLS-3", control: "TLS-3", mentions: []string{"port 8000/TCP (http)", "web pods", "ingress-nginx"},
		mutate: deletePolicy("meet-web")},
	{name: "a web NetworkPolicy that admits every source fails TLS-3", control: "TLS-3", mentions: []string{"NetworkPolicy meet-web", "every address"},
		mutate: editPolicy("meet-web", func(p *networkingv1.NetworkPolicy) { p.Spec.Ingress[0].From = nil })},
	{name: "deleting every NetworkPolicy fails TLS-3", control: "TLS-3", mentions: []string{"no NetworkPolicy selects the web pods"},
		mutate: func(s *Snapshot) { s.NetworkPolicies = nil }},
	{name: "a web Service of type NodePort fails TLS-3", control: "TLS-3", mentions: []string{"Service meet-web (NodePort)"},
		mutate: editService("meet-web", func(svc *corev1.Service) { svc.Spec.Type = corev1.ServiceTypeNodePort })},
	{name: "PROSODY_C2S_REQUIRE_ENCRYPTION=false fails TLS-4", control: "TLS-4", mentions: []string{"Deployment meet-prosody", `PROSODY_C2S_REQUIRE_ENCRYPTION="false"`, `want "true"`},
		mutate: setEnv("PROSODY_C2S_REQUIRE_ENCRYPTION", "false", prosody)},
	{name: "end-to-end encryption disabled in custom-config.js fails E2E-1", control: "E2E-1", mentions: []string{"ConfigMap meet-web-config custom-config.js", "config.e2ee"},
		mutate: editFile(web, settings.CustomConfigKey, replaceLine("config.e2ee = { disabled: false };", "config.e2ee = { disabled: true };"))},

	{name: "a static TURN password on prosody fails ACC-5", control: "ACC-5", mentions: []string{"Deployment meet-prosody", "TURN_PASSWORD", "never expires"},
		mutate: setEnv("TURN_PASSWORD", "same-for-everyone", prosody)},

	// REC
	{name: "a jibri Deployment labelled into the platform fails REC-1", control: "REC-1", mentions: []string{"Deployment meet-jibri", "jibri"},
		mutate: jibriDeployment},
	{name: "a JIBRI_XMPP_PASSWORD on prosody fails REC-1", control: "REC-1", mentions: []string{"Deployment meet-prosody", "JIBRI_XMPP_PASSWORD"},
		mutate: setEnv("JIBRI_XMPP_PASSWORD", "recorder-password-1234567890", prosody)},
	{name: "a JIGASI credential in the credentials Secret fails REC-1", control: "REC-1", mentions: []string{"Secret meet-credentials", "JIGASI_XMPP_PASSWORD"},
		mutate: func(s *Snapshot) { s.secret("meet-credentials").Data["JIGASI_XMPP_PASSWORD"] = []byte("x") }},
	{name: "ENABLE_RECORDING=true added to web fails REC-2", control: "REC-2", mentions: []string{"Deployment meet-web", `ENABLE_RECORDING="true"`, `want "false"`},
		mutate: setEnv("ENABLE_RECORDING", "true", web)},
	{name: "ENABLE_RECORDING=true added to jicofo fails REC-2", control: "REC-2", mentions: []string{"Deployment meet-jicofo", `ENABLE_RECORDING="true"`},
		mutate: setEnv("ENABLE_RECORDING", "true", jicofo)},
	{name: "ENABLE_RECORDING=true added to prosody fails REC-2", control: "REC-2", mentions: []string{"Deployment meet-prosody", `ENABLE_RECORDING="true"`},
		mutate: setEnv("ENABLE_RECORDING", "true", prosody)},
	{name: "a DROPBOX_APPKEY on web fails REC-2", control: "REC-2", mentions: []string{"Deployment meet-web", "DROPBOX_APPKEY"},
		mutate: setEnv("DROPBOX_APPKEY", "k", web)},
	{name: "a transcription URL appended to custom-jicofo.conf fails REC-2", control: "REC-2", mentions: []string{"ConfigMap meet-jicofo-config custom-jicofo.conf", "transcriber"},
		mutate: editFile(jicofo, settings.CustomJicofoKey, appendLine(`jicofo.transcription.url-template = "wss://stt.example.com/{{MEETING_ID}}"`))},
	{name: "the recording UI re-enabled in custom-config.js fails REC-2", control: "REC-2", mentions: []string{"custom-config.js", "config.recordingService"},
		mutate: editFile(web, settings.CustomConfigKey, replaceLine("config.recordingService = { enabled: false, sharingEnabled: false };", "config.recordingService = { enabled: true, sharingEnabled: false };"))},
	{name: "DISABLE_LOCAL_RECORDING=false fails REC-3", control: "REC-3", mentions: []string{"Deployment meet-web", `DISABLE_LOCAL_RECORDING="false"`},
		mutate: setEnv("DISABLE_LOCAL_RECORDING", "false", web)},

	// TEL
	{name: "an AMPLITUDE_ID on web fails TEL-1", control: "TEL-1", mentions: []string{"Deployment meet-web", "AMPLITUDE_ID"},
		mutate: setEnv("AMPLITUDE_ID", "abc123", web)},
	{name: "a SENTRY_DSN on the bridge fails TEL-1", control: "TEL-1", mentions: []string{"Deployment meet-jvb", "SENTRY_DSN"},
		mutate: setEnv("SENTRY_DSN", "https://key@sentry.io/1", jvb)},
	{name: "analytics re-enabled after the privacy block fails TEL-1", control: "TEL-1", mentions: []string{"custom-config.js", "config.analytics"},
		mutate: editFile(web, settings.CustomConfigKey, appendLine("config.analytics.disabled = false;"))},
	{name: "Gravatar re-enabled after the privacy block fails TEL-2", control: "TEL-2", mentions: []string{"ConfigMap meet-web-config custom-config.js", "overrides config.gravatar"},
		mutate: editFile(web, settings.CustomConfigKey, appendLine("config.gravatar = { disabled: false };"))},
	{name: "Gravatar re-enabled inside the privacy block fails TEL-2", control: "TEL-2", mentions: []string{"ConfigMap meet-web-config custom-config.js", "config.gravatar"},
		mutate: editFile(web, settings.CustomConfigKey, replaceLine("config.gravatar = { disabled: true };", "config.gravatar = { disabled: false };"))},
	{name: "a CSP that allows a CDN fails TEL-2", control: "TEL-2", mentions: []string{"Deployment meet-web", "CSP_HEADER", "https://cdn.example.com"},
		mutate: setEnv("CSP_HEADER", "default-src 'self'; script-src 'self' https://cdn.example.com", web)},
	{name: "a custom-config.js the web pods do not mount fails TEL-2", control: "TEL-2", mentions: []string{"Deployment meet-web", "/config/custom-config.js"},
		mutate: editDeployment(web, func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.VolumeMounts = slices.DeleteFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/config/custom-config.js" })
		})},
	{name: "a third-party STUN server on the bridge fails TEL-3", control: "TEL-3", mentions: []string{"Deployment meet-jvb", "meet-jit-si-turnrelay.jitsi.net:443"},
		mutate: setEnv("JVB_STUN_SERVERS", "meet-jit-si-turnrelay.jitsi.net:443", jvb)},
	{name: "peer-to-peer on without own STUN servers fails TEL-3", control: "TEL-3", mentions: []string{"Deployment meet-web", `ENABLE_P2P="true"`},
		mutate: setEnv("ENABLE_P2P", "true", web)},
	{name: "peer-to-peer switched on in custom-config.js fails TEL-3", control: "TEL-3", mentions: []string{"custom-config.js", "config.p2p"},
		mutate: editFile(web, settings.CustomConfigKey, appendLine("config.p2p.enabled = true;"))},
	{name: "deleting the default-deny NetworkPolicy fails TEL-4", control: "TEL-4", mentions: []string{"no default-deny egress NetworkPolicy"},
		mutate: deletePolicy("meet-default-deny")},
	{name: "an egress rule to the internet fails TEL-4", control: "TEL-4", mentions: []string{"NetworkPolicy meet-jicofo", "TCP 443", "ipBlock 0.0.0.0/0"},
		mutate: editPolicy("meet-jicofo", func(p *networkingv1.NetworkPolicy) {
			p.Spec.Egress = append(p.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
				To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(443))}},
			})
		})},

	// EU
	{name: "removing the node affinity of web fails EU-1", control: "EU-1", mentions: []string{"Deployment meet-web", "node affinity", corev1.LabelTopologyRegion},
		mutate: editDeployment(web, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Affinity = nil })},
	{name: "a node affinity that admits us-east-1 fails EU-1", control: "EU-1", mentions: []string{"Deployment meet-jvb", `"us-east-1"`},
		mutate: editDeployment(jvb, func(d *appsv1.Deployment) {
			e := &d.Spec.Template.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0]
			e.Values = append(e.Values, "us-east-1")
		})},
	{name: "a web pod on a US node fails EU-2", control: "EU-2", mentions: []string{"pod " + webPod, "node us-node-1", `"us-east-1"`},
		mutate: movePod(web, node("us-node-1", "us-east-1", "aws:///us-east-1a/i-0abc"))},
	{name: "a web pod on AWS eu-central-2 (Zurich) fails EU-2", control: "EU-2", mentions: []string{"pod " + webPod, "node zrh-node-1", "Zurich, CH"},
		mutate: movePod(web, node("zrh-node-1", "eu-central-2", "aws:///eu-central-2a/i-1"))},
	{name: "a web pod on an AWS us-east-1 node fails EU-2 even when allowedRegions lists us-east-1", control: "EU-2",
		mentions: []string{"pod " + webPod, "node us-node-1", "N. Virginia, US: outside the EEA", "cannot admit"},
		mutate: func(s *Snapshot) {
			s.Platform.Spec.Placement.AllowedRegions = []string{"eu-central-1", "fsn1", "nbg1", "us-east-1"}
			movePod(web, node("us-node-1", "us-east-1", "aws:///us-east-1a/i-0abc"))(s)
		}},
	{name: "a web pod on a node in a user-listed region the catalog does not know warns on EU-2: its location is user-asserted", control: "EU-2", want: v1alpha1.ResultWarn,
		mentions: []string{`the location of ["dc-ber-1"] is user-asserted`, "not verified"},
		mutate: func(s *Snapshot) {
			s.Platform.Spec.Placement.AllowedRegions = []string{"dc-ber-1", "fsn1", "nbg1"}
			movePod(web, node("onprem-1", "dc-ber-1", ""))(s)
		}},
	{name: "a pod on a node that cannot be read fails EU-2", control: "EU-2", mentions: []string{"pod " + webPod, "node gone-1"},
		mutate: func(s *Snapshot) {
			s.Pods[slices.IndexFunc(s.Pods, func(p corev1.Pod) bool { return p.Name == webPod })].Spec.NodeName = "gone-1"
		}},
	{name: "a private advertised address fails EU-3", control: "EU-3", mentions: []string{"Deployment meet-jvb", "JVB_ADVERTISE_IPS", "10.0.0.5", "private"},
		mutate: setEnv("JVB_ADVERTISE_IPS", "10.0.0.5", jvb)},
	{name: "a CGNAT advertised address fails EU-3", control: "EU-3", mentions: []string{"100.64.1.1", "shared"},
		mutate: setEnv("JVB_ADVERTISE_IPS", "203.0.113.10,100.64.1.1", jvb)},
	{name: "private candidates advertised fails EU-3", control: "EU-3", mentions: []string{"Deployment meet-jvb", "JVB_ADVERTISE_PRIVATE_CANDIDATES"},
		mutate: setEnv("JVB_ADVERTISE_PRIVATE_CANDIDATES", "true", jvb)},
	{name: "sovereignProviders with a node of aws:// fails EU-4", control: "EU-4", mentions: []string{"pod meet-jvb-7c9d8f6b5-x2k4p", "node eu-node-2", "aws"},
		mutate: func(s *Snapshot) {
			s.Platform.Spec.Placement.SovereignProviders = true
			s.Nodes["eu-node-2"].Spec.ProviderID = "aws:///eu-central-1a/i-2"
			s.Nodes["eu-node-2"].Labels[corev1.LabelTopologyRegion] = "eu-central-1"
		}},

	// ACC
	{name: "ENABLE_AUTH=false on prosody fails ACC-1", control: "ACC-1", mentions: []string{"Deployment meet-prosody", `ENABLE_AUTH="false"`},
		mutate: setEnv("ENABLE_AUTH", "false", prosody)},
	{name: "empty tokens allowed fails ACC-1", control: "ACC-1", mentions: []string{"Deployment meet-prosody", "JWT_ALLOW_EMPTY"},
		mutate: setEnv("JWT_ALLOW_EMPTY", "true", prosody)},
	{name: "guests enabled while the spec says false fails ACC-2", control: "ACC-2", mentions: []string{"Deployment meet-prosody", `ENABLE_GUESTS="true"`, `want "false"`},
		mutate: setEnv("ENABLE_GUESTS", "true", prosody)},
	{name: "rate limits off fails ACC-2", control: "ACC-2", mentions: []string{"PROSODY_ENABLE_RATE_LIMITS"},
		mutate: setEnv("PROSODY_ENABLE_RATE_LIMITS", "false", prosody)},
	{name: "a credential as a literal env value fails ACC-3", control: "ACC-3", mentions: []string{"Deployment meet-jvb", "JVB_AUTH_PASSWORD", "literal"},
		mutate: setEnv("JVB_AUTH_PASSWORD", credential("JVB_AUTH_PASSWORD"), jvb)},
	{name: "a credential copied into a ConfigMap fails ACC-3", control: "ACC-3", mentions: []string{"ConfigMap meet-web-config", "JICOFO_AUTH_PASSWORD"},
		mutate: func(s *Snapshot) {
			s.configMap("meet-web-config").Data["debug.txt"] = "jicofo password: " + credential("JICOFO_AUTH_PASSWORD")
		}},
	{name: "a short credential fails ACC-3", control: "ACC-3", mentions: []string{"Secret meet-credentials", "JVB_AUTH_PASSWORD", "fewer than 32"},
		mutate: func(s *Snapshot) { s.secret("meet-credentials").Data["JVB_AUTH_PASSWORD"] = []byte("short") }},
	{name: "a one-byte JWT signing secret fails ACC-3 and says it is shorter than 32 bytes", control: "ACC-3",
		mentions: []string{"JWT signing secret (Secret meet-jwt key secret)", "shorter than 32 bytes"},
		mutate:   func(s *Snapshot) { s.JWTSecret.Data["secret"] = []byte("x") }},
	{name: "a 31-byte JWT signing secret fails ACC-3", control: "ACC-3", mentions: []string{"shorter than 32 bytes"},
		mutate: func(s *Snapshot) { s.JWTSecret.Data["secret"] = []byte(jwtSigningSecretValue[:31]) }},
	{name: "a JWT signing Secret that could not be read fails ACC-3", control: "ACC-3", mentions: []string{"Secret meet-jwt", "could not be read"},
		mutate: func(s *Snapshot) { s.JWTSecret = nil }},
	{name: "the JWT signing secret copied into a ConfigMap fails ACC-3", control: "ACC-3", mentions: []string{"ConfigMap meet-web-config", "JWT signing secret"},
		mutate: func(s *Snapshot) {
			s.configMap("meet-web-config").Data["debug.txt"] = "token key: " + jwtSigningSecretValue
		}},
	{name: "a credentials Secret not owned by the platform fails ACC-3", control: "ACC-3", mentions: []string{"Secret meet-credentials", "not owned"},
		mutate: func(s *Snapshot) { s.secret("meet-credentials").OwnerReferences = nil }},
	{name: "a prosody Service of type NodePort fails ACC-4", control: "ACC-4", mentions: []string{"Service meet-prosody (NodePort)"},
		mutate: editService("meet-prosody", func(svc *corev1.Service) { svc.Spec.Type = corev1.ServiceTypeNodePort })},
	{name: "deleting the prosody NetworkPolicy fails ACC-4", control: "ACC-4", mentions: []string{"prosody pods"},
		mutate: deletePolicy("meet-prosody")},
	{name: "a prosody policy that admits XMPP from everywhere fails ACC-4", control: "ACC-4", mentions: []string{"NetworkPolicy meet-prosody", "5222/TCP", "every address"},
		mutate: editPolicy("meet-prosody", func(p *networkingv1.NetworkPolicy) { p.Spec.Ingress[1].From = nil })},
	{name: "a policy that opens the bridge's private HTTP port to all namespaces fails ACC-4", control: "ACC-4", mentions: []string{"NetworkPolicy meet-jvb", "8080/TCP", "pods in any namespace"},
		mutate: editPolicy("meet-jvb", func(p *networkingv1.NetworkPolicy) {
			p.Spec.Ingress = append(p.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(8080))}},
			})
		})},
	{name: "the bridge's COLIBRI REST API enabled fails ACC-4", control: "ACC-4", mentions: []string{"Deployment meet-jvb", "COLIBRI_REST_ENABLED"},
		mutate: setEnv("COLIBRI_REST_ENABLED", "true", jvb)},

	// MIN
	{name: "START_WITH_VIDEO_MUTED=false fails MIN-1", control: "MIN-1", mentions: []string{"Deployment meet-web", `START_WITH_VIDEO_MUTED="false"`},
		mutate: setEnv("START_WITH_VIDEO_MUTED", "false", web)},
	{name: "doNotStoreRoom off fails MIN-2", control: "MIN-2", mentions: []string{"ConfigMap meet-web-config custom-config.js", "config.doNotStoreRoom"},
		mutate: editFile(web, settings.CustomConfigKey, replaceLine("config.doNotStoreRoom = true;", "config.doNotStoreRoom = false;"))},
	{name: "the recent-room list enabled fails MIN-2", control: "MIN-2", mentions: []string{"custom-interface_config.js", "interfaceConfig.RECENT_LIST_ENABLED"},
		mutate: editFile(web, settings.CustomInterfaceKey, appendLine("interfaceConfig.RECENT_LIST_ENABLED = true;"))},
	{name: "prosody at log level debug fails MIN-3", control: "MIN-3", mentions: []string{"Deployment meet-prosody", `LOG_LEVEL="debug"`, `want "warn"`},
		mutate: setEnv("LOG_LEVEL", "debug", prosody)},
	{name: "jicofo logging at FINE fails MIN-3", control: "MIN-3", mentions: []string{"ConfigMap meet-jicofo-config logging.properties", ".level"},
		mutate: editFile(jicofo, settings.LoggingKey, replaceLine(".level = WARNING", ".level = FINE"))},
	{name: "an access log with the client address fails MIN-3", control: "MIN-3", mentions: []string{"ConfigMap meet-web-config nginx-http.conf", "$remote_addr"},
		mutate: editFile(web, settings.NginxHTTPKey, func(c string) string {
			return strings.Replace(c, "'$time_iso8601", "'$remote_addr $request_uri $time_iso8601", 1)
		})},
	{name: "a JVB_LOG_FILE fails MIN-3", control: "MIN-3", mentions: []string{"Deployment meet-jvb", "JVB_LOG_FILE"},
		mutate: setEnv("JVB_LOG_FILE", "/tmp/jvb.log", jvb)},

	// TRN
	{name: "legal links pointing to jitsi.org fail TRN-1", control: "TRN-1", mentions: []string{"ConfigMap meet-web-config custom-config.js", "config.legalUrls"},
		mutate: editFile(web, settings.CustomConfigKey, replaceLine(privacyLine, strings.ReplaceAll(privacyLine, "https://example.eu/privacy", "https://jitsi.org/meet/privacy")))},
	{name: "a privacy notice on jitsi.org in the spec fails TRN-1", control: "TRN-1", mentions: []string{"spec.privacyPolicyURL", "jitsi.org"},
		mutate: func(s *Snapshot) { s.Platform.Spec.PrivacyPolicyURL = "https://jitsi.org/meet/privacy" }},
	{name: "a missing processing record fails TRN-2", control: "TRN-2", mentions: []string{"ConfigMap meet-processing-record", "does not exist"},
		mutate: func(s *Snapshot) {
			s.ConfigMaps = slices.DeleteFunc(s.ConfigMaps, func(c corev1.ConfigMap) bool { return c.Name == "meet-processing-record" })
		}},
	{name: "an emptied processing record fails TRN-2", control: "TRN-2", mentions: []string{"ConfigMap meet-processing-record", "processing-record.md"},
		mutate: func(s *Snapshot) { s.configMap("meet-processing-record").Data = map[string]string{} }},

	// OVR
	{name: "a statement appended after the privacy block fails OVR-1", control: "OVR-1", mentions: []string{"ConfigMap meet-web-config custom-config.js", "privacy block"},
		mutate: editFile(web, settings.CustomConfigKey, appendLine(`config.hosts.domain = "meet.attacker.example";`))},
	{name: "ENABLE_RECORDING=off, a non-canonical boolean, fails OVR-1", control: "OVR-1", mentions: []string{"Deployment meet-jicofo", `ENABLE_RECORDING="off"`, "canonical"},
		mutate: setEnv("ENABLE_RECORDING", "off", jicofo)},
	{name: "a GLOBAL_CONFIG variable on prosody fails OVR-1", control: "OVR-1", mentions: []string{"Deployment meet-prosody", "GLOBAL_CONFIG"},
		mutate: setEnv("GLOBAL_CONFIG", `modules_enabled = { "muc_mam" }`, prosody)},
	{name: "an XMPP_MUC_MODULES variable on prosody fails OVR-1", control: "OVR-1", mentions: []string{"Deployment meet-prosody", "XMPP_MUC_MODULES"},
		mutate: setEnv("XMPP_MUC_MODULES", "muc_mam", prosody)},
	{name: "a foreign ConfigMap mounted at /config fails OVR-1", control: "OVR-1", mentions: []string{"Deployment meet-prosody", "ConfigMap extra-prosody", "/config/conf.d/extra.cfg.lua"},
		mutate: editDeployment(prosody, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Volumes = append(d.Spec.Template.Spec.Volumes, corev1.Volume{Name: "extra", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "extra-prosody"}}}})
			c := &d.Spec.Template.Spec.Containers[0]
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "extra", MountPath: "/config/conf.d/extra.cfg.lua", SubPath: "extra.cfg.lua"})
		})},
	{name: "the operator's config volume pointed at a foreign ConfigMap fails OVR-1", control: "OVR-1", mentions: []string{"Deployment meet-jvb", "ConfigMap evil"},
		mutate: editDeployment(jvb, func(d *appsv1.Deployment) { volume(d, "config").ConfigMap.Name = "evil" })},
	{name: "a hostPath over /usr/share fails OVR-1", control: "OVR-1", mentions: []string{"Deployment meet-web", "hostPath /srv/www", "covers /usr/share/jitsi-meet"},
		mutate: editDeployment(web, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Volumes = append(d.Spec.Template.Spec.Volumes, corev1.Volume{Name: "www", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/srv/www"}}})
			c := &d.Spec.Template.Spec.Containers[0]
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "www", MountPath: "/usr/share"})
		})},
	{name: "envFrom a foreign ConfigMap fails OVR-1", control: "OVR-1", mentions: []string{"Deployment meet-web", "envFrom", "ConfigMap user-env"},
		mutate: editDeployment(web, func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.EnvFrom = append(c.EnvFrom, corev1.EnvFromSource{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "user-env"}}})
		})},
	{name: "a changed command fails OVR-2", control: "OVR-2", mentions: []string{"Deployment meet-web", "containers[name=web].command: added"},
		mutate: editDeployment(web, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Command = []string{"/bin/sh", "-c", "exec /init"}
		})},
	{name: "changed args fail OVR-2", control: "OVR-2", mentions: []string{"Deployment meet-jvb", ".args: added"},
		mutate: editDeployment(jvb, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Args = []string{"--apis=rest"} })},
	{name: "a swapped image fails OVR-2", control: "OVR-2", mentions: []string{"Deployment meet-prosody", ".image: changed"},
		mutate: editDeployment(prosody, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Image = "registry.example/prosody:patched"
		})},
	{name: "an init container fails OVR-2", control: "OVR-2", mentions: []string{"Deployment meet-web", "initContainers[name=prep]: added"},
		mutate: editDeployment(web, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "prep", Image: "busybox:1.36", Command: []string{"sh", "-c", "echo"}}}
		})},
	{name: "a lifecycle hook fails OVR-2", control: "OVR-2", mentions: []string{"Deployment meet-jicofo", ".lifecycle: added"},
		mutate: editDeployment(jicofo, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "sed -i s/false/true/ /config/jicofo.conf"}}}}
		})},
	{name: "a sidecar sharing a volume fails OVR-2", control: "OVR-2", mentions: []string{"Deployment meet-web", "containers[name=helper]: added"},
		mutate: editDeployment(web, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "helper", Image: "busybox:1.36",
				VolumeMounts: d.Spec.Template.Spec.Containers[0].VolumeMounts})
		})},
	{name: "a file mounted under /etc/cont-init.d fails OVR-2", control: "OVR-2", mentions: []string{"Deployment meet-prosody", "volumeMounts[name=hook]: added"},
		mutate: editDeployment(prosody, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Volumes = append(d.Spec.Template.Spec.Volumes, corev1.Volume{Name: "hook", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "hook"}, DefaultMode: ptr.To[int32](0o755)}}})
			c := &d.Spec.Template.Spec.Containers[0]
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "hook", MountPath: "/etc/cont-init.d/99-hook"})
		})},
	{name: "host networking fails OVR-2", control: "OVR-2", mentions: []string{"Deployment meet-jvb", "hostNetwork: added"},
		mutate: editDeployment(jvb, func(d *appsv1.Deployment) { d.Spec.Template.Spec.HostNetwork = true })},
	{name: "a canary Deployment behind the web Service fails OVR-3", control: "OVR-3", mentions: []string{"meet-web-canary", "Service meet-web", "not to the operator's Deployments"},
		mutate: canary},
	{name: "a bare pod with the web labels fails OVR-3", control: "OVR-3", mentions: []string{"Pod meet-web-debug", "Service meet-web", "no controller"},
		mutate: barePod},
	{name: "a hand-made EndpointSlice fails OVR-3", control: "OVR-3", mentions: []string{"EndpointSlice meet-web-extra", "Service meet-web", "203.0.113.7"},
		mutate: func(s *Snapshot) {
			s.EndpointSlices = append(s.EndpointSlices, discoveryv1.EndpointSlice{
				ObjectMeta:  metav1.ObjectMeta{Name: "meet-web-extra", Namespace: s.Platform.Namespace, Labels: map[string]string{discoveryv1.LabelServiceName: "meet-web"}},
				AddressType: discoveryv1.AddressTypeIPv4, Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"203.0.113.7"}}},
			})
		}},
	{name: "an endpoint with a pod's name but another address fails OVR-3", control: "OVR-3", mentions: []string{"EndpointSlice meet-web-abcde", "10.0.0.99"},
		mutate: func(s *Snapshot) {
			s.EndpointSlices[slices.IndexFunc(s.EndpointSlices, func(e discoveryv1.EndpointSlice) bool { return e.Name == "meet-web-abcde" })].Endpoints[0].Addresses = []string{"10.0.0.99"}
		}},
	{name: "an Ingress in another namespace with /config.js for the domain fails OVR-3", control: "OVR-3", mentions: []string{"Ingress tenant-b/steal-config", "meet.example.eu"},
		mutate: func(s *Snapshot) {
			ing := foreignIngress("tenant-b", "steal-config", s.Platform.Spec.Domain, "/config.js", "evil")
			s.DomainIngresses = append(s.DomainIngresses, ing)
		}},
	{name: "a wildcard Ingress covering the domain fails OVR-3", control: "OVR-3", mentions: []string{"Ingress tenant-b/wildcard"},
		mutate: func(s *Snapshot) {
			s.DomainIngresses = append(s.DomainIngresses, foreignIngress("tenant-b", "wildcard", "*.example.eu", "/", "evil"))
		}},
	{name: "a second Ingress for another host on the web Service fails OVR-3", control: "OVR-3", mentions: []string{"Ingress", "plain", "Service meet-web"},
		mutate: func(s *Snapshot) {
			s.Ingresses = append(s.Ingresses, foreignIngress(s.Platform.Namespace, "plain", "plain.example.eu", "/", "meet-web"))
		}},
	{name: "an ephemeral debug container in a web pod fails OVR-3", control: "OVR-3", mentions: []string{"Pod meet-web", "ephemeral container debugger"},
		mutate: func(s *Snapshot) {
			i := slices.IndexFunc(s.Pods, func(p corev1.Pod) bool { return p.Labels[settings.LabelComponent] == string(settings.Web) })
			s.Pods[i].Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger", Image: "busybox:1.36"}}}
		}},
	{name: "an image changed on a running prosody pod fails OVR-3", control: "OVR-3", mentions: []string{"Pod meet-prosody", "image evil:1"},
		mutate: func(s *Snapshot) {
			i := slices.IndexFunc(s.Pods, func(p corev1.Pod) bool { return p.Labels[settings.LabelComponent] == string(settings.Prosody) })
			s.Pods[i].Spec.Containers[0].Image = "evil:1"
		}},
	{name: "a configuration snippet on the operator's Ingress fails OVR-3", control: "OVR-3", mentions: []string{"Ingress meet", "nginx.ingress.kubernetes.io/configuration-snippet"},
		mutate: editIngress(func(ing *networkingv1.Ingress) {
			ing.Annotations["nginx.ingress.kubernetes.io/configuration-snippet"] = `location = /config.js { return 200 "config.recordingService = {enabled: true};"; }`
		})},
	{name: "the web Service turned into a NodePort fails OVR-3", control: "OVR-3", mentions: []string{"Service meet-web is of type NodePort"},
		mutate: editService("meet-web", func(svc *corev1.Service) { svc.Spec.Type = corev1.ServiceTypeNodePort })},
	{name: "an external IP on the web Service fails OVR-3", control: "OVR-3", mentions: []string{"Service meet-web", "198.51.100.4"},
		mutate: editService("meet-web", func(svc *corev1.Service) { svc.Spec.ExternalIPs = []string{"198.51.100.4"} })},
	{name: "the web Service's target port moved fails OVR-3", control: "OVR-3", mentions: []string{"Service meet-web sends port"},
		mutate: editService("meet-web", func(svc *corev1.Service) { svc.Spec.Ports[0].TargetPort = intstr.FromInt32(8443) })},
	{name: "a changed Service selector fails OVR-3", control: "OVR-3", mentions: []string{"Service meet-web selects", "track=canary"},
		mutate: editService("meet-web", func(svc *corev1.Service) { svc.Spec.Selector = map[string]string{"track": "canary"} })},
	{name: "pods of a newer ReplicaSet with another template fail OVR-3", control: "OVR-3", mentions: []string{"ReplicaSet meet-web-666", "is not Deployment meet-web's", "image: changed"},
		mutate: replicaSetRunning("meet-web-666", time.Hour, func(t *corev1.PodTemplateSpec) { t.Spec.Containers[0].Image = "evil:1" })},
	{name: "pods of an earlier template while the Deployment rolls out warn OVR-3", control: "OVR-3", want: v1alpha1.ResultWarn, mentions: []string{"earlier template of Deployment meet-web", "ReplicaSet meet-web-5d4"},
		mutate: replicaSetRunning("meet-web-5d4", -2*time.Hour, func(t *corev1.PodTemplateSpec) { t.Annotations["meetwarden.io/config-hash"] = "older" })},
	{name: "a videobridge image of a release the settings were not verified against warns under OVR-4", control: "OVR-4", want: v1alpha1.ResultWarn,
		mentions: []string{"Deployment meet-jvb", "ghcr.io/jitsi/jvb:stable-9955", "verified: " + v1alpha1.DefaultImageTag},
		mutate:   editDeployment(jvb, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "ghcr.io/jitsi/jvb:stable-9955" })},
	{name: "an image without a tag (read as latest) warns under OVR-4", control: "OVR-4", want: v1alpha1.ResultWarn,
		mentions: []string{"Deployment meet-web", "ghcr.io/jitsi/web,"},
		mutate:   editDeployment(web, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "ghcr.io/jitsi/web" })},
	{name: "a missing component's image is unknown, which OVR-4 warns about", control: "OVR-4", want: v1alpha1.ResultWarn,
		mentions: []string{"Deployment meet-jicofo does not exist"},
		mutate: func(s *Snapshot) {
			s.Deployments = slices.DeleteFunc(s.Deployments, func(d appsv1.Deployment) bool { return d.Name == "meet-jicofo" })
		}},
}

// canary adds a Deployment someone else made, whose pods carry the web Service's labels.
func canary(s *Snapshot) {
	web := deploymentOf(s, settings.Web)
	d := web.DeepCopy()
	d.Name, d.UID, d.OwnerReferences = "meet-web-canary", "uid-canary", nil
	d.Spec.Template.Spec.Containers[0].Env = append(d.Spec.Template.Spec.Containers[0].Env, corev1.EnvVar{Name: "ENABLE_RECORDING", Value: "true"})
	s.Deployments = append(s.Deployments, *d)
	rs := replicaSetOf(d)
	s.ReplicaSets = append(s.ReplicaSets, rs)
	s.Pods = append(s.Pods, podOf(&rs, "c4n4r", "eu-node-1"))
}

// barePod adds a pod with no controller and the web labels.
func barePod(s *Snapshot) {
	pod := s.Pods[slices.IndexFunc(s.Pods, func(p corev1.Pod) bool { return p.Labels[settings.LabelComponent] == string(settings.Web) })].DeepCopy()
	pod.Name, pod.UID, pod.OwnerReferences = "meet-web-debug", "uid-debug", nil
	s.Pods = append(s.Pods, *pod)
}

// replicaSetRunning adds a ReplicaSet of the web Deployment, created age before the current
// one (negative: earlier), whose template is edited, with one running pod.
func replicaSetRunning(name string, age time.Duration, edit func(*corev1.PodTemplateSpec)) func(*Snapshot) {
	return func(s *Snapshot) {
		current := s.ReplicaSets[slices.IndexFunc(s.ReplicaSets, func(rs appsv1.ReplicaSet) bool { return rs.Labels[settings.LabelComponent] == string(settings.Web) })]
		rs := current.DeepCopy()
		rs.Name, rs.UID = name, types.UID("uid-"+name)
		rs.CreationTimestamp = metav1.NewTime(current.CreationTimestamp.Add(age))
		edit(&rs.Spec.Template)
		s.ReplicaSets = append(s.ReplicaSets, *rs)
		s.Pods = append(s.Pods, podOf(rs, "r011s", "eu-node-1"))
	}
}

// foreignIngress is an Ingress someone else made that sends host/path to a Service.
func foreignIngress(namespace, name, host, path, service string) networkingv1.Ingress {
	return networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: ptr.To(networkingv1.PathTypePrefix), Backend: networkingv1.IngressBackend{
				Service: &networkingv1.IngressServiceBackend{Name: service, Port: networkingv1.ServiceBackendPort{Number: 80}}}}},
		}}}}},
	}
}

func TestTamperingIsCaught(t *testing.T) {
	for _, tc := range tampering {
		t.Run(tc.name, func(t *testing.T) { assertCaught(t, passingJWT(t), tc) })
	}
}

// assertCaught applies a tampering case to a passing snapshot and checks that its control
// says so, naming what the case wants named, on one line, without revealing a credential.
func assertCaught(t *testing.T, s *Snapshot, tc tamperCase) {
	t.Helper()
	tc.mutate(s)
	results := Evaluate(s)
	got := resultOf(results, tc.control)
	want := tc.want
	if want == "" {
		want = v1alpha1.ResultFail
	}
	if got.Result != want {
		t.Fatalf("%s is %s (%s), want %s", tc.control, got.Result, got.Message, want)
	}
	for _, m := range tc.mentions {
		if !strings.Contains(got.Message, m) {
			t.Errorf("%s message %q does not mention %q", tc.control, got.Message, m)
		}
	}
	if strings.ContainsAny(got.Message, "\n\r") {
		t.Errorf("%s message is not one line: %q", tc.control, got.Message)
	}
	for _, r := range results {
		for _, secret := range append(slices.Collect(maps.Values(credentials())), []byte(jwtSigningSecretValue)) {
			if strings.Contains(r.Message, string(secret)) {
				t.Errorf("%s message reveals a credential: %q", r.ID, r.Message)
			}
		}
	}
}

func TestEveryControlHasATamperingCase(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range tampering {
		covered[tc.control] = true
	}
	for _, tc := range onOIDC {
		covered[tc.control] = true
	}
	for _, c := range Profile {
		if !covered[string(c.ID)] {
			t.Errorf("no tampering case for %s", c.ID)
		}
	}
}

// bridge is the token bridge of the OIDC samples.
var bridge = settings.TokenBridge

// onOIDC changes the live state of a passing OIDC platform (sso: moderator and allowed groups,
// a public client; meet: a confidential client without groups, issuer on port 8443).
var onOIDC = []struct {
	tamperCase
	spec func() *v1alpha1.MeetingPlatform
}{
	{spec: oidcPlatform, tamperCase: tamperCase{name: "an http issuer on the live bridge fails ACC-6", control: "ACC-6",
		mentions: []string{"Deployment sso-tokenbridge talks to the issuer", "not an https:// URL"},
		mutate:   setEnv("TOKENBRIDGE_ISSUER_URL", "http://id.example.eu/realms/staff", bridge)}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "a day-long token lifetime on the live bridge fails ACC-6", control: "ACC-6",
		mentions: []string{"Deployment sso-tokenbridge issues room tokens valid for \"24h\""},
		mutate:   setEnv("TOKENBRIDGE_TOKEN_LIFETIME", "24h", bridge)}},
	{spec: oidcConfidentialPlatform, tamperCase: tamperCase{name: "a groups claim read although the spec configures no groups fails ACC-6", control: "ACC-6",
		mentions: []string{"Deployment meet-tokenbridge sets TOKENBRIDGE_GROUPS_CLAIM, which spec.access.oidc does not configure"},
		mutate:   setEnv("TOKENBRIDGE_GROUPS_CLAIM", "groups", bridge)}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "a display name claim other than the spec's fails ACC-6", control: "ACC-6",
		mentions: []string{"TOKENBRIDGE_DISPLAY_NAME_CLAIM", "email"},
		mutate:   setEnv("TOKENBRIDGE_DISPLAY_NAME_CLAIM", "email", bridge)}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "a web client sending users to another login service fails ACC-6", control: "ACC-6",
		mentions: []string{"Deployment sso-web sets TOKEN_AUTH_URL", "https://login.example.com"},
		mutate:   setEnv("TOKEN_AUTH_URL", "https://login.example.com/?room={room}", web)}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "the operator's TOKEN_AUTH_URL on an OIDC platform is no third party for TEL-2", control: "TEL-2",
		want: v1alpha1.ResultPass, mutate: func(*Snapshot) {}}},
	{spec: jwtPlatform, tamperCase: tamperCase{name: "TOKEN_AUTH_URL on a JWT platform stays forbidden by TEL-2", control: "TEL-2",
		mentions: []string{"Deployment meet-web sets TOKEN_AUTH_URL, which is forbidden"},
		mutate:   setEnv("TOKEN_AUTH_URL", "https://sso.example.eu/oidc/login?room={room}", web)}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "another MUC module beside token_affiliation fails ACC-6", control: "ACC-6",
		mentions: []string{"Deployment sso-prosody sets XMPP_MUC_MODULES", "muc_mam"},
		mutate:   setEnv("XMPP_MUC_MODULES", "token_affiliation,muc_mam", prosody)}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "jicofo's auto-owner back on fails ACC-6", control: "ACC-6",
		mentions: []string{"Deployment sso-jicofo sets ENABLE_AUTO_OWNER"},
		mutate:   setEnv("ENABLE_AUTO_OWNER", "true", jicofo)}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "a bridge running another command fails ACC-6", control: "ACC-6",
		mentions: []string{"Deployment sso-tokenbridge runs"},
		mutate:   editDeployment(bridge, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Args = []string{"--insecure"} })}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "a bridge reachable from every pod fails ACC-6", control: "ACC-6",
		mentions: []string{"NetworkPolicy sso-tokenbridge"},
		mutate: editPolicy("sso-tokenbridge", func(p *networkingv1.NetworkPolicy) {
			p.Spec.Ingress[0].From = []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}
		})}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "a bridge egress beyond the issuer's port fails TEL-4", control: "TEL-4",
		mentions: []string{"NetworkPolicy sso-tokenbridge", "TCP 80"},
		mutate: editPolicy("sso-tokenbridge", func(p *networkingv1.NetworkPolicy) {
			p.Spec.Egress[0].Ports = append(p.Spec.Egress[0].Ports, networkingv1.NetworkPolicyPort{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(80))})
		})}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "prosody accepting another application's tokens fails ACC-1", control: "ACC-1",
		mentions: []string{"Deployment sso-prosody sets JWT_APP_ID"},
		mutate:   setEnv("JWT_APP_ID", "other-app", prosody)}},
	{spec: oidcConfidentialPlatform, tamperCase: tamperCase{name: "a client secret given as a literal fails ACC-3", control: "ACC-3",
		mentions: []string{"Deployment meet-tokenbridge sets TOKENBRIDGE_CLIENT_SECRET as a literal value"},
		mutate:   setEnv("TOKENBRIDGE_CLIENT_SECRET", "s3cr3t-client-value", bridge)}},
	{spec: oidcGatewayPlatform, tamperCase: tamperCase{name: "the route's /oidc/ rule sent elsewhere fails OVR-3", control: "OVR-3",
		mentions: []string{"HTTPRoute meet routes other"},
		mutate:   editRoute("meet", func(r *gatewayv1.HTTPRoute) { r.Spec.Rules[1].BackendRefs[0].Name = "phishing" })}},
	{spec: oidcPlatform, tamperCase: tamperCase{name: "a missing bridge fails ACC-6", control: "ACC-6",
		mentions: []string{"Deployment sso-tokenbridge does not exist"},
		mutate: func(s *Snapshot) {
			s.Deployments = slices.DeleteFunc(s.Deployments, func(d appsv1.Deployment) bool { return d.Name == "sso-tokenbridge" })
		}}},
}

func TestOIDCTamperingIsCaught(t *testing.T) {
	for _, tc := range onOIDC {
		// The passing snapshots are cached by the name of the spec's function.
		name := runtime.FuncForPC(reflect.ValueOf(tc.spec).Pointer()).Name()
		t.Run(tc.name, func(t *testing.T) { assertCaught(t, passing(t, name, tc.spec), tc.tamperCase) })
	}
}
