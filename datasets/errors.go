package datasets

import (
	"errors"
	"fmt"
	"strings"
)

// FormatError reports a file that is not in the expected format: truncated, corrupt, wrong magic
// number, wrong counts, missing CSV columns...
//
// The message names the file and where in it the problem is: a byte offset (binary formats) or
// a line number (CSV, text).
type FormatError struct {
	File   string // file name (or archive member) as given to the parser
	Offset int64  // byte offset of the problem, -1 when not meaningful
	Line   int    // 1-based line of the problem (text formats), 0 when not meaningful
	Msg    string
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("datasets: ")
	b.WriteString(e.File)
	switch {
	case e.Line > 0:
		fmt.Fprintf(&b, ": line %d", e.Line)
	case e.Offset >= 0:
		fmt.Fprintf(&b, ": offset %d", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

func formatErrorAt(file string, offset int64, format string, args ...any) *FormatError {
	return &FormatError{File: file, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

func formatErrorLine(file string, line int, format string, args ...any) *FormatError {
	return &FormatError{File: file, Offset: -1, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// MissingDataError reports data that are not on this machine and could not be downloaded.
// Its message says exactly which files to put where, and where to get them.
type MissingDataError struct {
	Dataset string   // e.g. "CIFAR-10"
	Files   []string // absolute paths of the files (or folders) that are needed
	URL     string   // where to get them, "" when there is no public download
	Hint    string   // extra instructions (archive to extract, registration...)
	Err     error    // the underlying error (download failure...), may be nil
}

func (e *MissingDataError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "datasets: %s is not on this machine", e.Dataset)
	if e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	b.WriteString(": put ")
	if len(e.Files) == 1 {
		b.WriteString(e.Files[0])
		if e.URL != "" {
			fmt.Fprintf(&b, " (from %s)", e.URL)
		}
		if e.Hint != "" {
			b.WriteString("; ")
			b.WriteString(e.Hint)
		}
		return b.String()
	}
	b.WriteString("these files:")
	for _, f := range e.Files {
		b.WriteString("\n  ")
		b.WriteString(f)
	}
	if e.URL != "" {
		fmt.Fprintf(&b, "\nGet them from %s.", e.URL)
	}
	if e.Hint != "" {
		b.WriteString("\n")
		b.WriteString(strings.ToUpper(e.Hint[:1]))
		b.WriteString(e.Hint[1:])
		b.WriteString(".")
	}
	return b.String()
}

func (e *MissingDataError) Unwrap() error { return e.Err }

// IsMissing reports whether err says that a data set is not on this machine (a
// [*MissingDataError]), as opposed to a corrupt file or another failure: a notebook can then fall
// back to sample data.
func IsMissing(err error) bool {
	var m *MissingDataError
	return errors.As(err, &m)
}
