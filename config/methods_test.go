package config_test

import (
	"log/slog"
	"reflect"
	"testing"

	"github.com/casemail/casemail/config"
)

func TestLMTPNetwork(t *testing.T) {
	tests := []struct{ listen, network, address string }{
		{"", "", ""},
		{"127.0.0.1:2424", "tcp", "127.0.0.1:2424"},
		{"[::1]:24", "tcp", "[::1]:24"},
		{"unix:/run/casemail/lmtp.sock", "unix", "/run/casemail/lmtp.sock"},
		{"/run/casemail/lmtp.sock", "unix", "/run/casemail/lmtp.sock"},
	}
	for _, tt := range tests {
		n, a := config.LMTP{Listen: tt.listen}.Network()
		if n != tt.network || a != tt.address {
			t.Errorf("Network(%q) = %q, %q; want %q, %q", tt.listen, n, a, tt.network, tt.address)
		}
	}
}

func TestAdminIsLoopback(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:8025": true, "127.1.2.3:0": true, "[::1]:8025": true, "localhost:8025": true,
		"0.0.0.0:8025": false, ":8025": false, "[::]:8025": false, "192.0.2.1:8025": false,
		"admin.example.com:8025": false, "garbage": false,
	}
	for listen, want := range tests {
		if got := (config.Admin{Listen: listen}).IsLoopback(); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", listen, got, want)
		}
	}
}

func TestLogSlogLevel(t *testing.T) {
	tests := map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn,
		"error": slog.LevelError, "ERROR": slog.LevelError, "": slog.LevelInfo,
	}
	for level, want := range tests {
		if got := (config.Log{Level: level}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", level, got, want)
		}
	}
}

func TestSupportHost(t *testing.T) {
	s := config.Support{Addresses: []string{"help@cases.example.org", "b@example.net"}}
	if got := s.Host(); got != "cases.example.org" {
		t.Errorf("Host() = %q, want the first address's domain", got)
	}
	s.Hostname = "mx.example.org"
	if got := s.Host(); got != "mx.example.org" {
		t.Errorf("Host() = %q, want the hostname set", got)
	}
}

func TestRedacted(t *testing.T) {
	c := config.Default()
	if r := c.Redacted(); !reflect.DeepEqual(r, c) {
		t.Errorf("unset secrets should stay empty: %+v", r)
	}
	c.Threading.TokenKey, c.Admin.Token = "k-secret-k-secret-k-secret-k-secret", "a-secret-a-secret"
	r := c.Redacted()
	if r.Threading.TokenKey != "<redacted>" || r.Admin.Token != "<redacted>" {
		t.Errorf("secrets not redacted: %+v", r)
	}
	r.Support.Addresses[0] = "changed@example.com"
	if c.Threading.TokenKey == "<redacted>" || c.Support.Addresses[0] == "changed@example.com" {
		t.Error("Redacted changed the original")
	}
}
