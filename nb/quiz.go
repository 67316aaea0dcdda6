package nb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Self-check questions: each chapter ends with a few short questions (a letter for a multiple
// choice, a number, a word) that the student answers in a cell, and a check cell that says which
// answers are right without printing the right ones:
//
//	answers := nb.Answers{
//		1: "b",   // Q1: a, b, c or d
//		2: "1/3", // Q2: a number (a fraction or a decimal, 3 significant digits)
//	}
//
//	%%
//	nb.SelfCheck("09-weight-initialization", answers,
//		nb.Expect(1, "3f1c08a2", "Var(Σ wᵢxᵢ) = n·Var(w)·Var(x) for independent, centred w and x"),
//		nb.Expect(2, "b41e2c07", "the section on He initialization"))
//
// The check cell holds a short hash of each right answer ([AnswerKey]), not the answer: the
// questions stay worth thinking about, though a determined student can of course try every
// letter. This is a self-check for the student, not an exam.

// Answers holds a student's answers, by question number.
type Answers map[int]string

// Expectation is one question's expected answer, as a hash prefix, and the hint printed when the
// answer is not right.
type Expectation struct {
	Question int
	Hash     string // a prefix (at least 6 hex digits) of AnswerKey(chapter, Question, answer)
	Hint     string
}

// Expect describes question q: hash is a prefix of [AnswerKey] of its right answer, hint is
// printed when the student's answer is not right (where to reread).
func Expect(q int, hash, hint string) Expectation {
	return Expectation{Question: q, Hash: hash, Hint: hint}
}

// SelfCheck compares the answers to the expectations of the chapter and prints one line per
// question, then "PASS: ..." when every answer is right, or "FAIL: ..." with the questions to
// reread. It returns whether every answer was right.
func SelfCheck(chapter string, answers Answers, expect ...Expectation) bool {
	return selfCheck(os.Stdout, chapter, answers, expect)
}

func selfCheck(w io.Writer, chapter string, answers Answers, expect []Expectation) bool {
	if len(expect) == 0 {
		fmt.Fprintln(w, "FAIL: nb.SelfCheck has no expectations: add nb.Expect(question, hash, hint) lines")
		return false
	}
	var wrong, missing []string
	for _, e := range expect {
		q := fmt.Sprintf("Q%d", e.Question)
		given, ok := answers[e.Question]
		switch {
		case len(e.Hash) < 6:
			fmt.Fprintf(w, "%s: the check's hash %q is too short (want at least 6 hex digits of nb.AnswerKey)\n", q, e.Hash)
			wrong = append(wrong, q)
		case !ok || strings.TrimSpace(given) == "":
			fmt.Fprintf(w, "%s: no answer yet\n", q)
			missing = append(missing, q)
		case strings.HasPrefix(AnswerKey(chapter, e.Question, given), strings.ToLower(e.Hash)):
			fmt.Fprintf(w, "%s: right\n", q)
		default:
			if e.Hint != "" {
				fmt.Fprintf(w, "%s: not yet (%q). Hint: %s\n", q, given, e.Hint)
			} else {
				fmt.Fprintf(w, "%s: not yet (%q)\n", q, given)
			}
			wrong = append(wrong, q)
		}
	}
	for q := range answers {
		if !slices.ContainsFunc(expect, func(e Expectation) bool { return e.Question == q }) {
			fmt.Fprintf(w, "Q%d: there is no such question in this chapter (questions: %s)\n", q, questionList(expect))
		}
	}
	right := len(expect) - len(wrong) - len(missing)
	if right == len(expect) {
		fmt.Fprintf(w, "PASS: %d/%d answers right\n", right, len(expect))
		return true
	}
	var todo []string
	if len(wrong) > 0 {
		todo = append(todo, "not yet right: "+strings.Join(wrong, ", "))
	}
	if len(missing) > 0 {
		todo = append(todo, "unanswered: "+strings.Join(missing, ", "))
	}
	fmt.Fprintf(w, "FAIL: %d/%d answers right (%s)\n", right, len(expect), strings.Join(todo, "; "))
	return false
}

func questionList(expect []Expectation) string {
	qs := make([]string, len(expect))
	for i, e := range expect {
		qs[i] = strconv.Itoa(e.Question)
	}
	return strings.Join(qs, ", ")
}

// AnswerKey returns the hash (16 hex digits) that a check cell compares with: SHA-256 of the
// chapter, the question number and the normalized answer ([NormalizeAnswer]). Authors of
// questions compute it once (`go run ./nb/cmd/answerkey CHAPTER Q ANSWER`) and put a prefix in
// [Expect].
func AnswerKey(chapter string, q int, answer string) string {
	sum := sha256.Sum256([]byte(chapter + "\x00" + strconv.Itoa(q) + "\x00" + NormalizeAnswer(answer)))
	return hex.EncodeToString(sum[:8])
}

// NormalizeAnswer is how answers are compared: case, spaces, a final period and parentheses
// around a letter do not matter; a number (decimal, exponent, fraction "1/3" or percentage
// "25%") is compared on 3 significant digits (0.25, .250, 1/4 and 25% are the same answer), a
// whole number exactly (61706 is not 61700); a
// choice of several letters (a–h) in any order ("c, a", "a c", "a and c") is the sorted list
// "a,c".
func NormalizeAnswer(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSuffix(s, ".")
	s = strings.Join(strings.Fields(s), " ")
	if v, ok := parseNumber(s); ok {
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10) // counts are compared exactly
		}
		return strconv.FormatFloat(roundSignificant(v), 'g', 3, 64)
	}
	if letters, ok := parseLetters(s); ok {
		return letters
	}
	return s
}

var thousands = regexp.MustCompile(`^-?\d{1,3}(,\d{3})+(\.\d+)?%?$`)

func parseNumber(s string) (float64, bool) {
	s = strings.ReplaceAll(s, " ", "")
	s = strings.ReplaceAll(s, "−", "-")
	if thousands.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "") // 61,706
	}
	percent := strings.HasSuffix(s, "%")
	s = strings.TrimSuffix(s, "%")
	var v float64
	if num, den, ok := strings.Cut(s, "/"); ok {
		a, err1 := strconv.ParseFloat(num, 64)
		b, err2 := strconv.ParseFloat(den, 64)
		if err1 != nil || err2 != nil || b == 0 {
			return 0, false
		}
		v = a / b
	} else {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false
		}
		v = f
	}
	if percent {
		v /= 100
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// roundSignificant rounds v to 3 significant digits, so that 0.3333 and 1/3 agree.
func roundSignificant(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	return r
}

func parseLetters(s string) (string, bool) {
	s = strings.NewReplacer("(", " ", ")", " ", ",", " ", ";", " ", " and ", " ").Replace(s)
	var letters []string
	for _, f := range strings.Fields(s) {
		if len(f) != 1 || f[0] < 'a' || f[0] > 'h' {
			return "", false
		}
		letters = append(letters, f)
	}
	if len(letters) == 0 {
		return "", false
	}
	slices.Sort(letters)
	return strings.Join(slices.Compact(letters), ","), true
}
