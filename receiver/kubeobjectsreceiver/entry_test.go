package kubeobjectsreceiver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/layout"
)

func TestParseEntry(t *testing.T) {
	tests := []struct {
		in      string
		want    entry
		wantErr string
	}{
		{in: "kube-system/pod", want: entry{Namespace: "kube-system", Type: "pod"}},
		{in: "kube-system/pod/coredns-abc", want: entry{Namespace: "kube-system", Type: "pod", Name: "coredns-abc"}},
		{in: "default/deployments.apps/web", want: entry{Namespace: "default", Type: "deployments.apps", Name: "web"}},
		{in: "ns/clusterrole/system:node", want: entry{Namespace: "ns", Type: "clusterrole", Name: "system:node"}},
		{in: "kube-system", wantErr: `entry "kube-system": want namespace/type or namespace/type/name`},
		{in: "a/b/c/d", wantErr: `entry "a/b/c/d": want namespace/type or namespace/type/name`},
		{in: "", wantErr: `entry "": want namespace/type or namespace/type/name`},
		{in: "/pod", wantErr: `entry "/pod": empty namespace`},
		{in: "ns/", wantErr: `entry "ns/": empty type`},
		{in: "ns//name", wantErr: `entry "ns//name": empty type`},
		{in: "ns/pod/", wantErr: `entry "ns/pod/": empty name`},
		{in: "ns/pod/a\tb", wantErr: `entry "ns/pod/a\tb": character '\t' at byte 8`},
		{in: `ns/pod/a\b`, wantErr: `character '\\' at byte 8`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseEntry(tt.in)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String(), "String gives the entry back")
		})
	}
}

func TestItemKeysArePeriscopes(t *testing.T) {
	e := entry{Namespace: "kube-system", Type: "pod"}
	assert.Equal(t, "kube-system_pod_coredns-abc", e.itemKey("coredns-abc"))
	assert.Equal(t, "kube-system_pod", e.errorKey())
	named := entry{Namespace: "kube-system", Type: "svc", Name: "kube-dns"}
	assert.Equal(t, "kube-system_svc_kube-dns", named.errorKey())
}

func Example_listEntries() {
	for _, s := range []string{"kube-system/pod", "kube-system/deploy/coredns", "kube-system/pod/a/b"} {
		e, err := parseEntry(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("namespace=%s type=%s name=%q key=%s\n", e.Namespace, e.Type, e.Name, e.errorKey())
	}
	// Output:
	// namespace=kube-system type=pod name="" key=kube-system_pod
	// namespace=kube-system type=deploy name="coredns" key=kube-system_deploy_coredns
	// entry "kube-system/pod/a/b": want namespace/type or namespace/type/name
}

// Whatever the list holds, an accepted entry gives item keys layout
// accepts, and String round-trips.
func FuzzParseEntry(f *testing.F) {
	for _, s := range []string{"kube-system/pod", "kube-system/pod/coredns-abc", "a/b/c/d", "", "/", "ns/pod/..", "ns/pod/.", "ns/\x00/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseEntry(s)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Fatalf("error %q does not name the entry", err)
			}
			return
		}
		if e.String() != s {
			t.Fatalf("String() = %q, want %q", e.String(), s)
		}
		for _, key := range []string{e.errorKey(), e.itemKey("name")} {
			if err := (layout.Item{RunID: "r", Node: "n", Collector: collectorName, Key: key}).Validate(); err != nil {
				t.Fatalf("entry %q gives unusable key: %v", s, err)
			}
		}
	})
}
