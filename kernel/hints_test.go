package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestClosest(t *testing.T) {
	names := []string{"Dense", "Dice", "Dropout", "MNIST", "Curves", "CurvesChart", "Print", "Printf", "Println"}
	for _, c := range []struct {
		name string
		want []string
	}{
		{"Dence", []string{"Dense"}},  // distance 1; Dice (2) is not as close
		{"Mnist", []string{"MNIST"}},  // case only
		{"Curve", []string{"Curves"}}, // distance 1, then the prefix matches are left out
		{"Printn", []string{"Print", "Printf", "Println"}},
		{"Zebra", nil},
	} {
		if got := closest(c.name, names, 3); !slices.Equal(got, c.want) {
			t.Errorf("closest(%q) = %v, want %v", c.name, got, c.want)
		}
	}
	if d := editDistance("kitten", "sitting"); d != 3 {
		t.Errorf("editDistance = %d, want 3", d)
	}
}

// compileHints on real compiler lines and a main.go, with the repository's packages.
func TestCompileHints(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	main := "package main\n\nfunc main() {\n\tm := nn.Sequential(nn.Dence(3))\n\t_ = m\n}\n"
	out := "# gonb_x\n./main.go:4:7: undefined: nn\n"
	hints := compileHints(out, &hintEnv{Main: []byte(main), Root: root})
	if len(hints) != 1 || !strings.HasPrefix(hints[0], "./main.go:4:24: hint: nn has no Dence") || !strings.Contains(hints[0], "did you mean nn.Dense?") {
		t.Errorf("hints %q", hints)
	}
	// With the import line there (the goimports shim adds it), the compiler names the member.
	out2 := "# gonb_x\n./main.go:4:24: undefined: nn.Dence\n"
	hints = compileHints(out2, &hintEnv{Main: []byte(main), Root: root})
	if len(hints) != 1 || hints[0] != "./main.go:4:24: hint: nn has no Dence; did you mean nn.Dense?" {
		t.Errorf("hints %q", hints)
	}
	out2 = "# gonb_x\n./main.go:4:24: undefined: nn.Dence (but have Dense)\n"
	hints = compileHints(out2, &hintEnv{Main: []byte(main), Root: root})
	if len(hints) != 1 || hints[0] != "./main.go:4:24: hint: nn has no Dence; did you mean nn.Dense?" {
		t.Errorf("hints %q", hints)
	}
	out2 = "# gonb_x\n./main.go:4:24: undefined: nn.Zzzzzzzz\n./main.go:5:2: undefined: nn.Dense\n"
	hints = compileHints(out2, &hintEnv{Main: []byte(main), Root: root})
	if len(hints) != 1 || !strings.Contains(hints[0], "nn has no Zzzzzzzz; see `go doc ./nn` for its names") {
		t.Errorf("hints %q (an existing member gets no hint)", hints)
	}
	// A renamed name says where it went.
	main = "package main\n\nfunc main() {\n\tm := nn.Sequential(nn.Dense(3).WithInit(nn.Xavier))\n\t_ = m\n}\n"
	hints = compileHints(out, &hintEnv{Main: []byte(main), Root: root})
	if len(hints) != 1 || !strings.Contains(hints[0], "nn has no Xavier") || !strings.Contains(hints[0], "nn.LeCunNormal") || !strings.Contains(hints[0], "nn.GlorotUniform") {
		t.Errorf("hints %q", hints)
	}
	// A value of an earlier cell, and an unused one.
	main = "package main\n\nfunc main() {\n\tx := 1\n\tfmt.Println(model)\n}\n"
	out = "./main.go:5:14: undefined: model\n./main.go:4:2: declared and not used: x\n"
	hints = compileHints(out, &hintEnv{Main: []byte(main), Root: root, Earlier: []string{"model", "train"}})
	if len(hints) != 2 || !strings.Contains(hints[0], "model was made by an earlier %% cell") || !strings.Contains(hints[1], "x gets a value that nothing uses") {
		t.Errorf("hints %q", hints)
	}
	// A function returning (train, test, err) given one variable.
	hints = compileHints("./main.go:4:11: assignment mismatch: 1 variable but datasets.MNIST returns 3 values\n",
		&hintEnv{Main: []byte("package main\n"), Root: root})
	if len(hints) != 1 || !strings.Contains(hints[0], "train, test := nb.Must2(datasets.MNIST())") {
		t.Errorf("hints %q", hints)
	}
	// Nothing to say about other errors, and no hint without compiler lines.
	if h := compileHints("./main.go:3:1: missing return\n", &hintEnv{Main: []byte(main), Root: root}); len(h) != 0 {
		t.Errorf("hints %q for an error without a hint", h)
	}
	if h := compileHints("go: downloading ...\n", &hintEnv{Root: root}); len(h) != 0 {
		t.Errorf("hints %q without compiler lines", h)
	}
}

func TestUnrunFits(t *testing.T) {
	src := "package main\n\nfunc main() {\n\tm.Fit(train).Epochs(3)\n\tm.Fit(train).Epochs(3).Done()\n\th, _ := m.Fit(train).Done()\n\t_ = h\n}\n"
	hints := unrunFits([]byte(src))
	if len(hints) != 1 || !strings.HasPrefix(hints[0], "./main.go:4:2: hint: this Fit(...) is configured but never run") {
		t.Errorf("hints %q", hints)
	}
}

func TestExportedNamesOfACoursePackage(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	p := exportedNames(filepath.Join(root, "nn"))
	if p == nil || !slices.Contains(p.Members, "Dense") || !slices.Contains(p.Methods["Model"], "Fit") || slices.Contains(p.Members, "compile") {
		t.Fatalf("nn's names: %v", p)
	}
}

func TestCellHint(t *testing.T) {
	for _, c := range []struct {
		code string
		want bool
	}{
		{"train := 3\nfmt.Println(train)", true},
		{"%%\ntrain := 3\nfmt.Println(train)", false},
		{"func f() int { return 1 }", false},
		{"var x = 3", false},
		{"%env GOMLX_BACKEND=go\nx := 1\nfmt.Println(x)", true},
		{"!ls", false},
		{"func f( {", false}, // another syntax error: GoNB's own message is right
		{"", false},
	} {
		if got := cellHint(c.code) != ""; got != c.want {
			t.Errorf("cellHint(%q) given: %v, want %v", c.code, got, c.want)
		}
	}
}
