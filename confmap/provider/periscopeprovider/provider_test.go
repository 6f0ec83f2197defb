package periscopeprovider

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestProvider(env map[string]string, host string) *provider {
	return &provider{
		env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		hostname: func() (string, error) {
			if host == "" {
				return "", errors.New("no hostname")
			}
			return host, nil
		},
		now: func() time.Time { return time.Date(2026, 11, 28, 23, 5, 9, 0, time.FixedZone("x", 3600)) },
	}
}

func retrieve(t *testing.T, p *provider, uri string) (string, error) {
	t.Helper()
	r, err := p.Retrieve(context.Background(), uri, nil)
	if err != nil {
		return "", err
	}
	v, err := r.AsRaw()
	require.NoError(t, err)
	return v.(string), nil
}

func TestRunID(t *testing.T) {
	noFiles := map[string]string{EnvConfigDir: t.TempDir()}

	v, err := retrieve(t, newTestProvider(noFiles, "h"), "periscope:run_id")
	require.NoError(t, err)
	assert.Equal(t, "2026-11-28T22-05-09Z", v, "generated in UTC, Periscope's format")
	assert.Regexp(t, regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$`), v)

	env := map[string]string{EnvRunID: " 2026-01-02T03-04-05Z\n", EnvConfigDir: t.TempDir()}
	v, err = retrieve(t, newTestProvider(env, "h"), "periscope:run_id")
	require.NoError(t, err)
	assert.Equal(t, "2026-01-02T03-04-05Z", v)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, EnvRunID), []byte("from-configmap\n"), 0o644))
	v, err = retrieve(t, newTestProvider(map[string]string{EnvConfigDir: dir}, "h"), "periscope:run_id")
	require.NoError(t, err)
	assert.Equal(t, "from-configmap", v)

	_, err = retrieve(t, newTestProvider(map[string]string{EnvRunID: "a/b"}, "h"), "periscope:run_id")
	assert.ErrorContains(t, err, "run ID from $DIAGNOSTIC_RUN_ID")
	assert.ErrorContains(t, err, "path separator")
}

func TestGeneratedRunIDIsStableWithinAProcess(t *testing.T) {
	p := newTestProvider(map[string]string{EnvConfigDir: t.TempDir()}, "h")
	first, err := retrieve(t, p, "periscope:run_id")
	require.NoError(t, err)
	p.now = func() time.Time { return time.Now().Add(time.Hour) }
	second, err := retrieve(t, p, "periscope:run_id")
	require.NoError(t, err)
	assert.Equal(t, first, second)
}

func TestNodeName(t *testing.T) {
	v, err := retrieve(t, newTestProvider(map[string]string{EnvNodeName: "aks-nodepool1-0"}, "h"), "periscope:node_name")
	require.NoError(t, err)
	assert.Equal(t, "aks-nodepool1-0", v)

	v, err = retrieve(t, newTestProvider(nil, "myhost"), "periscope:node_name")
	require.NoError(t, err)
	assert.Equal(t, "myhost", v)

	_, err = retrieve(t, newTestProvider(nil, ""), "periscope:node_name")
	assert.ErrorContains(t, err, "HOST_NODE_NAME is unset")
}

func TestUnknownValue(t *testing.T) {
	_, err := retrieve(t, newTestProvider(nil, "h"), "periscope:cluster")
	assert.ErrorContains(t, err, `unknown value "cluster"`)
	_, err = retrieve(t, newTestProvider(nil, "h"), "env:X")
	assert.Error(t, err)
}
