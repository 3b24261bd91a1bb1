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

package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MeetingPlatformSpec is the desired state of one Jitsi Meet installation.
//
// There is deliberately no field that turns recording, transcription, analytics, third-party
// services or anonymous access on: those are not options of this API.
//
// The platform is exposed through exactly one of spec.ingress (the default: an Ingress) or
// spec.gateway (an HTTPRoute attached to a Gateway the cluster team owns).
// +kubebuilder:validation:XValidation:rule="!has(self.gateway) || !has(self.ingress)",message="set exactly one of spec.ingress or spec.gateway: remove spec.ingress (an older operator stored its defaults there) to attach the platform to a Gateway",fieldPath=".gateway"
// +kubebuilder:validation:XValidation:rule="has(self.gateway) || has(self.tls)",message="spec.tls is required when the platform is exposed through an Ingress",fieldPath=".tls"
// +kubebuilder:validation:XValidation:rule="!has(self.gateway) || !has(self.tls)",message="spec.tls must not be set with spec.gateway: the Gateway's HTTPS listener holds the certificate",fieldPath=".tls"
// +kubebuilder:validation:XValidation:rule="!has(self.components) || !has(self.components.jvb) || !has(self.components.jvb.replicas) || self.components.jvb.replicas <= 1 || !has(self.media) || !has(self.media.port) || self.media.port + self.components.jvb.replicas - 1 <= ((has(self.media.type) && self.media.type == 'LoadBalancer') ? 65535 : 32767)",message="every videobridge needs a port of its own, spec.media.port to spec.media.port + replicas - 1: that range must end at 32767 for NodePort (65535 for LoadBalancer); lower spec.media.port or components.jvb.replicas",fieldPath=".components.jvb.replicas"
// +kubebuilder:validation:XValidation:rule="!has(self.turn) || !has(self.turn.own) || has(self.turn.own.tlsSecretName) || (!has(self.gateway) && (!has(self.turn.own.host) || self.turn.own.host == self.domain || (has(self.tls) && has(self.tls.issuerRef))))",message="turn.own.tlsSecretName is required with spec.gateway, and when turn.own.host differs from spec.domain without spec.tls.issuerRef: TURNS needs a certificate for the TURN host",fieldPath=".turn.own.tlsSecretName"
type MeetingPlatformSpec struct {
	// domain is the public DNS name users open in the browser, e.g. meet.example.eu.
	// A lower-case DNS name; the platform is served only over HTTPS on this host.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?[.])+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$')",message="must be a lower-case DNS name with at least two labels, e.g. meet.example.eu"
	Domain string `json:"domain,omitempty"`

	// privacyPolicyURL is the https:// address of the privacy notice (GDPR Art. 13) that every
	// meeting page links to instead of jitsi.org. No whitespace, quotes, backticks, angle
	// brackets or control characters: the URL is written into the client's JavaScript, an HTML
	// link and the Markdown record of processing; percent-encode such characters (%20, %22).
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://') && isURL(self) && url(self).getHostname() != ''",message="must be an absolute https:// URL"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\s\p{Z}\p{Cc}\x22\x27<>\x60]')`,message="must not contain whitespace, quotes, backticks, angle brackets or control characters; percent-encode them"
	PrivacyPolicyURL string `json:"privacyPolicyURL"`

	// compliance selects how the gdpr-eu profile is applied.
	// +optional
	// +default={}
	Compliance ComplianceSpec `json:"compliance,omitzero"`

	// tls names the certificate for spec.domain: exactly one of secretName or issuerRef.
	// Required with an Ingress; not set with spec.gateway, whose listener holds the certificate.
	// +optional
	TLS TLSSpec `json:"tls,omitzero"`

	// ingress configures the Ingress that publishes the web component. This is the default
	// exposure: without spec.ingress and spec.gateway the platform gets an Ingress of the
	// cluster's default IngressClass, reached from namespace ingress-nginx.
	// +optional
	Ingress IngressSpec `json:"ingress,omitzero"`

	// gateway attaches the platform to an existing Gateway (Gateway API v1) instead of an
	// Ingress: the operator renders the HTTPRoutes for spec.domain. Not together with
	// spec.ingress or spec.tls.
	// +optional
	Gateway *GatewaySpec `json:"gateway,omitempty"`

	// network configures what the platform's NetworkPolicies admit besides its own flows.
	// +optional
	// +default={}
	Network NetworkSpec `json:"network,omitzero"`

	// media configures how the videobridge's UDP media port is reached by clients.
	// +optional
	// +default={"type":"NodePort","port":30000}
	Media MediaSpec `json:"media,omitzero"`

	// placement restricts the nodes that may run the platform's pods to a jurisdiction.
	// +optional
	// +default={}
	Placement PlacementSpec `json:"placement,omitzero"`

	// access configures who may open and join rooms. There is no anonymous mode.
	// +optional
	// +default={}
	Access AccessSpec `json:"access,omitzero"`

	// turn relays the media of participants whose network blocks UDP to the videobridge: the
	// platform's own coturn server (turn.own) or one you run (turn.external). Unset: no TURN.
	// +optional
	TURN *TURNSpec `json:"turn,omitempty"`

	// stun lists the platform's own STUN servers. Empty: STUN and peer-to-peer mode are off, so
	// no client or videobridge contacts a third-party STUN server.
	// +optional
	// +default={}
	STUN STUNSpec `json:"stun,omitzero"`

	// components sets replicas and compute resources per component. The Java heap of jicofo and
	// the videobridge is three quarters of their memory limit, at least 192 MiB and at most
	// 16 GiB; a memory limit below 256Mi is refused (Stalled, InvalidSpec).
	// +optional
	// +default={}
	Components ComponentsSpec `json:"components,omitzero"`

	// disruption says what evictions (kubectl drain, a cluster autoscaler, a node upgrade) may
	// do to the components that hold the running meetings. Every component has a
	// PodDisruptionBudget.
	// +optional
	// +default={}
	Disruption DisruptionSpec `json:"disruption,omitzero"`

	// image selects the Jitsi images. Without a tag the platform runs the release this operator
	// version was verified with, and moves with the operator; a tag, when set, is pinned, never a
	// floating tag such as "stable".
	// +optional
	// +default={}
	Image ImageSpec `json:"image,omitzero"`
}

