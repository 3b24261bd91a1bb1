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
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// WiringEnv are the variables that connect the components and fit them to Kubernetes, by
// name. They are not privacy settings; Forbidden and the enforced tables never name them.
// memoryLimit is the component's memory limit (nil or zero: none), which sizes a Java heap.
func WiringEnv(mp *v1alpha1.MeetingPlatform, c Component, memoryLimit *resource.Quantity) map[string]string {
	if c == TokenBridge {
		return map[string]string{} // not an s6 image; its settings are all in the tables
	}
	// /run is an emptyDir, which Kubernetes creates world-writable; s6-overlay refuses that
	// unless told it is intended.
	env := map[string]string{"S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES": One}
	switch c {
	case Web:
		env["ENABLE_XMPP_WEBSOCKET"] = True
		env["XMPP_BOSH_URL_BASE"] = fmt.Sprintf("http://%s:%d", ServiceHost(mp, Prosody), ProsodyHTTPPort)
	case Prosody:
		env["ENABLE_XMPP_WEBSOCKET"] = True
	case Jicofo:
		env["XMPP_SERVER"] = ServiceHost(mp, Prosody)
		setHeap(env, "JICOFO_MAX_MEMORY", memoryLimit)
	case JVB:
		env["XMPP_SERVER"] = ServiceHost(mp, Prosody)
		// JVB_PORT differs per bridge: BridgeEnv. Each bridge listens on its public media port
		// itself, so the port it announces is the one clients reach, through a NodePort or a
		// load balancer alike.
		setHeap(env, "VIDEOBRIDGE_MAX_MEMORY", memoryLimit)
	}
	return env
}

// Bounds of the heap of a Java component (jicofo, the videobridge), in MiB. The heap is three
// quarters of the memory limit, the rest left to the JVM's own memory (threads, metaspace,
// direct buffers), clamped to these bounds:
//   - at most MaxHeapMiB (16 GiB), over eight times the load the images' own default of 3 GiB
//     is sized for: a larger limit only leaves more memory outside the heap, and a limit such
//     as 4E no longer overflows the arithmetic into a negative or absurd -Xmx;
//   - at least MinHeapMiB, a sanity bound (not a measured minimum) against a JVM too small to
//     hold a conference. MinJavaMemoryLimit is the smallest limit whose three quarters reach
//     it; render.Validate refuses a smaller one (Stalled, naming the field) rather than write
//     a heap larger than the limit.
const (
	MinHeapMiB = 192
	MaxHeapMiB = 16 << 10
)

// MinJavaMemoryLimit is the smallest memory limit of jicofo or the videobridge: 4/3 of
// MinHeapMiB.
var MinJavaMemoryLimit = resource.MustParse("256Mi")

// HeapMiB is the heap for a memory limit: three quarters of it, clamped to MinHeapMiB and
// MaxHeapMiB. The limit is compared as a Quantity first, so no arithmetic can overflow.
func HeapMiB(limit resource.Quantity) int64 {
	if limit.Cmp(*resource.NewQuantity(MaxHeapMiB<<20/3*4, resource.BinarySI)) >= 0 {
		return MaxHeapMiB
	}
	return min(max(limit.Value()/(1<<20)*3/4, MinHeapMiB), MaxHeapMiB)
}

// setHeap sizes a Java component's heap from its memory limit (HeapMiB); the images' default of
// 3 GiB would exceed a smaller limit and get the container killed.
func setHeap(env map[string]string, name string, limit *resource.Quantity) {
	if limit != nil && !limit.IsZero() {
		env[name] = fmt.Sprintf("%dm", HeapMiB(*limit))
	}
}

// ServiceHost is the in-cluster DNS name of a component's Service.
func ServiceHost(mp *v1alpha1.MeetingPlatform, c Component) string {
	if mp.Namespace == "" {
		return Name(mp, string(c))
	}
	return fmt.Sprintf("%s.%s.svc", Name(mp, string(c)), mp.Namespace)
}
