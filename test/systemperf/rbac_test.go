package systemperf_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// rbacManifest is the ServiceAccount and ClusterRole the DaemonSet runs with.
var rbacManifest = filepath.Join("..", "..", "deployment", "base", "rbac.yaml")

// systemperfRules are the shipped ClusterRole's rules that name what the
// receiver reads: the metrics.k8s.io group, core nodes, and the metrics
// APIService.
func systemperfRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	data, err := os.ReadFile(rbacManifest)
	require.NoError(t, err)
	var rules []rbacv1.PolicyRule
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var role rbacv1.ClusterRole
		require.NoError(t, yaml.Unmarshal([]byte(doc), &role))
		if role.Kind != "ClusterRole" {
			continue
		}
		for _, r := range role.Rules {
			if slices.Contains(r.APIGroups, "metrics.k8s.io") || slices.Contains(r.APIGroups, "apiregistration.k8s.io") ||
				(slices.Contains(r.APIGroups, "") && slices.Contains(r.Resources, "nodes")) {
				rules = append(rules, r)
			}
		}
	}
	return rules
}

// identityWith creates a ServiceAccount bound to a ClusterRole holding
// exactly rules (none: no binding) and returns a kubeconfig with its token.
func identityWith(t *testing.T, c *kubeapi.Cluster, name string, rules []rbacv1.PolicyRule) string {
	t.Helper()
	ctx := context.Background()
	const ns = "rbac-test"
	require.NoError(t, c.CreateNamespace(ctx, ns))
	_, err := c.Client().CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	require.NoError(t, err)
	if len(rules) > 0 {
		_, err = c.Client().RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = c.Client().RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: ns}},
		}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	cfg, err := c.ServiceAccountConfig(ctx, ns, name)
	require.NoError(t, err)
	kubeconfig, err := c.WriteKubeconfig(name, cfg)
	require.NoError(t, err)
	return kubeconfig
}

// The shipped rules for systemperf are "list" on node and pod metrics and
// on nodes, and "get" on the metrics APIService; bound alone to a
// ServiceAccount they give the same tables as cluster-admin.
func TestShippedRulesAloneAreEnough(t *testing.T) {
	c := cluster(t)
	rules := systemperfRules(t)
	assert.Equal(t, []rbacv1.PolicyRule{
		{APIGroups: []string{"metrics.k8s.io"}, Resources: []string{"nodes", "pods"}, Verbs: []string{"list"}},
		{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"list"}},
		{APIGroups: []string{"apiregistration.k8s.io"}, Resources: []string{"apiservices"}, ResourceNames: []string{"v1beta1.metrics.k8s.io"}, Verbs: []string{"get"}},
	}, rules)

	asAdmin, _ := collect(t, c.AdminKubeconfig)
	asSystemperf, metrics := collect(t, identityWith(t, c, "systemperf-only", rules))
	assert.Equal(t, asAdmin, asSystemperf)
	assert.Equal(t, layout.KindDocument, asSystemperf[keyNodes].kind)
	assert.Equal(t, layout.KindDocument, asSystemperf[keyPods].kind)
	assert.Positive(t, metrics.DataPointCount())
}

// Without a rule, the refused list is named ("forbidden: list <resource>")
// and whatever else is allowed is still collected.
func TestMissingRuleIsAForbiddenRecord(t *testing.T) {
	c := cluster(t)
	rules := systemperfRules(t)
	withoutNodes := slices.DeleteFunc(slices.Clone(rules), func(r rbacv1.PolicyRule) bool { return slices.Contains(r.APIGroups, "") })
	require.Len(t, withoutNodes, 2)

	tests := []struct {
		name      string
		rules     []rbacv1.PolicyRule
		wantNodes string
		wantPods  string // "" = a document
	}{
		{"no-rules", nil, "forbidden: list nodes.metrics.k8s.io: ", "forbidden: list pods.metrics.k8s.io: "},
		{"no-nodes", withoutNodes, "forbidden: list nodes: ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := fmt.Sprintf(`User "system:serviceaccount:rbac-test:systemperf-%s"`, tt.name)
			got, _ := collect(t, identityWith(t, c, "systemperf-"+tt.name, tt.rules))
			assert.Equal(t, layout.KindError, got[keyNodes].kind)
			assert.True(t, strings.HasPrefix(got[keyNodes].body, tt.wantNodes), got[keyNodes].body)
			assert.Contains(t, got[keyNodes].body, user)
			if tt.wantPods == "" {
				assert.Equal(t, layout.KindDocument, got[keyPods].kind, got[keyPods].body)
				return
			}
			assert.Equal(t, layout.KindError, got[keyPods].kind)
			assert.True(t, strings.HasPrefix(got[keyPods].body, tt.wantPods), got[keyPods].body)
		})
	}
}
