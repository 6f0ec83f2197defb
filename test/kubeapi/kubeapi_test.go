package kubeapi

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// The server and kubectl report the version they were built as (the build
// stamps it; otherwise they say v0.0.0-master and kubectl warns of skew).
func TestVersions(t *testing.T) {
	c := Shared(t)
	v, err := c.Client().Discovery().ServerVersion()
	require.NoError(t, err)
	assert.Equal(t, KubeVersion, v.GitVersion)

	out, err := c.Kubectl(context.Background(), "version", "--client", "-o", "yaml")
	require.NoError(t, err)
	assert.Contains(t, string(out), "gitVersion: "+KubeVersion)
}

// A ServiceAccount token works, and RBAC decides what it may do.
func TestServiceAccountTokenFollowsRBAC(t *testing.T) {
	c := Shared(t)
	ctx := context.Background()
	require.NoError(t, c.CreateNamespace(ctx, "sa-test"))
	_, err := c.Client().CoreV1().ServiceAccounts("sa-test").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader"}}, metav1.CreateOptions{})
	require.NoError(t, err)

	cfg, err := c.ServiceAccountConfig(ctx, "sa-test", "reader")
	require.NoError(t, err)
	sa, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)

	_, err = sa.CoreV1().Pods("sa-test").List(ctx, metav1.ListOptions{})
	require.True(t, apierrors.IsForbidden(err), "no role yet: %v", err)
	assert.Contains(t, err.Error(), `User "system:serviceaccount:sa-test:reader" cannot list resource "pods"`)

	_, err = c.Client().RbacV1().Roles("sa-test").Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = c.Client().RbacV1().RoleBindings("sa-test").Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pod-reader"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "reader", Namespace: "sa-test"}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	// The authorizer learns of a new binding from its informers, a moment
	// after the write returned.
	assert.Eventually(t, func() bool {
		_, err = sa.CoreV1().Pods("sa-test").List(ctx, metav1.ListOptions{})
		return err == nil
	}, 30*time.Second, 50*time.Millisecond)
	assert.NoError(t, err)
}

// Pods are accepted (the namespace has its default ServiceAccount) and
// stay Pending: there is no node.
func TestPodsStayPending(t *testing.T) {
	c := Shared(t)
	ctx := context.Background()
	require.NoError(t, c.CreateNamespace(ctx, "pending"))
	pod, err := c.Client().CoreV1().Pods("pending").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, corev1.PodPending, pod.Status.Phase)

	out, err := c.Kubectl(ctx, "get", "pods", "-n", "pending", "-o", "name")
	require.NoError(t, err)
	assert.Equal(t, "pod/p", strings.TrimSpace(string(out)))
}

// Two clusters in one process do not share ports or data, as two test
// binaries running at once do not.
func TestClustersAreIndependent(t *testing.T) {
	first := Shared(t)
	second, err := Start(os.Stderr)
	require.NoError(t, err)
	defer second.Stop()
	assert.NotEqual(t, first.Admin.Host, second.Admin.Host)
	ctx := context.Background()
	require.NoError(t, second.CreateNamespace(ctx, "only-in-second"))
	_, err = first.Client().CoreV1().Namespaces().Get(ctx, "only-in-second", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "%v", err)

	second.Stop()
	assert.True(t, second.api.exited() && second.etcd.exited())
	_, err = os.Stat(second.dir)
	assert.True(t, os.IsNotExist(err), "data directory removed")
}
