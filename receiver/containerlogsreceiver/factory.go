// Package containerlogsreceiver collects Periscope's container logs: the
// kubelet's pod log files that DIAGNOSTIC_CONTAINERLOGS_LIST selects on
// this node. In copy mode (the default) each file and the rotations the
// kubelet kept become records naming the file and its size at the run's
// start, and the periscope exporter copies the bytes (CRI lines with time,
// stream and tag, as the node wrote them) into the items and the zip. In
// stream mode the contrib filelog receiver (container parser) streams the
// lines of ${periscope:containerlogs_files} and this receiver sizes the run
// so a one-shot ends when filelog has delivered each file. Either way it
// names every malformed entry as an error item and writes an index of what
// each entry selected.
package containerlogsreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/nodefile"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/containerlogsreceiver/internal/metadata"
)

// NewFactory returns the container_logs receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	return &Config{RootPath: "/", Selectors: []string{"kube-system"}, Mode: nodefile.ModeCopy, MaxBytesPerContainer: defaultMaxBytesPerContainer}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newInventory(cfg.(*Config), runcontrol.Default) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{}, newSource, next, runcontrol.Default), nil
}
