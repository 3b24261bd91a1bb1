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
	"cmp"
	"net/netip"
	"slices"
	"strconv"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// This file is the TURN relay of a platform (spec.turn): the coturn server the operator runs
// (turn.own) or the one the user declares (turn.external), and how prosody announces it.
//
// Facts about coturn are from coturn/coturn at tag 4.17.1 (README.turnserver, src/), about
// the image from docker/coturn at that tag, about prosody's template from
// jitsi/docker-jitsi-meet stable-11146-2 prosody/rootfs/defaults/prosody.cfg.lua; the project's
// reference notes (exposure-media-auth.md §2, §3) cite the lines.

// TURN is the platform's own coturn server. It is optional (rendered only with turn.own) and
// not a Jitsi component: it is not in Components, and its image is not a Jitsi release.
const TURN Component = "turn"

// The coturn image: <turn.own.imageRegistry>/coturn:<TURNImageTag>. The tag is one the image's
// README lists at coturn 4.17.1 (docker/coturn/README.md L18-19: 4.17.1 itself was published
// without an image; its changes to 4.17.0 are build and test fixes, ChangeLog L1-8), the
// Alpine variant with the smaller attack surface.
const (
	TURNImageName = "coturn"
	TURNImageTag  = "4.17.0-r0-alpine"
)

// TURNImageUser is the image's user nobody:nogroup (docker/coturn/alpine/Dockerfile L137).
const TURNImageUser int64 = 65534

// TURNBinary is coturn's server binary. The pod runs it directly: the image's entrypoint
// passes every argument through `eval` (docker/coturn/rootfs/usr/local/bin/docker-entrypoint.sh
// L10-12), and its default CMD asks public DNS servers for the node's address
// (detect-external-ip), a request to a third party the platform must not make.
const TURNBinary = "/usr/bin/turnserver"

// Ports of the coturn container: unprivileged, as it runs as nobody. coturn's defaults are
// 3478 (listening-port) and 5349 (tls-listening-port), README.turnserver L396-408.
const (
	TURNListeningPort    int32 = 3478
	TURNTLSListeningPort int32 = 5349
)

// The relay ports coturn allocates for relayed sessions. Only the platform's bridges send to
// them (the NetworkPolicy admits nothing else), so 1024 ports of coturn's default range
// 49152-65535 (README.turnserver L481-488) suffice for 1024 relayed participants.
const (
	TURNRelayMinPort int32 = 49152
	TURNRelayMaxPort int32 = 50175
)

// Port names of the TURN container and Service.
const (
	PortTURN  = "turn"
	PortTURNS = "turns"
)

// TURNConfigKey is the ConfigMap key of coturn's configuration, mounted at TURNConfigPath,
// where the image reads it by default (docker/coturn/README.md L72).
const (
	TURNConfigKey  = "turnserver.conf"
	TURNConfigPath = "/etc/coturn/turnserver.conf"
)

// TURNTLSPath is where the TURN host's certificate Secret is mounted; coturn reads cert and
// pkey from there (README.turnserver L547-563).
const TURNTLSPath = "/etc/coturn/tls"

// TURNDataPath is coturn's state directory (the image's VOLUME), an emptyDir: with the REST
// API's shared secret coturn keeps no users, but it opens its SQLite database there.
const TURNDataPath = "/var/lib/coturn"

// TURNSecretKey is the key of the generated TURN REST API secret in the credentials Secret,
// and the variable coturn's container and prosody read it from.
const TURNSecretKey = "TURN_CREDENTIALS"

// TURNSecretArg passes the shared secret to coturn. coturn reads it only from its
// configuration or command line (static-auth-secret, README.turnserver L529-534), and the
// configuration is a ConfigMap, which must hold no secret (ACC-3). So the kubelet expands the
// secretKeyRef variable into the argument: the API objects hold only the reference.
const TURNSecretArg = "--static-auth-secret=$(" + TURNSecretKey + ")"

// TURNTTLSeconds is how long the credentials prosody hands out are valid (TURN_TTL, the
// template's default of 86400 made explicit): a day covers any meeting, as the client fetches
// them once and never refreshes them (lib-jitsi-meet strophe.jingle.js).
const TURNTTLSeconds = 86400

