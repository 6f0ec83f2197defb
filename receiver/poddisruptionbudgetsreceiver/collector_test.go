package poddisruptionbudgetsreceiver

import (
	"context"
	"errors"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/kubeclient"
)

// The API server tests (kubectl equality, RBAC) are in test/helmpdb;
// these need no server.

func TestCollectWithoutAPIServerIsAnErrorRecord(t *testing.T) {
	c := newCollector(&Config{Parallelism: 1, RequestTimeout: time.Second}, zap.NewNop())
	c.findServer = func(string, string, time.Duration) (kubeclient.Server, error) {
		return kubeclient.Server{}, kubeclient.ErrNoAPIServer
	}
	require.NoError(t, c.Check())
	lrs := c.Collect(context.Background()).Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 1, lrs.Len())
	attrs := lrs.At(0).Attributes().AsRaw()
	assert.Equal(t, map[string]any{
		"periscope.collector": "poddisruptionbudget",
		"periscope.item.key":  "pdb",
		"periscope.item.kind": "error",
		"periscope.error":     kubeclient.ErrNoAPIServer.Error(),
	}, attrs)
}

// A namespace's item joins its budgets' descriptions as kubectl does
// (a blank line between two); a budget that failed is an error record on
// the same key and leaves the others in the item.
func TestAppendNamespace(t *testing.T) {
	zero, half := intstr.FromInt32(0), intstr.FromString("50%")
	sl := plog.NewScopeLogs()
	appendNamespace(sl, "shop", []*budget{
		{namespace: "shop", name: "a", text: "Name: a\n", pods: []string{"a-1@node-0", "a-2"}, pdb: policyv1.PodDisruptionBudget{
			Spec:   policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &zero},
			Status: policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 2, DesiredHealthy: 2, ExpectedPods: 2},
		}},
		{namespace: "shop", name: "gone", err: errors.New(`shop/gone: describe poddisruptionbudget: poddisruptionbudgets.policy "gone" not found`)},
		{namespace: "shop", name: "b", text: "Name: b\n", pdb: policyv1.PodDisruptionBudget{
			Spec:   policyv1.PodDisruptionBudgetSpec{MinAvailable: &half},
			Status: policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 4, DisruptionsAllowed: 1},
		}},
	}, time.Unix(0, 0))
	require.Equal(t, 2, sl.LogRecords().Len())
	errRec, doc := sl.LogRecords().At(0), sl.LogRecords().At(1)
	assert.Equal(t, "Name: a\n\n\nName: b\n", doc.Body().Str())
	assert.Equal(t, map[string]any{
		"periscope.collector":  "poddisruptionbudget",
		"periscope.item.key":   "pdb-shop",
		"periscope.item.kind":  "document",
		"k8s.namespace.name":   "shop",
		"periscope.kube.names": []any{"a", "b"},
		"periscope.pdb.budgets": []any{
			map[string]any{"name": "a", "max_unavailable": "0", "current_healthy": int64(2), "desired_healthy": int64(2),
				"expected_pods": int64(2), "disruptions_allowed": int64(0), "pods": []any{"a-1@node-0", "a-2"}},
			map[string]any{"name": "b", "min_available": "50%", "current_healthy": int64(3), "desired_healthy": int64(2),
				"expected_pods": int64(4), "disruptions_allowed": int64(1), "pods": []any{}},
		},
	}, doc.Attributes().AsRaw())
	assert.Contains(t, errRec.Body().Str(), `"gone" not found`)
	key, _ := errRec.Attributes().Get("periscope.item.key")
	assert.Equal(t, "pdb-shop", key.Str())
}
