# meetwarden: build, test and run the operator. `make help` lists the targets.

IMG ?= ghcr.io/meetwarden/meetwarden:dev
CONTROLLER_TOOLS_VERSION ?= v0.21.0

# Everything the tests need is built by this Makefile: tools into bin/, the control plane
# (etcd, kube-apiserver, ...) into a versioned cache shared by all clones on the machine.
LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
CLUSTER_DIR ?= $(CURDIR)/.cluster
KUBECONFIG_LOCAL := $(CLUSTER_DIR)/kubeconfig
GO_TEST_FLAGS ?=

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
manifests: controller-gen ## Generate the CRD and RBAC from the Go markers.
	$(CONTROLLER_GEN) rbac:roleName=meetwarden-manager crd paths="./..." output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

.PHONY: generate
generate: controller-gen ## Generate deepcopy code.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## go fmt.
	go fmt ./...

.PHONY: vet
vet: ## go vet.
	go vet ./...

.PHONY: verify
verify: controller-gen ## Fail when a generated file (CRD, RBAC, deepcopy) is out of date.
	@hack/verify-generated.sh

.PHONY: controlplane
controlplane: ## Build (or reuse) etcd, kube-apiserver, controller-manager, scheduler and kwok.
	@hack/build-controlplane.sh >/dev/null

.PHONY: test
test: vet verify controlplane ## Run every test: unit, envtest (real kube-apiserver) and e2e (local cluster).
	KUBEBUILDER_ASSETS="$$(hack/build-controlplane.sh)/bin" go test $(GO_TEST_FLAGS) ./... -count=1

##@ Build and run

.PHONY: build
build: ## Build the manager binary into bin/.
	go build -o $(LOCALBIN)/manager ./cmd

.PHONY: run
run: manifests ## Run the operator against the local cluster (make cluster-up first).
	KUBECONFIG=$(KUBECONFIG_LOCAL) kubectl apply --server-side -f config/crd/bases
	KUBECONFIG=$(KUBECONFIG_LOCAL) go run ./cmd --leader-elect=false

##@ Local cluster

.PHONY: cluster-up
cluster-up: ## Start the local cluster (kubeconfig: .cluster/kubeconfig).
	CLUSTER_DIR=$(CLUSTER_DIR) hack/cluster.sh up

.PHONY: cluster-down
cluster-down: ## Stop every process cluster-up started.
	CLUSTER_DIR=$(CLUSTER_DIR) hack/cluster.sh down

.PHONY: demo
demo: cluster-up manifests ## Bring up the local cluster, install the CRD and apply the sample platform.
	hack/demo.sh

##@ Tools

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
