// Package resolvconf parses resolv.conf(5) as the glibc stub resolver reads it.
//
// Hand-written on purpose: the parsers that ship (miekg/dns ClientConfig,
// Go's internal one) drop what they do not understand, and a troubleshooting
// tool needs exactly that: which line was ignored and why, so a diagnosis can
// quote it. Parse never fails on odd content; it reports Problems and keeps
// going, as the resolver itself does.
package resolvconf

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// MaxNameservers is glibc's MAXNS: later nameserver lines are ignored.
const MaxNameservers = 3

// Resolver defaults, used when no option sets them.
const (
	DefaultNdots    = 1
	DefaultTimeout  = 5
	DefaultAttempts = 2
)

// Caps glibc applies to numeric options.
const (
	maxNdots    = 15
	maxTimeout  = 30
	maxAttempts = 5
)

// ErrBinary is returned for content that is not a text file.
var ErrBinary = errors.New("not a text file (contains NUL bytes)")

// Config is what a resolver would use, plus what it silently skipped.
type Config struct {
	// Nameservers in file order, every valid one (the resolver uses the first MaxNameservers).
	Nameservers []string
	// Search is the effective search list: the last search or domain line wins.
	Search []string
	// Domain is the local domain of a domain line, when that line won.
	Domain string
	// Options are the option words as written (ndots:5, rotate…).
	Options []string
	// Sortlist entries as written.
	Sortlist []string
	// Ndots, Timeout and Attempts are the effective values after caps.
	Ndots, Timeout, Attempts int
	// Problems are lines the resolver ignores or reads differently than written.
	Problems []Problem
}

// Problem is one line that does not mean what it seems to.
type Problem struct {
	Line int    // 1-based line number
	Msg  string // what is wrong with it
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// Parse reads resolv.conf content. It fails only on binary content.
func Parse(data []byte) (*Config, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, ErrBinary
	}
	c := &Config{Ndots: DefaultNdots, Timeout: DefaultTimeout, Attempts: DefaultAttempts}
	searchLine := 0
	for i, line := range strings.Split(string(data), "\n") {
		c.parseLine(i+1, line, &searchLine)
	}
	return c, nil
}

func (c *Config) parseLine(n int, line string, searchLine *int) {
	line = strings.TrimSuffix(line, "\r")
	fields := strings.Fields(line)
	if len(fields) == 0 || fields[0][0] == '#' || fields[0][0] == ';' {
		return
	}
	keyword, args := fields[0], fields[1:]
	switch keyword {
	case "nameserver":
		c.parseNameserver(n, args)
	case "domain", "search":
		if len(args) == 0 {
			c.problem(n, "%s without a value is ignored", keyword)
			return
		}
		if *searchLine != 0 {
			c.problem(n, "%s overrides the search list of line %d (the last search or domain line wins)", keyword, *searchLine)
		}
		*searchLine = n
		c.Domain = ""
		if keyword == "domain" {
			c.Domain = args[0]
			c.Search = []string{args[0]}
			if len(args) > 1 {
				c.problem(n, "domain takes one name; %q ignored", strings.Join(args[1:], " "))
			}
			return
		}
		c.Search = append([]string(nil), args...)
	case "options":
		for _, opt := range args {
			c.parseOption(n, opt)
		}
	case "sortlist":
		c.Sortlist = append(c.Sortlist, args...)
	default:
		c.problem(n, "unknown keyword %q is ignored", keyword)
	}
}

func (c *Config) parseNameserver(n int, args []string) {
	if len(args) == 0 {
		c.problem(n, "nameserver without an address is ignored")
		return
	}
	addr := args[0]
	if _, err := netip.ParseAddr(addr); err != nil {
		c.problem(n, "nameserver %q is not an IP address and is ignored", addr)
		return
	}
	if len(c.Nameservers) >= MaxNameservers {
		c.problem(n, "nameserver %s is ignored: the resolver uses only the first %d", addr, MaxNameservers)
	}
	c.Nameservers = append(c.Nameservers, addr)
	if len(args) > 1 {
		c.problem(n, "nameserver takes one address; %q ignored", strings.Join(args[1:], " "))
	}
}

// numericOptions are the options that take a value, with their glibc caps.
var numericOptions = map[string]struct {
	max int
	set func(*Config, int)
}{
	"ndots":    {maxNdots, func(c *Config, v int) { c.Ndots = v }},
	"timeout":  {maxTimeout, func(c *Config, v int) { c.Timeout = v }},
	"attempts": {maxAttempts, func(c *Config, v int) { c.Attempts = v }},
}

// flagOptions are the value-less options glibc understands.
var flagOptions = map[string]bool{
	"debug": true, "rotate": true, "no-check-names": true, "inet6": true,
	"ip6-bytestring": true, "ip6-dotint": true, "no-ip6-dotint": true,
	"edns0": true, "single-request": true, "single-request-reopen": true,
	"no-tld-query": true, "use-vc": true, "no-reload": true, "trust-ad": true,
	"no-aaaa": true,
}

func (c *Config) parseOption(n int, opt string) {
	c.Options = append(c.Options, opt)
	name, value, hasValue := strings.Cut(opt, ":")
	if spec, ok := numericOptions[name]; ok {
		v, err := strconv.Atoi(value)
		switch {
		case !hasValue || err != nil || v < 0:
			c.problem(n, "option %q needs a non-negative number and is ignored", opt)
		case v > spec.max:
			c.problem(n, "option %q is capped at %d by the resolver", opt, spec.max)
			spec.set(c, spec.max)
		default:
			spec.set(c, v)
		}
		return
	}
	if !flagOptions[name] || hasValue {
		c.problem(n, "unknown option %q is ignored", opt)
	}
}

func (c *Config) problem(line int, format string, args ...any) {
	c.Problems = append(c.Problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}
