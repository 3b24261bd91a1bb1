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

// Command kubectl-meetwarden is the kubectl plugin of meetwarden (`kubectl meetwarden`): what a
// data-protection officer or a platform engineer asks about the MeetingPlatforms of a cluster,
// read with get and list rights only (docs/report.md).
//
//	kubectl meetwarden status [-n NS | -A]                    one line per platform
//	kubectl meetwarden report [NAME...] [-n NS | -A] [-o FILE] a dated HTML report
//
// Install: go install github.com/meetwarden/meetwarden/cmd/kubectl-meetwarden@latest
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/pflag"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/report"
)

const usage = `kubectl meetwarden: the compliance of MeetingPlatforms, read-only.

Usage:
  kubectl meetwarden status [-n NAMESPACE | -A]
  kubectl meetwarden report [NAME...] [-n NAMESPACE | -A] [-o FILE] [--since DURATION]

status   one line per platform: ready, compliant, the failing controls
report   a self-contained, dated HTML report (one platform, or all in one document)

Flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		stop()
		os.Exit(1)
	}
}

// options are the flags of both commands; kubectl's own names where kubectl has one.
type options struct {
	kubeconfig, context, namespace string
	allNamespaces                  bool
	output                         string
	since                          time.Duration
}

func parse(args []string, stderr io.Writer) (string, []string, options, error) {
	var o options
	fs := pflag.NewFlagSet("kubectl-meetwarden", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&o.context, "context", "", "the kubeconfig context to use")
	fs.StringVarP(&o.namespace, "namespace", "n", "", "the namespace (default: the context's)")
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "every namespace")
	fs.StringVarP(&o.output, "output", "o", "", "report: write the HTML to this file instead of stdout")
	fs.DurationVar(&o.since, "since", 7*24*time.Hour, "report: show the Events of this last period (0: all the API server keeps)")
	// The usage goes to the terminal; a failed write there leaves nothing to report it to.
	fs.Usage = func() { _, _ = fmt.Fprint(stderr, usage+fs.FlagUsages()) }
	if err := fs.Parse(args); err != nil {
		return "", nil, o, err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return "", nil, o, errors.New("a command is required: status or report")
	}
	return fs.Arg(0), fs.Args()[1:], o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	command, names, o, err := parse(args, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.allNamespaces && len(names) > 0 {
		return errors.New("name platforms within one namespace (-n), not with -A")
	}
	conn, err := connect(o)
	if err != nil {
		return err
	}
	c := collector{client: conn.client, now: time.Now(), since: o.since}
	mps, err := c.platforms(ctx, conn.namespace, names)
	if err != nil {
		return err
	}
	switch command {
	case "status":
		return report.StatusTable(stdout, mps)
	case "report":
		if len(mps) == 0 {
			return fmt.Errorf("%w in %s", errNoPlatforms, where(conn.namespace))
		}
		return writeReport(ctx, c, conn.cluster, mps, o.output, stdout)
	}
	return fmt.Errorf("unknown command %q: status or report", command)
}

func where(namespace string) string {
	if namespace == "" {
		return "any namespace"
	}
	return "namespace " + namespace
}

func writeReport(ctx context.Context, c collector, cluster string, mps []v1alpha1.MeetingPlatform, output string, stdout io.Writer) error {
	doc := report.Document{Generated: c.now, Cluster: cluster, OperatorVersion: c.operatorVersion(ctx), EventWindow: c.since}
	for i := range mps {
		doc.Platforms = append(doc.Platforms, c.platform(ctx, &mps[i]))
	}
	if output == "" {
		return report.Write(stdout, doc)
	}
	f, err := os.Create(output)
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if err := report.Write(f, doc); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// connection is a client for the kubeconfig's context and what the report says about it.
type connection struct {
	client client.Reader
	// namespace is "" for every namespace.
	namespace string
	// cluster is "<context> (cluster <name>)" from the kubeconfig.
	cluster string
}

// userAgent names the plugin in the API server's audit log.
const userAgent = "kubectl-meetwarden"

// connect loads the kubeconfig with kubectl's rules (client-go's clientcmd: --kubeconfig, else
// $KUBECONFIG, else ~/.kube/config; --context; the context's namespace unless -n is given).
func connect(o options) (connection, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.context}
	overrides.Context.Namespace = o.namespace
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := loader.ClientConfig()
	if err != nil {
		return connection{}, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	cfg.UserAgent = userAgent
	namespace, _, err := loader.Namespace()
	if err != nil {
		return connection{}, fmt.Errorf("reading the namespace of the context: %w", err)
	}
	if o.allNamespaces {
		namespace = ""
	}
	raw, err := loader.RawConfig()
	if err != nil {
		return connection{}, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	contextName := o.context
	if contextName == "" {
		contextName = raw.CurrentContext
	}
	cluster := contextName
	if kc, ok := raw.Contexts[contextName]; ok {
		cluster += " (cluster " + kc.Cluster + ", " + cfg.Host + ")"
	}
	cl, err := client.New(cfg, client.Options{Scheme: newScheme()})
	if err != nil {
		return connection{}, fmt.Errorf("connecting to %s: %w", cfg.Host, err)
	}
	return connection{client: cl, namespace: namespace, cluster: cluster}, nil
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{v1alpha1.AddToScheme, corev1.AddToScheme, appsv1.AddToScheme, eventsv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err) // only a programming error: the types are compiled in
		}
	}
	return s
}
