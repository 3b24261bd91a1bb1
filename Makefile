# meetwarden: build, test and run the operator. `make help` lists the targets.

IMG ?= ghcr.io/meetwarden/meetwarden:dev
CONTROLLER_TOOLS_VERSION ?= v0.21.0
# Helm, built from the Go module proxy (no prebuilt binary can be downloaded here). HELM_KUBE_MINOR
# is the k8s.io/client-go minor version of that Helm release's go.mod, which its own Makefile
# passes as the default Kubernetes version of `helm template` and `helm lint`.
HELM_VERSION ?= v3.22.0
HELM_KUBE_MINOR ?= 37
# golangci-lint and its module plugins (kube-api-linter, logcheck) are pinned in
# hack/tools/golangci-lint/go.mod, a module of its own, so the operator's go.mod is untouched.
GOLANGCI_LINT_MOD := hack/tools/golangci-lint
GOLANGCI_LINT_VERSION := $(shell awk '$$1 == "github.com/golangci/golangci-lint/v2" {print $$2}' $(GOLANGCI_LINT_MOD)/go.mod)
# promtool (Prometheus' rule checker and rule unit tester) is pinned in hack/tools/promtool/go.mod
# (a `tool` directive), a module of its own, so the operator's go.mod does not grow. Prometheus'
# Go module versions v0.3MM.P are its releases 3.MM.P (the VERSION file of the module).
PROMTOOL_MOD := hack/tools/promtool
PROMTOOL_VERSION := $(shell awk '$$1 == "github.com/prometheus/prometheus" {print $$2}' $(PROMTOOL_MOD)/go.mod)
PROMTOOL_RELEASE := $(shell echo $(PROMTOOL_VERSION) | awk -F. '{printf "%d.%d.%s", $$2 / 100, $$2 % 100, $$3}')
# kube-score (the manifest linter test/kubescore runs on the rendered sample platforms) is pinned
# in hack/tools/kube-score/go.mod (a `tool` directive), a module of its own like promtool's.
KUBE_SCORE_MOD := hack/tools/kube-score
KUBE_SCORE_VERSION := $(shell awk '$$1 == "github.com/zegl/kube-score" {print $$2}' $(KUBE_SCORE_MOD)/go.mod)
CONTAINER_TOOL ?= docker

# Everything the tests need is built by this Makefile: tools into bin/, the control plane
# (etcd, kube-apiserver, ...) into a versioned cache shared by all clones on the machine.
LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
HELM ?= $(LOCALBIN)/helm
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint
PROMTOOL ?= $(LOCALBIN)/promtool
KUBE_SCORE ?= $(LOCALBIN)/kube-score
CLUSTER_DIR ?= $(CURDIR)/.cluster
KUBECONFIG_LOCAL := $(CLUSTER_DIR)/kubeconfig
# The e2e package runs its whole suite in one test binary (about 5 minutes on 2 idle cores):
# go test's default of 10 minutes per package is too short on a loaded machine.
GO_TEST_FLAGS ?= -timeout 30m
# Extra flags of `make bench`, e.g. BENCH_FLAGS="-runs 3 -scale 20 -steady 30s -fleet 5 -restarts 1 -soak 1m" for a
# short run.
BENCH_FLAGS ?=
# The operator revision `make bench` measures side by side with the working tree (the "before"
# column of docs/benchmarks.md); empty: the working tree only.
BENCH_BASELINE ?= 8178e44

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRD and RBAC from the Go markers, and copy them into the Helm chart.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	hack/sync-chart.sh

.PHONY: generate
generate: controller-gen ## Generate deepcopy code.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## go fmt.
	go fmt ./...

.PHONY: vet
vet: ## go vet, and fail on files gofmt would change.
	go vet ./...
	@unformatted=$$(gofmt -l api cmd controllers hack report test); if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted" >&2; exit 1; fi

.PHONY: lint
lint: golangci-lint ## golangci-lint with kube-api-linter and logcheck (.golangci.yml says which linters and why).
	$(GOLANGCI_LINT) run ./...
	@linters=$$($(GOLANGCI_LINT) linters | awk '/^Enabled/ {on=1; next} /^$$/ {on=0} on {sub(/:.*/, ""); print}'); \
	  echo "golangci-lint $(GOLANGCI_LINT_VERSION): $$(echo "$$linters" | wc -l) linters ($$(echo $$linters)), 0 issues"

