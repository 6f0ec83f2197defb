package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteReplacesWholeOrNotAtAll(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "item")
	require.NoError(t, WriteBytes(p, 0o644, []byte("old")))

	err := Write(p, 0o644, func(w io.Writer) error {
		_, _ = w.Write([]byte("half"))
		return errors.New("disk full")
	})
	assert.ErrorContains(t, err, "write "+p+": disk full")
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "old", string(data), "a failed write leaves the old content")

	require.NoError(t, WriteBytes(p, 0o640, []byte("new")))
	data, err = os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "new", string(data))
	fi, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm())

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files left")
}
