package systemlogsreceiver

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"

	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/journaldreceiver"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/layout"
)

// newUnitReceiver is the contrib journald receiver of one unit: its whole
// journal, then what follows, each entry's MESSAGE a line of the item.
func newUnitReceiver(ctx context.Context, set receiver.Settings, cfg *Config, unit string, next consumer.Logs) (receiver.Logs, error) {
	f := journaldreceiver.NewFactory()
	jcfg := f.CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{
		"root_path":       chrootOf(cfg),
		"journalctl_path": cfg.JournalctlPath,
		"units":           []any{unit},
		"start_at":        "beginning",
		"attributes": map[string]any{
			layout.AttrCollector: collectorName,
			layout.AttrItemKey:   unit,
		},
		"operators": []any{map[string]any{"type": "move", "from": "body.MESSAGE", "to": "body"}},
	})
	if err := conf.Unmarshal(jcfg); err != nil {
		return nil, fmt.Errorf("journald config of unit %s: %w", unit, err)
	}
	set.ID = component.NewIDWithName(f.Type(), set.ID.Name()+"_"+unit)
	return f.CreateLogs(ctx, set, jcfg, next)
}

// chrootOf is the root journalctl runs in: none for the collector's own root.
func chrootOf(cfg *Config) string {
	if cfg.RootPath == "/" {
		return ""
	}
	return cfg.RootPath
}

// runJournalctl runs the node's journalctl once, as journald runs it.
func runJournalctl(ctx context.Context, cfg *Config, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, cfg.JournalctlPath, args...)
	if root := chrootOf(cfg); root != "" {
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("journalctl %s: %w: %s", strings.Join(args, " "), err, msg)
		}
		return "", fmt.Errorf("journalctl %s: %w", strings.Join(args, " "), err)
	}
	return stdout.String(), nil
}
