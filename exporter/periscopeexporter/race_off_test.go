//go:build !race

package periscopeexporter

const raceEnabled = false
