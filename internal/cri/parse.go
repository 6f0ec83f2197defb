package cri

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// The streams a CRI log line can name.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// ErrSyntax is wrapped by the error Parse returns for a line that is not in
// CRI format.
var ErrSyntax = errors.New("not a CRI log line")

// Line is one CRI log line split into its fields. Its byte slices alias the
// line given to Parse.
type Line struct {
	// Time is TimeText parsed: RFC 3339 ending in "Z" (containerd), or with a
	// numeric offset and no "Z" (CRI-O), as the contrib operator parses them.
	Time     time.Time
	TimeText []byte
	// Stream is Stdout or Stderr.
	Stream string
	// Tag is "F" for the last (or only) line of a message and "P" for a part
	// the runtime split; as for contrib, any tag but "F" continues a message.
	Tag     []byte
	Message []byte
}

// Partial reports whether the message goes on in the next line of the file.
func (l Line) Partial() bool {
	return !isFinal(l.Tag)
}

// Parse splits one line of a CRI log file, without its line ending, into its
// fields: "<time> <stream> <tag> <message>". It accepts exactly the lines the
// contrib container operator accepts in CRI format: the time is everything up
// to the first space, the message everything after the space that follows
// the tag (a line may end right after the tag, with or without that space).
//
// A line that is not in that format returns an error wrapping ErrSyntax. A
// line in that format whose time does not parse returns its other fields
// with an error wrapping the *time.ParseError.
func Parse(line []byte) (Line, error) {
	var l Line
	crio, reason := splitFields(line, &l)
	if reason == "" && bytes.IndexByte(l.Message, '\n') >= 0 {
		// The operator's regular expression ends in ".*$", and "." does not
		// match a newline; the Reader never sees one inside a line.
		reason = "newline in the message"
	}
	if reason != "" {
		return Line{}, fmt.Errorf("%w: %s", ErrSyntax, reason)
	}
	t, err := parseTime(l.TimeText, crio)
	if err != nil {
		return l, fmt.Errorf("time of CRI log line: %w", err)
	}
	l.Time = t
	return l, nil
}

// splitFields fills l with the fields of line, except Time. It is the contrib
// operator's two regular expressions written out:
//
//	crio:       ^(?P<time>[^ Z]+) (?P<stream>stdout|stderr) (?P<logtag>[^ ]*) ?(?P<log>.*)$
//	containerd: ^(?P<time>[^ ^Z]+Z) (?P<stream>stdout|stderr) (?P<logtag>[^ ]*) ?(?P<log>.*)$
//
// crio reports which one matched (the times they accept are disjoint: with
// or without a "Z"); reason is non-empty when neither does.
func splitFields(line []byte, l *Line) (crio bool, reason string) {
	sp := bytes.IndexByte(line, ' ')
	switch {
	case sp < 0:
		return false, "no space after the time"
	case sp == 0:
		return false, "empty time"
	}
	t := line[:sp]
	if z := bytes.IndexByte(t, 'Z'); z < 0 {
		crio = true
	} else if z != len(t)-1 || z == 0 {
		return false, "time has a Z before its end"
	} else if bytes.IndexByte(t, '^') >= 0 {
		return false, "time has a ^"
	}
	rest := line[sp+1:]
	if len(rest) < len(Stdout)+1 || rest[len(Stdout)] != ' ' {
		return false, "no stdout or stderr stream after the time"
	}
	switch string(rest[:len(Stdout)]) {
	case Stdout:
		l.Stream = Stdout
	case Stderr:
		l.Stream = Stderr
	default:
		return false, "no stdout or stderr stream after the time"
	}
	rest = rest[len(Stdout)+1:]
	if i := bytes.IndexByte(rest, ' '); i >= 0 {
		l.Tag, l.Message = rest[:i], rest[i+1:]
	} else {
		l.Tag, l.Message = rest, rest[len(rest):]
	}
	l.TimeText = t
	return crio, ""
}

func isFinal(tag []byte) bool {
	return len(tag) == 1 && tag[0] == 'F'
}

// The contrib operator's time layouts: containerd's in UTC, CRI-O's in the
// local zone (its times carry their offset, so the zone only names them).
const (
	containerdLayout = "2006-01-02T15:04:05.999Z"
	crioLayout       = "2006-01-02T15:04:05.999999999Z07:00"
)

func parseTime(text []byte, crio bool) (time.Time, error) {
	if crio {
		return parseLayout(crioLayout, string(text), time.Local)
	}
	if t, ok := parseZulu(text); ok {
		return t, nil
	}
	return parseLayout(containerdLayout, string(text), time.UTC)
}

// parseLayout is the operator's timeutils.ParseGotime: time.ParseInLocation,
// then a year 0 replaced by a recent one. (ParseGotime also re-parses a time
// whose zone abbreviation the layout read; these layouts read none, so that
// never changes the instant.)
func parseLayout(layout, value string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(layout, value, loc)
	if err != nil {
		return time.Time{}, err
	}
	if t.Year() > 0 {
		return t, nil
	}
	// timeutils.SetTimestampYear: this year, or last year when that would
	// put the time more than a week ahead.
	now := time.Now()
	d := time.Date(now.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	if d.After(now.AddDate(0, 0, 7)) {
		d = d.AddDate(-1, 0, 0)
	}
	return d, nil
}

// parseZulu parses the time containerd writes, "2006-01-02T15:04:05Z" with
// any number of fractional digits, without time.Parse's generality. It gives
// up (ok false) on anything else, including on times time.Parse rejects or
// treats specially (year 0), so the caller can fall back to containerdLayout
// and get the same time or error.
func parseZulu(b []byte) (t time.Time, ok bool) {
	if len(b) < len("2006-01-02T15:04:05Z") || b[4] != '-' || b[7] != '-' || b[10] != 'T' ||
		b[13] != ':' || b[16] != ':' || b[len(b)-1] != 'Z' {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := b[19 : len(b)-1]; len(frac) > 0 {
		if len(frac) < 2 || frac[0] != '.' {
			return time.Time{}, false
		}
		n := 0
		for _, c := range frac[1:] {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			// Like time.Parse, keep nine digits and drop the rest.
			if n < 9 {
				nsec = nsec*10 + int(c-'0')
				n++
			}
		}
		for ; n < 9; n++ {
			nsec *= 10
		}
	}
	s := daysSinceEpoch(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	return time.Unix(s, int64(nsec)).UTC(), true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch is the number of days from 1970-01-01 to the given date of
// the proleptic Gregorian calendar, year >= 1 (Howard Hinnant's
// days_from_civil).
func daysSinceEpoch(year, month, day int) int64 {
	if month <= 2 {
		year--
	}
	era := year / 400
	yoe := year - era*400
	mp := (month + 9) % 12
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
