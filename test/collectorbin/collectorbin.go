// Package collectorbin finds the otelcol-periscope binary for tests that
// run the distribution as a process.
package collectorbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var build struct {
	once sync.Once
	path string
	err  error
}

// RepoRoot is the repository root, two levels above this file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Path returns the distribution binary: $PERISCOPE_BIN (make e2e sets it),
// or built once per test binary with `make build`, so `go test` of a
// package works alone.
func Path(tb testing.TB) string {
	tb.Helper()
	build.once.Do(func() {
		if p := os.Getenv("PERISCOPE_BIN"); p != "" {
			build.path = p
			return
		}
		root := RepoRoot()
		if out, err := exec.Command("make", "-C", root, "build").CombinedOutput(); err != nil {
			build.err = fmt.Errorf("make build: %w\n%s", err, out)
			return
		}
		build.path = filepath.Join(root, "_build", "otelcol-periscope")
	})
	if build.err != nil {
		tb.Fatal(build.err)
	}
	return build.path
}
