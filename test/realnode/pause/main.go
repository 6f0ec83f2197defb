// Command pause is the real node's pod sandbox program (containerd's
// sandbox_image, built by the test into a registry-less image): it holds
// the pod's namespaces and waits until it is told to stop.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
