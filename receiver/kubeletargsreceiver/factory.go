// Package kubeletargsreceiver collects Periscope's "kubeletcmd" items: the
// kubelet's command line, raw and parsed into flags, and the configuration
// file it was started with, with credentials redacted.
package kubeletargsreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/kubeletargsreceiver/internal/metadata"
)

// NewFactory returns the kubelet_args receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		RootPath:      "/",
		ProcessName:   "kubelet",
		CollectConfig: true,
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newCollector(cfg.(*Config), set.Logger) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{}, newSource, next, runcontrol.Default), nil
}
