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

package settings

import (
	"net/url"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/regions"
)

// This file is the layout of a platform: the names, labels, ports, files and mount paths that
// the renderer writes and the evaluator looks for. Neither holds a literal of its own.

// Labels on every object of a platform (architecture.md). LabelName and LabelInstance also
// select what the operator's cache holds.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelComponent = "app.kubernetes.io/component"
	LabelManagedBy = "app.kubernetes.io/managed-by"

	// NameValue is the value of LabelName.
	NameValue = "jitsi-meet"
	// ManagedByValue is the value of LabelManagedBy.
	ManagedByValue = "meetwarden"
)

// The operator's own Deployment and its container, as config/manager and the Helm chart label
// them (the chart's name unless nameOverride is set): `kubectl meetwarden report` reads the
// operator version from that container's image.
const (
	OperatorNameValue      = "meetwarden"
	OperatorComponentValue = "manager"
	OperatorContainerName  = "manager"
)

// ConfigHashAnnotation on a pod template holds a digest of the operator's ConfigMaps the pods
// mount, so that a configuration change rolls them.
const ConfigHashAnnotation = "meetwarden.io/config-hash"

// SecretsDigestAnnotation on a pod template holds a digest of the versions (UID and
// resourceVersion, never the content) of the Secrets its containers read through secretKeyRef,
// which the kubelet resolves only at start: a rotated JWT secret or LDAP password rolls the pods
// that use it.
const SecretsDigestAnnotation = "meetwarden.io/secrets-digest"

// MeetingComponents are the components whose restart ends every running meeting of the
// platform: prosody (signalling), jicofo (the conference focus) and the videobridge (media).
// Each runs one pod, replaced with the Recreate strategy. The web pods only serve the client
// and roll one by one.
var MeetingComponents = []Component{Prosody, Jicofo, JVB}

// Labels returns the labels of a platform object. component is "web", "prosody", "jicofo" or
// "jvb"; empty for objects that belong to the whole platform (the credentials Secret, the
// default-deny NetworkPolicy), which then carry no component label.
func Labels(mp *v1alpha1.MeetingPlatform, component string) map[string]string {
	l := SelectorLabels(mp, component)
	l[LabelManagedBy] = ManagedByValue
	return l
}

// SelectorLabels are the labels that select a component's pods (or, with an empty component,
// every pod of the platform). They never change, as a Deployment's selector is immutable.
func SelectorLabels(mp *v1alpha1.MeetingPlatform, component string) map[string]string {
	l := map[string]string{LabelName: NameValue, LabelInstance: mp.Name}
	if component != "" {
		l[LabelComponent] = component
	}
	return l
}

// Name is the name of a platform object: "<mp name>-<suffix>", e.g. "meet-web". The
// Deployment and Service of a component are named Name(mp, string(component)).
func Name(mp *v1alpha1.MeetingPlatform, suffix string) string {
	return mp.Name + "-" + suffix
}

// PublicURL is the https address users open, e.g. https://meet.example.eu. The platform is
// served over HTTPS only, so there is no http:// form.
func PublicURL(mp *v1alpha1.MeetingPlatform) string {
	return "https://" + mp.Spec.Domain
}

// TLSSecretName is the Secret that holds the certificate for spec.domain: spec.tls.secretName
// when the user supplies it, else "<name>-tls", which the operator's cert-manager Certificate
// fills (spec.tls.issuerRef; the API server requires one of the two).
func TLSSecretName(mp *v1alpha1.MeetingPlatform) string {
	if mp.Spec.TLS.SecretName != "" {
		return mp.Spec.TLS.SecretName
	}
	return Name(mp, "tls")
}

// CredentialsSecretName is the name of the Secret holding the generated credentials.
func CredentialsSecretName(mp *v1alpha1.MeetingPlatform) string {
	return Name(mp, "credentials")
}

// ProcessingRecordKey is the data key of the record of processing activities.
const ProcessingRecordKey = "processing-record.md"

// ProcessingRecordName is the ConfigMap that publishes the platform's record of processing
// activities (GDPR Art. 30, TRN-2).
func ProcessingRecordName(mp *v1alpha1.MeetingPlatform) string {
	return Name(mp, "processing-record")
}

