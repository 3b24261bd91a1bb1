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
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// TLS-1: the domain is served only over HTTPS, HTTP redirects, and responses carry HSTS.
func checkHTTPS(s *Snapshot) (resultValue, string) {
	mp := s.Platform
	var v verdict
	ok := "Ingress serves " + mp.Spec.Domain + " over HTTPS only, redirects HTTP, and the web pods send HSTS for at least a year"
	if settings.UsesGateway(mp) {
		v = s.gatewayTLSFindings()
		ok = "the Gateway's HTTPS listeners serve " + mp.Spec.Domain + ", its plain-HTTP listeners only redirect, both routes are accepted, and the web pods send HSTS for at least a year" + s.gatewayHeadersNote()
	} else {
		v = s.ingressTLSFindings()
	}
	v.failed.addAll(s.hstsFindings())
	v.failed.addAll(s.settingFindings(settings.TLS1))
	return v.result(ok)
}

// servingIngresses are the Ingresses, anyone's, that route spec.domain, sorted by name.
func (s *Snapshot) servingIngresses() []*networkingv1.Ingress {
	var serving []*networkingv1.Ingress
	for i := range s.Ingresses {
		ing := &s.Ingresses[i]
		if slices.ContainsFunc(ing.Spec.Rules, func(r networkingv1.IngressRule) bool { return r.Host == s.Platform.Spec.Domain }) {
			serving = append(serving, ing)
		}
	}
	sort.Slice(serving, func(i, j int) bool { return serving[i].Name < serving[j].Name })
	return serving
}

// ingressTLSFindings checks every Ingress that routes spec.domain.
func (s *Snapshot) ingressTLSFindings() verdict {
	mp := s.Platform
	domain, secret := mp.Spec.Domain, settings.TLSSecretName(mp)
	var v verdict
	serving := s.servingIngresses()
	if len(serving) == 0 {
		v.failed.add("no Ingress routes %s", domain)
	}
	onTraefik, redirected := false, false
	for _, ing := range serving {
		onTraefik = onTraefik || s.onTraefik(ing)
		if s.onTraefik(ing) && ing.Annotations[settings.AnnotationTraefikRouterTLS] != "true" {
			// Traefik's plain-HTTP router: Traefik takes TLS from router.tls, never from
			// spec.tls, so it is judged on whether it redirects and nothing else.
			redirected = redirected || s.redirectsOnTraefik(ing)
			v.addAll(s.traefikFindings(ing))
			continue
		}
		tls := slices.IndexFunc(ing.Spec.TLS, func(t networkingv1.IngressTLS) bool { return slices.Contains(t.Hosts, domain) })
		switch {
		case tls < 0:
			v.failed.add("Ingress %s routes %s without a TLS entry for that host", ing.Name, domain)
		case ing.Spec.TLS[tls].SecretName != secret:
			v.failed.add("Ingress %s serves %s with Secret %q (want %q)", ing.Name, domain, ing.Spec.TLS[tls].SecretName, secret)
		}
		v.addAll(s.redirectFindings(ing))
	}
	if onTraefik && !redirected {
		v.failed.add("no Ingress redirects plain HTTP for %s to HTTPS on Traefik (want Ingress %s, whose router's first middleware is %s)",
			domain, settings.RedirectIngressName(mp), s.redirectReference())
	}
	return v
}

// redirectFindings judges the HTTP→HTTPS redirect of an Ingress by the controller of its
// IngressClass: ingress-nginx's annotations and Traefik's Middlewares are verified; what any
// other controller does with plain HTTP cannot be read from the API, so it is a warning, never
// a pass.
func (s *Snapshot) redirectFindings(ing *networkingv1.Ingress) verdict {
	var v verdict
	class, controller := s.ingressClassOf(ing)
	switch {
	case class == nil:
		v.warned.add("Ingress %s: %s does not exist, so nothing says which controller serves it: cannot verify its HTTP→HTTPS redirect", ing.Name, ingressClass(ing))
	case controller == settings.IngressNginxController:
		a := ing.Annotations
		if a[settings.AnnotationForceSSLRedirect] != "true" && a[settings.AnnotationSSLRedirect] != "true" {
			v.failed.add("Ingress %s does not redirect HTTP to HTTPS (annotation %s is %q)", ing.Name, settings.AnnotationForceSSLRedirect, a[settings.AnnotationForceSSLRedirect])
		}
	case controller == settings.TraefikController:
		v.addAll(s.traefikFindings(ing))
	default:
		v.warned.add("Ingress %s: cannot verify the HTTP→HTTPS redirect of controller %s (IngressClass %s)", ing.Name, controller, class.Name)
	}
	return v
}

// ingressClassOf is the IngressClass that serves an Ingress (its class by name, else the
// cluster's default class) and that class's controller; nil when there is none.
func (s *Snapshot) ingressClassOf(ing *networkingv1.Ingress) (*networkingv1.IngressClass, string) {
	name := ""
	switch {
	case ing.Spec.IngressClassName != nil:
		name = *ing.Spec.IngressClassName
	case ing.Annotations[ingressClassAnnotation] != "":
		name = ing.Annotations[ingressClassAnnotation]
	}
	if c := IngressClassNamed(s.IngressClasses, name); c != nil {
		return c, c.Spec.Controller
	}
	return nil, ""
}

