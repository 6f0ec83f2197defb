package cmdline_test

import (
	"fmt"

	"github.com/periscope-otel/periscope/internal/cmdline"
)

func Example() {
	// /proc/<pid>/cmdline of a kubelet: arguments end with NUL bytes.
	raw := []byte("/usr/local/bin/kubelet\x00--node-ip=10.224.0.4\x00--max-pods\x0030\x00--fail-swap-on\x00")
	args, _ := cmdline.SplitNUL(raw)
	c := cmdline.Parse(args, func(name string) bool { return name == "fail-swap-on" })
	for _, f := range c.Flags {
		fmt.Printf("%s=%s\n", f.Name, f.Value)
	}
	// Output:
	// node-ip=10.224.0.4
	// max-pods=30
	// fail-swap-on=true
}