// OwnTURN is spec.turn.own, or nil.
func OwnTURN(mp *v1alpha1.MeetingPlatform) *v1alpha1.OwnTURNSpec {
	if mp.Spec.TURN == nil {
		return nil
	}
	return mp.Spec.TURN.Own
}

// ExternalTURN is spec.turn.external, or nil.
func ExternalTURN(mp *v1alpha1.MeetingPlatform) *v1alpha1.ExternalTURNSpec {
	if mp.Spec.TURN == nil {
		return nil
	}
	return mp.Spec.TURN.External
}

// TURNHost is the DNS name clients reach the own TURN server at: turn.own.host, else the
// platform's domain.
func TURNHost(mp *v1alpha1.MeetingPlatform) string {
	if t := OwnTURN(mp); t != nil && t.Host != "" {
		return string(t.Host)
	}
	return mp.Spec.Domain
}

// TURNCertificateName is the Secret and cert-manager Certificate of a TURN host other than
// the domain, which the operator requests from spec.tls.issuerRef.
func TURNCertificateName(mp *v1alpha1.MeetingPlatform) string {
	return Name(mp, "turn-tls")
}

// TURNNeedsCertificate reports whether the operator requests the TURN host's certificate from
// spec.tls.issuerRef: a separate host without turn.own.tlsSecretName.
func TURNNeedsCertificate(mp *v1alpha1.MeetingPlatform) bool {
	t := OwnTURN(mp)
	return t != nil && t.TLSSecretName == "" && TURNHost(mp) != mp.Spec.Domain && mp.Spec.TLS.IssuerRef != nil
}

// TURNTLSSecretName is the Secret whose certificate coturn serves TURNS with:
// turn.own.tlsSecretName, the requested one of a separate host, or the platform's own.
func TURNTLSSecretName(mp *v1alpha1.MeetingPlatform) string {
	t := OwnTURN(mp)
	switch {
	case t != nil && t.TLSSecretName != "":
		return t.TLSSecretName
	case TURNNeedsCertificate(mp):
		return TURNCertificateName(mp)
	}
	return TLSSecretName(mp)
}

// TURNImage is the coturn image of the platform.
func TURNImage(mp *v1alpha1.MeetingPlatform) string {
	registry := v1alpha1.DefaultTURNImageRegistry
	if t := OwnTURN(mp); t != nil && t.ImageRegistry != "" {
		registry = t.ImageRegistry
	}
	return registry + "/" + TURNImageName + ":" + TURNImageTag
}

// TURNPeers are the only addresses the own relay forwards to: the addresses the videobridges
// announce (AddressOf: spec.media.advertiseAddresses, else what the cluster says about their
// load balancers or nodes), each once, in bridge order. Private candidates are never announced
// (EU-3), so these are the only bridge addresses a client can ask to reach. An address inside
// one of TURNSpecialRanges is left out: allowed-peer-ip wins over denied-peer-ip, and on any port,
// so allowing a private node address would open the relay to everything on that node.
func TURNPeers(mp *v1alpha1.MeetingPlatform, in MediaInputs) []string {
	var out []string
	for _, b := range Bridges(mp) {
		for _, ip := range AddressOf(mp, b, in).Addresses {
			if !slices.Contains(out, ip) && !InTURNSpecialRange(ip) {
				out = append(out, ip)
			}
		}
	}
	return out
}

// InTURNSpecialRange reports whether ip lies in one of TURNSpecialRanges (an unparsable address
// counts as inside).
func InTURNSpecialRange(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return true
	}
	addr = addr.Unmap()
	for _, r := range TURNSpecialRanges {
		from, err1 := netip.ParseAddr(r.From)
		to, err2 := netip.ParseAddr(cmp.Or(r.To, r.From))
		if err1 != nil || err2 != nil || from.Is4() != addr.Is4() {
			continue
		}
		if from.Compare(addr) <= 0 && addr.Compare(to) <= 0 {
			return true
		}
	}
	return false
}

