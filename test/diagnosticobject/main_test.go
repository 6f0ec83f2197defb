// Package diagnosticobject_test runs the periscope exporter, through its
// factory, against a real kube-apiserver with the shipped CRD and RBAC, and
// checks the Diagnostic objects it writes (what `az aks kanalyze` and
// `kubectl get apd` read).
package diagnosticobject_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/test/azurite"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

const (
	namespace = "aks-periscope"
	crdName   = "diagnostics.aks-periscope.azure.github.com"
)

var (
	crdManifest  = filepath.Join("..", "..", "deployment", "base", "crd.yaml")
	rbacManifest = filepath.Join("..", "..", "deployment", "base", "rbac.yaml")
	diagnostics  = schema.GroupVersionResource{Group: "aks-periscope.azure.github.com", Version: "v1", Resource: "diagnostics"}
)

var blob struct {
	once   sync.Once
	server *azurite.Server
	err    error
}

// TestMain stops the API server and, when a test started it, Azurite, by PID.
func TestMain(m *testing.M) {
	code := kubeapi.Main(m)
	if blob.server != nil {
		if err := blob.server.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop azurite:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func azuriteServer(t *testing.T) *azurite.Server {
	t.Helper()
	blob.once.Do(func() { blob.server, blob.err = azurite.Start() })
	require.NoError(t, blob.err, "the upload-failure tests need Azurite")
	return blob.server
}

var setup struct {
	once       sync.Once
	kubeconfig string // aks-periscope-service-account, shipped RBAC only
	err        error
}

// periscopeCluster applies the shipped CRD and RBAC with kubectl and
// returns the cluster and a kubeconfig holding a token of the DaemonSet's
// ServiceAccount.
func periscopeCluster(t testing.TB) (*kubeapi.Cluster, string) {
	t.Helper()
	c := kubeapi.Shared(t)
	setup.once.Do(func() {
		ctx := context.Background()
		if setup.err = c.CreateNamespace(ctx, namespace); setup.err != nil {
			return
		}
		if setup.err = applyCRD(ctx, c); setup.err != nil {
			return
		}
		if _, setup.err = c.Kubectl(ctx, "apply", "-f", rbacManifest); setup.err != nil {
			return
		}
		cfg, err := c.ServiceAccountConfig(ctx, namespace, "aks-periscope-service-account")
		if err != nil {
			setup.err = err
			return
		}
		setup.kubeconfig, setup.err = c.WriteKubeconfig("aks-periscope", cfg)
	})
	require.NoError(t, setup.err)
	return c, setup.kubeconfig
}

// applyCRD applies the shipped CRD and waits until its type is served
// (kubectl wait fails outright when it asks before the CRD has conditions).
func applyCRD(ctx context.Context, c *kubeapi.Cluster) error {
	if _, err := c.Kubectl(ctx, "apply", "-f", crdManifest); err != nil {
		return err
	}
	client, err := dynamic.NewForConfig(c.Admin)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := client.Resource(diagnostics).Namespace(namespace).List(ctx, metav1.ListOptions{})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not served a minute after kubectl apply: %w", crdName, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serviceAccountKubeconfig creates a ServiceAccount bound to nothing.
func serviceAccountKubeconfig(t *testing.T, c *kubeapi.Cluster, name string) string {
	t.Helper()
	ctx := context.Background()
	_, err := c.Client().CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
	cfg, err := c.ServiceAccountConfig(ctx, namespace, name)
	require.NoError(t, err)
	path, err := c.WriteKubeconfig(name, cfg)
	require.NoError(t, err)
	return path
}

// getObject reads a Diagnostic object as admin.
func getObject(c *kubeapi.Cluster, name string) (*unstructured.Unstructured, error) {
	client, err := dynamic.NewForConfig(c.Admin)
	if err != nil {
		return nil, err
	}
	return client.Resource(diagnostics).Namespace(namespace).Get(context.Background(), name, metav1.GetOptions{})
}

func field(u *unstructured.Unstructured, path ...string) any {
	v, _, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	return v
}

// run is one node run through the exporter as the collector runs it.
type run struct {
	dir      string
	exporter interface {
		Shutdown(context.Context) error
	}
	logs *observer.ObservedLogs
}

// startRun creates and starts the exporter with cfg and hands it ld.
func startRun(t testing.TB, cfg *periscopeexporter.Config, ld plog.Logs) *run {
	t.Helper()
	f := periscopeexporter.NewFactory()
	require.NoError(t, cfg.Validate())
	require.NoError(t, cfg.DiagnosticObject.Validate())
	core, logs := observer.New(zap.InfoLevel)
	set := exportertest.NewNopSettings(f.Type())
	set.Logger = zap.New(core)
	exp, err := f.CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	return &run{dir: cfg.Local.Directory, exporter: exp, logs: logs}
}

// exporterConfig writes into a fresh directory and the Diagnostic objects
// with kubeconfig.
func exporterConfig(t testing.TB, kubeconfig string) *periscopeexporter.Config {
	cfg := periscopeexporter.NewFactory().CreateDefaultConfig().(*periscopeexporter.Config)
	cfg.Local.Directory = t.TempDir()
	enabled := true
	cfg.DiagnosticObject.Enabled = &enabled
	cfg.DiagnosticObject.Kubeconfig = kubeconfig
	return cfg
}

// statusJSON is the node run's status.json.
type statusJSON struct {
	Delivered bool `json:"delivered"`
	Errors    []struct {
		Stage   string `json:"stage"`
		Message string `json:"message"`
	} `json:"errors"`
}

func readStatus(t *testing.T, dir, runID, node string) (statusJSON, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, runID, node, layout.StatusKey))
	require.NoError(t, err)
	var st statusJSON
	require.NoError(t, json.Unmarshal(data, &st))
	return st, string(data)
}

// waitPhase waits until the object shows runID in phase.
func waitPhase(t *testing.T, c *kubeapi.Cluster, r *run, name, runID, phase string) *unstructured.Unstructured {
	t.Helper()
	var u *unstructured.Unstructured
	var err error
	deadline := time.Now().Add(30 * time.Second)
	for {
		u, err = getObject(c, name)
		if err == nil && field(u, "status", "runID") == runID && field(u, "status", "phase") == phase {
			return u
		}
		if time.Now().After(deadline) {
			var logged []string
			for _, e := range r.logs.All() {
				logged = append(logged, fmt.Sprint(e.Message, e.ContextMap()))
			}
			var status any
			if err == nil {
				status = u.Object["status"]
			}
			t.Fatalf("object %s never showed run %s %s: last read %v %v; exporter log: %v", name, runID, phase, status, err, logged)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
