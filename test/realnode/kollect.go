package realnode

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Kollect is what `az aks kollect` deploys, as the aks-preview extension of
// the Azure CLI writes it (azure-cli-extensions,
// src/aks-preview/azext_aks_preview/aks_diagnostics.py: aks_kollect_cmd,
// _get_kustomize_yaml, _generate_container_name, _is_windows_hpc_supported),
// with this checkout's deployment/ where the CLI names the release on
// GitHub, and images of a local registry.
type Kollect struct {
	// Deployment is this checkout's deployment/ directory: the overlay's
	// resource is its base/, its component components/win-hpc, both by
	// relative path (kustomize refuses an absolute one).
	Deployment string
	// Registry and ImageVersion name the images: <Registry>/aks/periscope
	// and <Registry>/aks/periscope-win, tag ImageVersion (the CLI's
	// CONST_PERISCOPE_CONTAINER_REGISTRY and CONST_PERISCOPE_IMAGE_VERSION).
	Registry, ImageVersion string
	// StorageAccount, ContainerName and SASToken (with or without its
	// leading "?": the CLI strips it, then writes one) are the Secret's.
	StorageAccount, ContainerName, SASToken string
	RunID                                   string
	// WindowsVersions are the Kubernetes versions of the cluster's Windows
	// node pools; the win-hpc component is added when every one is at
	// least 1.23, which holds with none.
	WindowsVersions []string
	// The optional lists of `az aks kollect` (--container-logs,
	// --kube-objects, --node-logs, --node-logs-windows); nil is not given.
	ContainerLogs, KubeObjects, NodeLogsLinux, NodeLogsWindows *string
}

// Namespace is the CLI's CONST_PERISCOPE_NAMESPACE.
const Namespace = "aks-periscope"

// RunID is a run ID as the CLI makes one: datetime.utcnow() as
// %Y-%m-%dT%H-%M-%SZ.
func RunID(t time.Time) string { return t.UTC().Format("2006-01-02T15-04-05Z") }

// ContainerName is the CLI's blob container name for a cluster: its FQDN
// (or, without one, its private FQDN) up to ".hcp.", dots as dashes, at
// most 63 characters, trailing dashes removed. Without ".hcp." Python's
// find returns -1, so the last character is dropped, as the CLI does.
func ContainerName(fqdn, privateFQDN string) string {
	name := fqdn
	if name == "" {
		name = privateFQDN
	}
	if i := strings.Index(name, ".hcp."); i >= 0 {
		name = name[:i]
	} else if name != "" {
		name = name[:len(name)-1]
	}
	name = strings.ReplaceAll(name, ".", "-")
	if len(name) > 63 {
		name = name[:63]
	}
	return strings.TrimRight(name, "-")
}

// winHPC is _is_windows_hpc_supported: every Windows pool at 1.23 or later.
func (k Kollect) winHPC() bool {
	for _, v := range k.WindowsVersions {
		var major, minor int
		if _, err := fmt.Sscanf(strings.TrimPrefix(v, "v"), "%d.%d", &major, &minor); err != nil || major < 1 || (major == 1 && minor < 23) {
			return false
		}
	}
	return true
}

// Kustomization is the overlay's kustomization.yaml for a file in dir,
// text for text the CLI's template.
func (k Kollect) Kustomization(dir string) (string, error) {
	rel := func(p string) (string, error) {
		r, err := filepath.Rel(dir, filepath.Join(k.Deployment, p))
		if err != nil {
			return "", fmt.Errorf("the overlay in %s cannot name %s: %w", dir, p, err)
		}
		return filepath.ToSlash(r), nil
	}
	base, err := rel("base")
	if err != nil {
		return "", err
	}
	var components []string
	if k.winHPC() {
		c, err := rel(filepath.Join("components", "win-hpc"))
		if err != nil {
			return "", err
		}
		components = append(components, "- "+c)
	}
	var diag []string
	for _, kv := range []struct {
		key   string
		value *string
	}{
		{"DIAGNOSTIC_RUN_ID", &k.RunID},
		{"DIAGNOSTIC_CONTAINERLOGS_LIST", k.ContainerLogs},
		{"DIAGNOSTIC_KUBEOBJECTS_LIST", k.KubeObjects},
		{"DIAGNOSTIC_NODELOGS_LIST_LINUX", k.NodeLogsLinux},
		{"DIAGNOSTIC_NODELOGS_LIST_WINDOWS", k.NodeLogsWindows},
	} {
		if kv.value != nil {
			diag = append(diag, fmt.Sprintf(`  - %s="%s"`, kv.key, *kv.value)) // Python's f'  - {k}="{v}"': no escaping
		}
	}
	return fmt.Sprintf(`
resources:
- %s

components:
%s

namespace: %s

images:
- name: periscope-linux
  newName: %s/aks/periscope
  newTag: %s
- name: periscope-windows
  newName: %s/aks/periscope-win
  newTag: %s

configMapGenerator:
- name: diagnostic-config
  behavior: merge
  literals:
%s

secretGenerator:
- name: azureblob-secret
  behavior: replace
  literals:
  - AZURE_BLOB_ACCOUNT_NAME=%s
  - AZURE_BLOB_SAS_KEY=?%s
  - AZURE_BLOB_CONTAINER_NAME=%s
`, base, strings.Join(components, "\n"), Namespace,
		k.Registry, k.ImageVersion, k.Registry, k.ImageVersion,
		strings.Join(diag, "\n"),
		k.StorageAccount, strings.Trim(k.SASToken, "?"), k.ContainerName), nil
}

// Cleanup is the CLI's "Cleaning up aks-periscope resources if existing",
// run before every deployment: kubectl arguments, in its order. It is the
// only uninstall the CLI has.
func Cleanup() [][]string {
	return [][]string{
		{"delete", "serviceaccount,configmap,daemonset,secret", "--all", "-n", Namespace, "--ignore-not-found"},
		{"delete", "ClusterRoleBinding", "aks-periscope-role-binding", "--ignore-not-found"},
		{"delete", "ClusterRoleBinding", "aks-periscope-role-binding-view", "--ignore-not-found"},
		{"delete", "ClusterRole", "aks-periscope-role", "--ignore-not-found"},
		{"delete", "--all", "apd", "-n", Namespace, "--ignore-not-found"},
		{"delete", "CustomResourceDefinition", "diagnostics.aks-periscope.azure.github.com", "--ignore-not-found"},
	}
}

// Apply is the CLI's deployment of the overlay in dir.
func Apply(dir string) []string { return []string{"apply", "-k", dir, "-n", Namespace} }
