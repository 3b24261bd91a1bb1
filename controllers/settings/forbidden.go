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
	"path"
	"slices"
	"strings"
)

// ForbiddenRule names environment variables that must not appear on any component, whatever
// their value. Pattern is an exact name or a glob with '*' (e.g. "JIBRI_*", "XMPP_*MODULES").
type ForbiddenRule struct {
	Pattern string
	Control ControlID
	Why     string
}

// ForbiddenEnv lists the variables no component may carry. The operator writes none of them
// except where its own tables declare one on a component (DeclaredEnv: an OIDC platform's
// TOKEN_AUTH_URL on web and token_affiliation in prosody's XMPP_MUC_MODULES), which the table's
// control then judges by exact value; the evaluator fails the named control when any other is
// found on a live workload.
var ForbiddenEnv = []ForbiddenRule{
	// Raw injection: the value is pasted into Lua, JavaScript or nginx configuration as code.
	{"GLOBAL_CONFIG", OVR1, "raw Lua appended to prosody's global configuration"},
	{"GLOBAL_MODULES", OVR1, "loads arbitrary prosody modules, e.g. message archiving"},
	{"XMPP_*MODULES", OVR1, "loads arbitrary prosody modules on a virtual host or MUC component"},
	{"XMPP_*CONFIGURATION", OVR1, "raw Lua in prosody's virtual host or MUC configuration"},
	{"PROSODY_LOG_CONFIG", OVR1, "replaces prosody's log configuration, including its level and sinks"},
	{"PROSODY_MODE", OVR1, "switches prosody to an alternative site configuration"},
	{"CHROME_EXTENSION_BANNER_JSON", OVR1, "raw JavaScript in config.js"},
	{"WEB_CONFIG_PREFIX", OVR1, "raw text at the top of config.js"},
	{"TRANSLATION_LANGUAGES*", OVR1, "inserted unquoted into config.js"},
	{"CODEC_ORDER_*", OVR1, "inserted unquoted into config.js"},
	{"RESOLUTION*", OVR1, "inserted unquoted into config.js"},
	{"VIDEOQUALITY_BITRATE_*", OVR1, "inserted unquoted into config.js"},
	{"E2EPING_*", OVR1, "inserted unquoted into config.js"},
	{"DESKTOP_SHARING_FRAMERATE_MIN", OVR1, "inserted unquoted into config.js"},
	{"DESKTOP_SHARING_FRAMERATE_MAX", OVR1, "inserted unquoted into config.js"},
	{"RTCSTATS_POLL_INTERVAL", OVR1, "inserted unquoted into config.js"},
	{"ROOM_PASSWORD_DIGITS", OVR1, "inserted unquoted into config.js; digit-only passwords are guessable"},
	{"JAAS_*", OVR1, "rewires the client to 8x8's service, including its statistics servers"},

	// Recording, transcription and translation services and their credentials.
	{"JIBRI_*", REC1, "recorder credentials and breweries; a password alone creates a privileged XMPP account"},
	{"JIGASI_*", REC1, "transcriber and SIP gateway credentials and breweries"},
	{"DROPBOX_*", REC2, "uploads recordings to Dropbox"},
	{"ENABLE_LIVESTREAMING_*", REC2, "live streaming links to a third-party platform"},
	{"JICOFO_TRANSLATION_*", REC2, "streams conference audio to an external translation service"},

	// Analytics and error reporting.
	{"AMPLITUDE_ID", TEL1, "analytics events with the room name to Amplitude"},
	{"GOOGLE_ANALYTICS_ID", TEL1, "analytics to Google"},
	{"MATOMO_*", TEL1, "analytics to a Matomo server"},
	{"ANALYTICS_*", TEL1, "loads third-party analytics scripts"},
	{"RTCSTATS_*", TEL1, "per-participant WebRTC statistics, including addresses, to a stats server"},
	{"RTC_VISUALIZER_*", TEL1, "proxies an rtcstats visualiser"},
	{"WATCHRTC_*", TEL1, "WebRTC statistics to testRTC"},
	{"CALLSTATS*", TEL1, "WebRTC statistics to callstats"},
	{"SENTRY_*", TEL1, "warning log records, with room names, to Sentry"},
	{"*_SENTRY_DSN", TEL1, "warning log records, with room names, to Sentry"},
	{"DEPLOYMENTINFO_*", TEL1, "deployment labels attached to analytics events"},
	{"AUTOSCALER_*", TEL1, "videobridge statistics to an external autoscaler"},

	// Third-party services the web client or a server would contact.
	{"CONFCODE_URL", TEL2, "room names to a dial-in code service"},
	{"DIALIN_NUMBERS_URL", TEL2, "room names to a dial-in number service"},
	{"DIALOUT_*", TEL2, "phone numbers to a dial-out service"},
	{"INVITE_SERVICE_URL", TEL2, "invitations through an external service"},
	{"PEOPLE_SEARCH_URL", TEL2, "directory searches through an external service"},
	{"GOOGLE_API_APP_CLIENT_ID", TEL2, "Google sign-in and calendar"},
	{"MICROSOFT_API_APP_CLIENT_ID", TEL2, "Microsoft sign-in and calendar"},
	{"BRANDING_DATA_URL", TEL2, "the room name to a branding server"},
	{"DYNAMIC_BRANDING_URL", TEL2, "the room name to a branding server"},
	{"ETHERPAD_*", TEL2, "shared documents on a service the operator does not run"},
	{"WHITEBOARD_*", TEL2, "whiteboards on a service the operator does not run"},
	{TokenAuthURLVariable, TEL2, "redirects users to an authentication service not named in the spec"},
	{"LETSENCRYPT_*", TEL2, "the domain and an e-mail address to a public CA"},
	{"PROSODY_RESERVATION_REST_BASE_URL", TEL2, "room names and owners to a reservation service"},
	{"MATRIX_*", TEL2, "user verification through a Matrix service"},
	{"JWT_ASAP_KEYSERVER", TEL2, "token keys fetched from a server; the spec's secret is the only key"},

	// STUN and TURN: only the servers of spec.stun, written by the operator.
	{"P2P_STUN_SERVERS", TEL3, "the operator sets the browsers' STUN servers in custom-config.js"},
	{"STUN_*", TEL3, "STUN servers announced to clients that spec.stun does not name"},
	{"TURN_*", TEL3, "TURN relays that spec.stun does not name"},
	{"TURNS_*", TEL3, "TURN relays that spec.stun does not name"},

	// Access control behind the operator's back.
	{"PROSODY_AUTH_TYPE", ACC1, "overrides AUTH_TYPE in prosody"},
	{"JICOFO_AUTH_TYPE", ACC1, "overrides AUTH_TYPE in jicofo"},
	{"JWT_AUTH_TYPE", ACC1, "replaces token authentication"},
	{"JWT_TOKEN_AUTH_MODULE", ACC1, "replaces the room-scoped token check"},
	{"PROSODY_ADMINS", ACC1, "adds XMPP administrators"},
	{"JICOFO_TRUSTED_DOMAINS", ACC1, "lets accounts of other domains bypass authentication and lobby"},
	{"PROSODY_GUEST_AUTH_TYPE", ACC2, "changes how guests authenticate"},

	// Logs outside the container's standard output.
	{"JICOFO_LOG_FILE", MIN3, "an unrotated log file inside the pod"},
	{"JVB_LOG_FILE", MIN3, "an unrotated log file inside the pod"},
}

