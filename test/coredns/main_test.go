// Package coredns runs the dns_config receiver, through its factory,
// against a real kube-apiserver: the CoreDNS ConfigMaps present, absent,
// forbidden, and read with the shipped RBAC only.
package coredns

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/receiver/dnsconfigreceiver"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The package's tests share one API server, stopped when they end.
func TestMain(m *testing.M) { os.Exit(kubeapi.Main(m)) }

// nodeRoot is the receiver's own fixture node: the node part is collected
// beside the cluster part.
var nodeRoot = filepath.Join("..", "..", "receiver", "dnsconfigreceiver", "testdata", "noderoot")

// collect runs the receiver once (it collects at start) reading the
// cluster through kubeconfig, and returns what it delivered.
func collect(t *testing.T, kubeconfig string) plog.Logs {
	t.Helper()
	f := dnsconfigreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*dnsconfigreceiver.Config)
	root, err := filepath.Abs(nodeRoot) // noderoot refuses ".." in a root
	require.NoError(t, err)
	cfg.RootPath = root
	cfg.KubeletResolvConf = false
	cfg.Kubernetes.AuthType = dnsconfigreceiver.AuthKubeConfig
	cfg.Kubernetes.KubeconfigPath = kubeconfig
	require.NoError(t, cfg.Validate())
	sink := new(consumertest.LogsSink)
	r, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return len(sink.AllLogs()) == 1 }, time.Minute, 5*time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	return sink.AllLogs()[0]
}

// record is one delivered record, flattened for assertions.
type record struct {
	kind  string
	body  string
	attrs map[string]any
}

func byKey(t *testing.T, logs plog.Logs) map[string]record {
	t.Helper()
	out := map[string]record{}
	lrs := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range lrs.Len() {
		lr := lrs.At(i)
		attrs := lr.Attributes().AsRaw()
		require.Equal(t, "dns", attrs[layout.AttrCollector])
		key := attrs[layout.AttrItemKey].(string)
		_, dup := out[key]
		require.False(t, dup, "item key %s twice", key)
		out[key] = record{kind: attrs[layout.AttrItemKind].(string), body: lr.Body().AsString(), attrs: attrs}
	}
	return out
}

// assertGolden compares the records with a golden file, timestamps
// zeroed (the receiver stamps collection time).
func assertGolden(t *testing.T, logs plog.Logs, golden string) {
	t.Helper()
	lrs := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range lrs.Len() {
		lrs.At(i).SetTimestamp(0)
		lrs.At(i).SetObservedTimestamp(0)
	}
	got, err := (&plog.JSONMarshaler{}).MarshalLogs(logs)
	require.NoError(t, err)
	path := filepath.Join("testdata", golden)
	if *update {
		var pretty bytes.Buffer
		require.NoError(t, json.Indent(&pretty, got, "", "  "))
		require.NoError(t, os.WriteFile(path, pretty.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
}

// fixtureData reads a fixture directory as ConfigMap data, file name → content.
func fixtureData(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", dir))
	require.NoError(t, err)
	data := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", dir, e.Name()))
		require.NoError(t, err)
		data[e.Name()] = string(b)
	}
	return data
}

// setConfigMap makes kube-system/name hold data, or removes it when data
// is nil, so each test states the cluster it needs.
func setConfigMap(t *testing.T, c *kubeapi.Cluster, name string, data map[string]string) {
	t.Helper()
	ctx := context.Background()
	cms := c.Client().CoreV1().ConfigMaps("kube-system")
	err := cms.Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		require.NoError(t, err)
	}
	if data == nil {
		return
	}
	_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data}, metav1.CreateOptions{})
	require.NoError(t, err)
}
