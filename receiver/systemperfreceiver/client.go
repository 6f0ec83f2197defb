package systemperfreceiver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// apiServer is where the metrics API is read from and how.
type apiServer struct {
	config *rest.Config
	origin string // where the config came from, for error messages
}

// userAgent identifies the receiver in API server audit logs.
const userAgent = "otelcol-periscope/systemperf"

// errNoAPIServer is the collection error when nothing says where the API
// server is (a host outside a cluster without a kubeconfig).
var errNoAPIServer = errors.New("no Kubernetes API server: not running in a pod (KUBERNETES_SERVICE_HOST unset), no kubeconfig configured and $KUBECONFIG unset")

// findAPIServer picks the credentials as the kube_objects receiver does:
// the configured kubeconfig, else the pod's in-cluster ServiceAccount, else
// $KUBECONFIG. ~/.kube/config is deliberately not read: a collector started
// on a workstation must not read whatever cluster kubectl points at.
func findAPIServer(kubeconfig string, timeout time.Duration) (apiServer, error) {
	var s apiServer
	switch {
	case kubeconfig != "":
		cfg, err := loadKubeconfig(&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig})
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
			cfg, err := loadKubeconfig(&clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(env)})
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
	// A collection is three requests; client-side throttling would only
	// add latency.
	s.config.QPS = -1
	return s, nil
}

func loadKubeconfig(rules *clientcmd.ClientConfigLoadingRules) (*rest.Config, error) {
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
}

// wrap says which server an error came from; connection errors otherwise
// name only a URL path.
func (s apiServer) wrap(err error) error {
	return fmt.Errorf("API server %s (%s): %w", s.config.Host, s.origin, err)
}
