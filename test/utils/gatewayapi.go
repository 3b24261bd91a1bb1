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

package utils

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// GatewayAPIModule is the module whose standard-channel CRDs the tests install: the version
// go.mod pins, so the CRDs are those of the Go types the operator uses.
const GatewayAPIModule = "sigs.k8s.io/gateway-api"

// GatewayAPICRDs is the directory of the Gateway API's standard-channel CRDs in the module
// cache (the module ships them in its source, config/crd/standard), for envtest's
// CRDDirectoryPaths and for kubectl apply -f.
func GatewayAPICRDs() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", GatewayAPIModule).Output()
	if err != nil {
		return "", fmt.Errorf("locating %s in the module cache (go list -m): %w", GatewayAPIModule, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("%s is not downloaded: run go mod download", GatewayAPIModule)
	}
	return filepath.Join(dir, "config", "crd", "standard"), nil
}
