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

package v1alpha1

// Condition types of a MeetingPlatform. They are public API: users write
// `kubectl wait --for=condition=<type>`, alerts and GitOps health checks against them.
const (
	// ConditionReady is True when every component is available and Compliant is True.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the operator works towards the desired state (kstatus).
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the spec cannot be realised, e.g. a Secret is missing (kstatus).
	ConditionStalled = "Stalled"
	// ConditionCompliant is True when every control of the profile passes (Warn allowed).
	ConditionCompliant = "Compliant"

	// One condition per control family.
	ConditionTransportEncrypted = "TransportEncrypted"
	ConditionRecordingDisabled  = "RecordingDisabled"
	ConditionTelemetryDisabled  = "TelemetryDisabled"
	ConditionDataResidency      = "DataResidency"
	ConditionAccessRestricted   = "AccessRestricted"
	ConditionDataMinimised      = "DataMinimised"
	ConditionTransparent        = "Transparent"
)

// ComplianceProfile names the profile and version this API version evaluates.
const ComplianceProfile = "gdpr-eu/v1"

// Reasons of the conditions. They are public API like the condition types: alerts and GitOps
// health checks match on them, and docs/usage.md lists them.
const (
	// Stalled=True: the spec cannot be realised until the user acts.
	ReasonSecretMissing      = "SecretMissing"
	ReasonInvalidSecret      = "InvalidSecret"
	ReasonCertManagerMissing = "CertManagerMissing"
	ReasonGatewayAPIMissing  = "GatewayAPIMissing"
	ReasonVolumeClaimMissing = "VolumeClaimMissing"
	ReasonInvalidSpec        = "InvalidSpec"
	ReasonChildRejected      = "ChildRejected"
	// ReasonAdmissionDenied: an admission webhook, a ValidatingAdmissionPolicy or RBAC refused
	// a write; the message names the policy. ReasonQuotaExceeded: a ResourceQuota did.
	ReasonAdmissionDenied = "AdmissionDenied"
	ReasonQuotaExceeded   = "QuotaExceeded"
	// ReasonAdmissionMutated: a revert was written, but a mutating webhook or admission policy
	// sets the drift back on every write; the message names the object and the field.
	ReasonAdmissionMutated = "AdmissionMutated"
	ReasonNoEligibleNode   = "NoEligibleNode"
	// ReasonNameConflict: an object with a child's name exists and the platform does not
	// control it; the operator never adopts it. ReasonDomainConflict: an older platform claims
	// the same spec.domain. Both name the other object.
	ReasonNameConflict   = "NameConflict"
	ReasonDomainConflict = "DomainConflict"
	// ReasonRevertLoop: another manager keeps setting a field the operator reverts; reverts of
	// it pause with backoff and the message names the manager. ReasonEvictionLoop: pods
	// evicted from a node outside the jurisdiction keep being placed back on it; evictions
	// from it pause with backoff.
	ReasonRevertLoop   = "RevertLoop"
	ReasonEvictionLoop = "EvictionLoop"
	// Stalled=False.
	ReasonRealisable = "Realisable"

	// Reconciling.
	ReasonStalled               = "Stalled"
	ReasonRetryingAfterError    = "RetryingAfterError"
	ReasonApplyingChanges       = "ApplyingChanges"
	ReasonRevertingDrift        = "RevertingDrift"
	ReasonComponentsProgressing = "ComponentsProgressing"
	ReasonConverged             = "Converged"
	// ReasonRolloutQueued (Reconciling=True): the operator renders a new pod template for an
	// unchanged spec (a new operator version), whose rollout would end running meetings; the
	// platform waits for one of the --max-concurrent-rollouts slots and keeps its live
	// templates meanwhile. Ready stays True: the platform serves and is judged as it runs.
	ReasonRolloutQueued = "RolloutQueued"
	// ReasonRolloutDeferred (Reconciling=False): such a rollout is held by the
	// DeferRolloutAnnotation until it is removed.
	ReasonRolloutDeferred = "RolloutDeferred"

	// Ready (besides the Stalled and Reconciling reasons it repeats).
	ReasonReady              = "Ready"
	ReasonComponentsNotReady = "ComponentsNotReady"
	ReasonNotCompliant       = "NotCompliant"

	// Compliant and the family conditions.
	ReasonAllControlsPass = "AllControlsPass"
	ReasonControlsPass    = "ControlsPass"
	ReasonControlsFail    = "ControlsFail"
	// ReasonCacheStale: Compliant, the family conditions and Ready are Unknown while the
	// operator's watches cannot reach the API server; the message says since when.
	ReasonCacheStale = "CacheStale"
)

// Reasons of the Events the operator emits on a MeetingPlatform (besides a Stalled reason,
// which is emitted when the platform stalls).
const (
	EventDriftReverted = "DriftReverted"
	// EventDriftNotReverted: a revert did not take (see ReasonAdmissionMutated).
	EventDriftNotReverted = "DriftNotReverted"
	EventControlFailed    = "ControlFailed"
	EventControlPassed    = "ControlPassed"
	EventPodEvicted       = "PodEvicted"
	// EventEvictionBlocked: a pod outside the jurisdiction could not be evicted; the note
	// names the PodDisruptionBudget.
	EventEvictionBlocked = "EvictionBlocked"
	EventNoMediaAddress  = "NoMediaAddress"
	// EventPruned: a child the platform no longer renders was deleted.
	EventPruned = "Pruned"
	// EventUnverifiedImage (Warning): the platform is to run a Jitsi release the operator's
	// settings were not verified against (spec.image.tag pins it); control OVR-4 warns.
	EventUnverifiedImage = "UnverifiedImage"
)

// EventInstallationOverlap is the reason of the Event on an installation's claim (the Lease
// meetwarden-installation in the operator's namespace) when it does not reconcile, or stops,
// because another installation of the operator overlaps its namespaces.
const EventInstallationOverlap = "InstallationOverlap"
