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
	"path"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// recorders are the Jitsi services that record, stream or transcribe.
var recorders = []string{"jibri", "jigasi"}

// recorderIn says which recorder a pod spec or its labels run ("jibri"), or "".
func recorderIn(spec *corev1.PodSpec, labels ...map[string]string) string {
	for _, l := range labels {
		if c := strings.ToLower(l[settings.LabelComponent]); slices.Contains(recorders, c) {
			return fmt.Sprintf("a %s workload (label %s=%s)", c, settings.LabelComponent, l[settings.LabelComponent])
		}
	}
	for _, c := range allContainers(spec) {
		repo := c.Image
		if i := strings.IndexAny(repo, "@"); i >= 0 {
			repo = repo[:i]
		}
		if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
			repo = repo[:i]
		}
		for _, r := range recorders {
			if strings.Contains(strings.ToLower(path.Base(repo)), r) {
				return fmt.Sprintf("a %s container (image %s)", r, c.Image)
			}
		}
	}
	return ""
}

// REC-1: no recorder or transcriber runs, and no component holds their credentials.
func checkNoRecorder(s *Snapshot) (resultValue, string) {
	f := s.settingFindings(settings.REC1)
	var flagged []string
	for _, d := range s.deploymentsSorted() {
		if what := recorderIn(&d.Spec.Template.Spec, d.Labels, d.Spec.Template.Labels); what != "" {
			f.add("Deployment %s runs %s", d.Name, what)
			flagged = append(flagged, d.Name+"-")
		}
	}
	for _, p := range s.runningPods() {
		if slices.ContainsFunc(flagged, func(prefix string) bool { return strings.HasPrefix(p.Name, prefix) }) {
			continue // already named through its Deployment
		}
		if what := recorderIn(&p.Spec, p.Labels); what != "" {
			f.add("pod %s runs %s", p.Name, what)
		}
	}
	secrets := slices.Clone(s.Secrets)
	slices.SortFunc(secrets, func(a, b corev1.Secret) int { return strings.Compare(a.Name, b.Name) })
	for _, sec := range secrets {
		for _, key := range slices.Sorted(maps.Keys(sec.Data)) {
			if k := strings.ToUpper(key); strings.HasPrefix(k, "JIBRI_") || strings.HasPrefix(k, "JIGASI_") {
				f.add("Secret %s holds the recorder credential %s", sec.Name, key)
			}
		}
	}
	return f.result("no jibri or jigasi workload runs and no component holds a JIBRI_* or JIGASI_* credential")
}

// breweryVariable matches jicofo variables that give it a recorder, SIP or transcriber pool.
var breweryVariable = regexp.MustCompile(`^(JIBRI_.*BREWERY.*|JIGASI_.*BREWERY.*|JIGASI_SIP_URI)$`)

// REC-2: recording, streaming, transcription and translation are off in every signalling
// component, and jicofo has no recorder or transcriber brewery.
func checkRecordingOff(s *Snapshot) (resultValue, string) {
	f := s.settingFindings(settings.REC2)
	if d := s.deployment(settings.Jicofo); d != nil {
		envs := s.effectiveEnv(mainContainer(d, settings.Jicofo))
		for _, name := range slices.Sorted(maps.Keys(envs)) {
			if breweryVariable.MatchString(name) {
				f.add("Deployment %s sets %s: jicofo gets a recorder or transcriber brewery", d.Name, name)
			}
		}
	}
	return f.result("recording, live streaming, transcription and translation are off in web, prosody and jicofo, and jicofo has no recorder brewery")
}
