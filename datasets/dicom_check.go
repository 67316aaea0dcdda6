package datasets

// Checking the structure of a DICOM file before github.com/suyashkumar/dicom parses it.
//
// The library allocates what a header announces before it finds out that the file is shorter:
// a 4 GB buffer for an element whose length field is corrupt, rows × columns × frames values for
// the pixels, a slice of NumberOfFrames frames. An allocation the machine cannot satisfy kills
// the whole process ("fatal error: out of memory"), which recover cannot catch: a few hundred
// damaged bytes would take the kernel down with every model in it. checkDICOM therefore walks
// the elements the way the library reads them (same transfer syntax, same value representations,
// same nesting of sequences and items) without allocating anything, and refuses every length
// that does not fit in the file. A file it accepts makes the library allocate at most a small
// multiple of the file's size.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

const (
	// maxDICOMBytes bounds the size of one DICOM file: a single slice (CHAOS CT slices are
	// 512×512×2 bytes, about 0.5 MB; the largest single-frame images, 4096×4096 mammograms,
	// 32 MB).
	maxDICOMBytes = 64 << 20
	// maxDICOMValues bounds the number of elements and string values of a file (a CT header has
	// a few hundred): each costs the library a few hundred bytes, whatever its length.
	maxDICOMValues = 1 << 17
	// maxDICOMDepth bounds the nesting of sequences and items (the library reads them
	// recursively).
	maxDICOMDepth = 32
)

// dicomRemedy is what to do about a damaged DICOM file.
const dicomRemedy = "the file is damaged (truncated or corrupt): replace it with an intact copy (for CHAOS, delete it and extract CHAOS_Train_Sets.zip again)"

// dicomHeader is the header of one element: tag, value representation (VR) and value length
// (VL), as the library reads them.
type dicomHeader struct {
	off   int // offset of the element
	t     tag.Tag
	vr    string
	vl    uint32
	value int // offset of the value
}

// dicomScope holds the first occurrence of the elements that the library reads native pixel data
// with, in one dataset (the file, or one sequence item), as the library's FindElementByTag finds
// them.
type dicomScope map[tag.Tag]dicomHeader

// dicomPixelTags are the elements kept in a dicomScope.
var dicomPixelTags = []tag.Tag{tag.Rows, tag.Columns, tag.BitsAllocated, tag.SamplesPerPixel, tag.NumberOfFrames}

func (s dicomScope) add(h dicomHeader) {
	for _, t := range dicomPixelTags {
		if h.t == t {
			if _, ok := s[t]; !ok {
				s[t] = h
			}
			return
		}
	}
}

// dicomWalker walks the elements of a DICOM file.
type dicomWalker struct {
	data     []byte
	name     string
	bo       binary.ByteOrder
	implicit bool
	meta     bool // inside the File Meta Information (group 0002)
	values   int  // elements and string values seen so far
}

