package notcollectedreceiver

import (
	"errors"
	"fmt"
	"strings"

	"github.com/periscope-otel/periscope/internal/layout"
)

// Config names the Periscope collector that is not collected, and why.
type Config struct {
	// Collector is Periscope's collector name (osm, smi): the item's
	// folder in the node zip and the name COLLECTOR_LIST's converter knows
	// the receiver by (its instance name, not_collected/<collector>).
	Collector string `mapstructure:"collector"`
	// Item is the item key the error is filed under; empty: the collector name.
	Item string `mapstructure:"item"`
	// Reason says why the collector is not collected and what to do
	// instead; empty: the reason known for the collector (knownReasons).
	Reason string `mapstructure:"reason"`
}

// knownReasons are the Periscope collectors COLLECTOR_LIST can ask for that
// this distribution does not implement, and what to use instead.
var knownReasons = map[string]string{
	"osm": "COLLECTOR_LIST asks for OSM, which otelcol-periscope does not collect: the Open Service Mesh project is archived. " +
		"Describe its objects with DIAGNOSTIC_KUBEOBJECTS_LIST (osm-system/deployment/osm-controller) and " +
		"collect its controller's logs with DIAGNOSTIC_CONTAINERLOGS_LIST (osm-system)",
	"smi": "COLLECTOR_LIST asks for SMI (OSM includes it), which otelcol-periscope does not collect: the Service Mesh Interface specification is archived. " +
		"Describe its custom resources with DIAGNOSTIC_KUBEOBJECTS_LIST (<namespace>/traffictargets.access.smi-spec.io; " +
		"the ClusterRole needs get and list on them)",
}

// reason is the configured reason, else the known one.
func (c *Config) reason() string {
	if strings.TrimSpace(c.Reason) != "" {
		return c.Reason
	}
	return knownReasons[c.Collector]
}

// key is the item the error record is filed under.
func (c *Config) key() string {
	if c.Item != "" {
		return c.Item
	}
	return c.Collector
}

// Validate names every bad setting.
func (c *Config) Validate() error {
	var errs []error
	if c.Collector == "" {
		errs = append(errs, errors.New("collector must name a Periscope collector (osm, smi)"))
	}
	item := layout.Item{RunID: "r", Node: "n", Collector: c.Collector, Key: c.key()}
	if err := item.Validate(); c.Collector != "" && err != nil {
		errs = append(errs, fmt.Errorf("collector %q, item %q: %w", c.Collector, c.Item, err))
	}
	if c.reason() == "" {
		errs = append(errs, fmt.Errorf("reason must say why collector %q is not collected", c.Collector))
	}
	return errors.Join(errs...)
}
