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

package render

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/regions"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// domainPattern is the CRD's rule for spec.domain: a lower-case DNS name with two labels or more.
var domainPattern = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?[.])+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// appIDPattern is the CRD's rule for spec.access.jwt.appID.
var appIDPattern = regexp.MustCompile(`^[A-Za-z0-9][-A-Za-z0-9_.]*$`)

// ldapURLPattern is the CRD's rule for spec.access.ldap.url: exactly one ldaps:// server. The
// value becomes saslauthd's ldap_servers, a space-separated list (docker-jitsi-meet
// stable-11146-2 prosody/rootfs/defaults/saslauthd.conf, "ldap_servers: {{ .Env.LDAP_URL }}"),
// so anything after the host could name a second, plaintext server.
var ldapURLPattern = regexp.MustCompile(`^ldaps://[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?/?$`)

// unsafeInURL are the characters the CRD refuses in spec.privacyPolicyURL besides control
// characters: whitespace, quotes, backticks and angle brackets.
const unsafeInURL = " \t\"'<>`"

// Validate reports why a spec cannot be rendered safely. The API server's validation already
// rejects most of these; the renderer checks again because every string it writes ends up in
// an environment variable, a JavaScript file or an nginx configuration, where a stray quote or
// newline would become code. The error names the field, for a Stalled condition.
func Validate(mp *v1alpha1.MeetingPlatform) error {
	s := mp.Spec
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}

	// Every Service name must be a DNS-1035 label, which bounds the platform's name.
	if msgs := validation.IsDNS1035Label(settings.Name(mp, string(settings.Prosody))); len(msgs) > 0 {
		fail("metadata.name", "%q is too long or not a DNS-1035 label once suffixed: %s", mp.Name, strings.Join(msgs, "; "))
	}
	if !domainPattern.MatchString(s.Domain) || len(s.Domain) > 253 {
		fail("spec.domain", "%q is not a lower-case DNS name with at least two labels", s.Domain)
	}
	if u, err := url.Parse(s.PrivacyPolicyURL); err != nil || u.Scheme != "https" || u.Host == "" || !printable(s.PrivacyPolicyURL) ||
		strings.ContainsAny(s.PrivacyPolicyURL, unsafeInURL) || strings.ContainsFunc(s.PrivacyPolicyURL, unicode.IsSpace) {
		fail("spec.privacyPolicyURL", "%q is not an absolute https:// URL without whitespace, quotes or angle brackets", s.PrivacyPolicyURL)
	}

	validateExposure(fail, mp)
	validateMedia(fail, s.Media)
	validateBridges(fail, mp)
	validateTURN(fail, mp)
	validatePlacement(fail, mp)
	validateAccess(fail, s.Access)
	for i, uri := range s.STUN.Servers {
		if _, err := settings.ParseSTUN(uri); err != nil {
			fail(fmt.Sprintf("spec.stun.servers[%d]", i), "%v", err)
		}
	}

	if r := s.Components.Web.Replicas; r < 1 || r > 20 {
		fail("spec.components.web.replicas", "%d is outside 1-20", r)
	}
	validateJavaMemory(fail, "spec.components.jicofo", s.Components.Jicofo.Resources)
	validateJavaMemory(fail, "spec.components.jvb", s.Components.JVB.Resources)
	for _, c := range settings.Components {
		validateScratchFits(fail, mp, c)
	}
	if !printable(s.Image.Registry) || !printable(s.Image.Tag) || strings.ContainsAny(s.Image.Registry+s.Image.Tag, " @") {
		fail("spec.image", "registry %q or tag %q is not a plain image reference", s.Image.Registry, s.Image.Tag)
	}
	switch s.Image.PullPolicy {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		fail("spec.image.pullPolicy", "%q is not Always, IfNotPresent or Never", s.Image.PullPolicy)
	}
	return errors.Join(errs...)
}

type failFunc func(field, format string, args ...any)

// validateJavaMemory refuses a memory limit of a Java component too small for its heap
// (settings.HeapMiB): the heap would be larger than the limit, and the container killed.
func validateJavaMemory(fail failFunc, field string, res *corev1.ResourceRequirements) {
	if res == nil {
		return
	}
	if limit, ok := res.Limits[corev1.ResourceMemory]; ok && !limit.IsZero() && limit.Cmp(settings.MinJavaMemoryLimit) < 0 {
		fail(field+".resources.limits.memory", "%s is below %s: a Java component's heap is three quarters of its memory limit and at least %d MiB",
			limit.String(), settings.MinJavaMemoryLimit.String(), settings.MinHeapMiB)
	}
}

