// Package workloads_test runs the collector binary against a control plane
// whose controllers and scheduler are real (test/kubeapi with
// StartControlLoops): a Deployment makes its ReplicaSet and Pods, the
// scheduler records why it cannot place them, the node lifecycle controller
// marks a silent node NotReady. kube_objects describes what they made as
// kubectl does, and the diagnoser reports it with their own words.
package workloads_test

import (
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/collectorbin"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

var cluster struct {
	once sync.Once
	c    *kubeapi.Cluster
	err  error
}

// TestMain stops, by PID, the control plane the tests started.
func TestMain(m *testing.M) {
	code := m.Run()
	if cluster.c != nil {
		cluster.c.Stop()
	}
	os.Exit(code)
}

// controlPlane is this package's own cluster with its control loops: they
// change objects, so it is never the Shared one other packages use.
func controlPlane(t *testing.T) *kubeapi.Cluster {
	t.Helper()
	cluster.once.Do(func() {
		cluster.c, cluster.err = kubeapi.Start(os.Stderr)
		if cluster.err == nil {
			cluster.err = cluster.c.StartControlLoops(os.Stderr)
		}
	})
	require.NoError(t, cluster.err, "control plane with kube-controller-manager and kube-scheduler")
	return cluster.c
}

// collectorBinary returns the distribution binary (test/collectorbin).
func collectorBinary(t *testing.T) string { return collectorbin.Path(t) }
