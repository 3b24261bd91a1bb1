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
	"slices"
	"strings"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// rule declares one variable with one value on several components; the tables below are
// written as rules and expanded into one Env per component.
type rule struct {
	on      []Component
	name    string
	value   string
	control ControlID
	why     string
}

var (
	webOnly     = []Component{Web}
	prosodyOnly = []Component{Prosody}
	jicofoOnly  = []Component{Jicofo}
	jvbOnly     = []Component{JVB}
	// signalling are the components that read the recording, transcription and auth switches.
	signalling = []Component{Web, Prosody, Jicofo}
)

func expand(rules []rule) []Env {
	var out []Env
	for _, r := range rules {
		for _, c := range r.on {
			out = append(out, Env{Component: c, Name: r.name, Value: r.value, Control: r.control, Why: r.why})
		}
	}
	return out
}

// EnforcedEnv lists every environment variable whose safe value does not depend on the spec.
// The renderer writes each on its component, the evaluator requires each with exactly this
// value. Variables that are not listed keep the image default, unless ForbiddenEnv names them.
var EnforcedEnv = expand([]rule{
	// REC: nothing records, streams, transcribes or translates.
	{signalling, "ENABLE_RECORDING", False, REC2, "no recorder brewery, hidden recorder domain or recording UI"},
	{signalling, "ENABLE_LIVESTREAMING", False, REC2, "no live streaming to a third-party platform"},
	{signalling, "ENABLE_TRANSCRIPTIONS", False, REC2, "no transcriber brewery or hidden transcriber domain"},
	{signalling, "ENABLE_AUDIO_TRANSLATION", False, REC2, "no conference audio streamed to a translation service"},
	{webOnly, "ENABLE_SERVICE_RECORDING", False, REC2, "no recording service in the client"},
	{webOnly, "ENABLE_FILE_RECORDING_SHARING", False, REC2, "no recording links shared with participants"},
	{webOnly, "AUTO_CAPTION_ON_RECORD", False, REC2, "no automatic captions"},
	{prosodyOnly, "PROSODY_ENABLE_RECORDING_METADATA", False, REC2, "no jibri session metadata module"},
	{webOnly, "DISABLE_LOCAL_RECORDING", True, REC3, "no recording in the browser"},
	{webOnly, "ENABLE_LOCAL_RECORDING_NOTIFY_ALL_PARTICIPANT", True, REC3, "everyone is told if a client re-enables local recording"},
	{webOnly, "ENABLE_LOCAL_RECORDING_SELF_START", True, REC3, "despite its name, true disables self-recording"},

	// TEL: no third party learns of a meeting.
	{webOnly, "DISABLE_DEEP_LINKING", True, TEL2, "mobile browsers are not sent to app stores"},
	{webOnly, "ENABLE_CALENDAR", False, TEL2, "no Google or Microsoft calendar integration"},
	{[]Component{Web, Prosody}, "ENABLE_JAAS_COMPONENTS", False, TEL2, "no JaaS account provisioning, dial-in mapping or public key server"},
	{webOnly, "ENABLE_LETSENCRYPT", Zero, TEL2, "no certificate request to a public CA from the pod; TLS ends at the Ingress (the image tests this value arithmetically)"},
	{prosodyOnly, "PROSODY_RESERVATION_ENABLED", False, TEL2, "no room reservation calls to an external REST service"},
	{jvbOnly, "DISABLE_AWS_HARVESTER", True, TEL3, "the videobridge does not query a cloud metadata service for its address"},

	// TLS: transport encryption everywhere.
	{webOnly, "DISABLE_HTTPS", One, TLS3, "TLS ends at the Ingress; only the ingress controller may reach the plain HTTP port (the image tests this value arithmetically)"},
	{webOnly, "ENABLE_HTTP_REDIRECT", False, TLS1, "the Ingress redirects HTTP to HTTPS; a redirect in the pod would loop behind it"},
	{webOnly, "ENABLE_HSTS", True, TLS1, "HSTS on the image's own TLS port; behind the Ingress the operator's nginx include adds the header"},
	{prosodyOnly, "PROSODY_C2S_REQUIRE_ENCRYPTION", True, TLS4, "XMPP clients must use TLS"},

	// ACC: only authenticated users open rooms.
	{signalling, "ENABLE_AUTH", True, ACC1, "opening a room requires authentication"},
	{jicofoOnly, "JICOFO_ENABLE_AUTH", True, ACC1, "jicofo would otherwise follow a foreign override of its own switch"},
	{prosodyOnly, "JWT_ALLOW_EMPTY", False, ACC1, "a token-less join is refused"},
	{prosodyOnly, "ENABLE_LOBBY", True, ACC2, "the lobby is available to moderators"},
	{prosodyOnly, "PROSODY_ENABLE_RATE_LIMITS", True, ACC2, "joins and logins are rate-limited per client address"},
	{prosodyOnly, "PROSODY_TRUSTED_PROXIES", strings.Join(ClusterRanges, ","), ACC2, "X-Forwarded-For from the web pods (cluster addresses) names the client, so limits apply per client"},
	{prosodyOnly, "PROSODY_RATE_LIMIT_ALLOW_RANGES", strings.Join(ClusterRanges, ","), ACC2, "only cluster-internal addresses are exempt, never a public client address"},
	{[]Component{Prosody, Jicofo}, "ENABLE_VISITORS", False, ACC4, "no visitor federation between prosody instances"},
	{prosodyOnly, "PROSODY_ENABLE_S2S", False, ACC4, "no server-to-server federation (upstream disables its certificate checks)"},
	{prosodyOnly, "PROSODY_ENABLE_METRICS", False, ACC4, "no metrics endpoint on the XMPP server"},
	{jicofoOnly, "JICOFO_ENABLE_REST", False, ACC4, "jicofo's REST API stays on loopback; the probe runs inside the container"},
	{jvbOnly, "COLIBRI_REST_ENABLED", False, ACC4, "no COLIBRI REST API; jicofo drives the bridge over XMPP"},
	{jvbOnly, "SHUTDOWN_REST_ENABLED", False, ACC4, "no shutdown REST API"},

	// EU: no internal addresses leave the cluster.
	{jvbOnly, "JVB_ADVERTISE_PRIVATE_CANDIDATES", False, EU3, "pod and node addresses are not sent to clients"},

	// MIN: privacy-friendly defaults and minimal logs.
	{webOnly, "START_WITH_AUDIO_MUTED", True, MIN1, "participants join with the microphone off"},
	{webOnly, "START_WITH_VIDEO_MUTED", True, MIN1, "participants join with the camera off"},
	{webOnly, "START_AUDIO_MUTED", Zero, MIN1, "muted from the first participant on (a count, not a switch)"},
	{webOnly, "START_VIDEO_MUTED", Zero, MIN1, "camera off from the first participant on (a count, not a switch)"},
	{webOnly, "ENABLE_PREJOIN_PAGE", True, MIN1, "devices are checked before any media is sent"},
	{webOnly, "DISABLE_PROFILE", True, MIN2, "no e-mail address in the profile, so none in presence or avatar lookups"},
	{webOnly, "ENABLE_REQUIRE_DISPLAY_NAME", False, MIN2, "pseudonyms are allowed"},
	{prosodyOnly, "LOG_LEVEL", "warn", MIN3, "prosody logs no room or user events at info level"},
})