// errAt returns a *FormatError at offset off.
func (w *dicomWalker) errAt(off int, format string, args ...any) error {
	return &FormatError{File: w.name, Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
}

// checkDICOM checks that data, a whole DICOM file, can be given to the DICOM library: the
// standard preamble and File Meta Information, an uncompressed transfer syntax, every element
// length within the file (and within its enclosing sequence or item), at most maxDICOMDepth
// levels of nesting, and native pixel data whose size (rows × columns × bytes per sample ×
// samples × frames, one frame) is exactly that of the pixel data element. Errors are
// [*FormatError]s naming the file, saying what is wrong and what to do.
func checkDICOM(data []byte, name string) error {
	w := &dicomWalker{data: data, name: name, bo: binary.LittleEndian, meta: true}
	if len(data) > maxDICOMBytes {
		return w.errAt(-1, "DICOM file of %d bytes (%s), more than the %s a single slice can have: %s", len(data), humanBytes(float64(len(data))), humanBytes(maxDICOMBytes), dicomRemedy)
	}
	if len(data) < 132 || string(data[128:132]) != "DICM" {
		return w.errAt(-1, "unreadable DICOM: no \"DICM\" marker at byte 128 (%d bytes: not a DICOM file, or one without the standard 128-byte preamble): %s", len(data), dicomRemedy)
	}
	// File Meta Information: explicit VR little endian, its length first.
	h, ok, err := w.header(132, len(data))
	if err != nil {
		return err
	}
	if !ok || h.t != tag.FileMetaInformationGroupLength || h.vr != "UL" || h.vl != 4 || len(data)-h.value < 4 {
		return w.errAt(132, "unreadable DICOM: no File Meta Information Group Length (0002,0000) after the DICM marker: %s", dicomRemedy)
	}
	metaLen := binary.LittleEndian.Uint32(data[h.value:])
	p := h.value + 4
	if int64(metaLen) > int64(len(data)-p) {
		return w.tooLong(h, int64(metaLen), len(data)-p)
	}
	top := dicomScope{}
	var ts *dicomHeader
	end := p + int(metaLen)
	for p < end {
		h, next, err := w.element(p, end, top, 0)
		if err == errDICOMHeaderCut {
			return w.errAt(p, "unreadable DICOM: the File Meta Information ends inside an element header: %s", dicomRemedy)
		}
		if err != nil {
			return err
		}
		if h.t == tag.TransferSyntaxUID && ts == nil {
			ts = &h
		}
		top.add(h)
		p = next
	}
	if err := w.transferSyntax(ts); err != nil {
		return err
	}
	// The data set, up to the end of the file. The library stops without an error where the
	// file ends inside an element header, and so does the walk.
	w.meta = false
	for p < len(data) {
		h, next, err := w.element(p, len(data), top, 0)
		if err == errDICOMHeaderCut {
			break
		}
		if err != nil {
			return err
		}
		top.add(h)
		p = next
	}
	return nil
}

// errDICOMHeaderCut reports an element header cut by the end of its region.
var errDICOMHeaderCut = fmt.Errorf("DICOM element header cut by the end of the file")

// transferSyntax sets the byte order and VR encoding of the data set from the TransferSyntaxUID
// element (0002,0010); only the uncompressed syntaxes are accepted.
func (w *dicomWalker) transferSyntax(ts *dicomHeader) error {
	if ts == nil {
		return w.errAt(132, "unreadable DICOM: no TransferSyntaxUID (0002,0010) in the File Meta Information: %s", dicomRemedy)
	}
	s, ok := w.firstString(*ts)
	if !ok {
		return w.errAt(ts.off, "unreadable DICOM: TransferSyntaxUID (0002,0010) is not a text value: %s", dicomRemedy)
	}
	switch s {
	case uid.ImplicitVRLittleEndian:
		w.bo, w.implicit = binary.LittleEndian, true
	case uid.ExplicitVRLittleEndian:
		w.bo, w.implicit = binary.LittleEndian, false
	case uid.ExplicitVRBigEndian:
		w.bo, w.implicit = binary.BigEndian, false
	default:
		what := "an unknown transfer syntax"
		if s == uid.DeflatedExplicitVRLittleEndian {
			what = "deflate-compressed"
		} else if e, err := uid.Lookup(s); err == nil {
			what = e.Name
		}
		return w.errAt(ts.off, "DICOM with transfer syntax %q (%s): only uncompressed DICOM (implicit or explicit VR) is supported; convert the file (e.g. gdcmconv --raw, or dcmdjpeg for JPEG)", s, what)
	}
	return nil
}

// header reads the header of the element at p, in a region ending at end. ok is false when the
// region ends inside the header.
func (w *dicomWalker) header(p, end int) (h dicomHeader, ok bool, err error) {
	d := w.data
	h.off = p
	if end-p < 4 {
		return h, false, nil
	}
	h.t = tag.Tag{Group: w.bo.Uint16(d[p:]), Element: w.bo.Uint16(d[p+2:])}
	q := p + 4
	implicit := w.implicit || h.t == tag.Item // the library reads items as implicit VR
	if implicit {
		h.vr = tag.UnknownVR
		if info, err := tag.Find(h.t); err == nil && len(info.VRs) > 0 {
			switch info.Tag {
			case tag.PixelData, tag.OverlayData:
				h.vr = "OW"
			default:
				h.vr = info.VRs[0]
			}
		}
		if end-q < 4 {
			return h, false, nil
		}
		h.vl = w.bo.Uint32(d[q:])
		h.value = q + 4
		return h, true, nil
	}
	if end-q < 2 {
		return h, false, nil
	}
	a, b := d[q], d[q+1]
	if !(a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z') && !(a == 0 && b == 0) {
		return h, false, w.errAt(p, "unreadable DICOM: element %v has the value representation %q, not two capital letters: %s", h.t, string(d[q:q+2]), dicomRemedy)
	}
	h.vr = string(d[q : q+2])
	q += 2
	switch h.vr {
	case "NA", "OB", "OD", "OF", "OL", "OW", "SQ", "UN", "UC", "UR", "UT": // as the library reads them
		if end-q < 6 {
			return h, false, nil
		}
		h.vl = w.bo.Uint32(d[q+2:])
		h.value = q + 6
	default:
		if end-q < 2 {
			return h, false, nil
		}
		h.vl = uint32(w.bo.Uint16(d[q:]))
		if h.vl == 0xffff {
			h.vl = tag.VLUndefinedLength
		}
		h.value = q + 2
	}
	return h, true, nil
}

// tooLong reports an element (or item) announcing more bytes than its region holds.
func (w *dicomWalker) tooLong(h dicomHeader, vl int64, left int) error {
	return w.errAt(h.off, "DICOM element %v (VR %s) announces %d bytes (%s) but only %d bytes of the file follow: %s", h.t, h.vr, vl, humanBytes(float64(vl)), left, dicomRemedy)
}

// element walks the element at p, in a region (the file, a sequence or an item) ending at end;
// sc is the dataset it belongs to, depth its nesting. It returns the element's header and the
// offset after it.
func (w *dicomWalker) element(p, end int, sc dicomScope, depth int) (dicomHeader, int, error) {
	if w.values++; w.values > maxDICOMValues {
		return dicomHeader{}, 0, w.errAt(p, "DICOM with more than %d elements and values: %s", maxDICOMValues, dicomRemedy)
	}
	h, ok, err := w.header(p, end)
	if err != nil {
		return h, 0, err
	}
	if !ok {
		return h, 0, errDICOMHeaderCut
	}
	left := end - h.value
	undefined := h.vl == tag.VLUndefinedLength
	defined := func() (int, error) {
		if undefined {
			return 0, w.errAt(h.off, "unreadable DICOM: element %v (VR %s) has an undefined length, which this kind of value cannot have: %s", h.t, h.vr, dicomRemedy)
		}
		if int64(h.vl) > int64(left) {
			return 0, w.tooLong(h, int64(h.vl), left)
		}
		return h.value + int(h.vl), nil
	}
	kind := tag.GetVRKind(h.t, h.vr)
	if w.meta && (undefined || kind == tag.VRSequence || kind == tag.VRItem || kind == tag.VRPixelData) {
		return h, 0, w.errAt(h.off, "unreadable DICOM: element %v (VR %s) in the File Meta Information, which holds only simple values: %s", h.t, h.vr, dicomRemedy)
	}
	if (kind == tag.VRSequence || kind == tag.VRItem || (kind == tag.VRUnknown && undefined)) && depth >= maxDICOMDepth {
		return h, 0, w.errAt(h.off, "unreadable DICOM: sequences nested more than %d deep: %s", maxDICOMDepth, dicomRemedy)
	}
	switch kind {
	case tag.VRBytes:
		if undefined {
			next, err := w.byteItems(h, end)
			return h, next, err
		}
		next, err := defined()
		return h, next, err
	case tag.VRUnknown:
		if undefined {
			next, err := w.sequence(h, end, depth+1)
			return h, next, err
		}
		next, err := defined()
		return h, next, err
	case tag.VRSequence:
		next, err := w.sequence(h, end, depth+1)
		return h, next, err
	case tag.VRItem:
		next, err := w.item(h, end, depth+1)
		return h, next, err
	case tag.VRPixelData:
		next, err := w.pixelData(h, end, sc)
		return h, next, err
	case tag.VRUInt16List, tag.VRUInt32List, tag.VRInt16List, tag.VRInt32List, tag.VRTagList, tag.VRFloat32List, tag.VRFloat64List:
		next, err := defined()
		return h, next, err
	}
	// Text (the library splits it into values at each backslash).
	next, err := defined()
	if err == nil {
		w.values += bytes.Count(w.data[h.value:next], []byte{'\\'})
	}
	return h, next, err
}

// sequence walks the items of a sequence (VR SQ, or UN with an undefined length).
func (w *dicomWalker) sequence(h dicomHeader, end, depth int) (int, error) {
	if h.vl != tag.VLUndefinedLength {
		if int64(h.vl) > int64(end-h.value) {
			return 0, w.tooLong(h, int64(h.vl), end-h.value)
		}
		p, stop := h.value, h.value+int(h.vl)
		for p < stop {
			it, next, err := w.element(p, stop, nil, depth)
			if err == errDICOMHeaderCut {
				return 0, w.errAt(p, "unreadable DICOM: sequence %v ends inside an element header: %s", h.t, dicomRemedy)
			}
			if err != nil {
				return 0, err
			}
			if it.t != tag.Item {
				return 0, w.errAt(p, "unreadable DICOM: sequence %v holds element %v where an item (FFFE,E000) is expected: %s", h.t, it.t, dicomRemedy)
			}
			p = next
		}
		return stop, nil
	}
	for p := h.value; ; {
		it, next, err := w.element(p, end, nil, depth)
		if err == errDICOMHeaderCut {
			return 0, w.errAt(p, "unreadable DICOM: sequence %v of undefined length has no end (FFFE,E0DD): %s", h.t, dicomRemedy)
		}
		if err != nil {
			return 0, err
		}
		switch it.t {
		case tag.SequenceDelimitationItem:
			return next, nil
		case tag.Item:
		default:
			return 0, w.errAt(p, "unreadable DICOM: sequence %v holds element %v where an item (FFFE,E000) is expected: %s", h.t, it.t, dicomRemedy)
		}
		p = next
	}
}

// item walks the elements of a sequence item; they form a dataset of their own.
func (w *dicomWalker) item(h dicomHeader, end, depth int) (int, error) {
	sc := dicomScope{}
	if h.vl != tag.VLUndefinedLength {
		if int64(h.vl) > int64(end-h.value) {
			return 0, w.tooLong(h, int64(h.vl), end-h.value)
		}
		p, stop := h.value, h.value+int(h.vl)
		for p < stop {
			e, next, err := w.element(p, stop, sc, depth)
			if err == errDICOMHeaderCut {
				return 0, w.errAt(p, "unreadable DICOM: item ends inside an element header: %s", dicomRemedy)
			}
			if err != nil {
				return 0, err
			}
			sc.add(e)
			p = next
		}
		return stop, nil
	}
	for p := h.value; ; {
		e, next, err := w.element(p, end, sc, depth)
		if err == errDICOMHeaderCut {
			return 0, w.errAt(p, "unreadable DICOM: item of undefined length has no end (FFFE,E00D): %s", dicomRemedy)
		}
		if err != nil {
			return 0, err
		}
		if e.t == tag.ItemDelimitationItem {
			return next, nil
		}
		sc.add(e)
		p = next
	}
}

// byteItems walks a byte value (OB, OW) of undefined length: items of defined length up to a
// sequence delimiter.
func (w *dicomWalker) byteItems(h dicomHeader, end int) (int, error) {
	saved := w.implicit
	w.implicit = true // the library reads these items as implicit VR
	defer func() { w.implicit = saved }()
	for p := h.value; ; {
		if w.values++; w.values > maxDICOMValues {
			return 0, w.errAt(p, "DICOM with more than %d elements and values: %s", maxDICOMValues, dicomRemedy)
		}
		it, ok, err := w.header(p, end)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, w.errAt(p, "unreadable DICOM: value %v of undefined length has no end (FFFE,E0DD): %s", h.t, dicomRemedy)
		}
		switch {
		case it.t == tag.SequenceDelimitationItem:
			return it.value, nil
		case it.t != tag.Item || it.vl == tag.VLUndefinedLength:
			return 0, w.errAt(p, "unreadable DICOM: value %v of undefined length holds element %v where an item of defined length is expected: %s", h.t, it.t, dicomRemedy)
		case int64(it.vl) > int64(end-it.value):
			return 0, w.tooLong(it, int64(it.vl), end-it.value)
		}
		p = it.value + int(it.vl)
	}
}

