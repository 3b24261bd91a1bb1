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
	"path"
	"regexp"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// This file checks the files the operator writes into the containers (custom-config.js,
// custom-jvb.conf, logging.properties, the nginx includes, ...). The evaluator reads each one
// where the image reads it: it follows the live Deployment's volume mount at the path to the
// volume, and the volume to the ConfigMap, and judges that ConfigMap's content. A ConfigMap the
// pods do not mount enforces nothing.

// liveFile is a file as a container sees it.
type liveFile struct {
	// where names the file for messages: "ConfigMap meet-web-config custom-config.js".
	where   string
	content string
}

// fileAt resolves the file at path in a container of a pod template. problem says why the
// file cannot be read when ok is false.
func (s *Snapshot) fileAt(d *appsv1.Deployment, c *corev1.Container, file string) (f liveFile, problem string) {
	if c == nil {
		return f, fmt.Sprintf("Deployment %s has no container to read %s in", d.Name, file)
	}
	m := mountFor(c, file)
	if m == nil {
		return f, fmt.Sprintf("Deployment %s does not mount %s", d.Name, file)
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(file, m.MountPath), "/")
	if m.SubPath != "" {
		rel = path.Join(m.SubPath, rel)
	}
	var vol *corev1.Volume
	for i := range d.Spec.Template.Spec.Volumes {
		if d.Spec.Template.Spec.Volumes[i].Name == m.Name {
			vol = &d.Spec.Template.Spec.Volumes[i]
		}
	}
	if vol == nil || vol.ConfigMap == nil {
		return f, fmt.Sprintf("Deployment %s mounts %s from %s, not from a ConfigMap", d.Name, file, describeVolume(vol))
	}
	key := rel
	if len(vol.ConfigMap.Items) > 0 {
		key = ""
		for _, it := range vol.ConfigMap.Items {
			if path.Clean(it.Path) == rel {
				key = it.Key
			}
		}
	}
	cm := s.configMap(vol.ConfigMap.Name)
	if cm == nil {
		return f, fmt.Sprintf("ConfigMap %s, mounted at %s by Deployment %s, does not exist", vol.ConfigMap.Name, file, d.Name)
	}
	content, found := cm.Data[key]
	if key == "" || !found {
		return f, fmt.Sprintf("ConfigMap %s, mounted at %s by Deployment %s, has no key for it", cm.Name, file, d.Name)
	}
	return liveFile{where: fmt.Sprintf("ConfigMap %s %s", cm.Name, key), content: content}, ""
}

// mountFor returns the volume mount that serves file in a container: the deepest mount whose
// path is the file or one of its directories.
func mountFor(c *corev1.Container, file string) *corev1.VolumeMount {
	var best *corev1.VolumeMount
	for i := range c.VolumeMounts {
		m := &c.VolumeMounts[i]
		mp := path.Clean(m.MountPath)
		if (file == mp || strings.HasPrefix(file, strings.TrimSuffix(mp, "/")+"/")) && (best == nil || len(mp) > len(path.Clean(best.MountPath))) {
			best = m
		}
	}
	return best
}

// describeVolume names a volume's source for messages.
func describeVolume(v *corev1.Volume) string {
	switch {
	case v == nil:
		return "a volume the pod does not declare"
	case v.ConfigMap != nil:
		return "ConfigMap " + v.ConfigMap.Name
	case v.Secret != nil:
		return "Secret " + v.Secret.SecretName
	case v.EmptyDir != nil:
		return fmt.Sprintf("emptyDir %q", v.Name)
	case v.HostPath != nil:
		return "hostPath " + v.HostPath.Path
	case v.PersistentVolumeClaim != nil:
		return "PersistentVolumeClaim " + v.PersistentVolumeClaim.ClaimName
	case v.Projected != nil:
		return fmt.Sprintf("projected volume %q", v.Name)
	}
	return fmt.Sprintf("volume %q", v.Name)
}

// pin is one setting the operator writes as a line of a file: the line must be in the live
// file, and no line the operator did not write may override it further down.
type pin struct {
	control settings.ControlID
	// line is the exact line the operator writes.
	line string
	// setting names the setting for messages, e.g. "config.gravatar".
	setting string
	// overrides reports whether a foreign line changes the setting.
	overrides func(line string) bool
}

