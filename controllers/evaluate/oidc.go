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
	"maps"
	"net/url"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/tokenbridge"
)

// ACC-6: the live token bridge does what spec.access.oidc says, and no more: it talks to the
// spec's issuer over https, issues tokens no longer-lived than the bound, reads only the
// claims the spec configures, runs the bridge binary, and only the TLS terminator reaches it;
// the web client sends users to it.
func checkTokenBridge(s *Snapshot) (resultValue, string) {
	mp := s.Platform
	if !settings.UsesTokenBridge(mp) {
		return pass("not applicable (spec.access.authentication is %s)", mp.Spec.Access.Authentication)
	}
	// The judgements of what the live bridge would do come first: an http issuer or a long
	// lifetime says more than the difference from the spec, which follows.
	var f findings
	if d := s.deployment(settings.TokenBridge); d != nil {
		c := mainContainer(d, settings.TokenBridge)
		env := s.effectiveEnv(c)
		f.addAll(issuerFindings(d.Name, env[tokenbridge.EnvIssuerURL]))
		f.addAll(lifetimeFindings(d.Name, env[tokenbridge.EnvTokenLifetime]))
		f.addAll(s.undeclaredBridgeEnv(d.Name, env))
		if c != nil && (!slices.Equal(c.Command, settings.TokenBridgeCommand) || len(c.Args) > 0) {
			f.add("Deployment %s runs %q %q (want %q and no arguments)", d.Name, c.Command, c.Args, settings.TokenBridgeCommand)
		}
	}
	f.addAll(s.settingFindings(settings.ACC6))
	f.addAll(s.tokenBridgeReach())
	return f.result("the token bridge logs users in at " + mp.Spec.Access.OIDC.IssuerURL + " over https, issues room tokens for " +
		settings.OIDCTokenLifetime(mp.Spec.Access.OIDC).String() + " with the display name" + groupsNote(s) +
		" only, is reached only through " + settings.TLSTerminator(mp) + ", and the web client sends users to it")
}

func groupsNote(s *Snapshot) string {
	if len(s.Platform.Spec.Access.OIDC.ModeratorGroups) > 0 {
		return " and the moderator flag"
	}
	return ""
}

// issuerFindings: the live issuer must be https, whatever the table says; an http issuer
// would let anyone on the path answer the discovery and sign logins.
func issuerFindings(deployment string, v envVar) findings {
	var f findings
	value, ok := v.literal()
	if !ok {
		return f // the table's finding names it
	}
	if u, err := url.Parse(value); err != nil || u.Scheme != "https" || u.Host == "" {
		f.add("Deployment %s talks to the issuer %q, which is not an https:// URL", deployment, value)
	}
	return f
}

// lifetimeFindings: the live token lifetime must lie within the bound.
func lifetimeFindings(deployment string, v envVar) findings {
	var f findings
	value, ok := v.literal()
	if !ok {
		return f
	}
	if d, err := time.ParseDuration(value); err != nil || d <= 0 || d > settings.MaxOIDCTokenLifetime {
		f.add("Deployment %s issues room tokens valid for %q (want a duration of at most %s)", deployment, value, settings.MaxOIDCTokenLifetime)
	}
	return f
}

// undeclaredBridgeEnv lists the variables of the bridge that neither the tables nor its
// credentials declare: a groups claim read although no groups are configured, for example,
// would take more from the identity provider than the record says.
func (s *Snapshot) undeclaredBridgeEnv(deployment string, env map[string]envVar) findings {
	var f findings
	secrets := map[string]bool{}
	for _, se := range settings.SecretEnvs(s.Platform) {
		if se.Component == settings.TokenBridge {
			secrets[se.Name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(env)) {
		if _, declared := settings.DeclaredEnv(s.Platform, settings.TokenBridge, name); declared || secrets[name] {
			continue
		}
		f.add("Deployment %s sets %s, which spec.access.oidc does not configure", deployment, name)
	}
	return f
}

// tokenBridgeReach: only the TLS terminator reaches the bridge's port, and no Service
// exposes it outside the cluster.
func (s *Snapshot) tokenBridgeReach() findings {
	var f findings
	namespace, podLabels := settings.TerminatorSource(s.Platform)
	source := "only namespace " + namespace
	if len(podLabels) > 0 {
		source += " pods " + labels.Set(podLabels).String()
	}
	fromTerminator := func(p peer) bool { return p.namespace == namespace && pinsAll(p.pods, podLabels) }
	bridge := s.podLabels(settings.TokenBridge)
	http := port{settings.PortHTTP, settings.TokenBridgePort, corev1.ProtocolTCP}
	f.addAll(s.ingressFindings(bridge, http, "the token bridge pods", fromTerminator, source, true))
	for _, e := range s.exposures(bridge, http) {
		f.add("%s outside the cluster (want ClusterIP behind %s)", e, settings.TLSTerminator(s.Platform))
	}
	return f
}
