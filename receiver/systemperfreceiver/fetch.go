package systemperfreceiver

import (
	"context"
	"fmt"

	"github.com/periscope-otel/periscope/internal/kubeclient"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	metricsapi "k8s.io/metrics/pkg/apis/metrics"
	metricsv1 "k8s.io/metrics/pkg/apis/metrics/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
)

// sample is what one collection read from the API server. Each list has
// its own error, so what could be read is still reported.
type sample struct {
	nodeMetrics    []metricsapi.NodeMetrics
	nodeMetricsErr error
	nodes          []corev1.Node
	nodesErr       error
	podMetrics     []metricsapi.PodMetrics
	podMetricsErr  error
}

// The resources read, named as RBAC and the API server's errors name them.
const (
	resNodeMetrics = "nodes.metrics.k8s.io"
	resPodMetrics  = "pods.metrics.k8s.io"
	resNodes       = "nodes"
)

// metricsAPIService is the APIService metrics-server registers.
const metricsAPIService = "v1beta1.metrics.k8s.io"

var apiServiceGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// fetch reads what `kubectl top nodes` and `kubectl top pods -A` read: the
// metrics API version the server offers (discovery), node metrics, nodes
// (for allocatable), pod metrics in all namespaces. An error that stops
// everything (no server, discovery failing, no metrics API) is returned;
// list errors are kept in the sample.
func fetch(ctx context.Context, server kubeclient.Server) (sample, error) {
	var s sample
	core, err := kubernetes.NewForConfig(server.Config)
	if err != nil {
		return s, server.Wrap(fmt.Errorf("create client: %w", err))
	}
	metrics, err := metricsclient.NewForConfig(server.Config)
	if err != nil {
		return s, server.Wrap(fmt.Errorf("create metrics client: %w", err))
	}
	groups, err := core.Discovery().ServerGroups()
	if err != nil {
		return s, server.Wrap(fmt.Errorf("discover API groups: %w", err))
	}
	version := metricsVersion(groups)
	if version == "" {
		return s, fmt.Errorf("metrics API not available: %w", whyNoMetricsAPI(ctx, server))
	}

	s.nodeMetrics, s.nodeMetricsErr = listNodeMetrics(ctx, metrics, version)
	s.nodeMetricsErr = explain(s.nodeMetricsErr, resNodeMetrics)
	if s.nodeMetricsErr == nil {
		list, err := core.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			s.nodesErr = explain(err, resNodes)
		} else {
			s.nodes = list.Items
		}
	}
	s.podMetrics, s.podMetricsErr = listPodMetrics(ctx, metrics, version)
	s.podMetricsErr = explain(s.podMetricsErr, resPodMetrics)
	return s, nil
}

// metricsVersion is the metrics.k8s.io version kubectl top would use: the
// first version the server lists that kubectl knows (v1 or v1beta1); ""
// when the group is not served. It mirrors kubectl's
// top.SupportedMetricsAPIVersionAvailable: importing k8s.io/kubectl/pkg/cmd/top
// would pull kubectl's whole command tree (cmd/util) into the collector.
func metricsVersion(groups *metav1.APIGroupList) string {
	for _, g := range groups.Groups {
		if g.Name != metricsapi.GroupName {
			continue
		}
		for _, v := range g.Versions {
			if v.Version == "v1" || v.Version == "v1beta1" {
				return v.Version
			}
		}
	}
	return ""
}

// whyNoMetricsAPI explains a missing metrics.k8s.io group from its
// APIService: absent (metrics-server not installed), or registered but not
// Available, with the API server's reason (metrics-server down, its Service
// wrong, its certificate refused…). The API server leaves an unavailable
// APIService's group out of discovery, so discovery alone cannot tell.
func whyNoMetricsAPI(ctx context.Context, server kubeclient.Server) error {
	dyn, err := dynamic.NewForConfig(server.Config)
	if err != nil {
		return fmt.Errorf("the API server serves no metrics.k8s.io API group (dynamic client: %w)", err)
	}
	svc, err := dyn.Resource(apiServiceGVR).Get(ctx, metricsAPIService, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("no APIService %s: metrics-server is not installed", metricsAPIService)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("the API server serves no metrics.k8s.io API group, and APIService %s could not be read: forbidden: get apiservices.apiregistration.k8s.io %s: %w", metricsAPIService, metricsAPIService, err)
	case err != nil:
		return fmt.Errorf("the API server serves no metrics.k8s.io API group, and APIService %s could not be read: %w", metricsAPIService, err)
	}
	conditions, _, _ := unstructured.NestedSlice(svc.Object, "status", "conditions")
	for _, c := range conditions {
		cond, _ := c.(map[string]any)
		if cond["type"] == "Available" && cond["status"] != "True" {
			return fmt.Errorf("APIService %s is not available: %v: %v", metricsAPIService, cond["reason"], cond["message"])
		}
	}
	return fmt.Errorf("the API server serves no metrics.k8s.io API group although APIService %s exists (it may just have become available)", metricsAPIService)
}

func listNodeMetrics(ctx context.Context, c metricsclient.Interface, version string) ([]metricsapi.NodeMetrics, error) {
	out := &metricsapi.NodeMetricsList{}
	if version == "v1" {
		list, err := c.MetricsV1().NodeMetricses().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		if err := metricsv1.Convert_v1_NodeMetricsList_To_metrics_NodeMetricsList(list, out, nil); err != nil {
			return nil, fmt.Errorf("convert node metrics: %w", err)
		}
		return out.Items, nil
	}
	list, err := c.MetricsV1beta1().NodeMetricses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	if err := metricsv1beta1.Convert_v1beta1_NodeMetricsList_To_metrics_NodeMetricsList(list, out, nil); err != nil {
		return nil, fmt.Errorf("convert node metrics: %w", err)
	}
	return out.Items, nil
}

func listPodMetrics(ctx context.Context, c metricsclient.Interface, version string) ([]metricsapi.PodMetrics, error) {
	out := &metricsapi.PodMetricsList{}
	if version == "v1" {
		list, err := c.MetricsV1().PodMetricses(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		if err := metricsv1.Convert_v1_PodMetricsList_To_metrics_PodMetricsList(list, out, nil); err != nil {
			return nil, fmt.Errorf("convert pod metrics: %w", err)
		}
		return out.Items, nil
	}
	list, err := c.MetricsV1beta1().PodMetricses(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	if err := metricsv1beta1.Convert_v1beta1_PodMetricsList_To_metrics_PodMetricsList(list, out, nil); err != nil {
		return nil, fmt.Errorf("convert pod metrics: %w", err)
	}
	return out.Items, nil
}

// explain names the refused or failed list: "forbidden: list
// nodes.metrics.k8s.io: …" for RBAC, "metrics API not available: …" when
// the aggregated API does not answer (metrics-server down or unreachable).
func explain(err error, resource string) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsForbidden(err):
		return fmt.Errorf("forbidden: list %s: %w", resource, err)
	case resource != resNodes && (apierrors.IsServiceUnavailable(err) || apierrors.IsNotFound(err)):
		return fmt.Errorf("metrics API not available: list %s: %w", resource, err)
	default:
		return fmt.Errorf("list %s: %w", resource, err)
	}
}
