package realnode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/periscope-otel/periscope/internal/image"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// Addresses of the node, all on this host's lo. The kubelet refuses a
// loopback node IP, so the node's is a /32 of RFC 2544's benchmarking
// range (never routed) added to lo; the Service CIDR is in 127.0.0.0/8, and
// the test process answers on the "kubernetes" Service IP itself (what
// kube-proxy would do), so no nat rule is needed.
const (
	NodeIP      = "198.19.255.254"
	serviceCIDR = "127.99.0.0/24"
	// ServiceIP is the "kubernetes" Service's address (the first of the
	// CIDR), which in-cluster clients dial on port 443.
	ServiceIP = "127.99.0.1"
	// cgroupRoot holds the pods' cgroups (the kubelet's --cgroup-root).
	cgroupRoot = "/periscope-realnode"
	// pauseRef is the pod sandbox image (containerd's sandbox_image).
	pauseRef = "localhost/periscope-realnode/pause:1"
	// podLogsDir is where the kubelet writes container logs (its default).
	podLogsDir = "/var/log/pods"
)

// kubeletSysctls are the kernel settings the kubelet sets at its start
// (setupKernelTunables); they are put back at the end.
var kubeletSysctls = []string{
	"vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops",
	"kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes",
}

// Options shape the node.
type Options struct {
	// Name is the node's name (default realnode-0).
	Name string
	// ContainerEnv is set in every container of the node, below the pod's
	// own environment (containerd's base runtime spec): settings of the
	// node, such as where its cloud endpoints are.
	ContainerEnv []string
	// HostPaths are host paths the pods create (hostPath DirectoryOrCreate).
	// They must not exist before the node starts; they are removed at the
	// end.
	HostPaths []string
}

// Node is a running single-node cluster.
type Node struct {
	Name    string
	Cluster *kubeapi.Cluster

	work       string
	socket     string
	podLogs    string
	host       *hostChanges
	containerd *daemon
	kubelet    *daemon
	proxy      *proxy
}

// Start runs a node: it takes the machine-wide real-node lock, puts back
// what a killed earlier run left, makes the host changes (each undone
// when the test ends), starts the control plane, containerd and the
// kubelet, and returns once the Node is Ready. It needs root, the Debian
// packages of make test-deps and the Go toolchain (the kubelet and the
// pause program are built on first use).
func Start(t *testing.T, opts Options) *Node {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "realnode-0"
	}
	requirePrograms(t)
	cache, err := cacheDir()
	if err != nil {
		t.Fatal(err)
	}
	lockMachine(t, filepath.Join(cache, "lock"))

	journal := filepath.Join(cache, "host-changes.json")
	if stale, err := loadHostChanges(journal); err != nil {
		t.Fatal(err)
	} else if stale != nil {
		t.Logf("realnode: a previous run did not finish; putting back what it changed (%s)", journal)
		if err := stale.undo(t.Logf); err != nil {
			t.Fatalf("realnode: cannot undo the changes of a previous run (%s): %v", journal, err)
		}
	}

	kubelet, err := kubeapi.KubeletBinary(os.Stderr)
	if err != nil {
		t.Fatalf("realnode: kubelet: %v", err)
	}
	pause, err := buildPause(cache)
	if err != nil {
		t.Fatalf("realnode: %v", err)
	}

	// A short path: containerd's and the kubelet's unix sockets live there.
	work, err := os.MkdirTemp("/tmp", "rn-")
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{Name: opts.Name, work: work, socket: filepath.Join(work, "containerd.sock"), podLogs: podLogsDir}
	n.host = &hostChanges{file: journal, Work: work}
	if err := n.host.save(); err != nil {
		os.RemoveAll(work)
		t.Fatal(err)
	}
	t.Cleanup(func() { n.stop(t) })

	// What containerd (its shims' sockets) creates outside the work
	// directory; the kubelet's container logs, where a node keeps them (the
	// collector reads them there) and the pods' host paths.
	if _, err := n.host.watchPath("/run/containerd"); err != nil {
		t.Fatal(err)
	}
	for _, p := range append([]string{podLogsDir, "/var/log/containers"}, opts.HostPaths...) {
		existed, err := n.host.watchPath(p)
		if err != nil {
			t.Fatal(err)
		}
		if existed {
			t.Fatalf("realnode: %s exists and was not made by this test: the node would write into it (move it away and run again)", p)
		}
	}
	if err := n.host.recordSysctls(kubeletSysctls...); err != nil {
		t.Fatal(err)
	}
	if err := n.host.makeShared("/"); err != nil {
		t.Fatal(err)
	}
	if err := n.host.addAddress(NodeIP + "/32"); err != nil {
		t.Fatal(err)
	}
	if err := n.host.makeCgroup(cgroupRoot); err != nil {
		t.Fatal(err)
	}

	n.Cluster, err = kubeapi.StartWith(os.Stderr, kubeapi.Options{
		ServiceCIDR:         serviceCIDR,
		ServingIPs:          []net.IP{net.ParseIP(ServiceIP)},
		KubeletAddressTypes: "InternalIP,Hostname",
	})
	if err != nil {
		t.Fatalf("realnode: control plane: %v", err)
	}
	t.Cleanup(n.Cluster.Stop)
	t.Cleanup(func() {
		if t.Failed() {
			n.Dump(t)
		}
	})
	if err := n.Cluster.StartControlLoops(os.Stderr); err != nil {
		t.Fatalf("realnode: controller-manager and scheduler: %v", err)
	}
	apiserver := strings.TrimPrefix(n.Cluster.Admin.Host, "https://")
	if n.proxy, err = startProxy(net.JoinHostPort(ServiceIP, "443"), apiserver); err != nil {
		t.Fatalf("realnode: serve the kubernetes Service: %v", err)
	}

	if err := n.startContainerd(opts.ContainerEnv); err != nil {
		t.Fatalf("realnode: %v", err)
	}
	pauseImage, err := writeImage(work, pauseRef, image.Spec{
		OS: "linux", Architecture: runtime.GOARCH,
		Files:      []image.File{{Path: "pause", Source: pause, Mode: 0o755}},
		Entrypoint: []string{"/pause"},
	})
	if err != nil {
		t.Fatalf("realnode: pause image: %v", err)
	}
	if err := n.Import(pauseImage); err != nil {
		t.Fatalf("realnode: %v", err)
	}
	if err := n.startKubelet(kubelet); err != nil {
		t.Fatalf("realnode: %v", err)
	}
	return n
}

