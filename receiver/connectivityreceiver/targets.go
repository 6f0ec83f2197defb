package connectivityreceiver

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// The default targets' names and the Periscope item (networkoutbound key)
// each one writes. Periscope's own names, so `az aks kollect` and the VS
// Code extension find them.
const (
	targetInternet  = "internet"
	targetAPIServer = "apiserver"
	targetTunnel    = "tunnel"
	targetACR       = "acr"
	targetMCR       = "mcr"
)

var defaultTargetNames = []struct{ name, item string }{
	{targetInternet, "Internet"},
	{targetAPIServer, "AKS API Server"},
	{targetTunnel, "AKS Tunnel"},
	{targetACR, "Azure Container Registry"},
	{targetMCR, "Microsoft Container Registry"},
}

func defaultItem(name string) string {
	for _, d := range defaultTargetNames {
		if d.name == name {
			return d.item
		}
	}
	return ""
}

// serviceAccountCA is the cluster CA a pod gets; it verifies the API server.
const serviceAccountCA = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"

// target is a target ready to probe.
type target struct {
	TargetConfig
	kind    Kind
	rootCAs *x509.CertPool // nil: the system roots
	// serverName and insecure come from a kubeconfig's tls-server-name and
	// insecure-skip-tls-verify, so the API server is checked as kubectl
	// would check it.
	serverName string
	insecure   bool
	// notConfigured says why a default target has no endpoint; it is
	// reported as a failure instead of being probed.
	notConfigured string
}

// environment is what target resolution reads from the process.
type environment struct {
	getenv   func(string) string
	readFile func(string) ([]byte, error)
}

var processEnvironment = environment{getenv: os.Getenv, readFile: os.ReadFile}

// resolveTargets builds the probe list: the defaults (when enabled) with
// configured targets of the same name replacing them, then the rest of the
// configured targets. Errors are configuration errors (an unreadable CA
// file or kubeconfig) and stop the collector at start.
func resolveTargets(cfg *Config, env environment) ([]*target, error) {
	configured := map[string]bool{}
	for _, t := range cfg.Targets {
		configured[t.Name] = true
	}
	var out []*target
	var errs []error
	add := func(tc TargetConfig, notConfigured string) {
		t := &target{TargetConfig: tc, kind: tc.kind(), notConfigured: notConfigured}
		if tc.CAFile != "" {
			pool, err := readCAPool(tc.CAFile, env)
			if err != nil {
				errs = append(errs, fmt.Errorf("target %q: ca_file: %w", tc.Name, err))
			}
			t.rootCAs = pool
		}
		out = append(out, t)
	}

	if cfg.DefaultTargets.Enabled {
		defaults, err := defaultTargets(cfg.DefaultTargets, env)
		if err != nil {
			errs = append(errs, err)
		}
		for _, d := range defaults {
			if configured[d.Name] {
				continue // replaced below, in the configured list's order
			}
			out = append(out, d)
		}
	}
	for _, tc := range cfg.Targets {
		if tc.PeriscopeItem == "" && cfg.DefaultTargets.Enabled {
			tc.PeriscopeItem = defaultItem(tc.Name)
		}
		add(tc, "")
	}
	return out, errors.Join(errs...)
}

// defaultTargets mirrors Periscope's checks, each with its Periscope item.
func defaultTargets(d DefaultTargetsConfig, env environment) ([]*target, error) {
	mk := func(name, endpoint string, kind Kind) *target {
		return &target{
			TargetConfig: TargetConfig{Name: name, Endpoint: endpoint, Kind: kind, Timeout: d.Timeout, PeriscopeItem: defaultItem(name)},
			kind:         kind,
		}
	}
	var out []*target
	out = append(out, mk(targetInternet, d.InternetURL, d.internetKind()))

	api, err := apiServerTarget(d, env)
	if err != nil {
		return nil, err
	}
	api.Name, api.Timeout, api.PeriscopeItem = targetAPIServer, d.Timeout, defaultItem(targetAPIServer)
	out = append(out, api)

	if d.TunnelEndpoint != "" {
		out = append(out, mk(targetTunnel, d.TunnelEndpoint, KindTCP))
	}
	if d.ACRLoginServer != "" {
		out = append(out, mk(targetACR, "https://"+d.ACRLoginServer+"/v2/", KindHTTPS))
	} else {
		// Periscope's own check when no registry is named.
		out = append(out, mk(targetACR, "azurecr.io:80", KindTCP))
	}
	out = append(out, mk(targetMCR, "https://mcr.microsoft.com/v2/", KindHTTPS))
	return out, nil
}

func (d DefaultTargetsConfig) internetKind() Kind {
	if strings.HasPrefix(d.InternetURL, "http://") {
		return KindHTTP
	}
	return KindHTTPS
}

// apiServerTarget finds the API server: a configured kubeconfig first, then
// the in-cluster environment. Without either the target is kept and
// reported as not configured, so its absence is visible.
func apiServerTarget(d DefaultTargetsConfig, env environment) (*target, error) {
	t := &target{kind: KindHTTPS}
	t.Kind = KindHTTPS
	if d.Kubeconfig != "" {
		if err := t.useKubeconfig(d.Kubeconfig, env); err != nil {
			return nil, fmt.Errorf("default_targets.kubeconfig %s: %w", d.Kubeconfig, err)
		}
		return t, nil
	}
	host, port := env.getenv("KUBERNETES_SERVICE_HOST"), env.getenv("KUBERNETES_SERVICE_PORT")
	if host == "" {
		t.notConfigured = "no in-cluster environment (KUBERNETES_SERVICE_HOST is not set) and no default_targets.kubeconfig"
		return t, nil
	}
	if port == "" {
		port = "443"
	}
	t.Endpoint = "https://" + net.JoinHostPort(host, port) + "/healthz"
	// In a pod the service account's CA verifies the API server; outside
	// one (or without a mounted token) the system roots do.
	if pool, err := readCAPool(serviceAccountCA, env); err == nil {
		t.rootCAs = pool
	}
	return t, nil
}

// useKubeconfig points t at the current context's API server, verified
// with the kubeconfig's CA (certificate-authority-data, else
// certificate-authority), or not at all when it says
// insecure-skip-tls-verify.
func (t *target) useKubeconfig(path string, env environment) error {
	data, err := env.readFile(path)
	if err != nil {
		return err
	}
	cluster, err := kubeconfigCluster(path, data)
	if err != nil {
		return err
	}
	t.Endpoint = strings.TrimSuffix(cluster.Server, "/") + "/healthz"
	t.serverName, t.insecure = cluster.ServerName, cluster.Insecure
	switch {
	case len(cluster.CAData) > 0:
		t.rootCAs = x509.NewCertPool()
		if !t.rootCAs.AppendCertsFromPEM(cluster.CAData) {
			return fmt.Errorf("cluster %q certificate-authority-data holds no PEM certificate", cluster.Name)
		}
	case cluster.CAFile != "":
		if t.rootCAs, err = readCAPool(cluster.CAFile, env); err != nil {
			return fmt.Errorf("cluster %q certificate-authority: %w", cluster.Name, err)
		}
	}
	return nil
}

func readCAPool(path string, env environment) (*x509.CertPool, error) {
	pem, err := env.readFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}
