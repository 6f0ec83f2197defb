package noderoot

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFileFollowsSymlinksInsideRoot(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "run/systemd/resolve"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "run/systemd/resolve/stub-resolv.conf"), []byte("nameserver 127.0.0.53\n"), 0o644))
	// An absolute link: on the node it means the node's /run, never the collector's.
	require.NoError(t, os.Symlink("/run/systemd/resolve/stub-resolv.conf", filepath.Join(root, "etc/resolv.conf")))

	data, err := Root(root).ReadFile("/etc/resolv.conf", 1024)
	require.NoError(t, err)
	assert.Equal(t, "nameserver 127.0.0.53\n", string(data))
}

func TestReadFileErrors(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "big"), make([]byte, 11), 0o644))

	_, err := Root(root).ReadFile("/big", 10)
	assert.True(t, errors.Is(err, ErrTooLarge))

	_, err = Root(root).ReadFile("/etc/missing.conf", 10)
	assert.True(t, errors.Is(err, os.ErrNotExist))
	assert.ErrorContains(t, err, "/etc/missing.conf")
}

func TestCheck(t *testing.T) {
	assert.NoError(t, Root(t.TempDir()).Check())
	err := Root("/nonexistent/periscope-root").Check()
	assert.ErrorContains(t, err, `root_path "/nonexistent/periscope-root"`)
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	assert.ErrorContains(t, Root(f).Check(), "is not a directory")
}
