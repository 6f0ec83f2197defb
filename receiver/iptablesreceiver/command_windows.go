package iptablesreceiver

import (
	"context"
	"errors"
	"time"
)

// runCommand has nothing to run on Windows: captured files (source "file")
// still work.
func runCommand(context.Context, string, []string, time.Duration, int) ([]byte, error) {
	return nil, errors.New("iptables does not exist on Windows (a Windows node's packet rules are HNS/VFP policies)")
}
