package diagnoserprocessor

import (
	"encoding/json"
	"strconv"
	"strings"
)

// networkConfigKey is Periscope's item of its networkconfig diagnoser; az
// aks kanalyze reads the same JSON from the Diagnostic resource.
const networkConfigKey = "networkconfig"

// networkConfigDoc keeps Periscope's keys and shape.
type networkConfigDoc struct {
	HostName          string   `json:"HostName"`
	NetworkPlugin     string   `json:"NetworkPlugin"`
	VirtualMachineDNS []string `json:"VirtualMachineDNS"`
	KubernetesDNS     []string `json:"KubernetesDNS"`
	MaxPodsPerNode    int      `json:"MaxPodsPerNode"`
}

// networkConfig writes Periscope's networkconfig document. It emits no
// signal and has no needs: Periscope wrote the document with whatever it
// had, and so does this.
type networkConfig struct{}

func (networkConfig) Spec() Spec {
	return Spec{
		Name: "networkconfig",
		Uses: []Item{itemVirtualMachine, itemKubernetesDNS, itemKubeletCmd, itemKubeletConfig},
	}
}

// kubeletDefaultMaxPods is the kubelet's default for --max-pods.
const kubeletDefaultMaxPods = 110

// aksNetworkPluginLabel is the node label AKS sets from 1.24 on, when the
// kubelet no longer has --network-plugin.
const aksNetworkPluginLabel = "kubernetes.azure.com/network-plugin="

func (networkConfig) Judge(in *Inputs) Result {
	doc := networkConfigDoc{HostName: in.Node, VirtualMachineDNS: []string{}, KubernetesDNS: []string{}}
	if r := in.Resolv(itemVirtualMachine); r != nil {
		doc.VirtualMachineDNS = append(doc.VirtualMachineDNS, r.Nameservers...)
	}
	if r := in.Resolv(itemKubernetesDNS); r != nil {
		doc.KubernetesDNS = append(doc.KubernetesDNS, r.Nameservers...)
	}
	if cmd := in.Get(itemKubeletCmd); cmd != nil {
		doc.NetworkPlugin = networkPlugin(in)
		doc.MaxPodsPerNode = kubeletDefaultMaxPods
	}
	if v, _, ok := in.Setting("max-pods", "maxPods"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			doc.MaxPodsPerNode = n
		}
	}
	body, _ := json.Marshal(doc) // strings and ints only: cannot fail
	return Result{Documents: []Document{{Key: networkConfigKey, Body: body}}}
}

// networkPlugin is --network-plugin as Periscope reported it (cni means
// Azure CNI on AKS), else AKS's node label (azure, kubenet, none).
func networkPlugin(in *Inputs) string {
	cmd := in.Get(itemKubeletCmd)
	if v, ok := cmd.Flags.Lookup("network-plugin"); ok {
		if v == "cni" {
			return "azurecni"
		}
		return v
	}
	labels, _ := cmd.Flags.Lookup("node-labels")
	for _, l := range strings.Split(labels, ",") {
		if v, ok := strings.CutPrefix(l, aksNetworkPluginLabel); ok {
			if v == "azure" {
				return "azurecni"
			}
			return v
		}
	}
	return ""
}
