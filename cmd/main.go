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

// Command manager runs the meetwarden operator.
package main

import (
	"flag"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	meetwardenv1alpha1 "github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers"
	"github.com/meetwarden/meetwarden/controllers/installation"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func main() {
	var (
		metrics              controllers.MetricsServing
		probeAddr            string
		enableLeaderElection bool
		leaderElectionNS     string
		apiQPS               float64
		apiBurst             int
		concurrency          int
		rollouts             int
		pprofAddr            string
		caBundle             string
		watchNamespaces      string
		tokenBridgeImage     string
	)
	flag.StringVar(&metrics.BindAddress, "metrics-bind-address", ":8443", "Address the Prometheus metrics endpoint binds to; \"0\" disables it.")
	flag.BoolVar(&metrics.Secure, "metrics-secure", true, "Serve the metrics over HTTPS, only to callers whose token the API server accepts and who may get /metrics (the metrics-reader ClusterRole). false serves plain HTTP to anyone: for local tests only.")
	flag.StringVar(&metrics.CertDir, "metrics-cert-dir", "", "Directory with tls.crt and tls.key of the metrics endpoint, reloaded when they change; empty or without them, a self-signed certificate is generated at start.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz endpoints bind to.")
	flag.BoolVar(&enableLeaderElection, "leader-elect", true, "Elect a leader so that only one of several replicas reconciles.")
	flag.StringVar(&leaderElectionNS, "leader-election-namespace", "", "The operator's namespace: where the leader-election Lease and the installation's claim (Lease meetwarden-installation) live (default: the pod's namespace).")
	flag.StringVar(&watchNamespaces, "watch-namespaces", "", "Namespaces, separated by commas, whose platforms this installation reconciles; empty (the default): every namespace. Nodes are read cluster-wide either way.")
	flag.Float64Var(&apiQPS, "kube-api-qps", 100, "Queries per second the operator may send to the API server (client-side limit).")
	flag.IntVar(&apiBurst, "kube-api-burst", 200, "Burst of queries above kube-api-qps.")
	flag.IntVar(&concurrency, "max-concurrent-reconciles", 4, "How many platforms are reconciled in parallel.")
	flag.IntVar(&rollouts, "max-concurrent-rollouts", controllers.DefaultMaxConcurrentRollouts, "How many platforms roll out at once the pod templates a new operator version changes (a restart of prosody, jicofo and the videobridge ends running meetings); the others wait their turn. 0: no limit.")
	flag.StringVar(&caBundle, "trusted-ca-bundle", "", "PEM file of certificate authorities TLS-2 trusts besides the system's roots (a private CA the organisation's browsers trust).")
	flag.StringVar(&tokenBridgeImage, "tokenbridge-image", settings.DefaultTokenBridgeImage, "Image of the OIDC token bridge the operator deploys for platforms with access.authentication OIDC: the operator's own image, which holds the /tokenbridge binary (the chart sets it).")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "", "Address Go's pprof profiles are served on, for diagnosis; empty (the default) disables it. Bind it to loopback: the profiles are not authenticated.")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()

	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	setupLog := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(meetwardenv1alpha1.AddToScheme(scheme))
	utilruntime.Must(gatewayv1.Install(scheme))

	scope, err := installation.ParseScope(watchNamespaces)
	if err != nil {
		setupLog.Error(err, "invalid --watch-namespaces")
		os.Exit(1)
	}
	namespace, namespaceSource := installation.Namespace(leaderElectionNS)
	setupLog.Info("installation", "namespace", namespace, "from", namespaceSource, "scope", scope.String())

	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = float32(apiQPS), apiBurst

	// The informers wait out an outage of the API server instead of backing off up to 30 s, and
	// compliance is reported Unknown while they cannot reach it.
	watchHealth, err := controllers.NewWatchHealth(cfg)
	if err != nil {
		setupLog.Error(err, "unable to create the watch health check")
		os.Exit(1)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metrics.Options(),
		HealthProbeBindAddress:  probeAddr,
		LeaderElection:          enableLeaderElection,
		LeaderElectionID:        "meetwarden.meetwarden.io",
		LeaderElectionNamespace: namespace,
		// Release the lease on a clean shutdown so a standby replica takes over at once, and
		// finish within the pod's 10 s termination grace: killed before, the old leader keeps
		// the lease until it expires.
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       ptr.To(7 * time.Second),
		Cache:                         watchHealth.Guard(controllers.CacheOptions(scope.Namespaces...)),
		Client:                        controllers.ClientOptions(),
		PprofBindAddress:              pprofAddr,
	})
	if err != nil {
		setupLog.Error(err, "unable to create the manager")
		os.Exit(1)
	}

	reconciler, err := controllers.NewMeetingPlatformReconciler(mgr)
	if err != nil {
		setupLog.Error(err, "unable to create the MeetingPlatform reconciler")
		os.Exit(1)
	}
	reconciler.MaxConcurrentReconciles = concurrency
	if rollouts < 0 {
		setupLog.Error(nil, "--max-concurrent-rollouts must be 0 (no limit) or more", "value", rollouts)
		os.Exit(1)
	}
	reconciler.MaxConcurrentRollouts = rollouts
	reconciler.TokenBridgeImage = tokenBridgeImage
	reconciler.WatchNamespaces = scope.Namespaces
	reconciler.WatchHealth = watchHealth
	if reconciler.Roots, err = controllers.TrustStore(caBundle); err != nil {
		setupLog.Error(err, "unable to load the trust store")
		os.Exit(1)
	}
	// The controller runs only while no other installation of the operator overlaps this one.
	guard, err := installation.New(mgr, namespace, scope)
	if err != nil {
		setupLog.Error(err, "unable to set up the installation guard")
		os.Exit(1)
	}
	if err := mgr.Add(guard); err != nil {
		setupLog.Error(err, "unable to add the installation guard")
		os.Exit(1)
	}
	if err := reconciler.SetupWithManager(guard.Gate(mgr)); err != nil {
		setupLog.Error(err, "unable to set up the MeetingPlatform controller")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		setupLog.Error(err, "unable to set up the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", controllers.CachesSynced(mgr.GetCache())); err != nil {
		setupLog.Error(err, "unable to set up the ready check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("installation", guard.Ready); err != nil {
		setupLog.Error(err, "unable to set up the installation check")
		os.Exit(1)
	}

	setupLog.Info("starting the manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		setupLog.Error(err, "the manager stopped with an error")
		os.Exit(1)
	}
}
