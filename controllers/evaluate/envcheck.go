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
	"slices"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// envFindings checks the environment tables of controllers/settings for one control: every
// enforced variable of the control must be present on its component with exactly the safe
// value, and no container of any platform workload may carry a variable the control forbids.
// The table, not this function, decides which control a variable belongs to. Variables in
// semantic are judged by the control itself instead of by exact value.
func (s *Snapshot) envFindings(control settings.ControlID, semantic ...string) findings {
	var f findings
	// The optional components have table entries only when the spec configures them.
	for _, c := range settings.AllComponents() {
		var wanted []settings.Env
		for _, e := range s.envFor(c) {
			if e.Control == control && !slices.Contains(semantic, e.Name) {
				wanted = append(wanted, e)
			}
		}
		if len(wanted) == 0 {
			continue
		}
		for _, name := range settings.DeploymentNames(s.Platform, c) {
			f.addAll(s.wantedEnvFindings(name, c, wanted))
		}
	}
	f.addAll(s.forbiddenFindings(control))
	return f
}

// wantedEnvFindings checks one Deployment of a component for the wanted variables.
func (s *Snapshot) wantedEnvFindings(name string, c settings.Component, wanted []settings.Env) findings {
	var f findings
	d := s.deploymentNamed(name)
	if d == nil {
		f.add("Deployment %s does not exist", name)
		return f
	}
	envs := s.effectiveEnv(mainContainer(d, c))
	for _, e := range wanted {
		v := envs[e.Name]
		if value, ok := v.literal(); ok && value == e.Value {
			continue
		}
		if !v.set {
			f.add("Deployment %s does not set %s (want %q)", d.Name, e.Name, e.Value)
			continue
		}
		f.add("Deployment %s sets %s=%s (want %q)", d.Name, e.Name, v.describe(), e.Value)
	}
	return f
}

// forbiddenFindings lists the forbidden variables of one control found on any container of any
// platform workload. Their values are never shown: several are credentials.
func (s *Snapshot) forbiddenFindings(control settings.ControlID) findings {
	if s.memo == nil {
		return s.forbiddenByControl()[control]
	}
	if s.memo.forbidden == nil {
		s.memo.forbidden = s.forbiddenByControl()
	}
	return s.memo.forbidden[control]
}

// forbiddenByControl walks every variable of every container once and files each forbidden
// one under the control the table's first matching rule names.
func (s *Snapshot) forbiddenByControl() map[settings.ControlID]findings {
	out := map[settings.ControlID]findings{}
	for _, d := range s.deploymentsSorted() {
		component, own := s.isOperatorComponent(d)
		for _, c := range allContainers(&d.Spec.Template.Spec) {
			for _, name := range slices.Sorted(maps.Keys(s.effectiveEnv(c))) {
				// A forbidden name the tables declare on this component (TOKEN_AUTH_URL of an
				// OIDC platform) is the operator's: the table's control judges its value. So are
				// the TURN variables the operator writes on prosody and coturn, judged by their
				// own checks (TEL-3, ACC-5); anywhere else they stay forbidden.
				_, declared := settings.DeclaredEnv(s.Platform, component, name)
				if own && c == mainContainer(d, component) && (declared || settings.IsTURNAnnouncement(s.Platform, component, name)) {
					continue
				}
				if r, ok := settings.Forbidden(name); ok {
					f := out[r.Control]
					f.add("%s sets %s, which is forbidden (%s)", workload(d, c), name, r.Why)
					out[r.Control] = f
				}
			}
		}
	}
	return out
}

// envFor is settings.EnvFor of the snapshot's platform, expanded once per evaluation.
func (s *Snapshot) envFor(c settings.Component) []settings.Env {
	if s.memo == nil {
		return settings.EnvFor(s.Platform, c)
	}
	env, ok := s.memo.env[c]
	if !ok {
		env = settings.EnvFor(s.Platform, c)
		s.memo.env[c] = env
	}
	return env
}

// settingFindings checks everything the settings tables declare for one control: the
// environment of the components and the files the operator writes into them.
func (s *Snapshot) settingFindings(control settings.ControlID, semantic ...string) findings {
	f := s.envFindings(control, semantic...)
	f.addAll(s.fileFindings(control))
	return f
}

// settingsCheck is a Check made of the settings tables alone.
func settingsCheck(control settings.ControlID, ok string) func(*Snapshot) (resultValue, string) {
	return func(s *Snapshot) (resultValue, string) {
		return s.settingFindings(control).result(ok)
	}
}
