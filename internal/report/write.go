package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed report.html.tmpl
var pageTemplate string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"lower": strings.ToLower,
	"join":  strings.Join,
	"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", f) },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"first": func(n int, s []string) []string {
		if len(s) > n {
			return s[:n]
		}
		return s
	},
	"sub": func(a, b int) int { return a - b },
}).Parse(pageTemplate))

// Write renders the page.
func Write(w io.Writer, p *Page) error {
	return tmpl.Execute(w, p)
}