// ClusterRanges are the private and shared address ranges cluster pods use. Prosody trusts
// X-Forwarded-For only from them (the NetworkPolicy lets only the web pods reach its HTTP
// port), and the web pods take the client address from the ingress controller, which also
// runs on one of them.
var ClusterRanges = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", SharedAddressSpace, "fc00::/7"}

// SharedAddressSpace is RFC 6598's 100.64.0.0/10, used for carrier-grade NAT and by several
// CNIs for pod addresses: a cluster range, never an address to announce to clients (EU-3).
const SharedAddressSpace = "100.64.0.0/10"

// AuthType is the AUTH_TYPE value the images expect for a spec's authentication.
func AuthType(a v1alpha1.AuthenticationType) string {
	switch a {
	case v1alpha1.AuthenticationInternal:
		return "internal"
	case v1alpha1.AuthenticationLDAP:
		return "ldap"
	}
	return "jwt"
}

// Variables the evaluator reads beyond comparing them with this table.
const (
	// CSPVariable is the web image's variable for the Content-Security-Policy header (TEL-2).
	CSPVariable = "CSP_HEADER"
	// STUNVariable lists the videobridge's STUN servers (TEL-3).
	STUNVariable = "JVB_STUN_SERVERS"
	// AdvertiseVariable lists the addresses the videobridge announces to clients (EU-3).
	AdvertiseVariable = "JVB_ADVERTISE_IPS"
)

// AdvertiseVariables are every variable through which the images learn an address to
// announce: the current one and the older ones the start scripts still read (EU-3).
var AdvertiseVariables = []string{AdvertiseVariable, "DOCKER_HOST_ADDRESS", "JVB_ADVERTISE_IP"}

