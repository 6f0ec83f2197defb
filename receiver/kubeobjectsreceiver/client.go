package kubeobjectsreceiver

import (
	"fmt"
	"time"

	"k8s.io/client-go/rest"

	"github.com/periscope-otel/periscope/internal/kubeclient"
)

// apiServer is where objects are read from and how.
type apiServer struct {
	config *rest.Config
	origin string // where the config came from, for error messages
}

// userAgent identifies the receiver in API server audit logs.
const userAgent = "otelcol-periscope/kube_objects"

// errNoAPIServer is the collection error when nothing says where the API
// server is (a host outside a cluster without a kubeconfig).
var errNoAPIServer = kubeclient.ErrNoAPIServer

// findAPIServer picks the credentials as every cluster receiver does
// (internal/kubeclient: the configured kubeconfig, else the pod's
// ServiceAccount, else $KUBECONFIG; never ~/.kube/config).
func findAPIServer(kubeconfig string, timeout time.Duration) (apiServer, error) {
	s, err := kubeclient.Find(kubeconfig, userAgent, timeout)
	if err != nil {
		return apiServer{}, err
	}
	// Concurrency is bounded by Parallelism; a token bucket on top would
	// only add latency (the API server's priority and fairness protects it).
	s.Config.QPS = -1
	return apiServer{config: s.Config, origin: s.Origin}, nil
}

// wrap says which server an error came from; connection errors otherwise
// name only a URL path.
func (s apiServer) wrap(err error) error {
	return fmt.Errorf("API server %s (%s): %w", s.config.Host, s.origin, err)
}
