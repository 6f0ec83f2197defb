// Package publish hands a finished node run from the exporter's local
// directory to its destination and records the outcome in status.json.
//
// The exporter always writes into a local directory. Without a Store that
// directory is the output and publishing only writes status.json. With a
// Store (Azure Blob Storage) the directory is a spool: every item is
// uploaded, then the zip (its existence means "node done" to VS Code), then
// status.json. A marker file keeps a node run whose delivery did not
// complete pending, so a restarted exporter publishes it again; blob names
// are fixed by the layout, so a repeated upload replaces, never duplicates.
// Publishing the same node run again (the exporter's publish_interval)
// uploads only the items that changed since this process last uploaded
// them, then the zip and status.json again.
package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/periscope-otel/periscope/internal/layout"
)

// PendingMarker in a node run's spool folder means its delivery has not
// completed.
const PendingMarker = ".periscope-publish-pending"

// Store receives a node run's files under their layout names.
type Store interface {
	// Upload stores the file under name (<run-id>/<node>/<file>),
	// replacing what is there, streaming the file.
	Upload(ctx context.Context, name, file string) error
	// Where names the destination for messages, without secrets.
	Where() string
}

// Publisher delivers finished node runs; a nil Store means the local
// directory is the destination.
type Publisher struct {
	store    Store
	now      func() time.Time
	onRecord RecordHook
	uploaded uploadLog
}

// uploadLog remembers which spool file was last uploaded under each blob
// name, so publishing a node run again (a DaemonSet's periodic update)
// sends only the items that changed: node logs of megabytes are not sent
// again because a probe added a line to another item.
type uploadLog struct {
	mu    sync.Mutex
	files map[string]fs.FileInfo // blob name → the spool file as it was uploaded
}

// unchanged reports whether file is, by identity, size and modification
// time, what was last uploaded under name. An item replaced atomically is
// a new file; one appended to has a new size.
func (l *uploadLog) unchanged(name string, fi fs.FileInfo) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev, ok := l.files[name]
	return ok && os.SameFile(prev, fi) && prev.Size() == fi.Size() && prev.ModTime().Equal(fi.ModTime())
}

func (l *uploadLog) remember(name string, fi fs.FileInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.files == nil {
		l.files = map[string]fs.FileInfo{}
	}
	l.files[name] = fi
}

// RecordHook sees a node run's record each time before status.json is
// written: where the run goes and its spool folder. It may add errors to
// st (they are written with it); it must not block for long.
type RecordHook func(where, dir string, st *Status)

// OnRecord sets the hook called before every write of status.json.
func (p *Publisher) OnRecord(h RecordHook) { p.onRecord = h }

// record writes st to dir/status.json after the hook has seen it.
func (p *Publisher) record(dir string, st *Status) error {
	if p.onRecord != nil {
		p.onRecord(p.Where(dir, st.RunID, st.Node), dir, st)
	}
	return st.write(dir)
}

// New returns a publisher to store, or to the local directory when store is nil.
func New(store Store) *Publisher {
	return &Publisher{store: store, now: time.Now}
}

// Where names the destination of a node run folder.
func (p *Publisher) Where(dir, runID, node string) string {
	if p.store == nil {
		return dir
	}
	return p.store.Where() + "/" + layout.NodeDir(runID, node)
}

// expiring is a Store whose credential stops working at a known time (a
// SAS token's expiry).
type expiring interface {
	CredentialExpiry() time.Time
}

// Expired names why the store can no longer take uploads, known without
// asking it: its SAS token expired (VS Code's lasted 15 minutes). Empty
// when uploads may still work.
func (p *Publisher) Expired() string {
	e, ok := p.store.(expiring)
	if !ok {
		return ""
	}
	if at := e.CredentialExpiry(); !at.IsZero() && p.now().After(at) {
		return "the SAS token expired at " + at.UTC().Format(time.RFC3339)
	}
	return ""
}

