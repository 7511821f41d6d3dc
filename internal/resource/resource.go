// Package resource defines bcsync's resources as JSON shows them: in the /api/v1 API and in the CLI's
// --json output, which are the same. Each type is built from the state store's records, holds no
// secret, and is documented in docs/api.md.
package resource
