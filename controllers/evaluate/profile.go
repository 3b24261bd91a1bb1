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
	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// profileName is the profile and version the controls belong to.
const profileName = v1alpha1.ComplianceProfile

// Profile lists every control of the gdpr-eu profile in the order of docs/controls.md. The IDs
// are public API: never rename one, add new ones instead.
var Profile []Control

// init fills Profile; checks such as TRN-2 read Profile themselves, which a package-level
// initializer would not allow.
func init() {
	Profile = controls()
}

func controls() []Control {
	return []Control{
		{
			ID: "TLS-1", Family: "TLS", Severity: v1alpha1.SeverityCritical,
			Title:       "The public host is served only over HTTPS, HTTP redirects, and responses carry HSTS for at least a year",
			Remediation: "Let the operator restore its Ingress (TLS entry for spec.domain, ssl-redirect annotations) and its nginx include with the Strict-Transport-Security header; remove Ingresses for the host without TLS.",
			Check:       checkHTTPS,
		},
		{
			ID: "TLS-2", Family: "TLS", Severity: v1alpha1.SeverityCritical,
			Title:       "The TLS Secret holds a valid certificate for the domain with an RSA key of at least 2048 bits or an EC key of at least 256 bits",
			Remediation: "Provide a kubernetes.io/tls Secret whose certificate covers spec.domain, is currently valid and uses RSA >= 2048 or ECDSA >= P-256, and renew it before it expires (or use spec.tls.issuerRef with cert-manager).",
			Check:       checkCertificate,
		},
		{
			ID: "TLS-3", Family: "TLS", Severity: v1alpha1.SeverityHigh,
			Title:       "No plaintext path into the platform: only the ingress controller reaches the web pods' HTTP port",
			Remediation: "Restore the operator's web NetworkPolicy (HTTP only from spec.ingress.controllerNamespace), remove policies that admit other sources, and keep the web Service ClusterIP.",
			Check:       checkPlaintextPath,
		},
		{
			ID: "TLS-4", Family: "TLS", Severity: v1alpha1.SeverityMedium,
			Title:       "XMPP client connections require encryption",
			Remediation: "Set PROSODY_C2S_REQUIRE_ENCRYPTION=true on prosody (the operator does this in Enforce mode).",
			Check:       settingsCheck("TLS-4", "prosody requires encryption of XMPP client connections"),
		},
		{
			ID: "REC-1", Family: "REC", Severity: v1alpha1.SeverityCritical,
			Title:       "No recorder or transcriber runs for the platform and no component holds JIBRI_* or JIGASI_* credentials",
			Remediation: "Delete jibri and jigasi workloads labelled into the platform and remove every JIBRI_* and JIGASI_* variable and Secret key.",
			Check:       checkNoRecorder,
		},
		{
			ID: "REC-2", Family: "REC", Severity: v1alpha1.SeverityCritical,
			Title:       "Recording, live streaming, Dropbox, transcription and audio translation are off in web, prosody and jicofo",
			Remediation: "Remove the variables and configuration lines that enable recording, streaming, transcription or translation; the operator writes them as canonical false.",
			Check:       checkRecordingOff,
		},
		{
			ID: "REC-3", Family: "REC", Severity: v1alpha1.SeverityHigh,
			Title:       "Browser-side local recording is disabled, and every participant is notified if a client re-enables it",
			Remediation: "Restore DISABLE_LOCAL_RECORDING=true, ENABLE_LOCAL_RECORDING_NOTIFY_ALL_PARTICIPANT=true and the operator's localRecording block in custom-config.js.",
			Check:       settingsCheck("REC-3", "local recording is disabled in the client, and everyone is notified if a client re-enables it"),
		},
		{
			ID: "TEL-1", Family: "TEL", Severity: v1alpha1.SeverityCritical,
			Title:       "No analytics or error reporting in any component",
			Remediation: "Remove analytics, rtcstats and Sentry variables from every component and restore the operator's analytics block and logging configuration.",
			Check:       settingsCheck("TEL-1", "no analytics, statistics or error-reporting setting in any component, and analytics are disabled in the client"),
		},
		{
			ID: "TEL-2", Family: "TEL", Severity: v1alpha1.SeverityCritical,
			Title:       "The web client makes no third-party requests; a Content-Security-Policy limits it to the platform's own origin",
			Remediation: "Remove third-party service variables and restore the operator's custom-config.js and CSP_HEADER.",
			Check:       checkThirdParties,
		},
		{
			ID: "TEL-3", Family: "TEL", Severity: v1alpha1.SeverityHigh,
			Title:       "No third-party STUN: only spec.stun.servers, and peer-to-peer only with own STUN servers",
			Remediation: "List your own STUN servers in spec.stun.servers or leave it empty (STUN and peer-to-peer off); remove other STUN or TURN settings.",
			Check:       checkSTUN,
		},
		{
			ID: "TEL-4", Family: "TEL", Severity: v1alpha1.SeverityHigh,
			Title:       "Outbound traffic is restricted by a default-deny egress NetworkPolicy",
			Remediation: "Restore the operator's default-deny NetworkPolicy and remove egress rules to anything but DNS, the platform's pods and the endpoints of the spec.",
			Check:       checkEgress,
		},
		{
			ID: "EU-1", Family: "EU", Severity: v1alpha1.SeverityCritical,
			Title:       "Every pod template requires nodes in the allowed regions",
			Remediation: "Restore the requiredDuringScheduling node affinity on the region label with only the allowed regions.",
			Check:       checkRequiredAffinity,
		},
		{
			ID: "EU-2", Family: "EU", Severity: v1alpha1.SeverityCritical,
			Title:       "Every running pod sits on a node inside the jurisdiction",
			Remediation: "Evict the pods from nodes outside the jurisdiction (Enforce mode does this) and make sure nodes carry their real region label.",
			Check:       checkPodPlacement,
		},
		{
			ID: "EU-3", Family: "EU", Severity: v1alpha1.SeverityMedium,
			Title:       "The videobridge advertises no private addresses to clients",
			Remediation: "Set spec.media.advertiseAddresses to public addresses only and keep private candidates disabled.",
			Check:       checkAdvertisedAddresses,
		},
		{
			ID: "EU-4", Family: "EU", Severity: v1alpha1.SeverityHigh,
			Title:       "With sovereignProviders, every node belongs to an EU/EEA-headquartered provider or is on-premises",
			Remediation: "Run the platform on nodes of an EU/EEA-headquartered provider or on-premises, or set spec.placement.sovereignProviders to false.",
			Check:       checkSovereignProviders,
		},
		{
			ID: "ACC-1", Family: "ACC", Severity: v1alpha1.SeverityCritical,
			Title:       "Authentication is required to open a room, and empty tokens are refused",
			Remediation: "Restore ENABLE_AUTH=true, the AUTH_TYPE of spec.access and JWT_ALLOW_EMPTY=false; remove authentication overrides.",
			Check:       settingsCheck("ACC-1", "authentication is required to open a room and empty tokens are refused"),
		},
		{
			ID: "ACC-2", Family: "ACC", Severity: v1alpha1.SeverityMedium,
			Title:       "Guest access follows spec.access.guests, the lobby is available, and XMPP rate limits are on",
			Remediation: "Restore ENABLE_GUESTS from spec.access.guests, ENABLE_LOBBY=true and prosody's rate-limit settings.",
			Check:       settingsCheck("ACC-2", "guest access follows spec.access.guests, the lobby is available and XMPP rate limits are on"),
		},
		{
			ID: "ACC-3", Family: "ACC", Severity: v1alpha1.SeverityHigh,
			Title:       "Component credentials are random, kept in the platform's Secret, injected by secretKeyRef, and copied nowhere else",
			Remediation: "Inject credentials only by secretKeyRef from the operator's credentials Secret; remove copies from ConfigMaps and literal values, and rotate any credential that was exposed.",
			Check:       checkCredentials,
		},
		{
			ID: "ACC-4", Family: "ACC", Severity: v1alpha1.SeverityHigh,
			Title:       "Internal endpoints are closed to everything outside the platform",
			Remediation: "Restore the operator's NetworkPolicies and ClusterIP Services for prosody, jicofo and the videobridge, and keep their REST APIs on loopback.",
			Check:       checkInternalEndpoints,
		},
		{
			ID: "MIN-1", Family: "MIN", Severity: v1alpha1.SeverityMedium,
			Title:       "Participants join with camera and microphone off and can take part without a camera",
			Remediation: "Restore the start-muted settings and the pre-join page.",
			Check:       settingsCheck("MIN-1", "participants join with camera and microphone off after the pre-join device check"),
		},
		{
			ID: "MIN-2", Family: "MIN", Severity: v1alpha1.SeverityMedium,
			Title:       "Browsers keep no room history and no profile e-mail",
			Remediation: "Restore doNotStoreRoom, the disabled profile and RECENT_LIST_ENABLED=false.",
			Check:       settingsCheck("MIN-2", "browsers keep no room history and no profile e-mail"),
		},
		{
			ID: "MIN-3", Family: "MIN", Severity: v1alpha1.SeverityMedium,
			Title:       "Logs are minimal: no room names, no client addresses",
			Remediation: "Restore LOG_LEVEL=warn on prosody, the operator's logging.properties for jicofo and jvb, and its nginx access-log format.",
			Check:       checkMinimalLogs,
		},
		{
			ID: "TRN-1", Family: "TRN", Severity: v1alpha1.SeverityHigh,
			Title:       "The privacy notice (Art. 13) is linked from the client instead of jitsi.org",
			Remediation: "Set spec.privacyPolicyURL to the operator's https privacy notice and restore the operator's client configuration.",
			Check:       checkPrivacyNotice,
		},
		{
			ID: "TRN-2", Family: "TRN", Severity: v1alpha1.SeverityLow,
			Title:       "A record of processing activities (Art. 30) is published for the platform",
			Remediation: "Let the operator publish its processing-record ConfigMap; do not delete or edit it.",
			Check:       checkProcessingRecord,
		},
		{
			ID: "OVR-1", Family: "OVR", Severity: v1alpha1.SeverityCritical,
			Title:       "The operator owns every override channel: no foreign mounts, envFrom or raw-injection variables, only canonical booleans",
			Remediation: "Remove foreign mounts at /config, /defaults and the plugin paths, envFrom sources, raw-injection variables and lines added to the operator's files; spell booleans true/false.",
			Check:       checkOverrides,
		},
		{
			ID: "E2E-1", Family: "TLS", Severity: v1alpha1.SeverityLow,
			Title:       "End-to-end encryption stays available to users",
			Remediation: "Restore the operator's e2ee settings in custom-config.js.",
			Check:       settingsCheck("E2E-1", "end-to-end encryption is available in the client"),
		},
	}
}
