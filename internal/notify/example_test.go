package notify_test

import (
	"fmt"
	"time"

	"github.com/bcsync/bcsync/internal/notify"
)

func alert() notify.Message {
	return notify.Message{
		State:     notify.Triggered,
		Condition: "rejected",
		Severity:  notify.Warning,
		Sync:      notify.Sync{ID: 12, Name: "Customers from warehouse", Kind: "warehouse"},
		Store:     "Shop",
		Summary:   "3 of 1,200 records were rejected by BigCommerce.",
		Detail:    "The most common reason (2 records): email is not a valid address.",
		Figures:   []notify.Figure{{Label: "Rejected", Value: "3 of 1,200 (0.25%)"}, {Label: "Run", Value: "#381, 4m 10s"}},
		URL:       "https://bcsync.example.com/syncs/warehouse/12/runs/381",
		At:        time.Date(2026, 8, 20, 14, 3, 0, 0, time.UTC),
	}
}

// Text is what a person reads: the email's text part, and what a Slack message shows once rendered
// (the header, the summary, the figures as fields, the detail, then the link and the time).
func ExampleText() {
	fmt.Print(notify.Text(alert()))
	// Output:
	// [WARNING] Customers from warehouse (Shop): records rejected
	// 3 of 1,200 records were rejected by BigCommerce.
	//
	// Sync:      Customers from warehouse (warehouse #12)
	// Store:     Shop
	// Rejected:  3 of 1,200 (0.25%)
	// Run:       #381, 4m 10s
	//
	// The most common reason (2 records): email is not a valid address.
	//
	// Open the run: https://bcsync.example.com/syncs/warehouse/12/runs/381
	// Detected at 2026-08-20 14:03:00 UTC
}

// Short is the SMS body: one segment of at most 160 characters.
func ExampleShort() {
	m := alert()
	fmt.Println(notify.Short(m))
	m.State, m.Summary = notify.Resolved, "Rejections are back under 1% (0 of 1,180)."
	fmt.Println(notify.Short(m))
	// Output:
	// [WARNING] Customers from warehouse (Shop): records rejected - 3 of 1,200 records were rejected by... https://bcsync.example.com/syncs/warehouse/12/runs/381
	// [RESOLVED] Customers from warehouse (Shop): records rejected - Rejections are back under 1% (0 of 1,180). https://bcsync.example.com/syncs/warehouse/12/runs/381
}

// A receiver of webhook notifications checks the signature of the raw body before anything else.
func ExampleVerify() {
	secret := "whsec-7c1e0b9a4f2d8e6b3a5c7d9f"
	body := []byte(`{"state":"triggered","condition":"failed"}`)
	header := notify.Sign(secret, body) // what bcsync sends as X-Bcsync-Signature
	fmt.Println(notify.Verify(secret, body, header))
	fmt.Println(notify.Verify(secret, []byte(`{"state":"resolved","condition":"failed"}`), header))
	// Output:
	// true
	// false
}
