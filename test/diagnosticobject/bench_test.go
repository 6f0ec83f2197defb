package diagnosticobject_test

import (
	"context"
	"fmt"
	"testing"
)

// What the Diagnostic object adds to a node run (local backend, real API
// server on loopback): a run writing its object twice (Collecting, then
// Completed) against the same run with the object off.
func BenchmarkNodeRun(b *testing.B) {
	_, kubeconfig := periscopeCluster(b)
	for _, withObject := range []bool{false, true} {
		b.Run(fmt.Sprintf("object=%v", withObject), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				cfg := exporterConfig(b, kubeconfig)
				*cfg.DiagnosticObject.Enabled = withObject
				r := startRun(b, cfg, nodeRun(fmt.Sprintf("r%d", i), "node-bench", true))
				if err := r.exporter.Shutdown(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
