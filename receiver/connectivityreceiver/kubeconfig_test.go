package connectivityreceiver

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKubeconfig(t *testing.T) {
	aks, err := os.ReadFile(filepath.Join("testdata", "kubeconfig", "aks.yaml"))
	require.NoError(t, err)
	caData := base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\n"))
	tests := []struct {
		name    string
		in      string
		want    kubeCluster
		wantErr string
	}{
		{name: "current context of az aks get-credentials", in: string(aks),
			want: kubeCluster{Server: "https://myaks-dns-1234.hcp.westeurope.azmk8s.io:443", CAFile: "ca.pem"}},
		{name: "single cluster without a current context",
			in:   "clusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:443\n    certificate-authority-data: " + caData + "\n",
			want: kubeCluster{Server: "https://10.0.0.1:443", CAData: []byte("-----BEGIN CERTIFICATE-----\n")}},
		{name: "not yaml", in: "clusters: [", wantErr: "not a kubeconfig"},
		{name: "unknown current context", in: "current-context: gone\ncontexts: []\n", wantErr: `current-context "gone" is not among its contexts`},
		{name: "ambiguous", in: "clusters:\n- name: a\n- name: b\n", wantErr: "no current-context, and 2 clusters to choose from"},
		{name: "context without cluster", in: "current-context: x\ncontexts:\n- name: x\n  context: {}\n", wantErr: "the current context names no cluster"},
		{name: "missing cluster", in: "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n", wantErr: `cluster "c" is not among its clusters`},
		{name: "no server", in: "clusters:\n- name: c\n  cluster: {}\n", wantErr: `cluster "c" has no server`},
		{name: "server not a URL", in: "clusters:\n- name: c\n  cluster: {server: 'tcp://x:1'}\n", wantErr: `cluster "c" server "tcp://x:1": scheme "tcp" is not http or https`},
		{name: "bad CA data", in: "clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority-data: '***'}\n", wantErr: `cluster "c" certificate-authority-data`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseKubeconfig([]byte(tt.in))
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseKubeconfig(f *testing.F) {
	aks, err := os.ReadFile(filepath.Join("testdata", "kubeconfig", "aks.yaml"))
	require.NoError(f, err)
	f.Add(aks)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseKubeconfig(data)
		if err != nil {
			return
		}
		// Whatever it accepts is a server the https probe can use.
		if _, err := parseHTTPURL(got.Server, ""); err != nil {
			t.Fatalf("accepted server %q: %v", got.Server, err)
		}
	})
}
