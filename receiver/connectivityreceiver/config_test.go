package connectivityreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/periscope-otel/periscope/receiver/connectivityreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	defaults := createDefaultConfig().(*Config)
	noDuration := metadata.NewDefaultMetricsBuilderConfig()
	noDuration.Metrics.PeriscopeConnectivityDuration.Enabled = false

	tests := []struct {
		id      string
		want    *Config
		wantErr []string
	}{
		{id: "connectivity", want: defaults},
		{id: "connectivity/daemonset", want: &Config{
			MetricsBuilderConfig: metadata.NewDefaultMetricsBuilderConfig(),
			CollectionInterval:   time.Minute,
			MaxConcurrency:       4,
			DNSResolver:          "127.0.0.53:53",
			DefaultTargets: DefaultTargetsConfig{
				Enabled: true, Timeout: 3 * time.Second,
				TunnelEndpoint: "myaks-dns-1234.hcp.westeurope.azmk8s.io:9000",
				ACRLoginServer: "myacr.azurecr.io",
				InternetURL:    "http://www.bing.com/",
			},
			Targets: []TargetConfig{
				{Name: "mcr", Endpoint: "https://mcr.microsoft.com/v2/", ExpectedStatus: 200, Timeout: 5 * time.Second},
				{Name: "storage", Endpoint: "mystorage.blob.core.windows.net:443", Timeout: 5 * time.Second},
				{Name: "corp-dns", Endpoint: "intranet.corp.example", Timeout: 2 * time.Second, PeriscopeItem: "Intranet"},
			},
		}},
		{id: "connectivity/metrics", want: &Config{
			MetricsBuilderConfig: noDuration,
			MaxConcurrency:       8,
			DefaultTargets:       DefaultTargetsConfig{Enabled: false, Timeout: 5 * time.Second, InternetURL: "https://www.google.com/"},
			Targets:              []TargetConfig{{Name: "local", Endpoint: "http://127.0.0.1:8080/healthz", Timeout: 5 * time.Second}},
		}},
		{id: "connectivity/bad-targets", wantErr: []string{
			`targets[0] "bad-url": endpoint "https://exa mple.com/": invalid character " " in host name`,
			`targets[1] "bad-kind": kind "icmp" is unknown (want dns, tcp, http or https)`,
			`targets[2] "zero-timeout": timeout 0s must be positive`,
			`targets[3] "negative-timeout": timeout -1s must be positive`,
			`targets[5] "dup": name already used by targets[4]`,
			`targets[6] "scheme-mismatch": endpoint "http://example.com/": scheme "http" does not match kind https`,
			`targets[7] "tcp-no-port": endpoint "example.com" (host:port for kind tcp): address example.com: missing port in address`,
			`targets[8] "status-on-tcp": expected_status is only for http and https targets, not tcp`,
			`targets[9] "ca-on-http": ca_file is only for https targets, not http`,
			`targets[10] "bad-status": expected_status 999 is not an HTTP status`,
			`targets[11] "bad name": name "bad name" must start with a letter or digit`,
			`targets[12] "item-with-slash": periscope_item "a/b": must be a plain file name`,
		}},
		{id: "connectivity/nothing", wantErr: []string{
			"targets is empty and default_targets.enabled is false: nothing to probe",
		}},
		{id: "connectivity/bad-globals", wantErr: []string{
			"collection_interval -1s must not be negative",
			"max_concurrency 0 must be at least 1",
			`dns_resolver "dns.example:53": host "dns.example" must be an IP address`,
			"default_targets.timeout 0s must be positive",
			`default_targets.internet_url "ftp://example.com/": scheme "ftp" is not http or https`,
			`default_targets.tunnel_endpoint "tunnel.example": address tunnel.example: missing port in address`,
			`default_targets.acr_login_server "https://myacr.azurecr.io"`,
		}},
		{id: "connectivity/item-clash", wantErr: []string{
			`target "google": periscope_item "Internet" is written by the default target "internet" (name the target "internet" to replace it)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id)
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, msg := range tt.wantErr {
					assert.ErrorContains(t, err, msg)
				}
				return
			}
			require.NoError(t, err)
			// enabledSetByUser is the builder's own bookkeeping.
			ignore := cmpopts.IgnoreUnexported(metadata.PeriscopeConnectivityDurationMetricConfig{}, metadata.PeriscopeConnectivitySuccessMetricConfig{})
			assert.Empty(t, cmp.Diff(tt.want, cfg, ignore))
		})
	}
}

func TestKindIsInferredFromTheEndpoint(t *testing.T) {
	for endpoint, want := range map[string]Kind{
		"https://mcr.microsoft.com/v2/": KindHTTPS,
		"http://www.bing.com/":          KindHTTP,
		"mcr.microsoft.com:443":         KindTCP,
		"[::1]:443":                     KindTCP,
		"mcr.microsoft.com":             KindDNS,
	} {
		assert.Equal(t, want, TargetConfig{Endpoint: endpoint}.kind(), endpoint)
	}
}
