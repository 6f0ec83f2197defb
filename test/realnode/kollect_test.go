package realnode

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContainerNameIsTheCLIs(t *testing.T) {
	for _, tc := range []struct{ fqdn, private, want string }{
		{"myakscluster-myrg-0123ab-4f2c1a7b.hcp.westeurope.azmk8s.io", "", "myakscluster-myrg-0123ab-4f2c1a7b"},
		{"", "myaks-rg-0123ab-9a8b7c6d.a1b2c3d4-e5f6.privatelink.westeurope.azmk8s.io", "myaks-rg-0123ab-9a8b7c6d-a1b2c3d4-e5f6-privatelink-westeurope-a"},
		{"a.b.hcp.c", "", "a-b"},
		{"x-.hcp.y", "", "x"},
		{"nohcp", "", "nohc"},
	} {
		assert.Equal(t, tc.want, ContainerName(tc.fqdn, tc.private), "%s %s", tc.fqdn, tc.private)
	}
}

func TestRunIDIsTheCLIs(t *testing.T) {
	assert.Equal(t, "2026-12-04T09-05-07Z", RunID(time.Date(2026, 12, 4, 10, 5, 7, 0, time.FixedZone("CET", 3600))))
}

// The overlay is the CLI's template text for text, paths relative to the
// overlay's folder.
func TestKustomizationIsTheCLIs(t *testing.T) {
	logs := "kube-system kube-system/coredns"
	k := Kollect{
		Deployment: "/src/periscope/deployment", Registry: "mcr.microsoft.com", ImageVersion: "0.0.13",
		StorageAccount: "acct", ContainerName: "cluster-dns-1", SASToken: "?sv=2026&sig=x", RunID: "2026-12-04T09-05-07Z",
		ContainerLogs: &logs,
	}
	got, err := k.Kustomization("/tmp/kollect-1")
	require.NoError(t, err)
	assert.Equal(t, `
resources:
- ../../src/periscope/deployment/base

components:
- ../../src/periscope/deployment/components/win-hpc

namespace: aks-periscope

images:
- name: periscope-linux
  newName: mcr.microsoft.com/aks/periscope
  newTag: 0.0.13
- name: periscope-windows
  newName: mcr.microsoft.com/aks/periscope-win
  newTag: 0.0.13

configMapGenerator:
- name: diagnostic-config
  behavior: merge
  literals:
  - DIAGNOSTIC_RUN_ID="2026-12-04T09-05-07Z"
  - DIAGNOSTIC_CONTAINERLOGS_LIST="kube-system kube-system/coredns"

secretGenerator:
- name: azureblob-secret
  behavior: replace
  literals:
  - AZURE_BLOB_ACCOUNT_NAME=acct
  - AZURE_BLOB_SAS_KEY=?sv=2026&sig=x
  - AZURE_BLOB_CONTAINER_NAME=cluster-dns-1
`, got)
}

// win-hpc is left out only when a Windows pool runs a Kubernetes older
// than 1.23; the CLI then writes an empty components list.
func TestKustomizationWinHPC(t *testing.T) {
	for _, tc := range []struct {
		versions []string
		want     bool
	}{
		{nil, true},
		{[]string{"1.23.0", "1.30.4"}, true},
		{[]string{"1.22.11", "1.30.4"}, false},
	} {
		k := Kollect{Deployment: "/d", RunID: "r", WindowsVersions: tc.versions}
		got, err := k.Kustomization("/o")
		require.NoError(t, err)
		if tc.want {
			assert.Contains(t, got, "components:\n- ../d/components/win-hpc\n\n", tc.versions)
		} else {
			assert.Contains(t, got, "components:\n\n\nnamespace:", tc.versions)
		}
	}
}
