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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// This file judges the TURN relay (ACC-5) on the live objects: the configuration coturn reads
// (the ConfigMap the live Deployment mounts at its configuration path, and the live command
// line), and what prosody tells clients about it.

// turnOption is one option coturn was given, in a line of its file or on its command line.
type turnOption struct {
	name, value string
	// where names its source for messages: "ConfigMap x turnserver.conf", "the command line".
	where string
}

// turnFalse are the values coturn reads as false (examples/etc/turnserver.conf L3-6); any other
// value, or none, sets a flag.
var turnFalse = []string{"0", "off", "no", "false", "f"}

func (o turnOption) on() bool { return !slices.Contains(turnFalse, strings.ToLower(o.value)) }

// parseTURNFile reads turnserver.conf as coturn 4.17.1 does (src/apps/relay/mainrelay.c,
// read_config_file and parse_arg_string): leading blanks skipped, "#" lines ignored, the name
// ends at the first space, tab or "=", the value starts after the run of them, and one pair of
// double quotes around it is dropped. A name is compared as written: "--no-cli" names no
// option, and coturn ignores that line ("Bad configuration format"), so it sets nothing here.
func parseTURNFile(content, where string) []turnOption {
	var out []turnOption
	for _, l := range strings.Split(content, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, value := l, ""
		if i := strings.IndexAny(l, " \t="); i >= 0 {
			name, value = l[:i], strings.TrimLeft(l[i:], " \t=")
		}
		if strings.HasPrefix(value, `"`) {
			value = strings.TrimSuffix(strings.TrimPrefix(value, `"`), `"`)
		}
		out = append(out, turnOption{name, value, where})
	}
	return out
}

// commandLine is what the live container runs coturn with.
type commandLine struct {
	options []turnOption
	// config is the file of -c, "" when none is named; unknown lists arguments that cannot be
	// judged (short options other than -c, stray words).
	config  string
	unknown []string
}

func parseTURNArgs(args []string) commandLine {
	var cl commandLine
	const where = "the command line"
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-c" && i+1 < len(args):
			cl.config = args[i+1]
			i++
		case strings.HasPrefix(a, "--"):
			name, value, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			cl.options = append(cl.options, turnOption{name, value, where})
		default:
			cl.unknown = append(cl.unknown, a)
		}
	}
	return cl
}

// ACC-5: the relay hands out only time-limited credentials and reaches only the bridges.
func checkTURN(s *Snapshot) (resultValue, string) {
	mp := s.Platform
	var v verdict
	v.failed.addAll(s.settingFindings(settings.ACC5))
	v.failed.addAll(s.turnCredentialFindings())
	if e := settings.ExternalTURN(mp); e != nil {
		v.warned.add("the declared TURN server %s (jurisdiction %s) is run outside the platform: its relay restrictions cannot be verified", e.Host, e.Jurisdiction)
		return v.result("")
	}
	if settings.OwnTURN(mp) == nil {
		return v.result("the platform announces no TURN relay")
	}
	v.failed.addAll(s.ownTURNFindings())
	peers := settings.TURNPeers(mp, s.Media)
	if len(peers) == 0 {
		v.warned.add("the relay forwards to no address: no public address of a videobridge is known yet (set spec.media.advertiseAddresses, or wait for the load balancer's or the nodes' address), so clients behind firewalls get no media")
	}
	return v.result("coturn hands out only time-limited credentials (use-auth-secret), relays only to " +
		strings.Join(peers, ", ") + " with every private, loopback, link-local, CGNAT and cluster range denied, and has no CLI")
}

// turnCredentialFindings: prosody signs TURN credentials with the shared secret, from the
// Secret the spec says, and sends no static TURN user or password.
func (s *Snapshot) turnCredentialFindings() findings {
	var f findings
	d := s.deployment(settings.Prosody)
	if d == nil {
		return f // the controls of prosody's settings report it missing
	}
	env := s.effectiveEnv(mainContainer(d, settings.Prosody))
	for _, name := range settings.TURNStaticCredentialVariables {
		if env[name].set {
			f.add("Deployment %s sets %s: every client would get the same TURN password, which never expires", d.Name, name)
		}
	}
	for _, se := range settings.SecretEnvs(s.Platform) {
		if se.Component != settings.Prosody || se.Name != settings.TURNSecretKey {
			continue
		}
		got := env[se.Name]
		if got.secretRef == nil || got.secretRef.Name != se.Secret || got.secretRef.Key != se.Key {
			f.add("Deployment %s takes %s %s (want secretKeyRef %s/%s): clients would get no time-limited credentials of the relay",
				d.Name, se.Name, got.describe(), se.Secret, se.Key)
		}
	}
	return f
}

