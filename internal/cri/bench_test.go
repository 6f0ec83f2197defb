package cri

import (
	"bytes"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
)

// BenchmarkReader measures records per second from the bytes of a file to
// plog records, for the contrib container operator (fed as filelog feeds
// it, its batches converted by filelog's adapter; file reading and polling
// left out) and for the Reader, on generated kubelet output; it reports the
// Reader's speed as a multiple of the operator's when both run.
func BenchmarkReader(b *testing.B) {
	data := generatedLog(7, 20000, true)
	path := "/var/log/pods/" + podDir[len("var/log/pods/"):] + "/0.log"
	var contrib float64
	b.Run("contrib", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		n := 0
		for b.Loop() {
			runOperator(b, path, data, 0, func(l plog.Logs) { n += l.LogRecordCount() })
		}
		contrib = float64(n) / b.Elapsed().Seconds()
		b.ReportMetric(contrib, "records/s")
	})
	b.Run("cri", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		r := NewReader(path)
		n := 0
		count := func(l plog.Logs) error {
			n += l.LogRecordCount()
			return nil
		}
		for b.Loop() {
			if err := r.Read(b.Context(), bytes.NewReader(data), count); err != nil {
				b.Fatal(err)
			}
		}
		rate := float64(n) / b.Elapsed().Seconds()
		b.ReportMetric(rate, "records/s")
		if contrib > 0 {
			b.ReportMetric(rate/contrib, "x-vs-contrib")
		}
	})
}