// Forbidden reports whether name is forbidden on every component, and by which rule.
func Forbidden(name string) (ForbiddenRule, bool) {
	for _, r := range ForbiddenEnv {
		if ok, _ := path.Match(r.Pattern, name); ok {
			return r, true
		}
	}
	return ForbiddenRule{}, false
}

// BooleanEnv are the variables the images of the four components parse as booleans, with the
// template function toBool or an arithmetic shell test. OVR-1 requires every one found on a
// live workload to be spelled canonically (CanonicalBool).
//
// Left out on purpose: variables that are tested with toBool only for being non-empty (for
// example JWT_APP_SECRET, SENTRY_DSN, WHITEBOARD_*): their values are not booleans.
var BooleanEnv = []string{
	"AUTO_CAPTION_ON_RECORD", "BOSH_RELATIVE", "COLIBRI_REST_ENABLED",
	"DESKTOP_SHARING_FRAMERATE_AUTO", "DISABLE_AUDIO_LEVELS", "DISABLE_AWS_HARVESTER",
	"DISABLE_DEEP_LINKING", "DISABLE_GRANT_MODERATOR", "DISABLE_HTTPS", "DISABLE_KICKOUT",
	"DISABLE_LOCAL_RECORDING", "DISABLE_POLLS", "DISABLE_PRIVATE_CHAT", "DISABLE_PROFILE",
	"DISABLE_REACTIONS", "DISABLE_REMOTE_VIDEO_MENU", "DISABLE_START_FOR_ALL",
	"ENABLE_ADAPTIVE_MODE", "ENABLE_AUDIO_PROCESSING", "ENABLE_AUDIO_TRANSLATION", "ENABLE_AUTH",
	"ENABLE_AUTH_DOMAIN", "ENABLE_AUTOMATIC_GAIN_CONTROL", "ENABLE_AUTO_LOGIN", "ENABLE_AUTO_OWNER",
	"ENABLE_AV_MODERATION", "ENABLE_BREAKOUT_ROOMS", "ENABLE_CALENDAR", "ENABLE_CLOSE_PAGE",
	"ENABLE_CODEC_AV1", "ENABLE_CODEC_H264", "ENABLE_CODEC_OPUS_RED", "ENABLE_CODEC_VP8",
	"ENABLE_CODEC_VP9", "ENABLE_E2EPING", "ENABLE_END_CONFERENCE", "ENABLE_FILE_RECORDING_SHARING",
	"ENABLE_GUESTS", "ENABLE_HSTS", "ENABLE_HTTP_REDIRECT", "ENABLE_ICE_RESTART",
	"ENABLE_ICE_RESTART_ON_NETWORK_CHANGE", "ENABLE_IPV6", "ENABLE_JAAS_COMPONENTS",
	"ENABLE_JVB_XMPP_SERVER", "ENABLE_LETSENCRYPT", "ENABLE_LIVESTREAMING", "ENABLE_LOAD_TEST_CLIENT",
	"ENABLE_LOBBY", "ENABLE_LOCAL_RECORDING_NOTIFY_ALL_PARTICIPANT", "ENABLE_LOCAL_RECORDING_SELF_START",
	"ENABLE_MODERATOR_CHECKS", "ENABLE_NOISY_MIC_DETECTION", "ENABLE_NO_AUDIO_DETECTION", "ENABLE_OCTO",
	"ENABLE_OPUS_RED", "ENABLE_P2P", "ENABLE_PREJOIN_PAGE", "ENABLE_RECORDING", "ENABLE_REMB",
	"ENABLE_REQUIRE_DISPLAY_NAME", "ENABLE_SERVICE_RECORDING", "ENABLE_SHARED_DOCUMENT_RANDOM_NAME",
	"ENABLE_SIMULCAST", "ENABLE_STEREO", "ENABLE_SUBDOMAINS", "ENABLE_TALK_WHILE_MUTED", "ENABLE_TCC",
	"ENABLE_TRANSCRIPTIONS", "ENABLE_VIRTUAL_BACKGROUND_V2", "ENABLE_VISITORS", "ENABLE_VLA",
	"ENABLE_WELCOME_PAGE", "ENABLE_XMPP_WEBSOCKET", "HIDE_PREJOIN_DISPLAY_NAME", "JAAS_USE_STAGING",
	"JICOFO_CONF_SSRC_REWRITING", "JICOFO_CONF_STRIP_SIMULCAST", "JICOFO_ENABLE_AUTH",
	"JICOFO_ENABLE_BRIDGE_HEALTH_CHECKS", "JICOFO_ENABLE_HEALTH_CHECKS",
	"JICOFO_ENABLE_ICE_FAILURE_DETECTION", "JICOFO_ENABLE_LOAD_REDISTRIBUTION", "JICOFO_ENABLE_MID",
	"JICOFO_ENABLE_REST", "JICOFO_HEALTH_CHECKS_USE_PRESENCE", "JICOFO_MULTI_STREAM_BACKWARD_COMPAT",
	"JICOFO_VISITORS_REQUIRE_MUC_CONFIG", "JVB_ADVERTISE_PRIVATE_CANDIDATES", "JVB_CC_TRUST_BWE",
	"JVB_DISABLE_STUN", "JVB_DISABLE_XMPP", "JVB_PREFER_SCTP", "JVB_REQUIRE_VALID_ADDRESS",
	"JVB_USE_USRSCTP", "JWT_ALLOW_EMPTY", "JWT_ENABLE_DOMAIN_VERIFICATION", "LDAP_START_TLS",
	"LDAP_TLS_CHECK_PEER", "LDAP_USE_TLS", "LETSENCRYPT_USE_STAGING", "MATRIX_LOBBY_BYPASS",
	"MATRIX_UVS_SYNC_POWER_LEVELS", "PROSODY_C2S_REQUIRE_ENCRYPTION", "PROSODY_DISABLE_C2S_LIMIT",
	"PROSODY_DISABLE_S2S_LIMIT", "PROSODY_ENABLE_FILTER_MESSAGES", "PROSODY_ENABLE_METRICS",
	"PROSODY_ENABLE_MUC_RESOURCE_VALIDATE", "PROSODY_ENABLE_RATE_LIMITS",
	"PROSODY_ENABLE_RECORDING_METADATA", "PROSODY_ENABLE_S2S", "PROSODY_ENABLE_STANZA_COUNTS",
	"PROSODY_LIMIT_MESSAGES_CHECK_TOKEN", "PROSODY_MUC_RESOURCE_VALIDATE_ANONYMOUS_STRICT",
	"PROSODY_RESERVATION_ENABLED", "RTCSTATS_ENABLED", "RTCSTATS_SEND_SDP", "RTCSTATS_STORE_LOGS",
	"S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES", "SHUTDOWN_REST_ENABLED",
	"START_AUDIO_ONLY", "START_SILENT", "START_WITH_AUDIO_MUTED", "START_WITH_VIDEO_MUTED",
	"USE_APP_LANGUAGE", "WAIT_FOR_HOST_DISABLE_AUTO_OWNERS",
}

