package redisstore

import (
	"cmp"
	"strconv"
	"testing"
)

// format writes a notice as the journal script does.
func (n notice) format() string {
	return n.epoch + " " + strconv.FormatInt(n.seq, 10) + " " + n.change + " " + n.rec.value() + " " + n.rec.field()
}

func TestParseNotice(t *testing.T) {
	for _, tc := range []struct {
		payload string
		want    *notice
	}{
		{"e1 7 c1 1700000000000 s:sid-1", &notice{"e1", 7, "c1", record{"s", "sid-1", []string{"1700000000000"}}}},
		{"e1 1 c1 1700000000000123:1700000000000 u:" + subjectDigest("alice"),
			&notice{"e1", 1, "c1", record{"u", subjectDigest("alice"), []string{"1700000000000123", "1700000000000"}}}},
		{"e1 2 c1 5 s:id with spaces", &notice{"e1", 2, "c1", record{"s", "id with spaces", []string{"5"}}}},
		{"e1 2 c1 5 s:", &notice{"e1", 2, "c1", record{"s", "", []string{"5"}}}},
		{"e1 3 c1 1:2:3:4 x:future-kind", &notice{"e1", 3, "c1", record{"x", "future-kind", []string{"1", "2", "3", "4"}}}},
		{"e1 4 c1 18446744073709551615:1700000000000 v:sid-1", &notice{"e1", 4, "c1", record{"v", "sid-1", []string{"18446744073709551615", "1700000000000"}}}},
		{"e1 4 c1 -5:1700000000000 u:x", &notice{"e1", 4, "c1", record{"u", "x", []string{"-5", "1700000000000"}}}},
		{"e1 4 c1 18446744073709551616:1 v:a", nil},
		{"e1 4 c1 1:18446744073709551615 v:a", nil},
		{"e1 4 c1 -05:1 v:a", nil},
		{"e1 4 c1 -0:1 v:a", nil},
		{"", nil},
		{"e1", nil},
		{"e1 7", nil},
		{"e1 7 c1", nil},
		{"e1 7  5 s:a", nil},
		{"e1 7 5 s:a", nil},
		{"e1 7 c1 5", nil},
		{" 7 c1 5 s:a", nil},
		{"e1 0 c1 5 s:a", nil},
		{"e1 -1 c1 5 s:a", nil},
		{"e1 07 c1 5 s:a", nil},
		{"e1 +7 c1 5 s:a", nil},
		{"e1 7 c1 05 s:a", nil},
		{"e1 7 c1 5: s:a", nil},
		{"e1 7 c1 :5 s:a", nil},
		{"e1 7 c1 1:2:3:4:5 s:a", nil},
		{"e1 7 c1 x s:a", nil},
		{"e1 7 c1 5 sa", nil},
		{"e1 7 c1 5 :a", nil},
		{"e1 99999999999999999999 c1 5 s:a", nil},
	} {
		t.Run(tc.payload, func(t *testing.T) {
			got, err := parseNotice(tc.payload)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("parseNotice(%q) = %+v, want an error", tc.payload, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseNotice(%q): %v", tc.payload, err)
			}
			if got.format() != tc.want.format() {
				t.Errorf("parseNotice(%q) = %+v, want %+v", tc.payload, got, *tc.want)
			}
		})
	}
}

// FuzzParseNotice feeds the parser of what arrives on the journal's channel, which anyone who
// can publish on the Redis can write: it must never panic, and must accept only what the
// journal script writes, byte for byte.
func FuzzParseNotice(f *testing.F) {
	f.Add("e1 7 c1 1700000000000 s:sid-1")
	f.Add("0123456789abcdef 12 fedcba9876543210 1700000000000123:1700000000000 u:" + subjectDigest("alice"))
	f.Add("e1 2 c1 5 s:id with spaces")
	f.Add("e1 07 c1 5 s:a")
	f.Fuzz(func(t *testing.T, payload string) {
		n, err := parseNotice(payload)
		if err != nil {
			return
		}
		if got := n.format(); got != payload {
			t.Fatalf("parseNotice(%q) accepted a notice that formats as %q", payload, got)
		}
		if len(n.rec.vals) == 0 || len(n.rec.vals) > maxRecordValues || n.seq < 1 {
			t.Fatalf("parseNotice(%q) = %+v", payload, n)
		}
	})
}

func TestCompareDecimal(t *testing.T) {
	nums := []string{"-9223372036854775808", "-100", "-99", "-1", "0", "1", "9", "10",
		"9007199254740993", "9223372036854775807", "9223372036854775809", "18446744073709551615"}
	for i, a := range nums {
		for j, b := range nums {
			if got, want := compareDecimal(a, b), cmp.Compare(i, j); got != want {
				t.Errorf("compareDecimal(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
}
