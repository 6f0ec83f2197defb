package diagnosticobject_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter"
	"github.com/periscope-otel/periscope/test/azurite"
)

// An upload that fails shows as Failed with its cause, never Completed, and
// the SAS signature is nowhere in the object.
func TestUploadFailureShowsFailedWithTheCause(t *testing.T) {
	c, kubeconfig := periscopeCluster(t)
	server := azuriteServer(t)
	expired, err := azurite.AccountSAS(time.Now().Add(-time.Hour))
	require.NoError(t, err)
	valid, err := azurite.AccountSAS(time.Now().Add(time.Hour))
	require.NoError(t, err)

	tests := []struct {
		name, node, sas, auth, wantReason string
	}{
		{"expired SAS", "node-expired-sas", expired, "account_sas", "the SAS token expired at"},
		{"missing container with a container SAS", "node-missing-container", valid, "container_sas", `container "no-such-container" does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := exporterConfig(t, kubeconfig)
			a := cfg.AzureBlob.GetOrInsertDefault()
			a.Auth = tt.auth
			a.ServiceURL = server.BlobURL
			a.Container = "no-such-container"
			a.SASToken = configopaque.String("?" + tt.sas)
			a.Upload.MaxTries = 1
			const runID = "2026-11-29T05-00-00Z"
			name := "aks-periscope-diagnostic-" + tt.node

			r := startRun(t, cfg, nodeRun(runID, tt.node, true))
			waitPhase(t, c, r, name, runID, "Collecting")
			err := r.exporter.Shutdown(context.Background())
			require.Error(t, err, "the run was not delivered")

			u := waitPhase(t, c, r, name, runID, "Failed")
			reason, _ := field(u, "status", "reason").(string)
			assert.Contains(t, reason, tt.wantReason)
			assert.Contains(t, field(u, "status", "messages"), "delivery: "+reason)
			assert.Equal(t, sprintf(networkConfig, tt.node), field(u, "spec", "networkconfig"), "the node's data is still there for kanalyze")

			sig := signature(t, tt.sas)
			whole := objectJSON(t, name)
			assert.NotContains(t, whole, sig)
			assert.NotContains(t, whole, url.QueryEscape(sig))
			st, raw := readStatus(t, r.dir, runID, tt.node)
			assert.False(t, st.Delivered)
			assert.NotContains(t, raw, sig)
		})
	}
}

func signature(t *testing.T, sas string) string {
	t.Helper()
	q, err := url.ParseQuery(sas)
	require.NoError(t, err)
	require.NotEmpty(t, q.Get("sig"))
	return q.Get("sig")
}

// A Diagnostic object that cannot be written is logged once, with what to
// do, and recorded in status.json; the node run is still exported whole.
func TestObjectFailuresAreReportedAndTheRunIsExported(t *testing.T) {
	c, shipped := periscopeCluster(t)
	ctx := context.Background()
	require.NoError(t, c.CreateNamespace(ctx, "other"))
	closed, err := azurite.ClosedPortURL(t)
	require.NoError(t, err)
	unreachable := rest.CopyConfig(c.Admin)
	closedURL, err := url.Parse(closed)
	require.NoError(t, err)
	unreachable.Host = "https://" + closedURL.Host
	unreachableKubeconfig, err := c.WriteKubeconfig("unreachable", unreachable)
	require.NoError(t, err)

	tests := []struct {
		name       string
		kubeconfig func(t *testing.T) string
		namespace  string
		before     func(t *testing.T) // and after, undone by t.Cleanup
		want       []string
	}{
		{
			name:       "ServiceAccount without the Role",
			kubeconfig: func(t *testing.T) string { return serviceAccountKubeconfig(t, c, "no-rights") },
			want: []string{"forbidden", `cannot patch resource "diagnostics"`,
				"apply the Role and RoleBinding of deployment/base/rbac.yaml"},
		},
		{
			name:       "the shipped Role outside its namespace",
			kubeconfig: func(*testing.T) string { return shipped },
			namespace:  "other",
			want:       []string{"forbidden", `in the namespace "other"`},
		},
		{
			name:       "namespace missing",
			kubeconfig: func(*testing.T) string { return c.AdminKubeconfig },
			namespace:  "no-such-namespace",
			want:       []string{"namespace no-such-namespace does not exist"},
		},
		{
			name:       "CRD not installed",
			kubeconfig: func(*testing.T) string { return shipped },
			before: func(t *testing.T) {
				_, err := c.Kubectl(ctx, "delete", "-f", crdManifest, "--wait")
				require.NoError(t, err)
				t.Cleanup(func() { require.NoError(t, applyCRD(ctx, c)) })
			},
			want: []string{"the Diagnostic type is not installed; apply deployment/base/crd.yaml"},
		},
		{
			name:       "API server unreachable",
			kubeconfig: func(*testing.T) string { return unreachableKubeconfig },
			want:       []string{"API server request failed", "connection refused"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			cfg := exporterConfig(t, tt.kubeconfig(t))
			if tt.namespace != "" {
				cfg.DiagnosticObject.Namespace = tt.namespace
			}
			const runID, node = "2026-11-29T06-00-00Z", "node-refused"
			r := startRun(t, cfg, nodeRun(runID, node, true))
			require.NoError(t, r.exporter.Shutdown(context.Background()), "the object never fails the run")

			nodeDir := filepath.Join(r.dir, runID, node)
			assert.FileExists(t, filepath.Join(nodeDir, node+".zip"))
			st, _ := readStatus(t, r.dir, runID, node)
			assert.True(t, st.Delivered)
			var recorded []string
			for _, e := range st.Errors {
				if e.Stage == "diagnostic_object" {
					recorded = append(recorded, e.Message)
				}
			}
			require.Len(t, recorded, 1, "the same cause at start and at the end is recorded once: %v", st.Errors)
			t.Logf("status.json: %s", recorded[0])
			for _, w := range tt.want {
				assert.Contains(t, recorded[0], w)
			}

			logged := r.logs.FilterLevelExact(zapcore.ErrorLevel).All()
			require.Len(t, logged, 1, "logged once")
			assert.Contains(t, logged[0].Message, "kubectl get apd will not show this node's run")
			assert.Equal(t, recorded[0], logged[0].ContextMap()["error"])
		})
	}
}

// Outside a pod and without a kubeconfig the objects are off by default:
// a run on a workstation writes nothing to whatever cluster is around.
func TestObjectsAreOffOutsideACluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	cfg := periscopeexporter.NewFactory().CreateDefaultConfig().(*periscopeexporter.Config)
	cfg.Local.Directory = t.TempDir()
	r := startRun(t, cfg, nodeRun("r1", "node-local", true))
	require.NoError(t, r.exporter.Shutdown(context.Background()))
	st, _ := readStatus(t, r.dir, "r1", "node-local")
	assert.True(t, st.Delivered)
	assert.Len(t, st.Errors, 1, "only the collection error")
	assert.Empty(t, r.logs.FilterLevelExact(zapcore.ErrorLevel).All())
	_, err := os.Stat(filepath.Join(r.dir, "r1", "node-local", "node-local.zip"))
	assert.NoError(t, err)
}
