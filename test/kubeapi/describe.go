package kubeapi

import "regexp"

// Event ages are kubectl's human durations ("5s", "87d (x7 over 87d)"),
// which change between two describes of the same object; so does the
// column padding around them.
var (
	eventAges    = regexp.MustCompile(`\b\d+(s|m|h|d|y)(\d+(s|m|h|d))?\b`)
	padding      = regexp.MustCompile(` {2,}`)
	eventsTables = regexp.MustCompile(`(?s)\nEvents:\n.*?(\n\n\n|$)`) // one describe's is last; a multi-object describe separates them by blank lines
)

// MaskEventAges masks the ages, and collapses the padding, in the Events
// tables of `kubectl describe` text, so two describes of the same object
// compare equal; nothing outside those tables is touched.
func MaskEventAges(s string) string {
	return eventsTables.ReplaceAllStringFunc(s, func(ev string) string {
		return padding.ReplaceAllString(eventAges.ReplaceAllString(ev, "<age>"), "  ")
	})
}
