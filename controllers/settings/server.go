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
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// Assignment is k as a HOCON or Java properties line, e.g. `jicofo.octo.enabled = false`.
func (k ConfigKey) Assignment() string {
	return k.Path + " = " + k.Value
}

// JicofoConfig are the keys of custom-jicofo.conf, which jicofo includes after its generated
// configuration (later keys win). Owning the file is itself the point: nobody else can add a
// recorder brewery or a transcription URL through it (REC-2, OVR-1). The breweries stay absent
// because ENABLE_RECORDING and ENABLE_TRANSCRIPTIONS are false.
var JicofoConfig = []ConfigKey{
	{"jicofo.rest.host", `"127.0.0.1"`, ACC4, "health, metrics and conference requests only on loopback"},
	{"jicofo.octo.enabled", "false", ACC4, "no relays to bridges outside the platform"},
}

// JVBConfig are the keys of custom-jvb.conf, which the videobridge includes after its generated
// configuration (later keys win).
func JVBConfig(mp *v1alpha1.MeetingPlatform) []ConfigKey {
	keys := []ConfigKey{
		{"videobridge.ice.advertise-private-candidates", "false", EU3, "pod and node addresses are not sent to clients"},
		{"videobridge.apis.rest.enabled", "false", ACC4, "no COLIBRI REST API"},
		{"videobridge.rest.debug.enabled", "false", ACC4, "no debug API with conference and endpoint state"},
		{"videobridge.rest.shutdown.enabled", "false", ACC4, "no shutdown API"},
		{"videobridge.http-servers.private.host", `"127.0.0.1"`, ACC4, "the private HTTP server (health, statistics) only on loopback; the image binds it to all interfaces"},
		{"videobridge.relay.enabled", "false", ACC4, "no relays to bridges outside the platform"},
		{"ice4j.harvest.mapping.aws.enabled", "false", TEL3, "no cloud metadata lookups"},
	}
	servers := STUNServers(mp)
	if len(servers) == 0 {
		return append(keys, ConfigKey{"ice4j.harvest.mapping.stun.enabled", "false", TEL3, "no STUN lookups: the platform has no STUN server of its own"})
	}
	quoted := make([]string, len(servers))
	for i, s := range servers {
		quoted[i] = jsString(s.HostPort())
	}
	return append(keys, ConfigKey{"ice4j.harvest.mapping.stun.addresses", "[" + strings.Join(quoted, ", ") + "]", TEL3, "only the STUN servers of spec.stun"})
}

// JavaLogging are the keys of the logging.properties that jicofo and the videobridge generate
// their log configuration from. The operator replaces the template (/defaults), because the
// images regenerate the file in /config at every start.
var JavaLogging = []ConfigKey{
	{"handlers", "java.util.logging.ConsoleHandler", TEL1, "standard output only: no Sentry handler"},
	{".level", "WARNING", MIN3, "no room names or participant IDs, which are logged at INFO"},
}

// Header is an HTTP response header the web pods add to every page.
type Header struct {
	Name    string
	Value   string
	Control ControlID
	Why     string
}

// HSTSHeader is the response header that keeps browsers on HTTPS (TLS-1).
const HSTSHeader = "Strict-Transport-Security"

// CSPHeader is the response header that limits what the browser loads and connects to (TEL-2);
// the web image sends it with the value of CSPVariable.
const CSPHeader = "Content-Security-Policy"

// HSTSMaxAge is the Strict-Transport-Security max-age in seconds the operator sends (two
// years); MinHSTSMaxAge is the least TLS-1 accepts (one year).
const (
	HSTSMaxAge    = 63072000
	MinHSTSMaxAge = 31536000
)

// Headers are the response headers the operator's nginx include adds on the web pods. The
// Content-Security-Policy comes from CSP_HEADER (DynamicEnv), which the image adds itself.
var Headers = []Header{
	{HSTSHeader, fmt.Sprintf("max-age=%d; includeSubDomains", HSTSMaxAge), TLS1, "browsers use only HTTPS for the platform's host; with TLS at the Ingress the image sends none itself"},
	{"Referrer-Policy", "no-referrer", TEL2, "links to other sites do not reveal the room name"},
}

// ContentSecurityPolicy is the policy that limits the browser to the platform's own origin
// (TEL-2). It does not cover ICE: STUN is fixed in the client configuration instead (TEL-3).
// index.html needs inline scripts, and noise suppression and virtual backgrounds need
// WebAssembly and blob workers.
func ContentSecurityPolicy(domain string) string {
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data: blob:",
		"media-src 'self' blob:",
		"font-src 'self' data:",
		"connect-src 'self' wss://" + domain,
		"worker-src 'self' blob:",
		"frame-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'self'",
	}, "; ")
}

// CSPProblems lists what makes csp allow more than the platform's own origin: a missing
// default-src, or a source other than the keywords, data:, blob:, and https:// or wss:// on
// domain. It returns nil for ContentSecurityPolicy(domain).
func CSPProblems(csp, domain string) []string {
	allowed := []string{"'self'", "'none'", "'unsafe-inline'", "'wasm-unsafe-eval'", "data:", "blob:", "https://" + domain, "wss://" + domain}
	var problems []string
	hasDefault := false
	for _, directive := range strings.Split(csp, ";") {
		fields := strings.Fields(directive)
		if len(fields) == 0 {
			continue
		}
		name := strings.ToLower(fields[0])
		hasDefault = hasDefault || name == "default-src"
		for _, src := range fields[1:] {
			if !slices.Contains(allowed, strings.ToLower(src)) {
				problems = append(problems, fmt.Sprintf("%s allows %s", name, src))
			}
		}
	}
	if !hasDefault {
		problems = append(problems, "no default-src")
	}
	return problems
}

// AccessLogFormat is the nginx log format of the web pods: when, what kind of request, what
// answer. No client address, no path (the room name), no referrer, no user agent (MIN-3).
const AccessLogFormat = "$time_iso8601 $request_method $status $body_bytes_sent $request_time"

var nginxVariable = regexp.MustCompile(`\$\{?([a-z0-9_]+)\}?`)

// personalLogVariables are nginx variables that carry a client address, a path or query (room
// names, tokens), or identifying headers. Prefixes end in '_'.
var personalLogVariables = []string{
	"remote_addr", "binary_remote_addr", "realip_remote_addr", "remote_user", "proxy_add_x_forwarded_for",
	"request", "request_uri", "uri", "document_uri", "args", "query_string", "request_body",
	"loggable_uri", "loggable_referer", "arg_", "cookie_", "http_",
}

// LogFormatLeaks returns the variables in an nginx log_format string that carry personal data
// or the room name, in order of appearance.
func LogFormatLeaks(format string) []string {
	var leaks []string
	for _, m := range nginxVariable.FindAllStringSubmatch(format, -1) {
		for _, p := range personalLogVariables {
			if m[1] == p || (strings.HasSuffix(p, "_") && strings.HasPrefix(m[1], p)) {
				leaks = append(leaks, "$"+m[1])
				break
			}
		}
	}
	return leaks
}
