package kubeapi

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// controlLoopPrograms are what StartControlLoops runs; build.sh builds them
// in the same wrapper module as the API server.
var controlLoopPrograms = []string{"kube-controller-manager", "kube-scheduler"}

// NodeMonitorGracePeriod is how long the controller-manager of
// StartControlLoops waits for a node's heartbeat before it marks the node
// Ready=Unknown ("Kubelet stopped posting node status.") and taints it
// unreachable: seconds instead of a real cluster's 50 s, so a test sees a
// node go NotReady without waiting.
const NodeMonitorGracePeriod = 5 * time.Second

// ControlLoopBinaries returns the cached kube-controller-manager and
// kube-scheduler, running `build.sh kube-controller-manager kube-scheduler`
// first when one is missing (a few minutes when the API server's build
// cache is warm).
func ControlLoopBinaries(progress io.Writer) (controllerManager, scheduler string, err error) {
	paths, err := kubePrograms(progress, controlLoopPrograms...)
	if err != nil {
		return "", "", err
	}
	return paths[0], paths[1], nil
}

// StartControlLoops runs kube-controller-manager and kube-scheduler against
// the cluster (admin credentials, no leader election, no serving port), so
// objects behave as on a real cluster: a Deployment makes a ReplicaSet and
// Pods with their events, the scheduler binds Pods or records
// FailedScheduling, a Node that stops its heartbeat goes Ready=Unknown
// after NodeMonitorGracePeriod, namespaces get their "default"
// ServiceAccount. Use it on a cluster of its own (Start), not the package's
// Shared one, whose tests expect nothing to change their objects. It
// returns once the controller-manager is working (a new namespace got its
// ServiceAccount); both stop, by PID, with the cluster. Calling it again
// does nothing.
func (c *Cluster) StartControlLoops(progress io.Writer) error {
	c.loopsMu.Lock()
	defer c.loopsMu.Unlock()
	if len(c.controlLoops) > 0 {
		return nil
	}
	cm, sched, err := ControlLoopBinaries(progress)
	if err != nil {
		return err
	}
	caFile := filepath.Join(c.dir, "ca.crt")
	if err := os.WriteFile(caFile, c.keys.CAPEM, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", caFile, err)
	}
	manager, err := startProcess(c.dir, "kube-controller-manager", cm,
		"--kubeconfig="+c.AdminKubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--use-service-account-credentials=false",
		"--service-account-private-key-file="+c.keys.SAKey,
		"--root-ca-file="+caFile,
		"--node-monitor-period=1s",
		"--node-monitor-grace-period="+NodeMonitorGracePeriod.String(),
	)
	if err != nil {
		return err
	}
	c.controlLoops = append(c.controlLoops, manager)
	scheduler, err := startProcess(c.dir, "kube-scheduler", sched,
		"--kubeconfig="+c.AdminKubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
	)
	if err != nil {
		c.stopLoops()
		return err
	}
	c.controlLoops = append(c.controlLoops, scheduler)
	if err := waitFor(manager, c.serviceAccountControllerWorks); err != nil {
		c.stopLoops()
		return err
	}
	if scheduler.exited() {
		err := fmt.Errorf("kube-scheduler exited (%v); its log ends:\n%s", scheduler.err, scheduler.logTail(30))
		c.stopLoops()
		return err
	}
	return nil
}

// serviceAccountControllerWorks creates a namespace and reports whether the
// controller-manager has given it its "default" ServiceAccount.
func (c *Cluster) serviceAccountControllerWorks() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const probe = "kubeapi-control-loops-probe"
	_, err := c.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: probe}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return false
	}
	_, err = c.client.CoreV1().ServiceAccounts(probe).Get(ctx, "default", metav1.GetOptions{})
	return err == nil
}

func (c *Cluster) stopControlLoops() {
	c.loopsMu.Lock()
	defer c.loopsMu.Unlock()
	c.stopLoops()
}

// stopLoops stops the control loops; the caller holds c.loopsMu.
func (c *Cluster) stopLoops() {
	for _, p := range c.controlLoops {
		p.stop(10 * time.Second)
	}
	c.controlLoops = nil
}
