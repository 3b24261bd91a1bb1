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

// Package settings is the one declaration of every setting meetwarden enforces on a Jitsi Meet
// installation: environment variables with their safe values, the keys of the files the
// operator writes into the containers, the variables that must never appear, and the paths
// through which a container's configuration can be overridden.
//
// The renderer (controllers/render) writes the desired objects from these tables, and the
// evaluator checks the live objects against the same tables, so the two cannot disagree. Every
// entry names the control of the gdpr-eu profile it serves (docs: controls.md) and says why.
//
// Facts about the images (which variable a template reads, how it parses it) come from the
// project's reference notes on the Jitsi images pinned at stable-11146-2.
//
// The package is pure: no Kubernetes client, no I/O.
package settings

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"k8s.io/utils/ptr"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// Component is one of the four Jitsi containers the operator deploys.
type Component string

// The components of a platform. The value is also the image name and the name suffix of the
// component's objects.
const (
	Web     Component = "web"
	Prosody Component = "prosody"
	Jicofo  Component = "jicofo"
	JVB     Component = "jvb"
)

// Components lists every component in a fixed order.
var Components = []Component{Web, Prosody, Jicofo, JVB}

// Canonical boolean spellings. The images' template function toBool turns every string it
// cannot parse ("no", "off") into true, so the operator writes only these.
const (
	True  = "true"
	False = "false"
	// One and Zero are used where a shell script of the image compares the value
	// arithmetically (`[[ $DISABLE_HTTPS -ne 1 ]]`): there "true" would count as 0.
	One  = "1"
	Zero = "0"
)

// Env is one environment variable with the value the operator writes on one component.
type Env struct {
	Component Component
	Name      string
	Value     string
	// Control is the ID of the gdpr-eu control the value serves, e.g. REC2.
	Control ControlID
	// Why says in one line what the value prevents.
	Why string
}

// ConfigKey is one key of a file the operator writes into a container: a config.js or
// interface_config.js property, a HOCON path, or a Java logging property. Value is the literal
// text in the file's own syntax (a JS or HOCON literal).
type ConfigKey struct {
	Path    string
	Value   string
	Control ControlID
	Why     string
}

// CanonicalBool reports whether v is one of the four spellings every consumer in the images
// reads the same way: "true", "false", "1", "0" (OVR-1).
func CanonicalBool(v string) bool {
	switch v {
	case True, False, One, Zero:
		return true
	}
	return false
}

// boolString returns the canonical spelling of b.
func boolString(b bool) string {
	return strconv.FormatBool(b)
}

// Defaulted returns a deep copy of mp whose empty optional fields hold the defaults the CRD
// declares, so that a spec read without API-server defaulting (a unit test, a dry run) renders
// and evaluates exactly like the stored object. spec.image.tag has no schema default: an empty
// tag stays empty here and is resolved by ImageTag. The reconciler calls it once per pass; every
// other function of this package, render and evaluate take its result.
// TestDefaultedWritesEveryDefaultOfTheCRD keeps it equal to the CRD.
func Defaulted(mp *v1alpha1.MeetingPlatform) *v1alpha1.MeetingPlatform {
	out := mp.DeepCopy()
	s := &out.Spec
	setDefault(&s.Compliance.Mode, v1alpha1.ComplianceModeEnforce)
	if s.Gateway == nil {
		// The Ingress is the exposure unless spec.gateway replaces it.
		setDefault(&s.Ingress.ControllerNamespace, v1alpha1.DefaultIngressControllerNamespace)
	}
	if len(s.Network.DNSNamespaces) == 0 {
		s.Network.DNSNamespaces = []string{v1alpha1.DefaultDNSNamespace}
	}
	setDefault(&s.Media.Type, v1alpha1.MediaServiceNodePort)
	if s.Media.Port == 0 {
		s.Media.Port = v1alpha1.DefaultMediaPort
	}
	setDefault(&s.Placement.Jurisdiction, v1alpha1.JurisdictionEEA)
	setDefault(&s.Placement.RegionLabel, v1alpha1.DefaultRegionLabel)
	setDefault(&s.Access.Authentication, v1alpha1.AuthenticationJWT)
	if s.Access.JWT != nil {
		setDefault(&s.Access.JWT.SecretRef.Key, v1alpha1.DefaultJWTSecretKey)
	}
	if s.Access.LDAP != nil {
		setDefault(&s.Access.LDAP.Filter, v1alpha1.DefaultLDAPFilter)
	}
	if o := s.Access.OIDC; o != nil {
		setDefault(&o.DisplayNameClaim, v1alpha1.DefaultOIDCDisplayNameClaim)
		setDefault(&o.TokenLifetime, v1alpha1.DefaultOIDCTokenLifetime)
		if o.ClientSecretRef != nil {
			setDefault(&o.ClientSecretRef.Key, v1alpha1.DefaultJWTSecretKey)
		}
	}
	if s.TLS.IssuerRef != nil {
		setDefault(&s.TLS.IssuerRef.Kind, v1alpha1.DefaultIssuerKind)
		setDefault(&s.TLS.IssuerRef.Group, v1alpha1.DefaultIssuerGroup)
	}
	if s.Components.Web.Replicas == 0 {
		s.Components.Web.Replicas = v1alpha1.DefaultWebReplicas
	}
	if s.Components.JVB.Replicas == 0 {
		s.Components.JVB.Replicas = v1alpha1.DefaultJVBReplicas
	}
	if s.Components.JVB.DrainSeconds == nil {
		s.Components.JVB.DrainSeconds = ptr.To[int32](v1alpha1.DefaultDrainSeconds)
	}
	setDefault(&s.Disruption.Meetings, v1alpha1.DisruptionAllow)
	defaultTURN(s.TURN)
	setDefault(&s.Image.Registry, v1alpha1.DefaultImageRegistry)
	setDefault(&s.Image.PullPolicy, v1alpha1.DefaultImagePullPolicy)
	return out
}

