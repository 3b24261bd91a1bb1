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

package apply

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/controllers/podtemplate"
)

// systemAnnotations are written by Kubernetes controllers onto objects the operator owns; they
// are not drift.
var systemAnnotations = []string{"deployment.kubernetes.io/revision"}

// RestartedAtAnnotation is what `kubectl rollout restart` sets on a Deployment's pod template to
// roll its pods. Restarting is an operation users run, not drift: the annotation is kept.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// ignoredForeignPaths are fields other managers legitimately own on the operator's objects.
var ignoredForeignPaths = func() map[string]bool {
	m := map[string]bool{"spec.template.metadata.annotations." + RestartedAtAnnotation: true}
	for _, a := range systemAnnotations {
		m["metadata.annotations."+a] = true
	}
	return m
}()

// foreignFinalizers is the path of the finalizers other controllers add (a cloud provider's
// load-balancer cleanup on the media Service). They change nothing the platform does, only
// delay a deletion until that controller cleaned up, so they are not drift, and a revert keeps
// them (replace).
const foreignFinalizers = "metadata.finalizers"

// foreignChanges lists the fields of obj that a manager other than the operator set, read from
// the object's managedFields: "kubectl-set: spec.template.spec.containers[name=web].env[name=X]".
// Fields filled in by API server defaulting belong to no manager, so they never show up here.
func foreignChanges(obj client.Object) []string {
	var out []string
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager == FieldOwner || mf.Subresource == "status" || mf.FieldsV1 == nil {
			continue
		}
		var tree map[string]any
		if err := json.Unmarshal(mf.FieldsV1.GetRawBytes(), &tree); err != nil {
			out = append(out, mf.Manager+": unreadable managedFields")
			continue
		}
		for _, p := range fieldPaths(tree, "") {
			if !ignoredForeignPaths[p] && !strings.HasPrefix(p, "status") && !strings.HasPrefix(p, foreignFinalizers) {
				out = append(out, mf.Manager+": "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ForeignChanges says in one line which fields of live another manager set ("changed by another
// manager: kubectl-set: ..."), or "" when there is none: the drift managedFields show. A field
// someone removed leaves no trace there (the API server drops it from every manager's set).
func ForeignChanges(live client.Object) string {
	foreign := foreignChanges(live)
	if len(foreign) == 0 {
		return ""
	}
	return describeDrift(foreign, "")
}

// DesiredChanged reports whether desired (prepared with Prepare) differs from the desired state
// live was last applied from: Sync then writes it as a change, not as a revert.
func DesiredChanged(desired, live client.Object) bool {
	return live.GetAnnotations()[desiredHashAnnotation] != desired.GetAnnotations()[desiredHashAnnotation]
}

// PodTemplateDiffers reports whether writing desired would change the pod template of live,
// which replaces its pods: a field desired's template sets that live's lacks or holds with
// another value, or a list of another length. API server defaults in live do not count.
func PodTemplateDiffers(desired, live *appsv1.Deployment) (bool, error) {
	templateOnly := func(d *appsv1.Deployment) client.Object {
		return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: d.Spec.Template}}
	}
	path, err := firstDifference(templateOnly(desired), templateOnly(live))
	return path != "", err
}

// fieldPaths turns a managedFields FieldsV1 tree into readable leaf paths. A list element the
// manager added as a whole (it owns the element itself, ".") is reported once, not per field.
func fieldPaths(tree map[string]any, prefix string) []string {
	keys := make([]string, 0, len(tree))
	for k := range tree {
		if k != "." {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		path, wholeElement := pathSegment(prefix, k)
		sub, _ := tree[k].(map[string]any)
		_, ownsElement := sub["."]
		if len(sub) == 0 || (wholeElement && ownsElement) {
			out = append(out, path)
			continue
		}
		out = append(out, fieldPaths(sub, path)...)
	}
	return out
}

// pathSegment appends one FieldsV1 key to a path: f:name is a field, k:{...} a keyed list
// element, v:x a set value, i:n a list index.
func pathSegment(prefix, key string) (string, bool) {
	switch {
	case strings.HasPrefix(key, "f:"):
		if prefix == "" {
			return key[2:], false
		}
		return prefix + "." + key[2:], false
	case strings.HasPrefix(key, "k:"):
		var fields map[string]any
		if err := json.Unmarshal([]byte(key[2:]), &fields); err == nil {
			parts := make([]string, 0, len(fields))
			for k, v := range fields {
				parts = append(parts, fmt.Sprintf("%s=%v", k, v))
			}
			sort.Strings(parts)
			return prefix + "[" + strings.Join(parts, ",") + "]", true
		}
		return prefix + "[" + key[2:] + "]", true
	case strings.HasPrefix(key, "v:"):
		return prefix + "[" + key[2:] + "]", true
	case strings.HasPrefix(key, "i:"):
		return prefix + "[" + key[2:] + "]", true
	}
	return prefix + "." + key, false
}

// comparedMetadata are the metadata fields compared with the desired state; the rest of
// metadata belongs to the API server.
var comparedMetadata = []string{"labels", "annotations", "ownerReferences"}

// firstDifference returns the path of the first field the desired object sets that the live
// object lacks or holds with another value, or "" when the live object has all of it.
// Fields only the live object has (API server defaults) do not count; lists must match in
// length, so an element added to a list the operator sets is a difference too.
func firstDifference(desired, live client.Object) (string, error) {
	d, err := toMap(desired)
	if err != nil {
		return "", err
	}
	l, err := toMap(live)
	if err != nil {
		return "", err
	}
	for key, dv := range d {
		switch key {
		case "apiVersion", "kind", "status":
			continue
		case "metadata":
			dm, _ := dv.(map[string]any)
			lm, _ := l["metadata"].(map[string]any)
			for _, mk := range comparedMetadata {
				if p := subsetPath(dm[mk], lm[mk], "metadata."+mk); p != "" {
					return p, nil
				}
			}
		default:
			if p := subsetPath(dv, l[key], key); p != "" {
				return p, nil
			}
		}
	}
	return "", nil
}

// difference is firstDifference, and for a Deployment also the first field of its live pod
// template that the rendered one does not have and the API server does not default (a
// command, an init container, a hook), whoever wrote it: added says the difference is such
// an addition, which only a replace removes.
func difference(desired, live client.Object) (path string, added bool, err error) {
	if path, err = firstDifference(desired, live); path != "" || err != nil {
		return path, false, err
	}
	d, ok := desired.(*appsv1.Deployment)
	l, isDeployment := live.(*appsv1.Deployment)
	if !ok || !isDeployment {
		return "", false, nil
	}
	diff, err := podtemplate.Diff(&d.Spec.Template, &l.Spec.Template)
	if err != nil || diff == "" {
		return "", false, err
	}
	return diff, true, nil
}

// subsetPath reports where want is not contained in got.
func subsetPath(want, got any, path string) string {
	switch w := want.(type) {
	case nil:
		return ""
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			if len(w) == 0 {
				return ""
			}
			return path
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p := subsetPath(w[k], g[k], path+"."+k); p != "" {
				return p
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			if len(w) == 0 && len(g) == 0 {
				return ""
			}
			return path
		}
		for i := range w {
			if p := subsetPath(w[i], g[i], path+listElement(w[i], i)); p != "" {
				return p
			}
		}
		return ""
	default:
		if wn, ok := number(want); ok {
			if gn, ok := number(got); ok && wn == gn {
				return ""
			}
			return path
		}
		if !reflect.DeepEqual(want, got) {
			return path
		}
		return ""
	}
}

// listElement names a list element for a path: by its name where it has one, as in
// managedFields ("[name=ENABLE_RECORDING]"), else by its index ("[3]").
func listElement(element any, i int) string {
	if m, ok := element.(map[string]any); ok {
		if name, ok := m["name"].(string); ok && name != "" {
			return "[name=" + name + "]"
		}
	}
	return fmt.Sprintf("[%d]", i)
}

// number reads any JSON number type, so 2048 rendered as int equals 2048 read back as int64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// describeDrift says in one line what differs, for Events and status.
func describeDrift(foreign []string, differs string) string {
	switch {
	case len(foreign) > 3:
		return fmt.Sprintf("changed by another manager: %s and %d more", strings.Join(foreign[:3], "; "), len(foreign)-3)
	case len(foreign) > 0:
		return "changed by another manager: " + strings.Join(foreign, "; ")
	case differs != "":
		return differs + " differs from the desired state"
	}
	return "differs from the desired state"
}

// toMap converts a typed or unstructured object to its JSON map.
func toMap(obj runtime.Object) (map[string]any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u.Object, nil
	}
	return runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
}

// TrimManagedFields is a cache transform for the operator's children: it keeps only the
// managedFields entries drift detection reads, those of other managers (foreign changes) and
// the operator's own Update entries (an unfinished ownByApply), and drops the operator's apply
// entry and every status entry. The apply entry alone is about as large as the object, and
// nothing reads it from the cache: the rare path that needs it reads the object past the cache.
func TrimManagedFields(obj any) (any, error) {
	o, ok := obj.(client.Object)
	if !ok {
		return obj, nil
	}
	entries := o.GetManagedFields()
	kept := slices.DeleteFunc(slices.Clone(entries), func(mf metav1.ManagedFieldsEntry) bool {
		return mf.Subresource == "status" || (mf.Manager == FieldOwner && mf.Operation == metav1.ManagedFieldsOperationApply)
	})
	if len(kept) != len(entries) {
		o.SetManagedFields(kept)
	}
	return obj, nil
}
