// Package kubeclient finds the Kubernetes API server a cluster-scoped
// receiver talks to, the same way for every such receiver: the configured
// kubeconfig, else the pod's in-cluster ServiceAccount, else $KUBECONFIG.
// ~/.kube/config is deliberately not read: a collector started on a
// workstation must not collect whatever cluster kubectl points at.
package kubeclient

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Server is where objects are read from and how.
type Server struct {
	Config *rest.Config
	Origin string // where the config came from, for error messages
}

// ErrNoAPIServer is the collection error when nothing says where the API
// server is (a host outside a cluster without a kubeconfig).
var ErrNoAPIServer = errors.New("no Kubernetes API server: not running in a pod (KUBERNETES_SERVICE_HOST unset), no kubeconfig configured and $KUBECONFIG unset")

// Find picks the credentials and returns a config identifying itself as
// userAgent, each request bounded by timeout.
func Find(kubeconfig, userAgent string, timeout time.Duration) (Server, error) {
	return find(kubeconfig, userAgent, timeout, true)
}

// FindWithoutKubeconfigEnv is Find leaving $KUBECONFIG out: for receivers
// in configs a workstation runs by default (dns_config in the local
// default), which must not read whatever cluster kubectl points at. Outside
// a pod without a configured kubeconfig it returns ErrNoAPIServer.
func FindWithoutKubeconfigEnv(kubeconfig, userAgent string, timeout time.Duration) (Server, error) {
	return find(kubeconfig, userAgent, timeout, false)
}

func find(kubeconfig, userAgent string, timeout time.Duration, useEnv bool) (Server, error) {
	var s Server
	switch {
	case kubeconfig != "":
		cfg, err := load(&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig})
		if err != nil {
			return s, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
		}
		s = Server{Config: cfg, Origin: "kubeconfig " + kubeconfig}
	default:
		cfg, err := rest.InClusterConfig()
		switch {
		case err == nil:
			s = Server{Config: cfg, Origin: "in-cluster ServiceAccount"}
		case !errors.Is(err, rest.ErrNotInCluster):
			return s, fmt.Errorf("load in-cluster credentials: %w", err)
		case useEnv && os.Getenv("KUBECONFIG") != "":
			env := os.Getenv("KUBECONFIG")
			cfg, err := load(&clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(env)})
			if err != nil {
				return s, fmt.Errorf("load $KUBECONFIG %s: %w", env, err)
			}
			s = Server{Config: cfg, Origin: "$KUBECONFIG " + env}
		default:
			return s, ErrNoAPIServer
		}
	}
	s.Config = rest.CopyConfig(s.Config)
	s.Config.UserAgent = userAgent
	s.Config.Timeout = timeout
	// No client-side token bucket: every receiver bounds its own
	// concurrency, and the API server's priority and fairness protects it;
	// client-go's default 5 QPS would only add latency to a collection.
	s.Config.QPS = -1
	return s, nil
}

func load(rules *clientcmd.ClientConfigLoadingRules) (*rest.Config, error) {
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
}

// Wrap says which server an error came from; connection errors otherwise
// name only a URL path.
func (s Server) Wrap(err error) error {
	return fmt.Errorf("API server %s (%s): %w", s.Config.Host, s.Origin, err)
}

// Explain says what a request was for: "forbidden: <what>: <server's
// reason>" when RBAC refused it (the project's wording, which the RBAC
// tests and the README name), else "<what>: <error>".
func Explain(err error, what string) error {
	if apierrors.IsForbidden(err) {
		return fmt.Errorf("forbidden: %s: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