// IngressClassNamed is the IngressClass of that name, or for "" the cluster's default class;
// nil when there is none. The reconciler renders by it what the evaluator then judges.
func IngressClassNamed(classes []networkingv1.IngressClass, name string) *networkingv1.IngressClass {
	for i := range classes {
		c := &classes[i]
		if (name != "" && c.Name == name) || (name == "" && c.Annotations[settings.DefaultIngressClassAnnotation] == "true") {
			return c
		}
	}
	return nil
}

// nginxServerFile is the operator's include in the web server block.
var nginxServerFile, _ = settings.FileOf(settings.Web, settings.NginxServerKey)

// addHeader is one nginx add_header directive.
type addHeader struct {
	name, value string
	line        int
}

var addHeaderDirective = regexp.MustCompile(`^\s*add_header\s+(\S+)\s+("([^"]*)"|'([^']*)'|([^\s;]+))`)

// addHeaders parses the add_header directives of an nginx file.
func addHeaders(content string) []addHeader {
	var out []addHeader
	for i, l := range strings.Split(content, "\n") {
		m := addHeaderDirective.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		out = append(out, addHeader{name: m[1], value: m[3] + m[4] + m[5], line: i + 1})
	}
	return out
}

var maxAge = regexp.MustCompile(`(?i)max-age\s*=\s*"?(\d+)`)

// hstsFindings checks the Strict-Transport-Security header in the nginx include the web pods
// really mount.
func (s *Snapshot) hstsFindings() findings {
	var f findings
	live, problem := s.read(nginxServerFile)
	if problem != "" {
		f.add("%s (want the operator's %s with the %s header)", problem, settings.NginxServerKey, settings.HSTSHeader)
		return f
	}
	found := false
	for _, h := range addHeaders(live.content) {
		if !strings.EqualFold(h.name, settings.HSTSHeader) {
			continue
		}
		found = true
		m := maxAge.FindStringSubmatch(h.value)
		if m == nil {
			f.add("%s line %d sends %s without max-age", live.where, h.line, settings.HSTSHeader)
			continue
		}
		if age, err := strconv.ParseInt(m[1], 10, 64); err != nil || age < settings.MinHSTSMaxAge {
			f.add("%s line %d sends %s max-age=%s (want >= %d)", live.where, h.line, settings.HSTSHeader, m[1], settings.MinHSTSMaxAge)
		}
	}
	if !found {
		f.add("%s adds no %s header", live.where, settings.HSTSHeader)
	}
	return f
}

// webPorts are the web container's TCP ports, and at least the rendered HTTP port.
func (s *Snapshot) componentPorts(c settings.Component, always ...port) []port {
	var ports []port
	if d := s.deployment(c); d != nil {
		ports = containerPorts(mainContainer(d, c))
	}
	return withPorts(ports, always...)
}

// withPorts adds to ports those of always it lacks.
func withPorts(ports []port, always ...port) []port {
	for _, a := range always {
		if !slices.ContainsFunc(ports, func(p port) bool { return p.number == a.number && p.protocol == a.protocol }) {
			ports = append(ports, a)
		}
	}
	return ports
}

// podLabels are the labels of a component's pods, from the live Deployment's template, else
// from the renderer's selector.
func (s *Snapshot) podLabels(c settings.Component) map[string]string {
	if d := s.deployment(c); d != nil && len(d.Spec.Template.Labels) > 0 {
		return d.Spec.Template.Labels
	}
	return settings.SelectorLabels(s.Platform, string(c))
}

// TLS-3: only the TLS terminator (the ingress controller or the Gateway's proxies, as the spec
// configures them) reaches the web pods' plain HTTP port.
func checkPlaintextPath(s *Snapshot) (resultValue, string) {
	mp := s.Platform
	namespace, podLabels := settings.TerminatorSource(mp)
	source := "namespace " + namespace
	if len(podLabels) > 0 {
		source += " pods " + labels.Set(podLabels).String()
	}
	f := s.settingFindings(settings.TLS3)
	web := s.podLabels(settings.Web)
	fromTerminator := func(p peer) bool {
		return p.namespace == namespace && pinsAll(p.pods, podLabels)
	}
	for _, p := range s.componentPorts(settings.Web, port{settings.PortHTTP, settings.WebHTTPPort, corev1.ProtocolTCP}) {
		if p.protocol != corev1.ProtocolTCP {
			continue
		}
		f.addAll(s.ingressFindings(web, p, "the web pods", fromTerminator, "only "+source, true))
		for _, e := range s.exposures(web, p) {
			f.add("%s to every client in plain HTTP (want ClusterIP behind %s)", e, settings.TLSTerminator(mp))
		}
	}
	return f.result("only " + settings.TLSTerminator(mp) + " (" + source + ") reaches the web pods' plain HTTP port")
}

// pinsAll says whether a pod selector admits only pods that carry every one of these labels.
func pinsAll(sel *metav1.LabelSelector, want map[string]string) bool {
	for k, v := range want {
		if !pinnedTo(sel, k, v) {
			return false
		}
	}
	return true
}
