package kubeclient

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const kubeconfigYAML = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`

func writeKubeconfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(p, []byte(kubeconfigYAML), 0o600))
	return p
}

// Outside a pod (the test process), the choice is the configured file,
// else $KUBECONFIG, else a clear error; user agent and timeout are set.
func TestFind(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	path := writeKubeconfig(t)

	t.Run("configured kubeconfig", func(t *testing.T) {
		t.Setenv("KUBECONFIG", "")
		s, err := Find(path, "agent/1", 7*time.Second)
		require.NoError(t, err)
		assert.Equal(t, "https://127.0.0.1:6443", s.Config.Host)
		assert.Equal(t, "kubeconfig "+path, s.Origin)
		assert.Equal(t, "agent/1", s.Config.UserAgent)
		assert.Equal(t, 7*time.Second, s.Config.Timeout)
		assert.Equal(t, float32(-1), s.Config.QPS, "no client-side token bucket")
	})
	t.Run("$KUBECONFIG", func(t *testing.T) {
		t.Setenv("KUBECONFIG", path)
		s, err := Find("", "a", time.Second)
		require.NoError(t, err)
		assert.Equal(t, "$KUBECONFIG "+path, s.Origin)
	})
	t.Run("$KUBECONFIG left out", func(t *testing.T) {
		t.Setenv("KUBECONFIG", path)
		_, err := FindWithoutKubeconfigEnv("", "a", time.Second)
		assert.True(t, errors.Is(err, ErrNoAPIServer), "a workstation's kubectl context is not read: %v", err)
		s, err := FindWithoutKubeconfigEnv(path, "a", time.Second)
		require.NoError(t, err, "a configured kubeconfig still is")
		assert.Equal(t, "kubeconfig "+path, s.Origin)
	})
	t.Run("nothing", func(t *testing.T) {
		t.Setenv("KUBECONFIG", "")
		_, err := Find("", "a", time.Second)
		assert.True(t, errors.Is(err, ErrNoAPIServer), "%v", err)
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := Find(filepath.Join(t.TempDir(), "none"), "a", time.Second)
		assert.ErrorContains(t, err, "load kubeconfig ")
	})
}

func TestExplainNamesTheRefusal(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "", errors.New("RBAC"))
	assert.ErrorContains(t, Explain(forbidden, "list secrets in namespace shop"), "forbidden: list secrets in namespace shop: ")
	assert.ErrorIs(t, Explain(forbidden, "x"), forbidden)
	assert.EqualError(t, Explain(errors.New("timeout"), "list pods"), "list pods: timeout")
}
