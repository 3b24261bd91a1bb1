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

// TURNSpec gives participants behind firewalls that block UDP a relay for their media: exactly
// one of own (a coturn server the operator runs for the platform) or external (a TURN server
// you run yourself, declared with its jurisdiction). Prosody hands every client time-limited
// credentials for it (the TURN REST API's HMAC scheme), never a static password.
// +kubebuilder:validation:XValidation:rule="has(self.own) != has(self.external)",message="set exactly one of turn.own or turn.external"
type TURNSpec struct {
	// own runs a coturn server for the platform, relaying only to the platform's videobridge.
	// +optional
	Own *OwnTURNSpec `json:"own,omitempty"`

	// external announces a TURN server you run yourself instead.
	// +optional
	External *ExternalTURNSpec `json:"external,omitempty"`
}

// OwnTURNSpec configures the platform's own coturn server.
// +kubebuilder:validation:XValidation:rule="self.type != 'NodePort' || (self.port >= 30000 && self.port <= 32767 && self.tlsPort >= 30000 && self.tlsPort <= 32767)",message="turn.own.port and turn.own.tlsPort must be within the NodePort range 30000-32767 when turn.own.type is NodePort",fieldPath=".type"
// +kubebuilder:validation:XValidation:rule="self.port != self.tlsPort",message="turn.own.port (UDP) and turn.own.tlsPort (TCP) must differ",fieldPath=".tlsPort"
type OwnTURNSpec struct {
	// host is the DNS name clients reach the TURN server at; its address must lead to the TURN
	// Service. Default: spec.domain, served with the platform's certificate. A separate name
	// needs its own certificate: tlsSecretName, or with spec.tls.issuerRef the operator asks
	// cert-manager for one (Secret <name>-turn-tls).
	// +optional
	Host HostName `json:"host,omitempty"`

	// tlsSecretName is a kubernetes.io/tls Secret in the platform's namespace whose certificate
	// covers host, for TURNS. Default: the platform's own certificate Secret.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	TLSSecretName string `json:"tlsSecretName,omitempty"`

	// type of the TURN Service: LoadBalancer (default; TURNS on TCP 443 passes the strictest
	// firewalls) or NodePort.
	// +optional
	// +default="LoadBalancer"
	Type MediaServiceType `json:"type,omitempty"`

	// port is the UDP port of TURN on the Service (the node port for NodePort); default 3478.
	// +optional
	// +default=3478
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`

	// tlsPort is the TCP port of TURNS (TURN over TLS) on the Service (the node port for
	// NodePort); default 443, which firewalls that allow only HTTPS let through. The container
	// itself listens on unprivileged ports.
	// +optional
	// +default=443
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	TLSPort int32 `json:"tlsPort,omitempty"`

	// imageRegistry is the registry prefix of the coturn image (default docker.io/coturn); the
	// tag is the one this operator version was verified with. Use a mirror inside the EU.
	// +optional
	// +default="docker.io/coturn"
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$`
	ImageRegistry string `json:"imageRegistry,omitempty"`
}

// HostName is a lower-case DNS name with at least two labels, e.g. turn.example.eu.
// +kubebuilder:validation:MaxLength=253
// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?[.])+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$')",message="must be a lower-case DNS name with at least two labels, e.g. turn.example.eu"
type HostName string

// TURNTransport is how clients reach an external TURN server.
// +kubebuilder:validation:Enum=udp;tcp;tls
type TURNTransport string

const (
	// TURNTransportUDP is TURN over UDP.
	TURNTransportUDP TURNTransport = "udp"
	// TURNTransportTCP is TURN over plain TCP.
	TURNTransportTCP TURNTransport = "tcp"
	// TURNTransportTLS is TURNS: TURN over TLS on TCP.
	TURNTransportTLS TURNTransport = "tls"
)

// ExternalTURNSpec declares a TURN server you run yourself. It must be one that accepts the
// TURN REST API's time-limited credentials (coturn: use-auth-secret with this shared secret).
type ExternalTURNSpec struct {
	// host is the TURN server's DNS name.
	// +required
	// +kubebuilder:validation:MinLength=1
	Host HostName `json:"host,omitempty"`

	// port clients connect to; default 443.
	// +optional
	// +default=443
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`

	// transport is udp, tcp or tls (default: TURNS, TURN over TLS).
	// +optional
	// +default="tls"
	Transport TURNTransport `json:"transport,omitempty"`

	// jurisdiction is where the TURN server runs, EU or EEA, as you declare it: the relay sees
	// every relayed participant's address, and the record of processing names it.
	// +required
	Jurisdiction Jurisdiction `json:"jurisdiction,omitempty"`

	// secretRef names the key of a Secret in the platform's namespace that holds the shared
	// secret of the TURN server's REST API credentials.
	// +required
	SecretRef SecretKeyReference `json:"secretRef,omitzero"`
}

// Defaults of spec.turn, as Go constants (see the other Default* constants).
const (
	DefaultTURNPort          = 3478
	DefaultTURNTLSPort       = 443
	DefaultTURNImageRegistry = "docker.io/coturn"
	DefaultExternalTURNPort  = 443
)

// TURNEndpointStatus is one TURN endpoint announced to clients.
type TURNEndpointStatus struct {
	// host clients connect to.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Host string `json:"host"`
	// port clients connect to.
	// +required
	Port int32 `json:"port"`
	// transport is udp, tcp or tls.
	// +required
	Transport TURNTransport `json:"transport,omitempty"`
}
