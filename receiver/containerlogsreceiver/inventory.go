package containerlogsreceiver

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/containerlogs"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/noderoot"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/containerlogsreceiver/internal/metadata"
)

const (
	// collectorName is Periscope's name for container logs.
	collectorName = "containerlogs"
	// indexKey is the document listing what each entry selected here, so
	// "why are there no tunnelfront logs?" has an answer in the output.
	indexKey = "containerlogs-index"
)

type inventory struct {
	cfg     *Config
	root    noderoot.Root
	tracker *runcontrol.Tracker
	now     func() time.Time
	toRead  []logFile // records mode: what CollectBatches reads
}

func newInventory(cfg *Config, tracker *runcontrol.Tracker) *inventory {
	return &inventory{cfg: cfg, root: noderoot.Root(cfg.RootPath), tracker: tracker, now: time.Now}
}

func (in *inventory) Check() error { return in.root.Check() }

// Collect names every malformed entry, writes the index and, in copy
// mode, a record per file to copy (files.go); in records mode
// CollectBatches reads the files.
func (in *inventory) Collect(context.Context) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
	now := in.now()
	sels, errs := containerlogs.ParseList(in.cfg.Selectors)
	for _, err := range errs {
		layout.AppendError(sl, collectorName, "list", err, now)
	}
	// A node without the kubelet's log directory has nothing to select
	// from: say so once instead of indexing zero files per entry.
	if err := in.checkPodsDirectory(); err != nil {
		layout.AppendError(sl, collectorName, indexKey, err, now)
		return snap
	}
	var index strings.Builder
	for _, s := range sels {
		in.selectFiles(sl, &index, s, now)
	}
	if len(in.cfg.Selectors) == 0 {
		index.WriteString("DIAGNOSTIC_CONTAINERLOGS_LIST is empty: no container logs selected\n")
	}
	layout.AppendDocument(sl, collectorName, indexKey, []byte(index.String()), now)
	return snap
}

func (in *inventory) checkPodsDirectory() error {
	p, err := in.root.Resolve(containerlogs.PodsDirectory)
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(p); err == nil && !fi.IsDir() {
			err = fmt.Errorf("%s is not a directory", p)
		}
	}
	if err != nil {
		return fmt.Errorf("container logs: the kubelet's %s cannot be read (not a Kubernetes node, or its logs are elsewhere): %w", containerlogs.PodsDirectory, err)
	}
	return nil
}
