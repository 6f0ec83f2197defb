// Package noderoot reads the node's filesystem through a root path, the way
// a DaemonSet sees the host mounted at /hostroot. Symlinks are resolved
// inside the root: the node's /etc/resolv.conf often links to an absolute
// path, which must mean the node's file, not the collector container's.
package noderoot

import (
	"errors"
	"fmt"
	"io"
	"os"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/periscope-otel/periscope/internal/nodefile"
)

// Root is the node's filesystem as mounted for the collector.
type Root string

// Check reports whether the root exists and is a directory.
func (r Root) Check() error {
	fi, err := os.Stat(string(r))
	if err != nil {
		return fmt.Errorf("root_path %q: %w", string(r), err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("root_path %q is not a directory", string(r))
	}
	return nil
}

// Resolve maps a node path (/etc/resolv.conf) to the path to open, following
// symlinks as the node would.
func (r Root) Resolve(nodePath string) (string, error) {
	p, err := securejoin.SecureJoin(string(r), nodePath)
	if err != nil {
		return "", fmt.Errorf("resolve %s under %s: %w", nodePath, string(r), err)
	}
	return p, nil
}

// ErrTooLarge is returned by ReadFile for files over its limit.
var ErrTooLarge = errors.New("file is larger than the limit")

// ReadFile reads a node file of at most limit bytes. Errors name the node
// path, which is what an on-call engineer knows the file by.
func (r Root) ReadFile(nodePath string, limit int64) ([]byte, error) {
	p, err := r.Resolve(nodePath)
	if err != nil {
		return nil, err
	}
	return readLimited(p, nodePath, limit)
}

// ReadFile reads a file of the collector's own filesystem (not the node's)
// of at most limit bytes.
func ReadFile(p string, limit int64) ([]byte, error) { return readLimited(p, p, limit) }

// readLimited reads p; name is how errors call it.
func readLimited(p, name string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: %w (%d bytes)", name, ErrTooLarge, limit)
	}
	return data, nil
}

// Snapshot records a node file as it is now (size, identity), resolved
// inside the root, for a copy later in the run (nodefile).
func (r Root) Snapshot(nodePath string) (nodefile.Snapshot, error) {
	p, err := r.Resolve(nodePath)
	if err != nil {
		return nodefile.Snapshot{}, err
	}
	return nodefile.Take(p)
}
