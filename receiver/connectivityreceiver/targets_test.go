package connectivityreceiver

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeEnvironment is a process environment and file system for target
// resolution; no test here probes anything.
func fakeEnvironment(vars map[string]string, files map[string][]byte) environment {
	return environment{
		getenv: func(k string) string { return vars[k] },
		readFile: func(p string) ([]byte, error) {
			if data, ok := files[filepath.ToSlash(p)]; ok {
				return data, nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
	}
}

type targetSummary struct {
	Name, Endpoint string
	Kind           Kind
	Item           string
	NotConfigured  bool
	CustomCA       bool
	Timeout        time.Duration
}

func summarize(ts []*target) []targetSummary {
	out := make([]targetSummary, len(ts))
	for i, t := range ts {
		out[i] = targetSummary{t.Name, t.Endpoint, t.kind, t.PeriscopeItem, t.notConfigured != "", t.rootCAs != nil, t.Timeout}
	}
	return out
}

func defaultsOn() *Config {
	cfg := createDefaultConfig().(*Config)
	return cfg
}

func TestDefaultTargetsMirrorPeriscope(t *testing.T) {
	caPEM, err := os.ReadFile(newTestPKI(t).caFile)
	require.NoError(t, err)
	const timeout = 5 * time.Second
	internet := targetSummary{"internet", "https://www.google.com/", KindHTTPS, "Internet", false, false, timeout}
	acrPeriscope := targetSummary{"acr", "azurecr.io:80", KindTCP, "Azure Container Registry", false, false, timeout}
	mcr := targetSummary{"mcr", "https://mcr.microsoft.com/v2/", KindHTTPS, "Microsoft Container Registry", false, false, timeout}

	tests := []struct {
		name   string
		mutate func(*Config)
		vars   map[string]string
		files  map[string][]byte
		want   []targetSummary
	}{
		{
			name: "outside a cluster the API server is reported as not configured",
			want: []targetSummary{internet, {"apiserver", "", KindHTTPS, "AKS API Server", true, false, timeout}, acrPeriscope, mcr},
		},
		{
			name:  "in a pod: the service host and the service account CA",
			vars:  map[string]string{"KUBERNETES_SERVICE_HOST": "myaks-dns-1234.hcp.westeurope.azmk8s.io", "KUBERNETES_SERVICE_PORT": "443"},
			files: map[string][]byte{serviceAccountCA: caPEM},
			want:  []targetSummary{internet, {"apiserver", "https://myaks-dns-1234.hcp.westeurope.azmk8s.io:443/healthz", KindHTTPS, "AKS API Server", false, true, timeout}, acrPeriscope, mcr},
		},
		{
			name: "an IPv6 service host",
			vars: map[string]string{"KUBERNETES_SERVICE_HOST": "fd00::1"},
			want: []targetSummary{internet, {"apiserver", "https://[fd00::1]:443/healthz", KindHTTPS, "AKS API Server", false, false, timeout}, acrPeriscope, mcr},
		},
		{
			name:   "a kubeconfig wins over the pod's environment; its CA file is relative to it",
			mutate: func(c *Config) { c.DefaultTargets.Kubeconfig = "/home/u/.kube/config" },
			vars:   map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1"},
			files: map[string][]byte{
				"/home/u/.kube/config": mustRead(t, "testdata/kubeconfig/aks.yaml"),
				"/home/u/.kube/ca.pem": caPEM,
			},
			want: []targetSummary{internet, {"apiserver", "https://myaks-dns-1234.hcp.westeurope.azmk8s.io:443/healthz", KindHTTPS, "AKS API Server", false, true, timeout}, acrPeriscope, mcr},
		},
		{
			name: "tunnel and registry when configured; a configured target replaces a default and keeps its item",
			mutate: func(c *Config) {
				c.DefaultTargets.TunnelEndpoint = "myaks-dns-1234.hcp.westeurope.azmk8s.io:9000"
				c.DefaultTargets.ACRLoginServer = "myacr.azurecr.io"
				c.DefaultTargets.Timeout = 3 * time.Second
				c.Targets = []TargetConfig{
					{Name: "mcr", Endpoint: "https://mcr.microsoft.com/", ExpectedStatus: 200, Timeout: time.Second},
					{Name: "storage", Endpoint: "mystorage.blob.core.windows.net:443", Timeout: time.Second},
				}
			},
			want: []targetSummary{
				{"internet", "https://www.google.com/", KindHTTPS, "Internet", false, false, 3 * time.Second},
				{"apiserver", "", KindHTTPS, "AKS API Server", true, false, 3 * time.Second},
				{"tunnel", "myaks-dns-1234.hcp.westeurope.azmk8s.io:9000", KindTCP, "AKS Tunnel", false, false, 3 * time.Second},
				{"acr", "https://myacr.azurecr.io/v2/", KindHTTPS, "Azure Container Registry", false, false, 3 * time.Second},
				{"mcr", "https://mcr.microsoft.com/", KindHTTPS, "Microsoft Container Registry", false, false, time.Second},
				{"storage", "mystorage.blob.core.windows.net:443", KindTCP, "", false, false, time.Second},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultsOn()
			if tt.mutate != nil {
				tt.mutate(cfg)
			}
			require.NoError(t, cfg.Validate())
			got, err := resolveTargets(cfg, fakeEnvironment(tt.vars, tt.files))
			require.NoError(t, err)
			assert.Equal(t, tt.want, summarize(got))
		})
	}
}

func TestResolveTargetsConfigErrorsNameTheInput(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		files   map[string][]byte
		wantErr string
	}{
		{name: "missing kubeconfig", mutate: func(c *Config) { c.DefaultTargets.Kubeconfig = "/nowhere/config" },
			wantErr: "default_targets.kubeconfig /nowhere/config: open /nowhere/config"},
		{name: "kubeconfig CA missing", mutate: func(c *Config) { c.DefaultTargets.Kubeconfig = "/k/config" },
			files:   map[string][]byte{"/k/config": mustRead(t, "testdata/kubeconfig/aks.yaml")},
			wantErr: `default_targets.kubeconfig /k/config: cluster "myaks" certificate-authority: open /k/ca.pem`},
		{name: "target CA missing", mutate: func(c *Config) {
			c.DefaultTargets.Enabled = false
			c.Targets = []TargetConfig{{Name: "x", Endpoint: "https://x.example.test/", CAFile: "/ca/missing.pem", Timeout: time.Second}}
		}, wantErr: `target "x": ca_file: open /ca/missing.pem`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultsOn()
			tt.mutate(cfg)
			_, err := resolveTargets(cfg, fakeEnvironment(nil, tt.files))
			assert.ErrorContains(t, err, tt.wantErr)
			assert.True(t, errors.Is(err, fs.ErrNotExist))
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}
