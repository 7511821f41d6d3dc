package resource

import (
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Token is an API token; the secret itself appears only in the answer that creates it.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token,omitempty"`
}

// NewToken converts a token (without its secret).
func NewToken(t store.APIToken) Token {
	out := Token{ID: t.ID, Name: t.Name, Hint: t.Hint, CreatedAt: t.CreatedAt}
	if !t.LastUsedAt.IsZero() {
		u := t.LastUsedAt
		out.LastUsedAt = &u
	}
	return out
}
