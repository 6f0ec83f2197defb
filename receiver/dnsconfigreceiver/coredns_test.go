package dnsconfigreceiver

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/periscope-otel/periscope/internal/kubeclient"
	"github.com/periscope-otel/periscope/internal/layout"
)

// The CoreDNS items against a real API server are tested in test/coredns;
// these are the cases that need none.

// records flattens a collection to item key → kind and body.
func records(t *testing.T, c *collector) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	lrs := c.Collect(context.Background()).Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range lrs.Len() {
		attrs := lrs.At(i).Attributes().AsRaw()
		out[attrs[layout.AttrItemKey].(string)] = [2]string{attrs[layout.AttrItemKind].(string), lrs.At(i).Body().AsString()}
	}
	return out
}

func nodeConfig(k KubernetesConfig) *Config {
	return &Config{RootPath: "testdata/noderoot", NodeResolvConf: "/etc/resolv.conf", Kubernetes: k}
}

// Outside a pod and without a kubeconfig (make run on a workstation), the
// cluster part is skipped with one log line and no record; the node part
// is collected.
func TestNoKubernetesConfigSkipsTheClusterPart(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	core, logs := observer.New(zap.InfoLevel)
	c := newCollector(nodeConfig(KubernetesConfig{AuthType: AuthAuto, Timeout: time.Second}), zap.New(core))

	got := records(t, c)
	assert.Equal(t, []string{"virtualmachine"}, keys(got))
	require.Equal(t, 1, logs.Len(), "one line: %v", logs.All())
	line := logs.All()[0]
	assert.Equal(t, "CoreDNS ConfigMaps not collected (cluster part skipped)", line.Message)
	assert.Equal(t, errNoKubernetesConfig.Error(), line.ContextMap()["error"])
}

// auth_type none (and the zero Config) never looks for a cluster.
func TestAuthNoneCollectsNoClusterPart(t *testing.T) {
	for _, auth := range []AuthType{AuthNone, ""} {
		c := newCollector(nodeConfig(KubernetesConfig{AuthType: auth}), zap.NewNop())
		c.findServer = func(KubernetesConfig) (kubeclient.Server, error) {
			t.Fatal("auth_type none must not look for an API server")
			return kubeclient.Server{}, nil
		}
		assert.Equal(t, []string{"virtualmachine"}, keys(records(t, c)), "auth_type %q", auth)
	}
}

// Credentials that were asked for but cannot be loaded fail both items,
// saying why.
func TestUnloadableCredentialsAreErrorRecords(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	missing := filepath.Join(t.TempDir(), "no-such-kubeconfig")
	tests := []struct {
		name string
		kube KubernetesConfig
		want string
	}{
		{"serviceAccount outside a pod", KubernetesConfig{AuthType: AuthServiceAccount, Timeout: time.Second},
			"not available: load in-cluster ServiceAccount credentials: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"},
		{"kubeconfig file missing", KubernetesConfig{AuthType: AuthKubeConfig, KubeconfigPath: missing, Timeout: time.Second},
			"not available: load kubeconfig " + missing + ": stat " + missing + ": no such file or directory"},
		{"auto with a missing kubeconfig_path", KubernetesConfig{AuthType: AuthAuto, KubeconfigPath: missing, Timeout: time.Second},
			"not available: load kubeconfig " + missing + ": stat " + missing + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := records(t, newCollector(nodeConfig(tt.kube), zap.NewNop()))
			assert.Equal(t, [2]string{"document", got["virtualmachine"][1]}, got["virtualmachine"])
			for _, key := range []string{keyCoreDNS, keyCoreDNSCustom} {
				assert.Equal(t, [2]string{"error", tt.want}, got[key], key)
			}
		})
	}
}

// An API server that does not answer is named, with where its address came
// from; it is asked once, not once per ConfigMap.
func TestUnreachableServerIsNamed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now: connection refused

	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://" + addr, InsecureSkipTLSVerify: true}
	kc.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "fixture-token"}
	kc.Contexts["x"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	kc.CurrentContext = "x"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*kc, path))

	got := records(t, newCollector(nodeConfig(KubernetesConfig{AuthType: AuthKubeConfig, KubeconfigPath: path, Timeout: 5 * time.Second}), zap.NewNop()))
	server := fmt.Sprintf("API server https://%s (kubeconfig %s): get configmaps kube-system/coredns: ", addr, path)
	assert.Equal(t, "error", got[keyCoreDNS][0])
	assert.Contains(t, got[keyCoreDNS][1], server)
	assert.Contains(t, got[keyCoreDNS][1], "connection refused")
	assert.NotContains(t, got[keyCoreDNS][1], "fixture-token", "credentials never in records")
	assert.Equal(t, [2]string{"error", "not tried: " + got[keyCoreDNS][1]}, got[keyCoreDNSCustom])
}

// Every data key is kept, sorted, multi-line values as literal blocks;
// binaryData is base64, as the API serves it; an empty ConfigMap says so.
func TestRenderConfigMap(t *testing.T) {
	tests := []struct {
		name     string
		cm       corev1.ConfigMap
		want     string
		keys     []string
		redacted int
	}{
		{
			name: "text and binary keys",
			cm: corev1.ConfigMap{
				Data:       map[string]string{"z.override": "log\n", "a.server": "a:53 {\n  secret s\n}\n", "one-line": "x"},
				BinaryData: map[string][]byte{"blob": {0, 1, 0xff}},
			},
			want:     "data:\n  a.server: |\n    a:53 {\n      secret REDACTED\n    }\n  one-line: x\n  z.override: |\n    log\nbinaryData:\n  blob: AAH/\n",
			keys:     []string{"a.server", "blob", "one-line", "z.override"},
			redacted: 1,
		},
		{name: "empty", cm: corev1.ConfigMap{}, want: "data: {}\n"},
		{
			name: "values YAML would misread stay strings",
			cm:   corev1.ConfigMap{Data: map[string]string{"yes": "true", "n": "0x10", "sp": " leading space\n"}},
			want: "data:\n  n: \"0x10\"\n  sp: |2\n     leading space\n  yes: \"true\"\n",
			keys: []string{"n", "sp", "yes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, keys, redacted, err := renderConfigMap(&tt.cm)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(body))
			assert.Equal(t, tt.keys, keys)
			assert.Equal(t, tt.redacted, redacted)

			// The body reads back as the ConfigMap (redaction aside).
			var back struct {
				Data       map[string]string `yaml:"data"`
				BinaryData map[string]string `yaml:"binaryData"` // base64
			}
			require.NoError(t, yaml.Unmarshal(body, &back))
			if tt.redacted == 0 {
				assert.Equal(t, len(tt.cm.Data), len(back.Data))
				for k, v := range tt.cm.Data {
					assert.Equal(t, v, back.Data[k], k)
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
