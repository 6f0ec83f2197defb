package cri

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"time"
)

// generatedLog is n lines or so of kubelet output, the same for the same
// seed: both streams, times as containerd writes them (RFC 3339, trailing
// zeros dropped), one message in ten split by the runtime into two to four
// parts (at byte boundaries, so sometimes inside a rune). Unless clean, it
// also has the odd line that is not CRI, carries invalid UTF-8, ends in
// CRLF or starts with a space.
func generatedLog(seed uint64, n int, clean bool) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	words := []string{
		"GET", "/healthz", "200", "level=info", `msg="reconciling"`, "pod=coredns-7db6d8ff4d-abcde",
		"héllo", "日本語", "latency=3.2ms", `{"k":"v"}`, "error:", "connection refused", "\t", "",
	}
	var b bytes.Buffer
	t := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for lines := 0; lines < n; {
		t = t.Add(time.Duration(rng.IntN(5_000_000)))
		stream := Stdout
		if rng.IntN(4) == 0 {
			stream = Stderr
		}
		var msg strings.Builder
		for range 3 + rng.IntN(30) {
			msg.WriteString(words[rng.IntN(len(words))])
			msg.WriteByte(' ')
		}
		m := msg.String()
		if !clean && rng.IntN(100) == 0 {
			m = m[:len(m)/2] + "\xff\xe2\x82" + m[len(m)/2:]
		}
		parts := 1
		if rng.IntN(10) == 0 {
			parts = 2 + rng.IntN(3)
		}
		for p := range parts {
			part := m
			if p < parts-1 {
				part, m = m[:len(m)/(parts-p)], m[len(m)/(parts-p):]
			}
			tag := "F"
			if p < parts-1 {
				tag = "P"
			}
			if !clean && rng.IntN(200) == 0 {
				b.WriteString("  ")
			}
			b.WriteString(t.Format(time.RFC3339Nano) + " " + stream + " " + tag + " " + part)
			if !clean && rng.IntN(200) == 0 {
				b.WriteByte('\r')
			}
			b.WriteByte('\n')
			lines++
		}
		if !clean && rng.IntN(100) == 0 {
			b.WriteString("panic: not a CRI line\n")
			lines++
		}
	}
	return b.Bytes()
}

// longLines is lines around size bytes (filelog's max_log_size, and the
// operator's for joined messages): filelog cuts a line at size bytes, and
// the operator ends a joined message once it is longer than size. Unless
// full, only the main cases, to keep files of 1MiB lines small.
func longLines(size int, full bool) []byte {
	const head = "2024-05-01T10:00:00Z stdout F "
	var b bytes.Buffer
	line := func(n int, end string) { // n bytes before end
		b.WriteString(head)
		b.WriteString(strings.Repeat("x", n-len(head)))
		b.WriteString(end)
	}
	// Lines of size-2 to size+2 bytes before "\n", or with "\r" as their
	// last byte before it.
	for d := -2; d <= 2; d++ {
		if full || d == -1 || d == 1 {
			line(size+d, "\n")
		}
		if full || d == 0 {
			line(size+d-1, "\r\n")
		}
	}
	// Cut inside a rune, before spaces (trimmed from the next token), and
	// before a "{" (the next token looks like Docker's format).
	line(size-1, "é and more\n")
	if full {
		line(size, "   after spaces\n")
		line(size, `{"log":"x","stream":"stdout","time":"2024-05-01T10:00:00Z"}`+"\n")
		// A line cut twice.
		line(2*size+size/2, "\n")
	}
	// Messages of parts that grow past size before their "F" line: the
	// operator ends the message there and starts another with the rest.
	for _, parts := range []int{3, 6} {
		if !full && parts == 3 {
			continue
		}
		for p := range parts {
			tag := "P"
			if p == parts-1 {
				tag = "F"
			}
			b.WriteString("2024-05-01T10:00:01Z stderr " + tag + " ")
			b.WriteString(strings.Repeat("y", size/4))
			b.WriteByte('\n')
		}
	}
	// An unterminated last line of more than size bytes.
	line(size+size/2, "")
	return b.Bytes()
}