// pixelData checks native pixel data against the Rows, Columns, BitsAllocated, SamplesPerPixel
// and NumberOfFrames elements read before it in the same dataset.
func (w *dicomWalker) pixelData(h dicomHeader, end int, sc dicomScope) (int, error) {
	if h.vl == tag.VLUndefinedLength {
		return 0, w.errAt(h.off, "DICOM pixel data is compressed (encapsulated): only uncompressed DICOM is supported; convert the file (e.g. gdcmconv --raw, or dcmdjpeg for JPEG)")
	}
	num := func(t tag.Tag, what string) (int64, error) {
		e, ok := sc[t]
		if !ok {
			return 0, w.errAt(h.off, "unreadable DICOM: no %s %v before the pixel data: %s", what, t, dicomRemedy)
		}
		v, ok := w.firstInt(e)
		if !ok {
			return 0, w.errAt(e.off, "unreadable DICOM: %s %v is not a number (VR %s, %d bytes): %s", what, t, e.vr, e.vl, dicomRemedy)
		}
		return v, nil
	}
	rows, err := num(tag.Rows, "Rows")
	if err != nil {
		return 0, err
	}
	cols, err := num(tag.Columns, "Columns")
	if err != nil {
		return 0, err
	}
	bits, err := num(tag.BitsAllocated, "BitsAllocated")
	if err != nil {
		return 0, err
	}
	spp, err := num(tag.SamplesPerPixel, "SamplesPerPixel")
	if err != nil {
		return 0, err
	}
	frames := int64(1)
	if e, ok := sc[tag.NumberOfFrames]; ok {
		s, ok := w.firstString(e)
		if !ok {
			return 0, w.errAt(e.off, "unreadable DICOM: NumberOfFrames %v is not a text value (VR %s): %s", tag.NumberOfFrames, e.vr, dicomRemedy)
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, w.errAt(e.off, "unreadable DICOM: NumberOfFrames %v is %q, not a number: %s", tag.NumberOfFrames, s, dicomRemedy)
		}
		frames = int64(n)
	}
	// The size the header announces, in float64: the factors may be huge or negative.
	bytesPerSample := float64(bits) / 8
	size := float64(rows) * float64(cols) * bytesPerSample * float64(spp) * float64(frames)
	desc := fmt.Sprintf("%d×%d pixels × %g bytes", rows, cols, bytesPerSample)
	if spp != 1 {
		desc += fmt.Sprintf(" × %d samples", spp)
	}
	if frames != 1 {
		desc += fmt.Sprintf(" × %d frames", frames)
	}
	if rows <= 0 || cols <= 0 || bits <= 0 || spp <= 0 || frames <= 0 {
		return 0, w.errAt(h.off, "DICOM header says %s: %s", desc, dicomRemedy)
	}
	if size > float64(len(w.data)) {
		return 0, w.errAt(h.off, "DICOM header says %s (%s) but the file has %d bytes: %s", desc, humanBytes(size), len(w.data), dicomRemedy)
	}
	if left := end - h.value; int64(h.vl) > int64(left) {
		return 0, w.tooLong(h, int64(h.vl), left)
	}
	if frames != 1 {
		return 0, w.errAt(h.off, "DICOM with %d frames: one slice (one frame) per file is supported", frames)
	}
	if bits != 8 && bits != 16 {
		return 0, w.errAt(h.off, "DICOM with %d bits allocated per sample: only 8 and 16 are supported", bits)
	}
	if spp > 4 {
		return 0, w.errAt(h.off, "DICOM with %d samples per pixel: at most 4 (greyscale 1) are supported", spp)
	}
	want := int64(size)
	if want != int64(h.vl) && !(want == int64(h.vl)-1 && h.vl%2 == 0) {
		return 0, w.errAt(h.off, "DICOM pixel data has %d bytes but the header says %s = %d bytes: %s", h.vl, desc, want, dicomRemedy)
	}
	return h.value + int(h.vl), nil
}

