package connectivityreceiver

import (
	"time"

	"github.com/periscope-otel/periscope/receiver/connectivityreceiver/internal/metadata"
)

// phase is one timed part of a probe.
type phase int

const (
	phaseDNS phase = iota
	phaseConnect
	phaseTLS
	phaseHTTP
	numPhases
)

var phaseNames = [numPhases]string{"dns", "connect", "tls", "http"}

func (p phase) String() string { return phaseNames[p] }

func (p phase) attribute() metadata.AttributePhase {
	return [numPhases]metadata.AttributePhase{
		metadata.AttributePhaseDNS, metadata.AttributePhaseConnect, metadata.AttributePhaseTLS, metadata.AttributePhaseHTTP,
	}[p]
}

// errorClass says why a probe failed, in words a diagnoser can switch on.
type errorClass string

const (
	classDNSNXDomain         errorClass = "dns_nxdomain"
	classDNS                 errorClass = "dns"
	classTimeout             errorClass = "timeout"
	classConnectionRefused   errorClass = "connection_refused"
	classConnectionReset     errorClass = "connection_reset"
	classConnect             errorClass = "connect"
	classTLSUnknownAuthority errorClass = "tls_unknown_authority"
	classTLSCertificate      errorClass = "tls_certificate"
	classTLSHandshake        errorClass = "tls_handshake"
	classHTTPStatus          errorClass = "http_status"
	classHTTP                errorClass = "http"
	classProxy               errorClass = "proxy"
	classCanceled            errorClass = "canceled"
	classNotConfigured       errorClass = "not_configured"
	classNotProbed           errorClass = "not_probed"
)

// result is what one probe of one target found.
type result struct {
	target *target
	// phases holds the duration of each phase that ran (ran[p]).
	phases [numPhases]time.Duration
	ran    [numPhases]bool
	total  time.Duration
	probed bool // false for not_configured / not_probed

	// class is empty on success.
	class errorClass
	// failedPhase is where the probe stopped (meaningful when class is set).
	failedPhase phase
	err         string

	httpStatus int
	proxy      string   // the proxy used (credentials redacted), if any
	remoteAddr string   // the address connected to (the proxy's, when proxied)
	addrs      []string // addresses a dns probe resolved
}

func (r result) ok() bool { return r.class == "" }

func (r *result) setPhase(p phase, d time.Duration) {
	r.phases[p], r.ran[p] = d, true
}