// ComplianceMode says whether the operator reverts drift or only reports it.
// +kubebuilder:validation:Enum=Enforce;Audit
type ComplianceMode string

const (
	// ComplianceModeEnforce reverts every change to an owned object and evicts misplaced pods.
	ComplianceModeEnforce ComplianceMode = "Enforce"
	// ComplianceModeAudit deploys the same objects but only reports drift.
	ComplianceModeAudit ComplianceMode = "Audit"
)

// ComplianceSpec selects how the gdpr-eu profile is applied.
type ComplianceSpec struct {
	// mode is Enforce (default: drift on owned objects is reverted and pods on nodes outside the
	// jurisdiction are evicted) or Audit (drift is only reported in status and Events).
	// +optional
	// +default="Enforce"
	Mode ComplianceMode `json:"mode,omitempty"`
}

// TLSSpec names the certificate for spec.domain.
// +kubebuilder:validation:XValidation:rule="has(self.secretName) != has(self.issuerRef)",message="exactly one of tls.secretName or tls.issuerRef must be set"
type TLSSpec struct {
	// secretName is an existing Secret of type kubernetes.io/tls in the platform's namespace
	// whose certificate covers spec.domain.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	SecretName string `json:"secretName,omitempty"`

	// issuerRef names a cert-manager Issuer or ClusterIssuer; the operator requests a
	// Certificate for spec.domain into the Secret <name>-tls.
	// +optional
	IssuerRef *IssuerReference `json:"issuerRef,omitempty"`
}

// IssuerReference names a cert-manager issuer.
type IssuerReference struct {
	// name of the Issuer or ClusterIssuer.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name,omitempty"`

	// kind is Issuer (in the platform's namespace) or ClusterIssuer.
	// +optional
	// +default="Issuer"
	// +kubebuilder:validation:Enum=Issuer;ClusterIssuer
	Kind string `json:"kind,omitempty"`

	// group of the issuer resource.
	// +optional
	// +default="cert-manager.io"
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Group string `json:"group,omitempty"`
}

// IngressSpec configures the Ingress of the web component.
type IngressSpec struct {
	// className is the IngressClass that serves the platform. Empty: the cluster's default class.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	ClassName string `json:"className,omitempty"`

	// controllerNamespace is the namespace of the ingress controller's pods. Only they may reach
	// the web pods' HTTP port (NetworkPolicy), so no plaintext path bypasses TLS. Default
	// ingress-nginx; Traefik's chart installs into traefik.
	// +optional
	// +default="ingress-nginx"
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	ControllerNamespace string `json:"controllerNamespace,omitempty"`

	// controllerPodSelector narrows the pods of controllerNamespace that may reach the web
	// pods to those with these labels, written as key=value pairs separated by commas, e.g.
	// app.kubernetes.io/name=ingress-nginx. Empty: every pod of controllerNamespace.
	// +optional
	ControllerPodSelector PodLabels `json:"controllerPodSelector,omitempty"`
}

// PodLabels selects pods by labels, as key=value pairs separated by commas, e.g.
// app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller; each key and
// value is a Kubernetes label key and value.
// +kubebuilder:validation:MaxLength=1024
// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?=([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?(,([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?=([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?)*$`
type PodLabels string

// GatewaySpec attaches the platform to Gateways the cluster team owns.
type GatewaySpec struct {
	// parentRefs are the Gateways, and in each the HTTPS listener, the platform's HTTPRoute
	// attaches to. The listener must be HTTPS with tls.mode Terminate and a certificate for
	// spec.domain (TLS-1, TLS-2).
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=4
	ParentRefs []GatewayParentReference `json:"parentRefs,omitempty"`

	// proxyNamespace is the namespace of the Gateway implementation's proxy pods, the only
	// ones that may reach the web pods' HTTP port (NetworkPolicy). Default: the namespace of
	// the first parentRef (Istio, NGINX Gateway Fabric); Envoy Gateway runs its proxies in
	// envoy-gateway-system.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	ProxyNamespace string `json:"proxyNamespace,omitempty"`

	// proxyPodSelector narrows the pods of proxyNamespace that may reach the web pods to those
	// with these labels, as key=value pairs separated by commas, e.g.
	// gateway.networking.k8s.io/gateway-name=public. Empty: every pod of proxyNamespace.
	// +optional
	ProxyPodSelector PodLabels `json:"proxyPodSelector,omitempty"`
}

