package periscopeexporter

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
)

// Config says where Periscope's run-ID layout is written.
type Config struct {
	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// BackOffConfig retries the pdata→directory step; see the README for
	// why it has nothing to retry today.
	BackOffConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`
	// QueueConfig optionally queues batches before the directory step;
	// with `storage:` (a file_storage extension) the queue survives a restart.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`

	// Local writes the layout into a directory on this machine; with
	// AzureBlob it is the spool the uploads are made from.
	Local LocalConfig `mapstructure:"local"`
	// AzureBlob uploads every finished node run to a blob container.
	AzureBlob configoptional.Optional[AzureBlobConfig] `mapstructure:"azure_blob"`
	// DiagnosticObject writes each node run's Diagnostic custom resource.
	DiagnosticObject DiagnosticObjectConfig `mapstructure:"diagnostic_object"`
	// PublishInterval, when above 0, publishes again every node run that
	// received records since it was last published (a DaemonSet keeps
	// probing and tailing after the run's collections are done): zip,
	// changed items, status.json and the Diagnostic object. A failed
	// delivery is tried again at the next tick. 0 publishes when the run's
	// collections are done and at shutdown only.
	PublishInterval time.Duration `mapstructure:"publish_interval"`
}

// LocalConfig is the local-directory backend (and the Azure Blob spool).
type LocalConfig struct {
	// Directory holds <run-id>/<node-name>/… ; created when missing.
	Directory string `mapstructure:"directory"`
	// RetainRuns, when above 0, keeps only that many run folders after a
	// delivered run (newest first; never a run pending delivery or the
	// current one). 0 keeps every run.
	RetainRuns int `mapstructure:"retain_runs"`
}

// AzureBlobConfig is the Azure Blob Storage backend; see the README.
type AzureBlobConfig = publish.AzureBlobConfig

// Validate checks the configuration's shape; whether the directory is
// writable is checked at start, where it is named in the error. The
// azure_blob and diagnostic_object sections validate themselves.
func (c *Config) Validate() error {
	var errs []error
	if c.Local.Directory == "" {
		errs = append(errs, errors.New("local.directory must not be empty"))
	}
	if c.Local.RetainRuns < 0 {
		errs = append(errs, fmt.Errorf("local.retain_runs %d must not be negative (0 keeps every run)", c.Local.RetainRuns))
	}
	if c.PublishInterval < 0 {
		errs = append(errs, fmt.Errorf("publish_interval %s must not be negative (0 publishes at the run's end and at shutdown only)", c.PublishInterval))
	}
	return errors.Join(errs...)
}