// IsBooleanEnv reports whether the images read name as a boolean.
func IsBooleanEnv(name string) bool {
	return slices.Contains(BooleanEnv, name)
}

// OverridePath is a path inside a container through which its configuration can be replaced
// or extended after the operator's settings are applied. Only the operator may mount anything
// at or below one (OVR-1).
type OverridePath struct {
	Path string
	Why  string
}

// OverridePaths lists the override channels of the four Jitsi images and coturn's.
var OverridePaths = []OverridePath{
	{"/config", "copied over each component's generated configuration at start: custom-config.js, custom-*.conf, conf.d/*.cfg.lua, nginx includes"},
	{"/defaults", "the templates every configuration file is generated from"},
	{"/prosody-plugins-custom", "searched before the official prosody plugins: a module of the same name replaces them"},
	{"/prosody-plugins", "the official prosody plugins"},
	{"/etc/s6-overlay", "the start scripts that generate the configuration"},
	{"/etc/saslauthd.conf", "replaces the generated LDAP client configuration"},
	{"/etc/nginx", "nginx modules and configuration included by the web server"},
	{"/usr/share/jitsi-meet", "the web client itself and the directories nginx serves without authentication"},
	{"/run", "where the generated configuration lives; the operator mounts only an empty directory here"},
	{"/etc/coturn", "coturn's configuration and the TURN host's certificate"},
}

// UnderOverridePath reports whether mountPath is an override path or lies below one.
func UnderOverridePath(mountPath string) (OverridePath, bool) {
	clean := path.Clean("/" + mountPath)
	for _, p := range OverridePaths {
		if clean == p.Path || strings.HasPrefix(clean, p.Path+"/") {
			return p, true
		}
	}
	return OverridePath{}, false
}
