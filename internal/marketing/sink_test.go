package marketing

import (
	"context"
	"fmt"
	"testing"
)

// Records wait in the sink's file until their import reports, in any order, and each report reads
// back exactly the records it covers, wherever they fall against the sparse index.
func TestSinkReadsBackEachReportsRecordsInAnyOrder(t *testing.T) {
	ctx := context.Background()
	var settled []string
	s := newSink(nil, "orders", func(_ context.Context, outs []outcome) error {
		for _, o := range outs {
			settled = append(settled, o.key+"/"+o.failure)
		}
		return nil
	})
	defer s.close()
	const total = 3*indexEvery + 17
	for i := range total {
		p := &pending{key: fmt.Sprint(i), email: fmt.Sprintf("person%d@example.com", i)}
		if err := s.add(ctx, p, func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// Imports of uneven sizes, reported out of order.
	imports := [][2]int{{0, 100}, {100, 300}, {400, 1}, {401, total - 401}}
	for _, i := range []int{2, 0, 3, 1} {
		first, n := imports[i][0], imports[i][1]
		settled = settled[:0]
		s.report(ctx, int64(first), n, nil, func(p *pending) outcome {
			o := outcome{pending: p}
			if p.key == "150" {
				o.failure = "ContactEmailDoesNotExist"
			}
			return o
		})
		if len(settled) != n {
			t.Fatalf("import at %d settled %d records, want %d", first, len(settled), n)
		}
		for j, got := range settled {
			want := fmt.Sprint(first + j)
			if first+j == 150 {
				want += "/ContactEmailDoesNotExist"
			} else {
				want += "/"
			}
			if got != want {
				t.Fatalf("import at %d, record %d: got %s, want %s", first, j, got, want)
			}
		}
	}
	if s.settled != total {
		t.Fatalf("settled up to %d, want %d", s.settled, total)
	}
	if len(s.index) > 1 {
		t.Fatalf("the index keeps %d entries after every record settled", len(s.index))
	}
}
