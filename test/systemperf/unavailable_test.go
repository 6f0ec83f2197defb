package systemperf_test

import (
	"context"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// A cluster without metrics-server, then with an APIService whose server
// does not answer: each is an error record for both items saying "metrics
// API not available" and why; kubectl top fails there too.
func TestMetricsAPINotAvailable(t *testing.T) {
	c, err := kubeapi.Start(os.Stderr)
	require.NoError(t, err)
	defer c.Stop()
	ctx := context.Background()

	t.Run("no APIService", func(t *testing.T) {
		got, metrics := collect(t, c.AdminKubeconfig)
		for _, key := range []string{keyNodes, keyPods} {
			assert.Equal(t, record{kind: layout.KindError, body: "metrics API not available: no APIService v1beta1.metrics.k8s.io: metrics-server is not installed"}, got[key], key)
		}
		assert.Zero(t, metrics.DataPointCount())
		_, err := c.Kubectl(ctx, "top", "nodes")
		assert.ErrorContains(t, err, "Metrics API not available")
	})

	t.Run("APIService unavailable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		closed := l.Addr().(*net.TCPAddr).Port
		require.NoError(t, l.Close())
		_, err = c.Client().CoreV1().Services("kube-system").Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "metrics-server", Namespace: "kube-system"},
			Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
		}, metav1.CreateOptions{})
		require.NoError(t, err)
		require.NoError(t, c.CreateAPIService(ctx, kubeapi.MetricsAPIService, "kube-system", "metrics-server", closed))
		// The API server's availability check fails (nothing listens) and
		// says why in the APIService's condition; the record carries it.
		var got map[string]record
		require.Eventually(t, func() bool {
			got, _ = collect(t, c.AdminKubeconfig)
			return strings.Contains(got[keyNodes].body, "is not available")
		}, 30*time.Second, 200*time.Millisecond, "last: %v", got)
		for _, key := range []string{keyNodes, keyPods} {
			assert.Equal(t, layout.KindError, got[key].kind, key)
			assert.True(t, strings.HasPrefix(got[key].body, "metrics API not available: APIService v1beta1.metrics.k8s.io is not available: FailedDiscoveryCheck: "), got[key].body)
			assert.Contains(t, got[key].body, "connection refused")
		}
		_, err = c.Kubectl(ctx, "top", "nodes")
		assert.ErrorContains(t, err, "Metrics API not available")

		// The shipped rules are enough to read the reason.
		asSystemperf, _ := collect(t, identityWith(t, c, "systemperf-unavailable", systemperfRules(t)))
		assert.Equal(t, got[keyNodes].body, asSystemperf[keyNodes].body)

		// Without the APIService rule the reason is unknown, and the record
		// says the APIService could not be read.
		rules := slices.DeleteFunc(systemperfRules(t), func(r rbacv1.PolicyRule) bool { return slices.Contains(r.APIGroups, "apiregistration.k8s.io") })
		blind, _ := collect(t, identityWith(t, c, "systemperf-blind", rules))
		assert.True(t, strings.HasPrefix(blind[keyNodes].body, "metrics API not available: the API server serves no metrics.k8s.io API group, and APIService v1beta1.metrics.k8s.io could not be read: "), blind[keyNodes].body)
		assert.Contains(t, blind[keyNodes].body, "forbidden")
	})
}