// GatewayParentReference names one Gateway and its listeners.
type GatewayParentReference struct {
	// name of the Gateway.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name,omitempty"`

	// namespace of the Gateway. Default: the platform's namespace. A Gateway in another
	// namespace admits the route only if its listener's allowedRoutes lets this namespace in.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`

	// sectionName is the HTTPS listener of the Gateway the platform is served on. Empty: every
	// listener that admits the route; then a plain-HTTP listener for spec.domain would carry
	// the platform unencrypted, and TLS-1 fails while the Gateway has one.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	SectionName string `json:"sectionName,omitempty"`

	// redirectSectionName is the Gateway's plain-HTTP listener: the operator attaches a second
	// HTTPRoute to it whose only rule redirects to https (301). Every plain-HTTP listener of the
	// Gateway that takes spec.domain must be named here, or TLS-1 fails.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	RedirectSectionName string `json:"redirectSectionName,omitempty"`
}

// NetworkSpec configures what the platform's NetworkPolicies admit besides its own flows.
type NetworkSpec struct {
	// dnsNamespaces are the namespaces whose pods the platform's pods may ask for DNS (port 53):
	// default kube-system; add openshift-dns on OpenShift or the namespace of a DNS cache.
	// +optional
	// +listType=set
	// +default=["kube-system"]
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	DNSNamespaces []string `json:"dnsNamespaces,omitempty"`
}

// MediaServiceType is the kind of Service that exposes the videobridge's UDP port.
// +kubebuilder:validation:Enum=NodePort;LoadBalancer
type MediaServiceType string

const (
	// MediaServiceNodePort exposes the UDP port on every node.
	MediaServiceNodePort MediaServiceType = "NodePort"
	// MediaServiceLoadBalancer exposes the UDP port through a cloud load balancer.
	MediaServiceLoadBalancer MediaServiceType = "LoadBalancer"
)

