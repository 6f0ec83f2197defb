// Package periscopeprovider resolves Periscope's run identity in collector
// configs: ${periscope:run_id} and ${periscope:node_name}.
//
// The run ID comes, in order, from the DIAGNOSTIC_RUN_ID environment
// variable, the file DIAGNOSTIC_RUN_ID in the config directory (Periscope
// mounts its diagnostic-config ConfigMap at /config; PERISCOPE_CONFIG_DIR
// overrides), or a timestamp YYYY-MM-DDThh-mm-ssZ generated once per
// process. The node name is HOST_NODE_NAME (the downward API's
// spec.nodeName) or else the hostname.
//
// Unless the run ID is fixed by the environment, the provider polls the
// ConfigMap file (every 10 s as Periscope did; PERISCOPE_RUN_ID_POLL_INTERVAL
// overrides) and signals a config change when it holds a new valid run ID:
// the collector then rebuilds every pipeline, so every receiver collects
// again under the new ID. An invalid new ID is logged and ignored; the
// current run goes on.
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
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
)

const schemeName = "periscope"

// Environment variables and files it reads (Periscope's names).
const (
	EnvRunID      = "DIAGNOSTIC_RUN_ID"
	EnvNodeName   = "HOST_NODE_NAME"
	EnvConfigDir  = "PERISCOPE_CONFIG_DIR"
	EnvPoll       = "PERISCOPE_RUN_ID_POLL_INTERVAL"
	defaultConfig = "/config"
	defaultPoll   = 10 * time.Second
)

// RunIDFormat is Periscope's run ID convention, a UTC time.
const RunIDFormat = "2006-01-02T15-04-05Z"

type provider struct {
	logger   *zap.Logger
	env      func(string) (string, bool)
	hostname func() (string, error)
	now      func() time.Time

	once      sync.Once
	generated string

	// One poll serves every ${periscope:run_id} of a config: two would ask
	// for two reloads, and the run would be collected twice.
	watchMu   sync.Mutex
	watchRefs int
	stopWatch context.CancelFunc
}

// NewFactory returns the factory of the "periscope" config provider.
func NewFactory() confmap.ProviderFactory {
	return confmap.NewProviderFactory(func(ps confmap.ProviderSettings) confmap.Provider {
		logger := ps.Logger
		if logger == nil {
			logger = zap.NewNop()
		}
		return &provider{logger: logger, env: os.LookupEnv, hostname: os.Hostname, now: time.Now}
	})
}

func (p *provider) Retrieve(_ context.Context, uri string, watcher confmap.WatcherFunc) (*confmap.Retrieved, error) {
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
		var fixed bool
		v, fixed, err = p.runID()
		if err == nil && !fixed && watcher != nil {
			return confmap.NewRetrieved(v, p.watchRunID(v, watcher))
		}
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

// runID returns the current run ID and whether the environment fixed it
// (then it cannot change while the process runs).
func (p *provider) runID() (id string, fixed bool, err error) {
	id, source, err := p.configuredRunID()
	if err != nil {
		return "", false, err
	}
	if id == "" {
		p.once.Do(func() { p.generated = p.now().UTC().Format(RunIDFormat) })
		return p.generated, false, nil
	}
	if err := validateRunID(id, source); err != nil {
		return "", false, err
	}
	return id, source == "$"+EnvRunID, nil
}

// validateRunID refuses what cannot be a folder and a blob prefix.
func validateRunID(id, source string) error {
	if err := (layout.Item{RunID: id, Node: "n", Collector: "c", Key: "k"}).Validate(); err != nil {
		return fmt.Errorf("run ID from %s: %w", source, err)
	}
	return nil
}

// watchRunID polls the ConfigMap file until it holds a valid run ID other
// than current, then asks the collector to reload. The resolver closes every
// Retrieved when the config is resolved again; the last close stops the poll.
func (p *provider) watchRunID(current string, watcher confmap.WatcherFunc) confmap.RetrievedOption {
	p.watchMu.Lock()
	defer p.watchMu.Unlock()
	if p.watchRefs == 0 {
		ctx, cancel := context.WithCancel(context.Background())
		p.stopWatch = cancel
		go p.poll(ctx, current, watcher)
	}
	p.watchRefs++
	var closeOnce sync.Once
	return confmap.WithRetrievedClose(func(context.Context) error {
		closeOnce.Do(func() {
			p.watchMu.Lock()
			defer p.watchMu.Unlock()
			p.watchRefs--
			if p.watchRefs == 0 {
				p.stopWatch()
			}
		})
		return nil
	})
}

func (p *provider) poll(ctx context.Context, current string, watcher confmap.WatcherFunc) {
	ticker := time.NewTicker(p.pollInterval())
	defer ticker.Stop()
	rejected := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		id, source, err := p.configuredRunID()
		if err != nil {
			p.logger.Error("Cannot read the run ID; the current run goes on", zap.String("run_id", current), zap.Error(err))
			continue
		}
		if id == "" || id == current || id == rejected {
			continue
		}
		if err := validateRunID(id, source); err != nil {
			rejected = id
			p.logger.Error("Run ID not changed; the current run goes on", zap.String("run_id", current), zap.Error(err))
			continue
		}
		p.logger.Info("New run ID: collecting again", zap.String("run_id", id), zap.String("previous", current))
		watcher(&confmap.ChangeEvent{})
		return
	}
}

func (p *provider) pollInterval() time.Duration {
	v, ok := p.env(EnvPoll)
	if !ok {
		return defaultPoll
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.logger.Warn("Ignoring invalid run ID poll interval", zap.String("variable", EnvPoll), zap.String("value", v))
		return defaultPoll
	}
	return d
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
