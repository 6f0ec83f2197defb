// Package deployment_test renders deployment/ with kustomize the ways
// Periscope's clients do (base alone, base with the win-hpc component, and
// the overlays `az aks kollect` and the VS Code extension write, byte for
// byte but for the paths) and
// applies the result to a real kube-apiserver (test/kubeapi): server-side
// dry runs of each, and a real apply the CLI then cleans up by name.
package deployment_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/periscope-otel/periscope/test/collectorbin"
	"github.com/periscope-otel/periscope/test/kubeapi"
	"github.com/periscope-otel/periscope/test/realnode"
)

func TestMain(m *testing.M) { os.Exit(kubeapi.Main(m)) }

const namespace = realnode.Namespace

// The constants `az aks kollect` puts in its overlay, as a fork of the CLI
// (or a user of this project) would set them.
const (
	registry = "myregistry.azurecr.io"
	tag      = "0.1.0"
	runID    = "2026-11-29T07-00-00Z"
	sas      = "?sv=2022-11-02&ss=b&srt=sco&sp=rwdlacup&se=2026-11-30T07:00:00Z&st=2026-11-29T07:00:00Z&spr=https&sig=c2lnbmF0dXJl"
)

// kollectOverlay is the kustomization `az aks kollect` writes into dir
// (test/realnode's Kollect, text for text the CLI's template) for the
// deployment/ copy in work: with the win-hpc component unless the
// cluster's Windows pools cannot run HostProcess pods.
func kollectOverlay(t *testing.T, work, dir string, hostProcess bool) string {
	t.Helper()
	containers, windowsLogs := "mynamespace1/mypod1 myns2", `C:\AzureData\CustomDataSetupScript.log C:\k\kubelet.err.log`
	k := realnode.Kollect{
		Deployment: filepath.Join(work, "deployment"), Registry: registry, ImageVersion: tag,
		StorageAccount: "mystorageaccount", ContainerName: "mycluster-dns-1a2b3c4d", SASToken: sas, RunID: runID,
		ContainerLogs: &containers, NodeLogsWindows: &windowsLogs,
	}
	if !hostProcess {
		k.WindowsVersions = []string{"1.22.6"}
	}
	text, err := k.Kustomization(dir)
	require.NoError(t, err)
	return text
}

// vscodeOverlay is the kustomization the VS Code AKS extension wrote
// (periscopehelper.ts, image version 0.0.13 or later: one image name for
// Linux and Windows), paths instead of URLs.
func vscodeOverlay(base, winHPC string) string {
	return `
resources:
- ` + base + `

components:
- ` + winHPC + `


images:
- name: periscope-linux
  newName: ` + registry + `/aks/periscope
  newTag: "` + tag + `"
- name: periscope-windows
  newName: ` + registry + `/aks/periscope
  newTag: "` + tag + `"

secretGenerator:
- name: azureblob-secret
  behavior: replace
  literals:
  - AZURE_BLOB_ACCOUNT_NAME=mystorageaccount
  - AZURE_BLOB_SAS_KEY=` + sas + `
  - AZURE_BLOB_CONTAINER_NAME=mycluster-dns-1a2b3c4d

configMapGenerator:
- name: diagnostic-config
  behavior: merge
  literals:
  - DIAGNOSTIC_RUN_ID=` + runID + `
`
}

// overlays are the kustomization directories under test, in a copy of
// deployment/ (a kustomization may only load what is under its parent).
func overlays(t *testing.T) map[string]string {
	t.Helper()
	work := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(work, "deployment"), os.DirFS(filepath.Join(collectorbin.RepoRoot(), "deployment"))))
	write := func(name, kustomization string) string {
		dir := filepath.Join(work, name)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kustomization), 0o644))
		return dir
	}
	return map[string]string{
		"base": filepath.Join(work, "deployment", "base"),
		"base+win-hpc": write("win-hpc", `resources:
  - ../deployment/base
components:
  - ../deployment/components/win-hpc
`),
		"az aks kollect":                       write("kollect", kollectOverlay(t, work, filepath.Join(work, "kollect"), true)),
		"az aks kollect, no HostProcess pools": write("kollect-linux", kollectOverlay(t, work, filepath.Join(work, "kollect-linux"), false)),
		"VS Code":                              write("vscode", vscodeOverlay("../deployment/base", "../deployment/components/win-hpc")),
	}
}

// kubectl runs the kubectl built for the tests (test/kubeapi) without a
// cluster.
func kubectl(t *testing.T, args ...string) []byte {
	t.Helper()
	bins, err := kubeapi.EnsureBinaries(os.Stderr)
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bins.Kubectl, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "kubectl %v: %s", args, stderr.String())
	return stdout.Bytes()
}

// rendered is the objects of a kustomization, by "Kind/name".
func rendered(t *testing.T, dir string) map[string]*unstructured.Unstructured {
	t.Helper()
	objs := map[string]*unstructured.Unstructured{}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(kubectl(t, "kustomize", dir)), 4096)
	for {
		var u unstructured.Unstructured
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if len(u.Object) > 0 {
			objs[u.GetKind()+"/"+u.GetName()] = &u
		}
	}
	return objs
}

