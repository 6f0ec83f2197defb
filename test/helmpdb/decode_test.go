package helmpdb_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// decodeForTest undoes what kubectl's jsonpath prints of .data.release:
// the API server's base64, Helm's base64, gzip.
func decodeForTest(t *testing.T, apiValue []byte) []byte {
	t.Helper()
	helmText, err := base64.StdEncoding.DecodeString(string(apiValue))
	require.NoError(t, err)
	gz, err := base64.StdEncoding.DecodeString(string(helmText))
	require.NoError(t, err)
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	require.NoError(t, err)
	js, err := io.ReadAll(zr)
	require.NoError(t, err)
	return js
}
