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
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// lastAddress is the highest address of a prefix.
func lastAddress(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := range b {
		bits := max(0, min(8, p.Bits()-i*8))
		b[i] |= byte(0xff >> bits)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// turnLines are the option lines of the rendered coturn configuration, comments left out.
func turnLines(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(TURNConfig(settings.Defaulted(ownTURN()), settings.MediaInputs{}), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// catchAll are the lines that deny every other address.
var catchAll = []string{"0.0.0.0-255.255.255.255", "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}

func TestTheTURNConfigurationDeniesEverySpecialRangeAsARange(t *testing.T) {
	lines := turnLines(t)
	// The ranges the relay must never reach, written here as CIDR, as a reader knows them.
	for _, cidr := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4", "::1/128", "fc00::/7", "fe80::/10",
	} {
		p := netip.MustParsePrefix(cidr)
		first, last := p.Masked().Addr(), lastAddress(p)
		// A line other than the catch-all: the special ranges stay denied should the catch-all
		// ever give way to allowed ranges.
		covered := slices.ContainsFunc(lines, func(l string) bool {
			value, ok := strings.CutPrefix(l, settings.TURNOptionDeniedPeer+"=")
			if !ok || slices.Contains(catchAll, value) {
				return false
			}
			from, to, isRange := strings.Cut(value, "-")
			if !isRange {
				to = from
			}
			lo, err1 := netip.ParseAddr(from)
			hi, err2 := netip.ParseAddr(to)
			return err1 == nil && err2 == nil && lo.Compare(first) <= 0 && hi.Compare(last) >= 0
		})
		if !covered {
			t.Errorf("no denied-peer-ip line of its own covers %s (from %s)", cidr, first)
		}
	}
	for _, l := range lines {
		if (strings.HasPrefix(l, settings.TURNOptionDeniedPeer) || strings.HasPrefix(l, settings.TURNOptionAllowedPeer)) && strings.Contains(l, "/") {
			t.Errorf("%q is in CIDR notation, which coturn refuses and aborts on", l)
		}
	}
}

func TestTheTURNRelayIsAllowedOnlyToTheBridgesAndNeedsTimeLimitedCredentials(t *testing.T) {
	lines := turnLines(t)
	var allowed []string
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, settings.TURNOptionAllowedPeer+"="); ok {
			allowed = append(allowed, v)
		}
	}
	if !slices.Equal(allowed, []string{fixtures.PublicAddress}) {
		t.Errorf("allowed peers %v, want only the bridge's advertised address %s", allowed, fixtures.PublicAddress)
	}
	for _, want := range []string{"use-auth-secret", "no-cli", "no-multicast-peers", "no-tcp-relay", "realm=turn.example.eu",
		settings.TURNOptionDeniedPeer + "=" + catchAll[0], settings.TURNOptionDeniedPeer + "=" + catchAll[1]} {
		if !slices.Contains(lines, want) {
			t.Errorf("the configuration lacks %q", want)
		}
	}
	for _, l := range lines {
		name, _, _ := strings.Cut(l, "=")
		if slices.ContainsFunc(settings.ForbiddenTURNOptions, func(f settings.ForbiddenTURNOption) bool { return f.Name == name }) || name == "static-auth-secret" {
			t.Errorf("the configuration sets %q", l)
		}
	}
}

func TestTheCoturnDeploymentIsHardenedLikeTheOtherComponents(t *testing.T) {
	mp := settings.Defaulted(ownTURN())
	objs := mustRender(t, mp)
	turn := find[*appsv1.Deployment](t, objs, settings.Name(mp, string(settings.TURN)))
	jvb := find[*appsv1.Deployment](t, objs, settings.Name(mp, string(settings.JVB)))
	spec := turn.Spec.Template.Spec
	c := spec.Containers[0]
	switch {
	case !*spec.SecurityContext.RunAsNonRoot || *spec.SecurityContext.RunAsUser == 0:
		t.Error("coturn may run as root")
	case !*c.SecurityContext.ReadOnlyRootFilesystem || *c.SecurityContext.AllowPrivilegeEscalation:
		t.Error("coturn has a writable root filesystem or may escalate privileges")
	case !slices.Equal(c.SecurityContext.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
		!slices.Equal(c.SecurityContext.Capabilities.Add, []corev1.Capability{"NET_BIND_SERVICE"}):
		t.Errorf("coturn's capabilities are %+v, want ALL dropped and only NET_BIND_SERVICE", c.SecurityContext.Capabilities)
	case *spec.AutomountServiceAccountToken:
		t.Error("coturn gets a service account token")
	case !reflect.DeepEqual(spec.Affinity, jvb.Spec.Template.Spec.Affinity):
		t.Error("coturn is not placed like the videobridge")
	case c.Resources.Limits.StorageEphemeral().IsZero() || c.Resources.Requests.StorageEphemeral().IsZero():
		t.Error("coturn has no ephemeral-storage request and limit")
	case reflect.DeepEqual(c.LivenessProbe, c.ReadinessProbe):
		t.Error("coturn's liveness and readiness probes are the same")
	}
	for _, p := range c.Ports {
		if p.ContainerPort < 1024 {
			t.Errorf("coturn listens on privileged port %d", p.ContainerPort)
		}
	}
	if !slices.Contains(c.Args, settings.TURNSecretArg) || c.Env[0].ValueFrom.SecretKeyRef.Name != settings.CredentialsSecretName(mp) {
		t.Errorf("coturn's shared secret does not come from the credentials Secret: args %v env %+v", c.Args, c.Env)
	}
}

func TestWithoutAnOwnRelayNothingOfCoturnIsRendered(t *testing.T) {
	for name, mp := range map[string]func() *v1alpha1.MeetingPlatform{"no turn": minimal, "external turn": fixtures.ExternalTURN} {
		for _, o := range mustRender(t, settings.Defaulted(mp())) {
			if o.GetLabels()[settings.LabelComponent] == string(settings.TURN) {
				t.Errorf("%s: %T %s is rendered", name, o, o.GetName())
			}
		}
	}
	mp := settings.Defaulted(fixtures.ExternalTURN())
	env := envOf(t, mustRender(t, mp), mp, settings.Prosody)
	if env[settings.TURNSHostVariable] != "turn.example.eu" || env["TURNS_PORT"] != "443" {
		t.Errorf("prosody does not announce the declared TURNS server: %v", env)
	}
}
