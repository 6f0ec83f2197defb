package publish

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/periscope-otel/periscope/test/azurite"
)

// server is the Azurite blob service every test of this package uses.
var server *azurite.Server

// TestMain runs one Azurite for the package and stops it by PID at the end.
// An Azurite that cannot be installed or started fails the run loudly.
func TestMain(m *testing.M) {
	var err error
	server, err = azurite.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: the Azure Blob tests need Azurite:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := server.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop azurite:", err)
		code = 1
	}
	// The SDK's shared HTTP transport keeps idle keep-alive connections by
	// design; anything else still running is a leak of this package.
	if err := goleak.Find(
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "goleak:", err)
		code = 1
	}
	os.Exit(code)
}
