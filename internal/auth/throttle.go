package auth

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"
)

// Sign-in throttling. A wrong password counts against the pair (account, client address) and against
// the address; nothing counts against an account as a whole, so an address that has not failed is
// never refused: no one can lock the admin out from elsewhere.
//
//   - A pair with pairFailures failures in a row is refused for pairLockout: guessing one account's
//     password from one address is slow.
//   - Each failure from an address fills its bucket by one; the bucket drains one every addrDrain, and
//     a full bucket (addrBurst) refuses the address whatever the name: guessing across names or
//     accounts is slow too.
//   - An address has one password check at a time: concurrent sign-ins from it wait their turn.
//
// Together these bound the bcrypt work one address causes (one core at most, and about addrBurst
// checks, then one per addrDrain), so a flood of sign-ins does not starve the rest of bcsync.
// Refusals are answered before any bcrypt work.
const (
	pairFailures = 5
	pairLockout  = time.Minute
	addrBurst    = 10
	addrDrain    = 30 * time.Second
	// maxTracked bounds the memory of addresses and pairs: idle ones are forgotten past it.
	maxTracked = 10000
)

// throttle keeps the failures of recent sign-ins in memory (per process: each serve process throttles
// the sign-ins it receives).
type throttle struct {
	now func() time.Time

	mu    sync.Mutex
	addrs map[string]*addrState
	pairs map[pairKey]failures
}

type addrState struct {
	level float64   // failures not yet drained
	at    time.Time // when level was computed
	turn  chan struct{}
}

type pairKey struct{ account, addr string }

type failures struct {
	count int
	last  time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, addrs: map[string]*addrState{}, pairs: map[pairKey]failures{}}
}

// addrKey is the unit an address is throttled by: an IPv4 address, or an IPv6 /64 (what one host or
// network is usually given, so that an attacker cannot move to a fresh address at each try).
func addrKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// begin waits for the address's turn to check a password and says whether it may: ErrThrottled when
// the pair or the address is refused now. done must be called with the check's outcome once begin
// succeeded: nil, ErrBadCredentials (a failure), or another error (which counts for nothing).
func (t *throttle) begin(ctx context.Context, account, addr string) (done func(outcome error), err error) {
	key := pairKey{account, addrKey(addr)}
	st, err := t.admit(key)
	if err != nil {
		return nil, err
	}
	select {
	case st.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Failures may have come in while this one waited.
	if _, err := t.admit(key); err != nil {
		<-st.turn
		return nil, err
	}
	return func(outcome error) {
		if outcome == nil || errors.Is(outcome, ErrBadCredentials) {
			t.record(key, outcome == nil)
		}
		<-st.turn
	}, nil
}

// admit returns the address's state, or ErrThrottled.
func (t *throttle) admit(key pairKey) (*addrState, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	st := t.addr(key.addr, now)
	if st.level >= addrBurst {
		return nil, ErrThrottled
	}
	if f := t.pairs[key]; f.count >= pairFailures && now.Sub(f.last) < pairLockout {
		return nil, ErrThrottled
	}
	return st, nil
}

// addr returns an address's state with its bucket drained to now. t.mu is held.
func (t *throttle) addr(key string, now time.Time) *addrState {
	st := t.addrs[key]
	if st == nil {
		if len(t.addrs) >= maxTracked {
			t.forgetIdle(now)
		}
		st = &addrState{at: now, turn: make(chan struct{}, 1)}
		t.addrs[key] = st
	}
	if d := now.Sub(st.at); d > 0 {
		st.level = max(0, st.level-float64(d)/float64(addrDrain))
		st.at = now
	}
	return st
}

func (t *throttle) record(key pairKey, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if ok {
		delete(t.pairs, key)
		return
	}
	t.addr(key.addr, now).level++
	f := t.pairs[key]
	if now.Sub(f.last) >= pairLockout {
		f.count = 0
	}
	f.count++
	f.last = now
	if _, known := t.pairs[key]; !known && len(t.pairs) >= maxTracked {
		t.forgetIdle(now)
		if len(t.pairs) >= maxTracked { // a flood from many addresses: their buckets still count
			return
		}
	}
	t.pairs[key] = f
}

// forgetIdle drops the addresses whose buckets have drained and that check nothing now, and the pairs
// whose lockout is over. t.mu is held.
func (t *throttle) forgetIdle(now time.Time) {
	for k, st := range t.addrs {
		if st.level-float64(now.Sub(st.at))/float64(addrDrain) <= 0 && len(st.turn) == 0 {
			delete(t.addrs, k)
		}
	}
	for k, f := range t.pairs {
		if now.Sub(f.last) >= pairLockout {
			delete(t.pairs, k)
		}
	}
}