// DynamicEnv lists the enforced variables whose value follows the spec. Like EnforcedEnv, each
// must be present with exactly this value; together they are the platform's privacy settings.
// mp must be defaulted (Defaulted), as for every function of this package that takes one.
func DynamicEnv(mp *v1alpha1.MeetingPlatform) []Env {
	s := mp.Spec
	rules := []rule{
		{[]Component{Web, Prosody}, "PUBLIC_URL", PublicURL(mp), TLS1, "clients connect to the https origin and its wss websocket"},
		{[]Component{Web, Prosody}, "ENABLE_GUESTS", boolString(s.Access.Guests), ACC2, "guests follow spec.access.guests and wait until a host opened the room"},
		{[]Component{Prosody, Jicofo}, "AUTH_TYPE", AuthType(s.Access.Authentication), ACC1, "the authentication of spec.access"},
		{webOnly, CSPVariable, ContentSecurityPolicy(s.Domain), TEL2, "the browser loads and connects to the platform's own origin only"},
		{webOnly, "CORS_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN", PublicURL(mp), TEL2, "static files are shared with the platform's own origin only"},
		{webOnly, "ENABLE_P2P", boolString(P2PEnabled(mp)), TEL3, "peer-to-peer only with the platform's own STUN servers"},
		{jvbOnly, "JVB_DISABLE_STUN", boolString(!P2PEnabled(mp)), TEL3, "the videobridge asks no STUN server unless the platform runs its own"},
	}
	if servers := STUNServers(mp); len(servers) > 0 {
		hostPorts := make([]string, len(servers))
		for i, srv := range servers {
			hostPorts[i] = srv.HostPort()
		}
		rules = append(rules, rule{jvbOnly, STUNVariable, strings.Join(hostPorts, ","), TEL3, "only the STUN servers of spec.stun"})
	}
	rules = append(rules, octoRules(mp)...)
	if len(s.Media.AdvertiseAddresses) > 0 {
		rules = append(rules, rule{jvbOnly, AdvertiseVariable, strings.Join(s.Media.AdvertiseAddresses, ","), EU3, "the addresses of spec.media.advertiseAddresses, nothing discovered"})
	}
	rules = append(rules, turnAnnouncement(mp)...)
	switch s.Access.Authentication {
	case v1alpha1.AuthenticationJWT:
		if s.Access.JWT != nil {
			rules = append(rules, rule{prosodyOnly, "JWT_APP_ID", s.Access.JWT.AppID, ACC1, "tokens must be issued for spec.access.jwt.appID"})
		}
	case v1alpha1.AuthenticationLDAP:
		if l := s.Access.LDAP; l != nil {
			rules = append(rules,
				rule{prosodyOnly, "LDAP_URL", l.URL, ACC1, "the directory of spec.access.ldap (ldaps only)"},
				rule{prosodyOnly, "LDAP_BASE", l.BaseDN, ACC1, "the search base of spec.access.ldap"},
				rule{prosodyOnly, "LDAP_FILTER", l.Filter, ACC1, "the user filter of spec.access.ldap"},
				rule{prosodyOnly, "LDAP_USE_TLS", True, ACC1, "passwords cross the network only inside TLS"},
				rule{prosodyOnly, "LDAP_TLS_CHECK_PEER", True, ACC1, "the directory's certificate is verified (the image otherwise accepts any)"},
			)
		}
	case v1alpha1.AuthenticationOIDC:
		if s.Access.OIDC != nil {
			rules = append(rules, oidcRules(mp)...)
		}
	}
	return expand(rules)
}

