package connectivityreceiver

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/confmap"

	"github.com/periscope-otel/periscope/receiver/connectivityreceiver/internal/metadata"
)

// Kind is how a target is probed.
type Kind string

// The probe kinds. Each later kind includes the phases of the earlier ones:
// dns resolves, tcp also connects, https also shakes hands and asks.
const (
	KindDNS   Kind = "dns"
	KindTCP   Kind = "tcp"
	KindHTTP  Kind = "http"
	KindHTTPS Kind = "https"
)

// defaultTimeout is Periscope's dial timeout, and a target's when it names none.
const defaultTimeout = 5 * time.Second

// Config lists what to probe and how often.
type Config struct {
	metadata.MetricsBuilderConfig `mapstructure:",squash"`

	// CollectionInterval repeats the probe round; 0 probes once per run.
	CollectionInterval time.Duration `mapstructure:"collection_interval"`
	// MaxConcurrency bounds how many probes run at once.
	MaxConcurrency int `mapstructure:"max_concurrency"`
	// DNSResolver is an ip:port to send DNS queries to instead of the
	// system's resolvers (still with the system's search list and options).
	DNSResolver string `mapstructure:"dns_resolver"`
	// DefaultTargets are Periscope's checks: internet, API server, tunnel,
	// ACR and MCR.
	DefaultTargets DefaultTargetsConfig `mapstructure:"default_targets"`
	// Targets are probed after the defaults; one named like a default
	// replaces it.
	Targets []TargetConfig `mapstructure:"targets"`
}

// DefaultTargetsConfig tunes Periscope's default targets.
type DefaultTargetsConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Timeout of every default target.
	Timeout time.Duration `mapstructure:"timeout"`
	// Kubeconfig names the API server when the collector does not run in a
	// pod (in a pod, KUBERNETES_SERVICE_HOST/PORT do).
	Kubeconfig string `mapstructure:"kubeconfig"`
	// TunnelEndpoint is the host:port of the cluster's tunnel (AKS
	// tunnelfront/konnectivity); empty leaves the tunnel target out.
	TunnelEndpoint string `mapstructure:"tunnel_endpoint"`
	// ACRLoginServer is the cluster's registry (myacr.azurecr.io); empty
	// probes Periscope's azurecr.io:80 over TCP.
	ACRLoginServer string `mapstructure:"acr_login_server"`
	// InternetURL is the internet check.
	InternetURL string `mapstructure:"internet_url"`
}

// TargetConfig is one endpoint to probe.
type TargetConfig struct {
	// Name identifies the target in records and metrics.
	Name string `mapstructure:"name"`
	// Endpoint is a URL (http, https), host:port (tcp) or host name (dns).
	Endpoint string `mapstructure:"endpoint"`
	// Kind is dns, tcp, http or https; empty infers it from Endpoint.
	Kind Kind `mapstructure:"kind"`
	// Timeout bounds the whole probe; default 5s.
	Timeout time.Duration `mapstructure:"timeout"`
	// ExpectedStatus is the HTTP status that counts as success; 0 accepts
	// any response (the endpoint answered).
	ExpectedStatus int `mapstructure:"expected_status"`
	// CAFile is a PEM bundle to verify the server with instead of the
	// system roots (https only).
	CAFile string `mapstructure:"ca_file"`
	// PeriscopeItem, when set, also writes the result as Periscope's
	// networkoutbound item of that key ({"TimeStamp","Type","URL","Status"}).
	PeriscopeItem string `mapstructure:"periscope_item"`
}

// Unmarshal fills the defaults of a list element before decoding it; the
// collector's default config cannot reach into a list. An explicit
// `timeout: 0` still fails Validate.
func (t *TargetConfig) Unmarshal(conf *confmap.Conf) error {
	*t = TargetConfig{Timeout: defaultTimeout}
	return conf.Unmarshal(t)
}

var targetNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Validate checks every field it can without the network or the node's
// files (those are checked at start).
func (c *Config) Validate() error {
	var errs []error
	if c.CollectionInterval < 0 {
		errs = append(errs, fmt.Errorf("collection_interval %s must not be negative", c.CollectionInterval))
	}
	if c.MaxConcurrency < 1 {
		errs = append(errs, fmt.Errorf("max_concurrency %d must be at least 1", c.MaxConcurrency))
	}
	if c.DNSResolver != "" {
		if err := checkResolver(c.DNSResolver); err != nil {
			errs = append(errs, fmt.Errorf("dns_resolver %q: %w", c.DNSResolver, err))
		}
	}
	if c.DefaultTargets.Enabled {
		errs = append(errs, c.DefaultTargets.validate())
	} else if len(c.Targets) == 0 {
		errs = append(errs, errors.New("targets is empty and default_targets.enabled is false: nothing to probe"))
	}

	names := map[string]int{}
	items := map[string]string{}
	for i, t := range c.Targets {
		if err := t.validate(); err != nil {
			errs = append(errs, fmt.Errorf("targets[%d] %q: %w", i, t.Name, err))
		}
		if prev, dup := names[t.Name]; dup && t.Name != "" {
			errs = append(errs, fmt.Errorf("targets[%d] %q: name already used by targets[%d]", i, t.Name, prev))
		}
		names[t.Name] = i
		if t.PeriscopeItem != "" {
			if prev, dup := items[t.PeriscopeItem]; dup {
				errs = append(errs, fmt.Errorf("targets[%d] %q: periscope_item %q already written by target %q", i, t.Name, t.PeriscopeItem, prev))
			}
			items[t.PeriscopeItem] = t.Name
		}
	}
	if c.DefaultTargets.Enabled {
		// A default's item clashes unless a configured target replaces it.
		for _, d := range defaultTargetNames {
			if _, replaced := names[d.name]; replaced {
				continue
			}
			if owner, dup := items[d.item]; dup {
				errs = append(errs, fmt.Errorf("target %q: periscope_item %q is written by the default target %q (name the target %q to replace it)", owner, d.item, d.name, d.name))
			}
		}
	}
	return errors.Join(errs...)
}

