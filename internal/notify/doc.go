// Package notify delivers one notification through one channel: a Slack incoming webhook, a PagerDuty
// Events API v2 integration, an SMS through Twilio, an email over SMTP, or a signed webhook. It decides
// nothing about when to alert (the rules do); it says what it is given, once per Send, and reports how
// the delivery went with a *SendError that tells a retryable failure from a permanent one.
//
// A channel is built from a Config (Type and the fields the CLI's flags and the UI's forms give) with
// Config.Build, or from its own small config with NewSlack, NewPagerDuty, NewSMS, NewEmail or
// NewWebhook. Options carry what the process gives every channel: the observer, a transport, the
// timeout of one Send (10 s by default), TLS roots, and base URLs for tests.
//
// # What each channel sends
//
// Slack: POST to the webhook URL, Content-Type application/json, {"text": fallback, "blocks": [header
// (emoji and Title), section (the summary), section with fields (sync, store, figures; 10 per
// section), section (the detail), context (a link to the run and the time)]}, within Block Kit's
// limits. Slack answers 200 "ok", or a status with an error code as the body ("no_team").
//
// PagerDuty: POST {base}/v2/enqueue, application/json. A triggered or test message is
// {"routing_key", "event_action":"trigger", "dedup_key", "payload": {"summary" (at most 1024 bytes),
// "source" (the store), "severity" (critical, warning or info), "timestamp", "component" (the sync),
// "group" (its kind), "class" (the condition), "custom_details" (state, condition, sync, store,
// figures in order, detail, url)}, "links": [the run], "client":"bcsync", "client_url"}; a resolved one
// is {"routing_key", "event_action":"resolve", "dedup_key"}. A dedup key over 255 bytes is replaced by
// a stable hash of it. PagerDuty answers 202.
//
// SMS: POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic AccountSid:AuthToken,
// form-encoded To, From (or MessagingServiceSid for an MG… sender) and Body = Short(m), at most 160
// characters, typographic punctuation replaced by ASCII (one segment). Twilio answers 201.
//
// Email: one SMTP session: connect (TLS at once for smtps://), EHLO, STARTTLS (required for smtp://
// unless the URL says ?starttls=optional, taken only for loopback), AUTH PLAIN (or LOGIN when that is
// all the server offers), MAIL, RCPT for each recipient, DATA, QUIT. The message has From, To,
// Subject (Title, RFC 2047 when not ASCII), Date, Message-ID, References (shared by the notices of one
// condition, for threading), MIME-Version, Auto-Submitted, and a multipart/alternative body: Text as
// text/plain and an HTML rendering (escaped by html/template), both UTF-8 in quoted-printable.
//
// Webhook: POST to the URL, application/json, the body a WebhookPayload (id, state, condition,
// severity, sync {id, name, kind}, store {name}, title, message, detail, figures [{label, value}],
// url, dedup_key, at), with X-Bcsync-Signature: sha256=<hex HMAC-SHA256 of the exact body with the
// secret>, X-Bcsync-Delivery (the id, the same for every attempt) and X-Bcsync-Event (the state).
// Receivers check it with Verify before parsing. Any 2xx is a delivery.
//
// # Failures
//
// A *SendError is retryable when the same message may pass later: no answer (network error, timeout,
// dropped connection), HTTP 408, 429 (RetryAfter holds the service's Retry-After) and 5xx, SMTP 4xx. It
// is permanent otherwise: any other HTTP 4xx, a redirect (never followed: it could carry the
// notification and its secrets elsewhere), SMTP 5xx (a refused login, sender or recipient), an
// untrusted certificate, a server without STARTTLS where it is required, a message bcsync built wrong.
// Its text is one sentence that names the service, its answer and what to check.
//
// # What the debugger sees
//
// Every HTTP exchange goes through apicall.Transport with API "slack", "pagerduty", "twilio" or
// "webhook", and every SMTP delivery is reported as one apicall.Call (API "email", method "SMTP", URL
// smtp://host:port without credentials, status 250 or the server's reply code, the message as the
// request body). Both are redacted with the channel's secrets (Config.Secrets): the Slack and webhook
// URLs' paths (the host stays visible), the routing key wherever it appears, the auth token, the SMTP
// password, the webhook secret; the Authorization and X-Bcsync-Signature headers by name. Calls carry
// the context given to Send, so an apicall.Scope set by the caller reaches the observer.
package notify
