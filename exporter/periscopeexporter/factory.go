// Package periscopeexporter writes every collected item in Periscope's
// run-ID-partitioned layout (see internal/layout and the README).
package periscopeexporter

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/metadata"
	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
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
	retry := configretry.NewDefaultBackOffConfig()
	// Every failure of the directory step is permanent (a retried batch
	// would append its lines twice), so retrying is off unless asked for.
	retry.Enabled = false
	queue := exporterhelper.NewDefaultQueueConfig()
	// One consumer keeps a streamed item's lines in the order they came.
	queue.NumConsumers = 1
	return &Config{
		// Local writes are fast; the bound only catches a hung filesystem.
		// Uploads happen at shutdown, outside this bound.
		TimeoutConfig: exporterhelper.TimeoutConfig{Timeout: 30 * time.Second},
		BackOffConfig: retry,
		QueueConfig:   configoptional.Default(queue),
		Local:         LocalConfig{Directory: "./periscope-output"},
		AzureBlob:     configoptional.Default(publish.DefaultAzureBlobConfig()),

		DiagnosticObject: defaultDiagnosticObjectConfig(),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e, err := newLayoutExporter(c, set.Logger, runcontrol.Default)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, e.consumeLogs,
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithRetry(c.BackOffConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
	)
}