// validateScratchFits refuses an ephemeral-storage limit smaller than the component's emptyDirs:
// the kubelet would evict the pod before a volume reaches the size it was given.
func validateScratchFits(fail failFunc, mp *v1alpha1.MeetingPlatform, c settings.Component) {
	limit := componentResources(mp, c).Limits[corev1.ResourceEphemeralStorage]
	if need := scratchSize(mp, c); limit.Cmp(need) < 0 {
		fail("spec.components."+string(c)+".resources.limits.ephemeral-storage", "%s is below %s, the size of the component's emptyDir volumes",
			limit.String(), need.String())
	}
}

func checkName(fail failFunc, field, name string) {
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		fail(field, "%q: %s", name, strings.Join(msgs, "; "))
	}
}

// validateExposure checks spec.tls with spec.ingress, or spec.gateway alone (the CRD refuses
// both together), and what the NetworkPolicies admit from outside (spec.network).
func validateExposure(fail failFunc, mp *v1alpha1.MeetingPlatform) {
	s := mp.Spec
	if g := s.Gateway; g != nil {
		if s.TLS != (v1alpha1.TLSSpec{}) || s.Ingress != (v1alpha1.IngressSpec{}) {
			fail("spec.gateway", "spec.tls and spec.ingress must not be set with spec.gateway")
		}
		validateGateway(fail, g)
	} else {
		validateTLS(fail, s.TLS)
		if s.Ingress.ClassName != "" {
			checkName(fail, "spec.ingress.className", s.Ingress.ClassName)
		}
		checkLabel(fail, "spec.ingress.controllerNamespace", s.Ingress.ControllerNamespace)
		checkPodLabels(fail, "spec.ingress.controllerPodSelector", s.Ingress.ControllerPodSelector)
	}
	for i, ns := range s.Network.DNSNamespaces {
		checkLabel(fail, fmt.Sprintf("spec.network.dnsNamespaces[%d]", i), ns)
	}
}

func validateTLS(fail failFunc, t v1alpha1.TLSSpec) {
	if (t.SecretName == "") == (t.IssuerRef == nil) {
		fail("spec.tls", "exactly one of secretName or issuerRef must be set")
	}
	if t.SecretName != "" {
		checkName(fail, "spec.tls.secretName", t.SecretName)
	}
	if r := t.IssuerRef; r != nil {
		checkName(fail, "spec.tls.issuerRef.name", r.Name)
		if r.Kind != "Issuer" && r.Kind != "ClusterIssuer" {
			fail("spec.tls.issuerRef.kind", "%q is neither Issuer nor ClusterIssuer", r.Kind)
		}
		if msgs := validation.IsDNS1123Subdomain(r.Group); len(msgs) > 0 {
			fail("spec.tls.issuerRef.group", "%q: %s", r.Group, strings.Join(msgs, "; "))
		}
	}
}

func validateGateway(fail failFunc, g *v1alpha1.GatewaySpec) {
	if len(g.ParentRefs) == 0 {
		fail("spec.gateway.parentRefs", "names no Gateway")
	}
	for i, p := range g.ParentRefs {
		field := fmt.Sprintf("spec.gateway.parentRefs[%d]", i)
		checkName(fail, field+".name", p.Name)
		// In field order: the stall message names the first bad one first, every pass.
		for _, f := range [][2]string{{".namespace", p.Namespace}, {".sectionName", p.SectionName}, {".redirectSectionName", p.RedirectSectionName}} {
			if f[1] != "" {
				checkLabel(fail, field+f[0], f[1])
			}
		}
	}
	if g.ProxyNamespace != "" {
		checkLabel(fail, "spec.gateway.proxyNamespace", g.ProxyNamespace)
	}
	checkPodLabels(fail, "spec.gateway.proxyPodSelector", g.ProxyPodSelector)
}

func checkLabel(fail failFunc, field, value string) {
	if msgs := validation.IsDNS1123Label(value); len(msgs) > 0 {
		fail(field, "%q: %s", value, strings.Join(msgs, "; "))
	}
}

// checkPodLabels refuses a selector whose keys or values are no label keys and values: they
// become a NetworkPolicy's podSelector.
func checkPodLabels(fail failFunc, field string, s v1alpha1.PodLabels) {
	labels := settings.ParsePodLabels(s)
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		v := labels[k]
		msgs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...)
		if len(msgs) > 0 {
			fail(field, "%q=%q: %s", k, v, strings.Join(msgs, "; "))
		}
	}
}

