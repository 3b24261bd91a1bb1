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

package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// none fills an empty cell of the status table, as kubectl does.
const none = "<none>"

// StatusTable writes one line per platform: where it is, whether it is Ready and Compliant (the
// conditions' status, Unknown when absent) and which controls fail.
func StatusTable(w io.Writer, platforms []v1alpha1.MeetingPlatform) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	if _, err := fmt.Fprintln(tw, "NAMESPACE\tNAME\tDOMAIN\tREADY\tCOMPLIANT\tFAILING\tCONTROLS"); err != nil {
		return err
	}
	for i := range platforms {
		mp := &platforms[i]
		failing := VerdictOf(mp).Failing
		if _, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", mp.Namespace, mp.Name, mp.Spec.Domain,
			conditionStatus(mp, v1alpha1.ConditionReady), conditionStatus(mp, v1alpha1.ConditionCompliant),
			len(failing), controlIDs(failing)); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func conditionStatus(mp *v1alpha1.MeetingPlatform, conditionType string) string {
	if c := meta.FindStatusCondition(mp.Status.Conditions, conditionType); c != nil {
		return string(c.Status)
	}
	return VerdictUnknown
}

func controlIDs(controls []v1alpha1.ControlStatus) string {
	if len(controls) == 0 {
		return none
	}
	ids := make([]string, len(controls))
	for i, c := range controls {
		ids[i] = c.ID
	}
	return strings.Join(ids, ",")
}
