package diagnoserprocessor

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// item is one input of a rule test case.
type item struct {
	it   Item
	body string
}

// judgeItems runs a whole run holding items and returns what it emitted.
func judgeItems(t *testing.T, items ...item) *run {
	t.Helper()
	r := startRun(t, &Config{})
	b := newBatch(testRunID, testNode)
	for _, x := range items {
		b.doc(x.it, x.body)
	}
	r.consume(b.ld)
	r.end()
	return r
}

const (
	aksKubelet123 = "/usr/local/bin/kubelet --cluster-dns=10.0.0.10 --max-pods=110 --resolv-conf=/run/systemd/resolve/resolv.conf --kubeconfig=/var/lib/kubelet/kubeconfig\n"
	azureResolv   = "nameserver 168.63.129.16\nsearch abc.bx.internal.cloudapp.net\n"
	stubResolv    = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch abc.bx.internal.cloudapp.net\n"
)

func fixture(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

func TestRules(t *testing.T) {
	kubenetDump := fixture(t, "../../receiver/iptablesreceiver/testdata/fixture-kubenet-aks-iptables-save.txt")
	azurecniDump := fixture(t, "../../receiver/iptablesreceiver/testdata/fixture-azurecni-aks-iptables-save.txt")
	tests := []struct {
		name  string
		code  string
		items []item
		// want is the evidence of the signal; nil: no signal of code.
		want []string
	}{
		{
			name: "custom nameserver", code: "DNS_CUSTOM_NAMESERVER",
			items: []item{{itemVirtualMachine, "# vnet DNS\nnameserver 10.1.0.4\nnameserver 168.63.129.16\n"}, {itemKubeletCmd, aksKubelet123}},
			want:  []string{"dns/virtualmachine line 2: nameserver 10.1.0.4", "kubeletcmd/kubeletcmd: --cluster-dns=10.0.0.10"},
		},
		{
			name: "custom upstream behind the systemd stub", code: "DNS_CUSTOM_NAMESERVER",
			items: []item{{itemVirtualMachine, stubResolv}, {itemKubeletResolv, "nameserver 8.8.8.8\n"}},
			want:  []string{"dns/kubelet-resolv-conf line 1: nameserver 8.8.8.8"},
		},
		{
			name: "cluster DNS and Azure DNS are not custom", code: "DNS_CUSTOM_NAMESERVER",
			items: []item{{itemVirtualMachine, "nameserver 168.63.129.16\nnameserver 10.0.0.10\n"}, {itemKubeletCmd, aksKubelet123}},
		},
		{
			name: "the stub alone is not custom", code: "DNS_CUSTOM_NAMESERVER",
			items: []item{{itemVirtualMachine, stubResolv}},
		},
		{
			name: "seven search domains for pods", code: "DNS_SEARCH_TOO_LONG",
			items: []item{{itemKubeletResolv, "nameserver 168.63.129.16\nsearch a.example b.example c.example d.example\n"}},
			want:  []string{"dns/kubelet-resolv-conf line 2: search a.example b.example c.example d.example"},
		},
		{
			name: "a search line too long for long namespaces", code: "DNS_SEARCH_TOO_LONG",
			items: []item{{itemVirtualMachine, "search " + longDomain(200) + "\n"}},
			want:  []string{"dns/virtualmachine line 1: search " + longDomain(200)},
		},
		{
			name: "AKS's one node domain fits", code: "DNS_SEARCH_TOO_LONG",
			items: []item{{itemKubeletResolv, azureResolv}, {itemKubernetesDNS, "search default.svc.cluster.local svc.cluster.local cluster.local abc.bx.internal.cloudapp.net\noptions ndots:5\n"}},
		},
		{
			name: "ndots 5 with the node's domain", code: "DNS_NDOTS_MULTIPLIES",
			items: []item{{itemKubernetesDNS, "search default.svc.cluster.local svc.cluster.local cluster.local abc.bx.internal.cloudapp.net\nnameserver 10.0.0.10\noptions ndots:5\n"}},
			want:  []string{"dns/kubernetes line 3: options ndots:5", "dns/kubernetes line 1: search default.svc.cluster.local svc.cluster.local cluster.local abc.bx.internal.cloudapp.net"},
		},
		{
			name: "ndots 1 does not multiply", code: "DNS_NDOTS_MULTIPLIES",
			items: []item{{itemKubernetesDNS, "search default.svc.cluster.local\nnameserver 10.0.0.10\noptions ndots:1\n"}},
		},
		{
			name: "kubelet hands pods the stub", code: "KUBELET_RESOLV_CONF_STUB",
			items: []item{{itemKubeletResolv, stubResolv}},
			want:  []string{"dns/kubelet-resolv-conf line 1: nameserver 127.0.0.53"},
		},
		{
			name: "kubelet's --resolv-conf names the stub file", code: "KUBELET_RESOLV_CONF_STUB",
			items: []item{{itemKubeletCmd, "/usr/bin/kubelet --resolv-conf=/run/systemd/resolve/stub-resolv.conf\n"}},
			want:  []string{"kubeletcmd/kubeletcmd: --resolv-conf=/run/systemd/resolve/stub-resolv.conf"},
		},
		{
			name: "kubelet on the upstream file", code: "KUBELET_RESOLV_CONF_STUB",
			items: []item{{itemKubeletResolv, azureResolv}, {itemKubeletCmd, aksKubelet123}},
		},
		{
			name: "DNS dropped on OUTPUT", code: "IPTABLES_DROPS_CLUSTER_TRAFFIC",
			items: []item{{itemIptablesSave, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 168.63.129.16/32 -p udp -m udp --dport 53 -j DROP\nCOMMIT\n"}},
			want:  []string{"iptables/iptables-save line 5: -A OUTPUT -d 168.63.129.16/32 -p udp -m udp --dport 53 -j DROP"},
		},
		{
			name: "INPUT policy DROP without the kubelet port", code: "IPTABLES_DROPS_CLUSTER_TRAFFIC",
			items: []item{{itemIptablesSave, "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"}},
			want:  []string{"iptables/iptables-save line 2: :INPUT DROP (the chain's policy)"},
		},
		{
			name: "INPUT policy DROP with the kubelet port open", code: "IPTABLES_DROPS_CLUSTER_TRAFFIC",
			items: []item{{itemIptablesSave, "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m multiport --dports 22,10250 -j ACCEPT\nCOMMIT\n"}},
		},
		{
			name: "a drop for an address set may not apply", code: "IPTABLES_DROPS_CLUSTER_TRAFFIC",
			items: []item{{itemIptablesSave, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m set --match-set blocked dst -p udp --dport 53 -j DROP\nCOMMIT\n"}},
		},
		{name: "AKS kubenet rules", code: "IPTABLES_DROPS_CLUSTER_TRAFFIC", items: []item{{itemIptablesSave, kubenetDump}}},
		{name: "AKS Azure CNI rules with network policy", code: "IPTABLES_DROPS_CLUSTER_TRAFFIC", items: []item{{itemIptablesSave, azurecniDump}}},
		{
			name: "removed flags", code: "KUBELET_REMOVED_FLAG",
			items: []item{{itemKubeletCmd, "/usr/local/bin/kubelet --network-plugin=kubenet --max-pods=110 --experimental-mounter-path=/x\n"}},
			want: []string{
				"kubeletcmd/kubeletcmd: --network-plugin=kubenet (refused from 1.24; instead: CNI is configured in the container runtime (containerd's cni section))",
				"kubeletcmd/kubeletcmd: --experimental-mounter-path=/x (refused from a later release (experimental flags carry no compatibility promise); instead: the stable flag or config field that replaced it)",
			},
		},
		{
			name: "no removed flags", code: "KUBELET_REMOVED_FLAG",
			items: []item{{itemKubeletCmd, aksKubelet123}},
		},
		{
			name: "deprecated flags", code: "KUBELET_DEPRECATED_FLAG",
			items: []item{{itemKubeletCmd, aksKubelet123}},
			want: []string{
				"kubeletcmd/kubeletcmd: --cluster-dns=10.0.0.10 (config field clusterDNS)",
				"kubeletcmd/kubeletcmd: --max-pods=110 (config field maxPods)",
				"kubeletcmd/kubeletcmd: --resolv-conf=/run/systemd/resolve/resolv.conf (config field resolvConf)",
			},
		},
		{
			name: "a flag given twice", code: "KUBELET_CONFLICTING_FLAGS",
			items: []item{{itemKubeletCmd, "/usr/bin/kubelet --max-pods=110 --node-labels=a=b --node-labels=c=d --max-pods=250\n"}},
			want:  []string{`kubeletcmd/kubeletcmd: --max-pods given 2 times: --max-pods=110 --max-pods=250 (the kubelet uses "250")`},
		},
		{
			name: "a repeated flag with one value, and list flags, do not conflict", code: "KUBELET_CONFLICTING_FLAGS",
			items: []item{{itemKubeletCmd, "/usr/bin/kubelet --v=2 --v=2 --register-with-taints=a=b:NoSchedule --register-with-taints=c=d:NoSchedule\n"}},
		},
		{
			name: "a pod CIDR too small for max pods", code: "KUBELET_MAX_PODS_EXCEEDS_POD_CIDR",
			items: []item{{itemKubeletCmd, "/usr/bin/kubelet --network-plugin=kubenet --pod-cidr=10.244.3.0/25 --max-pods=250\n"}},
			want:  []string{"kubeletcmd/kubeletcmd: --max-pods=250", "kubeletcmd/kubeletcmd: --pod-cidr=10.244.3.0/25"},
		},
		{
			name: "the default max pods on a /24", code: "KUBELET_MAX_PODS_EXCEEDS_POD_CIDR",
			items: []item{{itemKubeletCmd, "/usr/bin/kubelet --pod-cidr=10.244.3.0/24\n"}},
		},
		{
			name: "the default max pods on a /26", code: "KUBELET_MAX_PODS_EXCEEDS_POD_CIDR",
			items: []item{{itemKubeletCmd, "/usr/bin/kubelet --pod-cidr=10.244.3.0/26\n"}},
			want:  []string{"kubeletcmd/kubeletcmd: no --max-pods or maxPods: the kubelet's default 110", "kubeletcmd/kubeletcmd: --pod-cidr=10.244.3.0/26"},
		},
		{
			name: "no pod CIDR known", code: "KUBELET_MAX_PODS_EXCEEDS_POD_CIDR",
			items: []item{{itemKubeletCmd, "/usr/bin/kubelet --max-pods=250\n"}},
		},
		{
			name: "a kubelet configured by file", code: "KUBELET_DEPRECATED_FLAG",
			items: []item{{itemKubeletCmd, "/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf\n"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := judgeItems(t, tt.items...)
			s := r.signal(tt.code)
			if tt.want == nil {
				assert.Nil(t, s, "no %s expected; got %+v", tt.code, s)
				return
			}
			require.NotNil(t, s, "%s expected; emitted %v", tt.code, r.codes())
			assert.Equal(t, tt.want, s.Evidence)
			assert.NotEmpty(t, s.Summary)
			assert.NotEmpty(t, s.Explanation)
			assert.NotEmpty(t, s.NextStep)
			assert.Contains(t, s.Body, s.Severity+" "+tt.code+": "+s.Summary+" — "+tt.want[0])
		})
	}
}

func longDomain(n int) string {
	b := make([]byte, 0, n)
	for len(b) < n-len(".example") {
		b = append(b, 'a')
	}
	return string(b) + ".example"
}

// POD_PENDING names tainted or cordoned nodes only when a scheduler
// message blames taints or cordons: "Insufficient memory" on a cluster
// with a tainted node does not point at that node.
func TestPodPendingNamesNodesOnlyForWhatTheSchedulerBlamed(t *testing.T) {
	tainted := &nodeFacts{
		item: Item{kubeObjectsCollector, "kube-system_nodes_n1"}, name: "n1",
		taints:     []string{"node.kubernetes.io/unreachable:NoSchedule"},
		conditions: []condition{{Type: "Ready", Status: "Unknown"}},
	}
	cordoned := &nodeFacts{item: Item{kubeObjectsCollector, "kube-system_nodes_n2"}, name: "n2", unschedulable: true,
		conditions: []condition{{Type: "Ready", Status: "True"}}}
	pending := func(message string) *podFacts {
		return &podFacts{
			item: Item{kubeObjectsCollector, "shop_pod_p"}, namespace: "shop", name: "p", phase: "Pending",
			conditions: []condition{{Type: "PodScheduled", Status: "False", Reason: "Unschedulable"}},
			events:     []event{{Type: "Warning", Reason: "FailedScheduling", Message: message, Count: 1}},
		}
	}
	evidence := func(message string) []string {
		res := podPending{}.Judge(&Inputs{pods: []*podFacts{pending(message)}, nodes: []*nodeFacts{tainted, cordoned}})
		require.Len(t, res.Signals, 1)
		var out []string
		for _, e := range res.Signals[0].Evidence {
			out = append(out, e.String())
		}
		return out
	}
	memory := evidence("0/2 nodes are available: 2 Insufficient memory.")
	assert.Len(t, memory, 1, "only the pod's message: %v", memory)
	taints := evidence("0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 Insufficient memory.")
	assert.Contains(t, taints, "kubeobjects/kube-system_nodes_n1: taints node.kubernetes.io/unreachable:NoSchedule (Ready=Unknown)")
	assert.Len(t, taints, 2, "the cordoned node is not blamed: %v", taints)
	both := evidence("0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable.")
	assert.Contains(t, both, "kubeobjects/kube-system_nodes_n2: cordoned (unschedulable)")
	assert.Len(t, both, 3)
}
