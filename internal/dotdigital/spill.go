package dotdigital

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
)

// spill builds a request body of unknown final size without holding it in memory: the first bytes stay
// in a buffer, and once they pass a threshold everything moves to a temporary file. A sealed spill is a
// payload that can be read any number of times, so a retried request re-reads the file.
type spill struct {
	threshold int
	dir       string
	mem       bytes.Buffer
	f         *os.File
	w         *bufio.Writer
	n         int64
}

func newSpill(dir string, threshold int) *spill {
	return &spill{dir: dir, threshold: threshold}
}

func (s *spill) Write(p []byte) (int, error) {
	if s.f == nil && s.mem.Len()+len(p) > s.threshold {
		f, err := os.CreateTemp(s.dir, "bcsync-dotdigital-*.json")
		if err != nil {
			return 0, fmt.Errorf("dotdigital: spilling an import body: %w", err)
		}
		// Unlinked at once where the OS allows it, so that a crash leaves no file behind; the open
		// descriptor keeps the data readable.
		os.Remove(f.Name())
		s.f = f
		s.w = bufio.NewWriterSize(s.f, 256<<10)
		if _, err := s.w.Write(s.mem.Bytes()); err != nil {
			return 0, err
		}
		s.mem = bytes.Buffer{}
	}
	s.n += int64(len(p))
	if s.w != nil {
		return s.w.Write(p)
	}
	return s.mem.Write(p)
}

// Len is the number of bytes written.
func (s *spill) Len() int64 { return s.n }

// seal ends the body and returns it as a payload.
func (s *spill) seal() (*payload, error) {
	if s.w == nil {
		return &payload{mem: s.mem.Bytes(), size: s.n}, nil
	}
	if err := s.w.Flush(); err != nil {
		return nil, fmt.Errorf("dotdigital: spilling an import body: %w", err)
	}
	return &payload{f: s.f, size: s.n}, nil
}

// discard drops an unsealed spill.
func (s *spill) discard() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
		s.f, s.w = nil, nil
	}
	s.mem = bytes.Buffer{}
}

// payload is a finished request body, in memory or in a temporary file.
type payload struct {
	mem  []byte
	f    *os.File
	size int64
}

func (p *payload) open() (io.ReadCloser, error) {
	if p.f != nil {
		return io.NopCloser(io.NewSectionReader(p.f, 0, p.size)), nil
	}
	return io.NopCloser(bytes.NewReader(p.mem)), nil
}

// Close releases the payload's file.
func (p *payload) Close() error {
	if p.f == nil {
		p.mem = nil
		return nil
	}
	err := p.f.Close()
	os.Remove(p.f.Name())
	p.f = nil
	return err
}
