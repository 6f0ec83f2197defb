package diagnoserprocessor

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRulesDocMatchesTheTable keeps RULES.md and the rule table in step:
// every code emitted is documented, every documented code is emitted.
func TestRulesDocMatchesTheTable(t *testing.T) {
	doc, err := os.ReadFile("RULES.md")
	require.NoError(t, err)
	var documented []string
	for _, m := range regexp.MustCompile(`(?m)^### ([A-Z0-9_]+)\s*$`).FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	assert.ElementsMatch(t, knownCodes(), documented)
}

func TestDeprecatedFlagCountInRulesDoc(t *testing.T) {
	doc, err := os.ReadFile("RULES.md")
	require.NoError(t, err)
	assert.Contains(t, string(doc), "(34 in the\n  table", "RULES.md states the table's size")
	assert.Len(t, deprecatedFlags, 34)
}

// TestEveryRuleNamesOnlyDecodedItems: an item a rule waits for must be one
// the processor decodes, or the rule would wait for the run's end always.
func TestEveryRuleNamesOnlyDecodedItems(t *testing.T) {
	for _, s := range specs {
		for _, it := range s.items() {
			_, ok := decoders[it]
			ok = ok || it == itemConnectivityProbes || it == itemKubePods || it == itemKubeNodes || it == itemBudgets
			assert.True(t, ok, "%s reads %s, which has no decoder", s.Name, it)
		}
	}
}
