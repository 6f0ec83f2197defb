// Package periscoperunextension holds the current Periscope run for the
// other components: the scheduler asks whether this node already completed
// it, the exporter records that it did. With a state directory, a restarted
// DaemonSet pod does not repeat a run it delivered.
package periscoperunextension

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/periscope-otel/periscope/extension/periscoperunextension/internal/metadata"
	"github.com/periscope-otel/periscope/internal/clusterlease"
)

// NewFactory returns the periscope_run extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{ClusterScope: clusterlease.DefaultConfig()}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newRunState(cfg.(*Config), set.Logger), nil
}
