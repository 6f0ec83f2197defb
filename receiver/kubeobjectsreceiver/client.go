package kubeobjectsreceiver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
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
var errNoAPIServer = errors.New("no Kubernetes API server: not running in a pod (KUBERNETES_SERVICE_HOST unset), no kubeconfig configured and $KUBECONFIG unset")

// findAPIServer picks the credentials: the configured kubeconfig (an
// explicit choice of the operator), else the pod's in-cluster ServiceAccount
// (the DaemonSet, as Periscope did), else $KUBECONFIG (a developer's
// machine). ~/.kube/config is deliberately not read: a collector started on
// a workstation must not describe whatever cluster kubectl points at.
func findAPIServer(kubeconfig string, timeout time.Duration) (apiServer, error) {
	var s apiServer
	switch {
	case kubeconfig != "":
		cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig}, &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			return s, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
		}
		s = apiServer{config: cfg, origin: "kubeconfig " + kubeconfig}
	default:
		cfg, err := rest.InClusterConfig()
		switch {
		case err == nil:
			s = apiServer{config: cfg, origin: "in-cluster ServiceAccount"}
		case !errors.Is(err, rest.ErrNotInCluster):
			return s, fmt.Errorf("load in-cluster credentials: %w", err)
		case os.Getenv("KUBECONFIG") != "":
			env := os.Getenv("KUBECONFIG")
			cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
				&clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(env)}, &clientcmd.ConfigOverrides{}).ClientConfig()
			if err != nil {
				return s, fmt.Errorf("load $KUBECONFIG %s: %w", env, err)
			}
			s = apiServer{config: cfg, origin: "$KUBECONFIG " + env}
		default:
			return s, errNoAPIServer
		}
	}
	s.config = rest.CopyConfig(s.config)
	s.config.UserAgent = userAgent
	s.config.Timeout = timeout
	// Concurrency is bounded by Parallelism; a token bucket on top would
	// only add latency (the API server's priority and fairness protects it).
	s.config.QPS = -1
	return s, nil
}

// wrap says which server an error came from; connection errors otherwise
// name only a URL path.
func (s apiServer) wrap(err error) error {
	return fmt.Errorf("API server %s (%s): %w", s.config.Host, s.origin, err)
}
