package layout

import (
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Bounds of one LineBatch: what a receiver holds of a file it sends as
// records, whatever the file's size.
const (
	maxBatchRecords = 4096
	maxBatchBytes   = 1 << 20
)

// LineBatch builds the records of one item's lines (KindLine), a bounded
// batch at a time, for a receiver that reads a file and sends it as one
// record per line.
type LineBatch struct {
	scope, collector, key, file string
	logs                        plog.Logs
	sl                          plog.ScopeLogs
	bytes                       int
}

// NewLineBatch starts the batches of an item. file, when not empty, is
// the file's path as filelog would report it (AttrFilePath).
func NewLineBatch(scope, collector, key, file string) *LineBatch {
	b := &LineBatch{scope: scope, collector: collector, key: key, file: file}
	b.reset()
	return b
}

func (b *LineBatch) reset() {
	b.logs = plog.NewLogs()
	b.sl = b.logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	b.sl.Scope().SetName(b.scope)
	b.bytes = 0
}

// Append adds a line (without its newline). Text is a string body; a line
// that is not UTF-8 is a bytes body, written back unchanged.
func (b *LineBatch) Append(line []byte, now time.Time) {
	lr := b.sl.LogRecords().AppendEmpty()
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
	if utf8.Valid(line) {
		lr.Body().SetStr(string(line))
	} else {
		lr.Body().SetEmptyBytes().FromRaw(line)
	}
	attrs := lr.Attributes()
	attrs.PutStr(AttrCollector, b.collector)
	attrs.PutStr(AttrItemKey, b.key)
	if b.file != "" {
		attrs.PutStr(AttrFilePath, b.file)
	}
	b.bytes += len(line)
}

// Full reports that the batch should be sent before more is added.
func (b *LineBatch) Full() bool {
	return b.sl.LogRecords().Len() >= maxBatchRecords || b.bytes >= maxBatchBytes
}

// Len is the number of records in the batch.
func (b *LineBatch) Len() int { return b.sl.LogRecords().Len() }

// Take returns the batch and starts the next one.
func (b *LineBatch) Take() plog.Logs {
	ld := b.logs
	b.reset()
	return ld
}
