//go:build race

package periscopeexporter

// raceEnabled: the race detector slows copying and compressing 1 GiB about
// tenfold; make unit runs the bounded-memory test again without it.
const raceEnabled = true
