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

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// The operators of this suite run as the Helm chart's ServiceAccount with the chart's RBAC,
// never as the admin: every permission the chart lacks fails a test, and the cluster runs the
// OwnerReferencesPermissionEnforcement admission plugin (hack/cluster.sh), as OpenShift does.
// The tests' own client stays admin.

// operatorIdentity is an installation's ServiceAccount, with the chart's RBAC for it, and a
// kubeconfig that authenticates as it with a token from the TokenRequest API.
type operatorIdentity struct {
	release, namespace, serviceAccount string
	kubeconfig                         string
	// clusterObjects are the cluster-scoped objects the install created (ClusterRole and its
	// binding), deleted by remove.
	clusterObjects []*unstructured.Unstructured
}

// rbacKinds are the kinds of the chart that make up the operator's identity.
var rbacKinds = []string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}

// installIdentity renders the chart (bin/helm template) as release in namespace with values
// (helm --set expressions), creates its ServiceAccount and RBAC, and writes a kubeconfig for the
// ServiceAccount. The namespace and every watched namespace must exist.
func installIdentity(ctx context.Context, release, namespace string, values ...string) (*operatorIdentity, error) {
	objs, err := renderChart(ctx, release, namespace, append([]string{"crds.install=false"}, values...)...)
	if err != nil {
		return nil, err
	}
	id := &operatorIdentity{release: release, namespace: namespace}
	for _, obj := range objs {
		if !slices.Contains(rbacKinds, obj.GetKind()) {
			continue
		}
		if err := k8s.Create(ctx, obj); err != nil {
			return nil, fmt.Errorf("creating the chart's %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
		switch obj.GetKind() {
		case "ServiceAccount":
			id.serviceAccount = obj.GetName()
		case "ClusterRole", "ClusterRoleBinding":
			id.clusterObjects = append(id.clusterObjects, obj)
		}
	}
	if id.serviceAccount == "" {
		return nil, fmt.Errorf("the chart rendered no ServiceAccount for release %s", release)
	}
	if id.kubeconfig, err = writeServiceAccountKubeconfig(ctx, namespace, id.serviceAccount); err != nil {
		return nil, err
	}
	return id, waitAuthorized(ctx, id)
}

// remove deletes what installIdentity created outside its namespace.
func (id *operatorIdentity) remove(ctx context.Context) {
	for _, obj := range id.clusterObjects {
		_ = k8s.Delete(ctx, obj)
	}
}

// renderChart runs `helm template` on charts/meetwarden and decodes its objects.
func renderChart(ctx context.Context, release, namespace string, set ...string) ([]*unstructured.Unstructured, error) {
	helm := os.Getenv("HELM")
	if helm == "" {
		helm = filepath.Join(repoRoot, "bin", "helm")
	}
	args := []string{"template", release, filepath.Join(repoRoot, "charts", "meetwarden"), "--namespace", namespace}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, helm, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %v (`make helm` builds bin/helm): %w: %s", helm, args, err, stderr.String())
	}
	return decodeObjects(stdout.Bytes())
}

func decodeObjects(stream []byte) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		obj := map[string]any{}
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, err
		}
		if len(obj) > 0 {
			objs = append(objs, &unstructured.Unstructured{Object: obj})
		}
	}
}

// writeServiceAccountKubeconfig asks the TokenRequest API for a token of the ServiceAccount
// (valid longer than any run of the suite) and writes a kubeconfig with it, for the same API
// server and CA as the admin's.
func writeServiceAccountKubeconfig(ctx context.Context, namespace, name string) (string, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(6 * 3600))}}
	if err := k8s.SubResource("token").Create(ctx, sa, tr); err != nil {
		return "", fmt.Errorf("requesting a token for ServiceAccount %s/%s: %w", namespace, name, err)
	}
	admin, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return "", err
	}
	cluster := admin.Clusters[admin.Contexts[admin.CurrentContext].Cluster]
	user := "system:serviceaccount:" + namespace + ":" + name
	cfg := clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{"e2e": cluster},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{user: {Token: tr.Status.Token}},
		Contexts:       map[string]*clientcmdapi.Context{"e2e": {Cluster: "e2e", AuthInfo: user}},
		CurrentContext: "e2e",
	}
	path := filepath.Join(workDir, fmt.Sprintf("operator-%s-%s.kubeconfig", namespace, name))
	return path, clientcmd.WriteToFile(cfg, path)
}

// waitAuthorized waits until the API server authorizes the identity with its new RBAC (the
// authorizer's caches follow the API within moments): listing the installations' claims, a
// right only the chart's ClusterRole grants.
func waitAuthorized(ctx context.Context, id *operatorIdentity) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", id.kubeconfig)
	if err != nil {
		return err
	}
	c, err := client.New(rest.CopyConfig(cfg), client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	_, err = poll(30*time.Second, func() error {
		return c.List(ctx, &coordinationv1.LeaseList{}, client.Limit(1))
	})
	if err != nil {
		return fmt.Errorf("the chart's ServiceAccount %s/%s cannot list Leases after 30s: %w", id.namespace, id.serviceAccount, err)
	}
	return nil
}

// installationClaim is the Lease an installation in namespace claims its scope with.
func installationClaim(namespace string) *coordinationv1.Lease {
	return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "meetwarden-installation"}}
}

// handOver deletes the claim of a stopped installation, so that another may reconcile its
// platforms at once instead of after the claim lapses (docs/install.md, two installations).
func handOver(ctx context.Context, namespace string) error {
	err := k8s.Delete(ctx, installationClaim(namespace))
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
