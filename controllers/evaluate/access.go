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
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// ACC-3: generated credentials are long, kept in the platform's Secret, injected by
// secretKeyRef, and copied nowhere else.
func checkCredentials(s *Snapshot) (resultValue, string) {
	mp := s.Platform
	f := s.settingFindings(settings.ACC3)
	name := settings.CredentialsSecretName(mp)
	values := map[string]string{}
	if sec := s.secret(name); sec == nil {
		f.add("Secret %s with the generated credentials does not exist", name)
	} else {
		if !controlledBy(sec.OwnerReferences, mp) {
			f.add("Secret %s is not owned by MeetingPlatform %s", name, mp.Name)
		}
		for _, key := range settings.CredentialKeys {
			v := string(sec.Data[key])
			switch {
			case len(v) < settings.CredentialMinLength:
				f.add("Secret %s key %s holds fewer than %d characters", name, key, settings.CredentialMinLength)
			case distinct(v) < settings.CredentialMinLength/2:
				f.add("Secret %s key %s does not look random (too few distinct characters)", name, key)
			}
			if len(v) >= minComparedSecret {
				values[key] = v
			}
		}
	}
	jwt, jwtValue := s.jwtSecretFindings()
	f.addAll(jwt)
	if len(jwtValue) >= minComparedSecret {
		values[jwtSigningSecret] = jwtValue
	}
	f.addAll(s.secretInjectionFindings())
	f.addAll(s.leakedCredentialFindings(values))
	ok := "credentials are random, kept in Secret " + name + " owned by the platform, injected by secretKeyRef and found in no ConfigMap or literal value"
	if jwtSpec := s.Platform.Spec.Access.JWT; jwtSpec != nil && s.Platform.Spec.Access.Authentication == v1alpha1.AuthenticationJWT {
		ok += fmt.Sprintf("; the JWT signing secret (Secret %s key %s) is at least %d bytes long", jwtSpec.SecretRef.Name, jwtSpec.SecretRef.Key, settings.JWTSecretMinBytes)
	}
	return f.result(ok)
}

// jwtSigningSecret names the user's JWT signing secret among the credentials searched for in
// other objects.
const jwtSigningSecret = "JWT signing secret"

// jwtSecretFindings judges the user's JWT signing secret, and returns its value for the leak
// search. A finding says only "shorter than N bytes": neither the secret nor its length, which
// would narrow a guess, reaches status.
func (s *Snapshot) jwtSecretFindings() (findings, string) {
	var f findings
	access := s.Platform.Spec.Access
	if access.Authentication != v1alpha1.AuthenticationJWT || access.JWT == nil {
		return f, ""
	}
	ref := access.JWT.SecretRef
	if s.JWTSecret == nil {
		f.add("the JWT signing Secret %s (spec.access.jwt.secretRef) could not be read, so the strength of its key %s is unknown", ref.Name, ref.Key)
		return f, ""
	}
	value := string(s.JWTSecret.Data[ref.Key])
	if len(value) < settings.JWTSecretMinBytes {
		f.add("the JWT signing secret (Secret %s key %s) is shorter than %d bytes: tokens signed with it can be forged by guessing it", ref.Name, ref.Key, settings.JWTSecretMinBytes)
	}
	return f, value
}

// minComparedSecret is the shortest credential value searched for in other objects; shorter
// strings would match by chance.
const minComparedSecret = 8

// controlledBy reports whether the owner references name the platform as controller.
func controlledBy(refs []metav1.OwnerReference, mp *v1alpha1.MeetingPlatform) bool {
	return slices.ContainsFunc(refs, func(r metav1.OwnerReference) bool {
		return r.Kind == v1alpha1.MeetingPlatformKind && r.Name == mp.Name && (mp.UID == "" || r.UID == mp.UID) &&
			r.Controller != nil && *r.Controller
	})
}

func distinct(v string) int {
	seen := map[rune]bool{}
	for _, r := range v {
		seen[r] = true
	}
	return len(seen)
}

