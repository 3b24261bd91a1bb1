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

// Package gitops tests the GitOps integrations documented in docs/gitops.md.
package gitops

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

// healthScript is the Argo CD health check users install (docs/argocd/health.lua).
var healthScript = filepath.Join("..", "..", "docs", "argocd", "health.lua")

// The script runs here the way Argo CD runs it: gopher-lua (Argo CD's interpreter), the object
// as the global `obj` (JSON decoded into Lua tables, numbers as Lua numbers), and a returned
// table with `status` and `message`.
func TestArgoCDHealthCheck(t *testing.T) {
	for _, tc := range []struct {
		name        string
		object      string
		wantStatus  string
		wantMessage string
	}{
		{
			name:        "a platform without status is progressing",
			object:      `metadata: {name: meet, generation: 1}`,
			wantStatus:  "Progressing",
			wantMessage: "Waiting for the meetwarden operator to report status",
		},
		{
			name: "a ready platform at the current generation is healthy",
			object: platform(3, 3,
				cond("Ready", "True", 3, "Ready", "All components are available and every control passes"),
				cond("Reconciling", "False", 3, "Succeeded", ""),
				cond("Stalled", "False", 3, "Succeeded", ""),
				cond("Compliant", "True", 3, "AllControlsPass", "24 controls pass, 1 warns")),
			wantStatus:  "Healthy",
			wantMessage: "All components are available and every control passes",
		},
		{
			name: "a platform the operator is working on is progressing",
			object: platform(2, 2,
				cond("Ready", "False", 2, "Progressing", "web: 0/1 replicas ready"),
				cond("Reconciling", "True", 2, "Progressing", "Waiting for web to become available"),
				cond("Compliant", "True", 2, "AllControlsPass", "")),
			wantStatus:  "Progressing",
			wantMessage: "Waiting for web to become available",
		},
		{
			name: "a spec the operator has not yet observed is progressing, however ready the old one was",
			object: platform(5, 4,
				cond("Ready", "True", 4, "Ready", "ready"),
				cond("Compliant", "True", 4, "AllControlsPass", "")),
			wantStatus:  "Progressing",
			wantMessage: "Waiting for the operator to observe generation 5",
		},
		{
			name: "a stalled platform is degraded with the Stalled message",
			object: platform(1, 1,
				cond("Ready", "False", 1, "Stalled", "TLS Secret video/meet-tls not found"),
				cond("Stalled", "True", 1, "TLSSecretNotFound", "TLS Secret video/meet-tls not found"),
				cond("Reconciling", "False", 1, "Stalled", "")),
			wantStatus:  "Degraded",
			wantMessage: "TLS Secret video/meet-tls not found",
		},
		{
			name: "a stalled platform is degraded even before status.observedGeneration is written",
			object: platformWithoutObservedGeneration(1,
				cond("Stalled", "True", 1, "NoNodeInJurisdiction", "no Ready node has a region in EEA")),
			wantStatus:  "Degraded",
			wantMessage: "no Ready node has a region in EEA",
		},
		{
			name: "a non-compliant platform is degraded with the Compliant message",
			object: platform(2, 2,
				cond("Ready", "False", 2, "NotCompliant", "2 controls fail"),
				cond("Reconciling", "False", 2, "Succeeded", ""),
				cond("Stalled", "False", 2, "Succeeded", ""),
				cond("Compliant", "False", 2, "ControlsFail", "2 controls fail: EU-2 (critical), TLS-2 (critical)")),
			wantStatus:  "Degraded",
			wantMessage: "2 controls fail: EU-2 (critical), TLS-2 (critical)",
		},
		{
			name: "a Stalled condition of an older generation no longer degrades",
			object: platform(3, 2,
				cond("Stalled", "True", 2, "TLSSecretNotFound", "TLS Secret video/meet-tls not found")),
			wantStatus:  "Progressing",
			wantMessage: "Waiting for the operator to observe generation 3",
		},
		{
			name: "a condition without a message reports its reason",
			object: platform(1, 1,
				cond("Compliant", "False", 1, "ControlsFail", "")),
			wantStatus:  "Degraded",
			wantMessage: "The platform does not comply with its profile (ControlsFail)",
		},
		{
			name: "a platform whose Ready is not yet True is progressing with the Ready message",
			object: platform(1, 1,
				cond("Ready", "Unknown", 1, "Evaluating", "Evaluating the gdpr-eu profile")),
			wantStatus:  "Progressing",
			wantMessage: "Evaluating the gdpr-eu profile",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, message := runHealthCheck(t, tc.object)
			if status != tc.wantStatus || message != tc.wantMessage {
				t.Errorf("got %s %q, want %s %q", status, message, tc.wantStatus, tc.wantMessage)
			}
		})
	}
}

// TestArgoCDConfigMapSnippetIsTheScript keeps the argocd-cm snippet users apply identical to
// the tested script (`make docs` regenerates it).
func TestArgoCDConfigMapSnippetIsTheScript(t *testing.T) {
	script, err := os.ReadFile(healthScript)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "argocd", "argocd-cm-patch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var patch struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(data, &patch); err != nil {
		t.Fatal(err)
	}
	const key = "resource.customizations.health.meetwarden.io_MeetingPlatform"
	if patch.Data[key] != string(script) {
		t.Errorf("docs/argocd/argocd-cm-patch.yaml %s is not docs/argocd/health.lua: run `make docs`", key)
	}
}

func runHealthCheck(t *testing.T, objectYAML string) (status, message string) {
	t.Helper()
	script, err := os.ReadFile(healthScript)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(objectYAML), &obj); err != nil {
		t.Fatalf("test object: %v", err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	// The only libraries Argo CD opens for health scripts (util/lua/lua.go; it adds a reduced
	// os library the script does not use): a script calling string.* or math.* fails here as it
	// would in Argo CD.
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(string(script)); err != nil {
		t.Fatalf("health.lua: %v", err)
	}
	result, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("health.lua returned %v, want a table", L.Get(-1))
	}
	return lua.LVAsString(result.RawGetString("status")), lua.LVAsString(result.RawGetString("message"))
}

// toLua converts decoded JSON into Lua values as Argo CD does: objects and arrays become tables
// (arrays 1-based), numbers Lua numbers.
func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		table := L.NewTable()
		for k, item := range v {
			table.RawSetString(k, toLua(L, item))
		}
		return table
	case []any:
		table := L.NewTable()
		for i, item := range v {
			table.RawSetInt(i+1, toLua(L, item))
		}
		return table
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case nil:
		return lua.LNil
	default:
		panic("unexpected JSON value")
	}
}

// platform is a MeetingPlatform with a generation, an observed generation and conditions.
func platform(generation, observed int, conditions ...string) string {
	return "metadata: {name: meet, namespace: video, generation: " + strconv.Itoa(generation) + "}\n" +
		"status:\n  observedGeneration: " + strconv.Itoa(observed) + "\n  conditions:\n" + strings.Join(conditions, "")
}

func platformWithoutObservedGeneration(generation int, conditions ...string) string {
	return "metadata: {name: meet, namespace: video, generation: " + strconv.Itoa(generation) + "}\n" +
		"status:\n  conditions:\n" + strings.Join(conditions, "")
}

func cond(typ, status string, observedGeneration int, reason, message string) string {
	return "  - {type: " + typ + ", status: \"" + status + "\", observedGeneration: " + strconv.Itoa(observedGeneration) +
		", reason: " + reason + ", message: \"" + message + "\", lastTransitionTime: \"2026-01-01T00:00:00Z\"}\n"
}
