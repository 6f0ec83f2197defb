// Package runid tests the DaemonSet's run-ID change detection through the
// Kubernetes API (PERISCOPE_CONFIGMAP) on a real API server.
package runid

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/periscope-otel/periscope/confmap/provider/periscopeprovider"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

func TestMain(m *testing.M) { os.Exit(kubeapi.Main(m)) }

// Patching DIAGNOSTIC_RUN_ID in the diagnostic-config ConfigMap, as
// Periscope's README tells users to, asks the collector to collect again;
// an invalid value does not.
func TestConfigMapPatchTriggersReload(t *testing.T) {
	cluster := kubeapi.Shared(t)
	ctx := context.Background()
	require.NoError(t, cluster.CreateNamespace(ctx, "aks-periscope"))
	_, err := cluster.Client().CoreV1().ConfigMaps("aks-periscope").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "diagnostic-config"},
		Data:       map[string]string{"DIAGNOSTIC_RUN_ID": "2026-11-28T10-00-00Z"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	kubeconfig, err := cluster.WriteKubeconfig("admin", cluster.Admin)
	require.NoError(t, err)
	t.Setenv("KUBECONFIG", kubeconfig)
	t.Setenv(periscopeprovider.EnvConfigMap, "aks-periscope/diagnostic-config")

	provider := periscopeprovider.NewFactory().Create(confmap.ProviderSettings{Logger: zap.NewNop()})
	changes := make(chan struct{}, 4)
	r, err := provider.Retrieve(ctx, "periscope:run_id", func(*confmap.ChangeEvent) { changes <- struct{}{} })
	require.NoError(t, err)
	defer r.Close(ctx)
	v, err := r.AsRaw()
	require.NoError(t, err)
	assert.Equal(t, "2026-11-28T10-00-00Z", v)

	patch := func(id string) {
		body := []byte(`{"data":{"DIAGNOSTIC_RUN_ID":"` + id + `"}}`)
		_, err := cluster.Client().CoreV1().ConfigMaps("aks-periscope").Patch(ctx, "diagnostic-config", types.MergePatchType, body, metav1.PatchOptions{})
		require.NoError(t, err)
	}
	time.Sleep(200 * time.Millisecond) // let the watch start
	patch("bad/id")
	select {
	case <-changes:
		t.Fatal("an invalid run ID must not trigger a reload")
	case <-time.After(500 * time.Millisecond):
	}
	patch("2026-11-28T11-00-00Z")
	select {
	case <-changes:
	case <-time.After(30 * time.Second):
		t.Fatal("no reload after the ConfigMap's run ID changed")
	}
}
