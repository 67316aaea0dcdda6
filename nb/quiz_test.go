package nb

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestNormalizeAnswer(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{" B ", "b"},
		{"(b)", "b"},
		{"b.", "b"},
		{"c, a", "a,c"},
		{"a c", "a,c"},
		{"ca", "ca"}, // a word, not a list of choices
		{"a and d", "a,d"},
		{"0.25", "0.25"},
		{".250", "0.25"},
		{"1/4", "0.25"},
		{"25%", "0.25"},
		{"1/3", "0.333"},
		{"0.3333", "0.333"},
		{"0.333", "0.333"},
		{"1e-3", "0.001"},
		{"−2", "-2"},
		{"61706", "61706"},
		{"61,706", "61706"},
		{"1,5", "1,5"},
		{"1e3", "1000"},
		{"12345.6", "1.23e+04"},
		{"He", "he"},
		{"  Cross   Entropy ", "cross entropy"},
		{"bad", "bad"},
		{"1/0", "1/0"},
	} {
		if got := NormalizeAnswer(c.in); got != c.want {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The key is SHA-256 of "chapter\x00q\x00normalized", computed here independently.
func TestAnswerKeyIsTheDocumentedHash(t *testing.T) {
	sum := sha256.Sum256([]byte("09-init\x002\x000.333"))
	want := hex.EncodeToString(sum[:8])
	for _, a := range []string{"1/3", "0.333", " .3333 "} {
		if got := AnswerKey("09-init", 2, a); got != want {
			t.Errorf("AnswerKey(%q) = %s, want %s", a, got, want)
		}
	}
	if AnswerKey("10-opt", 2, "1/3") == want || AnswerKey("09-init", 3, "1/3") == want {
		t.Error("the key does not depend on the chapter and the question")
	}
}

func TestSelfCheck(t *testing.T) {
	ch := "01-test"
	expect := []Expectation{
		Expect(1, AnswerKey(ch, 1, "b")[:8], "reread the XOR section"),
		Expect(2, AnswerKey(ch, 2, "0.5"), ""),
	}
	run := func(a Answers) (bool, string) {
		var sb strings.Builder
		ok := selfCheck(&sb, ch, a, expect)
		return ok, sb.String()
	}
	ok, out := run(Answers{1: "(B)", 2: "1/2"})
	if !ok || !strings.Contains(out, "PASS: 2/2") || strings.Contains(out, "FAIL") {
		t.Errorf("right answers: ok=%v\n%s", ok, out)
	}
	ok, out = run(Answers{1: "c", 2: ""})
	if ok || !strings.Contains(out, "FAIL: 0/2 answers right (not yet right: Q1; unanswered: Q2)") ||
		!strings.Contains(out, "Hint: reread the XOR section") || strings.Contains(out, "PASS") {
		t.Errorf("wrong + missing answers: ok=%v\n%s", ok, out)
	}
	if strings.Contains(out, AnswerKey(ch, 1, "b")) || strings.Contains(out, `"b"`) {
		t.Errorf("the check printed the right answer:\n%s", out)
	}
	ok, out = run(Answers{1: "b", 2: "0.5", 7: "a"})
	if !ok || !strings.Contains(out, "Q7: there is no such question in this chapter (questions: 1, 2)") {
		t.Errorf("an extra answer: ok=%v\n%s", ok, out)
	}
	ok, out = run(Answers{})
	if ok || !strings.Contains(out, "unanswered: Q1, Q2") {
		t.Errorf("no answers: ok=%v\n%s", ok, out)
	}
	var sb strings.Builder
	if selfCheck(&sb, ch, Answers{1: "b"}, []Expectation{Expect(1, "ab", "")}) || !strings.Contains(sb.String(), "too short") {
		t.Errorf("a too short hash passed:\n%s", sb.String())
	}
	sb.Reset()
	if selfCheck(&sb, ch, Answers{1: "b"}, nil) || !strings.HasPrefix(sb.String(), "FAIL") {
		t.Errorf("no expectations passed:\n%s", sb.String())
	}
}
