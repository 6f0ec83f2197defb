package layout

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/nodefile"
)

// Attributes of a KindFile record: the node file an item is copied from,
// as the run found it at its start. The record itself is small; the
// exporter copies the bytes (nodefile.Snapshot.CopyTo).
const (
	// AttrCopyFrom is the file to copy on the collector's filesystem (the
	// node path resolved under the root path).
	AttrCopyFrom = "periscope.copy.from"
	// AttrCopyBytes is the file's size at the run's start (int).
	AttrCopyBytes = "periscope.copy.bytes"
	// AttrCopyID is the file's identity at the run's start (device:inode).
	AttrCopyID = "periscope.copy.id"
	// AttrCopyGzip (true) says the file is gzip: the item is its content.
	AttrCopyGzip = "periscope.copy.gzip"
)

// AppendFile adds a record that makes the item a copy of a node file.
// source is the node's path (AttrSourcePath, for messages). follow, when
// not empty, is the path a tailing receiver (filelog) reports for the same
// file (AttrFilePath): lines it reads later are appended to this item.
func AppendFile(sl plog.ScopeLogs, collector, key string, snap nodefile.Snapshot, source, follow string, now time.Time) plog.LogRecord {
	lr := appendItemRecord(sl, collector, key, KindFile, now)
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.Body().SetStr(source)
	attrs := lr.Attributes()
	attrs.PutStr(AttrSourcePath, source)
	attrs.PutStr(AttrCopyFrom, snap.Path)
	attrs.PutInt(AttrCopyBytes, snap.Size)
	if snap.ID != "" {
		attrs.PutStr(AttrCopyID, snap.ID)
	}
	if snap.Gzip {
		attrs.PutBool(AttrCopyGzip, true)
	}
	if follow != "" {
		attrs.PutStr(AttrFilePath, follow)
	}
	return lr
}

// FileOf reads a KindFile record's snapshot back.
func FileOf(attrs pcommon.Map) (nodefile.Snapshot, error) {
	from, ok := attrs.Get(AttrCopyFrom)
	if !ok || from.Str() == "" {
		return nodefile.Snapshot{}, fmt.Errorf("%s record without %s", KindFile, AttrCopyFrom)
	}
	size, ok := attrs.Get(AttrCopyBytes)
	if !ok || size.Type() != pcommon.ValueTypeInt || size.Int() < 0 {
		return nodefile.Snapshot{}, fmt.Errorf("%s record of %s without a size (%s)", KindFile, from.Str(), AttrCopyBytes)
	}
	snap := nodefile.Snapshot{Path: from.Str(), Size: size.Int()}
	if id, ok := attrs.Get(AttrCopyID); ok {
		snap.ID = id.Str()
	}
	if gz, ok := attrs.Get(AttrCopyGzip); ok {
		snap.Gzip = gz.Bool()
	}
	return snap, nil
}

// MarkIncomplete flags an error record: the item existed at the run's
// start and is missing or partial (AttrIncomplete).
func MarkIncomplete(lr plog.LogRecord) { lr.Attributes().PutBool(AttrIncomplete, true) }

// IsIncomplete reports AttrIncomplete.
func IsIncomplete(attrs pcommon.Map) bool {
	v, ok := attrs.Get(AttrIncomplete)
	return ok && v.Type() == pcommon.ValueTypeBool && v.Bool()
}
