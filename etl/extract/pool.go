package extract

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// poolAllocator is an Arrow memory.Allocator that keeps freed buffers for reuse. The stream
// builds one record batch after another of about the same size; without reuse every batch
// takes fresh memory from the Go heap, and the page faults of touching it for the first time
// cost more than the conversion itself (measured). Buffers are kept in power-of-two size
// classes, a few per class, so what it holds is bounded by a few batches.
type poolAllocator struct {
	mu   sync.Mutex
	free [64][][]byte
	heap *memory.GoAllocator
}

// poolPerClass bounds the free buffers kept per size class.
const poolPerClass = 64

// poolMinSize is the smallest buffer kept; smaller ones go to the Go heap.
const poolMinSize = 4 << 10

func newPoolAllocator() *poolAllocator { return &poolAllocator{heap: memory.NewGoAllocator()} }

func sizeClass(n int) int { return bits.Len(uint(n - 1)) }

// Allocate returns a zeroed buffer of size bytes (Arrow expects zeroed memory, as the Go
// allocator gives).
func (p *poolAllocator) Allocate(size int) []byte {
	if size < poolMinSize {
		return p.heap.Allocate(size)
	}
	c := sizeClass(size)
	p.mu.Lock()
	if l := p.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		l[len(l)-1] = nil
		p.free[c] = l[:len(l)-1]
		p.mu.Unlock()
		b = b[:size]
		clear(b)
		return b
	}
	p.mu.Unlock()
	return make([]byte, size, 1<<c)
}

// Reallocate grows or shrinks b to size bytes, keeping its contents.
func (p *poolAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free returns b to the pool.
func (p *poolAllocator) Free(b []byte) {
	c := cap(b)
	if c < poolMinSize || c&(c-1) != 0 {
		return // not one of ours: left to the garbage collector
	}
	cl := sizeClass(c)
	p.mu.Lock()
	if len(p.free[cl]) < poolPerClass {
		p.free[cl] = append(p.free[cl], b[:0])
	}
	p.mu.Unlock()
}
