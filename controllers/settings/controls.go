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

import "github.com/meetwarden/meetwarden/api/v1alpha1"

// ControlID identifies a control of the gdpr-eu profile. The IDs are public API: users write
// alerts and GitOps health checks against them, so never rename one; add new ones instead.
type ControlID string

// The controls of the gdpr-eu profile (docs/controls.md), in profile order.
const (
	TLS1 ControlID = "TLS-1"
	TLS2 ControlID = "TLS-2"
	TLS3 ControlID = "TLS-3"
	TLS4 ControlID = "TLS-4"
	REC1 ControlID = "REC-1"
	REC2 ControlID = "REC-2"
	REC3 ControlID = "REC-3"
	TEL1 ControlID = "TEL-1"
	TEL2 ControlID = "TEL-2"
	TEL3 ControlID = "TEL-3"
	TEL4 ControlID = "TEL-4"
	EU1  ControlID = "EU-1"
	EU2  ControlID = "EU-2"
	EU3  ControlID = "EU-3"
	EU4  ControlID = "EU-4"
	ACC1 ControlID = "ACC-1"
	ACC2 ControlID = "ACC-2"
	ACC3 ControlID = "ACC-3"
	ACC4 ControlID = "ACC-4"
	ACC5 ControlID = "ACC-5"
	ACC6 ControlID = "ACC-6"
	MIN1 ControlID = "MIN-1"
	MIN2 ControlID = "MIN-2"
	MIN3 ControlID = "MIN-3"
	TRN1 ControlID = "TRN-1"
	TRN2 ControlID = "TRN-2"
	OVR1 ControlID = "OVR-1"
	OVR2 ControlID = "OVR-2"
	OVR3 ControlID = "OVR-3"
	OVR4 ControlID = "OVR-4"
	E2E1 ControlID = "E2E-1"
)

// Family is a group of controls reported by one status condition (OVR has none: it is
// reported under Compliant only).
type Family string

// The families of the profile.
const (
	FamilyTLS Family = "TLS"
	FamilyREC Family = "REC"
	FamilyTEL Family = "TEL"
	FamilyEU  Family = "EU"
	FamilyACC Family = "ACC"
	FamilyMIN Family = "MIN"
	FamilyTRN Family = "TRN"
	FamilyOVR Family = "OVR"
)

// FamilyCondition is a family with the status condition that reports it.
type FamilyCondition struct {
	Family    Family
	Condition string
}

// Families lists the families that have their own condition, in the order conditions are
// written.
var Families = []FamilyCondition{
	{FamilyTLS, v1alpha1.ConditionTransportEncrypted},
	{FamilyREC, v1alpha1.ConditionRecordingDisabled},
	{FamilyTEL, v1alpha1.ConditionTelemetryDisabled},
	{FamilyEU, v1alpha1.ConditionDataResidency},
	{FamilyACC, v1alpha1.ConditionAccessRestricted},
	{FamilyMIN, v1alpha1.ConditionDataMinimised},
	{FamilyTRN, v1alpha1.ConditionTransparent},
}

// Control is one entry of the profile's catalog: what it judges and how to fix a failure.
// The evaluator pairs each with its check; docs/controls.md is generated from it.
type Control struct {
	ID          ControlID
	Family      Family
	Severity    v1alpha1.Severity
	Title       string
	Remediation string
}

