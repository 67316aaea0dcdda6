package datasets

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// GTSRBClasses are the names of the 43 classes of the German Traffic Sign Recognition Benchmark.
var GTSRBClasses = []string{
	"Speed limit (20km/h)", "Speed limit (30km/h)", "Speed limit (50km/h)", "Speed limit (60km/h)",
	"Speed limit (70km/h)", "Speed limit (80km/h)", "End of speed limit (80km/h)", "Speed limit (100km/h)",
	"Speed limit (120km/h)", "No passing", "No passing for vehicles over 3.5 metric tons",
	"Right-of-way at the next intersection", "Priority road", "Yield", "Stop", "No vehicles",
	"Vehicles over 3.5 metric tons prohibited", "No entry", "General caution",
	"Dangerous curve to the left", "Dangerous curve to the right", "Double curve", "Bumpy road",
	"Slippery road", "Road narrows on the right", "Road work", "Traffic signals", "Pedestrians",
	"Children crossing", "Bicycles crossing", "Beware of ice/snow", "Wild animals crossing",
	"End of all speed and passing limits", "Turn right ahead", "Turn left ahead", "Ahead only",
	"Go straight or right", "Go straight or left", "Keep right", "Keep left", "Roundabout mandatory",
	"End of no passing", "End of no passing by vehicles over 3.5 metric tons",
}

// GTSRBRow is one line of a GTSRB ground-truth CSV file (GT-000NN.csv, GT-final_test.csv):
// the image file, its size and the region of interest (the sign), corners inclusive.
type GTSRBRow struct {
	Filename                string
	Width, Height           int
	X1, Y1, X2, Y2, ClassID int
	Line                    int // line in the CSV file (1-based)
}

// gtsrbColumns are the columns of the GTSRB CSV files, ';'-separated, in any order.
var gtsrbColumns = []string{"Filename", "Width", "Height", "Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2", "ClassId"}

