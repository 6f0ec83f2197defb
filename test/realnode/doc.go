// Package realnode runs a real single-node Kubernetes cluster on this
// machine for end-to-end tests of the DaemonSet: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler (test/kubeapi), a kubelet
// built from the Go module proxy like them (build.sh kubelet, cached under
// ~/.cache/otelcol-periscope/kube-<version>/), and containerd with runc and
// the CNI loopback plugin from Debian (make test-deps). Pods are scheduled,
// started and logged for real; images are built from the binary under
// test without a registry (internal/image) and imported into containerd.
//
// kollect_linux_test.go applies exactly the overlay `az aks kollect`
// writes (Kollect) and checks what the CLI, kanalyze and the VS Code
// extension rely on: delivery to Blob Storage (Azurite on 127.0.0.1), the
// Diagnostic objects, a run-ID patch, a pod restart, the CLI's cleanup; and
// that a second collector runs beside the DaemonSet's pod on the node's
// network.
//
// The test needs root; it is skipped, saying so, otherwise. It changes the
// host, and undoes each change when it ends, by PID and by path:
//
//   - 198.19.255.254/32 on lo: the node's address (the kubelet refuses a
//     loopback one; 198.18.0.0/15 is for benchmarks and never routed).
//     The Service CIDR is 127.99.0.0/24; the test process itself answers
//     on the "kubernetes" Service address 127.99.0.1:443 and forwards to
//     the API server, so no packet filter rule is needed and no address
//     outside this host is used.
//   - / made a shared mount (the DaemonSet's HostToContainer mount needs
//     it; systemd does this on a real node), private again at the end.
//   - the kernel settings the kubelet sets (vm.overcommit_memory,
//     kernel.panic, …), put back.
//   - the cgroup /periscope-realnode in every cgroup v1 hierarchy (the
//     kubelet's --cgroup-root), removed.
//   - /run/containerd (containerd's shim sockets), /var/log/pods and
//     /var/log/containers (the kubelet's logs) and the pods' host paths,
//     which must not exist before: removed.
//   - containerd's and the kubelet's state, in a directory of its own
//     under /tmp; their processes, containerd's shims and the containers
//     are killed by PID before it is removed.
//
// Each change is recorded in ~/.cache/otelcol-periscope/realnode/
// host-changes.json before it is made; a run that was killed (a test
// timeout) is undone by the next one before it starts. One real node runs
// at a time on a machine (a lock file beside it).
package realnode