// MediaSpec configures how clients reach the videobridge's UDP media port.
// +kubebuilder:validation:XValidation:rule="self.type != 'NodePort' || (self.port >= 30000 && self.port <= 32767)",message="media.port must be within the NodePort range 30000-32767 when media.type is NodePort",fieldPath=".port"
type MediaSpec struct {
	// type of the media Service: NodePort (default) or LoadBalancer.
	// +optional
	// +default="NodePort"
	Type MediaServiceType `json:"type,omitempty"`

	// port is the UDP port clients send media to (the node port for NodePort) on the first
	// videobridge; further bridges use the ports above it (spec.components.jvb.replicas). At
	// least 1024: the videobridge runs as non-root and binds the same port.
	// +optional
	// +default=30000
	// +kubebuilder:validation:Minimum=1024
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`

	// advertiseAddresses are the public IP addresses every videobridge announces to clients
	// (each on its own port). They should be public: private pod or node addresses leak the
	// internal network (EU-3). Empty: each bridge announces what the operator discovers, the
	// IPs its LoadBalancer Service got, or for NodePort the ExternalIPs of the nodes the platform
	// may run on (status.media shows which); when nothing is known and spec.stun.servers is
	// empty too, clients can reach no media address and the operator emits a NoMediaAddress
	// warning Event.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=45
	// +kubebuilder:validation:items:XValidation:rule="isIP(self)",message="must be an IPv4 or IPv6 address"
	AdvertiseAddresses []string `json:"advertiseAddresses,omitempty"`
}

// Jurisdiction is the legal area the platform's pods must run in.
// +kubebuilder:validation:Enum=EU;EEA
type Jurisdiction string

const (
	// JurisdictionEU allows the 27 member states of the European Union.
	JurisdictionEU Jurisdiction = "EU"
	// JurisdictionEEA allows the EU plus Iceland, Liechtenstein and Norway.
	JurisdictionEEA Jurisdiction = "EEA"
)

// DefaultRegionLabel is the well-known node label that carries a node's region.
const DefaultRegionLabel = "topology.kubernetes.io/region"

// PlacementSpec restricts where the platform's pods run.
type PlacementSpec struct {
	// jurisdiction is EU or EEA (default). Pods require nodes whose region lies in it.
	// +optional
	// +default="EEA"
	Jurisdiction Jurisdiction `json:"jurisdiction,omitempty"`

	// allowedRegions narrows the regions the pods may run in to an explicit list of region label
	// values, or names regions the built-in catalog does not know (on-premises labels). The
	// catalog outranks the list: a value the catalog places outside the jurisdiction (AWS
	// us-east-1, eu-central-2 = Zurich, ...) is refused (Stalled, InvalidSpec), and a node the
	// catalog places outside fails EU-2 whatever the list says. A node in a listed region the
	// catalog does not know is allowed on your word: EU-2 warns that its location is
	// user-asserted, and the processing record says so. When set it must not be empty.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`
	AllowedRegions []string `json:"allowedRegions,omitempty"`

	// regionLabel is the node label that holds the region (default topology.kubernetes.io/region).
	// +optional
	// +default="topology.kubernetes.io/region"
	// +kubebuilder:validation:MaxLength=316
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`
	RegionLabel string `json:"regionLabel,omitempty"`

	// sovereignProviders additionally requires, when true, every node to belong to a provider
	// headquartered in the EU/EEA, or to none (on-premises), judged by its spec.providerID.
	// Reason: the US CLOUD Act reaches data that US companies hold in their EU regions.
	// +optional
	// +default=false
	SovereignProviders bool `json:"sovereignProviders,omitempty"`
}

// AuthenticationType is how users prove who they are before opening a room.
// +kubebuilder:validation:Enum=JWT;Internal;LDAP;OIDC
type AuthenticationType string

const (
	// AuthenticationJWT accepts tokens signed with the shared secret of access.jwt.
	AuthenticationJWT AuthenticationType = "JWT"
	// AuthenticationInternal uses accounts registered in prosody.
	AuthenticationInternal AuthenticationType = "Internal"
	// AuthenticationLDAP checks credentials against the directory of access.ldap.
	AuthenticationLDAP AuthenticationType = "LDAP"
	// AuthenticationOIDC sends users to the OpenID provider of access.oidc through the
	// operator's token bridge, which issues the room token prosody checks.
	AuthenticationOIDC AuthenticationType = "OIDC"
)

// AccessSpec configures who may open and join rooms.
//
// The rules guard with has(self.authentication) only for the API server's check of the
// spec.access default ({}), which it evaluates without nested defaults; in every stored object
// authentication is set (default JWT), so a platform without access.jwt is refused.
// +kubebuilder:validation:XValidation:rule="!has(self.authentication) || self.authentication != 'JWT' || has(self.jwt)",message="access.jwt is required when access.authentication is JWT",fieldPath=".jwt"
// +kubebuilder:validation:XValidation:rule="!has(self.authentication) || self.authentication == 'JWT' || !has(self.jwt)",message="access.jwt may only be set when access.authentication is JWT",fieldPath=".jwt"
// +kubebuilder:validation:XValidation:rule="!has(self.authentication) || self.authentication != 'LDAP' || has(self.ldap)",message="access.ldap is required when access.authentication is LDAP",fieldPath=".ldap"
// +kubebuilder:validation:XValidation:rule="!has(self.authentication) || self.authentication == 'LDAP' || !has(self.ldap)",message="access.ldap may only be set when access.authentication is LDAP",fieldPath=".ldap"
// +kubebuilder:validation:XValidation:rule="!has(self.internal) || (has(self.authentication) && self.authentication == 'Internal')",message="access.internal may only be set when access.authentication is Internal",fieldPath=".internal"
// +kubebuilder:validation:XValidation:rule="!has(self.authentication) || self.authentication != 'OIDC' || has(self.oidc)",message="access.oidc is required when access.authentication is OIDC",fieldPath=".oidc"
// +kubebuilder:validation:XValidation:rule="!has(self.authentication) || self.authentication == 'OIDC' || !has(self.oidc)",message="access.oidc may only be set when access.authentication is OIDC",fieldPath=".oidc"
type AccessSpec struct {
	// authentication is JWT (default), Internal (prosody accounts), LDAP or OIDC (single sign-on
	// at an OpenID provider). Opening a room always requires authentication; there is no
	// anonymous mode.
	// +optional
	// +default="JWT"
	Authentication AuthenticationType `json:"authentication,omitempty"`

	// jwt configures token authentication; required when authentication is JWT.
	// +optional
	JWT *JWTSpec `json:"jwt,omitempty"`

	// ldap configures directory authentication; required when authentication is LDAP.
	// +optional
	LDAP *LDAPSpec `json:"ldap,omitempty"`

	// oidc configures single sign-on; required when authentication is OIDC.
	// +optional
	OIDC *OIDCSpec `json:"oidc,omitempty"`

	// internal configures Internal authentication; only with authentication Internal.
	// +optional
	Internal *InternalAuthSpec `json:"internal,omitempty"`

	// guests lets participants without credentials join a room: they log in anonymously to
	// prosody's guest domain and can join only once an authenticated user has opened the room
	// (until then they see a waiting screen); then they join at once. The lobby is available but
	// off in every new room: only when a moderator switches it on do guests wait there until
	// admitted. Default false: every participant authenticates.
	// +optional
	// +default=false
	Guests bool `json:"guests,omitempty"`
}

// JWTSpec configures token authentication.
type JWTSpec struct {
	// appID is the application identifier tokens are issued for (the "iss"/"aud" the platform accepts).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][-A-Za-z0-9_.]*$`
	AppID string `json:"appID,omitempty"`

	// secretRef names the key of a Secret in the platform's namespace that holds the shared
	// token signing secret: at least 32 bytes (HS256 needs a 256-bit key), or ACC-3 fails. The
	// operator never copies it into a ConfigMap or status.
	// +required
	SecretRef SecretKeyReference `json:"secretRef,omitzero"`
}

// DefaultOIDCTokenLifetime is the lifetime of the room token the token bridge issues unless
// access.oidc.tokenLifetime says otherwise. The token has to carry the browser from the login
// into the room; it is kept by the web client and sent in the query of the XMPP connection,
// which the ingress controller may log, so a short life limits what a copied token is worth.
const DefaultOIDCTokenLifetime = "5m"

// DefaultOIDCDisplayNameClaim is the ID token claim shown as the participant's name.
const DefaultOIDCDisplayNameClaim = "name"

