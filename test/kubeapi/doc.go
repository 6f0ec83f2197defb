// Package kubeapi runs a real Kubernetes control plane (etcd and
// kube-apiserver, no kubelet) on 127.0.0.1 for tests, and the matching
// kubectl to compare output with.
//
// The binaries are built from the Go module proxy by build.sh (next to this
// file) on first use and cached per version under
// ~/.cache/otelcol-periscope/kube-<version>/ and etcd-<version>/; a cold
// build takes about 7 minutes on 2 cores, later runs reuse the cache. When
// the binaries cannot be built or the servers do not start, tests fail with
// the reason; they are never skipped.
//
// Each test binary starts its own servers (free ports, temporary data
// directories), so several packages can use the package at the same time.
// A package wires it once:
//
//	func TestMain(m *testing.M) { os.Exit(kubeapi.Main(m)) }
//
// and tests call kubeapi.Shared(t), which starts the control plane on first
// use. Main stops every process it started, by PID, when the tests end; on
// Linux the processes also die with the test binary if it is killed.
//
// Pods stay Pending (there is no node); delete them with a zero grace
// period. There is no controller-manager either, so namespaces get no
// "default" ServiceAccount by themselves: CreateNamespace adds one, which
// the ServiceAccount admission plugin requires before pods can be created.
//
// A cluster of its own (Start, not Shared) can run the control loops too:
// Cluster.StartControlLoops runs kube-controller-manager and kube-scheduler
// (built by build.sh, no leader election), so Deployments make ReplicaSets
// and Pods with their events, the scheduler records FailedScheduling, and
// a node without heartbeats goes Ready=Unknown after
// NodeMonitorGracePeriod (test/workloads).
//
// The metrics API (kubectl top) is real too: the API server runs with the
// aggregation layer (front-proxy CA and client certificate), and
// Cluster.StartMetricsServer runs metrics-server (built by build.sh,
// cached under metrics-server-<version>/) behind an APIService. It scrapes
// Kubelet stand-ins: StartKubelet serves a node's steady usage on
// /metrics/resource over TLS on 127.0.0.1, RegisterNode creates the Node
// pointing at it (InternalIP 127.0.0.1, kubelet port in
// status.daemonEndpoints), CreateRunningPod creates a pod bound to the node
// with status Running (metrics-server ignores other pods). CPU counters grow
// at exactly the configured rate, so every `kubectl top` prints the same
// numbers; the first ones appear after two scrapes (about 10 s).
//
// A real kubelet is built the same way (KubeletBinary, cached beside the
// API server) for test/realnode, which runs it with containerd against a
// cluster started with StartWith: a Service CIDR in 127.0.0.0/8 and the
// "kubernetes" Service IP in the serving certificate, so pods reach the
// API server without an address outside the loopback range.
package kubeapi
