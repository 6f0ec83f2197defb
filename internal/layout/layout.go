// Package layout is Periscope's output contract: the attributes that place a
// record in a run, and the names those places get in a directory or a blob
// container. Receivers set the attributes; every exporter backend asks this
// package for names, so no backend knows collectors by name.
//
// The tree, as existing consumers (az aks kollect, the VS Code AKS extension)
// read it:
//
//	<run-id>/<node-name>/<item-key>           one file per collected item
//	<run-id>/<node-name>/<node-name>.zip      written last; entries <collector>/<item-key>
//	<run-id>/<node-name>/status.json          the delivery record of the node's run
//	<run-id>/cluster/<item-key>               cluster-scoped items, once per run (scope.go)
package layout

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Resource attributes: who collected and under which run.
const (
	// AttrRunID is the run ID, by convention a UTC timestamp YYYY-MM-DDThh-mm-ssZ.
	AttrRunID = "periscope.run.id"
	// AttrNodeName is the node the collector runs on (semantic convention name).
	AttrNodeName = "k8s.node.name"
)

// Record attributes: which item a record belongs to.
const (
	// AttrCollector is Periscope's collector name (dns, iptables, kubeletcmd…).
	AttrCollector = "periscope.collector"
	// AttrItemKey is the item's key inside the node folder (virtualmachine…).
	AttrItemKey = "periscope.item.key"
	// AttrItemKind says how the record's body makes up the item; see Kind.
	AttrItemKind = "periscope.item.kind"
	// AttrSourcePath is the file an item was read from, as the node sees it.
	AttrSourcePath = "periscope.source.path"
	// AttrError is set on records that report a collection error.
	AttrError = "periscope.error"
	// AttrIncomplete (true) marks an error record about an item the run set
	// out to collect (its file existed at the run's start) that is missing
	// or partial: the run's outcome is "incomplete", not "complete".
	AttrIncomplete = "periscope.incomplete"
)

// Kind says how a record's body contributes to its item.
type Kind string

const (
	// KindDocument is a whole item in one record: the body is the item.
	KindDocument Kind = "document"
	// KindLine is one line of an item (a log line from filelog or journald);
	// lines are appended, each followed by a newline. Records without an
	// AttrItemKind are lines, so contrib receivers need no extra attribute.
	KindLine Kind = "line"
	// KindError reports that an item could not be collected; the body says why.
	KindError Kind = "error"
	// KindFile is a whole item copied as bytes from a node file as it was
	// at the run's start (file.go): a snapshot of a log moves as bytes, not
	// as one record per line.
	KindFile Kind = "file"
)

// ParseKind maps an attribute value to a Kind; empty means KindLine.
func ParseKind(s string) (Kind, error) {
	switch Kind(s) {
	case "", KindLine:
		return KindLine, nil
	case KindDocument, KindError, KindFile:
		return Kind(s), nil
	}
	return "", fmt.Errorf("unknown %s %q (want %s, %s, %s or %s)", AttrItemKind, s, KindDocument, KindLine, KindError, KindFile)
}

// ErrorsItemKey is the per-node item holding every collection error of the
// run, one line each, so a failed item is explained next to the data.
const ErrorsItemKey = "periscope-errors.log"

// ErrorsCollector is the collector name of ErrorsItemKey in the node zip.
const ErrorsCollector = "periscope"

// Item identifies one collected item of one node in one run.
type Item struct {
	RunID     string
	Node      string
	Collector string
	Key       string
}

// Validate reports the first field that cannot be used as a path segment.
func (it Item) Validate() error {
	return errors.Join(
		checkSegment(AttrRunID, it.RunID),
		checkSegment(AttrNodeName, it.Node),
		checkSegment(AttrCollector, it.Collector),
		checkSegment(AttrItemKey, it.Key),
	)
}

// NodeDir is the node's folder of a run: <run-id>/<node-name>.
func NodeDir(runID, node string) string { return path.Join(runID, node) }

// Path is where the item is stored: <run-id>/<node-name>/<item-key>.
func (it Item) Path() string { return path.Join(it.RunID, it.Node, it.Key) }

// ZipEntry is the item's name inside the node zip: <collector>/<item-key>.
func (it Item) ZipEntry() string { return path.Join(it.Collector, it.Key) }

// ZipPath is the node zip of a run: <run-id>/<node-name>/<node-name>.zip.
func ZipPath(runID, node string) string { return path.Join(runID, node, node+".zip") }

// StatusKey is the node run's delivery record, next to its items.
const StatusKey = "status.json"

// StatusPath is a node run's delivery record: <run-id>/<node-name>/status.json.
func StatusPath(runID, node string) string { return path.Join(runID, node, StatusKey) }

// checkSegment refuses values that would escape or split a path segment.
func checkSegment(name, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%s is empty", name)
	case v == "." || v == "..":
		return fmt.Errorf("%s %q is not a usable name", name, v)
	case strings.ContainsAny(v, `/\`):
		return fmt.Errorf("%s %q contains a path separator", name, v)
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("%s %q contains a control character", name, v)
	}
	return nil
}
