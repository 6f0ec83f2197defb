// Package periscopeexporter writes every collected item in Periscope's
// run-ID-partitioned layout (see internal/layout and the README).
package periscopeexporter

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/metadata"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// NewFactory returns the periscope exporter factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		// Local writes are fast; the bound only catches a hung filesystem.
		TimeoutConfig: exporterhelper.TimeoutConfig{Timeout: 30 * time.Second},
		Local:         LocalConfig{Directory: "./periscope-output"},
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e := newLayoutExporter(c, set.Logger, runcontrol.Default)
	return exporterhelper.NewLogs(ctx, set, cfg, e.consumeLogs,
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
	)
}
