// Package redact is the project's one policy for hiding credentials in
// text that leaves a component: log lines, errors returned to the
// collector, status.json, the one-shot summary, collected records. Every
// place that hides credentials calls it, so a SAS URL reads the same in an
// exporter error, a delivery-failure summary and a `kubectl describe`
// record.
//
// # What is hidden
//
// A hidden value is replaced by [Marker]; the name around it stays, so a
// reader still sees that a credential was there and of which kind.
//
//   - name=value pairs (URL query parameters, connection-string fields,
//     --flag=value arguments) whose name is a credential name
//     ([SecretName]): the SAS signature sig, the SAS signer identity
//     parameters (skoid, sktid, skt, ske, sks, skv, saoid, suoid, sduoid,
//     scid), and any name ending in key, password, passwd, pwd, secret,
//     token, sig, signature or credential (AccountKey, SharedAccessKey,
//     SharedAccessSignature, client_secret, access_token, --db-password;
//     a sig escaped inside another parameter, %26sig=, too).
//   - The password of a URL's user information (scheme://user:…@host).
//   - JSON members whose name is a credential name ("password": "…").
//   - The credential of an Authorization value or a Bearer/Basic scheme.
//   - JWTs anywhere (service account, OIDC and Entra ID tokens).
//   - PEM private key blocks, whole (to the end of the text when the END
//     line is missing).
//   - Environment variables ([EnvValue]): the whole value when the
//     variable's name contains TOKEN, PASSWORD, PASSWD, SECRET, KEY,
//     CREDENTIAL, CONNECTION_STRING, CONNECTIONSTRING, SAS, PRIVATE or AUTH
//     (any case): an environment value has no structure left to show.
//   - Values a component knows to be secret ([NewKnown]: a configured SAS
//     token's signature, a connection string's account key), wherever and
//     however they appear, raw or URL-escaped.
//
// # What stays, and why
//
// The SAS fields that explain a failure and grant nothing alone stay
// visible: se and st (expiry and start: "the token expired at…"), sp, srt,
// ss, sr (permissions and resource types: "the token cannot create"), sv,
// spr and sip (version, protocol, IP range). So does every other parameter
// (comp, restype, api-version), and names such as SharedAccessKeyName or
// AccountName. Paths to credentials are not credentials: a name ending in
// file, path or name is not a credential name.
//
// Redaction is by shape and name: a credential under a harmless name in an
// unusual form (a config file line "password hunter2") is not recognised,
// which is why components also avoid reading credentials at all (Secret
// data, kubeconfig users). The functions never fail and never panic; text
// without credentials comes back unchanged.
package redact
