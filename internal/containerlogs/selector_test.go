package containerlogs

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		entry   string
		want    Selector
		pattern string
		err     string
	}{
		{entry: "kube-system", want: Selector{Namespace: "kube-system"},
			pattern: "/hostroot/var/log/pods/kube-system_*/*/*.log"},
		{entry: "kube-system/tunnelfront", want: Selector{Namespace: "kube-system", ContainerPrefix: "tunnelfront"},
			pattern: "/hostroot/var/log/pods/kube-system_*/tunnelfront*/*.log"},
		{entry: "a/b/c/d", err: `container logs entry "a/b/c/d": want namespace or namespace/container-prefix, got 4 parts`},
		{entry: "Kube-System", err: `namespace "Kube-System" is not a Kubernetes namespace name`},
		{entry: "kube-system/", err: `container logs entry "kube-system/": empty container prefix`},
		{entry: "kube-system/core*", err: `container prefix "core*": '*' cannot be in a container name`},
		{entry: "kube-system/../etc", err: `container logs entry "kube-system/../etc": want namespace or namespace/container-prefix, got 3 parts`},
		{entry: "kube_system", err: `namespace "kube_system" is not a Kubernetes namespace name`},
		{entry: "", err: `namespace "" is not a Kubernetes namespace name`},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			got, err := Parse(tt.entry)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.entry, got.String())
			assert.Equal(t, tt.pattern, got.Pattern("/hostroot"))
		})
	}
}

func TestPatternOnTheHostItself(t *testing.T) {
	s := Selector{Namespace: "default"}
	assert.Equal(t, "/var/log/pods/default_*/*/*.log", s.Pattern(""))
	assert.Equal(t, "/var/log/pods/default_*/*/*.log", s.Pattern("/"))
}

// The pattern selects exactly the selected namespace's files in a fixture
// node tree, never a namespace that only starts the same way.
func TestPatternMatchesFixtureTree(t *testing.T) {
	root := "testdata/noderoot"
	glob := func(entry string) []string {
		s, err := Parse(entry)
		require.NoError(t, err)
		m, err := filepath.Glob(s.Pattern(root))
		require.NoError(t, err)
		for i := range m {
			m[i], _ = filepath.Rel(filepath.Join(root, PodsDirectory), m[i])
		}
		return m
	}
	assert.Equal(t, []string{
		"kube-system_coredns-7d5f8_5b0e0f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b/coredns/0.log",
		"kube-system_coredns-7d5f8_5b0e0f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b/coredns/1.log",
		"kube-system_konnectivity-agent-x2x_9f8e7d6c-5b4a-4321-8fed-cba987654321/konnectivity-agent/0.log",
	}, glob("kube-system"))
	assert.Equal(t, []string{
		"kube-system_konnectivity-agent-x2x_9f8e7d6c-5b4a-4321-8fed-cba987654321/konnectivity-agent/0.log",
	}, glob("kube-system/konn"))
	assert.Equal(t, []string{
		"kube-system-extra_tool-1_0a1b2c3d-0000-4000-8000-000000000001/tool/0.log",
	}, glob("kube-system-extra"))
	assert.Empty(t, glob("kube"))
}

func TestParseList(t *testing.T) {
	sels, errs := ParseList([]string{"kube-system", "a/b/c", "default/web kube-system", "Bad"})
	assert.Equal(t, []Selector{{Namespace: "kube-system"}, {Namespace: "default", ContainerPrefix: "web"}}, sels)
	require.Len(t, errs, 2)
	assert.ErrorContains(t, errs[0], `"a/b/c"`)
	assert.ErrorContains(t, errs[1], `"Bad"`)
}

func TestItemKey(t *testing.T) {
	k, err := ItemKey("/hostroot/var/log/pods/kube-system_coredns-7d5f8_5b0e0f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b/coredns/1.log")
	require.NoError(t, err)
	assert.Equal(t, "kube-system_coredns-7d5f8_coredns_1.log", k)
	_, err = ItemKey("/var/log/cloud-init.log")
	assert.ErrorContains(t, err, "/var/log/cloud-init.log is not a kubelet pod log path")
}
