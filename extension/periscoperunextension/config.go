package periscoperunextension

import (
	"errors"

	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/internal/layout"
)

// Config names the current run and where this node remembers the runs it
// completed.
type Config struct {
	// RunID is the current run, normally ${periscope:run_id}.
	RunID string `mapstructure:"run_id"`
	// StateDirectory keeps the last completed run ID across restarts (a
	// hostPath in the DaemonSet). Empty: no memory, every start collects.
	StateDirectory string `mapstructure:"state_directory"`
	// ClusterScope elects the one collector of the cluster that collects
	// cluster-scoped receivers (kube_objects…) for the run; see the README.
	ClusterScope clusterlease.Config `mapstructure:"cluster_scope"`
}

// Validate checks that the run ID can name a folder and a blob prefix.
func (c *Config) Validate() error {
	if c.RunID == "" {
		return errors.New("run_id must not be empty (use ${periscope:run_id})")
	}
	return errors.Join(
		(layout.Item{RunID: c.RunID, Node: "n", Collector: "c", Key: "k"}).Validate(),
		c.ClusterScope.Validate(),
	)
}
