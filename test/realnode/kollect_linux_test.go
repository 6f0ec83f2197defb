package realnode

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/periscope-otel/periscope/internal/image"
	"github.com/periscope-otel/periscope/test/azurite"
	"github.com/periscope-otel/periscope/test/collectorbin"
)

// What the test deploys: the images as a registry the overlay names
// (imported into the node's containerd; imagePullPolicy IfNotPresent finds
// them), the blob container the CLI would derive from this FQDN.
const (
	registry     = "localhost"
	imageVersion = "realnode"
	clusterFQDN  = "periscope-e2e-dns-4f2c1a7b.hcp.westeurope.azmk8s.io"
	stateDir     = "/var/lib/otelcol-periscope" // the DaemonSet's hostPath
)

// rerunBound is how long a node may take to collect again after
// DIAGNOSTIC_RUN_ID changes: the collector polls the mounted file every
// 10 s, and the kubelet rewrites a ConfigMap volume at the pod's next
// periodic sync (syncFrequency 1 min, with up to 50 % jitter: 90 s), plus
// the run itself.
const rerunBound = 10*time.Second + 90*time.Second + 20*time.Second

// `az aks kollect` against a real node: the overlay the CLI writes, applied
// as the CLI applies it, delivers each node's run to Blob Storage (Azurite)
// and its Diagnostic object; a changed run ID collects once more; a
// restarted pod does not repeat a run; the CLI's cleanup removes it all.
func TestKollectOnARealNode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the real node needs root (it runs containerd and a kubelet and changes the host's lo, mounts and cgroups, undone at the end); run the tests as root, as make test in CI does")
	}
	began := time.Now()
	t.Cleanup(func() { t.Logf("timing: whole test, teardown included: %s", time.Since(began).Round(time.Millisecond)) })

	blob, err := azurite.Start()
	if err != nil {
		t.Fatalf("Azurite: %v", err)
	}
	t.Cleanup(func() { _ = blob.Stop() })

	node := Start(t, Options{
		// The node's own settings, not the overlay's: where Blob Storage is
		// (Azurite on 127.0.0.1; the account name of the Secret is kept),
		// and no connectivity probes of public hosts.
		ContainerEnv: []string{
			"PERISCOPE_BLOB_SERVICE_URL=" + blob.BlobURL,
			"PERISCOPE_DISABLE_COLLECTORS=networkoutbound",
		},
		HostPaths: []string{stateDir},
	})
	t.Logf("timing: node Ready %s after the start", time.Since(began).Round(time.Millisecond))

	// The image, from the binary under test.
	imported := time.Now()
	spec, err := image.Periscope("linux", collectorbin.Path(t), repoRoot())
	if err != nil {
		t.Fatal(err)
	}
	tarFile, err := writeImage(t.TempDir(), registry+"/aks/periscope:"+imageVersion, spec)
	if err != nil {
		t.Fatalf("build the periscope-linux image: %v", err)
	}
	if err := node.Import(tarFile); err != nil {
		t.Fatalf("import the periscope-linux image: %v", err)
	}
	t.Logf("timing: image built and imported in %s", time.Since(imported).Round(time.Millisecond))

	sas, err := azurite.AccountSAS(time.Now().Add(24 * time.Hour)) // the CLI's: b, sco, rwdlacup, one day
	if err != nil {
		t.Fatal(err)
	}
	k := Kollect{
		Deployment: filepath.Join(repoRoot(), "deployment"), Registry: registry, ImageVersion: imageVersion,
		StorageAccount: azurite.AccountName, ContainerName: ContainerName(clusterFQDN, ""), SASToken: sas,
		RunID: RunID(time.Now()),
	}
	d := &deployment{t: t, node: node, blob: blob, k: k}

	// A step the later ones build on stops the test when it fails; a check
	// does not.
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	check := func(name string, f func(t *testing.T)) { t.Run(name, f) }
	step("the CLI's overlay deploys a Running pod", d.deploy)
	step("the run reaches Blob Storage", d.delivered)
	step("kubectl get apd shows the run Completed", d.diagnosticObject)
	d.memory("after the first run")
	check("the collector holds no port of the node's network", d.listensOnNoPort)
	check("a second collector on the node's network starts and collects", d.secondCollector)
	step("a run-ID patch collects once more", d.rerun)
	step("a restarted pod does not repeat the run", d.restart)
	step("the CLI's cleanup leaves nothing but the known leftovers", d.uninstall)
}

