package datasets

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// CIFAR10Classes are the class names of CIFAR-10 (as in batches.meta.txt).
var CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// EnvCIFAR10Dir names the environment variable pointing at the cifar-10-batches-bin folder.
const EnvCIFAR10Dir = "GODL_CIFAR10_DIR"

var cifarArchive = RemoteFile{
	Name: "cifar-10-binary.tar.gz",
	URLs: []string{"https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"},
	MD5:  "c32a1d4ab5d03f1284b67883e8d87530", // as published on the CIFAR page
}

// cifarRecord is the size of one record: 1 label byte + 32·32·3 pixel bytes.
const cifarRecord = 1 + 3072

// ReadCIFAR10 parses one file of the CIFAR-10 binary version (data_batch_N.bin, test_batch.bin):
// records of 3073 bytes, a label byte 0..9 then 1024 red, 1024 green and 1024 blue bytes, each
// plane 32×32 row-major. The images are returned H×W×C = 32×32×3, pixels byte/255.
// Errors name the file and the offset (truncated record, label out of range).
func ReadCIFAR10(r io.Reader, name string) (*Dataset, error) {
	d := &Dataset{Name: "cifar10", Shape: []int{32, 32, 3}, Classes: CIFAR10Classes}
	br := bufio.NewReaderSize(r, 1<<16)
	rec := make([]byte, cifarRecord)
	var off int64
	for {
		n, err := io.ReadFull(br, rec)
		if err == io.EOF {
			break
		}
		if err == io.ErrUnexpectedEOF {
			return nil, formatErrorAt(name, off, "truncated record %d: %d of %d bytes (a CIFAR-10 binary file is a sequence of 3073-byte records)", off/cifarRecord, n, cifarRecord)
		}
		if err != nil {
			return nil, formatErrorAt(name, off, "reading record %d: %v", off/cifarRecord, err)
		}
		if rec[0] >= 10 {
			return nil, formatErrorAt(name, off, "record %d has label %d, want 0..9", off/cifarRecord, rec[0])
		}
		d.Labels = append(d.Labels, int(rec[0]))
		for p := range 1024 {
			d.X = append(d.X, float32(rec[1+p])/255, float32(rec[1+1024+p])/255, float32(rec[1+2048+p])/255)
		}
		off += cifarRecord
	}
	if d.Labels == nil {
		return nil, formatErrorAt(name, 0, "empty file: no CIFAR-10 record")
	}
	return d, nil
}

// CIFAR10Options configures [CIFAR10With]. The zero value is the default.
type CIFAR10Options struct {
	// Dir is the cifar-10-batches-bin folder; default $GODL_CIFAR10_DIR, else
	// <CacheDir>/cifar-10/cifar-10-batches-bin (downloaded and extracted there when missing).
	Dir string
	// NoDownload reports a missing data set as a *MissingDataError instead of downloading it
	// (about 170 MB), e.g. to fall back to another data set offline.
	NoDownload bool
}

// CIFAR10 loads CIFAR-10 (binary version): 50,000 training and 10,000 test colour images
// 32×32×3 of 10 classes ([CIFAR10Classes]), pixels in [0,1]. See [CIFAR10With].
func CIFAR10() (train, test *Dataset, err error) { return CIFAR10With(CIFAR10Options{}) }

// CIFAR10With loads CIFAR-10 from opt.Dir, $GODL_CIFAR10_DIR or the cache folder, downloading
// it into the cache folder when it is missing (unless NoDownload).
func CIFAR10With(opt CIFAR10Options) (train, test *Dataset, err error) {
	dir := opt.Dir
	if dir == "" && os.Getenv(EnvCIFAR10Dir) != "" {
		dir = CIFAR10Dir()
	}
	if dir == "" {
		if dir, err = defaultDir(EnvCIFAR10Dir, "cifar-10", "cifar-10-batches-bin"); err != nil {
			return nil, nil, err
		}
		root := filepath.Dir(dir)
		if !dirExists(dir) {
			hint := "or its extracted folder " + dir + " (data_batch_1.bin ... data_batch_5.bin, test_batch.bin)"
			if opt.NoDownload {
				return nil, nil, &MissingDataError{Dataset: "CIFAR-10", Files: []string{filepath.Join(root, cifarArchive.Name)}, URL: cifarArchive.URLs[0], Hint: hint}
			}
			archive, err := Download(root, cifarArchive)
			if err != nil {
				return nil, nil, &MissingDataError{Dataset: "CIFAR-10", Files: []string{filepath.Join(root, cifarArchive.Name)}, URL: cifarArchive.URLs[0], Err: err, Hint: hint}
			}
			if err := extractInto(archive, root, "cifar-10-batches-bin", cifarExtractLimit); err != nil {
				return nil, nil, err
			}
		}
	}
	noteDataset("cifar-10", dir)
	return readCIFAR10Dir(dir)
}

// readCIFAR10Dir reads data_batch_1.bin ... data_batch_5.bin and test_batch.bin from dir.
func readCIFAR10Dir(dir string) (train, test *Dataset, err error) {
	read := func(names ...string) (*Dataset, error) {
		var out *Dataset
		for _, n := range names {
			p := filepath.Join(dir, n)
			f, err := os.Open(p)
			if err != nil {
				if os.IsNotExist(err) {
					return nil, &MissingDataError{Dataset: "CIFAR-10", Files: []string{p}, URL: cifarArchive.URLs[0], Hint: "extract cifar-10-binary.tar.gz"}
				}
				return nil, err
			}
			d, err := ReadCIFAR10(f, p)
			f.Close()
			if err != nil {
				return nil, err
			}
			if out == nil {
				out = d
			} else {
				out.X = append(out.X, d.X...)
				out.Labels = append(out.Labels, d.Labels...)
			}
		}
		return out, nil
	}
	if train, err = read("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"); err != nil {
		return nil, nil, err
	}
	if test, err = read("test_batch.bin"); err != nil {
		return nil, nil, err
	}
	train.Name, test.Name = "cifar10-train", "cifar10-test"
	return train, test, nil
}
