// Package periscopeprovider resolves Periscope's settings in collector
// configs, so Periscope's deployment contract (environment variables, the
// diagnostic-config ConfigMap at /config, the azureblob-secret Secret at
// /secret) drives the shipped configs:
//
//	${periscope:run_id}          DIAGNOSTIC_RUN_ID, else a UTC timestamp YYYY-MM-DDThh-mm-ssZ made once per process
//	${periscope:node_name}       HOST_NODE_NAME (the downward API's spec.nodeName), else the hostname
//	${periscope:KEY}             a Periscope key as a string, with Periscope's default
//	${periscope:list:KEY}        a space-separated key as a list (quotes removed, duplicates dropped)
//	${periscope:paths:KEY}       a list of file paths (a wholly quoted list is split too)
//	${periscope:nodelogs_paths}  this OS's node log list (DIAGNOSTIC_NODELOGS_LIST_LINUX, or _WINDOWS on Windows) as node paths: node_logs's files
//	${periscope:nodelogs_files}  the same list joined under PERISCOPE_ROOT_PATH: filelog's include
//	${periscope:containerlogs_files} DIAGNOSTIC_CONTAINERLOGS_LIST as include patterns over /var/log/pods under PERISCOPE_ROOT_PATH
//	${periscope:secret:KEY}      a key of the Secret (environment first)
//	${periscope:azure_blob_auth} container_sas when AZURE_STORAGE_SAS_KEY_TYPE is Container, else account_sas
//	${periscope:azure_blob_endpoint_suffix} PERISCOPE_BLOB_ENDPOINT_SUFFIX, else Azure Stack Hub's storageEndpointSuffix (the node's azurestackcloud.json), else core.windows.net
//	${periscope:setting:KEY}     a destination setting (PERISCOPE_BLOB_SERVICE_URL, PERISCOPE_OTLP_ENDPOINT…): environment, else the Secret, else the ConfigMap; typed as YAML like ${env:KEY}, empty when unset
//
// Unless the run ID is fixed by the environment, the provider polls the
// ConfigMap file (every 10 s as Periscope did; PERISCOPE_RUN_ID_POLL_INTERVAL
// overrides) and signals a config change when it holds a new valid run ID:
// the collector then rebuilds every pipeline, so every receiver collects
// again under the new ID and every setting (a rotated SAS) is read again.
// An invalid new ID is logged and ignored; the current run goes on.
package periscopeprovider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/settings"
)

const schemeName = "periscope"

// Environment variables it reads besides Periscope's keys.
const (
	EnvNodeName = "HOST_NODE_NAME"
	EnvRootPath = "PERISCOPE_ROOT_PATH"
	EnvPoll     = "PERISCOPE_RUN_ID_POLL_INTERVAL"
	defaultPoll = 10 * time.Second
)

// RunIDFormat is Periscope's run ID convention, a UTC time.
const RunIDFormat = "2006-01-02T15-04-05Z"

var keyPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

type provider struct {
	logger   *zap.Logger
	source   settings.Source
	hostname func() (string, error)
	now      func() time.Time

	once      sync.Once
	generated string

	// configMap, when PERISCOPE_CONFIGMAP names one, is where the run ID
	// comes from, through the API, watched instead of polled.
	configMap *configMapRunID
	configErr error

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
		p := &provider{logger: logger, source: settings.FromEnvironment(), hostname: os.Hostname, now: time.Now}
		if ref := os.Getenv(EnvConfigMap); ref != "" {
			cm, err := newConfigMapRunID(ref)
			if err != nil {
				p.configErr = err
			}
			p.configMap = cm
		}
		return p
	})
}

func (p *provider) Retrieve(_ context.Context, uri string, watcher confmap.WatcherFunc) (*confmap.Retrieved, error) {
	name, ok := strings.CutPrefix(uri, schemeName+":")
	if !ok {
		return nil, fmt.Errorf("%q uri is not supported by the %q provider", uri, schemeName)
	}
	switch name {
	case "run_id":
		id, fixed, err := p.runID()
		if err != nil {
			return nil, err
		}
		if !fixed && watcher != nil {
			return confmap.NewRetrieved(id, p.watchRunID(id, watcher))
		}
		return confmap.NewRetrieved(id)
	case "node_name":
		return retrieved(p.nodeName())
	case "nodelogs_paths":
		return retrievedList(p.list(nodeLogsKey, settings.SplitPaths))
	case "nodelogs_files":
		return retrievedList(p.nodeLogFiles())
	case "containerlogs_files":
		return retrievedList(p.containerLogFiles())
	case "azure_blob_auth":
		return retrieved(p.azureBlobAuth())
	case "azure_blob_endpoint_suffix":
		return retrieved(p.blobEndpointSuffix())
	}
	kind, key, hasKind := strings.Cut(name, ":")
	if !hasKind {
		kind, key = "", name
	}
	if !keyPattern.MatchString(key) {
		return nil, fmt.Errorf("unknown value %q: the %q provider has run_id, node_name, nodelogs_paths, nodelogs_files, containerlogs_files, azure_blob_auth, azure_blob_endpoint_suffix and keys (KEY, list:KEY, paths:KEY, secret:KEY, setting:KEY)", name, schemeName)
	}
	switch kind {
	case "":
		v, _, err := p.source.LookupOrDefault(key)
		return retrieved(v, err)
	case "list":
		return retrievedList(p.list(key, settings.SplitList))
	case "paths":
		return retrievedList(p.list(key, settings.SplitPaths))
	case "secret":
		v, _, _, err := p.source.LookupSecret(key)
		return retrieved(v, err)
	case "setting":
		return p.retrievedSetting(key)
	}
	return nil, fmt.Errorf("unknown value %q: kinds are list, paths, secret and setting", name)
}

