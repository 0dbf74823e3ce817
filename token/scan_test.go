package token

import (
	"encoding/json"
	"reflect"
	"testing"
)

// scanCases are payloads the claims scanner must either read exactly as encoding/json does
// (fast: true) or leave to encoding/json (fast: false).
var scanCases = []struct {
	name    string
	payload string
	fast    bool
}{
	{"as issued", `{"sub":"user-42","jti":"a1","sid":"s1","iss":"https://example.com","aud":"api","iat":1764234000,"nbf":1764234000,"exp":1764237600,"auth_time":1764234000,"email":"a@example.com","roles":["x","y"],"n":{"a":[1,{"b":"}"}]},"t":true,"z":null}`, true},
	{"empty object", `{}`, true},
	{"whitespace", " {\n\t\"sub\" : \"u\" ,\r\n \"exp\" : 12 } ", true},
	{"fractional date", `{"exp":1764237600.5}`, true},
	{"exponent date", `{"exp":1.7e9}`, true},
	{"duplicate keeps last", `{"sub":"first","sub":"second"}`, true},
	{"escaped string in payload field", `{"name":"a\"b\\c\u00e9","sub":"u"}`, true},
	{"non-ASCII payload value", `{"name":"Zoë","sub":"u"}`, true},
	{"brace in string", `{"x":"{[","sub":"u"}`, true},
	{"DEL byte", "{\"sub\":\"a\x7fb\"}", true},
	{"session claims as issued", `{"sub":"u","auth_time":1764234000.000007,"sst":1764230000.25,"amr":["pwd","otp","mfa"],"rem":true,"sver":18446744073709551615}`, true},
	{"empty amr", `{"amr":[]}`, true},
	{"amr with spaces", `{"amr": [ "pwd" , "hwk" ] }`, true},
	{"rem false", `{"rem":false}`, true},
	{"sver zero", `{"sver":0}`, true},
	{"duplicate amr keeps last", `{"amr":["a"],"amr":["b","c"]}`, true},

	{"escape in a claim", `{"sub":"a\/b"}`, false},
	{"escape in a name", `{"s\u0075b":"evil"}`, false},
	{"upper-case name", `{"SUB":"evil"}`, false},
	{"mixed-case name", `{"Exp":1}`, false},
	{"long s folds to sub", `{"ſub":"evil"}`, false},
	{"non-ASCII name", `{"naïve":1}`, false},
	{"non-ASCII claim", `{"sub":"Zoë"}`, false},
	{"null claim", `{"sub":null}`, false},
	{"null after value", `{"sub":"a","sub":null}`, false},
	{"number claim", `{"sub":42}`, false},
	{"aud array", `{"aud":["a","b"]}`, false},
	{"string date", `{"exp":"1764237600"}`, false},
	{"negative date", `{"exp":-1}`, false},
	{"date too large", `{"exp":99999999999999}`, false},
	{"null date", `{"exp":null}`, false},
	{"array", `[1]`, false},
	{"amr string", `{"amr":"pwd"}`, false},
	{"amr null", `{"amr":null}`, false},
	{"amr with a number", `{"amr":["pwd",1]}`, false},
	{"amr with an escape", `{"amr":["p\u0077d"]}`, false},
	{"amr nested", `{"amr":[["pwd"]]}`, false},
	{"rem null", `{"rem":null}`, false},
	{"rem number", `{"rem":1}`, false},
	{"rem string", `{"rem":"true"}`, false},
	{"sver negative", `{"sver":-1}`, false},
	{"sver fraction", `{"sver":1.5}`, false},
	{"sver exponent", `{"sver":1e3}`, false},
	{"sver overflow", `{"sver":18446744073709551616}`, false},
	{"sst string", `{"sst":"1"}`, false},
	{"upper-case amr", `{"AMR":["x"]}`, false},
}

func TestScanClaimsMatchesJSON(t *testing.T) {
	for _, c := range scanCases {
		t.Run(c.name, func(t *testing.T) {
			var got wireClaims
			ok := scanClaims([]byte(c.payload), &got)
			if ok != c.fast {
				t.Fatalf("scanClaims: got ok=%v, want %v", ok, c.fast)
			}
			checkScanAgainstJSON(t, []byte(c.payload))
		})
	}
}

// checkScanAgainstJSON fails when scanClaims reads p but encoding/json reads it differently or
// refuses it.
func checkScanAgainstJSON(t *testing.T, p []byte) {
	t.Helper()
	var fast wireClaims
	if !scanClaims(p, &fast) {
		return
	}
	var slow wireClaims
	if err := json.Unmarshal(p, &slow); err != nil {
		t.Fatalf("scanClaims accepted %q, encoding/json refuses it: %v", p, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("payload %q:\nscanClaims    %+v\nencoding/json %+v", p, fast, slow)
	}
}

// FuzzScanClaims: the scanner never panics, and whenever it reads a valid JSON payload it reads
// what encoding/json reads. (Verify only scans payloads encoding/json has validated.)
func FuzzScanClaims(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c.payload))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		var w wireClaims
		ok := scanClaims(p, &w)
		if !json.Valid(p) {
			return
		}
		_ = ok
		checkScanAgainstJSON(t, p)
	})
}

func TestDecodeWireClaimsFallsBack(t *testing.T) {
	var w wireClaims
	if err := decodeWireClaims([]byte(`{"aud":["a","b"],"SUB":"u"}`), &w); err != nil {
		t.Fatal(err)
	}
	if w.Sub != "u" || !reflect.DeepEqual([]string(w.Aud), []string{"a", "b"}) {
		t.Errorf("got sub %q aud %q, want u [a b]", w.Sub, w.Aud)
	}
	if err := decodeWireClaims([]byte(`{"sub":1}`), &w); err == nil {
		t.Error(`{"sub":1}: got no error, want a type error`)
	}
}
