package systemlogsreceiver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
)

// errorsOf maps each error record's item to its message.
func errorsOf(t *testing.T, logs plog.Logs) map[string]string {
	t.Helper()
	out := map[string]string{}
	rls := logs.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				attrs := lrs.At(k).Attributes().AsRaw()
				require.Equal(t, collectorName, attrs[layout.AttrCollector])
				require.Equal(t, string(layout.KindError), attrs[layout.AttrItemKind])
				out[attrs[layout.AttrItemKey].(string)] = attrs[layout.AttrError].(string)
			}
		}
	}
	return out
}

// nodeRoot is a node root with journalctl (an empty file: the fake run
// stands in for running it).
func nodeRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "usr/bin/journalctl"), nil, 0o755))
	return root
}

// fakeJournal answers journalctl with the units that have entries.
func fakeJournal(units ...string) func(ctx context.Context, args ...string) (string, error) {
	return func(_ context.Context, args ...string) (string, error) {
		i := slices.Index(args, "--unit")
		if i < 0 {
			if len(units) == 0 {
				return "", nil
			}
			return `{"MESSAGE":"x"}` + "\n", nil
		}
		if slices.Contains(units, args[i+1]) {
			return `{"MESSAGE":"x"}` + "\n", nil
		}
		return "", nil
	}
}

// Each unit the run cannot read is named with the reason; a unit with
// entries is left to its journald receiver.
func TestCollectNamesWhatCannotBeRead(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	tests := []struct {
		name  string
		root  func(t *testing.T) string
		run   func(ctx context.Context, args ...string) (string, error)
		start map[string]error
		want  map[string]string
	}{
		{
			name: "no journalctl on the node",
			root: func(t *testing.T) string { return t.TempDir() },
			run:  func(context.Context, ...string) (string, error) { panic("journalctl run without journalctl") },
			want: map[string]string{
				"kubelet":    "not collected: the node has no journalctl (/usr/bin/journalctl under root_path ROOT: not found), so no systemd journal to read",
				"containerd": "not collected: the node has no journalctl (/usr/bin/journalctl under root_path ROOT: not found), so no systemd journal to read",
				"docker":     "not collected: the node has no journalctl (/usr/bin/journalctl under root_path ROOT: not found), so no systemd journal to read",
			},
		},
		{
			name: "an empty journal",
			root: nodeRoot,
			run:  fakeJournal(),
			want: map[string]string{
				"kubelet":    "not collected: the node's systemd journal holds no entries (journalctl finds none: no journal files, or journald keeps none)",
				"containerd": "not collected: the node's systemd journal holds no entries (journalctl finds none: no journal files, or journald keeps none)",
				"docker":     "not collected: the node's systemd journal holds no entries (journalctl finds none: no journal files, or journald keeps none)",
			},
		},
		{
			name: "a containerd node: no docker",
			root: nodeRoot,
			run:  fakeJournal("kubelet", "containerd"),
			want: map[string]string{
				"docker": "not collected: the node's journal holds no entries of unit docker (the service does not run on this node?)",
			},
		},
		{
			name: "journalctl fails",
			root: nodeRoot,
			run: func(context.Context, ...string) (string, error) {
				return "", errors.New("journalctl --lines=1: exit status 1: Failed to open journal")
			},
			want: map[string]string{
				"kubelet":    "not collected: journalctl --lines=1: exit status 1: Failed to open journal",
				"containerd": "not collected: journalctl --lines=1: exit status 1: Failed to open journal",
				"docker":     "not collected: journalctl --lines=1: exit status 1: Failed to open journal",
			},
		},
		{
			name:  "a journald receiver that did not start",
			root:  nodeRoot,
			run:   fakeJournal("kubelet", "containerd", "docker"),
			start: map[string]error{"kubelet": errors.New("start stanza: permission denied")},
			want:  map[string]string{"kubelet": "not collected: journalctl did not start: start stanza: permission denied"},
		},
		{name: "every unit has entries", root: nodeRoot, run: fakeJournal("kubelet", "containerd", "docker"), want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *cfg
			c.RootPath = tt.root(t)
			j := newJournal(&c, zap.NewNop())
			j.run = tt.run
			j.now = func() time.Time { return time.Unix(0, 0) }
			require.NoError(t, j.Check())
			_ = j.locate()
			for unit, err := range tt.start {
				j.setStartError(unit, err)
			}
			got := errorsOf(t, j.Collect(context.Background()).Logs)
			for k, v := range tt.want {
				tt.want[k] = strings.ReplaceAll(v, "ROOT", c.RootPath)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCheckRefusesAMissingRoot(t *testing.T) {
	c := createDefaultConfig().(*Config)
	c.RootPath = filepath.Join(t.TempDir(), "absent")
	assert.ErrorContains(t, newJournal(c, zap.NewNop()).Check(), "absent")
}