// AccountsClaimName is the user's PersistentVolumeClaim for prosody's accounts, or "" when the
// accounts live in an emptyDir (Internal authentication without a claim, or no Internal
// authentication, which keeps no accounts).
func AccountsClaimName(mp *v1alpha1.MeetingPlatform) string {
	a := mp.Spec.Access
	if a.Authentication != v1alpha1.AuthenticationInternal || a.Internal == nil {
		return ""
	}
	return a.Internal.AccountsClaimName
}

// Keys of the user's LDAP bind Secret (spec.access.ldap.bindSecretRef).
const (
	LDAPBindDNKey   = "bindDN"
	LDAPPasswordKey = "password"
)

// Ports inside the containers.
const (
	WebHTTPPort     int32 = 8000
	ProsodyC2SPort  int32 = 5222
	ProsodyHTTPPort int32 = 5280
)

// WebServicePort is the port of the web Service the Ingress routes to.
const WebServicePort int32 = 80

// Port names, shared by containers, Services and the Ingress.
const (
	PortHTTP  = "http"
	PortC2S   = "xmpp-c2s"
	PortMedia = "media"
)

// DNSPort is where pods resolve names; the only egress every platform pod has (TEL-4).
const DNSPort int32 = 53

// DefaultLDAPSPort is the port of an ldaps:// URL without one.
const DefaultLDAPSPort int32 = 636

// LDAPPort is the port prosody connects to for an ldaps:// URL: its explicit port, else 636.
func LDAPPort(raw string) int32 {
	if u, err := url.Parse(raw); err == nil {
		if p, err := strconv.ParseInt(u.Port(), 10, 32); err == nil && p > 0 && p <= 65535 {
			return int32(p)
		}
	}
	return DefaultLDAPSPort
}

// Annotations of the Ingress that keep plain HTTP away from the platform (TLS-1):
// ingress-nginx's redirect to HTTPS, and Traefik's TLS-only router.
const (
	AnnotationSSLRedirect      = "nginx.ingress.kubernetes.io/ssl-redirect"
	AnnotationForceSSLRedirect = "nginx.ingress.kubernetes.io/force-ssl-redirect"
	// AnnotationTraefikRouterTLS makes Traefik's router of the Ingress TLS-only: a router with
	// TLS "should process only TLS requests and ignore non-TLS traffic" (doc.traefik.io,
	// routing-configuration/http/tls/overview). Traefik takes TLS from this annotation, not
	// from spec.tls (traefik pkg/provider/kubernetes/ingress, loadRouter), so without it the
	// platform would be served on its plain-HTTP entry point too. Other controllers ignore it.
	AnnotationTraefikRouterTLS = "traefik.ingress.kubernetes.io/router.tls"
)

// Data keys of the operator's ConfigMaps.
const (
	CustomConfigKey    = "custom-config.js"
	CustomInterfaceKey = "custom-interface_config.js"
	NginxHTTPKey       = "nginx-http.conf"
	NginxServerKey     = "custom-meet.conf"
	WelcomeContentKey  = "welcomePageAdditionalContent.html"
	CustomJicofoKey    = "custom-jicofo.conf"
	CustomJVBKey       = "custom-jvb.conf"
	LoggingKey         = "logging.properties"
)

// File is one file the operator writes into a component's container: a key of the
// component's ConfigMap (ConfigMapName), mounted read-only with subPath at MountPath.
//
// Mount strategy: the images only READ /config (they copy it into /run at start and generate
// the real configuration there), so /config needs no volume of its own. It stays the image's
// read-only directory, and each operator file is a single-file subPath mount into it, as the
// upstream Helm chart does. Nothing else can appear under /config, and a container restart
// cannot pick up a file written at runtime. A whole-ConfigMap volume at /config would not
// work: its symlinks collide with the directories the start scripts create (nginx/).
type File struct {
	Component Component
	// Key is the ConfigMap data key.
	Key       string
	MountPath string
}

// Files lists every file the operator writes, in a fixed order. The renderer fills in their
// content; the evaluator reads them at these paths in the live pods.
var Files = []File{
	{Web, CustomConfigKey, "/config/custom-config.js"},
	{Web, CustomInterfaceKey, "/config/custom-interface_config.js"},
	// site-confs/* is included in nginx's http context; "00-" sorts it before the site's
	// server block, which uses the log format defined here.
	{Web, NginxHTTPKey, "/config/nginx/site-confs/00-meetwarden.conf"},
	// custom-meet.conf is appended inside the site's server block.
	{Web, NginxServerKey, "/config/nginx/custom-meet.conf"},
	{Web, WelcomeContentKey, "/usr/share/jitsi-meet/static/welcomePageAdditionalContent.html"},
	{Jicofo, CustomJicofoKey, "/config/custom-jicofo.conf"},
	// /config/logging.properties would be overwritten at start; the template is not.
	{Jicofo, LoggingKey, "/defaults/logging.properties"},
	{JVB, CustomJVBKey, "/config/custom-jvb.conf"},
	{JVB, LoggingKey, "/defaults/logging.properties"},
}

