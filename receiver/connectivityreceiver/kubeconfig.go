package connectivityreceiver

import (
	"errors"
	"fmt"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubeCluster is what the connectivity check needs from a kubeconfig: where
// the API server is and how kubectl would verify it. Credentials are never
// read.
type kubeCluster struct {
	Name       string
	Server     string
	CAData     []byte // PEM, from certificate-authority-data (wins over CAFile, as in client-go)
	CAFile     string // certificate-authority, resolved against the kubeconfig's directory
	ServerName string // tls-server-name
	Insecure   bool   // insecure-skip-tls-verify
}

// kubeconfigCluster decodes a kubeconfig with client-go's loader (the one
// kubectl uses: same fields, versions and base64 handling) and returns the
// current context's cluster. path is where data was read from; relative
// file references in the cluster are resolved against its directory, as
// kubectl does.
//
// Only the cluster is looked at. clientcmd's ClientConfig would also
// validate the user (opening client certificate files, checking exec
// plugins), which a reachability probe has no use for and must not touch.
func kubeconfigCluster(path string, data []byte) (kubeCluster, error) {
	cfg, err := clientcmd.Load(data)
	if err != nil {
		return kubeCluster{}, fmt.Errorf("not a kubeconfig: %w", err)
	}
	name, err := currentCluster(cfg)
	if err != nil {
		return kubeCluster{}, err
	}
	c, ok := cfg.Clusters[name]
	if !ok || c == nil {
		return kubeCluster{}, fmt.Errorf("cluster %q is not among its clusters", name)
	}
	if c.Server == "" {
		return kubeCluster{}, fmt.Errorf("cluster %q has no server", name)
	}
	if _, err := parseHTTPURL(c.Server, ""); err != nil {
		return kubeCluster{}, fmt.Errorf("cluster %q server %q: %w", name, c.Server, err)
	}
	if c.InsecureSkipTLSVerify && (c.CertificateAuthority != "" || len(c.CertificateAuthorityData) > 0) {
		// client-go refuses this combination too (validateClusterInfo).
		return kubeCluster{}, fmt.Errorf("cluster %q sets insecure-skip-tls-verify together with a certificate authority", name)
	}
	c = c.DeepCopy()
	if err := clientcmd.ResolvePaths(clientcmd.GetClusterFileReferences(c), filepath.Dir(path)); err != nil {
		return kubeCluster{}, fmt.Errorf("cluster %q: %w", name, err)
	}
	return kubeCluster{
		Name:       name,
		Server:     c.Server,
		CAData:     c.CertificateAuthorityData,
		CAFile:     c.CertificateAuthority,
		ServerName: c.TLSServerName,
		Insecure:   c.InsecureSkipTLSVerify,
	}, nil
}

// currentCluster names the cluster of the current context. Without a
// current context, a kubeconfig holding a single cluster means that one
// (kubectl would fall back to localhost:8080, never what a probe wants).
func currentCluster(cfg *clientcmdapi.Config) (string, error) {
	if cfg.CurrentContext == "" {
		if len(cfg.Clusters) != 1 {
			return "", fmt.Errorf("no current-context, and %d clusters to choose from", len(cfg.Clusters))
		}
		for name := range cfg.Clusters {
			return name, nil
		}
	}
	ctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok || ctx == nil {
		return "", fmt.Errorf("current-context %q is not among its contexts", cfg.CurrentContext)
	}
	if ctx.Cluster == "" {
		return "", errors.New("the current context names no cluster")
	}
	return ctx.Cluster, nil
}
