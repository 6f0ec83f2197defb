package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitList(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "/var/log/azure/cluster-provision.log /var/log/cloud-init.log", want: []string{"/var/log/azure/cluster-provision.log", "/var/log/cloud-init.log"}},
		// A kustomize literal keeps the quotes of the README's example.
		{in: `"/var/log/azure-vnet.log /var/log/azure-vnet-ipam.log"`, want: []string{"/var/log/azure-vnet.log /var/log/azure-vnet-ipam.log"}},
		{in: "  kube-system \t\n mynamespace1/mypod1   ", want: []string{"kube-system", "mynamespace1/mypod1"}},
		{in: `C:\AzureData\CustomDataSetupScript.log "C:\Program Files\x.log" 'C:\k\kubelet.err.log'`, want: []string{`C:\AzureData\CustomDataSetupScript.log`, `C:\Program Files\x.log`, `C:\k\kubelet.err.log`}},
		{in: "a b a", want: []string{"a", "b"}},
		{in: `""`, want: nil},
		{in: "", want: nil},
		// A stray quote stays in its entry (which a receiver then names as
		// malformed); the other entries are kept.
		{in: `"/var/log/a.log`, want: []string{`"/var/log/a.log`}, wantErr: `unbalanced " quote`},
		{in: `kube-system/pod de"fault/service x`, want: []string{"kube-system/pod", `de"fault/service`, "x"}, wantErr: `unbalanced " quote`},
		{in: `a 'b c`, want: []string{"a", "'b", "c"}, wantErr: `unbalanced ' quote in "a 'b c" (kept as part of the entry)`},
	}
	for _, tt := range tests {
		got, err := SplitList(tt.in)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, tt.in)
			assert.Equal(t, tt.want, got, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

// Periscope's README quotes the whole node log list; as a kustomize literal
// the quotes arrive in the value. SplitPaths still finds both paths, and a
// quoted Windows path with a space stays whole.
func TestSplitPathsReadsTheReadmeExample(t *testing.T) {
	got, err := SplitPaths(`"/var/log/azure/cluster-provision.log /var/log/cloud-init.log"`)
	require.NoError(t, err)
	assert.Equal(t, []string{"/var/log/azure/cluster-provision.log", "/var/log/cloud-init.log"}, got)

	got, err = SplitPaths(`"C:\Program Files\x.log" C:\AzureData\y.log`)
	require.NoError(t, err)
	assert.Equal(t, []string{`C:\Program Files\x.log`, `C:\AzureData\y.log`}, got)
}

func FuzzSplitList(f *testing.F) {
	f.Add(`"/var/log/a.log" b 'c d' C:\x\y.log`)
	f.Fuzz(func(t *testing.T, s string) {
		items, _ := SplitList(s) // items come back with an unbalanced-quote error too
		seen := map[string]bool{}
		for _, it := range items {
			if it == "" || seen[it] {
				t.Fatalf("empty or repeated item %q in %q", it, items)
			}
			seen[it] = true
			if !strings.ContainsAny(s, "\"'") && strings.ContainsFunc(it, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }) {
				t.Fatalf("unquoted input gave an item with white space: %q", it)
			}
		}
	})
}

func TestLookup(t *testing.T) {
	configDir, secretDir := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(configDir, KubeObjectsList), []byte("ns1/pod\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(secretDir, "AZURE_BLOB_SAS_KEY"), []byte("?sv=x&sig=y"), 0o644))
	env := map[string]string{ContainerLogsList: "from-env"}
	s := Source{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, ConfigDir: configDir, SecretDir: secretDir}

	v, origin, err := s.LookupOrDefault(ContainerLogsList)
	require.NoError(t, err)
	assert.Equal(t, "from-env", v)
	assert.Equal(t, "$"+ContainerLogsList, origin)

	v, origin, err = s.LookupOrDefault(KubeObjectsList)
	require.NoError(t, err)
	assert.Equal(t, "ns1/pod", v, "the file's trailing newline is not part of the value")
	assert.Equal(t, filepath.Join(configDir, KubeObjectsList), origin)

	v, origin, err = s.LookupOrDefault(NodeLogsLinux)
	require.NoError(t, err)
	assert.Equal(t, Defaults[NodeLogsLinux], v)
	assert.Equal(t, "the default", origin)

	v, _, found, err := s.LookupSecret("AZURE_BLOB_SAS_KEY")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "?sv=x&sig=y", v)

	_, _, found, err = s.Lookup("AZURE_BLOB_SAS_KEY")
	require.NoError(t, err)
	assert.False(t, found, "secrets are not read from the ConfigMap folder")
}
