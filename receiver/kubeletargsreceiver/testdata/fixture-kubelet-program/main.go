// A stand-in for the kubelet, built by the /proc test: it ignores its
// arguments and waits until its standard input closes, so the test has a
// real process with a kubelet-like command line to find.
package main

import (
	"io"
	"os"
)

func main() { _, _ = io.Copy(io.Discard, os.Stdin) }
