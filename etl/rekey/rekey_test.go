package rekey_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/skolstat/skolstat/etl/rekey"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	k1, err := rekey.Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, rekey.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode = %o, want 600", got)
	}
	k2, err := rekey.Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := k1.Key("p1"), k2.Key("p1"); a != b {
		t.Errorf("same key file gives different hashes %s and %s", a, b)
	}
	other, _ := rekey.Load(t.TempDir(), nil)
	if k1.Key("p1") == other.Key("p1") {
		t.Error("two fresh secrets give the same hash")
	}

	os.Chmod(filepath.Join(dir, rekey.KeyFile), 0o644)
	if _, err := rekey.Load(dir, nil); !errors.Is(err, rekey.ErrInsecureKeyFile) {
		t.Errorf("world-readable key file: got %v, want ErrInsecureKeyFile", err)
	}
}

func TestKeyer_Key(t *testing.T) {
	secret := "0123456789abcdef0123456789abcdef"
	k, err := rekey.Load(t.TempDir(), func(name string) string {
		if name == rekey.EnvSecret {
			return secret
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("pupil-42"))
	want := hex.EncodeToString(m.Sum(nil))
	if got := k.Key("pupil-42"); got != want {
		t.Errorf("Key = %s, want %s", got, want)
	}
	h := k.Hasher()
	if got := h.Key("pupil-42"); got != want {
		t.Errorf("Hasher.Key = %s, want %s", got, want)
	}
	if got := h.Key("pupil-42"); got != want {
		t.Errorf("Hasher.Key reused = %s, want %s", got, want)
	}
	if _, err := rekey.New([]byte("short")); err == nil {
		t.Error("New with a short secret: want error")
	}
}
