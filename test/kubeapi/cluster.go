package kubeapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
)

// Cluster is a running etcd + kube-apiserver pair.
type Cluster struct {
	// Admin is a config for a member of system:masters (static token).
	Admin *rest.Config
	// AdminKubeconfig is a kubeconfig file for Admin, for kubectl.
	AdminKubeconfig string
	// Bin are the binaries the cluster runs, kubectl among them.
	Bin Binaries

	dir       string
	keys      pki
	etcd, api *process
	client    kubernetes.Interface

	loopsMu      sync.Mutex
	controlLoops []*process // StartControlLoops: kube-controller-manager, kube-scheduler

	msMu          sync.Mutex
	metricsServer *process // StartMetricsServer
}

// startTimeout bounds how long etcd and the API server may take to be
// ready (usually a few seconds; slow when other builds load the machine).
const startTimeout = 2 * time.Minute

// Options change how the API server runs; the zero value is what Start
// runs.
type Options struct {
	// ServiceCIDR is --service-cluster-ip-range (default 10.0.0.0/24); its
	// first address is the "kubernetes" Service's, which in-cluster clients
	// dial (KUBERNETES_SERVICE_HOST).
	ServiceCIDR string
	// ServingIPs are more addresses the serving certificate is valid for
	// (besides 127.0.0.1 and localhost), such as the "kubernetes" Service
	// IP when pods reach the API server through it.
	ServingIPs []net.IP
	// KubeletAddressTypes is --kubelet-preferred-address-types (default:
	// the API server's own), for a cluster with a real kubelet: kubectl
	// logs dials the node's address of the first type it has.
	KubeletAddressTypes string
}

// Start builds the binaries if needed (output to progress) and starts a
// control plane. Call Stop when done.
func Start(progress io.Writer) (*Cluster, error) { return StartWith(progress, Options{}) }

// StartWith is Start with opts.
func StartWith(progress io.Writer, opts Options) (*Cluster, error) {
	if opts.ServiceCIDR == "" {
		opts.ServiceCIDR = "10.0.0.0/24"
	}
	if opts.KubeletAddressTypes == "" {
		opts.KubeletAddressTypes = "Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP"
	}
	bins, err := EnsureBinaries(progress)
	if err != nil {
		return nil, err
	}
	var lastErr error
	// A port found free can be taken by a concurrent test binary before our
	// server binds it: start again on new ports when that happened.
	for range 3 {
		c, retry, err := start(bins, opts)
		if err == nil {
			return c, nil
		}
		lastErr = err
		if !retry {
			break
		}
	}
	return nil, lastErr
}

func start(bins Binaries, opts Options) (c *Cluster, retry bool, err error) {
	dir, err := os.MkdirTemp("", "kubeapi-")
	if err != nil {
		return nil, false, fmt.Errorf("create cluster directory: %w", err)
	}
	c = &Cluster{Bin: bins, dir: dir}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()

	ports, err := freePorts(3)
	if err != nil {
		return c, false, err
	}
	etcdClient, etcdPeer, apiPort := ports[0], ports[1], ports[2]

	c.etcd, err = startEtcd(dir, bins.Etcd, etcdClient, etcdPeer)
	if err != nil {
		return c, false, err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClient)
	if err := waitFor(c.etcd, func() bool { return etcdHealthy(etcdURL) }); err != nil {
		return c, c.etcd.diedOfPortClash(), err
	}

	keys, err := newPKI(dir, opts.ServingIPs...)
	if err != nil {
		return c, false, err
	}
	c.keys = keys
	adminToken, err := randomToken()
	if err != nil {
		return c, false, err
	}
	tokenFile := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(adminToken+`,admin,admin-uid,"system:masters"`+"\n"), 0o600); err != nil {
		return c, false, fmt.Errorf("write token file: %w", err)
	}
	c.api, err = startProcess(dir, "kube-apiserver", bins.APIServer,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(apiPort),
		"--tls-cert-file="+keys.ServingCert,
		"--tls-private-key-file="+keys.ServingKey,
		"--cert-dir="+filepath.Join(dir, "apiserver-certs"),
		"--token-auth-file="+tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-key-file="+keys.SAKey,
		"--service-account-signing-key-file="+keys.SAKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range="+opts.ServiceCIDR,
		"--kubelet-preferred-address-types="+opts.KubeletAddressTypes,
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
		// The aggregation layer, for APIServices such as metrics.k8s.io
		// (StartMetricsServer).
		"--requestheader-client-ca-file="+keys.FrontProxyCA,
		"--requestheader-allowed-names="+frontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file="+keys.FrontProxyClientCert,
		"--proxy-client-key-file="+keys.FrontProxyClientKey,
	)
	if err != nil {
		return c, false, err
	}

	c.Admin = &rest.Config{
		Host:            fmt.Sprintf("https://127.0.0.1:%d", apiPort),
		BearerToken:     adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: keys.CAPEM},
		QPS:             -1, // no client-side throttling in tests
	}
	c.client, err = kubernetes.NewForConfig(c.Admin)
	if err != nil {
		return c, false, fmt.Errorf("admin client: %w", err)
	}
	if err := waitFor(c.api, c.ready); err != nil {
		return c, c.api.diedOfPortClash(), err
	}
	c.AdminKubeconfig, err = c.WriteKubeconfig("admin", c.Admin)
	if err != nil {
		return c, false, err
	}
	return c, false, nil
}

