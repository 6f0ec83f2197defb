// Package distributions holds the collector configs shipped with
// otelcol-periscope; the local default is embedded in the binary.
package distributions

import _ "embed"

// Local is distributions/local/config.yaml: collect this host once into
// ./periscope-output. It is what otelcol-periscope runs without --config.
//
//go:embed local/config.yaml
var Local string
