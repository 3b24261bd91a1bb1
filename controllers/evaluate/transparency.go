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
	"net/url"
	"strings"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// TRN-1: the privacy notice the client links to is the operator's, over https.
func checkPrivacyNotice(s *Snapshot) (resultValue, string) {
	mp := s.Platform
	var f findings
	notice := mp.Spec.PrivacyPolicyURL
	u, err := url.Parse(notice)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "":
		f.add("spec.privacyPolicyURL %q is not an absolute https:// URL", notice)
	case upstreamHost(u.Hostname()):
		f.add("spec.privacyPolicyURL points to %s, the Jitsi project's notice instead of the operator's", u.Hostname())
	}
	f.addAll(s.settingFindings(settings.TRN1))
	return f.result("the client's legal links and the welcome page point to " + notice)
}

// upstreamHost reports whether host belongs to the Jitsi project or 8x8.
func upstreamHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range []string{"jitsi.org", "jitsi.net", "8x8.vc", "8x8.com"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// TRN-2: the record of processing activities is published for this platform.
func checkProcessingRecord(s *Snapshot) (resultValue, string) {
	mp := s.Platform
	name := settings.ProcessingRecordName(mp)
	cm := s.configMap(name)
	if cm == nil {
		return fail("ConfigMap %s with the record of processing activities (Art. 30) does not exist", name)
	}
	record := cm.Data[settings.ProcessingRecordKey]
	if strings.TrimSpace(record) == "" {
		return fail("ConfigMap %s has no record of processing activities in key %s", name, settings.ProcessingRecordKey)
	}
	if !strings.Contains(record, recordTitle(mp)) {
		return fail("ConfigMap %s %s is not the record of MeetingPlatform %s/%s", name, settings.ProcessingRecordKey, mp.Namespace, mp.Name)
	}
	for _, c := range Profile {
		if !strings.Contains(record, "| "+string(c.ID)+" |") {
			return fail("ConfigMap %s %s does not report control %s", name, settings.ProcessingRecordKey, c.ID)
		}
	}
	return pass("ConfigMap %s publishes the record of processing activities (Art. 30) with every control of %s", name, profileName)
}