// operatorFile is one file the operator writes, with the content it renders (from the
// snapshot's desired ConfigMaps) and the settings it pins.
type operatorFile struct {
	settings.File
	Content string
	pins    []pin
	// last, when set, must be the file's last line (custom-config.js ends with its privacy
	// block).
	last string
	// attribute lists controls a foreign line concerns when it matches, beyond the pins.
	attribute []attribution
}

// attribution says that a foreign line matching re concerns control.
type attribution struct {
	control settings.ControlID
	re      *regexp.Regexp
	what    string
}

// word returns a matcher for a line that names a setting as a whole identifier.
func word(name string) func(string) bool {
	return func(line string) bool {
		for i := 0; ; {
			j := strings.Index(line[i:], name)
			if j < 0 {
				return false
			}
			start, end := i+j, i+j+len(name)
			if (start == 0 || !identifierByte(line[start-1])) && (end == len(line) || !identifierByte(line[end])) {
				return true
			}
			i = start + 1
		}
	}
}

func identifierByte(b byte) bool {
	return b == '_' || b == '$' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// mentioning returns a matcher for a line that contains text in any case.
func mentioning(text string) func(string) bool {
	text = strings.ToLower(text)
	return func(line string) bool { return strings.Contains(strings.ToLower(line), text) }
}

// jsPins pins config.js keys: a foreign line naming the key's top-level property overrides it.
func jsPins(object string, keys []settings.ConfigKey) []pin {
	out := make([]pin, 0, len(keys))
	for _, k := range keys {
		top, _, _ := strings.Cut(k.Path, ".")
		out = append(out, pin{control: k.Control, line: k.JSLine(object), setting: object + "." + k.Path, overrides: word(top)})
	}
	return out
}

// assignmentPins pins HOCON and properties keys: a foreign line naming the key's last segment
// overrides it (HOCON also nests: `rest { host = ... }`).
func assignmentPins(keys []settings.ConfigKey) []pin {
	out := make([]pin, 0, len(keys))
	for _, k := range keys {
		last := k.Path[strings.LastIndex(k.Path, ".")+1:]
		out = append(out, pin{control: k.Control, line: k.Assignment(), setting: k.Path, overrides: word(last)})
	}
	return out
}

// headerPins pins the nginx response headers whose value must be exact (HSTS is judged by
// its max-age instead, see checkHTTPS).
func headerPins(content string) []pin {
	var out []pin
	for _, h := range settings.Headers {
		if strings.EqualFold(h.Name, settings.HSTSHeader) {
			continue
		}
		for _, l := range strings.Split(content, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "add_header "+h.Name+" ") {
				out = append(out, pin{control: h.Control, line: strings.TrimSpace(l), setting: "header " + h.Name, overrides: mentioning(h.Name)})
			}
		}
	}
	return out
}

// Foreign lines in these files are attributed to a control as well as to OVR-1.
var (
	recorderConfig = attribution{settings.REC2, regexp.MustCompile(`(?i)jibri|jigasi|brewery|transcri|translat`), "a recorder, transcriber or translation service"}
	nginxLogging   = attribution{settings.MIN3, regexp.MustCompile(`(?i)\b(access_log|error_log|log_format)\b`), "logging"}
	nginxHSTS      = attribution{settings.TLS1, regexp.MustCompile(`(?i)` + regexp.QuoteMeta(settings.HSTSHeader)), "the " + settings.HSTSHeader + " header"}
	nginxCSP       = attribution{settings.TEL2, regexp.MustCompile(`(?i)` + regexp.QuoteMeta(settings.CSPHeader) + `|proxy_pass|return\s+30|rewrite`), "where the browser may load from"}
	sentryLogging  = attribution{settings.TEL1, regexp.MustCompile(`(?i)sentry`), "error reporting"}
)

// operatorFiles lists the files the operator writes, with what each pins; once per evaluation.
func operatorFiles(s *Snapshot) []operatorFile {
	if s.memo == nil {
		return renderedFiles(s)
	}
	if s.memo.files == nil {
		s.memo.files = renderedFiles(s)
	}
	return s.memo.files
}