// OIDCSpec configures single sign-on at an OpenID provider (Keycloak, Authentik, Zitadel,
// Entra ID, ADFS, ...). The operator deploys a token bridge per platform: an OpenID Connect
// relying party at https://<domain>/oidc/ that logs the user in (authorization code flow with
// PKCE) and sends the browser back to the room with a room token. Register
// https://<domain>/oidc/callback as the client's redirect URI.
// +kubebuilder:validation:XValidation:rule="has(self.groupsClaim) || (!has(self.moderatorGroups) && !has(self.allowedGroups))",message="access.oidc.groupsClaim is required when moderatorGroups or allowedGroups are set",fieldPath=".groupsClaim"
type OIDCSpec struct {
	// issuerURL is the provider's issuer, e.g. https://id.example.eu/realms/staff; the bridge
	// reads <issuerURL>/.well-known/openid-configuration, and the issuer it names must equal
	// this value. https:// only.
	// +required
	// +kubebuilder:validation:MinLength=9
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://') && isURL(self) && url(self).getHostname() != ''",message="must be an absolute https:// URL: the bridge fetches the provider's keys from it"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\s\p{Z}\p{Cc}\x22\x27<>\x60?#]')`,message="must not contain whitespace, quotes, angle brackets, backticks, control characters, a query or a fragment"
	IssuerURL string `json:"issuerURL,omitempty"`

	// clientID is the bridge's client at the provider.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[\x21-\x7e]+$`
	ClientID string `json:"clientID,omitempty"`

	// clientSecretRef names the key of a Secret in the platform's namespace that holds the
	// client secret of a confidential client. Without it the bridge is a public client and
	// PKCE alone protects the authorization code.
	// +optional
	ClientSecretRef *SecretKeyReference `json:"clientSecretRef,omitempty"`

	// displayNameClaim is the ID token claim shown as the participant's name. Default name.
	// +optional
	// +default="name"
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_.:-]+$`
	DisplayNameClaim string `json:"displayNameClaim,omitempty"`

	// groupsClaim is the ID token claim that lists the user's groups (a list of strings, or
	// one string), e.g. groups. Required with moderatorGroups or allowedGroups; without them
	// groups are not read. Groups never enter the room token.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_.:-]+$`
	GroupsClaim string `json:"groupsClaim,omitempty"`

	// moderatorGroups make their members moderators of every room they open (the token's
	// context.user.moderator). Compared exactly as the provider sends them (Keycloak's group
	// mapper sends /parent/group with "full group path" on).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^[^,\p{Cc}]+$`
	ModeratorGroups []string `json:"moderatorGroups,omitempty"`

	// allowedGroups are, when set, the only groups whose members get a room token; anyone
	// else is refused at the bridge. Empty (default): every user the provider logs in.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^[^,\p{Cc}]+$`
	AllowedGroups []string `json:"allowedGroups,omitempty"`

	// tokenLifetime is how long a room token is valid, a duration such as 5m or 90s, at most
	// 1h. Default 5m: the token carries the browser from the login into the room, and prosody
	// checks it again whenever the client connects, so a client that reconnects after the
	// lifetime is sent to log in again.
	// +optional
	// +default="5m"
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s') && duration(self) <= duration('1h')",message="must be positive and at most 1h"
	TokenLifetime string `json:"tokenLifetime,omitempty"`
}

// InternalAuthSpec configures Internal authentication: accounts you register in prosody
// (prosodyctl register <user> <domain>).
type InternalAuthSpec struct {
	// accountsClaimName names a PersistentVolumeClaim in the platform's namespace, created by
	// you, that keeps prosody's account database. Without it the accounts live in an emptyDir
	// and are lost whenever the prosody pod is replaced (a rollout, a drift revert, an eviction,
	// a node drain). ReadWriteOnce is enough: prosody runs one pod and is replaced with the
	// Recreate strategy. Until the claim exists the platform is Stalled (VolumeClaimMissing).
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	AccountsClaimName string `json:"accountsClaimName,omitempty"`
}

// LDAPSpec configures directory authentication.
type LDAPSpec struct {
	// url of the directory: exactly one server, ldaps://host or ldaps://host:port, optionally
	// with a trailing "/", and nothing else (no second server, path, query or user). ldaps://
	// only, so passwords never cross the network in clear text; prosody's saslauthd takes a
	// space-separated list of servers, so a second, plaintext one could otherwise slip in.
	// +required
	// +kubebuilder:validation:MaxLength=262
	// +kubebuilder:validation:XValidation:rule="self.matches('^ldaps://[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?/?$') && (url(self).getPort() == '' || int(url(self).getPort()) <= 65535)",message="must be exactly one ldaps:// server: ldaps://host or ldaps://host:port, optionally with a trailing /, e.g. ldaps://ldap.example.eu"
	URL string `json:"url"`

	// baseDN is the search base for user entries, e.g. ou=people,dc=example,dc=eu. One line:
	// no control characters.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'\p{Cc}')`,message="must not contain control characters such as line breaks"
	BaseDN string `json:"baseDN,omitempty"`

	// filter selects the user entry; %u is replaced by the user name. Default (uid=%u). One
	// line: no control characters.
	// +optional
	// +default="(uid=%u)"
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'\p{Cc}')`,message="must not contain control characters such as line breaks"
	Filter string `json:"filter,omitempty"`

	// bindSecretRef names a Secret in the platform's namespace with the keys bindDN and
	// password of the account that searches the directory.
	// +required
	BindSecretRef LocalObjectReference `json:"bindSecretRef,omitzero"`
}

// SecretKeyReference names one key of a Secret in the platform's namespace.
type SecretKeyReference struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name,omitempty"`

	// key within the Secret's data. Default "secret".
	// +optional
	// +default="secret"
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key,omitempty"`
}

