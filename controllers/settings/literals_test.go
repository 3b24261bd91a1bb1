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
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/meetwarden/meetwarden/test/fixtures"
)

// tableLiterals are the strings this package declares for the renderer and the evaluator: every
// enforced and spec-dependent variable, every forbidden name, header, file path, override path
// and control ID. The samples cover the spec-dependent ones.
func tableLiterals() []string {
	var out []string
	for _, mp := range fixtures.Samples() {
		for _, c := range Components {
			for _, e := range EnvFor(Defaulted(mp), c) {
				out = append(out, e.Name)
			}
		}
		for _, s := range SecretEnvs(Defaulted(mp)) {
			out = append(out, s.Name)
		}
		for _, c := range Components {
			for name := range WiringEnv(Defaulted(mp), c, nil) {
				out = append(out, name)
			}
		}
	}
	for _, r := range ForbiddenEnv {
		if !strings.ContainsAny(r.Pattern, "*?[") {
			out = append(out, r.Pattern)
		}
	}
	for _, h := range Headers {
		out = append(out, h.Name)
	}
	for _, f := range Files {
		out = append(out, f.MountPath, f.Key)
	}
	for _, p := range OverridePaths {
		out = append(out, p.Path)
	}
	for _, v := range ScratchVolumes {
		out = append(out, v.Path)
	}
	for _, c := range Catalog {
		out = append(out, string(c.ID))
	}
	out = append(out, CSPHeader, CSPVariable, STUNVariable, SharedAddressSpace, LDAPBindDNKey, LDAPPasswordKey,
		AnnotationSSLRedirect, AnnotationForceSSLRedirect, AnnotationTraefikRouterTLS, AnnotationTraefikMiddlewares, MiddlewareCRD, LabelName, LabelInstance, LabelComponent, LabelManagedBy)
	out = append(out, AdvertiseVariables...)
	slices.Sort(out)
	return slices.Compact(out)
}

// TestTheTableIsTheOnlyPlaceOfItsLiterals keeps render, evaluate and the reconciler free of
// copies of the table: none of their source files (tests aside, which assert the public values)
// may spell one of the table's strings as a Go string literal; they import it instead.
func TestTheTableIsTheOnlyPlaceOfItsLiterals(t *testing.T) {
	literals := tableLiterals()
	if len(literals) < 100 {
		t.Fatalf("only %d literals collected", len(literals))
	}
	root := filepath.Join("..", "..")
	var checked int
	for _, dir := range []string{"controllers", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "settings" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			checked++
			for _, l := range literals {
				if strings.Contains(string(raw), strconv.Quote(l)) {
					t.Errorf("%s spells %q; use the constant or table of controllers/settings", path, l)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d files checked for %d literals", checked, len(literals))
}
