package redact_test

import (
	"fmt"

	"github.com/periscope-otel/periscope/internal/redact"
)

func ExampleURL() {
	fmt.Println(redact.URL("https://acct.blob.core.windows.net/c?sv=2025-01-05&se=2026-11-29T00%3A00%3A00Z&sp=rw&sig=Zm9vYmFy"))
	// Output: https://acct.blob.core.windows.net/c?sv=2025-01-05&se=2026-11-29T00%3A00%3A00Z&sp=rw&sig=REDACTED
}

func ExampleText() {
	fmt.Println(redact.Text("upload failed: AccountName=acct;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net"))
	// Output: upload failed: AccountName=acct;AccountKey=REDACTED;EndpointSuffix=core.windows.net
}

func ExampleEnvValue() {
	fmt.Println(redact.EnvValue("DB_PASSWORD", "hunter2"))
	fmt.Println(redact.EnvValue("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token"))
	// Output:
	// REDACTED
	// /var/run/secrets/azure/tokens/azure-identity-token
}
