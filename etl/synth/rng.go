package synth

import "math"

// rng is a small, fast, platform-independent pseudo-random generator (splitmix64). Every
// stream is seeded from the generator seed and the identity of what it generates, so each
// table can be produced on its own and still agree with the others.
type rng struct{ s uint64 }

// mix is the splitmix64 finaliser: a bijection on uint64 with good avalanche.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// hash combines its parts into one well-mixed value.
func hash(parts ...uint64) uint64 {
	h := uint64(0x6a09e667f3bcc909)
	for _, p := range parts {
		h = mix(h ^ mix(p+0x9e3779b97f4a7c15))
	}
	return h
}

func newRNG(parts ...uint64) *rng { return &rng{s: hash(parts...)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns a uniform value in [0, n).
func (r *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return int(r.next() % uint64(n))
}

// between returns a uniform integer in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// norm returns a standard normal value.
func (r *rng) norm() float64 { return normFrom(r.next(), r.next()) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// normFrom turns two uniform 64-bit values into a standard normal value (Box–Muller).
func normFrom(a, b uint64) float64 {
	u1 := (float64(a>>11) + 0.5) / (1 << 53)
	u2 := float64(b>>11) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// normAt is a standard normal value addressed by its parts, the same in every pass.
func normAt(parts ...uint64) float64 {
	h := hash(parts...)
	return normFrom(h, mix(h+0x9e3779b97f4a7c15))
}

// pick returns an index drawn with the given weights.
func (r *rng) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.float() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
