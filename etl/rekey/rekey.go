// Package rekey replaces the platform's pupil and user keys by a keyed hash (HMAC-SHA-256)
// under a secret kept outside the warehouse, so the warehouse alone cannot be joined back.
//
// The warehouse id is the first 16 bytes (128 bits) of the HMAC, stored as a DuckDB UUID: half
// the width of the 32-byte digest and a quarter of its 64-character hex form, which DuckDB
// inserts, compresses, joins and groups far faster. 128 bits stay far beyond collision risk:
// among n = 10 million pupils the chance that any two share an id is about n²/2¹²⁹ ≈ 10⁻²⁵.
package rekey

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the name of the secret key file in the data directory.
const KeyFile = "secret.key"

// EnvSecret is the environment variable that, when set, holds the secret instead of the file.
const EnvSecret = "SKOLSTAT_SECRET"

// minSecret is the shortest accepted secret, in bytes.
const minSecret = 16

// ErrInsecureKeyFile reports a key file that users other than its owner can read or write.
var ErrInsecureKeyFile = errors.New("secret key file is accessible to other users (want mode 0600)")

// Keyer hashes platform keys. It is safe for concurrent use.
type Keyer struct {
	secret []byte
}

// New returns a Keyer for secret, which must be at least 16 bytes.
func New(secret []byte) (*Keyer, error) {
	if len(secret) < minSecret {
		return nil, fmt.Errorf("rekey: secret shorter than %d bytes", minSecret)
	}
	return &Keyer{secret: append([]byte(nil), secret...)}, nil
}

// Load returns the Keyer of dataDir: the secret from the environment variable SKOLSTAT_SECRET
// when set (getenv is passed in; nil means none), else from DATA/secret.key, which is created
// with 32 random bytes and mode 0600 when absent. A key file readable by others is refused.
func Load(dataDir string, getenv func(string) string) (*Keyer, error) {
	if getenv != nil {
		if s := getenv(EnvSecret); s != "" {
			return New([]byte(s))
		}
	}
	path := filepath.Join(dataDir, KeyFile)
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return create(path)
	case err != nil:
		return nil, fmt.Errorf("rekey: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("rekey: %s: %w", path, ErrInsecureKeyFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rekey: %w", err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("rekey: %s does not hold a hex secret", path)
	}
	return New(secret)
}

func create(path string) (*Keyer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("rekey: %w", err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("rekey: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("rekey: create key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(secret) + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("rekey: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("rekey: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("rekey: write key file: %w", err)
	}
	return New(secret)
}

// ID is a re-keyed platform key: the first 16 bytes of its HMAC-SHA-256, the value of the
// warehouse's UUID columns (pupil_id, user_id).
type ID [IDSize]byte

// IDSize is the length of an ID in bytes.
const IDSize = 16

// String returns id in the canonical UUID text form (8-4-4-4-12 lower-case hex digits), as
// DuckDB renders a UUID column.
func (id ID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], id[10:16])
	return string(b[:])
}

// ParseID parses the canonical UUID text form that ID.String returns.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, fmt.Errorf("rekey: %q is not a UUID", s)
	}
	src := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(src)); err != nil {
		return ID{}, fmt.Errorf("rekey: %q is not a UUID", s)
	}
	return id, nil
}

// ID returns the re-keyed id of key.
func (k *Keyer) ID(key string) ID {
	m := hmac.New(sha256.New, k.secret)
	io.WriteString(m, key)
	var sum [sha256.Size]byte
	var id ID
	copy(id[:], m.Sum(sum[:0]))
	return id
}

// Key returns the re-keyed id of key in UUID text form (ID.String). Pass the method value
// (k.Key) where a func(string) string is wanted.
func (k *Keyer) Key(key string) string {
	return k.ID(key).String()
}

// Hasher returns a reusable, single-goroutine hasher: cheaper than ID in a hot loop.
func (k *Keyer) Hasher() *Hasher {
	return &Hasher{mac: hmac.New(sha256.New, k.secret)}
}

// Hasher re-keys many values with one HMAC state; not safe for concurrent use.
type Hasher struct {
	mac hash.Hash
	sum [sha256.Size]byte
}

// Key returns the re-keyed id of key in UUID text form, like Keyer.Key.
func (h *Hasher) Key(key string) string {
	return h.ID([]byte(key)).String()
}

// ID returns the re-keyed id of key, like Keyer.ID.
func (h *Hasher) ID(key []byte) ID {
	h.mac.Reset()
	h.mac.Write(key)
	var id ID
	copy(id[:], h.mac.Sum(h.sum[:0]))
	return id
}
