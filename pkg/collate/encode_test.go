package collate

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"testing"
)

func TestEncodeKeyOrderedTable(t *testing.T) {
	for i := 1; i < len(ordered); i++ {
		a, b := EncodeKey(nil, ordered[i-1]), EncodeKey(nil, ordered[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("enc(%#v) >= enc(%#v)", ordered[i-1], ordered[i])
		}
	}
}

func TestEncodeKeyEqualValues(t *testing.T) {
	pairs := [][2]any{
		{json.Number("1"), 1.0},
		{math.Copysign(0, -1), 0.0},
		{json.Number("1e2"), 100},
		{map[string]any{"a": json.Number("1")}, map[string]any{"a": 1.0}},
	}
	for _, p := range pairs {
		if !bytes.Equal(EncodeKey(nil, p[0]), EncodeKey(nil, p[1])) {
			t.Errorf("enc(%#v) != enc(%#v)", p[0], p[1])
		}
	}
}

func TestEncodeKeyEscapesZeroBytes(t *testing.T) {
	// Strings whose sort keys contain 0x00 must still be prefix-free.
	for _, s := range []string{"", "a", "a b", "\x00", "A\x00B"} {
		enc := EncodeKey(nil, s)
		if !bytes.HasSuffix(enc, []byte{0x00, 0x01}) {
			t.Errorf("enc(%q) lacks terminator: %x", s, enc)
		}
		body := enc[1 : len(enc)-2]
		for i := 0; i < len(body); i++ {
			if body[i] == 0x00 {
				if i+1 >= len(body) || body[i+1] != 0xFF {
					t.Errorf("enc(%q) has an unescaped 0x00 at %d: %x", s, i, enc)
				}
				i++
			}
		}
	}
}

func TestSuccessor(t *testing.T) {
	tests := []struct {
		in, want []byte
	}{
		{[]byte{1, 2, 3}, []byte{1, 2, 4}},
		{[]byte{1, 0xFF}, []byte{2}},
		{[]byte{0xFF, 0xFF}, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		if got := Successor(tt.in); !bytes.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("Successor(%x) = %x, want %x", tt.in, got, tt.want)
		}
	}
	in := []byte{5, 6}
	_ = Successor(in)
	if in[1] != 6 {
		t.Error("Successor modified its argument")
	}
}

// randValue builds a random decoded JSON value; depth bounds nesting.
func randValue(r *rand.Rand, depth int) any {
	n := 6
	if depth <= 0 {
		n = 4
	}
	switch r.Intn(n) {
	case 0:
		return nil
	case 1:
		return r.Intn(2) == 0
	case 2:
		return randNumber(r)
	case 3:
		return randString(r)
	case 4:
		arr := make([]any, r.Intn(4))
		for i := range arr {
			arr[i] = randValue(r, depth-1)
		}
		return arr
	default:
		m := map[string]any{}
		for i := r.Intn(4); i > 0; i-- {
			m[randString(r)] = randValue(r, depth-1)
		}
		return m
	}
}

func randNumber(r *rand.Rand) any {
	switch r.Intn(5) {
	case 0:
		return json.Number(strconv.Itoa(r.Intn(21) - 10))
	case 1:
		return float64(r.Intn(21) - 10)
	case 2:
		return (r.Float64() - 0.5) * math.Pow(10, float64(r.Intn(40)-20))
	case 3:
		return json.Number(strconv.FormatFloat(r.NormFloat64()*1000, 'g', -1, 64))
	default:
		return []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.5}[r.Intn(6)]
	}
}

var alphabet = []string{"a", "A", "b", "B", "z", "é", "E", "e\u0301", "0", "9", " ", "-", "_", "~", ".",
	"\x00", "\x01", "ß", "ss", "中", "Ω", "ω", "\u00a0", "😀", "\ufffd"}

func randString(r *rand.Rand) string {
	s := ""
	for i := r.Intn(4); i > 0; i-- {
		s += alphabet[r.Intn(len(alphabet))]
	}
	return s
}

// TestEncodeKeyMatchesCompareProperty checks, on seeded random values, that
// the encoding order equals Compare, that Compare is antisymmetric, and that
// encodings are prefix-free so composite keys keep the order of their parts.
func TestEncodeKeyMatchesCompareProperty(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	const n = 400
	vals := make([]any, n)
	encs := make([][]byte, n)
	for i := range vals {
		vals[i] = randValue(r, 3)
		encs[i] = EncodeKey(nil, vals[i])
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			c := Compare(vals[i], vals[j])
			if e := bytes.Compare(encs[i], encs[j]); e != c {
				t.Fatalf("Compare(%#v, %#v) = %d but encodings compare %d", vals[i], vals[j], c, e)
			}
			if Compare(vals[j], vals[i]) != -c {
				t.Fatalf("Compare not antisymmetric on %#v, %#v", vals[i], vals[j])
			}
			if c != 0 && bytes.HasPrefix(encs[j], encs[i]) {
				t.Fatalf("enc(%#v) is a prefix of enc(%#v)", vals[i], vals[j])
			}
		}
	}
	// Composite keys: (a, x) vs (b, y) ordered lexicographically.
	for k := 0; k < 2000; k++ {
		i, j, x, y := r.Intn(n), r.Intn(n), r.Intn(n), r.Intn(n)
		want := Compare(vals[i], vals[j])
		if want == 0 {
			want = Compare(vals[x], vals[y])
		}
		ka := append(append([]byte(nil), encs[i]...), encs[x]...)
		kb := append(append([]byte(nil), encs[j]...), encs[y]...)
		if got := bytes.Compare(ka, kb); got != want {
			t.Fatalf("composite order mismatch: (%#v,%#v) vs (%#v,%#v): %d want %d",
				vals[i], vals[x], vals[j], vals[y], got, want)
		}
	}
	// Transitivity through sorting: a Compare-sorted slice has sorted encodings.
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return Compare(vals[idx[a]], vals[idx[b]]) < 0 })
	for i := 1; i < n; i++ {
		if bytes.Compare(encs[idx[i-1]], encs[idx[i]]) > 0 {
			t.Fatalf("sorted by Compare but encodings out of order at %d", i)
		}
	}
}

func FuzzEncodeKeyJSON(f *testing.F) {
	for _, s := range []string{`null`, `[1,"a",{"b":true}]`, `{"a":[],"b":{}}`, `"A\u0000B"`, `-0.0`, `1e400`} {
		f.Add(s, `"a"`)
	}
	f.Fuzz(func(t *testing.T, sa, sb string) {
		a, okA := decode(sa)
		b, okB := decode(sb)
		if !okA || !okB {
			return
		}
		c := Compare(a, b)
		if e := bytes.Compare(EncodeKey(nil, a), EncodeKey(nil, b)); e != c {
			t.Fatalf("Compare(%s,%s)=%d, encodings %d", sa, sb, c, e)
		}
	})
}

func decode(s string) (any, bool) {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

func BenchmarkEncodeKeyString(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = EncodeKey(buf[:0], "io.cozy.files/Documents/Report 2024.pdf")
	}
}

func BenchmarkCompareStrings(b *testing.B) {
	for i := 0; i < b.N; i++ {
		CompareStrings("Report 2024.pdf", "report 2024.pdf")
	}
}
