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
	"errors"
	"fmt"
)

// stallError says that the spec cannot be realised until someone acts: a Secret to create, a
// node port to free, a node to add. A step returns it like any error; Reconcile records the
// first one of a pass, lets the steps that still make sense run (nothing is applied while
// stalled, compliance is still judged), and the status code turns it into Stalled=True with
// its reason and an Event. It is never returned to controller-runtime: retrying cannot help,
// the watches or a recheck wake the platform when the cause goes away.
type stallError struct {
	// reason is one of the v1alpha1.Reason* constants of Stalled.
	reason  string
	message string
}

func (e *stallError) Error() string { return e.reason + ": " + e.message }

// stall returns a stallError with a formatted message.
func stall(reason, format string, args ...any) *stallError {
	return &stallError{reason: reason, message: fmt.Sprintf(format, args...)}
}

// asStall returns the stallError err carries, or nil.
func asStall(err error) *stallError {
	var s *stallError
	if errors.As(err, &s) {
		return s
	}
	return nil
}
