// Package rekey replaces the platform's pupil and user keys by a keyed hash (HMAC-SHA-256)
// under a secret kept outside the warehouse, so the warehouse alone cannot be joined back.
package rekey

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
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

// Key returns the lower-case hex HMAC-SHA-256 of key. Pass the method value (k.Key) where a
// func(string) string is wanted.
func (k *Keyer) Key(key string) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil))
}

// Hasher returns a reusable, single-goroutine hasher: cheaper than Key in a hot loop.
func (k *Keyer) Hasher() *Hasher {
	return &Hasher{mac: hmac.New(sha256.New, k.secret)}
}

// Hasher re-keys many values with one HMAC state; not safe for concurrent use.
type Hasher struct {
	mac hash.Hash
	sum [sha256.Size]byte
	hex [2 * sha256.Size]byte
}

// Key returns the hex HMAC-SHA-256 of key, like Keyer.Key.
func (h *Hasher) Key(key string) string {
	return string(h.AppendKey(key))
}

// AppendKey returns the hex digest in a buffer owned by h, valid until the next call.
func (h *Hasher) AppendKey(key string) []byte {
	h.mac.Reset()
	h.mac.Write([]byte(key))
	h.mac.Sum(h.sum[:0])
	hex.Encode(h.hex[:], h.sum[:])
	return h.hex[:]
}
