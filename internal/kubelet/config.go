package kubelet

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.yaml.in/yaml/v3"
)

// PutConfigNode stores a YAML node of a kubelet config file (a
// KubeletConfiguration) as an attribute value, mappings in file order
// so the record is the same on every run: integers, floats, booleans and
// nulls keep their type, anything else is a string.
func PutConfigNode(v pcommon.Value, n *yaml.Node) {
	switch n.Kind {
	case yaml.AliasNode:
		PutConfigNode(v, n.Alias)
	case yaml.MappingNode:
		m := v.SetEmptyMap()
		for i := 0; i+1 < len(n.Content); i += 2 {
			PutConfigNode(m.PutEmpty(strings.ToValidUTF8(n.Content[i].Value, "\uFFFD")), n.Content[i+1])
		}
	case yaml.SequenceNode:
		s := v.SetEmptySlice()
		for _, item := range n.Content {
			PutConfigNode(s.AppendEmpty(), item)
		}
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int":
			if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
				v.SetInt(i)
				return
			}
		case "!!float":
			if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
				v.SetDouble(f)
				return
			}
		case "!!bool":
			if b, err := strconv.ParseBool(n.Value); err == nil {
				v.SetBool(b)
				return
			}
		case "!!null":
			return
		}
		v.SetStr(strings.ToValidUTF8(n.Value, "\uFFFD"))
	}
}