func (d DefaultTargetsConfig) validate() error {
	var errs []error
	if d.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("default_targets.timeout %s must be positive", d.Timeout))
	}
	if _, err := parseHTTPURL(d.InternetURL, ""); err != nil {
		errs = append(errs, fmt.Errorf("default_targets.internet_url %q: %w", d.InternetURL, err))
	}
	if d.TunnelEndpoint != "" {
		if err := checkHostPort(d.TunnelEndpoint); err != nil {
			errs = append(errs, fmt.Errorf("default_targets.tunnel_endpoint %q: %w", d.TunnelEndpoint, err))
		}
	}
	if d.ACRLoginServer != "" {
		if err := checkHost(d.ACRLoginServer); err != nil {
			errs = append(errs, fmt.Errorf("default_targets.acr_login_server %q (a host name such as myacr.azurecr.io): %w", d.ACRLoginServer, err))
		}
	}
	return errors.Join(errs...)
}

func (t TargetConfig) validate() error {
	var errs []error
	if !targetNamePattern.MatchString(t.Name) {
		errs = append(errs, fmt.Errorf("name %q must start with a letter or digit and hold only letters, digits, '.', '_' or '-'", t.Name))
	}
	kind := t.kind()
	switch kind {
	case KindDNS:
		if err := checkHost(t.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("endpoint %q (a host name for kind dns): %w", t.Endpoint, err))
		}
	case KindTCP:
		if err := checkHostPort(t.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("endpoint %q (host:port for kind tcp): %w", t.Endpoint, err))
		}
	case KindHTTP, KindHTTPS:
		if _, err := parseHTTPURL(t.Endpoint, string(kind)); err != nil {
			errs = append(errs, fmt.Errorf("endpoint %q: %w", t.Endpoint, err))
		}
	default:
		errs = append(errs, fmt.Errorf("kind %q is unknown (want dns, tcp, http or https)", t.Kind))
	}
	if t.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %s must be positive", t.Timeout))
	}
	if t.ExpectedStatus != 0 && (kind == KindDNS || kind == KindTCP) {
		errs = append(errs, fmt.Errorf("expected_status is only for http and https targets, not %s", kind))
	} else if t.ExpectedStatus != 0 && (t.ExpectedStatus < 100 || t.ExpectedStatus > 599) {
		errs = append(errs, fmt.Errorf("expected_status %d is not an HTTP status", t.ExpectedStatus))
	}
	if t.CAFile != "" && kind != KindHTTPS {
		errs = append(errs, fmt.Errorf("ca_file is only for https targets, not %s", kind))
	}
	if t.PeriscopeItem != "" {
		if err := checkItemKey(t.PeriscopeItem); err != nil {
			errs = append(errs, fmt.Errorf("periscope_item %q: %w", t.PeriscopeItem, err))
		}
	}
	return errors.Join(errs...)
}

// kind is the configured kind, or the one the endpoint implies: a URL's
// scheme, host:port for tcp, a bare name for dns.
func (t TargetConfig) kind() Kind {
	if t.Kind != "" {
		return t.Kind
	}
	switch {
	case strings.HasPrefix(t.Endpoint, "https://"):
		return KindHTTPS
	case strings.HasPrefix(t.Endpoint, "http://"):
		return KindHTTP
	}
	if _, _, err := net.SplitHostPort(t.Endpoint); err == nil {
		return KindTCP
	}
	return KindDNS
}

// parseHTTPURL accepts an absolute http or https URL with a host; scheme,
// when set, is the one the target's kind requires.
func parseHTTPURL(s, scheme string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.Unwrap(err) // url.Error repeats the URL
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	if scheme != "" && u.Scheme != scheme {
		return nil, fmt.Errorf("scheme %q does not match kind %s", u.Scheme, scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("no host")
	}
	if p := u.Port(); p != "" {
		if err := checkPort(p); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return err
	}
	if err := checkHost(host); err != nil {
		return err
	}
	return checkPort(port)
}

func checkPort(p string) error {
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", p)
	}
	return nil
}

// checkHost accepts an IP address or a DNS name.
func checkHost(h string) error {
	if h == "" {
		return errors.New("empty host")
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	if len(h) > 253 || strings.ContainsAny(h, " /:@?#[]\\") {
		return fmt.Errorf("%q is not a host name", h)
	}
	return nil
}

func checkResolver(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return err
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return fmt.Errorf("host %q must be an IP address", host)
	}
	return checkPort(port)
}

// checkItemKey refuses keys that cannot be a file name in the node folder.
func checkItemKey(k string) error {
	if k == "." || k == ".." || strings.ContainsAny(k, `/\`) || strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return errors.New("must be a plain file name")
	}
	return nil
}
