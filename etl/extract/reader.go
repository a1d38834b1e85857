package extract

import (
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// chanReader is an array.RecordReader over record batches arriving on a channel, so that
// DuckDB pulls batches while the producer is still reading PostgreSQL.
type chanReader struct {
	refs   atomic.Int64
	schema *arrow.Schema
	ch     <-chan arrow.RecordBatch
	cur    arrow.RecordBatch
	err    error // set by the producer before it closes ch
}

func newChanReader(schema *arrow.Schema, ch <-chan arrow.RecordBatch) *chanReader {
	r := &chanReader{schema: schema, ch: ch}
	r.refs.Store(1)
	return r
}

func (r *chanReader) Retain() { r.refs.Add(1) }

func (r *chanReader) Release() {
	if r.refs.Add(-1) == 0 && r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *chanReader) Schema() *arrow.Schema { return r.schema }

func (r *chanReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	rec, ok := <-r.ch
	if !ok {
		return false
	}
	r.cur = rec
	return true
}

func (r *chanReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch under its deprecated name.
func (r *chanReader) Record() arrow.RecordBatch { return r.cur }

func (r *chanReader) Err() error { return r.err }
