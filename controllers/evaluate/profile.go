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

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// profileName is the profile and version the controls belong to.
const profileName = v1alpha1.ComplianceProfile

// Control is one control of the catalog (settings.Catalog) with the check that judges it.
type Control struct {
	settings.Control
	// Check judges the snapshot: a result and a one-line deterministic message that names the
	// object and the setting it found.
	Check func(*Snapshot) (v1alpha1.ControlResultValue, string)
}

// Profile lists every control of the gdpr-eu profile in catalog order.
var Profile []Control

// init pairs the catalog with the checks; checks such as TRN-2 read Profile themselves, which
// a package-level initializer would not allow. A control without a check is a programming
// error that no test could miss.
func init() {
	for _, c := range settings.Catalog {
		check, ok := checks[c.ID]
		if !ok {
			panic(fmt.Sprintf("control %s has no check", c.ID))
		}
		Profile = append(Profile, Control{Control: c, Check: check})
	}
	if len(checks) != len(settings.Catalog) {
		panic("a check has no control in settings.Catalog")
	}
}

// checks judge the controls of the catalog.
var checks = map[settings.ControlID]func(*Snapshot) (v1alpha1.ControlResultValue, string){
	settings.TLS1: checkHTTPS,
	settings.TLS2: checkCertificate,
	settings.TLS3: checkPlaintextPath,
	settings.TLS4: settingsCheck(settings.TLS4, "prosody requires encryption of XMPP client connections"),
	settings.REC1: checkNoRecorder,
	settings.REC2: checkRecordingOff,
	settings.REC3: settingsCheck(settings.REC3, "local recording is disabled in the client, and everyone is notified if a client re-enables it"),
	settings.TEL1: settingsCheck(settings.TEL1, "no analytics, statistics or error-reporting setting in any component, and analytics are disabled in the client"),
	settings.TEL2: checkThirdParties,
	settings.TEL3: checkSTUN,
	settings.TEL4: checkEgress,
	settings.EU1:  checkRequiredAffinity,
	settings.EU2:  checkPodPlacement,
	settings.EU3:  checkAdvertisedAddresses,
	settings.EU4:  checkSovereignProviders,
	settings.ACC1: settingsCheck(settings.ACC1, "authentication is required to open a room and empty tokens are refused"),
	settings.ACC2: settingsCheck(settings.ACC2, "guest access follows spec.access.guests, the lobby is available and XMPP rate limits are on"),
	settings.ACC3: checkCredentials,
	settings.ACC4: checkInternalEndpoints,
	settings.ACC5: checkTURN,
	settings.ACC6: checkTokenBridge,
	settings.MIN1: settingsCheck(settings.MIN1, "participants join with camera and microphone off after the pre-join device check"),
	settings.MIN2: settingsCheck(settings.MIN2, "browsers keep no room history and no profile e-mail"),
	settings.MIN3: checkMinimalLogs,
	settings.TRN1: checkPrivacyNotice,
	settings.TRN2: checkProcessingRecord,
	settings.OVR1: checkOverrides,
	settings.OVR2: checkPodTemplates,
	settings.OVR3: checkWhatUsersReach,
	settings.OVR4: checkVerifiedRelease,
	settings.E2E1: settingsCheck(settings.E2E1, "end-to-end encryption is available in the client"),
}
