package helmrelease

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// bigReleaseJSON builds a release whose encoded Secret value is about
// size bytes: a chart with many templates and a long manifest, mixed text
// and random tokens; about 3.5 MiB of JSON.
func bigReleaseJSON(size int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString(`{"name":"big","namespace":"shop","version":3,"info":{"status":"deployed","last_deployed":"2026-11-28T09:30:15Z"},`)
	b.WriteString(`"chart":{"metadata":{"name":"platform","version":"1.0.0","appVersion":"2.0"},"templates":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"templates/t%d.yaml","data":"`, i)
		for range 40 {
			fmt.Fprintf(&b, "%08x", rng.Uint32())
		}
		b.WriteString(`"}`)
	}
	b.WriteString(`]},"manifest":"`)
	for i := 0; b.Len() < size*7/2; i++ {
		fmt.Fprintf(&b, `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-%d\n  labels: {app: svc-%d, token: %08x}\n`, i, i, rng.Uint32())
	}
	b.WriteString(`"}`)
	return b.String()
}

// BenchmarkDecode1MiB decodes a release whose Secret value is about 1 MiB,
// the most a Secret can hold.
func BenchmarkDecode1MiB(b *testing.B) {
	data := encode(b, bigReleaseJSON(1<<20))
	b.Logf("encoded %d bytes", len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
