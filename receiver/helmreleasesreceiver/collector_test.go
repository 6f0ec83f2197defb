package helmreleasesreceiver

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/kubeclient"
)

// The API server tests (real release Secrets, RBAC) are in test/helmpdb;
// these need no server.

// A collection that cannot reach an API server is one error record on
// helm_list saying why, never a failure.
func TestCollectWithoutAPIServerIsAnErrorRecord(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	server := "https://" + l.Addr().String()
	require.NoError(t, l.Close())
	closed := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(closed, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, server)), 0o600))

	tests := []struct {
		name       string
		kubeconfig string
		find       func(string, string, time.Duration) (kubeclient.Server, error)
		want       []string
	}{
		{
			name: "no API server known",
			find: func(string, string, time.Duration) (kubeclient.Server, error) {
				return kubeclient.Server{}, kubeclient.ErrNoAPIServer
			},
			want: []string{"no Kubernetes API server: not running in a pod"},
		},
		{
			name:       "connection refused",
			kubeconfig: closed,
			find:       kubeclient.Find,
			want:       []string{"API server " + server + " (kubeconfig " + closed + "): list secrets in all namespaces (owner=helm, type helm.sh/release.v1): ", "connection refused"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollector(&Config{Kubeconfig: tt.kubeconfig, RequestTimeout: 5 * time.Second}, zap.NewNop())
			c.findServer = tt.find
			require.NoError(t, c.Check())
			got := bodies(c.Collect(context.Background()).Logs)
			require.Len(t, got, 1)
			require.Len(t, got[keyList], 1)
			for _, w := range tt.want {
				assert.Contains(t, got[keyList]["error"], w)
			}
		})
	}
}
