// Package nodelogsreceiver is the Periscope half of the node log
// collection: the contrib filelog receiver streams the files' lines, and
// this receiver says, per run, which configured files exist and how large
// they were when the run started. A missing file becomes an error item
// (that item fails, not the collector), and a one-shot run waits until
// filelog has delivered every file to that size.
package nodelogsreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/nodelogsreceiver/internal/metadata"
)

// NewFactory returns the node_logs receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	return &Config{RootPath: "/"}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newInventory(cfg.(*Config), runcontrol.Default) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{}, newSource, next, runcontrol.Default), nil
}