// IPRange is an inclusive address range in coturn's syntax: coturn 4.11 and later refuses
// CIDR notation and aborts on it ("Use IP or IP-IP range (CIDR is not supported)",
// src/apps/relay/mainrelay.c L2654, L2666).
type IPRange struct {
	From, To string
	Why      string
}

// String is "from-to", or "from" for a single address.
func (r IPRange) String() string {
	if r.To == "" || r.To == r.From {
		return r.From
	}
	return r.From + "-" + r.To
}

// TURNDeniedPeers are the ranges the own relay never forwards to, so it cannot become a door
// into the cluster or the company network (the SSRF class of Slack's 2020 TURN finding).
// coturn denies only loopback, 0.0.0.0/8, link-local and IPv6 ULA/site-local by itself
// (src/server/ns_turn_server.c L294-393): RFC 1918, CGNAT, benchmarking and the cluster's
// ranges need these lines. The last two deny every other address too: allowed-peer-ip wins
// over denied-peer-ip (README.turnserver L652-665), so with only TURNPeers allowed the relay
// reaches the bridges and nothing else. The special ranges are still listed one by one: they
// say why each is closed, and they stay closed should the catch-all ever give way to allowed
// ranges (discovered bridge addresses), which must then never open a private range.
var TURNDeniedPeers = append(slices.Clone(TURNSpecialRanges),
	IPRange{"0.0.0.0", "255.255.255.255", "every other IPv4 address: only the bridges are allowed"},
	IPRange{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "every other IPv6 address: only the bridges are allowed"},
)

