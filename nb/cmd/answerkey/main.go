// Command answerkey prints the hash of a self-check answer, for the nb.Expect line of a check
// cell:
//
//	go run ./nb/cmd/answerkey 09-weight-initialization 2 "1/3"
//	3f1c08a2c0ffee12   (normalized answer: 0.333)
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/godl-course/godl/nb"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: answerkey CHAPTER QUESTION ANSWER   (e.g. answerkey 09-weight-initialization 2 \"1/3\")")
		os.Exit(2)
	}
	q, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "answerkey: the question number %q is not an integer\n", os.Args[2])
		os.Exit(2)
	}
	fmt.Printf("%s   (normalized answer: %s)\n", nb.AnswerKey(os.Args[1], q, os.Args[3]), nb.NormalizeAnswer(os.Args[3]))
}
