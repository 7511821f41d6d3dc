package source

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much of the file detection looks at: enough for any header line and a good sample
// of bytes, and the most that is ever held beyond one row.
const sniffSize = 64 << 10

// encodings are the encodings a CSV URL may name. latin1 is read as Windows-1252, as browsers do: the
// two differ only in 0x80–0x9F, where Latin-1 has control characters no spreadsheet writes.
var encodings = map[string]encoding.Encoding{
	"utf-8":        unicode.UTF8BOM, // a BOM, if any, is dropped
	"utf8":         unicode.UTF8BOM,
	"utf-16":       unicode.UTF16(unicode.LittleEndian, unicode.UseBOM),
	"utf-16le":     unicode.UTF16(unicode.LittleEndian, unicode.UseBOM),
	"utf-16be":     unicode.UTF16(unicode.BigEndian, unicode.UseBOM),
	"windows-1252": charmap.Windows1252,
	"cp1252":       charmap.Windows1252,
	"latin1":       charmap.Windows1252,
	"iso-8859-1":   charmap.Windows1252,
}

// detectEncoding names the encoding of a file from its first bytes: a byte order mark says UTF-8 or
// UTF-16; otherwise valid UTF-8 is UTF-8 and anything else is taken as Windows-1252, what Excel
// writes on Windows in Western Europe and the Americas.
func detectEncoding(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return "utf-8"
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return "utf-16le"
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "utf-16be"
	case utf8.Valid(trimPartialRune(head)):
		return "utf-8"
	}
	return "windows-1252"
}

// trimPartialRune drops a multi-byte character cut by the end of a full sample; a shorter sample is
// the whole file, whose last character is not cut.
func trimPartialRune(b []byte) []byte {
	if len(b) < sniffSize {
		return b
	}
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// notText says why raw bytes are not a text file, or "" when they may be. Files people mistake for
// CSV have tell-tale starts.
func notText(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "it is an Excel workbook or a zip archive: export the sheet as CSV"
	case bytes.HasPrefix(head, []byte{0x1F, 0x8B}):
		return "it is gzip-compressed: decompress it first"
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "it is a PDF document"
	case bytes.IndexByte(head, 0) >= 0:
		return "it holds binary data (NUL bytes); if it is UTF-16 text without a byte order mark, add ?encoding=utf-16le"
	}
	return ""
}

// decode returns r decoded from enc to UTF-8.
func decode(r io.Reader, enc string) io.Reader {
	return transform.NewReader(r, encodings[enc].NewDecoder())
}

// delimiters are the candidates, in the order that breaks ties.
var delimiters = []rune{',', ';', '\t', '|'}

// detectDelimiter picks the candidate that occurs most often in the header line (the text up to the
// first line break outside quotes), not counting quoted text. A header with none is one column,
// comma-separated.
func detectDelimiter(head []byte) rune {
	counts := make(map[rune]int, len(delimiters))
	quoted := false
scan:
	for _, c := range string(head) {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n' || c == '\r':
			break scan
		default:
			counts[c]++
		}
	}
	best := ','
	for _, d := range delimiters {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

// parseDelimiter reads the delimiter parameter: a character or the name of one.
func parseDelimiter(v string) (rune, bool) {
	switch v {
	case "comma":
		return ',', true
	case "semicolon":
		return ';', true
	case "tab", `\t`:
		return '\t', true
	case "pipe":
		return '|', true
	}
	r, size := utf8.DecodeRuneInString(v)
	if size != len(v) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' {
		return 0, false
	}
	return r, true
}

// peek returns up to n bytes from br without consuming them; a short file is not an error.
func peek(br *bufio.Reader, n int) ([]byte, error) {
	b, err := br.Peek(n)
	if err == io.EOF || err == bufio.ErrBufferFull {
		err = nil
	}
	return b, err
}
