package layout

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestItemKeyFromPath(t *testing.T) {
	tests := []struct{ path, root, want string }{
		{"/var/log/cloud-init.log", "", "var_log_cloud-init.log"},
		{"/var/log/azure/cluster-provision.log", "/", "var_log_azure_cluster-provision.log"},
		{"/hostroot/var/log/cloud-init.log", "/hostroot", "var_log_cloud-init.log"},
		{"/hostroot/var/log/cloud-init.log", "/hostroot/", "var_log_cloud-init.log"},
		{"/hostrootx/var/log/a.log", "/hostroot", "hostrootx_var_log_a.log"},
		{`C:\AzureData\CustomDataSetupScript.log`, "", "C_AzureData_CustomDataSetupScript.log"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ItemKeyFromPath(tt.path, tt.root), tt.path)
	}
}

func TestItemValidate(t *testing.T) {
	assert.NoError(t, Item{RunID: "r", Node: "n", Collector: "c", Key: "var_log_a.log"}.Validate())
	err := Item{RunID: "", Node: "a/b", Collector: "..", Key: "x\x01"}.Validate()
	assert.ErrorContains(t, err, "periscope.run.id is empty")
	assert.ErrorContains(t, err, `k8s.node.name "a/b" contains a path separator`)
	assert.ErrorContains(t, err, `periscope.collector ".." is not a usable name`)
	assert.ErrorContains(t, err, "contains a control character")
}

func TestSafeKey(t *testing.T) {
	assert.Equal(t, "kube-system_pod_coredns-1", SafeKey("kube-system_pod_coredns-1", "x"), "a good key is kept")
	assert.Equal(t, "a_b_c", SafeKey("a/b\\c", "x"))
	assert.Equal(t, "x_", SafeKey("x\n", "x"))
	assert.Equal(t, "invalid-entry", SafeKey("..", "invalid-entry"))
	assert.Equal(t, "invalid-entry", SafeKey("", "invalid-entry"))
}
