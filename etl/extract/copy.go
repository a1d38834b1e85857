package extract

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// copySignature opens every COPY ... (FORMAT binary) stream.
var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

// copyParser is an io.Writer that parses PostgreSQL's binary COPY format and hands each row,
// as one byte slice per field (nil for NULL), to row. The slices are valid only during the
// call. It keeps no more than one incomplete row between writes, so memory stays bounded.
type copyParser struct {
	row     func(fields [][]byte) error
	rest    []byte
	fields  [][]byte
	header  bool
	trailer bool
}

func newCopyParser(row func(fields [][]byte) error) *copyParser {
	return &copyParser{row: row, fields: make([][]byte, 0, 16)}
}

// Write consumes one chunk of the COPY stream.
func (p *copyParser) Write(b []byte) (int, error) {
	n := len(b)
	if len(p.rest) > 0 {
		p.rest = append(p.rest, b...)
		b = p.rest
	}
	if !p.header {
		if len(b) < 19 {
			p.keep(b)
			return n, nil
		}
		if !bytes.Equal(b[:11], copySignature) {
			return 0, errors.New("copy stream: bad signature")
		}
		ext := int(binary.BigEndian.Uint32(b[15:19]))
		if len(b) < 19+ext {
			p.keep(b)
			return n, nil
		}
		b = b[19+ext:]
		p.header = true
	}
	for len(b) >= 2 && !p.trailer {
		nf := int(int16(binary.BigEndian.Uint16(b)))
		if nf == -1 {
			p.trailer = true
			b = b[2:]
			break
		}
		if nf < 0 {
			return 0, fmt.Errorf("copy stream: bad field count %d", nf)
		}
		fields := p.fields[:0]
		pos := 2
		complete := true
		for i := 0; i < nf; i++ {
			if len(b) < pos+4 {
				complete = false
				break
			}
			l := int(int32(binary.BigEndian.Uint32(b[pos:])))
			pos += 4
			if l < 0 {
				fields = append(fields, nil)
				continue
			}
			if len(b) < pos+l {
				complete = false
				break
			}
			fields = append(fields, b[pos:pos+l:pos+l])
			pos += l
		}
		if !complete {
			break
		}
		p.fields = fields
		if err := p.row(fields); err != nil {
			return 0, err
		}
		b = b[pos:]
	}
	p.keep(b)
	return n, nil
}

// keep saves an incomplete tail for the next Write.
func (p *copyParser) keep(b []byte) {
	if len(b) == 0 {
		p.rest = p.rest[:0]
		return
	}
	p.rest = append(p.rest[:0], b...)
}

// finish reports a stream that ended in the middle of a row.
func (p *copyParser) finish() error {
	if len(p.rest) > 0 {
		return errors.New("copy stream: truncated")
	}
	return nil
}

// Field decoders for PostgreSQL's binary send formats.

func i32(f []byte) int32    { return int32(binary.BigEndian.Uint32(f)) }
func i64(f []byte) int64    { return int64(binary.BigEndian.Uint64(f)) }
func boolean(f []byte) bool { return f[0] != 0 }

// pgEpochDays is 2000-01-01 (PostgreSQL's epoch) in days since 1970-01-01.
const pgEpochDays = 10957

// pgEpochMicros is 2000-01-01 in microseconds since 1970-01-01.
const pgEpochMicros = 946684800000000

func digits(f []byte) bool {
	for _, c := range f {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
