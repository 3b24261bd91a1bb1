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
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// turnPlatform: its own coturn server on turn.example.eu behind a load balancer.
func turnPlatform() *v1alpha1.MeetingPlatform { return stored(fixtures.OwnTURN()) }

// threeBridgesTURNPlatform: three bridges on node ports, each on its own port, and an own relay
// that must reach every one of them.
func threeBridgesTURNPlatform() *v1alpha1.MeetingPlatform {
	mp := fixtures.OwnTURN()
	mp.Spec.Components.JVB.Replicas = 3
	return stored(mp)
}

// externalTURNPlatform: a TURN server the organisation runs, declared in the EU.
func externalTURNPlatform() *v1alpha1.MeetingPlatform { return stored(fixtures.ExternalTURN()) }

// passingTURN is the passing snapshot of turnPlatform; specs runs every pass test on it too.
func passingTURN(t testing.TB) *Snapshot { return passing(t, ownTURNSpec, turnPlatform) }

const ownTURNSpec = "own TURN server on its own host name, certificate from cert-manager, load balancer"

// editTURNArgs rewrites the live coturn container's arguments.
func editTURNArgs(edit func([]string) []string) func(*Snapshot) {
	return editDeployment(settings.TURN, func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		c.Args = edit(slices.Clone(c.Args))
	})
}

var turnTampering = []tamperCase{
	{name: "allow-loopback-peers in the live coturn configuration fails ACC-5", control: "ACC-5",
		mentions: []string{"ConfigMap talk-turn-config turnserver.conf", "allow-loopback-peers"},
		mutate:   editFile(settings.TURN, settings.TURNConfigKey, appendLine("allow-loopback-peers"))},
	{name: "server-relay on coturn's command line fails ACC-5", control: "ACC-5",
		mentions: []string{"the command line", "server-relay"},
		mutate:   editTURNArgs(func(a []string) []string { return append(a, "--server-relay") })},
	{name: "a static user fails ACC-5", control: "ACC-5", mentions: []string{"turnserver.conf", "user", "never expires"},
		mutate: editFile(settings.TURN, settings.TURNConfigKey, appendLine("user=alice:secret"))},
	{name: "a removed denied range fails ACC-5", control: "ACC-5", mentions: []string{"Deployment talk-turn", "10.0.0.0-10.255.255.255"},
		mutate: editFile(settings.TURN, settings.TURNConfigKey, replaceLine("denied-peer-ip=10.0.0.0-10.255.255.255\n", ""))},
	{name: "a denied range in CIDR notation fails ACC-5", control: "ACC-5", mentions: []string{"does not deny", "172.16.0.0-172.31.255.255"},
		mutate: editFile(settings.TURN, settings.TURNConfigKey, replaceLine("denied-peer-ip=172.16.0.0-172.31.255.255", "denied-peer-ip=172.16.0.0/12"))},
	{name: "an allowed peer that is not a bridge fails ACC-5", control: "ACC-5", mentions: []string{"allows relaying to 10.0.0.5"},
		mutate: editFile(settings.TURN, settings.TURNConfigKey, appendLine("allowed-peer-ip=10.0.0.5"))},
	{name: "use-auth-secret switched off fails ACC-5", control: "ACC-5", mentions: []string{"without use-auth-secret"},
		mutate: editFile(settings.TURN, settings.TURNConfigKey, replaceLine("\nuse-auth-secret\n", "\nuse-auth-secret=0\n"))},
	{name: "a CLI fails ACC-5", control: "ACC-5", mentions: []string{"without no-cli", "cli"},
		mutate: editFile(settings.TURN, settings.TURNConfigKey, replaceLine("\nno-cli\n", "\ncli\n"))},
	{name: "a flag spelled as on the command line, which coturn's file parser ignores, fails ACC-5", control: "ACC-5", mentions: []string{"without no-cli"},
		mutate: editFile(settings.TURN, settings.TURNConfigKey, replaceLine("\nno-cli\n", "\n--no-cli\n"))},
	{name: "another configuration file fails ACC-5", control: "ACC-5", mentions: []string{"-c \"/tmp/open.conf\""},
		mutate: editTURNArgs(func(a []string) []string { a[1] = "/tmp/open.conf"; return a })},
	{name: "the shared secret as a literal argument fails ACC-5", control: "ACC-5", mentions: []string{"does not pass the shared secret"},
		mutate: editTURNArgs(func(a []string) []string { a[2] = "--static-auth-secret=guessable"; return a })},
	{name: "a ConfigMap no longer mounted at the configuration path fails ACC-5", control: "ACC-5", mentions: []string{"does not mount /etc/coturn/turnserver.conf"},
		mutate: editDeployment(settings.TURN, func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.VolumeMounts = slices.DeleteFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == settings.TURNConfigPath })
		})},
	{name: "prosody's shared secret from another Secret fails ACC-5", control: "ACC-5", mentions: []string{"Deployment talk-prosody", "TURN_CREDENTIALS", "time-limited"},
		mutate: setEnv(settings.TURNSecretKey, "not-a-secret-ref", prosody)},
	{name: "a longer credential lifetime fails ACC-5", control: "ACC-5", mentions: []string{"TURN_TTL"},
		mutate: setEnv("TURN_TTL", "31536000", prosody)},
	{name: "a TURN host prosody announces that spec.turn does not name fails TEL-3", control: "TEL-3", mentions: []string{"Deployment talk-prosody", `TURN server "turn.elsewhere.com"`},
		mutate: setEnv(settings.TURNSHostVariable, "turn.example.eu,turn.elsewhere.com", prosody)},
	{name: "a TURN variable on another component fails TEL-3", control: "TEL-3", mentions: []string{"Deployment talk-web", "TURN_HOST"},
		mutate: setEnv(settings.TURNHostVariable, "turn.example.eu", web)},
	{name: "coturn's egress to a private range fails TEL-4", control: "TEL-4", mentions: []string{"NetworkPolicy talk-turn", "10.0.0.0/8"},
		mutate: editPolicy("talk-turn", func(p *networkingv1.NetworkPolicy) {
			p.Spec.Egress[1].To[0].IPBlock.CIDR = "10.0.0.0/8"
			p.Spec.Egress[1].Ports = nil
		})},
}