// LocalObjectReference names an object in the platform's namespace.
type LocalObjectReference struct {
	// name of the object.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name,omitempty"`
}

// STUNSpec lists the platform's own STUN servers.
type STUNSpec struct {
	// servers are stun: or stuns: URIs of STUN servers the organisation runs itself,
	// e.g. stun:stun.example.eu:3478. Empty (default): STUN off, peer-to-peer off.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=262
	// +kubebuilder:validation:items:Pattern=`^stuns?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$`
	Servers []string `json:"servers,omitempty"`
}

// DisruptionPolicy is what the PodDisruptionBudgets of prosody, jicofo and the videobridge
// let evictions do.
// +kubebuilder:validation:Enum=Allow;Block
type DisruptionPolicy string

const (
	// DisruptionAllow lets an eviction take one pod of each at a time: a bridge drains first
	// (spec.components.jvb.drainSeconds), prosody and jicofo stop at once and end every
	// running meeting. Node drains and upgrades never wait for the platform.
	DisruptionAllow DisruptionPolicy = "Allow"
	// DisruptionBlock refuses every eviction of them (maxUnavailable 0): a node drain waits
	// until a person moves the pod (kubectl delete pod) at a time that suits the meetings.
	DisruptionBlock DisruptionPolicy = "Block"
)

// DisruptionSpec sets the PodDisruptionBudgets of the components.
type DisruptionSpec struct {
	// meetings is Allow (default: an eviction may take prosody, jicofo or one bridge; a bridge
	// drains first, prosody and jicofo end every running meeting) or Block (evictions of them
	// are refused, so a node drain waits for a person). The web pods may always be evicted
	// one at a time.
	// +optional
	// +default="Allow"
	Meetings DisruptionPolicy `json:"meetings,omitempty"`
}

// ComponentsSpec sets replicas and resources per component.
type ComponentsSpec struct {
	// web serves the browser client (nginx); it scales horizontally.
	// +optional
	// +default={}
	Web ScalableComponentSpec `json:"web,omitzero"`

	// prosody is the XMPP server (signalling). It runs as exactly one replica.
	// +optional
	Prosody ComponentSpec `json:"prosody,omitempty"`

	// jicofo is the conference focus. It runs as exactly one replica.
	// +optional
	Jicofo ComponentSpec `json:"jicofo,omitempty"`

	// jvb are the videobridges that forward media: one or more (replicas), each bound to a
	// port of its own from spec.media.port upwards.
	// +optional
	// +default={}
	JVB VideobridgeSpec `json:"jvb,omitzero"`
}

// VideobridgeSpec sets the number of videobridges, the compute resources of each and how long
// a bridge drains.
type VideobridgeSpec struct {
	// replicas is the number of videobridges (default 1, at most 10). Each bridge is a
	// Deployment and a media Service of its own: the first is <name>-jvb on spec.media.port, the
	// i-th further one <name>-jvb-<i> on spec.media.port + i, so every port from spec.media.port
	// to spec.media.port + replicas - 1 must be free (and, for NodePort, within 30000-32767).
	// jicofo spreads conferences over the bridges and lets a large conference span them (Octo).
	// Going from one bridge to several, or back, restarts jicofo and the first bridge once;
	// between several, a change adds or removes only the highest-numbered bridges.
	// +optional
	// +default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10
	Replicas int32 `json:"replicas,omitempty"`

	// resources of each videobridge's container. Empty: the operator's defaults.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// drainSeconds is how long a bridge that is asked to stop (a rollout, an eviction, a
	// node drain, a scale-down) keeps its running conferences: it takes no new conference
	// while another bridge can, and stops once its last conference ends or this time is up
	// (default 3600, one hour; at most 86400, the bridge's own graceful-shutdown maximum; 0
	// stops it at once, ending its conferences). The pod's terminationGracePeriodSeconds is
	// this plus 30 seconds for the bridge to exit.
	// +optional
	// +default=3600
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	DrainSeconds *int32 `json:"drainSeconds,omitempty"`
}

// ComponentSpec sets the compute resources of a single-replica component.
type ComponentSpec struct {
	// resources of the component's container. Empty: the operator's defaults.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
}

// ScalableComponentSpec sets replicas and compute resources of a component that scales.
type ScalableComponentSpec struct {
	// replicas of the component (default 1).
	// +optional
	// +default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	Replicas int32 `json:"replicas,omitempty"`

	// resources of the component's container. Empty: the operator's defaults.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
}

// DefaultImageRegistry is the registry of the Jitsi images. DefaultImageTag is the Jitsi release
// this operator version was verified with: an empty spec.image.tag resolves to it on every pass
// (status.image), so a platform without a tag moves to the new release when the operator is
// upgraded. It is deliberately not a schema default, which the API server would store in every
// platform and so pin it.
const (
	DefaultImageRegistry = "ghcr.io/jitsi"
	DefaultImageTag      = "stable-11146-2"
)

