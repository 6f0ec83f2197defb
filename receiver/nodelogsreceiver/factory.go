// Package nodelogsreceiver collects Periscope's node log files. In copy
// mode (the default) each file that exists becomes a record naming it and
// its size at the run's start, and the periscope exporter copies its bytes
// into the item and the zip; in stream mode the contrib filelog receiver
// streams the lines and this receiver only sizes the run, so a one-shot
// run waits until filelog has delivered every file to that size. Either
// way a missing file becomes an error item (that item fails, not the
// collector).
package nodelogsreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/nodefile"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/nodelogsreceiver/internal/metadata"
)

// NewFactory returns the node_logs receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	return &Config{RootPath: "/", Mode: nodefile.ModeCopy}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newInventory(cfg.(*Config), runcontrol.Default) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{}, newSource, next, runcontrol.Default), nil
}