// ownTURNFindings judges the live coturn Deployment: its command line and the file it reads.
func (s *Snapshot) ownTURNFindings() findings {
	var f findings
	d := s.deployment(settings.TURN)
	if d == nil {
		f.add("Deployment %s does not exist", settings.Name(s.Platform, string(settings.TURN)))
		return f
	}
	ctr := mainContainer(d, settings.TURN)
	if ctr == nil {
		f.add("Deployment %s has no container", d.Name)
		return f
	}
	if len(ctr.Command) == 0 || ctr.Command[0] != settings.TURNBinary {
		f.add("%s runs %q instead of %s, so its options cannot be judged", workload(d, ctr), strings.Join(ctr.Command, " "), settings.TURNBinary)
		return f
	}
	cl := parseTURNArgs(slices.Concat(ctr.Command[1:], ctr.Args))
	for _, a := range cl.unknown {
		f.add("%s runs coturn with the argument %q, which cannot be judged (want -c %s and long options)", workload(d, ctr), a, settings.TURNConfigPath)
	}
	if cl.config != settings.TURNConfigPath {
		f.add("%s runs coturn with -c %q (want %s, the operator's configuration)", workload(d, ctr), cl.config, settings.TURNConfigPath)
	}
	live, problem := s.fileAt(d, ctr, settings.TURNConfigPath)
	if problem != "" {
		f.add("%s (want the operator's %s there)", problem, settings.TURNConfigKey)
		return f
	}
	options := slices.Concat(parseTURNFile(live.content, live.where), cl.options)
	f.addAll(turnOptionFindings(s.Platform, s.Media, d.Name, options))
	f.addAll(s.turnSecretFindings(d, ctr, cl))
	return f
}

// turnOptionFindings judges coturn's effective options.
func turnOptionFindings(mp *v1alpha1.MeetingPlatform, media settings.MediaInputs, deployment string, options []turnOption) findings {
	var f findings
	set := func(name string) bool {
		return slices.ContainsFunc(options, func(o turnOption) bool { return o.name == name && o.on() })
	}
	for _, name := range []string{settings.TURNOptionAuthSecret, settings.TURNOptionNoCLI, "no-multicast-peers"} {
		if !set(name) {
			f.add("coturn of Deployment %s runs without %s", deployment, name)
		}
	}
	denied := map[string]bool{}
	for _, o := range options {
		switch {
		case o.name == settings.TURNOptionDeniedPeer:
			denied[o.value] = true
		case o.name == settings.TURNOptionAllowedPeer && !slices.Contains(settings.TURNPeers(mp, media), o.value):
			f.add("%s allows relaying to %s, which is not an address of the platform's videobridge", o.where, o.value)
		case o.name == "static-auth-secret" && o.where != "the command line":
			f.add("%s holds the shared secret (static-auth-secret): a ConfigMap is readable by more than the relay", o.where)
		}
		if i := slices.IndexFunc(settings.ForbiddenTURNOptions, func(x settings.ForbiddenTURNOption) bool { return x.Name == o.name }); i >= 0 && o.on() {
			f.add("%s sets %s: %s", o.where, o.name, settings.ForbiddenTURNOptions[i].Why)
		}
	}
	for _, r := range settings.TURNDeniedPeers {
		if !denied[r.String()] {
			f.add("coturn of Deployment %s does not deny relaying to %s (%s)", deployment, r.String(), r.Why)
		}
	}
	return f
}

// turnSecretFindings: the shared secret reaches coturn only from the credentials Secret.
func (s *Snapshot) turnSecretFindings(d *appsv1.Deployment, ctr *corev1.Container, cl commandLine) findings {
	var f findings
	secrets := slices.DeleteFunc(slices.Clone(cl.options), func(o turnOption) bool { return o.name != "static-auth-secret" })
	if len(secrets) != 1 || "--static-auth-secret="+secrets[0].value != settings.TURNSecretArg {
		f.add("Deployment %s does not pass the shared secret as %s (from the credentials Secret) alone", d.Name, settings.TURNSecretArg)
	}
	v := s.effectiveEnv(ctr)[settings.TURNSecretKey]
	want := settings.CredentialsSecretName(s.Platform)
	if v.secretRef == nil || v.secretRef.Name != want || v.secretRef.Key != settings.TURNSecretKey {
		f.add("Deployment %s takes %s %s (want secretKeyRef %s/%s)", d.Name, settings.TURNSecretKey, v.describe(), want, settings.TURNSecretKey)
	}
	return f
}

// turnHostFindings (TEL-3): prosody announces only the own or the declared TURN server.
func (s *Snapshot) turnHostFindings() findings {
	var f findings
	d := s.deployment(settings.Prosody)
	if d == nil {
		return f
	}
	own := settings.TURNHosts(s.Platform)
	env := s.effectiveEnv(mainContainer(d, settings.Prosody))
	for _, name := range []string{settings.TURNHostVariable, settings.TURNSHostVariable} {
		v := env[name]
		value, readable := v.literal()
		switch {
		case v.set && !readable:
			f.add("Deployment %s sets %s %s, which cannot be checked", d.Name, name, v.describe())
		case readable:
			for _, host := range splitList(value) {
				if !slices.Contains(own, host) {
					f.add("Deployment %s announces TURN server %q, which spec.turn does not name", d.Name, host)
				}
			}
		}
	}
	return f
}