// credentialName matches variable names that carry a credential by their name.
var credentialName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|BINDPW|CREDENTIAL|PRIVATE_KEY|API_KEY|_TOKEN$)`)

// secretInjectionFindings checks that each credential variable comes from the right Secret
// by secretKeyRef, and that no container sets a credential-named variable literally.
func (s *Snapshot) secretInjectionFindings() findings {
	var f findings
	reported := map[string]bool{}
	for _, se := range settings.SecretEnvs(s.Platform) {
		d := s.deployment(se.Component)
		if d == nil {
			f.add("Deployment %s does not exist", settings.Name(s.Platform, string(se.Component)))
			continue
		}
		v := s.effectiveEnv(mainContainer(d, se.Component))[se.Name]
		want := "secretKeyRef " + se.Secret + "/" + se.Key
		switch {
		case !v.set:
			f.add("Deployment %s does not set %s (want %s)", d.Name, se.Name, want)
		case v.secretRef == nil:
			f.add("Deployment %s sets %s %s (want %s)", d.Name, se.Name, credentialSource(v), want)
		case v.secretRef.Name != se.Secret || v.secretRef.Key != se.Key:
			f.add("Deployment %s takes %s from %s (want %s)", d.Name, se.Name, v.from, want)
		}
		reported[d.Name+"/"+se.Name] = true
	}
	for _, d := range s.deploymentsSorted() {
		for _, c := range allContainers(&d.Spec.Template.Spec) {
			envs := s.effectiveEnv(c)
			for _, name := range slices.Sorted(maps.Keys(envs)) {
				v := envs[name]
				if reported[d.Name+"/"+name] || !credentialName.MatchString(name) || v.secretRef != nil || v.readable && v.value == "" {
					continue
				}
				f.add("%s sets %s %s (want secretKeyRef)", workload(d, c), name, credentialSource(v))
			}
		}
	}
	return f
}

// credentialSource says where a credential comes from without showing it.
func credentialSource(v envVar) string {
	if v.from == "" {
		return "as a literal value"
	}
	return "from " + v.from
}

// leakedCredentialFindings looks for the generated credentials in every ConfigMap and every
// literal environment value of the platform.
func (s *Snapshot) leakedCredentialFindings(values map[string]string) findings {
	var f findings
	if len(values) == 0 {
		return f
	}
	leaked := func(text string) string {
		for _, key := range slices.Sorted(maps.Keys(values)) {
			if strings.Contains(text, values[key]) {
				return key
			}
		}
		return ""
	}
	cms := slices.Clone(s.ConfigMaps)
	slices.SortFunc(cms, func(a, b corev1.ConfigMap) int { return strings.Compare(a.Name, b.Name) })
	for _, cm := range cms {
		for _, k := range slices.Sorted(maps.Keys(cm.Data)) {
			if key := leaked(cm.Data[k]); key != "" {
				f.add("ConfigMap %s key %s contains the credential %s", cm.Name, k, key)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(cm.BinaryData)) {
			if key := leaked(string(cm.BinaryData[k])); key != "" {
				f.add("ConfigMap %s key %s contains the credential %s", cm.Name, k, key)
			}
		}
	}
	for _, d := range s.deploymentsSorted() {
		for _, c := range allContainers(&d.Spec.Template.Spec) {
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					if key := leaked(e.Value); key != "" {
						f.add("%s sets %s to the credential %s as a literal value", workload(d, c), e.Name, key)
					}
				}
			}
		}
	}
	return f
}

// Ports of the internal HTTP servers that the images bind to every interface unless told
// otherwise: the videobridge's private server and jicofo's REST API.
var (
	jvbPrivateHTTP = port{number: 8080, protocol: corev1.ProtocolTCP}
	jicofoREST     = port{number: 8888, protocol: corev1.ProtocolTCP}
)

// internalEndpoint is a component's pods (by their labels) and the ports ACC-4 judges on them;
// media is the bridge's own media port, open to every client.
type internalEndpoint struct {
	component settings.Component
	labels    map[string]string
	ports     []port
	media     port
}

// internalEndpoints are prosody, jicofo and every videobridge, each bridge with its own pods and
// media port.
func (s *Snapshot) internalEndpoints() []internalEndpoint {
	out := []internalEndpoint{
		{component: settings.Prosody, labels: s.podLabels(settings.Prosody), ports: s.componentPorts(settings.Prosody,
			port{settings.PortC2S, settings.ProsodyC2SPort, corev1.ProtocolTCP}, port{settings.PortHTTP, settings.ProsodyHTTPPort, corev1.ProtocolTCP})},
		{component: settings.Jicofo, labels: s.podLabels(settings.Jicofo), ports: s.componentPorts(settings.Jicofo, jicofoREST)},
	}
	for _, b := range settings.Bridges(s.Platform) {
		e := internalEndpoint{component: settings.JVB, labels: settings.BridgeSelectorLabels(s.Platform, b),
			ports: []port{jvbPrivateHTTP}, media: port{settings.PortMedia, b.Port, corev1.ProtocolUDP}}
		if d := s.deploymentNamed(b.Name); d != nil {
			e.ports = withPorts(containerPorts(mainContainer(d, settings.JVB)), jvbPrivateHTTP)
			if len(d.Spec.Template.Labels) > 0 {
				e.labels = d.Spec.Template.Labels
			}
		}
		out = append(out, e)
	}
	return out
}

// ACC-4: internal endpoints accept only the platform's own components.
func checkInternalEndpoints(s *Snapshot) (resultValue, string) {
	f := s.settingFindings(settings.ACC4)
	only := func(want ...settings.Component) func(peer) bool {
		return func(p peer) bool {
			if p.outside != "" || p.namespace != "" || !p.platform || p.components == nil {
				return false
			}
			for _, c := range p.components {
				if !slices.Contains(want, settings.Component(c)) {
					return false
				}
			}
			return true
		}
	}
	platformOnly := func(p peer) bool { return p.outside == "" && p.namespace == "" && p.platform }

	for _, e := range s.internalEndpoints() {
		labels, what := e.labels, "the "+string(e.component)+" pods"
		for _, p := range e.ports {
			if e.component == settings.JVB && p.number == e.media.number && p.protocol == e.media.protocol {
				continue // media from every client is the bridge's purpose
			}
			// Prosody's two ports must be open to exactly their clients; everything else stays
			// closed or open to the platform only.
			allowed, want, required := platformOnly, "only the platform's pods", false
			switch {
			case e.component == settings.Prosody && p.number == settings.ProsodyC2SPort:
				allowed, want, required = only(settings.Jicofo, settings.JVB), "only jicofo and jvb", true
			case e.component == settings.Prosody && p.number == settings.ProsodyHTTPPort:
				allowed, want, required = only(settings.Web), "only web", true
			}
			f.addAll(s.ingressFindings(labels, p, what, allowed, want, required))
			for _, x := range s.exposures(labels, p) {
				f.add("%s outside the cluster (want no Service beyond ClusterIP)", x)
			}
		}
	}
	return f.result("prosody accepts XMPP only from jicofo and jvb and BOSH/websocket only from web; the bridge's and jicofo's HTTP servers are closed to everything outside the platform")
}