// Publish delivers a node run whose zip is written and returns its record.
// The error says why it was not delivered; the record says so too.
func (p *Publisher) Publish(ctx context.Context, run Run) (*Status, error) {
	st, err := newStatus(run)
	if err != nil {
		return nil, fmt.Errorf("record of %s: %w", run.Dir, err)
	}
	if p.store == nil {
		st.Delivered = true
		published := p.now().UTC()
		st.Published = &published
		return st, p.record(run.Dir, st)
	}
	// The record first, then the marker: a marker always has a record.
	if err := p.record(run.Dir, st); err != nil {
		return st, err
	}
	if err := os.WriteFile(filepath.Join(run.Dir, PendingMarker), nil, 0o644); err != nil {
		return st, fmt.Errorf("mark %s pending: %w", run.Dir, err)
	}
	return st, p.deliver(ctx, run.Dir, st)
}

// Pending lists the node run folders of dir (<dir>/<run-id>/<node>) whose
// delivery has not completed, in name order. Without a Store nothing is
// pending.
func (p *Publisher) Pending(dir string) ([]string, error) {
	if p.store == nil {
		return nil, nil
	}
	markers, err := filepath.Glob(filepath.Join(dir, "*", "*", PendingMarker))
	if err != nil {
		return nil, fmt.Errorf("look for pending node runs in %s: %w", dir, err)
	}
	runs := make([]string, 0, len(markers))
	for _, m := range markers {
		runs = append(runs, filepath.Dir(m))
	}
	sort.Strings(runs)
	return runs, nil
}

// Republish delivers a pending node run again, from its spool folder.
func (p *Publisher) Republish(ctx context.Context, dir string) (*Status, error) {
	if p.store == nil {
		return nil, errors.New("republish needs a store")
	}
	st, err := ReadStatus(dir)
	if err != nil {
		return nil, fmt.Errorf("pending node run %s: %w", dir, err)
	}
	st.dropDelivery()
	st.Delivered = false
	st.Published = nil
	return st, p.deliver(ctx, dir, st)
}

// deliver uploads the items, then the zip, then the record; the first
// failure stops it (a later file would fail the same way, and the zip must
// never arrive without every item).
func (p *Publisher) deliver(ctx context.Context, dir string, st *Status) error {
	for _, it := range st.Items {
		name := layout.Item{RunID: st.RunID, Node: st.Node, Key: it.Name}.Path()
		file := filepath.Join(dir, it.Name)
		// Stat before the upload: a line appended during it makes the
		// next publish send the item again, never skip it.
		fi, statErr := os.Stat(file)
		if statErr == nil && p.uploaded.unchanged(name, fi) {
			continue
		}
		if err := p.store.Upload(ctx, name, file); err != nil {
			return p.fail(ctx, dir, st, err)
		}
		if statErr == nil {
			p.uploaded.remember(name, fi)
		}
	}
	if err := p.store.Upload(ctx, layout.ZipPath(st.RunID, st.Node), filepath.Join(dir, st.Zip.Name)); err != nil {
		return p.fail(ctx, dir, st, err)
	}
	published := p.now().UTC()
	st.Published = &published
	st.Delivered = true
	if err := p.record(dir, st); err != nil {
		return err
	}
	if err := p.store.Upload(ctx, layout.StatusPath(st.RunID, st.Node), filepath.Join(dir, layout.StatusKey)); err != nil {
		st.Delivered = false
		return p.fail(ctx, dir, st, err)
	}
	if err := os.Remove(filepath.Join(dir, PendingMarker)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("clear pending mark of %s: %w", dir, err)
	}
	return nil
}

// fail records a delivery failure in the spool's status.json and, when the
// destination still answers, in the uploaded one; the marker stays.
func (p *Publisher) fail(ctx context.Context, dir string, st *Status, cause error) error {
	published := p.now().UTC()
	st.Published = &published
	st.Delivered = false
	st.Errors = append(st.Errors, Error{Stage: StageDelivery, Message: cause.Error()})
	if err := p.record(dir, st); err != nil {
		return errors.Join(cause, err)
	}
	// Best effort: with an expired SAS or a missing container this fails
	// the same way, which the cause already says.
	_ = p.store.Upload(ctx, layout.StatusPath(st.RunID, st.Node), filepath.Join(dir, layout.StatusKey))
	return cause
}
