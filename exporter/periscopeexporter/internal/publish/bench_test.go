package publish

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchRun is a spooled node run of files × size bytes of random data.
func benchRun(b *testing.B, files int, size int64) Run {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "bench-run", "node-b")
	require.NoError(b, os.MkdirAll(dir, 0o755))
	buf := make([]byte, size)
	run := Run{Dir: dir, RunID: "bench-run", Node: "node-b", Items: map[string]string{}}
	for i := 0; i < files; i++ {
		_, _ = rand.Read(buf)
		key := fmt.Sprintf("item-%02d.log", i)
		require.NoError(b, os.WriteFile(filepath.Join(dir, key), buf, 0o644))
		run.Items[key] = "bench"
	}
	require.NoError(b, os.WriteFile(filepath.Join(dir, "node-b.zip"), []byte("zip"), 0o644))
	return run
}

// BenchmarkUpload compares delivering the same bytes through the
// publisher (items, zip, status.json, marker, with the exporter's store)
// with the SDK's own UploadFile of the item files to Azurite.
func BenchmarkUpload(b *testing.B) {
	const files, size = 8, 4 << 20 // 32 MiB per iteration
	run := benchRun(b, files, size)
	cfg := azuriteConfig(b, "bench")
	store, err := NewAzureStore(&cfg)
	require.NoError(b, err)

	b.Run("publisher", func(b *testing.B) {
		b.SetBytes(files * size)
		b.ReportAllocs()
		for b.Loop() {
			// A new publisher each time: one that published the run
			// before sends only what changed (publisher_update).
			if _, err := New(store).Publish(context.Background(), run); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A DaemonSet's periodic update (publish_interval): one item of eight
	// gained a line since the last publish; the other seven stay put.
	b.Run("publisher_update", func(b *testing.B) {
		p := New(store)
		if _, err := p.Publish(context.Background(), run); err != nil {
			b.Fatal(err)
		}
		changed := filepath.Join(run.Dir, "item-00.log")
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.OpenFile(changed, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				b.Fatal(err)
			}
			_, err = f.WriteString("probe\n")
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Publish(context.Background(), run); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk_upload_file", func(b *testing.B) {
		client, err := server.Client()
		require.NoError(b, err)
		keys := make([]string, 0, len(run.Items))
		for k := range run.Items {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.SetBytes(files * size)
		b.ReportAllocs()
		for b.Loop() {
			for _, k := range keys {
				f, err := os.Open(filepath.Join(run.Dir, k))
				if err != nil {
					b.Fatal(err)
				}
				_, err = client.UploadFile(context.Background(), "bench", "sdk/"+k, f, nil)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