func typed[T any](t *testing.T, u *unstructured.Unstructured) *T {
	t.Helper()
	require.NotNil(t, u)
	var v T
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &v))
	return &v
}

// Names the clients create and delete: Periscope's, plus this project's
// Roles (Diagnostic objects, the cluster Lease).
var baseObjects = []string{
	"Namespace/aks-periscope",
	"ServiceAccount/aks-periscope-service-account",
	"ClusterRole/aks-periscope-role",
	"ClusterRoleBinding/aks-periscope-role-binding",
	"Role/aks-periscope-diagnostic-role",
	"RoleBinding/aks-periscope-diagnostic-role-binding",
	"Role/aks-periscope-lease-role",
	"RoleBinding/aks-periscope-lease-role-binding",
	"CustomResourceDefinition/diagnostics.aks-periscope.azure.github.com",
	"ConfigMap/diagnostic-config",
	"Secret/azureblob-secret",
	"DaemonSet/aks-periscope",
}

// Every overlay renders Periscope's objects; win-hpc adds only the Windows
// DaemonSet, a HostProcess pod on Windows nodes sharing base's
// ServiceAccount, ConfigMap and Secret. No DaemonSet has a port, a probe or
// a host port (the pods share the node's network).
func TestOverlaysRender(t *testing.T) {
	for name, dir := range overlays(t) {
		t.Run(name, func(t *testing.T) {
			objs := rendered(t, dir)
			want := append([]string(nil), baseObjects...)
			withWindows := hasWindows(name)
			if withWindows {
				want = append(want, "DaemonSet/aks-periscope-win")
			}
			var got []string
			for k, u := range objs {
				got = append(got, k)
				if u.GetKind() != "Namespace" && u.GetNamespace() == "" && !clusterScoped[u.GetKind()] {
					t.Errorf("%s has no namespace", k)
				}
			}
			assert.ElementsMatch(t, want, got)

			linux := typed[appsv1.DaemonSet](t, objs["DaemonSet/aks-periscope"])
			assert.Equal(t, "linux", linux.Spec.Template.Spec.NodeSelector["kubernetes.io/os"])
			noListeners(t, linux)
			if !withWindows {
				return
			}
			win := typed[appsv1.DaemonSet](t, objs["DaemonSet/aks-periscope-win"])
			pod := win.Spec.Template.Spec
			require.NotNil(t, pod.SecurityContext)
			require.NotNil(t, pod.SecurityContext.WindowsOptions)
			assert.Equal(t, true, *pod.SecurityContext.WindowsOptions.HostProcess)
			assert.Equal(t, `NT AUTHORITY\SYSTEM`, *pod.SecurityContext.WindowsOptions.RunAsUserName)
			assert.True(t, pod.HostNetwork, "HostProcess pods need hostNetwork")
			assert.Equal(t, map[string]string{"kubernetes.io/os": "windows"}, pod.NodeSelector)
			assert.Equal(t, linux.Spec.Template.Spec.ServiceAccountName, pod.ServiceAccountName)
			assert.Equal(t, linux.Spec.Template.Spec.Tolerations, pod.Tolerations, "every node, tainted or not")
			assert.NotEqual(t, linux.Spec.Selector.MatchLabels, win.Spec.Selector.MatchLabels, "each DaemonSet selects its own pods")
			assert.Equal(t, volumeSources(linux, "diagnostic-config", "azureblob-secret"), volumeSources(win, "diagnostic-config", "azureblob-secret"),
				"one ConfigMap and one Secret drive both")
			for _, v := range pod.Volumes {
				assert.Nil(t, v.HostPath, "a HostProcess pod sees the node's disks without mounts: %s", v.Name)
			}
			noListeners(t, win)
			// The command names the binary and config where the image
			// (deployment/Dockerfile.windows) puts them.
			c := pod.Containers[0]
			assert.Equal(t, []string{`%CONTAINER_SANDBOX_MOUNT_POINT%\otelcol-periscope.exe`, "--config", `%CONTAINER_SANDBOX_MOUNT_POINT%\etc\otelcol-periscope\windows.yaml`}, c.Command)
			dockerfile, err := os.ReadFile(filepath.Join(collectorbin.RepoRoot(), "deployment", "Dockerfile.windows"))
			require.NoError(t, err)
			assert.Contains(t, string(dockerfile), "COPY _build/otelcol-periscope.exe /otelcol-periscope.exe\n")
			assert.Contains(t, string(dockerfile), "COPY distributions/windows/config.yaml /etc/otelcol-periscope/windows.yaml\n")
			switch name {
			case "az aks kollect":
				assert.Equal(t, registry+"/aks/periscope-win:"+tag, c.Image)
			case "VS Code":
				assert.Equal(t, registry+"/aks/periscope:"+tag, c.Image, "one multi-platform image name")
			default:
				assert.Equal(t, "periscope-windows", c.Image)
			}
		})
	}
}

