package layout

import (
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// AppendDocument adds a record holding a whole item. Text stays a string
// body; content that is not valid UTF-8 becomes a bytes body so OTLP
// backends can still marshal it and the file backend writes it unchanged.
func AppendDocument(sl plog.ScopeLogs, collector, key string, content []byte, now time.Time) plog.LogRecord {
	lr := appendItemRecord(sl, collector, key, KindDocument, now)
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	if utf8.Valid(content) {
		lr.Body().SetStr(string(content))
	} else {
		lr.Body().SetEmptyBytes().FromRaw(content)
	}
	return lr
}

// AppendError adds a record saying why an item could not be collected.
func AppendError(sl plog.ScopeLogs, collector, key string, err error, now time.Time) plog.LogRecord {
	lr := appendItemRecord(sl, collector, key, KindError, now)
	lr.SetSeverityNumber(plog.SeverityNumberError)
	lr.SetSeverityText("ERROR")
	lr.Body().SetStr(err.Error())
	lr.Attributes().PutStr(AttrError, err.Error())
	return lr
}

func appendItemRecord(sl plog.ScopeLogs, collector, key string, kind Kind, now time.Time) plog.LogRecord {
	lr := sl.LogRecords().AppendEmpty()
	ts := pcommon.NewTimestampFromTime(now)
	lr.SetTimestamp(ts)
	lr.SetObservedTimestamp(ts)
	attrs := lr.Attributes()
	attrs.PutStr(AttrCollector, collector)
	attrs.PutStr(AttrItemKey, key)
	attrs.PutStr(AttrItemKind, string(kind))
	return lr
}

// PutStrings stores a string list attribute.
func PutStrings(attrs pcommon.Map, name string, values []string) {
	s := attrs.PutEmptySlice(name)
	s.EnsureCapacity(len(values))
	for _, v := range values {
		s.AppendEmpty().SetStr(v)
	}
}
