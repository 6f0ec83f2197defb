// Package cluster_test runs several collector processes — one per "node",
// built from this repository's components (testcollector) — against one
// real API server (test/kubeapi) and one output directory, and checks that
// cluster-scoped data is collected once per run ID, also when the leader
// dies mid-run.
package cluster_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"text/template"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/periscope-otel/periscope/test/azurite"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

var (
	// binDir holds the test collector, built once per test binary.
	binDir string
	// blob is the package's Azurite.
	blob *azurite.Server
)

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "periscope-cluster-test-"); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	if blob, err = azurite.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: the cluster tests need Azurite:", err)
		os.Exit(1)
	}
	code := kubeapi.Main(m)
	if err := blob.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop azurite:", err)
		code = 1
	}
	os.RemoveAll(binDir)
	os.Exit(code)
}

var (
	setupOnce  sync.Once
	kubeconfig string
	binary     string
	setupErr   error
)

// setup builds the test collector, applies the shipped RBAC, creates the
// objects kube_objects describes and returns the ServiceAccount's
// kubeconfig: the collectors run with exactly the DaemonSet's rights.
func setup(t *testing.T) (*kubeapi.Cluster, string, string) {
	t.Helper()
	c := kubeapi.Shared(t)
	setupOnce.Do(func() {
		ctx := context.Background()
		binary = filepath.Join(binDir, "testcollector")
		build := exec.Command("go", "build", "-o", binary, "./testcollector")
		if out, err := build.CombinedOutput(); err != nil {
			setupErr = fmt.Errorf("build the test collector: %w\n%s", err, out)
			return
		}
		for _, ns := range []string{"aks-periscope", "cluster-test"} {
			if setupErr = c.CreateNamespace(ctx, ns); setupErr != nil {
				return
			}
		}
		if _, setupErr = c.Kubectl(ctx, "apply", "-f", filepath.Join("..", "..", "deployment", "base", "rbac.yaml")); setupErr != nil {
			return
		}
		for _, name := range []string{"web-1", "web-2"} {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
			if _, setupErr = c.Client().CoreV1().Pods("cluster-test").Create(ctx, pod, metav1.CreateOptions{}); setupErr != nil {
				return
			}
		}
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}}}
		if _, setupErr = c.Client().CoreV1().Services("cluster-test").Create(ctx, svc, metav1.CreateOptions{}); setupErr != nil {
			return
		}
		sa, err := c.ServiceAccountConfig(ctx, "aks-periscope", "aks-periscope-service-account")
		if err != nil {
			setupErr = err
			return
		}
		kubeconfig, setupErr = c.WriteKubeconfig("periscope", sa)
	})
	require.NoError(t, setupErr)
	// The Lease holds which runs were collected: a test repeated in this
	// process (-count) starts from no record, like a new cluster.
	err := c.Client().CoordinationV1().Leases("aks-periscope").Delete(context.Background(), "aks-periscope-cluster", metav1.DeleteOptions{})
	if !apierrors.IsNotFound(err) {
		require.NoError(t, err)
	}
	return c, kubeconfig, binary
}

// params fill testdata/collector.yaml.tmpl.
type params struct {
	RunID, Node, OutputDir, Kubeconfig string
	Hang                               bool
	// With BlobURL, the exporter uploads to Azurite; OutputDir is the spool.
	BlobURL, BlobAccount, BlobContainer, BlobSAS string
}

var configTemplate = template.Must(template.ParseFiles(filepath.Join("testdata", "collector.yaml.tmpl")))

// collector is one running collector process.
type collector struct {
	name   string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error
}

// start runs a one-shot collector for p; it is killed when the test ends.
func start(t *testing.T, bin string, p params) *collector {
	t.Helper()
	var cfg bytes.Buffer
	require.NoError(t, configTemplate.Execute(&cfg, p))
	path := filepath.Join(t.TempDir(), p.Node+".yaml")
	require.NoError(t, os.WriteFile(path, cfg.Bytes(), 0o600))
	c := &collector{name: p.Node, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	c.cmd = exec.Command(bin, "--config", path, "--once", "--deadline", "2m")
	c.cmd.Stderr = c.stderr
	require.NoError(t, c.cmd.Start())
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("%s stderr:\n%s", c.name, c.stderr.String())
		}
	})
	return c
}

// wait returns the process's exit error, failing the test after within.
func (c *collector) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-c.done:
		c.done <- err // for the cleanup
		return err
	case <-time.After(within):
		t.Fatalf("%s still running after %s", c.name, within)
		return nil
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
