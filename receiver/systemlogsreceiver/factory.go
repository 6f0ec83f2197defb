// Package systemlogsreceiver is Periscope's systemlogs collector: the
// node's systemd journal entries of the container runtime and the kubelet,
// one item per unit, read by the contrib journald receiver (one per unit,
// chrooted into the node's root) and tailed while the collector runs.
//
// Around journald it adds what a Periscope run needs: a unit that cannot be
// read is named in the run's errors (no journalctl on the node, a journal
// without entries, none of the unit), never silently missing, and never
// stops the collector; and journalctl stopped with its pipeline (every new
// run ID rebuilds the pipelines) is not logged as an error.
package systemlogsreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/receiver/systemlogsreceiver/internal/metadata"
)

// NewFactory returns the systemlogs receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		RootPath:       "/",
		JournalctlPath: "/usr/bin/journalctl",
		Units:          []string{"kubelet", "containerd", "docker"},
		CheckTimeout:   10 * time.Second,
	}
}

func createLogs(ctx context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(ctx, set, cfg.(*Config), next)
}