// FilesOf returns the files of one component, in the order of Files.
func FilesOf(c Component) []File {
	var out []File
	for _, f := range Files {
		if f.Component == c {
			out = append(out, f)
		}
	}
	return out
}

// FileOf returns the file of a component with that ConfigMap key.
func FileOf(c Component, key string) (File, bool) {
	i := slices.IndexFunc(Files, func(f File) bool { return f.Component == c && f.Key == key })
	if i < 0 {
		return File{}, false
	}
	return Files[i], true
}

// ConfigMapName is the ConfigMap of a component's files.
func ConfigMapName(mp *v1alpha1.MeetingPlatform, c Component) string {
	return Name(mp, string(c)+"-config")
}

// ConfigVolume is the pod volume of a component's ConfigMap.
const ConfigVolume = "config"

// ScratchVolume is an emptyDir a component may write to. The images write only below /run and
// /tmp; prosody also keeps its data (certificates, internal accounts) below /var/lib/prosody.
type ScratchVolume struct {
	Name, Path, Size string
	// Only restricts the volume to one component; empty: every component.
	Only Component
}

// ProsodyDataVolume is the volume of prosody's data directory; with Internal authentication it
// can be the user's PersistentVolumeClaim (spec.access.internal.accountsClaimName).
const ProsodyDataVolume = "prosody-data"

// RunPath is where the images' start scripts generate the real configuration; TmpPath is the
// scratch directory of every component.
const (
	RunPath = "/run"
	TmpPath = "/tmp"
)

// ScratchVolumes are the writable directories of the components.
var ScratchVolumes = []ScratchVolume{
	{Name: "run", Path: RunPath, Size: "64Mi"},
	{Name: "tmp", Path: TmpPath, Size: "64Mi"},
	{Name: ProsodyDataVolume, Path: "/var/lib/prosody", Size: "256Mi", Only: Prosody},
}

// AllowedRegions are the region label values the platform's pods require: the explicit
// spec.placement.allowedRegions, else the built-in catalog's regions of the jurisdiction.
// The catalog outranks the list: a listed value the catalog places outside the jurisdiction
// for every provider (us-east-1, eu-central-2) is left out, so no pod is ever scheduled there
// (render.Validate refuses such a list, naming the value). Sorted and without duplicates.
// mp must be defaulted (Defaulted).
func AllowedRegions(mp *v1alpha1.MeetingPlatform) []string {
	p := mp.Spec.Placement
	j := regions.Jurisdiction(p.Jurisdiction)
	if len(p.AllowedRegions) == 0 {
		return regions.AllowedRegions(j)
	}
	out := slices.DeleteFunc(slices.Clone(p.AllowedRegions), func(r string) bool {
		outside, _ := regions.LabelOutside(j, r)
		return outside
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// JudgeNode asks the region catalog whether a node lies in the platform's allowed regions
// (EU-1, EU-2), judging its provider and zone too. mp must be defaulted.
func JudgeNode(mp *v1alpha1.MeetingPlatform, node *corev1.Node) regions.Verdict {
	p := mp.Spec.Placement
	return regions.Judge(regions.Jurisdiction(p.Jurisdiction), p.AllowedRegions, node.Spec.ProviderID,
		node.Labels[p.RegionLabel], node.Labels[corev1.LabelTopologyZone])
}

// NodeAllowed judges a node against the whole placement: the region (and provider) must lie
// in the jurisdiction, and with sovereignProviders the provider must be EU/EEA-headquartered
// (EU-4). The placement enforcement evicts pods from nodes it refuses. mp must be defaulted.
func NodeAllowed(mp *v1alpha1.MeetingPlatform, node *corev1.Node) (bool, string) {
	if v := JudgeNode(mp, node); !v.Allowed {
		return false, v.Reason
	}
	if mp.Spec.Placement.SovereignProviders {
		if ok, reason := regions.SovereignProvider(node.Spec.ProviderID); !ok {
			return false, reason
		}
	}
	return true, ""
}