func startEtcd(dir, bin string, clientPort, peerPort int) (*process, error) {
	client := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	return startProcess(dir, "etcd", bin,
		"--name=default",
		"--data-dir="+filepath.Join(dir, "etcd-data"),
		"--listen-client-urls="+client,
		"--advertise-client-urls="+client,
		"--listen-peer-urls="+peer,
		"--initial-advertise-peer-urls="+peer,
		"--initial-cluster=default="+peer,
		"--unsafe-no-fsync", // test data: speed over durability
		"--log-level=warn",
	)
}

func etcdHealthy(url string) bool {
	resp, err := http.Get(url + "/health")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// ready is the API server's own verdict: every post-start hook done
// (bootstrap RBAC roles included).
func (c *Cluster) ready() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body, err := c.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	return err == nil && string(body) == "ok"
}

// waitFor polls ok until it holds, the process dies, or startTimeout.
func waitFor(p *process, ok func() bool) error {
	deadline := time.Now().Add(startTimeout)
	for {
		if ok() {
			return nil
		}
		if p.exited() {
			return fmt.Errorf("%s exited before it was ready (%v); its log ends:\n%s", p.name, p.err, p.logTail(30))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s; its log ends:\n%s", p.name, startTimeout, p.logTail(30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends the processes (by PID) and removes the data directory.
// It is safe to call more than once.
func (c *Cluster) Stop() {
	c.StopMetricsServer()
	c.stopControlLoops()
	if c.api != nil {
		c.api.stop(10 * time.Second)
	}
	if c.etcd != nil {
		c.etcd.stop(10 * time.Second)
	}
	if c.dir != "" {
		_ = os.RemoveAll(c.dir)
	}
}

// Client is a clientset for Admin.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// CreateNamespace creates a namespace and its "default" ServiceAccount
// (the controller-manager would add it on a real cluster; without it the
// ServiceAccount admission plugin refuses pods).
func (c *Cluster) CreateNamespace(ctx context.Context, name string) error {
	_, err := c.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	_, err = c.client.CoreV1().ServiceAccounts(name).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create default ServiceAccount in %s: %w", name, err)
	}
	return nil
}

// ServiceAccountConfig returns a config that authenticates as the
// ServiceAccount namespace/name with a token from the TokenRequest API
// (valid one hour). The ServiceAccount must exist.
func (c *Cluster) ServiceAccountConfig(ctx context.Context, namespace, name string) (*rest.Config, error) {
	tr, err := c.client.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("request a token for ServiceAccount %s/%s: %w", namespace, name, err)
	}
	cfg := rest.CopyConfig(c.Admin)
	cfg.BearerToken = tr.Status.Token
	return cfg, nil
}

// WriteKubeconfig writes a kubeconfig file for cfg (server, CA, bearer
// token) into the cluster's directory and returns its path.
func (c *Cluster) WriteKubeconfig(name string, cfg *rest.Config) (string, error) {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["kubeapi"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts[name] = &clientcmdapi.Context{Cluster: "kubeapi", AuthInfo: name}
	kc.CurrentContext = name
	path := filepath.Join(c.dir, name+".kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return "", fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return path, nil
}

// Kubectl runs the built kubectl as admin and returns its standard output;
// the error carries standard error.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, c.Bin.Kubectl, append([]string{"--kubeconfig=" + c.AdminKubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// kubectl caches discovery under $HOME/.kube/cache; keep it per cluster.
	cmd.Env = append(os.Environ(), "KUBECACHEDIR="+filepath.Join(c.dir, "kubectl-cache"))
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return stdout.Bytes(), fmt.Errorf("kubectl %v: %w: %s", args, err, stderr.String())
		}
		return nil, fmt.Errorf("kubectl %v: %w", args, err)
	}
	return stdout.Bytes(), nil
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