// EnvFor returns the enforced and spec-dependent variables of one component, sorted by name.
func EnvFor(mp *v1alpha1.MeetingPlatform, c Component) []Env {
	var out []Env
	for _, e := range slices.Concat(EnforcedEnv, DynamicEnv(mp)) {
		if e.Component == c {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Env) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// DeclaredEnv returns the table's variable name on component c, if the tables declare one. A
// forbidden name the tables declare (TOKEN_AUTH_URL, the bridge's MUC module) is the
// operator's own, allowed with exactly the declared value and judged by the control the table
// names.
func DeclaredEnv(mp *v1alpha1.MeetingPlatform, c Component, name string) (Env, bool) {
	for _, e := range EnvFor(mp, c) {
		if e.Name == name {
			return e, true
		}
	}
	return Env{}, false
}

// SecretEnv is a variable that carries a credential. It is injected only through
// valueFrom.secretKeyRef, never as a literal value (ACC-3).
type SecretEnv struct {
	Component Component
	Name      string
	// Secret and Key name the Secret in the platform's namespace and the key within it.
	Secret  string
	Key     string
	Control ControlID
	Why     string
}

// CredentialKeys are the internal credentials the operator generates once per platform and
// keeps in the Secret CredentialsSecretName. Values must be random, at least
// CredentialMinLength characters, and alphanumeric: prosody's setup script passes them to a
// shell command unquoted. Deliberately absent: every JIBRI_* and JIGASI_* password, which would
// create privileged XMPP accounts with nothing using them (REC-1).
// The token bridge's keys and the TURN secret are generated for every platform, so that
// switching to OIDC or turning turn.own on later needs no new Secret.
var CredentialKeys = []string{"JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD", TokenBridgeSigningKey, TokenBridgeCookieKey, TURNSecretKey}

// CredentialMinLength is the minimum length of a generated credential (ACC-3).
const CredentialMinLength = 32

// JWTSecretMinBytes is the shortest JWT signing secret ACC-3 accepts. Prosody verifies tokens
// with HMAC, HS256 unless told otherwise, and RFC 7518 §3.2 requires a key at least as long as
// the hash output for it: 256 bits. A shorter shared secret can be guessed offline from one
// token, and then anyone can sign tokens for any room.
const JWTSecretMinBytes = 32

// SecretEnvs lists every credential variable of the platform with the Secret it comes from.
func SecretEnvs(mp *v1alpha1.MeetingPlatform) []SecretEnv {
	creds := CredentialsSecretName(mp)
	out := []SecretEnv{
		{Prosody, "JICOFO_AUTH_PASSWORD", creds, "JICOFO_AUTH_PASSWORD", ACC3, "registers jicofo's XMPP account"},
		{Jicofo, "JICOFO_AUTH_PASSWORD", creds, "JICOFO_AUTH_PASSWORD", ACC3, "jicofo's XMPP login"},
		{Prosody, "JVB_AUTH_PASSWORD", creds, "JVB_AUTH_PASSWORD", ACC3, "registers the videobridge's XMPP account"},
		{JVB, "JVB_AUTH_PASSWORD", creds, "JVB_AUTH_PASSWORD", ACC3, "the videobridge's XMPP login"},
	}
	a := mp.Spec.Access
	if a.Authentication == v1alpha1.AuthenticationJWT && a.JWT != nil {
		out = append(out, SecretEnv{Prosody, "JWT_APP_SECRET", a.JWT.SecretRef.Name, a.JWT.SecretRef.Key, ACC3, "the token signing secret of spec.access.jwt.secretRef"})
	}
	if UsesTokenBridge(mp) {
		out = append(out, oidcSecretEnvs(mp)...)
	}
	if a.Authentication == v1alpha1.AuthenticationLDAP && a.LDAP != nil {
		out = append(out,
			SecretEnv{Prosody, "LDAP_BINDDN", a.LDAP.BindSecretRef.Name, LDAPBindDNKey, ACC3, "the search account of spec.access.ldap.bindSecretRef"},
			SecretEnv{Prosody, "LDAP_BINDPW", a.LDAP.BindSecretRef.Name, LDAPPasswordKey, ACC3, "the search account's password"},
		)
	}
	return append(out, turnSecretEnvs(mp)...)
}

// octoRules are the relay settings (ACC-4). One bridge: no relays at all, as in earlier
// versions. Several: relays between the platform's own bridges only. Jicofo picks the bridges of
// a conference from those in its brewery room on prosody, which only the platform's bridges can
// join (prosody's XMPP port admits only jicofo and jvb, ACC-4), and the NetworkPolicies let a
// bridge's relay traffic reach only the platform's bridges.
func octoRules(mp *v1alpha1.MeetingPlatform) []rule {
	if !SeveralBridges(mp) {
		return []rule{{[]Component{Jicofo, JVB}, OctoVariable, False, ACC4, "one bridge: no relays to any other bridge"}}
	}
	return []rule{
		{[]Component{Jicofo, JVB}, OctoVariable, True, ACC4, "relays only between the platform's own bridges, so a conference can span them"},
		{jvbOnly, OctoRegionVariable, OctoRegion, ACC4, "all bridges in one relay region: the platform's cluster"},
		{jicofoOnly, BridgeStrategyVariable, BridgeStrategy, ACC4, "conferences spread over the platform's bridges, split only when a bridge is overloaded"},
	}
}