// hasWindows says which overlays have the win-hpc component.
func hasWindows(overlay string) bool {
	return overlay == "base+win-hpc" || overlay == "az aks kollect" || overlay == "VS Code"
}

var clusterScoped = map[string]bool{"ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true}

// noListeners checks a DaemonSet's containers open no port and need none.
func noListeners(t *testing.T, ds *appsv1.DaemonSet) {
	t.Helper()
	for _, c := range ds.Spec.Template.Spec.Containers {
		assert.Empty(t, c.Ports, "%s/%s ports", ds.Name, c.Name)
		assert.Nil(t, c.LivenessProbe, "%s/%s liveness probe", ds.Name, c.Name)
		assert.Nil(t, c.ReadinessProbe, "%s/%s readiness probe", ds.Name, c.Name)
		assert.Nil(t, c.StartupProbe, "%s/%s startup probe", ds.Name, c.Name)
	}
}

// volumeSources maps the named volumes to what they mount.
func volumeSources(ds *appsv1.DaemonSet, names ...string) map[string]corev1.VolumeSource {
	out := map[string]corev1.VolumeSource{}
	for _, v := range ds.Spec.Template.Spec.Volumes {
		for _, n := range names {
			if v.Name == n {
				out[n] = v.VolumeSource
			}
		}
	}
	return out
}

// The CLI's overlay gives the ConfigMap its lists without the quotes it
// writes, and replaces the Secret with its three keys.
func TestKollectOverlaySettings(t *testing.T) {
	objs := rendered(t, overlays(t)["az aks kollect"])
	cm := typed[corev1.ConfigMap](t, objs["ConfigMap/diagnostic-config"])
	assert.Equal(t, map[string]string{
		"DIAGNOSTIC_RUN_ID":                runID,
		"DIAGNOSTIC_CONTAINERLOGS_LIST":    "mynamespace1/mypod1 myns2",
		"DIAGNOSTIC_NODELOGS_LIST_WINDOWS": `C:\AzureData\CustomDataSetupScript.log C:\k\kubelet.err.log`,
		"COLLECTOR_LIST":                   "",
	}, cm.Data)
	secret := typed[corev1.Secret](t, objs["Secret/azureblob-secret"])
	assert.Equal(t, map[string][]byte{
		"AZURE_BLOB_ACCOUNT_NAME":   []byte("mystorageaccount"),
		"AZURE_BLOB_SAS_KEY":        []byte(sas),
		"AZURE_BLOB_CONTAINER_NAME": []byte("mycluster-dns-1a2b3c4d"),
	}, secret.Data)
	linux := typed[appsv1.DaemonSet](t, objs["DaemonSet/aks-periscope"])
	assert.Equal(t, registry+"/aks/periscope:"+tag, linux.Spec.Template.Spec.Containers[0].Image)
}

// Each overlay is accepted by a real API server (server-side dry run: the
// server's validation, defaulting and admission, HostProcess rules
// included), as `kubectl apply -k` sends it.
func TestOverlaysApplyWithServerSideDryRun(t *testing.T) {
	c := kubeapi.Shared(t)
	ctx := context.Background()
	// A dry run creates nothing, so the namespace's objects need the
	// namespace to exist.
	require.NoError(t, c.CreateNamespace(ctx, namespace))
	for name, dir := range overlays(t) {
		t.Run(name, func(t *testing.T) {
			out, err := c.Kubectl(ctx, "apply", "-k", dir, "--dry-run=server")
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			want := len(baseObjects)
			if hasWindows(name) {
				want++
				assert.Contains(t, string(out), "daemonset.apps/aks-periscope-win ")
			}
			assert.Len(t, lines, want, "%s", out)
			for _, l := range lines {
				assert.Regexp(t, regexp.MustCompile(`\((server dry run)\)$`), l)
			}
		})
	}
}

// The CLI's overlay applied for real, then removed the way `az aks kollect`
// removes a previous deployment before applying its own: by name and
// `--all` in the namespace. Nothing of the DaemonSets, their settings or
// the Diagnostic type is left.
func TestKollectCleanupRemovesTheDeployment(t *testing.T) {
	c := kubeapi.Shared(t)
	ctx := context.Background()
	_, err := c.Kubectl(ctx, "apply", "-k", overlays(t)["az aks kollect"], "-n", namespace)
	require.NoError(t, err)
	for _, args := range realnode.Cleanup() {
		_, err := c.Kubectl(ctx, args...)
		require.NoError(t, err)
	}
	out, err := c.Kubectl(ctx, "get", "daemonset,configmap,secret,serviceaccount", "-n", namespace, "-o", "name")
	require.NoError(t, err)
	for _, left := range strings.Fields(string(out)) {
		// The API server's own (the namespace's root CA ConfigMap is made
		// by the controller-manager, absent here; the default
		// ServiceAccount by test/kubeapi).
		assert.Contains(t, []string{"serviceaccount/default", "configmap/kube-root-ca.crt"}, left)
	}
	_, err = c.Kubectl(ctx, "get", "crd", "diagnostics.aks-periscope.azure.github.com")
	assert.ErrorContains(t, err, "NotFound")
}
