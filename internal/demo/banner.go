package demo

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
)

// banner is what the demo prints once the UI answers.
type banner struct {
	url, signIn, shop string
	inv               bcemu.Inventory
	subscriberList    string
	customerList      string
	dir               string
	temporary         bool
	changeEvery       time.Duration
}

func printBanner(out io.Writer, b banner) {
	var s strings.Builder
	s.WriteString("\nbcsync demo is running\n")
	fmt.Fprintf(&s, "  open      %s\n", b.url)
	fmt.Fprintf(&s, "  sign in   %s\n", b.signIn)
	fmt.Fprintf(&s, "  store     %s (emulated: %s customers, %s subscribers, %s orders, %s products)\n", b.shop,
		thousands(b.inv.Customers), thousands(b.inv.Subscribers), thousands(b.inv.Orders), thousands(b.inv.Products))
	fmt.Fprintf(&s, "  account   Dotdigital (emulated): subscribers sync to %q, customers to %q\n", b.subscriberList, b.customerList)
	where := "SQLite in " + b.dir
	if b.temporary {
		where += " (removed when the demo stops)"
	}
	fmt.Fprintf(&s, "  state     %s\n", where)
	fmt.Fprintf(&s, "  CLI       bcsync --data-dir %s connection list   (or BCSYNC_DATA_DIR=%s)\n", b.dir, b.dir)
	s.WriteString("The first sync is running")
	if b.changeEvery > 0 {
		fmt.Fprintf(&s, "; then the store changes every %s, and each change reaches Dotdigital in seconds", b.changeEvery)
	}
	s.WriteString(".\nCtrl-C stops it.\n\n")
	io.WriteString(out, s.String())
}

// thousands writes n with thousands separators: 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
