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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// AccessLogFormatName is the name of the web pods' nginx log format (settings.AccessLogFormat).
const AccessLogFormatName = "meetwarden_minimal"

// fileContent is the content of one of the operator's files (settings.Files).
func fileContent(mp *v1alpha1.MeetingPlatform, f settings.File) string {
	switch f.Key {
	case settings.CustomConfigKey:
		return customConfigJS(mp)
	case settings.CustomInterfaceKey:
		return customInterfaceConfigJS()
	case settings.NginxHTTPKey:
		return nginxHTTP()
	case settings.NginxServerKey:
		return nginxServer()
	case settings.WelcomeContentKey:
		return welcomeContent(mp)
	case settings.CustomJicofoKey:
		return hocon("jicofo", settings.JicofoConfig)
	case settings.CustomJVBKey:
		return hocon("the videobridge", settings.JVBConfig(mp))
	case settings.LoggingKey:
		return javaLogging(javaProgramName[f.Component])
	}
	panic("render: no content for settings file " + f.Key)
}

// javaProgramName is how a Java component names itself in its log lines.
var javaProgramName = map[settings.Component]string{settings.Jicofo: "Jicofo", settings.JVB: "JVB"}

// configMap returns the ConfigMap of a component's files, or nil when it has none.
func configMap(mp *v1alpha1.MeetingPlatform, c settings.Component) *corev1.ConfigMap {
	files := settings.FilesOf(c)
	if len(files) == 0 {
		return nil
	}
	data := map[string]string{}
	for _, f := range files {
		data[f.Key] = fileContent(mp, f)
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(mp, settings.ConfigMapName(mp, c), string(c)),
		Data:       data,
	}
}

// dataHash is a digest of what the components read from a ConfigMap, independent of map order.
// It rolls the pods on a change, so it leaves out what no component reads: comment and blank
// lines. An operator version that only rewords a comment restarts no meeting.
func dataHash(data map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(data)) {
		// A hash.Hash never returns an error from Write.
		_, _ = fmt.Fprintf(h, "%s\x00%s\x00", k, withoutComments(data[k]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// withoutComments drops the lines of a file that are only a comment in its language (nginx,
// HOCON and Java properties "#", JavaScript "//", an HTML comment) or blank.
func withoutComments(content string) string {
	var kept []string
	for _, l := range strings.Split(content, "\n") {
		t := strings.TrimSpace(l)
		comment := strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") ||
			(strings.HasPrefix(t, "<!--") && strings.HasSuffix(t, "-->") && !strings.Contains(t[4:len(t)-3], "-->"))
		if t != "" && !comment {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

const generatedBy = "Written by meetwarden. Changes are reverted; edit the MeetingPlatform instead."

// lines joins lines into a file with a trailing newline.
func lines(ls ...string) string {
	return strings.Join(ls, "\n") + "\n"
}

// customConfigJS is custom-config.js: the privacy block and nothing else, so it is last in the
// config.js the image assembles. A nested key first makes sure its parent object exists.
func customConfigJS(mp *v1alpha1.MeetingPlatform) string {
	out := []string{"// " + generatedBy, settings.PrivacyBlockBegin}
	guarded := map[string]bool{}
	for _, k := range settings.ClientConfig(mp) {
		if parent, _, nested := strings.Cut(k.Path, "."); nested && !guarded[parent] {
			guarded[parent] = true
			out = append(out, fmt.Sprintf("%[1]s.%[2]s = %[1]s.%[2]s || {};", settings.ClientObject, parent))
		}
		out = append(out, k.JSLine(settings.ClientObject))
	}
	return lines(append(out, settings.PrivacyBlockEnd)...)
}

func customInterfaceConfigJS() string {
	out := []string{"// " + generatedBy}
	for _, k := range settings.InterfaceConfig {
		out = append(out, k.JSLine(settings.InterfaceObject))
	}
	return lines(out...)
}

// nginxHTTP is included in nginx's http context.
func nginxHTTP() string {
	out := []string{
		"# " + generatedBy,
		"# MIN-3: no client address, path (room name), referrer or user agent in the access log.",
		fmt.Sprintf("log_format %s '%s';", AccessLogFormatName, settings.AccessLogFormat),
		"# ACC-2: the client address comes from the ingress controller's X-Forwarded-For (its last",
		"# entry), so that prosody's rate limits apply per client. Only cluster addresses may set it.",
	}
	for _, r := range settings.ClusterRanges {
		out = append(out, "set_real_ip_from "+r+";")
	}
	return lines(append(out, "real_ip_header X-Forwarded-For;")...)
}

// nginxServer is appended to the site's server block.
func nginxServer() string {
	out := []string{
		"# " + generatedBy,
		"# MIN-3: minimal access log; error lines would carry client addresses and room names.",
		"access_log /dev/stdout " + AccessLogFormatName + ";",
		"error_log /dev/stderr crit;",
	}
	for _, h := range settings.Headers {
		out = append(out, fmt.Sprintf("# %s: %s", h.Control, h.Why), fmt.Sprintf("add_header %s %q always;", h.Name, h.Value))
	}
	return lines(out...)
}

// welcomeContent is shown on the welcome page (interfaceConfig.DISPLAY_WELCOME_PAGE_CONTENT):
// the link to the privacy notice required by GDPR Art. 13 (TRN-1).
func welcomeContent(mp *v1alpha1.MeetingPlatform) string {
	return lines(
		"<!-- "+generatedBy+" -->",
		fmt.Sprintf(`<p class="meetwarden-privacy"><a href="%s" target="_blank" rel="noopener noreferrer">Privacy notice</a></p>`, html.EscapeString(mp.Spec.PrivacyPolicyURL)),
	)
}

// hocon renders keys as a HOCON file that a component includes after its own configuration.
func hocon(who string, keys []settings.ConfigKey) string {
	out := []string{"# " + generatedBy, "# Included after the configuration " + who + " generates, so these keys win."}
	for _, k := range keys {
		out = append(out, fmt.Sprintf("# %s: %s", k.Control, k.Why), k.Assignment())
	}
	return lines(out...)
}

// javaLogging is the logging.properties template of a Java component.
func javaLogging(program string) string {
	out := []string{
		"# " + generatedBy,
		"java.util.logging.ConsoleHandler.level = ALL",
		"java.util.logging.ConsoleHandler.formatter = org.jitsi.utils.logging2.JitsiLogFormatter",
		"org.jitsi.utils.logging2.JitsiLogFormatter.programname = " + program,
	}
	for _, k := range settings.JavaLogging {
		out = append(out, fmt.Sprintf("# %s: %s", k.Control, k.Why), k.Assignment())
	}
	return lines(out...)
}
