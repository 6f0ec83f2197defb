package azurite

import (
	"net/http"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The harness itself: a started server answers, and a stopped one is gone
// (its process ended, its port closed, its data folder removed).
func TestStartAnswersAndStopEndsTheProcess(t *testing.T) {
	s, err := Start()
	require.NoError(t, err)
	resp, err := http.Get(s.BlobURL + "?comp=list")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "an unsigned request is refused by a real blob service")

	require.NoError(t, s.Stop())
	_, err = http.Get(s.BlobURL + "?comp=list")
	assert.Error(t, err, "nothing answers after Stop")
	assert.NoDirExists(t, s.location)
}

// Without npm on PATH (and nothing cached) the error names what is missing.
func TestInstallWithoutNpmNamesTheCause(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir())
	_, err := exec.LookPath("npm")
	require.Error(t, err)
	_, err = Install()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "npm is not on PATH")
	assert.Contains(t, err.Error(), "azurite "+Version+" is not installed in "+os.Getenv("XDG_CACHE_HOME"))
}
