package auth_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/testsnap"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"all", "all", false},
		{"school_unit:12345678", "school_unit:12345678", false},
		{"organiser:K0180", "organiser:K0180", false},
		{"municipality:0180", "municipality:0180", false},
		{"county:01", "", true},
		{"school_unit:", "", true},
		{"12345678", "", true},
		{"school_unit:1 2", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := auth.ParseScope(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && s.String() != tt.want {
				t.Errorf("got %q, want %q", s.String(), tt.want)
			}
		})
	}
}

func TestDevTokens_Verify(t *testing.T) {
	path := filepath.Join(t.TempDir(), auth.DevKeyFile)
	key, err := auth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", st.Mode().Perm())
	}
	again, _ := auth.LoadOrCreateKey(path)
	if string(again) != string(key) {
		t.Error("key changed on second load")
	}
	d := auth.NewDevTokens(key)
	p := auth.Principal{Subject: "u1", Role: auth.RoleOrganiser, Scopes: []auth.Scope{{Level: "organiser", Code: "K0180"}}}
	tok, err := d.Issue(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Verify(tok)
	if err != nil || got.Subject != "u1" || got.Role != auth.RoleOrganiser || got.Scopes[0] != p.Scopes[0] {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	other := auth.NewDevTokens(make([]byte, 32))
	if _, err := other.Verify(tok); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("token verified with another key: %v", err)
	}
	if _, err := d.Issue(auth.Principal{Subject: "x", Role: auth.RolePrincipal, Scopes: []auth.Scope{{Level: "all"}}}, time.Hour); err == nil {
		t.Error("issued a principal token with scope all")
	}
}

func TestNewVisibility_denyByDefault(t *testing.T) {
	areas := testsnap.Areas
	tests := []struct {
		name string
		p    auth.Principal
		sees []string
	}{
		{"no role", auth.Principal{Subject: "x"}, nil},
		{"principal without scope", auth.Principal{Subject: "x", Role: auth.RolePrincipal}, []string{"SE"}},
		{"principal with organiser scope", auth.Principal{Subject: "x", Role: auth.RolePrincipal,
			Scopes: []auth.Scope{{Level: "organiser", Code: "K0180"}}}, []string{"SE"}},
		{"organiser with all", auth.Principal{Subject: "x", Role: auth.RoleOrganiser, Scopes: []auth.Scope{{Level: "all"}}}, nil},
		{"principal", auth.Principal{Subject: "x", Role: auth.RolePrincipal,
			Scopes: []auth.Scope{{Level: "school_unit", Code: "30000001"}}}, []string{"SE", "0180", "E0001", "30000001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := auth.NewVisibility(tt.p, areas)
			var got []string
			for _, a := range auth.VisibleAreas(v, areas) {
				got = append(got, a.Code)
			}
			if len(got) != len(tt.sees) {
				t.Fatalf("sees %v, want %v", got, tt.sees)
			}
			for i := range got {
				if got[i] != tt.sees[i] {
					t.Fatalf("sees %v, want %v", got, tt.sees)
				}
			}
		})
	}
}
