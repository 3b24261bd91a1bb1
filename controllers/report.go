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

package controllers

import (
	"context"
	"fmt"

	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/render"
)

// +kubebuilder:rbac:groups=openreports.io,resources=reports,verbs=get;list;watch;create;update;patch

// publishPolicyReport keeps the platform's OpenReports Report equal to the status.compliance
// this pass writes, where the cluster serves the API; elsewhere it does nothing. It is a child
// like the others: owned by the platform (deleted with it), written with server-side apply
// only when a result changes, and an edit of it is drift (reverted in Enforce mode). While the
// cache may be stale the report keeps what it said: it is not rewritten from a guess.
func (r *MeetingPlatformReconciler) publishPolicyReport(ctx context.Context, s *scope) error {
	if s.results == nil || !s.cacheStaleSince.IsZero() {
		return nil
	}
	served, err := r.optional.Served(ctx, reportGVK)
	if err != nil || !served {
		return err
	}
	// The same inputs as patchStatus: the report and status.compliance carry the same
	// lastEvaluationTime.
	compliance := complianceStatus(s.results, r.previousStatus(s.mp).Compliance, s.now)
	report := render.PolicyReport(s.mp, compliance)
	if err := apply.Prepare(s.mp, report, r.Scheme()); err != nil {
		return err
	}
	if _, err := r.syncChild(ctx, s, report); err != nil {
		return fmt.Errorf("publishing the policy report: %w", err)
	}
	return nil
}
