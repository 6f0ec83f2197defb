//go:build !linux

package systemlogsreceiver

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
)

// errNotLinux: the systemd journal is a Linux node's.
var errNotLinux = fmt.Errorf("%w: the systemd journal exists on Linux nodes only", errNotSupported)

func newUnitReceiver(context.Context, receiver.Settings, *Config, string, consumer.Logs) (receiver.Logs, error) {
	return nil, errNotLinux
}

func runJournalctl(context.Context, *Config, ...string) (string, error) { return "", errNotLinux }