// defaultTURN writes the schema defaults of spec.turn.
func defaultTURN(t *v1alpha1.TURNSpec) {
	if t == nil {
		return
	}
	if t.Own != nil {
		setDefault(&t.Own.Type, v1alpha1.MediaServiceLoadBalancer)
		setDefaultNumber(&t.Own.Port, v1alpha1.DefaultTURNPort)
		setDefaultNumber(&t.Own.TLSPort, v1alpha1.DefaultTURNTLSPort)
		setDefault(&t.Own.ImageRegistry, v1alpha1.DefaultTURNImageRegistry)
	}
	if t.External != nil {
		setDefaultNumber(&t.External.Port, v1alpha1.DefaultExternalTURNPort)
		setDefault(&t.External.Transport, v1alpha1.TURNTransportTLS)
		setDefault(&t.External.SecretRef.Key, v1alpha1.DefaultJWTSecretKey)
	}
}

func setDefaultNumber(field *int32, value int32) {
	if *field == 0 {
		*field = value
	}
}

func setDefault[T ~string](field *T, value T) {
	if *field == "" {
		*field = value
	}
}

// STUNServer is one parsed entry of spec.stun.servers.
type STUNServer struct {
	// Scheme is "stun" or "stuns".
	Scheme string
	Host   string
	Port   int32
}

// Default ports of STUN (RFC 8489): 3478 plain, 5349 over TLS.
const (
	DefaultSTUNPort  int32 = 3478
	DefaultSTUNSPort int32 = 5349
)

// ParseSTUN parses a "stun:host[:port]" or "stuns:host[:port]" URI.
func ParseSTUN(uri string) (STUNServer, error) {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok || (scheme != "stun" && scheme != "stuns") || rest == "" {
		return STUNServer{}, fmt.Errorf("STUN server %q: want stun:host[:port] or stuns:host[:port]", uri)
	}
	s := STUNServer{Scheme: scheme, Host: rest, Port: DefaultSTUNPort}
	if scheme == "stuns" {
		s.Port = DefaultSTUNSPort
	}
	if host, port, err := net.SplitHostPort(rest); err == nil {
		p, err := strconv.ParseInt(port, 10, 32)
		if err != nil || p < 1 || p > 65535 {
			return STUNServer{}, fmt.Errorf("STUN server %q: port must be 1-65535", uri)
		}
		s.Host, s.Port = host, int32(p)
	}
	if s.Host == "" || strings.ContainsAny(s.Host, " \t\r\n\"',;[]{}#") {
		return STUNServer{}, fmt.Errorf("STUN server %q: invalid host", uri)
	}
	return s, nil
}

// HostPort is "host:port", the form the videobridge's JVB_STUN_SERVERS takes.
func (s STUNServer) HostPort() string {
	return net.JoinHostPort(s.Host, strconv.Itoa(int(s.Port)))
}

// URL is "stun:host:port" or "stuns:host:port", the form a browser's ICE configuration takes.
func (s STUNServer) URL() string {
	return s.Scheme + ":" + s.HostPort()
}

// STUNServers returns the parseable entries of spec.stun.servers in spec order. The renderer
// refuses a spec with an unparseable entry, so for a rendered platform this is all of them.
func STUNServers(mp *v1alpha1.MeetingPlatform) []STUNServer {
	var out []STUNServer
	for _, uri := range mp.Spec.STUN.Servers {
		if s, err := ParseSTUN(uri); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// P2PEnabled reports whether peer-to-peer calls are allowed: only when the platform has its
// own STUN servers, otherwise browsers would fall back to a third-party STUN host (TEL-3).
func P2PEnabled(mp *v1alpha1.MeetingPlatform) bool {
	return len(STUNServers(mp)) > 0
}