// TURNSpecialRanges are the ranges no relay may reach, whatever a bridge announces: the
// cluster's, the company network's and the host's own.
var TURNSpecialRanges = []IPRange{
	{"0.0.0.0", "0.255.255.255", "this network (RFC 1122)"},
	{"10.0.0.0", "10.255.255.255", "private (RFC 1918), pod and service ranges of most clusters"},
	{"100.64.0.0", "100.127.255.255", "shared address space (RFC 6598), CGNAT and some CNIs' pod ranges"},
	{"127.0.0.0", "127.255.255.255", "loopback: the relay's own pod"},
	{"169.254.0.0", "169.254.255.255", "link-local, including cloud metadata services"},
	{"172.16.0.0", "172.31.255.255", "private (RFC 1918)"},
	{"192.0.0.0", "192.0.0.255", "IETF protocol assignments (RFC 6890)"},
	{"192.168.0.0", "192.168.255.255", "private (RFC 1918)"},
	{"198.18.0.0", "198.19.255.255", "benchmarking (RFC 2544)"},
	{"224.0.0.0", "255.255.255.255", "multicast, reserved and broadcast"},
	{"::1", "", "IPv6 loopback"},
	{"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "IPv6 unique local (fc00::/7)"},
	{"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "IPv6 link-local (fe80::/10)"},
}

// TURNOption is one line of coturn's configuration: "name=value", or the bare name of a flag
// (README.turnserver L79-83: the file takes the long option names without "--").
type TURNOption struct {
	Name, Value string
	Control     ControlID
	Why         string
}

// Line is the option as written in turnserver.conf.
func (o TURNOption) Line() string {
	if o.Value == "" {
		return o.Name
	}
	return o.Name + "=" + o.Value
}

// Names of coturn options the evaluator looks for beyond comparing lines.
const (
	TURNOptionDeniedPeer  = "denied-peer-ip"
	TURNOptionAllowedPeer = "allowed-peer-ip"
	TURNOptionAuthSecret  = "use-auth-secret"
	TURNOptionNoCLI       = "no-cli"
)

// TURNConfig are the lines of the own coturn server's turnserver.conf, in file order; in is
// what the cluster says about the bridges' addresses (TURNPeers).
func TURNConfig(mp *v1alpha1.MeetingPlatform, in MediaInputs) []TURNOption {
	opts := []TURNOption{
		{"listening-port", strconv.Itoa(int(TURNListeningPort)), ACC5, "TURN over UDP"},
		{"tls-listening-port", strconv.Itoa(int(TURNTLSListeningPort)), ACC5, "TURNS: TURN over TLS on TCP"},
		{"no-tcp", "", ACC5, "no plain TCP listener: TCP only inside TLS"},
		{"cert", TURNTLSPath + "/tls.crt", ACC5, "the TURN host's certificate"},
		{"pkey", TURNTLSPath + "/tls.key", ACC5, "its key"},
		{TURNOptionAuthSecret, "", ACC5, "time-limited HMAC credentials (TURN REST API); the secret comes from the credentials Secret"},
		{"realm", TURNHost(mp), ACC5, "the realm of the credentials"},
		{TURNOptionNoCLI, "", ACC5, "no telnet CLI (off by default since 4.10.0; the line overrides a cli line)"},
		{"no-tcp-relay", "", ACC5, "the bridges take media over UDP: no TCP relay to anywhere"},
		{"no-multicast-peers", "", ACC5, "coturn relays to multicast addresses unless told not to"},
		{"secure-stun", "", ACC5, "STUN binding requests need credentials too"},
		{"fingerprint", "", ACC5, "FINGERPRINT on every message, as WebRTC clients expect"},
		{"min-port", strconv.Itoa(int(TURNRelayMinPort)), ACC5, "the relay ports the bridges' NetworkPolicy lets through"},
		{"max-port", strconv.Itoa(int(TURNRelayMaxPort)), ACC5, "the relay ports the bridges' NetworkPolicy lets through"},
		{"userdb", TURNDataPath + "/turndb", ACC5, "its database on the emptyDir; it holds no users"},
		{"pidfile", TmpPath + "/turnserver.pid", ACC5, "the root filesystem is read-only"},
		{"log-file", "stdout", MIN3, "standard output only, no log file in the pod"},
		{"log-min-level", "warning", MIN3, "no session lines, which carry client addresses and user names at info level"},
	}
	for _, r := range TURNDeniedPeers {
		opts = append(opts, TURNOption{TURNOptionDeniedPeer, r.String(), ACC5, r.Why})
	}
	for _, ip := range TURNPeers(mp, in) {
		opts = append(opts, TURNOption{TURNOptionAllowedPeer, ip, ACC5, "an address of the platform's videobridge"})
	}
	return opts
}

// ForbiddenTURNOption is a coturn option that must not appear in the live configuration or on
// the command line of the own TURN server (ACC-5).
type ForbiddenTURNOption struct {
	Name, Why string
}

// ForbiddenTURNOptions open the relay, add static credentials or weaken TLS.
var ForbiddenTURNOptions = []ForbiddenTURNOption{
	{"allow-loopback-peers", "relays into the pod's own loopback"},
	{"server-relay", "disables the peer permission checks (\"NON-STANDARD AND DANGEROUS\")"},
	{"cli", "a telnet admin interface"},
	{"cli-password", "a telnet admin interface"},
	{"web-admin", "a web admin interface"},
	{"user", "a static user whose password never expires"},
	{"lt-cred-mech", "long-term static credentials besides the REST API's"},
	{"no-auth", "an open relay"},
	{"oauth", "another credential mechanism"},
	{"tlsv1", "TLS 1.0 (coturn's minimum is 1.2 unless this is set)"},
	{"tlsv1_1", "TLS 1.1"},
	{"prometheus", "a metrics endpoint with per-session data"},
	{"external-ip", "announces another relay address than the pod's"},
	{"rfc5780", "NAT behaviour discovery, usable for amplification"},
}

// TURNEndpoint is one TURN endpoint prosody announces to clients.
type TURNEndpoint struct {
	Host      string
	Port      int32
	Transport v1alpha1.TURNTransport
}

// TURNEndpoints are what clients are told to use: with turn.own, TURN over UDP and TURNS on
// the Service's ports; with turn.external, the declared server.
func TURNEndpoints(mp *v1alpha1.MeetingPlatform) []TURNEndpoint {
	if t := OwnTURN(mp); t != nil {
		host := TURNHost(mp)
		return []TURNEndpoint{{host, t.Port, v1alpha1.TURNTransportUDP}, {host, t.TLSPort, v1alpha1.TURNTransportTLS}}
	}
	if e := ExternalTURN(mp); e != nil {
		return []TURNEndpoint{{string(e.Host), e.Port, e.Transport}}
	}
	return nil
}

// turnAnnouncement are prosody's variables that announce the endpoints. Prosody's template
// renders TURN_HOST × TURN_TRANSPORT with TURN_PORT as type "turn" and TURNS_HOST with
// TURNS_PORT as type "turns" over TCP, and loads mod_external_services only when one of the
// hosts is set (prosody.cfg.lua L36-41, L86, L138-140, L361-413). TURN_CREDENTIALS (a
// secretKeyRef, SecretEnvs) makes every entry carry time-limited HMAC credentials.
func turnAnnouncement(mp *v1alpha1.MeetingPlatform) []rule {
	var out []rule
	for _, e := range TURNEndpoints(mp) {
		port := strconv.Itoa(int(e.Port))
		if e.Transport == v1alpha1.TURNTransportTLS {
			out = append(out,
				rule{prosodyOnly, TURNSHostVariable, e.Host, TEL3, "the platform's own or declared TURN server, over TLS"},
				rule{prosodyOnly, "TURNS_PORT", port, TEL3, "its TLS port"})
			continue
		}
		out = append(out,
			rule{prosodyOnly, TURNHostVariable, e.Host, TEL3, "the platform's own or declared TURN server"},
			rule{prosodyOnly, "TURN_PORT", port, TEL3, "its port"},
			rule{prosodyOnly, "TURN_TRANSPORT", string(e.Transport), TEL3, "its transport"})
	}
	if len(out) > 0 {
		out = append(out, rule{prosodyOnly, "TURN_TTL", strconv.Itoa(TURNTTLSeconds), ACC5, "the announced credentials expire after a day"})
	}
	return out
}

// The variables through which prosody learns a TURN host to announce (TEL-3).
const (
	TURNHostVariable  = "TURN_HOST"
	TURNSHostVariable = "TURNS_HOST"
)

// TURNStaticCredentialVariables would send one static password to every client
// (prosody.cfg.lua L377-383, L404-410): never written, and forbidden (ForbiddenEnv TURN_*).
var TURNStaticCredentialVariables = []string{"TURN_USERNAME", "TURN_PASSWORD"}

// turnSecretEnvs are the TURN shared secret's variables: coturn's and prosody's from the
// credentials Secret with turn.own, prosody's from the user's Secret with turn.external.
func turnSecretEnvs(mp *v1alpha1.MeetingPlatform) []SecretEnv {
	if OwnTURN(mp) != nil {
		creds := CredentialsSecretName(mp)
		return []SecretEnv{
			{TURN, TURNSecretKey, creds, TURNSecretKey, ACC5, "coturn's REST API secret (static-auth-secret)"},
			{Prosody, TURNSecretKey, creds, TURNSecretKey, ACC5, "signs the time-limited TURN credentials clients get"},
		}
	}
	if e := ExternalTURN(mp); e != nil {
		return []SecretEnv{{Prosody, TURNSecretKey, e.SecretRef.Name, e.SecretRef.Key, ACC5, "the declared TURN server's REST API secret"}}
	}
	return nil
}

// IsTURNAnnouncement reports whether name is one of the TURN variables the operator itself
// writes on prosody for this platform: they match ForbiddenEnv's TURN_* rules, which keep
// every other TURN variable (and these, on any other component) out.
func IsTURNAnnouncement(mp *v1alpha1.MeetingPlatform, c Component, name string) bool {
	if c != Prosody && c != TURN {
		return false
	}
	for _, r := range turnAnnouncement(mp) {
		if r.name == name {
			return true
		}
	}
	for _, s := range turnSecretEnvs(mp) {
		if s.Component == c && s.Name == name {
			return true
		}
	}
	return false
}

// TURNHosts are the hosts prosody may announce (TEL-3): the own or declared server's.
func TURNHosts(mp *v1alpha1.MeetingPlatform) []string {
	var out []string
	for _, e := range TURNEndpoints(mp) {
		if !slices.Contains(out, e.Host) {
			out = append(out, e.Host)
		}
	}
	return out
}