.PHONY: verify
verify: controller-gen ## Fail when a generated file (CRD, RBAC, deepcopy) is out of date.
	@hack/verify-generated.sh

.PHONY: docs
docs: ## Generate docs/controls.md from the control table in controllers/evaluate, and the Argo CD snippet.
	go run ./hack/gen-controls-doc > docs/controls.md.tmp
	mv docs/controls.md.tmp docs/controls.md
	hack/gen-argocd-cm.sh

.PHONY: helm-lint
helm-lint: helm ## Lint the Helm chart.
	$(HELM) lint --strict charts/meetwarden

.PHONY: controlplane
controlplane: ## Build (or reuse) etcd, kube-apiserver, controller-manager, scheduler and kwok.
	@hack/build-controlplane.sh >/dev/null

# Debian's chromium for the report test (report/chromium_test.go): found, or installed once with
# apt-get (cached by apt); the test fails clearly when neither works.
.PHONY: chromium
chromium: ## Find or install Debian's headless Chromium (hack/chromium.sh).
	@hack/chromium.sh >/dev/null

.PHONY: test
test: vet lint verify controlplane helm promtool kube-score chromium ## Run every test: unit, envtest (real kube-apiserver), the chart's alert rules (promtool), kube-score on the rendered samples, the report in headless Chromium and e2e (local cluster).
	PROMTOOL=$(PROMTOOL) KUBE_SCORE=$(KUBE_SCORE) KUBEBUILDER_ASSETS="$$(hack/build-controlplane.sh)/bin" go test $(GO_TEST_FLAGS) ./... -count=1

##@ Benchmark

.PHONY: bench
bench: controlplane ## Benchmark the operator against BENCH_BASELINE on a cluster of its own (~50 min on 2 cores, 10 of them the idle soak): writes docs/benchmarks.md.
	go run ./test/bench -out docs/benchmarks.md $(if $(BENCH_BASELINE),-baseline $(BENCH_BASELINE)) $(BENCH_FLAGS)

##@ Build and run

.PHONY: build
build: ## Build the manager binary and the kubectl plugin (kubectl-meetwarden) into bin/.
	go build -o $(LOCALBIN)/manager ./cmd
	go build -o $(LOCALBIN)/kubectl-meetwarden ./cmd/kubectl-meetwarden

.PHONY: run
run: manifests ## Run the operator against the local cluster (make cluster-up first).
	KUBECONFIG=$(KUBECONFIG_LOCAL) kubectl apply --server-side -f config/crd/bases
	KUBECONFIG=$(KUBECONFIG_LOCAL) go run ./cmd --leader-elect=false

.PHONY: docker-build
docker-build: ## Build the operator image IMG (needs a container engine; none is installed here).
	$(CONTAINER_TOOL) build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the operator image IMG.
	$(CONTAINER_TOOL) push $(IMG)

##@ Deployment (the cluster of the current kubeconfig context)

.PHONY: deploy
deploy: ## Install the CRD and the operator with kustomize (config/default), image IMG.
	hack/kustomize-build.sh $(IMG) | kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: ## Remove the operator, keeping the CRD and so every MeetingPlatform (docs/uninstall.md).
	hack/kustomize-build.sh --without-crds $(IMG) | kubectl delete --ignore-not-found -f -

##@ Local cluster

.PHONY: cluster-up
cluster-up: ## Start the local cluster (kubeconfig: .cluster/kubeconfig).
	CLUSTER_DIR=$(CLUSTER_DIR) hack/cluster.sh up

.PHONY: cluster-down
cluster-down: ## Stop the operator started by `make demo` and every process cluster-up started.
	CLUSTER_DIR=$(CLUSTER_DIR) hack/operator.sh stop
	CLUSTER_DIR=$(CLUSTER_DIR) hack/cluster.sh down

.PHONY: demo
demo: cluster-up ## Bring up the local cluster, run the operator, apply the sample platform and show its compliance.
	CLUSTER_DIR=$(CLUSTER_DIR) hack/demo.sh

##@ Tools

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