// renderedFiles derives the operator files from the desired objects and the settings tables.
func renderedFiles(s *Snapshot) []operatorFile {
	mp := s.Platform
	var out []operatorFile
	for _, f := range settings.Files {
		of := operatorFile{File: f, Content: s.desiredContent(f)}
		switch f.Key {
		case settings.CustomConfigKey:
			of.pins = jsPins(settings.ClientObject, settings.ClientConfig(mp))
			of.last = settings.PrivacyBlockEnd
		case settings.CustomInterfaceKey:
			of.pins = jsPins(settings.InterfaceObject, settings.InterfaceConfig)
		case settings.CustomJicofoKey:
			of.pins = assignmentPins(settings.JicofoConfig)
			of.attribute = []attribution{recorderConfig}
		case settings.CustomJVBKey:
			of.pins = assignmentPins(settings.JVBConfig(mp))
		case settings.LoggingKey:
			of.pins = assignmentPins(settings.JavaLogging)
			of.attribute = []attribution{sentryLogging}
		case settings.NginxServerKey:
			of.pins = headerPins(of.Content)
			of.attribute = []attribution{nginxLogging, nginxHSTS, nginxCSP}
		case settings.NginxHTTPKey:
			of.attribute = []attribution{nginxLogging}
		case settings.WelcomeContentKey:
			for _, l := range strings.Split(of.Content, "\n") {
				if strings.Contains(l, "href=") {
					of.pins = append(of.pins, pin{control: settings.TRN1, line: strings.TrimSpace(l), setting: "the link to spec.privacyPolicyURL", overrides: mentioning("href")})
				}
			}
		}
		out = append(out, of)
	}
	return out
}

// read returns the live content of an operator file as the component's pods see it.
func (s *Snapshot) read(f settings.File) (liveFile, string) {
	d := s.deployment(f.Component)
	if d == nil {
		return liveFile{}, fmt.Sprintf("Deployment %s does not exist", settings.Name(s.Platform, string(f.Component)))
	}
	return s.fileAt(d, mainContainer(d, f.Component), f.MountPath)
}

// fileFindings checks the operator files for one control: every pinned line present and not
// overridden below, and (for OVR-1) no line the operator did not write.
func (s *Snapshot) fileFindings(control settings.ControlID) findings {
	var f findings
	for _, of := range operatorFiles(s) {
		concerned := control == settings.OVR1 || slices.ContainsFunc(of.pins, func(p pin) bool { return p.control == control }) ||
			slices.ContainsFunc(of.attribute, func(a attribution) bool { return a.control == control })
		if !concerned {
			continue
		}
		live, problem := s.read(of.File)
		if problem != "" {
			if control != settings.OVR1 { // a missing file is not a foreign override
				f.add("%s (want the operator's %s there)", problem, of.Key)
			}
			continue
		}
		f.addAll(judgeFile(of, live, control))
	}
	return f
}

// judgeFile compares a live file with the operator's version for one control.
func judgeFile(of operatorFile, live liveFile, control settings.ControlID) findings {
	var f findings
	lines := strings.Split(live.content, "\n")
	rendered := map[string]bool{}
	for _, l := range strings.Split(of.Content, "\n") {
		rendered[strings.TrimSpace(l)] = true
	}
	foreign := []int{}
	for i, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !rendered[t] {
			foreign = append(foreign, i)
		}
	}
	for _, p := range of.pins {
		if p.control != control {
			continue
		}
		at := lastIndex(lines, p.line)
		if at < 0 {
			f.add("%s does not set %s as the operator does (want `%s`)", live.where, p.setting, p.line)
			continue
		}
		for _, i := range foreign {
			if i > at && p.overrides(lines[i]) {
				f.add("%s line %d overrides %s after the operator's setting", live.where, i+1, p.setting)
				break
			}
		}
	}
	for _, a := range of.attribute {
		if a.control != control {
			continue
		}
		for _, i := range foreign {
			if a.re.MatchString(lines[i]) {
				f.add("%s line %d, not written by the operator, configures %s", live.where, i+1, a.what)
				break
			}
		}
	}
	if control == settings.OVR1 {
		if of.last != "" {
			if end := lastLine(lines); end != of.last {
				f.add("%s does not end with the operator's privacy block: something follows %q", live.where, of.last)
			}
		}
		if len(foreign) > 0 {
			more := ""
			if len(foreign) > 1 {
				more = fmt.Sprintf(" (and %d more lines)", len(foreign)-1)
			}
			f.add("%s line %d was not written by the operator%s", live.where, foreign[0]+1, more)
		}
	}
	return f
}

// lastIndex returns the index of the last line equal to want once trimmed, or -1.
func lastIndex(lines []string, want string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) == want {
			return i
		}
	}
	return -1
}

// lastLine returns the last non-blank line, trimmed.
func lastLine(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		if t := strings.TrimSpace(lines[i]); t != "" {
			return t
		}
	}
	return ""
}
