package connectivityreceiver

import (
	"errors"
	"syscall"
)

// Winsock's codes: syscall.ECONNREFUSED on Windows is an invented value
// that the network stack never returns.
const (
	wsaECONNRESET   syscall.Errno = 10054
	wsaECONNREFUSED syscall.Errno = 10061
)

func isRefused(err error) bool { return errors.Is(err, wsaECONNREFUSED) }

func isReset(err error) bool { return errors.Is(err, wsaECONNRESET) }
