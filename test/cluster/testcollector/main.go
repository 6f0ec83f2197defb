// Program testcollector is a small collector built from this repository's
// components for the cluster-scope tests (test/cluster): periscope_run with
// its cluster lease, the kube_objects receiver, a cluster-scoped fixture
// receiver that can be told to hang (so a test can kill a leader in the
// middle of a run), a processor stamping the run ID and node name as the
// distribution's resource processor does, and the periscope exporter. It
// runs through internal/collectorcmd, so --once and the exit codes are the
// distribution's.
package main

import (
	"context"
	"os"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/service/telemetry"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter"
	"github.com/periscope-otel/periscope/extension/periscoperunextension"
	"github.com/periscope-otel/periscope/internal/collectorcmd"
	"github.com/periscope-otel/periscope/receiver/kubeobjectsreceiver"
)

func main() {
	set := otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{Command: "testcollector", Description: "cluster-scope test collector", Version: "test"},
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory()},
				DefaultScheme:     "file", // the only provider: the configs here use no ${...}
			},
		},
	}
	os.Exit(collectorcmd.ExitCode(collectorcmd.Execute(set)))
}

func components() (otelcol.Factories, error) {
	f := otelcol.Factories{Telemetry: stderrTelemetry()}
	var err error
	if f.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](kubeobjectsreceiver.NewFactory(), newFixtureFactory()); err != nil {
		return f, err
	}
	if f.Processors, err = otelcol.MakeFactoryMap[processor.Factory](newStampFactory()); err != nil {
		return f, err
	}
	if f.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](periscopeexporter.NewFactory()); err != nil {
		return f, err
	}
	f.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](periscoperunextension.NewFactory())
	return f, err
}

// stderrTelemetry logs to stderr and has no internal metrics or traces (so
// two processes on one host do not fight over the metrics port), without
// the OpenTelemetry SDK the full telemetry factory brings.
func stderrTelemetry() telemetry.Factory {
	type config struct{}
	return telemetry.NewFactory(func() component.Config { return &config{} },
		telemetry.WithCreateLogger(func(context.Context, telemetry.LoggerSettings, component.Config) (*zap.Logger, component.ShutdownFunc, error) {
			cfg := zap.NewDevelopmentConfig()
			cfg.Level = zap.NewAtomicLevelAt(zap.InfoLevel)
			cfg.DisableStacktrace = true
			logger, err := cfg.Build()
			return logger, nil, err
		}))
}
