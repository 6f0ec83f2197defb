package nodelogs

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binaryLog is a "log" that is not text: NUL bytes, bytes that are not
// UTF-8, the start of an ELF header, an empty line, indentation, trailing
// white space and a CRLF line end among text lines.
const binaryLog = "text line one\n" +
	"nul\x00inside\n" +
	"bad utf8 \xff\xfe here\n" +
	"\n" +
	"\x7fELF\x02\x01\x01\x00\x00\x00\n" +
	"line after binary\n" +
	"    indented  \t\n" +
	"crlf\r\n" +
	"last\n"

// A binary file where a log is expected is collected, not fatal: every
// line arrives once and in order. It is not byte for byte: filelog decodes
// lines as UTF-8 (a byte that is not UTF-8 becomes U+FFFD), drops empty
// lines, ends lines at \r\n too, and with the shipped options trims white
// space at both ends (an indented Python traceback in cloud-init.log loses
// its indentation). The second case is the shipped options plus the two
// preserve_* options, which keep the indentation.
func TestBinaryNodeLogIsCollectedLineByLine(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]any
		want  string
	}{
		{
			name: "shipped options",
			want: "text line one\nnul\x00inside\nbad utf8 \uFFFD\uFFFD here\n\x7fELF\x02\x01\x01\x00\x00\x00\nline after binary\nindented\ncrlf\nlast\n",
		},
		{
			name:  "white space preserved",
			extra: map[string]any{"preserve_leading_whitespaces": true, "preserve_trailing_whitespaces": true},
			want:  "text line one\nnul\x00inside\nbad utf8 \uFFFD\uFFFD here\n\x7fELF\x02\x01\x01\x00\x00\x00\nline after binary\n    indented  \t\ncrlf\nlast\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startPipeline(t, tt.extra)
			require.NoError(t, os.WriteFile(p.logPath(), []byte(binaryLog), 0o644))
			p.waitDelivered(t, 8)
			got, err := os.ReadFile(p.itemPath())
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}
