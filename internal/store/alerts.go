package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AlertChannel is where alerts go: a Slack webhook, a PagerDuty integration, a phone, mailboxes or a
// webhook of the operator's. Config is its whole configuration as JSON, plaintext in memory and sealed
// in the database (most of it is secret: URLs with tokens, keys, passwords); Target says where it goes
// without any secret, for lists.
type AlertChannel struct {
	ID        int64
	Name      string
	Type      string
	Config    string
	Target    string
	CreatedAt time.Time
}

// CreateAlertChannel saves a channel and sets its ID; ErrExists when the name is taken.
func (s *Store) CreateAlertChannel(ctx context.Context, c *AlertChannel) error {
	c.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM alert_channels WHERE name = $1`, c.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrExists
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO alert_channels (name, type, config, target, created_at) VALUES ($1, $2, '', $3, $4) RETURNING id`,
			c.Name, c.Type, c.Target, ms(c.CreatedAt)).Scan(&c.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE alert_channels SET config = $2 WHERE id = $1`, c.ID, s.box.Seal(c.Config, ctxAlertChannel(c.ID)))
		return err
	})
	if errors.Is(err, ErrExists) {
		return fmt.Errorf("alert channel %q: %w", c.Name, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("store: create alert channel: %w", err)
	}
	return nil
}

const alertChannelColumns = `id, name, type, config, target, created_at`

func (s *Store) scanAlertChannel(row rowScanner) (*AlertChannel, error) {
	var c AlertChannel
	var sealed string
	var created int64
	if err := row.Scan(&c.ID, &c.Name, &c.Type, &sealed, &c.Target, &created); err != nil {
		return nil, err
	}
	c.CreatedAt = fromMS(created)
	var err error
	if c.Config, err = s.box.Open(sealed, ctxAlertChannel(c.ID)); err != nil {
		return nil, fmt.Errorf("alert channel %d configuration: %w", c.ID, err)
	}
	return &c, nil
}

// AlertChannel returns one channel with its configuration, or ErrNotFound.
func (s *Store) AlertChannel(ctx context.Context, id int64) (*AlertChannel, error) {
	c, err := s.scanAlertChannel(s.db.QueryRowContext(ctx, `SELECT `+alertChannelColumns+` FROM alert_channels WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("alert channel %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: alert channel %d: %w", id, err)
	}
	return c, nil
}

// AlertChannels returns every channel, oldest first.
func (s *Store) AlertChannels(ctx context.Context) ([]*AlertChannel, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertChannelColumns+` FROM alert_channels ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: alert channels: %w", err)
	}
	defer rows.Close()
	var out []*AlertChannel
	for rows.Next() {
		c, err := s.scanAlertChannel(rows)
		if err != nil {
			return nil, fmt.Errorf("store: alert channels: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteAlertChannel deletes a channel with its rules; its history stays.
func (s *Store) DeleteAlertChannel(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM alert_channels WHERE id = $1`, id)
	return affectedOne(res, err, "delete", "alert channel", id)
}

// AlertRule makes a channel hear of conditions of one sync, or of every sync (SyncID 0), with the
// thresholds they are judged by.
type AlertRule struct {
	ID               int64
	ChannelID        int64
	SyncID           int64 // 0: every sync
	Conditions       []string
	RejectedWarning  float64 // shares of records, 0–1
	RejectedCritical float64
	SlowFactor       float64 // times the median duration
	StaleIntervals   float64 // intervals without a successful run
	Quiet            time.Duration
	CreatedAt        time.Time
}

const alertRuleColumns = `id, channel_id, sync_id, conditions, rejected_warning, rejected_critical, slow_factor, stale_intervals, quiet_ms, created_at`

// CreateAlertRule saves a rule and sets its ID; ErrNotFound when its channel or sync does not exist.
func (s *Store) CreateAlertRule(ctx context.Context, r *AlertRule) error {
	r.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM alert_channels WHERE id = $1`, r.ChannelID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("alert channel %d: %w", r.ChannelID, ErrNotFound)
		}
		if r.SyncID != 0 {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM syncs WHERE id = $1`, r.SyncID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("sync %d: %w", r.SyncID, ErrNotFound)
			}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO alert_rules (channel_id, sync_id, conditions, rejected_warning, rejected_critical,
			slow_factor, stale_intervals, quiet_ms, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			r.ChannelID, nullID(r.SyncID), strings.Join(r.Conditions, ","), r.RejectedWarning, r.RejectedCritical,
			r.SlowFactor, r.StaleIntervals, r.Quiet.Milliseconds(), ms(r.CreatedAt)).Scan(&r.ID)
	})
	if errors.Is(err, ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("store: create alert rule: %w", err)
	}
	return nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// AlertRules returns every rule, oldest first.