func retrieved(v string, err error) (*confmap.Retrieved, error) {
	if err != nil {
		return nil, err
	}
	return confmap.NewRetrieved(v)
}

func retrievedList(items []string, err error) (*confmap.Retrieved, error) {
	if err != nil {
		return nil, err
	}
	list := make([]any, len(items))
	for i, it := range items {
		list[i] = it
	}
	return confmap.NewRetrieved(list)
}

// list reads a key and splits it, naming the key and where it came from on error.
func (p *provider) list(key string, split func(string) ([]string, error)) ([]string, error) {
	v, origin, err := p.source.LookupOrDefault(key)
	if err != nil {
		return nil, err
	}
	items, err := split(v)
	if err != nil {
		// Not fatal: the collector would not start and the whole run would
		// be lost. The entry with the stray quote is kept as it is, and the
		// receiver judging the entries names it in the run's output.
		p.logger.Error("Malformed Periscope list: the entry with the stray quote is reported by its collector, the others are collected",
			zap.String("key", key), zap.String("from", origin), zap.Error(err))
	}
	return items, nil
}

// runID returns the current run ID and whether the environment fixed it
// (then it cannot change while the process runs).
func (p *provider) runID() (id string, fixed bool, err error) {
	id, source, found, err := p.configuredRunID()
	if err != nil {
		return "", false, err
	}
	if !found {
		p.once.Do(func() { p.generated = p.now().UTC().Format(RunIDFormat) })
		return p.generated, false, nil
	}
	if err := validateRunID(id, source); err != nil {
		return "", false, err
	}
	return id, source == "$"+settings.RunID, nil
}

// configuredRunID returns the run ID set by environment or ConfigMap file.
// An empty or blank value counts as unset.
func (p *provider) configuredRunID() (id, source string, found bool, err error) {
	if p.configErr != nil {
		return "", "", false, p.configErr
	}
	if p.configMap != nil {
		v, err := p.configMap.get(context.Background())
		return v, p.configMap.source(), err == nil && v != "", err
	}
	v, source, found, err := p.source.Lookup(settings.RunID)
	if err != nil {
		return "", "", false, fmt.Errorf("run ID: %w", err)
	}
	v = strings.TrimSpace(v)
	return v, source, found && v != "", nil
}

// validateRunID refuses what cannot be a folder and a blob prefix.
func validateRunID(id, source string) error {
	if err := (layout.Item{RunID: id, Node: "n", Collector: "c", Key: "k"}).Validate(); err != nil {
		return fmt.Errorf("run ID from %s: %w", source, err)
	}
	return nil
}

func (p *provider) nodeName() (string, error) {
	if v, ok := p.source.Env(EnvNodeName); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), nil
	}
	h, err := p.hostname()
	if err != nil {
		return "", fmt.Errorf("node name: %s is unset and the hostname is unknown: %w", EnvNodeName, err)
	}
	return h, nil
}

// azureBlobAuth maps Periscope's AZURE_STORAGE_SAS_KEY_TYPE (Container: a
// container SAS, the container is not created) to the exporter's auth mode.
func (p *provider) azureBlobAuth() (string, error) {
	v, _, found, err := p.source.LookupSecret("AZURE_STORAGE_SAS_KEY_TYPE")
	if err != nil {
		return "", err
	}
	if !found {
		v, _, _, err = p.source.Lookup("AZURE_STORAGE_SAS_KEY_TYPE")
	}
	if strings.EqualFold(strings.TrimSpace(v), "Container") {
		return "container_sas", err
	}
	return "account_sas", err
}

func (*provider) Scheme() string { return schemeName }

func (*provider) Shutdown(context.Context) error { return nil }
