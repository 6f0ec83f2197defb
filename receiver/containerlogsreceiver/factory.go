// Package containerlogsreceiver is the Periscope half of container log
// collection: the contrib filelog receiver (with its container parser)
// streams the kubelet's pod log files selected by
// ${periscope:containerlogs_files}, and this receiver says, per run, which
// files DIAGNOSTIC_CONTAINERLOGS_LIST selects on this node, names every
// malformed entry as an error item, and sizes the run so a one-shot ends
// when filelog has delivered each file.
package containerlogsreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/containerlogsreceiver/internal/metadata"
)

// NewFactory returns the container_logs receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	return &Config{RootPath: "/", Selectors: []string{"kube-system"}}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newInventory(cfg.(*Config), runcontrol.Default) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{}, newSource, next, runcontrol.Default), nil
}