// Catalog lists every control of the gdpr-eu profile in the order of docs/controls.md.
var Catalog = []Control{
	{
		ID: TLS1, Family: FamilyTLS, Severity: v1alpha1.SeverityCritical,
		Title:       "The public host is served only over HTTPS, HTTP redirects, and responses carry HSTS for at least a year",
		Remediation: "Let the operator restore its Ingress (TLS entry for spec.domain, ssl-redirect annotations) or its HTTPRoutes, and its nginx include with the Strict-Transport-Security header; remove Ingresses for the host without TLS. On Traefik: let the operator restore its Ingresses (router.tls, router.middlewares) and its Middlewares <name>-redirect-https and <name>-headers; install Traefik's Middleware CRD (middlewares.traefik.io) where it is missing, and rename a Middleware of another namespace that has the same name in Traefik. On a Gateway: attach to an HTTPS listener that terminates TLS (sectionName), name every plain-HTTP listener for the domain in redirectSectionName, and fix what the route's or listener's status reports. An Ingress controller other than ingress-nginx and Traefik is served, but its redirect cannot be verified (Warn).",
	},
	{
		ID: TLS2, Family: FamilyTLS, Severity: v1alpha1.SeverityCritical,
		Title:       "The TLS Secret (with a Gateway: each serving listener's certificate Secret) holds a valid server certificate for the domain with an RSA key of at least 2048 bits or an EC key of at least 256 bits, issued by a CA browsers trust (Warn otherwise)",
		Remediation: "Provide a kubernetes.io/tls Secret whose certificate covers spec.domain, is currently valid, allows serverAuth and uses RSA >= 2048 or ECDSA >= P-256, and renew it before it expires (or use spec.tls.issuerRef with cert-manager). On a Gateway, fix the certificate of the listener the message names; one in another namespace needs a ReferenceGrant there for Gateways to Secrets. A certificate of a private CA that your browsers trust passes once the operator trusts that CA too (--trusted-ca-bundle).",
	},
	{
		ID: TLS3, Family: FamilyTLS, Severity: v1alpha1.SeverityHigh,
		Title:       "No plaintext path into the platform: only the ingress controller or the Gateway's proxies reach the web pods' HTTP port",
		Remediation: "Restore the operator's web NetworkPolicy (HTTP only from spec.ingress.controllerNamespace and controllerPodSelector, or spec.gateway.proxyNamespace and proxyPodSelector), remove policies that admit other sources, and keep the web Service ClusterIP.",
	},
	{
		ID: TLS4, Family: FamilyTLS, Severity: v1alpha1.SeverityMedium,
		Title:       "XMPP client connections require encryption",
		Remediation: "Set PROSODY_C2S_REQUIRE_ENCRYPTION=true on prosody (the operator does this in Enforce mode).",
	},
	{
		ID: REC1, Family: FamilyREC, Severity: v1alpha1.SeverityCritical,
		Title:       "No recorder or transcriber runs for the platform and no component holds JIBRI_* or JIGASI_* credentials",
		Remediation: "Delete jibri and jigasi workloads labelled into the platform and remove every JIBRI_* and JIGASI_* variable and Secret key.",
	},
	{
		ID: REC2, Family: FamilyREC, Severity: v1alpha1.SeverityCritical,
		Title:       "Recording, live streaming, Dropbox, transcription and audio translation are off in web, prosody and jicofo",
		Remediation: "Remove the variables and configuration lines that enable recording, streaming, transcription or translation; the operator writes them as canonical false.",
	},
	{
		ID: REC3, Family: FamilyREC, Severity: v1alpha1.SeverityHigh,
		Title:       "Browser-side local recording is disabled, and every participant is notified if a client re-enables it",
		Remediation: "Restore DISABLE_LOCAL_RECORDING=true, ENABLE_LOCAL_RECORDING_NOTIFY_ALL_PARTICIPANT=true and the operator's localRecording block in custom-config.js.",
	},
	{
		ID: TEL1, Family: FamilyTEL, Severity: v1alpha1.SeverityCritical,
		Title:       "No analytics or error reporting in any component",
		Remediation: "Remove analytics, rtcstats and Sentry variables from every component and restore the operator's analytics block and logging configuration.",
	},
	{
		ID: TEL2, Family: FamilyTEL, Severity: v1alpha1.SeverityCritical,
		Title:       "The web client makes no third-party requests; a Content-Security-Policy limits it to the platform's own origin",
		Remediation: "Remove third-party service variables and restore the operator's custom-config.js and CSP_HEADER.",
	},
	{
		ID: TEL3, Family: FamilyTEL, Severity: v1alpha1.SeverityHigh,
		Title:       "No third-party STUN or TURN: only spec.stun.servers and the TURN server of spec.turn, and peer-to-peer only with own STUN servers",
		Remediation: "List your own STUN servers in spec.stun.servers or leave it empty (STUN and peer-to-peer off); announce TURN only through spec.turn (the own server or a declared one) and remove other STUN or TURN settings.",
	},
	{
		ID: TEL4, Family: FamilyTEL, Severity: v1alpha1.SeverityHigh,
		Title:       "Outbound traffic is restricted by a default-deny egress NetworkPolicy",
		Remediation: "Restore the operator's default-deny NetworkPolicy and remove egress rules to anything but DNS, the platform's pods and the endpoints of the spec.",
	},
	{
		ID: EU1, Family: FamilyEU, Severity: v1alpha1.SeverityCritical,
		Title:       "Every pod template requires nodes in the allowed regions",
		Remediation: "Restore the requiredDuringScheduling node affinity on the region label with only the allowed regions.",
	},
	{
		ID: EU2, Family: FamilyEU, Severity: v1alpha1.SeverityCritical,
		Title:       "Every running pod sits on a node inside the jurisdiction",
		Remediation: "Evict the pods from nodes outside the jurisdiction (Enforce mode does this) and make sure nodes carry their real region label. spec.placement.allowedRegions cannot admit a region the built-in catalog places outside the jurisdiction; a listed region the catalog does not know is user-asserted (Warn): document where it lies.",
	},
	{
		ID: EU3, Family: FamilyEU, Severity: v1alpha1.SeverityMedium,
		Title:       "The videobridge advertises no private addresses to clients",
		Remediation: "Set spec.media.advertiseAddresses to public addresses only and keep private candidates disabled.",
	},
	{
		ID: EU4, Family: FamilyEU, Severity: v1alpha1.SeverityHigh,
		Title:       "With sovereignProviders, every node belongs to an EU/EEA-headquartered provider or is on-premises",
		Remediation: "Run the platform on nodes of an EU/EEA-headquartered provider or on-premises, or set spec.placement.sovereignProviders to false.",
	},
	{
		ID: ACC1, Family: FamilyACC, Severity: v1alpha1.SeverityCritical,
		Title:       "Authentication is required to open a room, and empty tokens are refused",
		Remediation: "Restore ENABLE_AUTH=true, the AUTH_TYPE of spec.access and JWT_ALLOW_EMPTY=false; remove authentication overrides.",
	},
	{
		ID: ACC2, Family: FamilyACC, Severity: v1alpha1.SeverityMedium,
		Title:       "Guest access follows spec.access.guests, the lobby is available, and XMPP rate limits are on",
		Remediation: "Restore ENABLE_GUESTS from spec.access.guests, ENABLE_LOBBY=true and prosody's rate-limit settings.",
	},
	{
		ID: ACC3, Family: FamilyACC, Severity: v1alpha1.SeverityHigh,
		Title:       "Component credentials are random, kept in the platform's Secret, injected by secretKeyRef, and copied nowhere else; the JWT signing secret is at least 32 bytes long",
		Remediation: "Inject credentials only by secretKeyRef from the operator's credentials Secret; remove copies from ConfigMaps and literal values, and rotate any credential that was exposed. Give the JWT signing secret at least 32 random bytes (e.g. openssl rand -base64 48) and reissue the tokens.",
	},
	{
		ID: ACC4, Family: FamilyACC, Severity: v1alpha1.SeverityHigh,
		Title:       "Internal endpoints are closed to everything outside the platform",
		Remediation: "Restore the operator's NetworkPolicies and ClusterIP Services for prosody, jicofo and the videobridge, and keep their REST APIs on loopback.",
	},
	{
		ID: ACC5, Family: FamilyACC, Severity: v1alpha1.SeverityHigh,
		Title:       "The TURN relay hands out only time-limited credentials and relays only to the platform's bridges: use-auth-secret with no static user, every private, loopback, link-local, CGNAT and cluster range denied, no CLI, no loopback or server relay",
		Remediation: "Restore the operator's coturn configuration (ConfigMap <name>-turn-config), the coturn Deployment's arguments and prosody's TURN_CREDENTIALS from the credentials Secret (Enforce mode does this); remove TURN_USERNAME and TURN_PASSWORD. With turn.external, make the declared server accept the REST API's credentials and deny private ranges itself.",
	},
	{
		ID: ACC6, Family: FamilyACC, Severity: v1alpha1.SeverityHigh,
		Title:       "With OIDC, the token bridge's live settings match spec.access.oidc: an https issuer, a token lifetime within the bound, only the display name (and group membership when configured) read, and the web client sending users to the platform's own bridge",
		Remediation: "Let the operator restore the tokenbridge Deployment's environment and the web client's TOKEN_AUTH_URL; remove variables added to the bridge; set an https:// issuer and a tokenLifetime of at most 1h in spec.access.oidc.",
	},
	{
		ID: MIN1, Family: FamilyMIN, Severity: v1alpha1.SeverityMedium,
		Title:       "Participants join with camera and microphone off and can take part without a camera",
		Remediation: "Restore the start-muted settings and the pre-join page.",
	},
	{
		ID: MIN2, Family: FamilyMIN, Severity: v1alpha1.SeverityMedium,
		Title:       "Browsers keep no room history and no profile e-mail",
		Remediation: "Restore doNotStoreRoom, the disabled profile and RECENT_LIST_ENABLED=false.",
	},
	{
		ID: MIN3, Family: FamilyMIN, Severity: v1alpha1.SeverityMedium,
		Title:       "Logs are minimal: no room names, no client addresses",
		Remediation: "Restore LOG_LEVEL=warn on prosody, the operator's logging.properties for jicofo and jvb, and its nginx access-log format.",
	},
	{
		ID: TRN1, Family: FamilyTRN, Severity: v1alpha1.SeverityHigh,
		Title:       "The privacy notice (Art. 13) is linked from the client instead of jitsi.org",
		Remediation: "Set spec.privacyPolicyURL to the operator's https privacy notice and restore the operator's client configuration.",
	},
	{
		ID: TRN2, Family: FamilyTRN, Severity: v1alpha1.SeverityLow,
		Title:       "A record of processing activities (Art. 30) is published for the platform",
		Remediation: "Let the operator publish its processing-record ConfigMap; do not delete or edit it.",
	},
	{
		ID: OVR1, Family: FamilyOVR, Severity: v1alpha1.SeverityCritical,
		Title:       "The operator owns every override channel: no foreign mounts, envFrom or raw-injection variables, only canonical booleans",
		Remediation: "Remove foreign mounts at /config, /defaults and the plugin paths, envFrom sources, raw-injection variables and lines added to the operator's files; spell booleans true/false.",
	},
	{
		ID: OVR2, Family: FamilyOVR, Severity: v1alpha1.SeverityCritical,
		Title:       "Every component runs the pod template the operator renders, as a whole: containers, init containers, command, args, image, hooks, probes, volumes and mounts, security contexts, host namespaces and service account",
		Remediation: "Undo the change to the Deployment's pod template (Enforce mode reverts it by itself); change the platform through its spec.",
	},
	{
		ID: OVR3, Family: FamilyOVR, Severity: v1alpha1.SeverityCritical,
		Title:       "Users reach only the operator's objects: every pod and endpoint behind the platform's Services belongs to its Deployments, and no other Ingress or HTTPRoute routes its domain or its Services",
		Remediation: "Remove the workloads, pods, EndpointSlices, Ingresses and HTTPRoutes the message names (the operator reports foreign objects, it never deletes them), or take the platform's labels off them.",
	},
	{
		ID: OVR4, Family: FamilyOVR, Severity: v1alpha1.SeverityMedium,
		Title:       "The components run a Jitsi release the operator's settings were verified against",
		Remediation: "Remove spec.image.tag to run the release this operator version was verified with, or pin one of the verified releases (docs/upgrading.md); an unverified release may read settings the operator does not pin.",
	},
	{
		ID: E2E1, Family: FamilyTLS, Severity: v1alpha1.SeverityLow,
		Title:       "End-to-end encryption stays available to users",
		Remediation: "Restore the operator's e2ee settings in custom-config.js.",
	},
}

// FamilyOf returns the family of a control (E2E-1 belongs to TLS), or "" for an unknown ID.
func FamilyOf(id ControlID) Family {
	for _, c := range Catalog {
		if c.ID == id {
			return c.Family
		}
	}
	return ""
}