// Further defaults of the schema, as Go constants. The +default markers cannot
// name a constant, so a test in controllers/settings compares every default of the generated
// CRD with what settings.Defaulted writes.
const (
	DefaultIngressControllerNamespace = "ingress-nginx"
	DefaultDNSNamespace               = "kube-system"
	DefaultMediaPort                  = 30000
	DefaultJWTSecretKey               = "secret"
	DefaultLDAPFilter                 = "(uid=%u)"
	DefaultIssuerKind                 = "Issuer"
	DefaultIssuerGroup                = "cert-manager.io"
	DefaultImagePullPolicy            = "IfNotPresent"
	DefaultWebReplicas                = 1
	DefaultJVBReplicas                = 1
	DefaultDrainSeconds               = 3600
)

// ImageSpec selects the Jitsi images.
type ImageSpec struct {
	// registry prefix of the images web, prosody, jicofo and jvb (default ghcr.io/jitsi).
	// Use a mirror inside the EU to avoid pulling from outside it at runtime.
	// +optional
	// +default="ghcr.io/jitsi"
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$`
	Registry string `json:"registry,omitempty"`

	// tag of the images. Empty (recommended): the Jitsi release this operator version was
	// verified with, resolved by the operator on every pass and shown in status.image; it moves
	// when the operator is upgraded. Set, it pins the release: the operator then warns (control
	// OVR-4) when it is not one the operator's settings were verified against. Floating tags
	// (latest, stable, unstable) are refused.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`
	// +kubebuilder:validation:XValidation:rule="!(self in ['latest', 'stable', 'unstable', 'nightly'])",message="must be a pinned version tag such as stable-11146-2, not a floating tag"
	Tag string `json:"tag,omitempty"`

	// pullPolicy of the images (default IfNotPresent).
	// +optional
	// +default="IfNotPresent"
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	PullPolicy corev1.PullPolicy `json:"pullPolicy,omitempty"`
}

// ControlResultValue is the outcome of one control.
// +kubebuilder:validation:Enum=Pass;Fail;Warn
type ControlResultValue string

const (
	// ResultPass: the live objects meet the control.
	ResultPass ControlResultValue = "Pass"
	// ResultFail: the live objects violate the control.
	ResultFail ControlResultValue = "Fail"
	// ResultWarn: a risk that is not a violation, e.g. a certificate that expires soon.
	ResultWarn ControlResultValue = "Warn"
)

// Severity ranks the impact of a failing control.
// +kubebuilder:validation:Enum=critical;high;medium;low
type Severity string

// Severities of the gdpr-eu profile.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
)

// ControlStatus is the result of one control of the compliance profile.
type ControlStatus struct {
	// id of the control, e.g. TLS-1 (see docs/controls.md).
	// +required
	ID string `json:"id"`
	// result is Pass, Fail or Warn.
	// +required
	Result ControlResultValue `json:"result,omitempty"`
	// severity of the control when it fails.
	// +required
	Severity Severity `json:"severity,omitempty"`
	// message says, in one deterministic line, what was found on which object.
	// +required
	Message string `json:"message"`
	// remediation says how to fix a failing control.
	// +optional
	Remediation string `json:"remediation,omitempty"`
}

// ComplianceSummary counts control results.
type ComplianceSummary struct {
	// pass is the number of passing controls.
	// +required
	Pass int32 `json:"pass"`
	// fail is the number of failing controls.
	// +required
	Fail int32 `json:"fail"`
	// warn is the number of controls with a warning.
	// +required
	Warn int32 `json:"warn"`
}

// ComplianceStatus is the latest evaluation of the live platform against the profile.
type ComplianceStatus struct {
	// profile and version evaluated, e.g. gdpr-eu/v1.
	// +optional
	Profile string `json:"profile,omitempty"`
	// lastEvaluationTime is when a control last changed its result.
	// +optional
	LastEvaluationTime *metav1.Time `json:"lastEvaluationTime,omitempty"`
	// summary counts the results.
	// +optional
	Summary ComplianceSummary `json:"summary,omitempty"`
	// controls lists every control with its result, failing controls first.
	// +optional
	// +listType=map
	// +listMapKey=id
	Controls []ControlStatus `json:"controls,omitempty"`
}

// ComponentStatus reports the replicas of one component.
type ComponentStatus struct {
	// name of the component: web, prosody, jicofo, jvb, or turn (spec.turn.own).
	// +required
	Name string `json:"name"`
	// desiredReplicas the operator asks for.
	// +required
	DesiredReplicas int32 `json:"desiredReplicas"`
	// readyReplicas that are available.
	// +required
	ReadyReplicas int32 `json:"readyReplicas"`
	// image the component's Deployment runs (its live pod template). It differs from the image
	// of status.image.tag while a rollout is queued or deferred. No length limit: it is copied
	// from the live object, whatever someone wrote there, and a refused status would hide it.
	// +optional
	Image string `json:"image,omitempty"`
}

// ImageTagSource says where the tag of status.image comes from.
// +kubebuilder:validation:Enum=Spec;Operator
type ImageTagSource string

const (
	// ImageTagFromSpec: spec.image.tag pins the release; an operator upgrade does not move it.
	ImageTagFromSpec ImageTagSource = "Spec"
	// ImageTagFromOperator: spec.image.tag is empty, and the operator runs the release it was
	// verified with; it moves with the operator.
	ImageTagFromOperator ImageTagSource = "Operator"
)

// ImageStatus is the Jitsi release the operator deploys for the platform.
type ImageStatus struct {
	// tag the operator renders for every component: spec.image.tag, or when that is empty the
	// release this operator version was verified with.
	// +required
	// +kubebuilder:validation:MaxLength=128
	Tag string `json:"tag"`
	// source is Spec (pinned by spec.image.tag) or Operator (resolved by the operator).
	// +required
	Source ImageTagSource `json:"source,omitempty"`
}

