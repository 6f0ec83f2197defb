package kubeobjects_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/layout"
)

// Each bad entry is an error record naming it, and the good entries are
// still collected.
func TestBadEntriesAreErrorRecordsAndTheRestIsCollected(t *testing.T) {
	c := cluster(t)
	got := collect(t, c.AdminKubeconfig, "shop/nosuchtype", "no-such-ns/pod", "shop/pod/missing", "shop/deploy", "empty/pod")

	wantErrors := map[string]string{
		"shop_nosuchtype":  `shop/nosuchtype: the server doesn't have a resource type "nosuchtype"`,
		"no-such-ns_pod":   `no-such-ns/pod: namespace "no-such-ns" not found`,
		"shop_pod_missing": `shop/pod/missing: describe pod missing in namespace shop: pods "missing" not found`,
	}
	for key, msg := range wantErrors {
		rec, ok := got[key]
		if assert.True(t, ok, "no record %s among %v", key, keys(got)) {
			assert.Equal(t, layout.KindError, rec.kind, key)
			assert.Equal(t, msg, rec.body)
			assert.Equal(t, msg, rec.attrs[layout.AttrError])
		}
	}
	assert.Equal(t, layout.KindDocument, got["shop_deploy_web"].kind, "the good entry is collected")
	// An existing namespace without pods has no items and is no error.
	assert.Len(t, got, len(wantErrors)+1, "records: %v", keys(got))
}

// Short names, plurals, kinds and group-qualified names resolve as with
// kubectl; the item key keeps the type as written (Periscope's file names).
func TestTypesResolveAsWithKubectl(t *testing.T) {
	c := cluster(t)
	got := collect(t, c.AdminKubeconfig, "shop/pods/web-1", "shop/Pod/web-2", "shop/deployments.apps/web", "shop/services/web", "shop/rs/web-5d4f8c")
	for _, key := range []string{"shop_pods_web-1", "shop_Pod_web-2", "shop_deployments.apps_web", "shop_services_web", "shop_rs_web-5d4f8c"} {
		rec, ok := got[key]
		require.True(t, ok, "no record %s among %v", key, keys(got))
		assert.Equal(t, layout.KindDocument, rec.kind, rec.body)
	}
	assert.Equal(t, "Deployment", got["shop_deployments.apps_web"].attrs[attrKind])
	assert.Equal(t, "ReplicaSet", got["shop_rs_web-5d4f8c"].attrs[attrKind])
}

// Deleting a Pending pod needs a zero grace period (no kubelet confirms
// it); the next collection no longer has its item.
func TestDeletedObjectDisappears(t *testing.T) {
	c := cluster(t)
	ctx := context.Background()
	require.NoError(t, c.CreateNamespace(ctx, "short-lived"))
	_, err := c.Kubectl(ctx, "run", "tmp", "-n", "short-lived", "--image=registry.example/tmp:1", "--restart=Never")
	require.NoError(t, err)
	assert.Contains(t, keys(collect(t, c.AdminKubeconfig, "short-lived/pod")), "short-lived_pod_tmp")

	_, err = c.Kubectl(ctx, "delete", "pod", "tmp", "-n", "short-lived", "--force", "--grace-period=0")
	require.NoError(t, err)
	// A collection without records delivers nothing; the second entry makes
	// one to wait for.
	got := collect(t, c.AdminKubeconfig, "short-lived/pod", "shop/pod/web-1")
	assert.Equal(t, []string{"shop_pod_web-1"}, keys(got))
}