// requirePrograms fails the test naming the Debian packages that are
// missing.
func requirePrograms(t *testing.T) {
	t.Helper()
	var missing []string
	for prog, pkg := range map[string]string{
		"containerd": "containerd", "ctr": "containerd", "runc": "runc",
		"/usr/lib/cni/loopback": "containernetworking-plugins", "conntrack": "conntrack",
		"ip": "iproute2", "go": "the Go toolchain",
	} {
		if _, err := exec.LookPath(prog); err != nil {
			missing = append(missing, fmt.Sprintf("%s (%s)", prog, pkg))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Fatalf("realnode: missing %s: run `make test-deps` (as root) first", strings.Join(missing, ", "))
	}
}

// cacheDir is the real node's folder in the project's cache
// ($PERISCOPE_CACHE, else ~/.cache/otelcol-periscope), as build.sh's.
func cacheDir() (string, error) {
	root := os.Getenv("PERISCOPE_CACHE")
	if root == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the cache directory: %w", err)
		}
		root = filepath.Join(home, ".cache", "otelcol-periscope")
	}
	dir := filepath.Join(root, "realnode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	return dir, nil
}

// lockMachine holds an exclusive lock on file until the test ends: one
// real node at a time on a machine (they share the kubelet's host paths,
// the node address and the Service IP's port).
func lockMachine(t *testing.T, file string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 20 * time.Minute
	deadline := time.Now().Add(limit)
	for logged := false; ; {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			t.Fatalf("realnode: lock %s: %v", file, err)
		}
		if !logged {
			t.Logf("realnode: another real-node test holds %s; waiting (at most %s)", file, limit)
			logged = true
		}
		if time.Now().After(deadline) {
			f.Close()
			t.Fatalf("realnode: another real-node test held %s for %s", file, limit)
		}
		time.Sleep(time.Second)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

// buildPause builds the pod sandbox's program (pause/) into the cache.
func buildPause(cache string) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	out := filepath.Join(cache, "pause")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = filepath.Join(filepath.Dir(file), "pause")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the pause program: %w\n%s", err, b)
	}
	return out, nil
}

// writeImage builds spec into dir as ref's tar.
func writeImage(dir, ref string, spec image.Spec) (string, error) {
	img, err := image.Build(spec)
	if err != nil {
		return "", err
	}
	name := strings.NewReplacer("/", "_", ":", "_").Replace(ref) + ".tar"
	path := filepath.Join(dir, name)
	return path, image.WriteFile(path, ref, img)
}

