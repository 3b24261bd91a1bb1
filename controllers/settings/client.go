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

package settings

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// The web image appends /config/custom-config.js to the config.js it generates from env, and
// /config/custom-interface_config.js to interface_config.js; later assignments win. The
// operator owns both files. Its privacy block is the whole of custom-config.js, so it is last.
const (
	// ClientObject and InterfaceObject are the JavaScript objects the two files assign to.
	ClientObject    = "config"
	InterfaceObject = "interfaceConfig"

	// PrivacyBlockBegin and PrivacyBlockEnd enclose the operator's assignments in
	// custom-config.js. Nothing may follow PrivacyBlockEnd.
	PrivacyBlockBegin = "// BEGIN meetwarden privacy block (" + v1alpha1.ComplianceProfile + "): generated, keep it last"
	PrivacyBlockEnd   = "// END meetwarden privacy block"
)

// JSLine is the assignment of k to object, e.g. `config.doNotStoreRoom = true;`. The renderer
// writes exactly this line and the evaluator looks for exactly this line.
func (k ConfigKey) JSLine(object string) string {
	return fmt.Sprintf("%s.%s = %s;", object, k.Path, k.Value)
}

// jsString quotes s as a JavaScript string literal. JSON strings are valid JavaScript, and
// encoding/json also escapes <, >, &, U+2028 and U+2029.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ClientConfig is the privacy block of custom-config.js, in the order it is written. These keys
// have no environment variable, or their variable is also enforced and the block re-asserts
// it after everything the environment produced. The client accepts some of them from the
// meeting URL as well (#config.x=...); the Content-Security-Policy and the absence of the
// services on the server side are what enforce (TEL-2, REC-1, TEL-3).
func ClientConfig(mp *v1alpha1.MeetingPlatform) []ConfigKey {
	privacy := jsString(mp.Spec.PrivacyPolicyURL)
	stunServers := []string{}
	for _, s := range STUNServers(mp) {
		stunServers = append(stunServers, "{ urls: "+jsString(s.URL())+" }")
	}
	return []ConfigKey{
		{"analytics", "{ disabled: true, rtcstatsEnabled: false, watchRTCEnabled: false, obfuscateRoomName: true }", TEL1, "replaces the whole block: no Amplitude, Google, Matomo, script or rtcstats setting from the environment survives"},
		{"analysis", "{ obfuscateRoomName: true }", TEL1, "the key the client really reads to hide room names"},
		{"enableDisplayNameInStats", "false", TEL1, "no display names in statistics"},
		{"enableEmailInStats", "false", TEL1, "no e-mail addresses in statistics"},
		{"faceLandmarks", "{ enableFaceCentering: false, enableFaceExpressionsDetection: false, enableDisplayFaceExpressions: false, enableRTCStats: false }", TEL1, "no face-expression detection and none in statistics"},
		{"disableThirdPartyRequests", "true", TEL2, "no Gravatar, YouTube, Giphy or analytics requests from the browser"},
		{"gravatar", "{ disabled: true }", TEL2, "no e-mail hashes sent to Gravatar"},
		{"giphy", "{ enabled: false }", TEL2, "no Giphy API"},
		{"deeplinking", "{ disabled: true }", TEL2, "mobile browsers stay on the platform"},
		{"disableDeepLinking", "true", TEL2, "the older spelling of the same switch"},
		{"enableCalendarIntegration", "false", TEL2, "no Google or Microsoft calendars"},
		{"fileSharing", "{ enabled: false }", TEL2, "no uploads to a file service"},
		{"whiteboard", "{ enabled: false }", TEL2, "no whiteboard service"},
		{"p2p.enabled", boolString(P2PEnabled(mp)), TEL3, "peer-to-peer only with the platform's own STUN servers"},
		{"p2p.stunServers", "[" + strings.Join(stunServers, ", ") + "]", TEL3, "only spec.stun.servers; without them the client would fall back to a third-party host"},
		{"recordingService", "{ enabled: false, sharingEnabled: false }", REC2, "no recording UI"},
		{"liveStreaming", "{ enabled: false }", REC2, "no live streaming UI"},
		{"transcription.enabled", "false", REC2, "no transcription UI"},
		{"audioTranslation", "{ enabled: false }", REC2, "no audio translation UI"},
		{"localRecording", "{ disable: true, notifyAllParticipants: true, disableSelfRecording: true }", REC3, "no local recording, and everyone is told if a client re-enables it"},
		{"startWithAudioMuted", "true", MIN1, "join with the microphone off"},
		{"startWithVideoMuted", "true", MIN1, "join with the camera off"},
		{"prejoinConfig.enabled", "true", MIN1, "check devices before sending media"},
		{"doNotStoreRoom", "true", MIN2, "no room names in the browser's storage"},
		{"disableProfile", "true", MIN2, "no profile e-mail"},
		{"hideEmailInSettings", "true", MIN2, "no e-mail field in the settings"},
		{"requireDisplayName", "false", MIN2, "pseudonyms are allowed"},
		{"enableInsecureRoomNameWarning", "true", ACC2, "moderators are warned about guessable room names"},
		{"legalUrls", fmt.Sprintf("{ privacy: %s, terms: %s, helpCentre: %s, security: %s }", privacy, privacy, privacy, privacy), TRN1, "every legal link leads to spec.privacyPolicyURL instead of jitsi.org"},
		{"e2ee", "{ disabled: false }", E2E1, "end-to-end encryption stays available"},
		{"testing.disableE2EE", "false", E2E1, "end-to-end encryption stays available"},
	}
}

// InterfaceConfig are the keys of custom-interface_config.js.
var InterfaceConfig = []ConfigKey{
	{"RECENT_LIST_ENABLED", "false", MIN2, "no list of recent rooms"},
	{"MOBILE_APP_PROMO", "false", TEL2, "no app store promotion"},
	{"SHOW_JITSI_WATERMARK", "false", TRN1, "no jitsi.org watermark link"},
	{"JITSI_WATERMARK_LINK", `""`, TRN1, "no jitsi.org watermark link"},
	{"SHOW_POWERED_BY", "false", TRN1, "no jitsi.org link"},
	{"DISPLAY_WELCOME_PAGE_CONTENT", "true", TRN1, "the welcome page shows the operator's link to spec.privacyPolicyURL"},
}
