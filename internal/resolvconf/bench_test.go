package resolvconf

import "testing"

func BenchmarkParsePodResolvConf(b *testing.B) {
	data := []byte("search kube-system.svc.cluster.local svc.cluster.local cluster.local abc.bx.internal.cloudapp.net\nnameserver 10.0.0.10\noptions ndots:5\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
