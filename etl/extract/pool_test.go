package extract

import (
	"testing"
	"unsafe"
)

func TestPoolAllocator_Reuse(t *testing.T) {
	p := newPoolAllocator()
	b := p.Allocate(100_000)
	if len(b) != 100_000 {
		t.Fatalf("len = %d, want 100000", len(b))
	}
	for i := range b {
		b[i] = 0xff
	}
	first := unsafe.SliceData(b)
	p.Free(b)

	t.Run("reused and zeroed", func(t *testing.T) {
		c := p.Allocate(90_000)
		if unsafe.SliceData(c) != first {
			t.Errorf("got a new buffer, want the freed one reused")
		}
		for i, v := range c {
			if v != 0 {
				t.Fatalf("byte %d = %#x, want 0", i, v)
			}
		}
		c = p.Reallocate(200_000, c)
		if len(c) != 200_000 {
			t.Fatalf("len after Reallocate = %d, want 200000", len(c))
		}
		p.Free(c)
	})
	t.Run("small buffers bypass the pool", func(t *testing.T) {
		s := p.Allocate(100)
		p.Free(s)
		if n := len(p.free[sizeClass(cap(s))]); n != 0 {
			t.Errorf("pool holds %d small buffers, want 0", n)
		}
	})
}