func TestTURNTamperingIsCaught(t *testing.T) {
	for _, tc := range turnTampering {
		t.Run(tc.name, func(t *testing.T) { assertCaught(t, passingTURN(t), tc) })
	}
}

func TestADeclaredTURNServerWarnsThatItsRelayCannotBeVerified(t *testing.T) {
	s := passing(t, "external turn", externalTURNPlatform)
	for _, r := range Evaluate(s) {
		want := v1alpha1.ResultPass
		if r.ID == string(settings.ACC5) {
			want = v1alpha1.ResultWarn
			for _, m := range []string{"turn.example.eu", "jurisdiction EU", "cannot be verified"} {
				if !strings.Contains(r.Message, m) {
					t.Errorf("ACC-5 message %q does not mention %q", r.Message, m)
				}
			}
		}
		if r.Result != want {
			t.Errorf("%s is %s (want %s): %s", r.ID, r.Result, want, r.Message)
		}
	}
}

func TestTURNOptionsAreReadAsCoturnReadsThem(t *testing.T) {
	got := parseTURNFile("# comment\n  no-cli\nrealm example.eu\nuse-auth-secret = off\n\ndenied-peer-ip\t= \"10.0.0.0-10.255.255.255\"\n--server-relay", "f")
	want := []turnOption{{"no-cli", "", "f"}, {"realm", "example.eu", "f"}, {"use-auth-secret", "off", "f"},
		{"denied-peer-ip", "10.0.0.0-10.255.255.255", "f"}, {"--server-relay", "", "f"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got[2].on() || !got[0].on() {
		t.Errorf("use-auth-secret=off must read as off, a bare flag as on")
	}
	cl := parseTURNArgs([]string{"-c", "/etc/x.conf", "--server-relay", "-a"})
	if cl.config != "/etc/x.conf" || len(cl.options) != 1 || cl.options[0].name != "server-relay" || !slices.Equal(cl.unknown, []string{"-a"}) {
		t.Errorf("parseTURNArgs: %+v", cl)
	}
}

// With no advertiseAddresses, the relay forwards to the addresses the cluster gives the
// bridges, and ACC-5 judges its allowed peers by those: an allowed address the cluster no
// longer gives a bridge fails, and a relay with no bridge address known warns.
func TestTheRelayFollowsTheDiscoveredBridgeAddresses(t *testing.T) {
	mp := turnPlatform()
	mp.Spec.Media.AdvertiseAddresses = nil
	const nodeIP = "198.51.100.30"
	discovered := settings.MediaInputs{NodeExternalIPs: []string{nodeIP}}

	s := snapshotWith(t, mp, discovered)
	if r := resultOf(Evaluate(s), string(settings.ACC5)); r.Result != v1alpha1.ResultPass || !strings.Contains(r.Message, nodeIP) {
		t.Fatalf("ACC-5 with a discovered node address: %s %q, want Pass naming %s", r.Result, r.Message, nodeIP)
	}

	s.Media = settings.MediaInputs{NodeExternalIPs: []string{"198.51.100.31"}}
	if r := resultOf(Evaluate(s), string(settings.ACC5)); r.Result != v1alpha1.ResultFail || !strings.Contains(r.Message, nodeIP) {
		t.Errorf("ACC-5 when the relay still allows an address no bridge has: %s %q, want Fail naming %s", r.Result, r.Message, nodeIP)
	}

	none := snapshotWith(t, mp, settings.MediaInputs{})
	if r := resultOf(Evaluate(none), string(settings.ACC5)); r.Result != v1alpha1.ResultWarn || !strings.Contains(r.Message, "no public address of a videobridge") {
		t.Errorf("ACC-5 with no bridge address known: %s %q, want Warn saying so", r.Result, r.Message)
	}
}