// deployment is the state the steps share.
type deployment struct {
	t    *testing.T
	node *Node
	blob *azurite.Server
	k    Kollect
	pod  *corev1.Pod // the DaemonSet's pod now
	// etags are the container's blobs after the second run.
	etags map[string]string
}

func repoRoot() string { return collectorbin.RepoRoot() }

// kubectl runs kubectl and fails the test with its output on error.
func (d *deployment) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := d.node.Kubectl(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (d *deployment) deploy(t *testing.T) {
	winHPC := filepath.Join(d.k.Deployment, "components", "win-hpc")
	if _, err := os.Stat(winHPC); err != nil && d.k.winHPC() {
		t.Fatalf("%s is missing: az aks kollect adds this component whenever every Windows node pool runs Kubernetes 1.23 or later, also when there is none, so the overlay it writes cannot be built without it (%v)", winHPC, err)
	}
	dir := t.TempDir()
	text, err := d.k.Kustomization(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("the overlay (%s/kustomization.yaml):%s", dir, strings.Replace(text, d.k.SASToken, "<sas>", 1))
	d.seedKubeSystem(t)
	began := time.Now()
	d.cleanup(t) // the CLI cleans up before every deployment
	d.kubectl(t, Apply(dir)...)
	d.pod = d.waitPodRunning(t, "")
	t.Logf("timing: kubectl apply -k to pod %s Running: %s", d.pod.Name, time.Since(began).Round(time.Millisecond))
}

// cleanup runs the CLI's cleanup as it does (subprocess.call: a failing
// delete, such as apd before the CRD exists, is not an error).
func (d *deployment) cleanup(t *testing.T) {
	for _, args := range Cleanup() {
		out, err := d.node.Kubectl(args...)
		t.Logf("kubectl %s: %s%v", strings.Join(args, " "), out, errText(err))
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// seedKubeSystem gives kube-system what an AKS cluster has there and the
// collector reads: CoreDNS' ConfigMap (the node's dns items) and the
// kube-dns Service (a cluster-wide kube_objects item of Periscope's default
// list).
func (d *deployment) seedKubeSystem(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	core := d.node.Cluster.Client().CoreV1()
	if _, err := core.ConfigMaps("kube-system").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "coredns"},
		Data:       map[string]string{"Corefile": ".:53 {\n    errors\n    forward . /etc/resolv.conf\n    cache 30\n}\n"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := core.Services("kube-system").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Labels: map[string]string{"k8s-app": "kube-dns"}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"k8s-app": "kube-dns"},
			Ports:    []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// delivered: the node's items and zip, and the cluster-wide items of the
// one collector the Lease elected (here the only one), in the CLI's
// container.
func (d *deployment) delivered(t *testing.T) {
	d.waitDelivered(t, d.k.RunID, 2*time.Minute)
	var names []string
	err := waitUntil("cluster-wide items under "+d.k.RunID+"/cluster/ and the node's coredns item", 30*time.Second, time.Second, nil, func() (bool, error) {
		b, err := d.blobs()
		if err != nil {
			return false, err
		}
		names = names[:0]
		for name := range b {
			if strings.HasPrefix(name, d.k.RunID+"/cluster/") {
				names = append(names, name)
			}
		}
		_, coredns := b[d.k.RunID+"/"+d.node.Name+"/coredns"]
		return len(names) > 0 && coredns, nil
	})
	if err != nil {
		t.Fatalf("%v; the pod's log:\n%s", err, d.podLog(t))
	}
	sort.Strings(names)
	t.Logf("cluster-wide items: %s", strings.Join(names, ", "))
}

// waitPodRunning waits for the DaemonSet's pod other than notUID to run
// its container.
func (d *deployment) waitPodRunning(t *testing.T, notUID string) *corev1.Pod {
	t.Helper()
	var running *corev1.Pod
	err := waitUntil("the aks-periscope DaemonSet's pod to be Running on "+d.node.Name, 2*time.Minute, 250*time.Millisecond, d.node.kubelet, func() (bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pods, err := d.node.Cluster.Client().CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=aks-periscope"})
		if err != nil {
			return false, err
		}
		var states []string
		for i := range pods.Items {
			p := &pods.Items[i]
			if string(p.UID) == notUID || p.DeletionTimestamp != nil {
				continue
			}
			for _, cs := range p.Status.ContainerStatuses {
				if cs.State.Running != nil && p.Status.Phase == corev1.PodRunning {
					running = p
					return true, nil
				}
				states = append(states, fmt.Sprintf("%s: %+v", p.Name, cs.State))
			}
			states = append(states, fmt.Sprintf("%s: %s", p.Name, p.Status.Phase))
		}
		return false, fmt.Errorf("pods: %v", states)
	})
	if err != nil {
		t.Fatal(err)
	}
	return running
}

// zipBlob is the node's zip for run: what the VS Code extension waits for.
func (d *deployment) zipBlob(runID string) string {
	return runID + "/" + d.node.Name + "/" + d.node.Name + ".zip"
}

// blobs is the CLI container's blobs (none while it does not exist).
func (d *deployment) blobs() (map[string]azurite.Blob, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := d.blob.Blobs(ctx, d.k.ContainerName)
	if err != nil && strings.Contains(err.Error(), "ContainerNotFound") {
		return map[string]azurite.Blob{}, nil
	}
	return b, err
}

func (d *deployment) waitDelivered(t *testing.T, runID string, limit time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	zip := d.zipBlob(runID)
	err := waitUntil("blob "+zip+" in container "+d.k.ContainerName+" of Azurite", limit, time.Second, d.node.kubelet, func() (bool, error) {
		b, err := d.blobs()
		if err != nil {
			return false, err
		}
		_, ok := b[zip]
		return ok, fmt.Errorf("%d blobs so far", len(b))
	})
	if err != nil {
		t.Fatalf("%v; the pod's log ends:\n%s", err, d.podLog(t))
	}
	took := time.Since(began)
	t.Logf("timing: %s delivered %s after the wait began", zip, took.Round(time.Millisecond))
	b, err := d.blobs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range b {
		if strings.HasPrefix(name, runID+"/") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	t.Logf("run %s in Blob Storage: %s", runID, strings.Join(names, ", "))
	if errs, ok := b[runID+"/"+d.node.Name+"/periscope-errors.log"]; ok {
		t.Logf("what the run could not collect on this node (periscope-errors.log):\n%s", errs.Content)
	}
	return took
}

// podLog is the DaemonSet pod's log (kubectl logs, through the kubelet).
func (d *deployment) podLog(t *testing.T) string {
	t.Helper()
	out, err := d.node.Kubectl("logs", "-n", Namespace, d.pod.Name)
	if err != nil {
		return fmt.Sprintf("(kubectl logs %s: %v)", d.pod.Name, err)
	}
	return out
}

// diagnosticObject is what `az aks kanalyze` reads: one apd per Ready
// node, spec.networkconfig a JSON object, spec.networkoutbound a JSON
// array.
func (d *deployment) diagnosticObject(t *testing.T) {
	name := "aks-periscope-diagnostic-" + d.node.Name
	var table string
	err := waitUntil("kubectl get apd to show "+name+" Completed for run "+d.k.RunID, time.Minute, time.Second, nil, func() (bool, error) {
		out, err := d.node.Kubectl("get", "apd", "-n", Namespace)
		table = out
		if err != nil {
			return false, err
		}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == name && f[1] == d.k.RunID && f[2] == "Completed" {
				return true, nil
			}
		}
		return false, fmt.Errorf("kubectl get apd:\n%s", out)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kubectl get apd -n %s:\n%s", Namespace, table)
	config := d.kubectl(t, "get", "apd", name, "-n", Namespace, "-o=jsonpath={.spec.networkconfig}")
	var nc map[string]any
	if err := json.Unmarshal([]byte(config), &nc); err != nil || nc["HostName"] == nil {
		t.Errorf("spec.networkconfig is not the JSON object kanalyze reads (%v): %q", err, config)
	}
	outbound := d.kubectl(t, "get", "apd", name, "-n", Namespace, "-o=jsonpath={.spec.networkoutbound}")
	var windows []map[string]any
	if err := json.Unmarshal([]byte(outbound), &windows); err != nil {
		t.Errorf("spec.networkoutbound is not the JSON array kanalyze reads (%v): %q", err, outbound)
	}
}

// memory logs the collector container's memory as its cgroup counts it:
// the working set (usage less inactive file pages, what the kubelet and
// kubectl top report) and the peak.
func (d *deployment) memory(when string) {
	m, err := d.node.containerMemory(containerID(d.pod))
	if err != nil {
		d.t.Logf("memory %s: %v", when, err)
		return
	}
	d.t.Logf("memory %s: working set %.1f MiB (usage %.1f MiB, peak %.1f MiB)", when, mib(m.workingSet), mib(m.usage), mib(m.peak))
}

// containerMemory is the memory cgroup's view of container id.
type containerMemory struct{ workingSet, usage, peak int64 }

func (n *Node) containerMemory(id string) (containerMemory, error) {
	dir, err := n.ContainerCgroup(id)
	if err != nil {
		return containerMemory{}, err
	}
	read := func(f string) int64 {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		v, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return v
	}
	m := containerMemory{usage: read("memory.usage_in_bytes"), peak: read("memory.max_usage_in_bytes")}
	var inactive int64
	f, err := os.Open(filepath.Join(dir, "memory.stat"))
	if err != nil {
		return containerMemory{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "total_inactive_file "); ok {
			inactive, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	m.workingSet = max(m.usage-inactive, 0)
	return m, sc.Err()
}

func mib(v int64) float64 { return float64(v) / (1 << 20) }

func containerID(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if _, id, ok := strings.Cut(cs.ContainerID, "://"); ok {
			return id
		}
	}
	return ""
}

// listensOnNoPort: the pod shares the node's network, so a port it listens
// on is taken from every other program of the node (a second collector,
// the node's own agents).
func (d *deployment) listensOnNoPort(t *testing.T) {
	dir, err := d.node.ContainerCgroup(containerID(d.pod))
	if err != nil {
		t.Fatal(err)
	}
	procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(procs)) {
		pid, _ := strconv.Atoi(f)
		for _, l := range listeningSockets(pid) {
			t.Errorf("the DaemonSet's collector (pid %d) listens on %s of the node's network (hostNetwork): no other program of the node can use that port", pid, l)
		}
	}
}

// listeningSockets are pid's listening TCP sockets, as address:port.
func listeningSockets(pid int) []string {
	inodes := map[string]bool{}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if ino, ok := strings.CutPrefix(target, "socket:["); err == nil && ok {
			inodes[strings.TrimSuffix(ino, "]")] = true
		}
	}
	var out []string
	for _, table := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) > 9 && f[3] == "0A" && inodes[f[9]] { // 0A: LISTEN
				out = append(out, procNetAddr(f[1]))
			}
		}
	}
	return out
}

// procNetAddr turns /proc/net/tcp's "0100007F:22B8" into 127.0.0.1:8888.
func procNetAddr(s string) string {
	hexIP, hexPort, _ := strings.Cut(s, ":")
	port, _ := strconv.ParseUint(hexPort, 16, 16)
	if len(hexIP) == 8 {
		v, _ := strconv.ParseUint(hexIP, 16, 32)
		return fmt.Sprintf("%d.%d.%d.%d:%d", byte(v), byte(v>>8), byte(v>>16), byte(v>>24), port)
	}
	return fmt.Sprintf("[%s]:%d", hexIP, port)
}

// secondCollector runs the distribution on the node itself, beside the
// DaemonSet's pod: once with the DaemonSet config (another DaemonSet, a
// user's own copy), once as the one-shot default (make run on a node).
func (d *deployment) secondCollector(t *testing.T) {
	bin := collectorbin.Path(t)
	work := t.TempDir()
	config := filepath.Join(work, "config")
	if err := os.MkdirAll(config, 0o755); err != nil {
		t.Fatal(err)
	}
	const runID = "2026-12-04T00-00-00Z"
	if err := os.WriteFile(filepath.Join(config, "DIAGNOSTIC_RUN_ID"), []byte(runID), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + work,
		"PERISCOPE_CONFIG_DIR=" + config,
		"PERISCOPE_ROOT_PATH=/", "PERISCOPE_JOURNAL_ROOT_PATH=/",
		"PERISCOPE_OUTPUT_DIR=" + filepath.Join(work, "out"),
		"PERISCOPE_STATE_DIR=" + filepath.Join(work, "state"),
		"HOST_NODE_NAME=second",
		// Outside the cluster: nothing cluster-wide, no public probes.
		"PERISCOPE_DISABLE_COLLECTORS=networkoutbound kubeobjects systemperf pdb",
	}
	logFile, err := os.Create(filepath.Join(work, "collector.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	out := output(logFile.Name())
	cmd := exec.Command(bin, "--config", filepath.Join(repoRoot(), "distributions", "daemonset", "config.yaml"))
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	zip := filepath.Join(work, "out", runID, "second", "second.zip")
	deadline := time.After(90 * time.Second)
wait:
	for {
		select {
		case err := <-exited:
			t.Fatalf("the second collector (distributions/daemonset/config.yaml) exited (%v) beside the DaemonSet's pod before its run was written; its output:\n%s", err, out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("the second collector wrote no %s within 90 s; its output:\n%s", zip, out.String())
		case <-time.After(200 * time.Millisecond):
			if _, err := os.Stat(zip); err == nil {
				break wait
			}
		}
	}
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the second collector ended with %v; its output:\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Errorf("the second collector ignored SIGINT for 30 s; its output:\n%s", out.String())
	}

	once := exec.Command(bin, "--once", "--deadline", "2m")
	once.Dir = work
	once.Env = append(env[:len(env):len(env)], "PERISCOPE_OUTPUT_DIR="+filepath.Join(work, "once"))
	b, err := once.CombinedOutput()
	// 4: delivered but incomplete (a node log of this machine changed while
	// it was copied) is still a collector that started and collected.
	if code := once.ProcessState.ExitCode(); err != nil && code != 4 {
		t.Errorf("otelcol-periscope --once beside the DaemonSet's pod: %v; its output:\n%s", err, b)
	}
	if matches, _ := filepath.Glob(filepath.Join(work, "once", "*", "second", "second.zip")); len(matches) != 1 {
		t.Errorf("otelcol-periscope --once wrote no zip; its output:\n%s", b)
	}
}

// rerun: the README's kubectl patch of DIAGNOSTIC_RUN_ID; the node collects
// once under the new ID within rerunBound, without a pod restart.
func (d *deployment) rerun(t *testing.T) {
	next := RunID(time.Now())
	if next == d.k.RunID {
		time.Sleep(time.Second)
		next = RunID(time.Now())
	}
	d.kubectl(t, "patch", "configmap", "-n", Namespace, "diagnostic-config", "-p", fmt.Sprintf(`{"data":{"DIAGNOSTIC_RUN_ID":%q}}`, next))
	// While the kubelet has not passed the new ID on, the collector idles:
	// its working set every 10 s shows what an idle collector holds.
	stop := make(chan struct{})
	samples := make(chan []string, 1)
	go func() {
		var out []string
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				samples <- out
				return
			case <-tick.C:
				if m, err := d.node.containerMemory(containerID(d.pod)); err == nil {
					out = append(out, fmt.Sprintf("%.1f", mib(m.workingSet)))
				}
			}
		}
	}()
	took := d.waitDelivered(t, next, rerunBound)
	close(stop)
	t.Logf("memory while idle before the second run (working set every 10 s, MiB): %s", strings.Join(<-samples, " "))
	t.Logf("timing: run-ID patch to the new run's zip: %s (bound %s: the collector's 10 s poll and the kubelet's ConfigMap refresh)", took.Round(time.Millisecond), rerunBound)
	d.k.RunID = next
	d.waitDiagnosticRun(t, next)
	log, n := d.podLog(t), 0
	for line := range strings.Lines(log) {
		if strings.Contains(line, "Periscope run written") && strings.Contains(line, `"run_id": "`+next+`"`) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("run %s written %d times, want once; the pod's log:\n%s", next, n, log)
	}
	if p, err := d.node.Cluster.Client().CoreV1().Pods(Namespace).Get(context.Background(), d.pod.Name, metav1.GetOptions{}); err != nil {
		t.Error(err)
	} else if restarts := p.Status.ContainerStatuses[0].RestartCount; restarts != 0 {
		t.Errorf("the pod's container restarted %d times", restarts)
	}
	b, err := d.blobs()
	if err != nil {
		t.Fatal(err)
	}
	d.etags = map[string]string{}
	for name, bl := range b {
		d.etags[name] = bl.ETag
	}
	d.memory("after the second run")
}

// waitDiagnosticRun waits for the node's apd to show run Completed.
func (d *deployment) waitDiagnosticRun(t *testing.T, runID string) {
	t.Helper()
	name := "aks-periscope-diagnostic-" + d.node.Name
	err := waitUntil("apd "+name+" to show run "+runID+" Completed", time.Minute, time.Second, nil, func() (bool, error) {
		out, err := d.node.Kubectl("get", "apd", name, "-n", Namespace, "-o=jsonpath={.status.runID} {.status.phase}")
		return err == nil && out == runID+" Completed", fmt.Errorf("%q %v", out, err)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// restart: a new pod on the node finds the run delivered (the hostPath
// state) and uploads nothing.
func (d *deployment) restart(t *testing.T) {
	old := d.pod
	d.kubectl(t, "delete", "pod", "-n", Namespace, old.Name, "--wait=true", "--timeout=90s")
	d.pod = d.waitPodRunning(t, string(old.UID))
	defer d.memory("of the restarted pod, which collected nothing")
	const msg = "Run already collected on this node; waiting for a new run ID"
	err := waitUntil("the restarted pod "+d.pod.Name+" to log "+msg, time.Minute, time.Second, nil, func() (bool, error) {
		return strings.Contains(d.podLog(t), msg), nil
	})
	if err != nil {
		t.Fatalf("%v; its log:\n%s", err, d.podLog(t))
	}
	time.Sleep(5 * time.Second) // an upload would start at once
	log := d.podLog(t)
	if strings.Contains(log, "Periscope run written") || strings.Contains(log, "Periscope run updated") {
		t.Errorf("the restarted pod wrote the run again:\n%s", log)
	}
	b, err := d.blobs()
	if err != nil {
		t.Fatal(err)
	}
	for name, etag := range d.etags {
		if b[name].ETag != etag {
			t.Errorf("blob %s was written again after the pod restart", name)
		}
	}
	for name := range b {
		if _, ok := d.etags[name]; !ok {
			t.Errorf("blob %s appeared after the pod restart", name)
		}
	}
}

// errStable ends a wait for leftovers that no longer change.
var errStable = errors.New("unchanged for 20 s")

// ignoredLeftovers are what a namespace always holds, made by Kubernetes
// itself: the root CA ConfigMap and the default ServiceAccount (recreated
// at once when deleted), events (they expire).
var ignoredLeftovers = map[string]bool{
	"configmaps/kube-root-ca.crt": true,
	"serviceaccounts/default":     true,
}

// knownLeftovers are what the CLI's cleanup leaves today, sorted as
// leftovers lists them: it deletes no Role, RoleBinding or Lease, and the
// namespaced Roles (Diagnostic objects, the cluster Lease) and the Lease the
// collector creates have no owner it deletes. Still open (issue 14): give
// them an ownerReference to the ServiceAccount, which the CLI deletes. The
// test fails when anything else remains, and when these go (then empty
// this list).
var knownLeftovers = []string{
	"leases/aks-periscope-cluster",
	"rolebindings/aks-periscope-diagnostic-role-binding",
	"rolebindings/aks-periscope-lease-role-binding",
	"roles/aks-periscope-diagnostic-role",
	"roles/aks-periscope-lease-role",
}

// uninstall runs the CLI's cleanup (its only uninstall) and waits for
// every object of the deployment to go: what the CLI deletes by name,
// what the garbage collector deletes with its owner, and what the
// collector made at run time (the Lease, the Diagnostic objects).
func (d *deployment) uninstall(t *testing.T) {
	d.cleanup(t)
	cfg := rest.CopyConfig(d.node.Cluster.Admin)
	cfg.WarningHandler = rest.NoWarnings{} // listing every type meets deprecated ones
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The garbage collector deletes the pods and what else has an owner
	// among the deleted objects within seconds; what is left once nothing
	// has changed for settle stays.
	const settle = 20 * time.Second
	var left []string
	var changed time.Time
	err = waitUntil("the CLI's cleanup to leave only the known leftovers", 2*time.Minute, time.Second, nil, func() (bool, error) {
		now, err := d.leftovers(dyn)
		if err != nil {
			return false, err
		}
		if !slices.Equal(now, left) || changed.IsZero() {
			left, changed = now, time.Now()
		}
		if !slices.Equal(left, knownLeftovers) && time.Since(changed) > settle {
			return false, errStable
		}
		return slices.Equal(left, knownLeftovers), nil
	}, errStable)
	if err != nil {
		t.Fatalf("after az aks kollect's cleanup (%s) these remain:\n  %s\nwant exactly the known leftovers (issue 14):\n  %s\n(%v)",
			cleanupText(), strings.Join(left, "\n  "), strings.Join(knownLeftovers, "\n  "), err)
	}
	t.Logf("known leftovers of the CLI's cleanup (it deletes no Role, RoleBinding or Lease): %s", strings.Join(knownLeftovers, ", "))
	t.Logf("after the CLI's cleanup only the namespace %s remains (the CLI never deletes it; the next kollect reuses it)", Namespace)
}

func cleanupText() string {
	var parts []string
	for _, args := range Cleanup() {
		parts = append(parts, "kubectl "+strings.Join(args, " "))
	}
	return strings.Join(parts, "; ")
}

// leftovers lists the objects of the namespace (every listable type) and
// the cluster-wide ones named for the deployment.
func (d *deployment) leftovers(dyn dynamic.Interface) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lists, err := d.node.Cluster.Client().Discovery().ServerPreferredResources()
	if err != nil {
		return nil, err
	}
	var left []string
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !slices.Contains(r.Verbs, "list") || strings.Contains(r.Name, "/") || r.Name == "events" || r.Name == "namespaces" {
				continue
			}
			res := dyn.Resource(gv.WithResource(r.Name))
			var items []string
			if r.Namespaced {
				list, err := res.Namespace(Namespace).List(ctx, metav1.ListOptions{})
				if err != nil {
					continue
				}
				for _, o := range list.Items {
					if key := r.Name + "/" + o.GetName(); !ignoredLeftovers[key] {
						items = append(items, key)
					}
				}
			} else {
				list, err := res.List(ctx, metav1.ListOptions{})
				if err != nil {
					continue
				}
				for _, o := range list.Items {
					if strings.Contains(o.GetName(), "aks-periscope") {
						items = append(items, r.Name+"/"+o.GetName())
					}
				}
			}
			left = append(left, items...)
		}
	}
	sort.Strings(left)
	return left, nil
}

// output is a process's output file, read when a message needs it.
type output string

func (o output) String() string {
	b, err := os.ReadFile(string(o))
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return string(b)
}

// The port check finds a listener of a process, by address.
func TestListeningSockets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if got := listeningSockets(os.Getpid()); !slices.Contains(got, ln.Addr().String()) {
		t.Errorf("listeningSockets = %v, want %s among them", got, ln.Addr())
	}
}
