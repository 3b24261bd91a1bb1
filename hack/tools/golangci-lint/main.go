// Command golangci-lint is golangci-lint with the module plugins meetwarden lints with compiled in:
// kube-api-linter (Kubernetes API conventions) and logcheck (structured logging).
//
// It is what `golangci-lint custom` would generate, built from the Go module proxy instead: `custom`
// clones golangci-lint from GitHub, which our build machines cannot reach. The plugins register
// themselves with golangci-lint (github.com/golangci/plugin-module-register) when imported, and
// .golangci.yml turns them on as `type: module` custom linters. Every version is pinned in go.mod.
// The Makefile builds this into bin/ (`make golangci-lint`).
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/golangci/golangci-lint/v2/pkg/commands"
	"github.com/golangci/golangci-lint/v2/pkg/exitcodes"

	// Module plugins; each registers itself in an init function.
	_ "sigs.k8s.io/kube-api-linter"
	_ "sigs.k8s.io/logtools/logcheck/gclplugin"
)

const golangciModule = "github.com/golangci/golangci-lint/v2"

func main() {
	if err := commands.Execute(buildInfo()); err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "The command is terminated due to an error: %v\n", err)
		os.Exit(exitcodes.Failure)
	}
}

// buildInfo reports the golangci-lint version this binary is built from (the version pinned in
// go.mod), as `golangci-lint --version` would for a release build, plus the plugin versions.
func buildInfo() commands.BuildInfo {
	info := commands.BuildInfo{Version: "unknown", Commit: "?", Date: "(unknown)", GoVersion: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	info.GoVersion = bi.GoVersion
	var plugins []string
	for _, dep := range bi.Deps {
		switch dep.Path {
		case golangciModule:
			info.Version = strings.TrimPrefix(dep.Version, "v")
		case "sigs.k8s.io/kube-api-linter", "sigs.k8s.io/logtools":
			plugins = append(plugins, dep.Path+"@"+dep.Version)
		}
	}
	// `golangci-lint --version` prints "... from <Commit> on <Date>".
	info.Commit = "hack/tools/golangci-lint with " + strings.Join(plugins, " ")
	return info
}
