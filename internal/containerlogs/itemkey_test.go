package containerlogs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestItemKeyOfRotations(t *testing.T) {
	pod := "/hostroot/var/log/pods/kube-system_coredns-7d5f8-abcde_5b0e0f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b/coredns/"
	for file, want := range map[string]string{
		"0.log":                    "kube-system_coredns-7d5f8-abcde_coredns_0.log",
		"12.log":                   "kube-system_coredns-7d5f8-abcde_coredns_12.log",
		"0.log.20261204-101010":    "kube-system_coredns-7d5f8-abcde_coredns_0.log.20261204-101010",
		"0.log.20261204-101010.gz": "kube-system_coredns-7d5f8-abcde_coredns_0.log.20261204-101010",
	} {
		got, err := ItemKey(pod + file)
		assert.NoError(t, err, file)
		assert.Equal(t, want, got, file)
	}
	for _, bad := range []string{"0.log.gz", "0.log.20261204-101010.gz.tmp", "x.log", "0.log.2026"} {
		_, err := ItemKey(pod + bad)
		assert.ErrorContains(t, err, "is not a kubelet pod log path", bad)
	}
}

func TestParseLogName(t *testing.T) {
	f, ok := ParseLogName("3.log")
	assert.True(t, ok)
	assert.Equal(t, LogFile{Name: "3.log", Restart: 3}, f)
	assert.True(t, f.Current())
	f, ok = ParseLogName("0.log.20261204-101010.gz")
	assert.True(t, ok)
	assert.Equal(t, LogFile{Name: "0.log.20261204-101010.gz", Stamp: "20261204-101010", Gzip: true}, f)
	assert.False(t, f.Current())
	for _, bad := range []string{"0.log.gz", "0.log.20261204-101010.gz.tmp", "log", "0.log.tmp", "-1.log", "99999999999999999999.log"} {
		_, ok := ParseLogName(bad)
		assert.False(t, ok, bad)
	}
}

// FuzzParseLogName: a name the kubelet's pattern accepts gives an item key
// that is one path segment, holds the restart and stamp, and ends as the
// name does but for ".gz".
func FuzzParseLogName(f *testing.F) {
	for _, s := range []string{"0.log", "1.log.20261204-101010", "1.log.20261204-101010.gz", "0.log.gz", "a/b", "0.log\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		lf, ok := ParseLogName(name)
		if !ok {
			return
		}
		if strings.ContainsAny(name, "/\\\x00\n") {
			t.Fatalf("%q accepted", name)
		}
		key, err := ItemKey("/var/log/pods/ns_pod_uid/c/" + name)
		if err != nil {
			t.Fatalf("%q accepted by ParseLogName, refused by ItemKey: %v", name, err)
		}
		if want := "ns_pod_c_" + strings.TrimSuffix(name, ".gz"); key != want {
			t.Fatalf("key %q, want %q", key, want)
		}
		if lf.Gzip != strings.HasSuffix(name, ".gz") || lf.Current() != !strings.Contains(name, ".log.") {
			t.Fatalf("%q parsed as %+v", name, lf)
		}
	})
}
