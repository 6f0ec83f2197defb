package nodelogsreceiver

import (
	"context"
	"fmt"
	"os"
	"path"
	"time"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/noderoot"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/internal/settings"
	"github.com/periscope-otel/periscope/receiver/nodelogsreceiver/internal/metadata"
)

// collectorName is Periscope's name for node log files.
const collectorName = "nodelogs"

// inventory checks the configured node log files at the start of a run.
type inventory struct {
	cfg     *Config
	root    noderoot.Root
	tracker *runcontrol.Tracker
	now     func() time.Time
}

func newInventory(cfg *Config, tracker *runcontrol.Tracker) *inventory {
	return &inventory{cfg: cfg, root: noderoot.Root(cfg.RootPath), tracker: tracker, now: time.Now}
}

func (in *inventory) Check() error { return in.root.Check() }

// Collect emits an error item for every file that cannot be read and
// registers every other one with its current size.
func (in *inventory) Collect(context.Context) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
	for _, nodePath := range in.cfg.Files {
		if !settings.IsAbsPath(nodePath) {
			err := fmt.Errorf("node log %q is not an absolute path (a stray quote or a relative path in the list): not collected", nodePath)
			layout.AppendError(sl, collectorName, layout.ItemKeyFromPath(nodePath, ""), err, in.now())
			continue
		}
		size, err := in.size(nodePath)
		if err != nil {
			lr := layout.AppendError(sl, collectorName, layout.ItemKeyFromPath(nodePath, ""), err, in.now())
			lr.Attributes().PutStr(layout.AttrSourcePath, nodePath)
			continue
		}
		in.tracker.ExpectStream(in.filelogPath(nodePath), size)
	}
	return snap
}

// size stats the file as the node sees it (symlinks resolved in the root).
func (in *inventory) size(nodePath string) (int64, error) {
	p, err := in.root.Resolve(nodePath)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return 0, fmt.Errorf("node log %s: %w", nodePath, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("node log %s is not a regular file (%s)", nodePath, fi.Mode().Type())
	}
	return fi.Size(), nil
}

// filelogPath is the path filelog reports for the file: its include
// pattern joined lexically under the root (see ${periscope:nodelogs_files}).
func (in *inventory) filelogPath(nodePath string) string {
	if !path.IsAbs(nodePath) {
		return nodePath // a Windows path: no root
	}
	return path.Join(in.cfg.RootPath, nodePath)
}
