package kubeapi

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var shared struct {
	mu      sync.Mutex
	inMain  bool
	started bool
	cluster *Cluster
	err     error
}

// Main runs the package's tests and then stops the cluster Shared started,
// if any. Use it from TestMain: os.Exit(kubeapi.Main(m)).
func Main(m *testing.M) int { return Wrap(m).Run() }

// TestingM is what testing.M and goleak.VerifyTestMain have in common.
type TestingM interface{ Run() int }

// Wrap returns m whose Run also stops the cluster Shared started, for
// goleak.VerifyTestMain(kubeapi.Wrap(m)): the servers end before goleak
// looks for goroutines left behind.
func Wrap(m TestingM) TestingM { return wrapped{m} }

type wrapped struct{ m TestingM }

func (w wrapped) Run() int {
	m := w.m
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cluster != nil {
		shared.cluster.Stop()
		shared.cluster = nil
	}
	return code
}

// Shared returns the package's control plane, starting it on first use
// (tests that need none pay nothing). When it cannot start, every caller
// fails with the reason.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.inMain {
		tb.Fatal("kubeapi.Shared needs TestMain to call kubeapi.Main, which stops the servers")
	}
	if !shared.started {
		shared.started = true
		shared.cluster, shared.err = Start(os.Stderr)
	}
	if shared.err != nil {
		tb.Fatalf("Kubernetes API server for tests: %v", shared.err)
	}
	return shared.cluster
}

// String describes the cluster for test logs.
func (c *Cluster) String() string {
	return fmt.Sprintf("kube-apiserver %s at %s (data in %s)", KubeVersion, c.Admin.Host, c.dir)
}
