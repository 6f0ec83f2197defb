// Package periscopeconverter applies Periscope's COLLECTOR_LIST to a
// collector config: the receivers of disabled Periscope collectors are taken
// out of every pipeline (a pipeline left without receivers is removed), so
// one shipped config serves every mode Periscope documents:
//
//	(empty)           node and cluster collectors; no helm, OSM, SMI or API container logs
//	connectedCluster  enables helm and podscontainerlogs; disables iptables,
//	                  kubeletcmd, nodelogs, pdb, systemlogs, systemperf
//	OSM               enables osm and smi
//	SMI               enables smi
//
// PERISCOPE_DISABLE_COLLECTORS (this project's, space-separated collector
// names) turns off any collector besides: e.g. networkoutbound on an
// air-gapped cluster where probing public endpoints only produces noise.
//
// A receiver's Periscope collector is known by its type (dns_config → dns)
// or, for contrib receivers and not_collected, by its name up to an
// underscore (file_log/nodelogs → nodelogs, journald/systemlogs_kubelet →
// systemlogs, not_collected/osm → osm).
// Receivers that are no Periscope collector (otlp, host_metrics) are kept.
package periscopeconverter

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/settings"
)

// collectorOfType maps this project's receiver types to Periscope collectors.
var collectorOfType = map[string]string{
	"dns_config":     "dns",
	"iptables":       "iptables",
	"kubelet_args":   "kubeletcmd",
	"connectivity":   "networkoutbound",
	"kube_objects":   "kubeobjects",
	"systemperf":     "systemperf",
	"node_logs":      "nodelogs",
	"container_logs": "containerlogs",
	"helm_releases":  "helm",
	"systemlogs":     "systemlogs",
	// Periscope's zip folder was "poddisruptionbudget"; COLLECTOR_LIST's
	// documentation calls the collector "pdb".
	"pod_disruption_budgets": "pdb",
}

// knownCollectors are Periscope's collector names, which contrib receivers
// take as their name (file_log/nodelogs).
var knownCollectors = []string{
	"containerlogs", "dns", "helm", "iptables", "kubeletcmd", "kubeobjects", "networkoutbound",
	"nodelogs", "osm", "pdb", "podscontainerlogs", "smi", "systemlogs", "systemperf",
}

// modes are COLLECTOR_LIST's words and what each turns on and off.
var modes = map[string]struct{ enable, disable []string }{
	"connectedcluster": {
		enable:  []string{"helm", "podscontainerlogs"},
		disable: []string{"iptables", "kubeletcmd", "nodelogs", "pdb", "systemlogs", "systemperf"},
	},
	"osm": {enable: []string{"osm", "smi"}},
	"smi": {enable: []string{"smi"}},
}

// offByDefault are the collectors only a mode turns on.
var offByDefault = []string{"helm", "osm", "podscontainerlogs", "smi"}

type converter struct {
	logger *zap.Logger
	source settings.Source
}

// NewFactory returns the factory of the COLLECTOR_LIST converter.
func NewFactory() confmap.ConverterFactory {
	return confmap.NewConverterFactory(func(cs confmap.ConverterSettings) confmap.Converter {
		logger := cs.Logger
		if logger == nil {
			logger = zap.NewNop()
		}
		return &converter{logger: logger, source: settings.FromEnvironment()}
	})
}

func (c *converter) Convert(_ context.Context, conf *confmap.Conf) error {
	disabled, err := c.disabledCollectors()
	if err != nil {
		return err
	}
	pipelines, ok := conf.Get("service::pipelines").(map[string]any)
	if !ok {
		return nil
	}
	var removed []string
	for name, raw := range pipelines {
		p, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		ids, _ := p["receivers"].([]any)
		var kept []any
		for _, id := range ids {
			s := fmt.Sprint(id)
			if disabled[collectorOf(s)] {
				removed = append(removed, name+": "+s)
				continue
			}
			kept = append(kept, id)
		}
		if len(kept) == len(ids) {
			continue
		}
		if len(kept) == 0 {
			conf.Delete("service::pipelines::" + name)
			continue
		}
		if err := conf.Merge(confmap.NewFromStringMap(map[string]any{
			"service::pipelines::" + name + "::receivers": kept,
		})); err != nil {
			return err
		}
	}
	if len(removed) > 0 {
		sort.Strings(removed)
		c.logger.Info("COLLECTOR_LIST disables these receivers", zap.Strings("pipeline_receivers", removed))
	}
	return nil
}

// collectorOf returns the Periscope collector a receiver ID implements, or "".
func collectorOf(id string) string {
	typ, name, _ := strings.Cut(id, "/")
	if c, ok := collectorOfType[typ]; ok {
		return c
	}
	name, _, _ = strings.Cut(name, "_")
	if slices.Contains(knownCollectors, name) {
		return name
	}
	return ""
}

// disabledCollectors reads COLLECTOR_LIST; words are matched without case.
func (c *converter) disabledCollectors() (map[string]bool, error) {
	v, origin, err := c.source.LookupOrDefault(settings.CollectorList)
	if err != nil {
		return nil, err
	}
	words, err := settings.SplitList(v)
	if err != nil {
		return nil, fmt.Errorf("%s from %s: %w", settings.CollectorList, origin, err)
	}
	disabled := map[string]bool{}
	for _, name := range offByDefault {
		disabled[name] = true
	}
	var enable []string
	for _, w := range words {
		m, ok := modes[strings.ToLower(w)]
		if !ok {
			return nil, fmt.Errorf("%s from %s: unknown word %q (known: connectedCluster, OSM, SMI)", settings.CollectorList, origin, w)
		}
		for _, name := range m.disable {
			disabled[name] = true
		}
		enable = append(enable, m.enable...)
	}
	for _, name := range enable {
		delete(disabled, name)
	}
	v, origin, _, err = c.source.Lookup(EnvDisable)
	if err != nil {
		return nil, err
	}
	names, err := settings.SplitList(v)
	if err != nil {
		return nil, fmt.Errorf("%s from %s: %w", EnvDisable, origin, err)
	}
	for _, name := range names {
		if !slices.Contains(knownCollectors, name) {
			return nil, fmt.Errorf("%s from %s: unknown collector %q (known: %s)", EnvDisable, origin, name, strings.Join(knownCollectors, ", "))
		}
		disabled[name] = true
	}
	return disabled, nil
}

// EnvDisable lists collectors to turn off besides COLLECTOR_LIST's modes.
const EnvDisable = "PERISCOPE_DISABLE_COLLECTORS"
