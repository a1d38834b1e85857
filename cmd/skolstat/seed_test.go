package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/skolstat/skolstat/etl/pgtest"
)

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// passwordRejecter is a stand-in PostgreSQL server, speaking the real wire protocol, that
// asks for a password and rejects it as a server with password authentication does. The
// local test server trusts every connection, so a wrong password cannot be provoked there.
func passwordRejecter(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				be := pgproto3.NewBackend(c, c)
				msg, err := be.ReceiveStartupMessage()
				if err != nil {
					return
				}
				if _, ok := msg.(*pgproto3.SSLRequest); ok {
					if _, err := c.Write([]byte("N")); err != nil {
						return
					}
					if _, err = be.ReceiveStartupMessage(); err != nil {
						return
					}
				}
				be.Send(&pgproto3.AuthenticationCleartextPassword{})
				if err := be.Flush(); err != nil {
					return
				}
				if err := be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
					return
				}
				if _, err := be.Receive(); err != nil {
					return
				}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01",
					Message: `password authentication failed for user "postgres"`})
				be.Flush()
			}(c)
		}
	}()
	return l.Addr().String()
}

func runSeedArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"seed"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func tableExists(t *testing.T, dsn, table string) bool {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var ok bool
	if err := conn.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestRunSeed_badInput(t *testing.T) {
	foreign := pgtest.New(t)
	conn, err := pgx.Connect(context.Background(), foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), "CREATE SCHEMA export; CREATE TABLE export.salaries (id int)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"unreachable server", []string{"--pg", "postgres://postgres@" + closedPort(t) + "/test"}, 1, "cannot reach PostgreSQL"},
		{"wrong password", []string{"--pg", "postgres://postgres:hunter2@" + passwordRejecter(t) + "/test?sslmode=disable"}, 1, "wrong password"},
		{"foreign tables in export", []string{"--pg", foreign, "--profile", "small"}, 1, "export.salaries is not part of the contract"},
		{"foreign tables in export with reset", []string{"--pg", foreign, "--reset"}, 1, "export.salaries is not part of the contract"},
		{"unknown profile", []string{"--pg", foreign, "--profile", "huge"}, 2, `unknown profile "huge"`},
		{"missing --pg", []string{"--pg", ""}, 2, "--pg is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runSeedArgs(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr: %s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
			if tt.wantCode == 1 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("error spans several lines: %q", stderr)
			}
			if strings.Contains(stderr, "hunter2") {
				t.Errorf("stderr repeats the password: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
	if tableExists(t, foreign, "export.pupils") {
		t.Errorf("refused seed created export.pupils")
	}
}

func TestRunSeed_small(t *testing.T) {
	dsn := pgtest.New(t)
	for i := 0; i < 2; i++ { // running it twice is fine
		code, stdout, stderr := runSeedArgs(t, "--pg", dsn, "--profile", "small", "--seed", "5")
		if code != 0 {
			t.Fatalf("run %d: exit status %d; stderr: %s", i+1, code, stderr)
		}
		if !strings.Contains(stdout, "seeded profile small (seed 5)") || !strings.Contains(stdout, "rows/s") {
			t.Errorf("stdout = %q, want a summary with rows/s", stdout)
		}
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var pupils, units int
	if err := conn.QueryRow(context.Background(),
		"SELECT (SELECT count(*) FROM export.pupils), (SELECT count(*) FROM export.school_units)").Scan(&pupils, &units); err != nil {
		t.Fatal(err)
	}
	if pupils < 1500 || pupils > 3000 || units < 4 || units > 10 {
		t.Errorf("small profile has %d pupils in %d school units, want about 2,000 in about 6", pupils, units)
	}
}
