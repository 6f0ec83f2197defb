package systemperfreceiver

import (
	"time"

	"github.com/periscope-otel/periscope/internal/kubeclient"
)

// userAgent identifies the receiver in API server audit logs.
const userAgent = "otelcol-periscope/systemperf"

// errNoAPIServer is the collection error when nothing says where the API
// server is (a host outside a cluster without a kubeconfig).
var errNoAPIServer = kubeclient.ErrNoAPIServer

// findAPIServer picks the credentials as every cluster receiver does
// (internal/kubeclient: the configured kubeconfig, else the pod's
// ServiceAccount, else $KUBECONFIG; never ~/.kube/config).
func findAPIServer(kubeconfig string, timeout time.Duration) (kubeclient.Server, error) {
	s, err := kubeclient.Find(kubeconfig, userAgent, timeout)
	if err != nil {
		return s, err
	}
	// A collection is three requests; client-side throttling would only
	// add latency.
	s.Config.QPS = -1
	return s, nil
}