// containerdConfig is containerd's configuration: everything under the
// work directory, the CRI plugin with the local pause image, the CNI
// loopback network (enough for a Ready node whose pods use the host's
// network) and runc with a base spec carrying the node's environment.
const containerdConfig = `version = 2
root = "{{.work}}/containerd-root"
state = "{{.work}}/containerd-state"
[grpc]
  address = "{{.socket}}"
[plugins."io.containerd.internal.v1.opt"]
  path = "{{.work}}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{{.pause}}"
  # This VM refuses a negative oom_score_adj: without this every sandbox
  # fails with runc's "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{{.work}}/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      base_runtime_spec = "{{.work}}/base-spec.json"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "{{.work}}/runc"
        SystemdCgroup = false
`

func (n *Node) startContainerd(env []string) error {
	cni := filepath.Join(n.work, "cni")
	if err := os.MkdirAll(cni, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cni, "10-loopback.conflist"),
		[]byte(`{"cniVersion":"1.0.0","name":"lo","plugins":[{"type":"loopback"}]}`+"\n"), 0o644); err != nil {
		return err
	}
	// The base spec is containerd's default (what ctr prints) with env.
	out, err := exec.Command("ctr", "oci", "spec").Output()
	if err != nil {
		return fmt.Errorf("ctr oci spec: %w", err)
	}
	var spec map[string]any
	if err := json.Unmarshal(out, &spec); err != nil {
		return fmt.Errorf("parse ctr oci spec: %w", err)
	}
	process, _ := spec["process"].(map[string]any)
	if process == nil {
		return errors.New("ctr oci spec has no process")
	}
	baseEnv, _ := process["env"].([]any)
	for _, e := range env {
		baseEnv = append(baseEnv, e)
	}
	process["env"] = baseEnv
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.work, "base-spec.json"), data, 0o644); err != nil {
		return err
	}
	config := strings.NewReplacer("{{.work}}", n.work, "{{.socket}}", n.socket, "{{.pause}}", pauseRef).Replace(containerdConfig)
	configFile := filepath.Join(n.work, "containerd.toml")
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		return err
	}
	if n.containerd, err = startDaemon(n.work, "containerd", "containerd", "--config", configFile); err != nil {
		return err
	}
	return waitUntil("containerd to answer on "+n.socket, time.Minute, 200*time.Millisecond, n.containerd, func() (bool, error) {
		_, err := n.ctr("version")
		return err == nil, err
	})
}

// ctr runs ctr against the node's containerd in the CRI namespace.
func (n *Node) ctr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ctr", append([]string{"--address", n.socket, "--namespace", "k8s.io"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ctr %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Import loads an image tar (internal/image's, docker save's) into the
// node's containerd, where the kubelet finds it without pulling.
func (n *Node) Import(tar string) error {
	_, err := n.ctr("images", "import", tar)
	return err
}

func (n *Node) startKubelet(bin string) error {
	port, err := freePort(NodeIP)
	if err != nil {
		return err
	}
	config := map[string]any{
		"kind":       "KubeletConfiguration",
		"apiVersion": "kubelet.config.k8s.io/v1beta1",
		// The API server reaches the kubelet (kubectl logs) on the node IP.
		"address": NodeIP, "port": port, "readOnlyPort": 0, "healthzPort": 0,
		"authentication": map[string]any{"anonymous": map[string]any{"enabled": true}, "webhook": map[string]any{"enabled": false}},
		"authorization":  map[string]any{"mode": "AlwaysAllow"},
		// cgroup v1 with cgroupfs, as on this VM; pods under cgroupRoot.
		"cgroupDriver": "cgroupfs", "cgroupRoot": cgroupRoot, "failCgroupV1": false, "failSwapOn": false,
		"containerRuntimeEndpoint": "unix://" + n.socket,
		"enforceNodeAllocatable":   []string{},
		"evictionHard": map[string]string{
			"memory.available": "1Mi", "nodefs.available": "1%", "nodefs.inodesFree": "1%", "imagefs.available": "1%",
		},
		"imageGCHighThresholdPercent": 100, "imageGCLowThresholdPercent": 99,
		// Nothing of the host's packet filter is changed.
		"makeIPTablesUtilChains": false,
		"volumePluginDir":        filepath.Join(n.work, "volume-plugins"),
		"resolvConf":             "/etc/resolv.conf",
		"shutdownGracePeriod":    "0s",
	}
	data, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		return err
	}
	configFile := filepath.Join(n.work, "kubelet.json")
	if err := os.WriteFile(configFile, data, 0o644); err != nil {
		return err
	}
	n.kubelet, err = startDaemon(n.work, "kubelet", bin,
		"--config="+configFile,
		"--kubeconfig="+n.Cluster.AdminKubeconfig,
		"--root-dir="+filepath.Join(n.work, "kubelet"),
		"--hostname-override="+n.Name,
		"--node-ip="+NodeIP,
		"--v=2",
	)
	if err != nil {
		return err
	}
	return waitUntil("node "+n.Name+" to be Ready", 2*time.Minute, 250*time.Millisecond, n.kubelet, func() (bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		node, err := n.Cluster.Client().CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionTrue, fmt.Errorf("Ready=%s: %s", c.Status, c.Message)
			}
		}
		return false, nil
	})
}

