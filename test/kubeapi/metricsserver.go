package kubeapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// MetricsServerVersion is the metrics-server build.sh builds; it serves
// metrics.k8s.io v1beta1, which kubectl top reads.
const MetricsServerVersion = "v0.8.0"

// MetricsServerBinary returns the cached metrics-server, running
// `build.sh metrics-server` first when it is missing (about 3 minutes cold).
func MetricsServerBinary(progress io.Writer) (string, error) {
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, "metrics-server-"+MetricsServerVersion, "metrics-server")
	if fi, err := os.Stat(bin); err == nil && fi.Mode()&0o111 != 0 {
		return bin, nil
	}
	script, err := buildScript()
	if err != nil {
		return "", err
	}
	fmt.Fprintf(progress, "kubeapi: %s missing; building with %s metrics-server (about 3 min the first time)\n", bin, script)
	var tail bytes.Buffer
	cmd := exec.Command("bash", script, "metrics-server")
	cmd.Env = append(os.Environ(), "PERISCOPE_CACHE="+root, "METRICS_SERVER_VERSION="+MetricsServerVersion)
	cmd.Stdout = io.MultiWriter(progress, &tail)
	cmd.Stderr = io.MultiWriter(progress, &tail)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build metrics-server with %s: %w; last output:\n%s", script, err, lastLines(tail.String(), 20))
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("%s succeeded but %s is missing: %w", script, bin, err)
	}
	return bin, nil
}

// apiServiceGVR is where APIServices live (no typed client in client-go).
var apiServiceGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// MetricsAPIService is the APIService metrics-server registers.
const MetricsAPIService = "v1beta1.metrics.k8s.io"

// StartMetricsServer runs metrics-server on 127.0.0.1 behind the API
// server's aggregation layer, as a cluster would: an ExternalName Service
// kube-system/metrics-server pointing at 127.0.0.1 and the APIService
// v1beta1.metrics.k8s.io (insecureSkipTLSVerify: metrics-server serves a
// self-signed certificate). It returns when the API server reports the
// APIService Available. metrics-server scrapes the kubelets of the
// cluster's nodes (see Kubelet); it is stopped, by PID, with the cluster.
// Calling it again returns the running one.
func (c *Cluster) StartMetricsServer(progress io.Writer) error {
	c.msMu.Lock()
	defer c.msMu.Unlock()
	if c.metricsServer != nil {
		return nil
	}
	bin, err := MetricsServerBinary(progress)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var lastErr error
	for range 3 { // a free port can be taken before metrics-server binds it
		ports, err := freePorts(1)
		if err != nil {
			return err
		}
		p, err := startProcess(c.dir, "metrics-server", bin,
			"--kubeconfig="+c.AdminKubeconfig,
			"--authentication-kubeconfig="+c.AdminKubeconfig,
			"--authorization-kubeconfig="+c.AdminKubeconfig,
			"--bind-address=127.0.0.1",
			"--secure-port="+strconv.Itoa(ports[0]),
			"--cert-dir="+filepath.Join(c.dir, "metrics-server-certs"),
			"--kubelet-insecure-tls",
			"--kubelet-preferred-address-types=InternalIP",
			"--kubelet-use-node-status-port",
			"--metric-resolution=10s",
			"--kubelet-request-timeout=5s",
		)
		if err != nil {
			return err
		}
		if err := c.registerMetricsAPI(ctx, ports[0]); err != nil {
			p.stop(10 * time.Second)
			return err
		}
		if err := waitFor(p, c.metricsAPIAvailable); err != nil {
			p.stop(10 * time.Second)
			lastErr = err
			if p.diedOfPortClash() {
				continue
			}
			return err
		}
		c.metricsServer = p
		return nil
	}
	return lastErr
}

// registerMetricsAPI creates (or points at port) the Service and the
// APIService that route metrics.k8s.io to 127.0.0.1:port.
func (c *Cluster) registerMetricsAPI(ctx context.Context, port int) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "metrics-server", Namespace: metav1.NamespaceSystem},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "localhost",
			Ports:        []corev1.ServicePort{{Name: "https", Port: int32(port), Protocol: corev1.ProtocolTCP}},
		},
	}
	services := c.client.CoreV1().Services(metav1.NamespaceSystem)
	if err := services.Delete(ctx, svc.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete old Service kube-system/metrics-server: %w", err)
	}
	if _, err := services.Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create Service kube-system/metrics-server: %w", err)
	}
	return c.CreateAPIService(ctx, MetricsAPIService, metav1.NamespaceSystem, "metrics-server", port)
}

// CreateAPIService registers (or re-points) the APIService name
// ("v1beta1.metrics.k8s.io") to the Service namespace/service on port,
// TLS unchecked. Tests use it to route the metrics API somewhere that does
// not answer.
func (c *Cluster) CreateAPIService(ctx context.Context, name, namespace, service string, port int) error {
	version, group, ok := cutDot(name)
	if !ok {
		return fmt.Errorf("APIService name %q: want version.group", name)
	}
	dyn, err := dynamic.NewForConfig(c.Admin)
	if err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"group":                 group,
			"version":               version,
			"groupPriorityMinimum":  int64(100),
			"versionPriority":       int64(100),
			"insecureSkipTLSVerify": true,
			"service":               map[string]any{"namespace": namespace, "name": service, "port": int64(port)},
		},
	}}
	api := dyn.Resource(apiServiceGVR)
	if err := api.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete old APIService %s: %w", name, err)
	}
	if _, err := api.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create APIService %s: %w", name, err)
	}
	return nil
}

func cutDot(s string) (before, after string, ok bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], i > 0 && i < len(s)-1
		}
	}
	return "", "", false
}

// metricsAPIAvailable is the API server's verdict on the APIService: its
// Available condition is True once a discovery request through the
// aggregation layer succeeded.
func (c *Cluster) metricsAPIAvailable() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dyn, err := dynamic.NewForConfig(c.Admin)
	if err != nil {
		return false
	}
	obj, err := dyn.Resource(apiServiceGVR).Get(ctx, MetricsAPIService, metav1.GetOptions{})
	if err != nil {
		return false
	}
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, cond := range conds {
		m, _ := cond.(map[string]any)
		if m["type"] == "Available" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// StopMetricsServer stops metrics-server (by PID) if it runs; the
// APIService stays, now unavailable. Cluster.Stop calls it.
func (c *Cluster) StopMetricsServer() {
	c.msMu.Lock()
	defer c.msMu.Unlock()
	if c.metricsServer != nil {
		c.metricsServer.stop(10 * time.Second)
		c.metricsServer = nil
	}
}
