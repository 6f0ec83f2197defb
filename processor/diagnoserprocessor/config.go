package diagnoserprocessor

import (
	"errors"
	"fmt"
	"slices"
)

// Config selects which diagnostic codes are reported.
type Config struct {
	// DisabledCodes are codes never reported (their rules still run, so
	// the networkconfig document and the other codes are unchanged).
	DisabledCodes []string `mapstructure:"disabled_codes"`
}

// Validate names every code that no rule of this processor emits.
func (c *Config) Validate() error {
	known := knownCodes()
	var errs []error
	for i, code := range c.DisabledCodes {
		if !slices.Contains(known, code) {
			errs = append(errs, fmt.Errorf("disabled_codes[%d]: unknown code %q (known: %v)", i, code, known))
		}
	}
	return errors.Join(errs...)
}

func (c *Config) disabled(code string) bool { return slices.Contains(c.DisabledCodes, code) }