// freePort is a port of ip nobody listens on at the moment.
func freePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Kubectl runs kubectl as the cluster's admin.
func (n *Node) Kubectl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := n.Cluster.Kubectl(ctx, args...)
	return string(out), err
}

// ContainerCgroup is the memory cgroup directory of the container with id
// (a pod status' containerID without its "containerd://").
func (n *Node) ContainerCgroup(id string) (string, error) {
	root := filepath.Join("/sys/fs/cgroup/memory", cgroupRoot)
	var found string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == id {
			found = p
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if found == "" {
		return "", fmt.Errorf("no memory cgroup for container %s under %s", id, root)
	}
	return found, nil
}

// Dump logs what explains a failure: the pods, events, the ends of the
// kubelet's, containerd's and the containers' logs.
func (n *Node) Dump(t *testing.T) {
	t.Helper()
	for _, args := range [][]string{
		{"get", "nodes,pods,daemonsets", "-A", "-o", "wide"},
		{"describe", "pods", "-A"},
		{"get", "events", "-A", "--sort-by=.lastTimestamp"},
	} {
		out, err := n.Kubectl(args...)
		t.Logf("realnode: kubectl %s (%v):\n%s", strings.Join(args, " "), err, out)
	}
	if n.kubelet != nil {
		t.Logf("realnode: kubelet log (%s) ends:\n%s", n.kubelet.log, n.kubelet.logTail(80))
	}
	if n.containerd != nil {
		t.Logf("realnode: containerd log (%s) ends:\n%s", n.containerd.log, n.containerd.logTail(40))
	}
	_ = filepath.WalkDir(n.podLogs, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Logf("realnode: container log %s ends:\n%s", p, fileTail(p, 40))
		}
		return nil
	})
}

// stop ends the kubelet, the containers and containerd, then puts the
// host back.
func (n *Node) stop(t *testing.T) {
	began := time.Now()
	defer func() {
		t.Logf("realnode: node stopped and host put back in %s", time.Since(began).Round(time.Millisecond))
	}()
	if n.kubelet != nil {
		n.kubelet.stop(30 * time.Second)
	}
	if n.containerd != nil && !n.containerd.exited() {
		if out, err := n.ctr("tasks", "ls", "-q"); err == nil {
			for _, id := range strings.Fields(out) {
				_, _ = n.ctr("tasks", "kill", "--signal", "SIGKILL", id)
			}
			for _, id := range strings.Fields(out) {
				_ = waitUntil("task "+id+" to stop", 30*time.Second, 200*time.Millisecond, nil, func() (bool, error) {
					_, err := n.ctr("tasks", "delete", id)
					return err == nil, err
				})
			}
		}
		n.containerd.stop(30 * time.Second)
	}
	if n.proxy != nil {
		n.proxy.close()
	}
	if err := n.host.undo(t.Logf); err != nil {
		t.Errorf("realnode: the host is not back as it was: %v", err)
	}
}

// proxy forwards TCP connections from one address to another.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
	wg     sync.WaitGroup
}

func startProxy(listen, target string) (*proxy, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.pipe(c)
		}()
	}
}

// track adds c to the open connections; false when the proxy is closed.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *proxy) pipe(c net.Conn) {
	defer c.Close()
	if !p.track(c) {
		return
	}
	defer p.untrack(c)
	up, err := net.DialTimeout("tcp", p.target, 10*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	if !p.track(up) {
		return
	}
	defer p.untrack(up)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
