package rekey_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
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
	sum := hex.EncodeToString(m.Sum(nil)[:rekey.IDSize])
	want := sum[0:8] + "-" + sum[8:12] + "-" + sum[12:16] + "-" + sum[16:20] + "-" + sum[20:32]
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
	if got := h.ID([]byte("pupil-42")).String(); got != want {
		t.Errorf("Hasher.ID = %s, want %s", got, want)
	}
	if got := k.ID("pupil-42"); got != h.ID([]byte("pupil-42")) {
		t.Errorf("Keyer.ID = %s, want %s", got, want)
	}
	if _, err := rekey.New([]byte("short")); err == nil {
		t.Error("New with a short secret: want error")
	}
}

func TestParseID(t *testing.T) {
	id := rekey.ID{0x68, 0x57, 0x37, 0xc9, 0xb6, 0xf8, 0x65, 0xc9, 0x53, 0xea, 0xf6, 0x77, 0x11, 0x6c, 0x8d, 0x4e}
	tests := []struct {
		name string
		in   string
		want rekey.ID
		ok   bool
	}{
		{"canonical", "685737c9-b6f8-65c9-53ea-f677116c8d4e", id, true},
		{"upper case", "685737C9-B6F8-65C9-53EA-F677116C8D4E", id, true},
		{"no dashes", "685737c9b6f865c953eaf677116c8d4e", rekey.ID{}, false},
		{"dash misplaced", "685737c9b-6f8-65c9-53ea-f677116c8d4e", rekey.ID{}, false},
		{"not hex", "685737c9-b6f8-65c9-53ea-f677116c8d4g", rekey.ID{}, false},
		{"full digest", "685737c9b6f865c953eaf677116c8d4e685737c9b6f865c953eaf677116c8d4e", rekey.ID{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rekey.ParseID(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseID(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			}
			if got != tt.want {
				t.Errorf("ParseID(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if tt.ok && got.String() != strings.ToLower(tt.in) {
				t.Errorf("String() = %s, want %s", got.String(), strings.ToLower(tt.in))
			}
		})
	}
}
