// A stand-in for the node's iptables-save, built by the chroot test into a
// fixture root: it prints a one-table dump naming what it saw, so the test
// can tell it ran inside the root (it reads the root's /etc/node-marker) with
// the name it was called by.
package main

import (
	"fmt"
	"os"
)

func main() {
	marker, err := os.ReadFile("/etc/node-marker")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	wd, _ := os.Getwd()
	fmt.Printf("# argv0=%s wd=%s marker=%s\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n", os.Args[0], wd, marker)
}
