// Package periscopeprovider resolves Periscope's run identity in collector
// configs: ${periscope:run_id} and ${periscope:node_name}.
//
// The run ID comes, in order, from the DIAGNOSTIC_RUN_ID environment
// variable, the file DIAGNOSTIC_RUN_ID in the config directory (Periscope
// mounts its diagnostic-config ConfigMap at /config; PERISCOPE_CONFIG_DIR
// overrides), or a timestamp YYYY-MM-DDThh-mm-ssZ generated once per
// process. The node name is HOST_NODE_NAME (the downward API's
// spec.nodeName) or else the hostname.
package periscopeprovider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/confmap"

	"github.com/periscope-otel/periscope/internal/layout"
)

const schemeName = "periscope"

// Environment variables and files it reads (Periscope's names).
const (
	EnvRunID      = "DIAGNOSTIC_RUN_ID"
	EnvNodeName   = "HOST_NODE_NAME"
	EnvConfigDir  = "PERISCOPE_CONFIG_DIR"
	defaultConfig = "/config"
)

// RunIDFormat is Periscope's run ID convention, a UTC time.
const RunIDFormat = "2006-01-02T15-04-05Z"

type provider struct {
	env      func(string) (string, bool)
	hostname func() (string, error)
	now      func() time.Time

	once      sync.Once
	generated string
}

// NewFactory returns the factory of the "periscope" config provider.
func NewFactory() confmap.ProviderFactory {
	return confmap.NewProviderFactory(func(confmap.ProviderSettings) confmap.Provider {
		return &provider{env: os.LookupEnv, hostname: os.Hostname, now: time.Now}
	})
}

func (p *provider) Retrieve(_ context.Context, uri string, _ confmap.WatcherFunc) (*confmap.Retrieved, error) {
	name, ok := strings.CutPrefix(uri, schemeName+":")
	if !ok {
		return nil, fmt.Errorf("%q uri is not supported by the %q provider", uri, schemeName)
	}
	var (
		v   string
		err error
	)
	switch name {
	case "run_id":
		v, err = p.runID()
	case "node_name":
		v, err = p.nodeName()
	default:
		return nil, fmt.Errorf("unknown value %q: the %q provider has run_id and node_name", name, schemeName)
	}
	if err != nil {
		return nil, err
	}
	return confmap.NewRetrieved(v)
}

func (p *provider) runID() (string, error) {
	id, source, err := p.configuredRunID()
	if err != nil {
		return "", err
	}
	if id == "" {
		p.once.Do(func() { p.generated = p.now().UTC().Format(RunIDFormat) })
		return p.generated, nil
	}
	// The run ID becomes a folder and a blob prefix: refuse what cannot be one.
	if err := (layout.Item{RunID: id, Node: "n", Collector: "c", Key: "k"}).Validate(); err != nil {
		return "", fmt.Errorf("run ID from %s: %w", source, err)
	}
	return id, nil
}

// configuredRunID returns the run ID set by environment or file, or "".
func (p *provider) configuredRunID() (id, source string, err error) {
	if v, ok := p.env(EnvRunID); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), "$" + EnvRunID, nil
	}
	dir := defaultConfig
	if v, ok := p.env(EnvConfigDir); ok && v != "" {
		dir = v
	}
	file := filepath.Join(dir, EnvRunID)
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", "", nil
	case err != nil:
		return "", "", fmt.Errorf("read run ID: %w", err)
	}
	return strings.TrimSpace(string(data)), file, nil
}

func (p *provider) nodeName() (string, error) {
	if v, ok := p.env(EnvNodeName); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), nil
	}
	h, err := p.hostname()
	if err != nil {
		return "", fmt.Errorf("node name: %s is unset and the hostname is unknown: %w", EnvNodeName, err)
	}
	return h, nil
}

func (*provider) Scheme() string { return schemeName }

func (*provider) Shutdown(context.Context) error { return nil }