// firstInt returns the first value of a numeric element as the library decodes it.
func (w *dicomWalker) firstInt(e dicomHeader) (int64, bool) {
	switch tag.GetVRKind(e.t, e.vr) {
	case tag.VRUInt16List, tag.VRUInt32List, tag.VRInt16List, tag.VRInt32List, tag.VRTagList:
	default:
		return 0, false
	}
	v := w.data[e.value : e.value+int(e.vl)]
	switch e.vr {
	case "US", "AT":
		if len(v) >= 2 {
			return int64(w.bo.Uint16(v)), true
		}
	case "SS":
		if len(v) >= 2 {
			return int64(int16(w.bo.Uint16(v))), true
		}
	case "UL":
		if len(v) >= 4 {
			return int64(w.bo.Uint32(v)), true
		}
	case "SL":
		if len(v) >= 4 {
			return int64(int32(w.bo.Uint32(v))), true
		}
	}
	return 0, false
}

// firstString returns the first value of a text element as the library decodes it: trimmed of
// spaces and NULs (unless it is all spaces), then split at backslashes (dates are not split).
func (w *dicomWalker) firstString(e dicomHeader) (string, bool) {
	kind := tag.GetVRKind(e.t, e.vr)
	switch kind {
	case tag.VRString, tag.VRStringList, tag.VRDate:
	default:
		return "", false
	}
	s := string(w.data[e.value : e.value+int(e.vl)])
	if kind == tag.VRDate {
		return strings.Trim(s, " \x00"), true
	}
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) }) >= 0 {
		s = strings.Trim(s, " \x00")
	}
	first, _, _ := strings.Cut(s, `\`)
	return first, true
}

// humanBytes formats a size: "412 bytes", "8.6 GB".
func humanBytes(n float64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", n/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", n/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", n/1e3)
	}
	return fmt.Sprintf("%.0f bytes", n)
}
