// Package azureblob tests the periscope exporter's Azure Blob backend as the
// collector runs it (factory, exporterhelper, start, records, shutdown)
// against Azurite, a real Blob service on 127.0.0.1.
package azureblob

import (
	"fmt"
	"os"
	"testing"

	"github.com/periscope-otel/periscope/test/azurite"
)

var server *azurite.Server

// TestMain runs one Azurite for the package and stops it by PID at the end;
// an Azurite that cannot be installed or started fails the run loudly.
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
	os.Exit(code)
}