// ReadGTSRBCSV parses a GTSRB ground-truth CSV file: a header line
// "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId" (columns found by name), then one
// line per image. Errors are [*FormatError]s with the line number: missing columns, wrong
// field count, non-numeric values, an image larger than a PPM file may be, ROI outside the
// image, class id not in 0..42, a file listed twice.
func ReadGTSRBCSV(r io.Reader, name string) ([]GTSRBRow, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	line := 0
	var col map[string]int
	var nf int
	var rows []GTSRBRow
	seen := map[string]int{} // file name → line
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, ";")
		if col == nil {
			col = map[string]int{}
			for i, f := range fields {
				col[strings.TrimSpace(f)] = i
			}
			var missing []string
			for _, c := range gtsrbColumns {
				if _, ok := col[c]; !ok {
					missing = append(missing, c)
				}
			}
			if len(missing) > 0 {
				return nil, formatErrorLine(name, line, "missing columns %s in the header %q (want %s, ';'-separated)", strings.Join(missing, ", "), text, strings.Join(gtsrbColumns, ";"))
			}
			nf = len(fields)
			continue
		}
		if len(fields) != nf {
			return nil, formatErrorLine(name, line, "%d fields, the header has %d", len(fields), nf)
		}
		row := GTSRBRow{Filename: strings.TrimSpace(fields[col["Filename"]]), Line: line}
		ints := []*int{&row.Width, &row.Height, &row.X1, &row.Y1, &row.X2, &row.Y2, &row.ClassID}
		for k, c := range gtsrbColumns[1:] {
			v, err := strconv.Atoi(strings.TrimSpace(fields[col[c]]))
			if err != nil {
				return nil, formatErrorLine(name, line, "column %s: %q is not an integer", c, fields[col[c]])
			}
			*ints[k] = v
		}
		if row.Filename == "" || strings.ContainsAny(row.Filename, `/\`) || row.Filename == ".." {
			return nil, formatErrorLine(name, line, "bad file name %q", row.Filename)
		}
		if row.Width > 0 && row.Height > 0 && int64(row.Width)*int64(row.Height) > maxPixels {
			return nil, formatErrorLine(name, line, "image size %d×%d, more than the %d pixels a PPM file may have here (GTSRB photos are at most 250×250)", row.Width, row.Height, maxPixels)
		}
		if row.Width <= 0 || row.Height <= 0 || row.X1 < 0 || row.Y1 < 0 || row.X2 < row.X1 || row.Y2 < row.Y1 || row.X2 >= row.Width || row.Y2 >= row.Height {
			return nil, formatErrorLine(name, line, "ROI (%d,%d)-(%d,%d) is not inside the %d×%d image", row.X1, row.Y1, row.X2, row.Y2, row.Width, row.Height)
		}
		if row.ClassID < 0 || row.ClassID >= len(GTSRBClasses) {
			return nil, formatErrorLine(name, line, "ClassId %d is not in 0..%d", row.ClassID, len(GTSRBClasses)-1)
		}
		if first, ok := seen[row.Filename]; ok {
			return nil, formatErrorLine(name, line, "%s is listed twice (first on line %d)", row.Filename, first)
		}
		seen[row.Filename] = line
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, formatErrorLine(name, line+1, "reading: %v", err)
	}
	if col == nil {
		return nil, formatErrorLine(name, 1, "empty file: the header %s is missing", strings.Join(gtsrbColumns, ";"))
	}
	return rows, nil
}

// GTSRBOptions configures [GTSRBWith]. The zero value is the default.
type GTSRBOptions struct {
	// Dir is the folder holding Final_Training/ and Final_Test/ (the "GTSRB" folder of the
	// official archives); default $GODL_GTSRB_DIR, else <CacheDir>/gtsrb/GTSRB.
	Dir string
	// Size is the side of the square images after cropping to the ROI and resizing; default 32.
	Size int
	// NoCrop keeps the whole image (with its border) instead of cropping to the ROI.
	NoCrop bool
	// NoDownload reports a missing data set as a *MissingDataError instead of downloading the
	// archives (about 300 MB) into the cache folder.
	NoDownload bool

	boxes bool // GTSRBBoxes: the ROI as a (x1, y1, x2, y2) target, read with the images
}

// EnvGTSRBDir names the environment variable pointing at the GTSRB folder.
const EnvGTSRBDir = "GODL_GTSRB_DIR"

var gtsrbArchives = []RemoteFile{
	// No checksum of this archive is published (the MD5 often quoted for GTSRB training data is
	// that of another archive, GTSRB-Training_fixed.zip): its content is checked instead.
	{Name: "GTSRB_Final_Training_Images.zip", URLs: []string{"https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/GTSRB_Final_Training_Images.zip"}, Check: checkGTSRBTrainingZip},
	{Name: "GTSRB_Final_Test_Images.zip", URLs: []string{"https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/GTSRB_Final_Test_Images.zip"}, MD5: "c7e4e6327067d32654124b0fe9e82185"},
	{Name: "GTSRB_Final_Test_GT.zip", URLs: []string{"https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/GTSRB_Final_Test_GT.zip"}, MD5: "fe31e9c9270bbcd7b84b7f21a9d9d9e5"},
}

// GTSRB loads the German Traffic Sign Recognition Benchmark: 39,209 training and 12,630 test
// photos of 43 classes ([GTSRBClasses]), each cropped to its sign (ROI) and resized to
// 32×32×3, pixels in [0,1]. Groups holds the physical track of each training image (≈30 photos
// of the same sign): split train/validation with [Dataset.SplitByGroup] so that the validation
// set does not leak, e.g.
//
//	train, test := nb.Must2(datasets.GTSRB())
//	train, val := train.SplitByGroup(0.8, 1)
//
// The archives are downloaded into <CacheDir>/gtsrb when missing.
func GTSRB() (train, test *Dataset, err error) { return GTSRBWith(GTSRBOptions{}) }

// GTSRBWith is [GTSRB] with options.
func GTSRBWith(opt GTSRBOptions) (train, test *Dataset, err error) {
	if opt.Size <= 0 {
		opt.Size = 32
	}
	dir := opt.Dir
	if dir == "" && os.Getenv(EnvGTSRBDir) != "" {
		dir = GTSRBDir()
	}
	if dir == "" {
		if dir, err = defaultDir(EnvGTSRBDir, "gtsrb", "GTSRB"); err != nil {
			return nil, nil, err
		}
		root := filepath.Dir(dir)
		if !opt.NoDownload {
			if err := fetchGTSRB(root, dir); err != nil {
				return nil, nil, err
			}
		}
	}
	noteDataset("gtsrb", dir)
	trainDir := filepath.Join(dir, "Final_Training", "Images")
	testDir := filepath.Join(dir, "Final_Test", "Images")
	if !dirExists(trainDir) {
		return nil, nil, &MissingDataError{Dataset: "GTSRB", Files: []string{trainDir + string(filepath.Separator) + "000NN/{GT-000NN.csv,*.ppm}"}, URL: gtsrbArchives[0].URLs[0], Hint: "extract GTSRB_Final_Training_Images.zip in " + filepath.Dir(dir)}
	}
	train, err = loadGTSRBTrain(trainDir, opt)
	if err != nil {
		return nil, nil, err
	}
	gt := filepath.Join(testDir, "GT-final_test.csv")
	if !fileExists(gt) {
		return nil, nil, &MissingDataError{Dataset: "GTSRB test set", Files: []string{testDir + string(filepath.Separator) + "*.ppm", gt}, URL: gtsrbArchives[1].URLs[0], Hint: "extract GTSRB_Final_Test_Images.zip in " + filepath.Dir(dir) + " and put GT-final_test.csv from GTSRB_Final_Test_GT.zip into " + testDir}
	}
	test, err = loadGTSRBFolder(testDir, gt, opt)
	if err != nil {
		return nil, nil, err
	}
	test.Name = "gtsrb-test"
	return train, test, nil
}

// fetchGTSRB downloads and extracts the three archives into root when dir is not complete.
func fetchGTSRB(root, dir string) error {
	if dirExists(filepath.Join(dir, "Final_Training", "Images")) && fileExists(filepath.Join(dir, "Final_Test", "Images", "GT-final_test.csv")) {
		return nil
	}
	var paths []string
	for _, a := range gtsrbArchives {
		p, err := Download(root, a)
		if err != nil {
			return &MissingDataError{Dataset: "GTSRB", Files: []string{filepath.Join(root, a.Name)}, URL: a.URLs[0], Err: err,
				Hint: "the three archives GTSRB_Final_Training_Images.zip, GTSRB_Final_Test_Images.zip and GTSRB_Final_Test_GT.zip go in " + root}
		}
		paths = append(paths, p)
	}
	if !dirExists(filepath.Join(dir, "Final_Training")) {
		if err := extractInto(paths[0], root, "GTSRB/Final_Training", gtsrbTrainExtractLimit); err != nil {
			return err
		}
	}
	if !dirExists(filepath.Join(dir, "Final_Test")) {
		if err := extractInto(paths[1], root, "GTSRB/Final_Test", gtsrbTestExtractLimit); err != nil {
			return err
		}
	}
	gt := filepath.Join(dir, "Final_Test", "Images", "GT-final_test.csv")
	if !fileExists(gt) {
		tmp := filepath.Join(root, ".gt-extract")
		os.RemoveAll(tmp)
		if err := extractLimited(paths[2], tmp, gtsrbGTExtractLimit); err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := os.Rename(filepath.Join(tmp, "GT-final_test.csv"), gt); err != nil {
			return fmt.Errorf("datasets: %s does not hold GT-final_test.csv: %v", paths[2], err)
		}
	}
	return nil
}

// extractInto extracts archive (at most lim) into a temporary folder in root and moves its
// member sub (a folder) to root/sub: root/sub is absent or complete.
func extractInto(archive, root, sub string, lim extractLimit) error {
	tmp, err := os.MkdirTemp(root, ".extract-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	x := filepath.Join(tmp, "x")
	if err := extractLimited(archive, x, lim); err != nil {
		return err
	}
	dest := filepath.Join(root, filepath.FromSlash(sub))
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(x, filepath.FromSlash(sub)), dest); err != nil {
		return fmt.Errorf("datasets: %s does not hold %s: %v", archive, sub, err)
	}
	return nil
}

// loadGTSRBTrain reads the 43 class folders 000NN with their GT-000NN.csv.
func loadGTSRBTrain(trainDir string, opt GTSRBOptions) (*Dataset, error) {
	var parts []*Dataset
	for k := range GTSRBClasses {
		cdir := filepath.Join(trainDir, fmt.Sprintf("%05d", k))
		csv := filepath.Join(cdir, fmt.Sprintf("GT-%05d.csv", k))
		if !dirExists(cdir) {
			continue // a subset of the classes (e.g. a small test folder)
		}
		if !fileExists(csv) {
			return nil, &MissingDataError{Dataset: "GTSRB", Files: []string{csv}, URL: gtsrbArchives[0].URLs[0], Hint: "the training archive has one GT-000NN.csv per class folder"}
		}
		d, err := loadGTSRBFolder(cdir, csv, opt)
		if err != nil {
			return nil, err
		}
		for i, l := range d.Labels {
			if l != k {
				return nil, formatErrorLine(csv, 0, "image %d has ClassId %d in the folder of class %d", i, l, k)
			}
		}
		parts = append(parts, d)
	}
	if len(parts) == 0 {
		return nil, &MissingDataError{Dataset: "GTSRB", Files: []string{filepath.Join(trainDir, "00000", "GT-00000.csv")}, URL: gtsrbArchives[0].URLs[0]}
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out.X = append(out.X, p.X...)
		out.Labels = append(out.Labels, p.Labels...)
		out.Groups = append(out.Groups, p.Groups...)
		out.Targets = append(out.Targets, p.Targets...)
	}
	out.Name = "gtsrb-train"
	return out, nil
}

// loadGTSRBFolder reads the images listed in a CSV file of folder dir (in parallel).
func loadGTSRBFolder(dir, csvPath string, opt GTSRBOptions) (*Dataset, error) {
	f, err := os.Open(csvPath)
	if err != nil {
		return nil, err
	}
	rows, err := ReadGTSRBCSV(f, csvPath)
	f.Close()
	if err != nil {
		return nil, err
	}
	// Every image must be in the folder before room is made for all of them (a CSV file of a
	// million lines would otherwise allocate gigabytes).
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: %v", err)
	}
	present := make(map[string]bool, len(entries))
	for _, e := range entries {
		present[e.Name()] = !e.IsDir()
	}
	for _, r := range rows {
		if !present[r.Filename] {
			return nil, formatErrorLine(csvPath, r.Line, "%s is not in %s: the folder is incomplete; delete it and run again to extract it (or download the archive again)", r.Filename, dir)
		}
	}
	s := opt.Size
	n := s * s * 3
	d := &Dataset{Name: "gtsrb", Shape: []int{s, s, 3}, Classes: GTSRBClasses, X: make([]float32, len(rows)*n), Labels: make([]int, len(rows)), Groups: make([]int, len(rows))}
	for i, r := range rows {
		d.Labels[i] = r.ClassID
		d.Groups[i] = r.ClassID*100000 + gtsrbTrack(r.Filename)
	}
	if opt.boxes {
		// The ROI's corners are inclusive pixels: x2 = (Roi.X2 + 1)/Width.
		d.Targets, d.TargetShape = make([]float32, 0, 4*len(rows)), []int{4}
		for _, r := range rows {
			w, h := float32(r.Width), float32(r.Height)
			d.Targets = append(d.Targets, float32(r.X1)/w, float32(r.Y1)/h, float32(r.X2+1)/w, float32(r.Y2+1)/h)
		}
	}
	err = parallelFor(len(rows), func(i int) error {
		return loadGTSRBImage(dir, csvPath, rows[i], opt, d.X[i*n:(i+1)*n])
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// gtsrbTrack returns the track number TTTTT of a training file name TTTTT_IIIII.ppm (−1 when
// the name has no track, as in the test set).
func gtsrbTrack(name string) int {
	t, _, ok := strings.Cut(name, "_")
	if !ok {
		return -1
	}
	v, err := strconv.Atoi(t)
	if err != nil {
		return -1
	}
	return v
}

func loadGTSRBImage(dir, csvPath string, r GTSRBRow, opt GTSRBOptions, out []float32) error {
	path := filepath.Join(dir, r.Filename)
	p, err := readPPMFile(path)
	if err != nil {
		return err
	}
	if p.w != r.Width || p.h != r.Height {
		return formatErrorLine(csvPath, r.Line, "%s is %d×%d but the CSV says %d×%d", r.Filename, p.w, p.h, r.Width, r.Height)
	}
	if !opt.NoCrop {
		p = p.crop(r.X1, r.Y1, r.X2+1, r.Y2+1)
	}
	copy(out, p.resizeBilinear(opt.Size, opt.Size).pix)
	return nil
}

// gtsrbTrainingImages is the number of photos in the official training archive.
const gtsrbTrainingImages = 39209

// checkGTSRBTrainingZip verifies a downloaded GTSRB_Final_Training_Images.zip by its content:
// one GT-000NN.csv per class (43) and 39,209 PPM photos under GTSRB/Final_Training/Images/.
func checkGTSRBTrainingZip(path string) error {
	z, err := zip.OpenReader(path)
	if err != nil {
		return &FormatError{File: path, Msg: "not a zip archive: " + err.Error()}
	}
	defer z.Close()
	csvs, ppms := 0, 0
	for _, f := range z.File {
		name := filepath.ToSlash(f.Name)
		if !strings.HasPrefix(name, "GTSRB/Final_Training/Images/") {
			continue
		}
		switch {
		case strings.HasSuffix(name, ".csv"):
			csvs++
		case strings.HasSuffix(name, ".ppm"):
			ppms++
		}
	}
	if csvs != len(GTSRBClasses) || ppms != gtsrbTrainingImages {
		return &FormatError{File: path, Msg: fmt.Sprintf("the GTSRB training archive should hold %d class CSV files and %d PPM photos under GTSRB/Final_Training/Images/, found %d and %d",
			len(GTSRBClasses), gtsrbTrainingImages, csvs, ppms)}
	}
	return nil
}
