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
	"sync"
	"time"
)

// A correction the operator has to make again and again is a fight it cannot win by itself:
// another controller that writes a field back after every revert, or a scheduler that puts an
// evicted pod back on the node it was evicted from (the pods' node affinity expresses the
// region, the jurisdiction judgement also the provider, zone and sovereignty). After loopLimit
// corrections of the same thing within loopWindow, the operator stops making it until the
// window has passed, reports the platform Stalled (RevertLoop, EvictionLoop) and names what it
// fights; compliance keeps judging what is live, so the drift or the misplaced pod still fails
// its control meanwhile.
const (
	loopWindow = 5 * time.Minute
	loopLimit  = 3
)

// loops remembers when each repeated correction was made, by a key that names the platform
// and what was corrected.
type loops struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

// note records a correction of key at now.
func (l *loops) note(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string][]time.Time{}
	}
	l.seen[key] = append(recent(l.seen[key], now), now)
}

// looping says whether key was corrected loopLimit times within the window before now, and
// until when corrections pause.
func (l *loops) looping(key string, now time.Time) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := recent(l.seen[key], now)
	if len(times) == 0 {
		delete(l.seen, key)
	} else {
		l.seen[key] = times
	}
	if len(times) < loopLimit {
		return false, time.Time{}
	}
	return true, times[len(times)-loopLimit].Add(loopWindow)
}

// recent keeps the times within loopWindow before now.
func recent(times []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(times) && now.Sub(times[i]) >= loopWindow {
		i++
	}
	return times[i:]
}
