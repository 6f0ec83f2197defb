package cri

import (
	"fmt"
	"maps"
	"time"

	"github.com/goccy/go-json"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// docker adds the record of a line that starts with "{": the container
// operator takes it for Docker's json-file format, whatever the rest of the
// file is, and neither joins nor drops it. Rare in a CRI file, so this
// follows the operator step by step on a map, as its entry does, with the
// same JSON decoder.
func (r *Reader) docker(tok []byte, offset int64) error {
	d := dockerLine{
		body:  string(tok),
		attrs: map[string]any{attrFilePath: r.path, attrRecordOffset: offset},
	}
	var parsed map[string]any
	if err := json.Unmarshal(tok, &parsed); err == nil {
		// Parsed fields go to the attributes, over filelog's of the same name.
		maps.Copy(d.attrs, parsed)
		d.moveFields()
	}
	return r.appendAny(&d.res, d.time, d.body, d.attrs)
}

// dockerLine is the operator's entry for a Docker json-file line.
type dockerLine struct {
	time  time.Time
	body  any
	attrs map[string]any
	res   resource
}

// moveFields moves the parsed fields where the operator does: time to the
// timestamp, log to the body, stream to log.iostream, and the pod from
// log.file.path to the resource. It stops where the operator gives up on
// the line, which then goes on as it is at that step.
func (d *dockerLine) moveFields() {
	text, ok := d.attrs[attrTime].(string)
	if !ok {
		return
	}
	t, ok := parseZulu([]byte(text))
	if !ok {
		var err error
		if t, err = parseLayout(containerdLayout, text, time.UTC); err != nil {
			return
		}
	}
	d.time = t
	delete(d.attrs, attrTime)

	v, ok := d.attrs[attrLog]
	if !ok {
		return
	}
	delete(d.attrs, attrLog)
	if m, isMap := v.(map[string]any); isMap {
		d.body = maps.Clone(m)
	} else {
		d.body = v
	}

	if v, ok = d.attrs[attrStream]; !ok {
		return
	}
	delete(d.attrs, attrStream)
	if m, isMap := v.(map[string]any); isMap {
		// Setting a map merges it into the map already there.
		into, isMap := d.attrs[attrIOStream].(map[string]any)
		if !isMap {
			into = map[string]any{}
			d.attrs[attrIOStream] = into
		}
		maps.Copy(into, m)
	} else {
		d.attrs[attrIOStream] = v
	}

	if path, ok := d.attrs[attrFilePath].(string); ok {
		d.res = resourceOf(path)
	}
}

// appendAny adds a record made of Go values, converted as filelog's adapter
// converts an entry's.
func (r *Reader) appendAny(res *resource, t time.Time, body any, attrs map[string]any) error {
	lr := r.records(res).AppendEmpty()
	if !t.IsZero() {
		lr.SetTimestamp(pcommon.NewTimestampFromTime(t))
	}
	lr.SetObservedTimestamp(r.observed)
	putMap(lr.Attributes(), attrs)
	if body != nil {
		putValue(lr.Body(), body)
	}
	return r.added()
}

func putMap(dst pcommon.Map, m map[string]any) {
	dst.EnsureCapacity(len(m))
	for k, v := range m {
		putValue(dst.PutEmpty(k), v)
	}
}

// putValue is the adapter's upsertToAttributeVal for the types a JSON
// decoder and filelog produce.
func putValue(dst pcommon.Value, v any) {
	switch v := v.(type) {
	case bool:
		dst.SetBool(v)
	case string:
		dst.SetStr(v)
	case int64:
		dst.SetInt(v)
	case float64:
		dst.SetDouble(v)
	case map[string]any:
		putMap(dst.SetEmptyMap(), v)
	case []any:
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(v))
		for _, e := range v {
			putValue(s.AppendEmpty(), e)
		}
	case nil:
	default:
		dst.SetStr(fmt.Sprintf("%v", v))
	}
}
