package diagnosticobject_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The shipped Role grants create and patch on diagnostics in aks-periscope
// and nothing else, and each of the two is needed: server-side apply is a
// patch, and creating the object through it is also checked as create.
func TestShippedRoleIsTheLeastThatWorks(t *testing.T) {
	c, _ := periscopeCluster(t)
	ctx := context.Background()
	role, err := c.Client().RbacV1().Roles(namespace).Get(ctx, "aks-periscope-diagnostic-role", metav1.GetOptions{})
	require.NoError(t, err)
	require.Len(t, role.Rules, 1)
	assert.Equal(t, []string{"create", "patch"}, role.Rules[0].Verbs)
	assert.Equal(t, []string{"diagnostics"}, role.Rules[0].Resources)

	tests := []struct {
		verbs   []string
		refused string // empty: the object is written
	}{
		{[]string{"patch"}, `cannot create resource "diagnostics"`},
		{[]string{"create"}, `cannot patch resource "diagnostics"`},
		{[]string{"create", "patch"}, ""},
	}
	for _, tt := range tests {
		name := "verbs-" + strings.Join(tt.verbs, "-")
		t.Run(name, func(t *testing.T) {
			bindRole(t, name, tt.verbs)
			node := "node-" + name
			r := startRun(t, exporterConfig(t, serviceAccountKubeconfig(t, c, name)), nodeRun("r1", node, true))
			require.NoError(t, r.exporter.Shutdown(ctx))
			st, _ := readStatus(t, r.dir, "r1", node)
			var refused []string
			for _, e := range st.Errors {
				if e.Stage == "diagnostic_object" {
					refused = append(refused, e.Message)
				}
			}
			if tt.refused == "" {
				assert.Empty(t, refused)
				u, err := getObject(c, "aks-periscope-diagnostic-"+node)
				require.NoError(t, err)
				assert.Equal(t, "Completed", field(u, "status", "phase"))
				return
			}
			require.Len(t, refused, 1)
			assert.Contains(t, refused[0], tt.refused)
		})
	}
}

// bindRole gives a new ServiceAccount name a Role with verbs on diagnostics.
func bindRole(t *testing.T, name string, verbs []string) {
	t.Helper()
	c, _ := periscopeCluster(t)
	ctx := context.Background()
	_, err := c.Client().RbacV1().Roles(namespace).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"aks-periscope.azure.github.com"}, Resources: []string{"diagnostics"}, Verbs: verbs}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = c.Client().RbacV1().RoleBindings(namespace).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: namespace}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
}