# bin/helm links to bin/helm-<version>, so changing HELM_VERSION rebuilds it (about 3 minutes on
# 2 cores, cold). The ldflags are those of Helm's own release build.
HELM_PKG := helm.sh/helm/$(firstword $(subst ., ,$(HELM_VERSION)))
HELM_LDFLAGS := -s -w -X $(HELM_PKG)/internal/version.version=$(HELM_VERSION)
HELM_LDFLAGS += $(foreach p,pkg/chartutil pkg/lint/rules,-X $(HELM_PKG)/$(p).k8sVersionMajor=1 -X $(HELM_PKG)/$(p).k8sVersionMinor=$(HELM_KUBE_MINOR))
.PHONY: helm
helm: $(LOCALBIN)/helm-$(HELM_VERSION) ## Build helm into bin/ from the Go module proxy.
	@ln -sf helm-$(HELM_VERSION) $(LOCALBIN)/helm
$(LOCALBIN)/helm-$(HELM_VERSION): | $(LOCALBIN)
	rm -rf $(LOCALBIN)/.helm && mkdir -p $(LOCALBIN)/.helm
	GOBIN=$(LOCALBIN)/.helm CGO_ENABLED=0 go install -trimpath -ldflags '$(HELM_LDFLAGS)' $(HELM_PKG)/cmd/helm@$(HELM_VERSION)
	mv $(LOCALBIN)/.helm/helm $@ && rmdir $(LOCALBIN)/.helm

# bin/golangci-lint links to bin/golangci-lint-<version>, built from the wrapper module in
# hack/tools/golangci-lint (golangci-lint plus the plugins, as `golangci-lint custom` would build
# it, but from the module proxy: `custom` clones from GitHub). 1.5 to 2.5 minutes on 2 cores with
# empty module and build caches. Editing the module's files (a plugin version, say) rebuilds it.
.PHONY: golangci-lint
golangci-lint: $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION) ## Build golangci-lint with its plugins into bin/ from the Go module proxy.
	@ln -sf golangci-lint-$(GOLANGCI_LINT_VERSION) $(LOCALBIN)/golangci-lint
$(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION): $(addprefix $(GOLANGCI_LINT_MOD)/,go.mod go.sum main.go) | $(LOCALBIN)
	cd $(GOLANGCI_LINT_MOD) && GOWORK=off CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o $@.tmp .
	mv $@.tmp $@

# bin/promtool links to bin/promtool-<version>, built from hack/tools/promtool (about 8 minutes on
# 2 busy cores with empty module and build caches, 6 s with a warm build cache); test/chart runs the chart's alert rules and their
# unit tests (test/alerts) with it. Editing the module's go.mod (a new version) rebuilds it.
.PHONY: promtool
promtool: $(LOCALBIN)/promtool-$(PROMTOOL_VERSION) ## Build promtool into bin/ from the Go module proxy.
	@ln -sf promtool-$(PROMTOOL_VERSION) $(LOCALBIN)/promtool
$(LOCALBIN)/promtool-$(PROMTOOL_VERSION): $(addprefix $(PROMTOOL_MOD)/,go.mod go.sum) | $(LOCALBIN)
	cd $(PROMTOOL_MOD) && GOWORK=off CGO_ENABLED=0 go build -trimpath \
	  -ldflags '-s -w -X github.com/prometheus/common/version.Version=$(PROMTOOL_RELEASE)' \
	  -o $@.tmp github.com/prometheus/prometheus/cmd/promtool
	mv $@.tmp $@

# bin/kube-score links to bin/kube-score-<version>, built from hack/tools/kube-score (under a
# minute on 2 cores with empty caches). The version is stamped as kube-score's own release build
# does (main.version). Editing the module's go.mod (a new version) rebuilds it.
.PHONY: kube-score
kube-score: $(LOCALBIN)/kube-score-$(KUBE_SCORE_VERSION) ## Build kube-score into bin/ from the Go module proxy.
	@ln -sf kube-score-$(KUBE_SCORE_VERSION) $(LOCALBIN)/kube-score
$(LOCALBIN)/kube-score-$(KUBE_SCORE_VERSION): $(addprefix $(KUBE_SCORE_MOD)/,go.mod go.sum) | $(LOCALBIN)
	cd $(KUBE_SCORE_MOD) && GOWORK=off CGO_ENABLED=0 go build -trimpath \
	  -ldflags '-s -w -X main.version=$(patsubst v%,%,$(KUBE_SCORE_VERSION))' \
	  -o $@.tmp github.com/zegl/kube-score/cmd/kube-score
	mv $@.tmp $@
