// Package dnsconfigreceiver collects Periscope's "dns" items: the node's
// resolv.conf and the one pods get, raw and parsed, and the cluster's
// CoreDNS ConfigMaps.
package dnsconfigreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/dnsconfigreceiver/internal/metadata"
)

// NewFactory returns the dns_config receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		RootPath:          "/",
		NodeResolvConf:    "/etc/resolv.conf",
		KubeletResolvConf: true,
		Kubernetes:        KubernetesConfig{AuthType: AuthAuto, Timeout: 10 * time.Second},
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newCollector(cfg.(*Config), set.Logger) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{}, newSource, next, runcontrol.Default), nil
}