// MediaAddressSource says where a videobridge's advertised addresses come from.
// +kubebuilder:validation:Enum=Spec;LoadBalancer;NodeExternalIP
type MediaAddressSource string

const (
	// MediaAddressFromSpec: spec.media.advertiseAddresses, which wins whenever it is set.
	MediaAddressFromSpec MediaAddressSource = "Spec"
	// MediaAddressFromLoadBalancer: status.loadBalancer.ingress of the bridge's LoadBalancer
	// Service, as the load-balancer controller wrote it.
	MediaAddressFromLoadBalancer MediaAddressSource = "LoadBalancer"
	// MediaAddressFromNodeExternalIP: the ExternalIP addresses of the nodes the platform's pods
	// may run on (NodePort).
	MediaAddressFromNodeExternalIP MediaAddressSource = "NodeExternalIP"
)

// MediaStatus is how clients reach the platform's media.
type MediaStatus struct {
	// bridges lists every videobridge the spec asks for, in order.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=10
	Bridges []BridgeMediaStatus `json:"bridges,omitempty"`

	// turn lists the TURN endpoints prosody announces to clients.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=8
	TURN []TURNEndpointStatus `json:"turn,omitempty"`
}

// BridgeMediaStatus is what one videobridge announces to clients.
type BridgeMediaStatus struct {
	// name of the bridge's Deployment and media Service.
	// +required
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// addresses the bridge advertises (JVB_ADVERTISE_IPS). Empty: none is known, and without
	// spec.stun.servers clients cannot reach the bridge (NoMediaAddress Event).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=45
	Addresses []string `json:"addresses,omitempty"`
	// port is the UDP port clients send media to, on each of the addresses.
	// +required
	Port int32 `json:"port"`
	// source of the addresses: Spec, LoadBalancer or NodeExternalIP; empty when none is known.
	// +optional
	Source MediaAddressSource `json:"source,omitempty"`
}

// MeetingPlatformStatus is the observed state of the platform and its compliance.
type MeetingPlatformStatus struct {
	// conditions are Ready, Reconciling, Stalled, Compliant and one per control family
	// (TransportEncrypted, RecordingDisabled, TelemetryDisabled, DataResidency,
	// AccessRestricted, DataMinimised, Transparent).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec that the last full reconcile handled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// url where users reach the platform.
	// +optional
	URL string `json:"url,omitempty"`

	// compliance is the latest evaluation against the gdpr-eu profile.
	// +optional
	Compliance *ComplianceStatus `json:"compliance,omitempty"`

	// image is the Jitsi release the operator renders for the platform's components, and where
	// its tag comes from. status.components[].image says what each component runs.
	// +optional
	Image *ImageStatus `json:"image,omitempty"`

	// components reports desired and ready replicas per component.
	// +optional
	// +listType=map
	// +listMapKey=name
	Components []ComponentStatus `json:"components,omitempty"`

	// media says how clients reach the platform's media: per videobridge, the address and port
	// clients send media to and where the address comes from, and the TURN endpoints announced
	// to them.
	// +optional
	Media *MediaStatus `json:"media,omitempty"`

	// inventory lists the children the operator has applied for this platform, as
	// "<Kind>/<name>". It is the evidence of what was ever applied: a listed child that is
	// missing was deleted by someone (drift), an unlisted one is new (the first apply after a
	// stall, or a kind a newer operator version renders) and is simply created.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=320
	Inventory []string `json:"inventory,omitempty"`
}

// DeferRolloutAnnotation on a MeetingPlatform holds back the rollouts a new operator version
// would start on its own (a new pod template for an unchanged spec), for example until a
// maintenance window: while it is present, whatever its value, every component keeps its live
// template. Remove it to let the rollout go. It never holds back a change of the spec, a rotated
// Secret or the revert of drift.
const DeferRolloutAnnotation = "meetwarden.io/defer-rollout"

// MeetingPlatform is a self-hosted Jitsi Meet installation whose privacy settings are enforced
// and whose compliance with the gdpr-eu profile is reported in status.
//
// spec.domain is a selectable field: a domain belongs to one platform, and the operator (like
// `kubectl get mp -A --field-selector spec.domain=...`) finds the others of a domain by it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mp,categories=meetwarden
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 40 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must start with a letter, contain only lower-case letters, digits and hyphens, and have at most 40 characters: children are named <name>-<component> and Services need DNS-1035 names"
// +kubebuilder:selectablefield:JSONPath=`.spec.domain`
// +kubebuilder:printcolumn:name="Domain",type=string,JSONPath=`.spec.domain`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Compliant",type=string,JSONPath=`.status.conditions[?(@.type=="Compliant")].status`
// +kubebuilder:printcolumn:name="Failing",type=integer,JSONPath=`.status.compliance.summary.fail`,description="Number of failing controls"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MeetingPlatform struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired platform.
	// +required
	Spec MeetingPlatformSpec `json:"spec,omitzero"`

	// status is the observed platform and its compliance.
	// +optional
	Status MeetingPlatformStatus `json:"status,omitempty"`
}

// MeetingPlatformList is a list of MeetingPlatform.
// +kubebuilder:object:root=true
type MeetingPlatformList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MeetingPlatform `json:"items"`
}