func validateMedia(fail failFunc, m v1alpha1.MediaSpec) {
	switch m.Type {
	case v1alpha1.MediaServiceNodePort:
		if m.Port < 30000 || m.Port > 32767 {
			fail("spec.media.port", "%d is outside the NodePort range 30000-32767", m.Port)
		}
	case v1alpha1.MediaServiceLoadBalancer:
		if m.Port < 1 || m.Port > 65535 {
			fail("spec.media.port", "%d is outside 1-65535", m.Port)
		}
	default:
		fail("spec.media.type", "%q is neither NodePort nor LoadBalancer", m.Type)
	}
	for i, a := range m.AdvertiseAddresses {
		if net.ParseIP(a) == nil {
			fail(fmt.Sprintf("spec.media.advertiseAddresses[%d]", i), "%q is not an IP address", a)
		}
	}
}

// validateBridges refuses more bridges than settings.MaxBridges and a port range, one port per
// bridge, that leaves the NodePort range or the port numbers (the CRD refuses both; this covers
// a spec the API server did not validate).
func validateBridges(fail failFunc, mp *v1alpha1.MeetingPlatform) {
	const field = "spec.components.jvb.replicas"
	r := mp.Spec.Components.JVB.Replicas
	if r < 1 || r > settings.MaxBridges {
		fail(field, "%d is outside 1-%d", r, settings.MaxBridges)
		return
	}
	last := int64(mp.Spec.Media.Port) + int64(r) - 1
	limit := int64(65535)
	if mp.Spec.Media.Type == v1alpha1.MediaServiceNodePort {
		limit = 32767
	}
	if last > limit {
		fail(field, "%d bridges need the ports %d-%d, beyond %d", r, mp.Spec.Media.Port, last, limit)
	}
}

// validateTURN refuses what the API server's schema already does. An own relay with no bridge
// address known yet is rendered: it denies every address until one is (ACC-5 warns).
func validateTURN(fail failFunc, mp *v1alpha1.MeetingPlatform) {
	if t := settings.OwnTURN(mp); t != nil {
		if t.Host != "" && !domainPattern.MatchString(string(t.Host)) {
			fail("spec.turn.own.host", "%q is not a lower-case DNS name with at least two labels", t.Host)
		}
		// The Service's ports follow the rules of spec.media's.
		for _, p := range []struct {
			field string
			port  int32
		}{{"spec.turn.own.port", t.Port}, {"spec.turn.own.tlsPort", t.TLSPort}} {
			validateMedia(func(_, format string, args ...any) { fail(p.field, format, args...) }, v1alpha1.MediaSpec{Type: t.Type, Port: p.port})
		}
	}
	if e := settings.ExternalTURN(mp); e != nil {
		if !domainPattern.MatchString(string(e.Host)) {
			fail("spec.turn.external.host", "%q is not a lower-case DNS name with at least two labels", e.Host)
		}
		if e.Jurisdiction != v1alpha1.JurisdictionEU && e.Jurisdiction != v1alpha1.JurisdictionEEA {
			fail("spec.turn.external.jurisdiction", "%q is neither EU nor EEA", e.Jurisdiction)
		}
		checkName(fail, "spec.turn.external.secretRef.name", e.SecretRef.Name)
	}
}

func validatePlacement(fail failFunc, mp *v1alpha1.MeetingPlatform) {
	p := mp.Spec.Placement
	if p.Jurisdiction != v1alpha1.JurisdictionEU && p.Jurisdiction != v1alpha1.JurisdictionEEA {
		fail("spec.placement.jurisdiction", "%q is neither EU nor EEA", p.Jurisdiction)
	}
	if msgs := validation.IsQualifiedName(p.RegionLabel); len(msgs) > 0 {
		fail("spec.placement.regionLabel", "%q: %s", p.RegionLabel, strings.Join(msgs, "; "))
	}
	for i, r := range p.AllowedRegions {
		if outside, where := regions.LabelOutside(regions.Jurisdiction(p.Jurisdiction), r); outside {
			fail(fmt.Sprintf("spec.placement.allowedRegions[%d]", i),
				"%q is a region the built-in catalog places outside the %s (%s): the list can only narrow the jurisdiction or name regions the catalog does not know",
				r, p.Jurisdiction, where)
		}
	}
	allowed := settings.AllowedRegions(mp)
	if len(allowed) == 0 {
		fail("spec.placement", "no region is allowed, so no pod could be scheduled")
	}
	for _, r := range allowed {
		if msgs := validation.IsValidLabelValue(r); len(msgs) > 0 || r == "" {
			fail("spec.placement.allowedRegions", "%q is not a label value: %s", r, strings.Join(msgs, "; "))
		}
	}
}

