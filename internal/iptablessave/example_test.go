package iptablessave_test

import (
	"fmt"

	"github.com/periscope-otel/periscope/internal/iptablessave"
)

// Finding the rules that drop DNS traffic, as a diagnoser would.
func Example() {
	dump := []byte(`*filter
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A OUTPUT -p udp -m udp --dport 53 -m comment --comment "block dns" -j DROP
-A OUTPUT -p tcp -m tcp --dport 443 -j ACCEPT
COMMIT
`)
	d, err := iptablessave.Parse(dump)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range d.Tables {
		for _, r := range t.Rules {
			if port, _, _ := r.Match("--dport"); port == "53" && (r.Target == "DROP" || r.Target == "REJECT") {
				fmt.Printf("%s line %d, chain %s: %s\n", t.Name, r.Line, r.Chain, r.Raw)
			}
		}
	}
	// Output: filter line 4, chain OUTPUT: -A OUTPUT -p udp -m udp --dport 53 -m comment --comment "block dns" -j DROP
}