func (s *Store) AlertRules(ctx context.Context) ([]*AlertRule, error) {
	return s.queryAlertRules(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules ORDER BY id`)
}

// AlertRulesFor returns the rules that cover a sync: its own and those of every sync.
func (s *Store) AlertRulesFor(ctx context.Context, syncID int64) ([]*AlertRule, error) {
	return s.queryAlertRules(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules WHERE sync_id = $1 OR sync_id IS NULL ORDER BY id`, syncID)
}

// AlertRule returns one rule, or ErrNotFound.
func (s *Store) AlertRule(ctx context.Context, id int64) (*AlertRule, error) {
	rules, err := s.queryAlertRules(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("alert rule %d: %w", id, ErrNotFound)
	}
	return rules[0], nil
}

func (s *Store) queryAlertRules(ctx context.Context, q string, args ...any) ([]*AlertRule, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: alert rules: %w", err)
	}
	defer rows.Close()
	var out []*AlertRule
	for rows.Next() {
		var r AlertRule
		var syncID sql.NullInt64
		var conditions string
		var quiet, created int64
		if err := rows.Scan(&r.ID, &r.ChannelID, &syncID, &conditions, &r.RejectedWarning, &r.RejectedCritical, &r.SlowFactor,
			&r.StaleIntervals, &quiet, &created); err != nil {
			return nil, fmt.Errorf("store: alert rules: %w", err)
		}
		r.SyncID, r.Quiet, r.CreatedAt = syncID.Int64, time.Duration(quiet)*time.Millisecond, fromMS(created)
		if conditions != "" {
			r.Conditions = strings.Split(conditions, ",")
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// DeleteAlertRule deletes a rule with its states: nothing more is sent for it, not even a recovery.
func (s *Store) DeleteAlertRule(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM alert_rules WHERE id = $1`, id)
	return affectedOne(res, err, "delete", "alert rule", id)
}

// AlertState is one condition of one sync as one rule sees it: what is true now (Severity, "" when the
// condition does not hold) and what the rule's channel was last told (NotifiedSeverity, "" for nothing
// or a recovery). Version moves with each notification.
type AlertState struct {
	RuleID           int64
	SyncID           int64
	Condition        string
	Severity         string
	Since            time.Time
	Message          string // JSON of the notification that says the current state
	NotifiedSeverity string
	NotifiedAt       time.Time
	Version          int64
}

const alertStateColumns = `rule_id, sync_id, condition, severity, since, message, notified_severity, notified_at, version`

func scanAlertState(row rowScanner) (AlertState, error) {
	var st AlertState
	var since, notified int64
	err := row.Scan(&st.RuleID, &st.SyncID, &st.Condition, &st.Severity, &since, &st.Message, &st.NotifiedSeverity, &notified, &st.Version)
	st.Since, st.NotifiedAt = fromMS(since), fromMS(notified)
	return st, err
}

func (s *Store) queryAlertStates(ctx context.Context, q string, args ...any) ([]AlertState, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: alert states: %w", err)
	}
	defer rows.Close()
	var out []AlertState
	for rows.Next() {
		st, err := scanAlertState(rows)
		if err != nil {
			return nil, fmt.Errorf("store: alert states: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// AlertStates returns the states of a sync's conditions, under every rule that covers it.
func (s *Store) AlertStates(ctx context.Context, syncID int64) ([]AlertState, error) {
	return s.queryAlertStates(ctx, `SELECT `+alertStateColumns+` FROM alert_states WHERE sync_id = $1 ORDER BY rule_id, condition`, syncID)
}

// ActiveAlerts returns the states whose condition holds now, of every sync.
func (s *Store) ActiveAlerts(ctx context.Context) ([]AlertState, error) {
	return s.queryAlertStates(ctx, `SELECT `+alertStateColumns+` FROM alert_states WHERE severity <> '' ORDER BY sync_id, condition, rule_id`)
}

// SaveAlertState records what is true now of a condition (Severity, Since, Message), creating its
// state when it has none; what was notified is left as it is.
func (s *Store) SaveAlertState(ctx context.Context, st AlertState) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO alert_states (rule_id, sync_id, condition, severity, since, message) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (rule_id, sync_id, condition) DO UPDATE SET severity = excluded.severity, since = excluded.since, message = excluded.message`,
		st.RuleID, st.SyncID, st.Condition, st.Severity, ms(st.Since), st.Message)
	if err != nil {
		return fmt.Errorf("store: save alert state: %w", err)
	}
	return nil
}

// AlertDelivery is one notification to one channel: an alert, a recovery or a test, with how its
// delivery went.
type AlertDelivery struct {
	ID          int64
	ChannelID   int64 // 0 once the channel was removed
	ChannelName string
	ChannelType string
	RuleID      int64 // 0: a test
	SyncID      int64 // 0: a test
	State       string
	Condition   string
	Severity    string
	Message     string // JSON of what is said, exactly as each attempt sends it
	Status      DeliveryStatus
	Attempts    int
	Error       string // the last attempt's failure
	LastCall    string // JSON of the last attempt's exchange, redacted
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SentAt      time.Time
}

// DeliveryStatus is where a notification is.
type DeliveryStatus string

const (
	DeliveryQueued   DeliveryStatus = "queued"
	DeliveryRetrying DeliveryStatus = "retrying" // an attempt failed; another follows
	DeliverySent     DeliveryStatus = "sent"
	DeliveryFailed   DeliveryStatus = "failed" // given up: a permanent refusal, or every attempt failed
)

// NotifyAlert records that st's rule tells its channel that the condition is now severity ("" for a
// recovery), at at, and queues the notification d: the state changes, d is saved and enqueue (which
// queues its delivery job, given d's id) runs, all in one transaction. It does so only when st is
// still at st.Version, and reports false otherwise: another process told the channel meanwhile.
// enqueue must use only tx.
func (s *Store) NotifyAlert(ctx context.Context, st AlertState, severity string, at time.Time, d *AlertDelivery,
	enqueue func(ctx context.Context, tx *sql.Tx, deliveryID int64) error) (bool, error) {
	won := false
	now := s.now().UTC().Truncate(time.Millisecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alert_states SET notified_severity = $4, notified_at = $5, version = version + 1
			WHERE rule_id = $1 AND sync_id = $2 AND condition = $3 AND version = $6`,
			st.RuleID, st.SyncID, st.Condition, severity, ms(at), st.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		d.CreatedAt, d.UpdatedAt = now, now
		if d.Status == "" {
			d.Status = DeliveryQueued
		}
		if err := insertAlertDelivery(ctx, tx, d); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, d.ID); err != nil {
			return err
		}
		won = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: notify alert: %w", err)
	}
	return won, nil
}

func insertAlertDelivery(ctx context.Context, tx *sql.Tx, d *AlertDelivery) error {
	return tx.QueryRowContext(ctx, `INSERT INTO alert_deliveries (channel_id, channel_name, channel_type, rule_id, sync_id, state, condition,
		severity, message, status, attempts, error, last_call, created_at, updated_at, sent_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		nullID(d.ChannelID), d.ChannelName, d.ChannelType, d.RuleID, nullID(d.SyncID), d.State, d.Condition, d.Severity, d.Message,
		string(d.Status), d.Attempts, d.Error, d.LastCall, ms(d.CreatedAt), ms(d.UpdatedAt), ms(d.SentAt)).Scan(&d.ID)
}

// AddAlertDelivery saves a notification that needs no state change (a test) and sets its ID.
func (s *Store) AddAlertDelivery(ctx context.Context, d *AlertDelivery) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	d.CreatedAt, d.UpdatedAt = now, now
	if d.Status == "" {
		d.Status = DeliveryQueued
	}
	if err := s.inTx(ctx, func(tx *sql.Tx) error { return insertAlertDelivery(ctx, tx, d) }); err != nil {
		return fmt.Errorf("store: add alert delivery: %w", err)
	}
	return nil
}

// UpdateAlertDelivery saves how a notification's delivery went: its status, attempts, error, last
// exchange and when it was sent.
func (s *Store) UpdateAlertDelivery(ctx context.Context, d *AlertDelivery) error {
	d.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	res, err := s.db.ExecContext(ctx, `UPDATE alert_deliveries SET status = $2, attempts = $3, error = $4, last_call = $5, updated_at = $6, sent_at = $7
		WHERE id = $1`, d.ID, string(d.Status), d.Attempts, d.Error, d.LastCall, ms(d.UpdatedAt), ms(d.SentAt))
	return affectedOne(res, err, "update", "alert delivery", d.ID)
}

const alertDeliveryColumns = `id, channel_id, channel_name, channel_type, rule_id, sync_id, state, condition, severity, message, status, attempts,
	error, last_call, created_at, updated_at, sent_at`

func scanAlertDelivery(row rowScanner) (*AlertDelivery, error) {
	var d AlertDelivery
	var channelID, syncID sql.NullInt64
	var status string
	var created, updated, sent int64
	if err := row.Scan(&d.ID, &channelID, &d.ChannelName, &d.ChannelType, &d.RuleID, &syncID, &d.State, &d.Condition, &d.Severity, &d.Message,
		&status, &d.Attempts, &d.Error, &d.LastCall, &created, &updated, &sent); err != nil {
		return nil, err
	}
	d.ChannelID, d.SyncID, d.Status = channelID.Int64, syncID.Int64, DeliveryStatus(status)
	d.CreatedAt, d.UpdatedAt, d.SentAt = fromMS(created), fromMS(updated), fromMS(sent)
	return &d, nil
}

// AlertDelivery returns one notification, or ErrNotFound.
func (s *Store) AlertDelivery(ctx context.Context, id int64) (*AlertDelivery, error) {
	d, err := scanAlertDelivery(s.db.QueryRowContext(ctx, `SELECT `+alertDeliveryColumns+` FROM alert_deliveries WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("alert delivery %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: alert delivery %d: %w", id, err)
	}
	return d, nil
}

// AlertDeliveries returns notifications newest first; syncID > 0 keeps a sync's, beforeID > 0 pages back.
func (s *Store) AlertDeliveries(ctx context.Context, syncID int64, limit int, beforeID int64) ([]*AlertDelivery, error) {
	if beforeID <= 0 {
		beforeID = 1<<62 - 1
	}
	q, args := `SELECT `+alertDeliveryColumns+` FROM alert_deliveries WHERE id < $1 ORDER BY id DESC LIMIT $2`, []any{beforeID, limit}
	if syncID > 0 {
		q, args = `SELECT `+alertDeliveryColumns+` FROM alert_deliveries WHERE sync_id = $3 AND id < $1 ORDER BY id DESC LIMIT $2`, append(args, syncID)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: alert deliveries: %w", err)
	}
	defer rows.Close()
	var out []*AlertDelivery
	for rows.Next() {
		d, err := scanAlertDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("store: alert deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PruneAlertDeliveries deletes up to batchSize finished notifications made before cutoff and says how
// many it deleted; queued and retrying ones stay whatever their age.
func (s *Store) PruneAlertDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM alert_deliveries WHERE id IN (SELECT id FROM alert_deliveries
		WHERE created_at < $1 AND status IN ($2, $3) ORDER BY id LIMIT $4)`, ms(cutoff), string(DeliverySent), string(DeliveryFailed), batchSize)
	if err != nil {
		return 0, fmt.Errorf("store: prune alert deliveries: %w", err)
	}
	return res.RowsAffected()
}

// AlertCounts are the conditions that hold now, per condition and severity, counted once per sync
// however many rules see them (the metrics).
func (s *Store) AlertCounts(ctx context.Context) (map[[2]string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT condition, severity, COUNT(*) FROM (SELECT DISTINCT sync_id, condition, severity
		FROM alert_states WHERE severity <> '') a GROUP BY condition, severity`)
	if err != nil {
		return nil, fmt.Errorf("store: alert counts: %w", err)
	}
	defer rows.Close()
	out := map[[2]string]int64{}
	for rows.Next() {
		var cond, sev string
		var n int64
		if err := rows.Scan(&cond, &sev, &n); err != nil {
			return nil, fmt.Errorf("store: alert counts: %w", err)
		}
		out[[2]string{cond, sev}] = n
	}
	return out, rows.Err()
}

// EarlierAlertDeliveryPending reports whether a notification of the same rule, sync and condition as d,
// made before it, is still queued or being retried: d waits for it, so that a recovery never overtakes
// its alert.
func (s *Store) EarlierAlertDeliveryPending(ctx context.Context, d *AlertDelivery) (bool, error) {
	if d.RuleID == 0 {
		return false, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM alert_deliveries WHERE rule_id = $1 AND sync_id = $2 AND condition = $3 AND id < $4
		AND status IN ($5, $6)`, d.RuleID, d.SyncID, d.Condition, d.ID, string(DeliveryQueued), string(DeliveryRetrying)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: earlier alert deliveries: %w", err)
	}
	return n > 0, nil
}