func validateAccess(fail failFunc, a v1alpha1.AccessSpec) {
	switch a.Authentication {
	case v1alpha1.AuthenticationJWT:
		if a.JWT == nil {
			fail("spec.access.jwt", "required when authentication is JWT")
			return
		}
		if !appIDPattern.MatchString(a.JWT.AppID) || len(a.JWT.AppID) > 128 {
			fail("spec.access.jwt.appID", "%q is not a plain identifier", a.JWT.AppID)
		}
		checkName(fail, "spec.access.jwt.secretRef.name", a.JWT.SecretRef.Name)
		if msgs := validation.IsConfigMapKey(a.JWT.SecretRef.Key); len(msgs) > 0 {
			fail("spec.access.jwt.secretRef.key", "%q: %s", a.JWT.SecretRef.Key, strings.Join(msgs, "; "))
		}
	case v1alpha1.AuthenticationLDAP:
		if a.LDAP == nil {
			fail("spec.access.ldap", "required when authentication is LDAP")
			return
		}
		if u, err := url.Parse(a.LDAP.URL); err != nil || !ldapURLPattern.MatchString(a.LDAP.URL) || (u.Port() != "" && !validPort(u.Port())) {
			fail("spec.access.ldap.url", "%q is not exactly one ldaps:// server (ldaps://host[:port], optionally with a trailing /)", a.LDAP.URL)
		}
		if a.LDAP.BaseDN == "" || !printable(a.LDAP.BaseDN) {
			fail("spec.access.ldap.baseDN", "must be a non-empty line of printable characters")
		}
		if !printable(a.LDAP.Filter) {
			fail("spec.access.ldap.filter", "must be a line of printable characters")
		}
		checkName(fail, "spec.access.ldap.bindSecretRef.name", a.LDAP.BindSecretRef.Name)
	case v1alpha1.AuthenticationOIDC:
		if a.OIDC == nil {
			fail("spec.access.oidc", "required when authentication is OIDC")
			return
		}
		validateOIDC(fail, a.OIDC)
	case v1alpha1.AuthenticationInternal:
	default:
		fail("spec.access.authentication", "%q is not JWT, Internal, LDAP or OIDC", a.Authentication)
	}
	if a.Authentication != v1alpha1.AuthenticationJWT && a.JWT != nil {
		fail("spec.access.jwt", "may only be set when authentication is JWT")
	}
	if a.Authentication != v1alpha1.AuthenticationLDAP && a.LDAP != nil {
		fail("spec.access.ldap", "may only be set when authentication is LDAP")
	}
}

// validPort reports whether p is a port number, 1-65535.
// validateOIDC repeats the API's rules for access.oidc, so that a spec the API server did not
// check (an older CRD) never reaches the bridge: an http issuer would let anyone on the path
// forge logins.
func validateOIDC(fail failFunc, o *v1alpha1.OIDCSpec) {
	if u, err := url.Parse(o.IssuerURL); err != nil || u.Scheme != "https" || u.Hostname() == "" || u.RawQuery != "" || u.Fragment != "" || !printable(o.IssuerURL) {
		fail("spec.access.oidc.issuerURL", "%q is not an absolute https:// URL without query or fragment", o.IssuerURL)
	}
	if o.ClientID == "" || !printable(o.ClientID) {
		fail("spec.access.oidc.clientID", "must be a non-empty line of printable characters")
	}
	if ref := o.ClientSecretRef; ref != nil {
		checkName(fail, "spec.access.oidc.clientSecretRef.name", ref.Name)
		if msgs := validation.IsConfigMapKey(ref.Key); len(msgs) > 0 {
			fail("spec.access.oidc.clientSecretRef.key", "%q: %s", ref.Key, strings.Join(msgs, "; "))
		}
	}
	if d, err := time.ParseDuration(o.TokenLifetime); err != nil || d <= 0 || d > settings.MaxOIDCTokenLifetime {
		fail("spec.access.oidc.tokenLifetime", "%q is not a duration between 0 and %s", o.TokenLifetime, settings.MaxOIDCTokenLifetime)
	}
	if o.GroupsClaim == "" && (len(o.ModeratorGroups) > 0 || len(o.AllowedGroups) > 0) {
		fail("spec.access.oidc.groupsClaim", "required when moderatorGroups or allowedGroups are set")
	}
	for field, groups := range map[string][]string{"moderatorGroups": o.ModeratorGroups, "allowedGroups": o.AllowedGroups} {
		for i, g := range groups {
			// The bridge reads the groups as a comma-separated list.
			if g == "" || strings.Contains(g, ",") || !printable(g) {
				fail(fmt.Sprintf("spec.access.oidc.%s[%d]", field, i), "%q must be a non-empty line without commas", g)
			}
		}
	}
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// printable reports whether s is free of control characters (newlines above all), which would
// end a line of a generated configuration file.
func printable(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar })
}
