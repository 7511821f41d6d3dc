// Package alert tells people when a sync needs them: it judges conditions of syncs, both halves
// alike, and sends one notification per change of state through the channels of internal/notify.
//
// # Channels and rules
//
// A channel is a configured notify channel (Slack, PagerDuty, SMS, email, signed webhook), saved with
// its configuration sealed like every credential. A rule makes one channel hear of some conditions of
// one sync, or of every sync (present and future), with thresholds (Thresholds, Defaults).
//
// # Conditions
//
// Per sync, judged by each rule that watches it:
//
//	failed       the last run failed                                                  critical
//	rejected     the last run rejected ≥ 1% of the records it tried to write          warning
//	             (sent + rejected), ≥ 10%                                             critical
//	blocked      the last run was stopped by its guard (status blocked)               warning
//	slow         a run took, or is taking, more than 3 × the median of the last 10    warning
//	             runs that succeeded before it (at least 3 of them, and a minute more)
//	stale        no successful run for 3 intervals of an enabled, scheduled sync       critical
//	             (since it was created when none ever succeeded; not during a first run)
//	credentials  the store's or the sync's status is needs_attention                  critical
//	webhooks     a marketing sync's store has no webhooks registered although bcsync  warning
//	             has a public URL, or BigCommerce lists some deactivated or missing
//
// Conditions are judged when a run ends (the ledger's Ended hook: RunEnded), every minute for every
// watched sync (Check: stale syncs, slow runs going on, a change a quiet period held back, and any
// run whose end was not judged because its process died), and every 15 minutes for webhooks, which
// are read from BigCommerce (CheckWebhooks).
//
// # Once per change of state
//
// alert_states keeps, per rule, sync and condition, what holds now (no, warning, critical) and what
// the channel was last told. A channel is told when the two differ, at once: an alert, an escalation,
// a recovery notice. A condition that stays as it is sends nothing more. Flapping is folded: a
// condition that comes back within the rule's quiet period (15 minutes by default) of its recovery
// notice is told only when the quiet period has passed, and only if it still holds then. The change of
// what was told and the delivery job are written in one transaction, guarded by a version, so that of
// processes judging a sync at once exactly one notifies.
//
// # Deliveries
//
// Each notification is an alert_deliveries row and a River job in the queue "alert": retried with
// backoff (5 s doubling up to 5 min, 30 attempts, about two hours) when the service may take it later,
// given up at once when it refuses it (notify's permanent errors), and kept across restarts. A
// notification waits for an earlier one of the same condition still in delivery, so a recovery never
// overtakes its alert. One that is finally not delivered is marked failed in the history and logged.
// A process stopping mid-attempt does not count the attempt; the next process makes it again, so a
// notification is delivered at least once (the webhook's X-Bcsync-Delivery id and PagerDuty's
// dedup_key let receivers drop a repeat).
//
// # What the debugger sees
//
// A notification about a sync is sent with apicall.Scope{SyncID: the sync, RunID: 0}: its calls show
// in that sync's API debugger (API slack, pagerduty, twilio, email or webhook), outside any run, as the
// notification comes after the run and may be retried long after it. Reading a store's webhooks is
// recorded the same way. A test notification belongs to no sync: its exchange is kept with it in the
// history (as is every notification's last attempt), redacted by the channel like the debugger's.
package alert
