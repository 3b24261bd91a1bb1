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
	"strings"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// MIN-3: prosody logs at warn, jicofo and the bridge at WARNING, and the web access log has no
// client address and no room name.
func checkMinimalLogs(s *Snapshot) (resultValue, string) {
	f := s.accessLogFindings()
	f.addAll(s.settingFindings(settings.MIN3))
	return f.result("prosody logs at warn, jicofo and jvb at WARNING, and the web access log carries no client address or room name")
}

var (
	logFormatDirective = regexp.MustCompile(`^\s*log_format\s+(\S+)\s+(.*?);?\s*$`)
	accessLogDirective = regexp.MustCompile(`^\s*access_log\s+([^\s;]+)(?:\s+([^\s;=]+))?`)
	quoted             = regexp.MustCompile(`'([^']*)'|"([^"]*)"`)
)

// accessLogFindings reads the nginx includes the web pods mount: the server block must set an
// access log that is off or uses a format without personal data.
func (s *Snapshot) accessLogFindings() findings {
	var f findings
	// nginx's predefined format: client address, user, request line, referrer, user agent.
	type logFormat struct{ format, where string }
	formats := map[string]logFormat{"combined": {`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`, "nginx"}}
	var server *liveFile
	for _, of := range settings.Files {
		if of.Component != settings.Web || (of.Key != settings.NginxHTTPKey && of.Key != settings.NginxServerKey) {
			continue
		}
		live, problem := s.read(of)
		if problem != "" {
			f.add("%s (want the operator's %s with the minimal access log)", problem, of.Key)
			continue
		}
		for _, l := range strings.Split(live.content, "\n") {
			if m := logFormatDirective.FindStringSubmatch(l); m != nil {
				var format strings.Builder
				for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
					format.WriteString(q[1] + q[2])
				}
				formats[m[1]] = logFormat{format.String(), live.where}
			}
		}
		if of.Key == settings.NginxServerKey {
			server = &live
		}
	}
	if server == nil {
		return f
	}
	found := false
	for i, l := range strings.Split(server.content, "\n") {
		m := accessLogDirective.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		found = true
		if m[1] == "off" {
			continue
		}
		name := m[2]
		if name == "" {
			name = "combined"
		}
		format, defined := formats[name]
		switch {
		case !defined:
			f.add("%s line %d logs with format %s, which the operator's includes do not define", server.where, i+1, name)
		case len(settings.LogFormatLeaks(format.format)) > 0:
			f.add("%s line %d logs with format %s (defined by %s), which records %s", server.where, i+1, name, format.where,
				strings.Join(settings.LogFormatLeaks(format.format), ", "))
		}
	}
	if !found {
		f.add("%s sets no access_log, so the image's format with client address and room name applies", server.where)
	}
	return f
}
