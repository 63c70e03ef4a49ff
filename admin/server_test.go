package admin

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

type emptyReader struct{}

func (emptyReader) Cases() ([]*support.Case, error) { return nil, nil }
func (emptyReader) Case(n uint64) (*support.Case, []*support.Message, error) {
	return nil, nil, support.ErrNotFound
}
func (emptyReader) Quarantine() ([]*store.Quarantined, error) { return nil, nil }

// TestBearerToken: with a token configured (required off loopback), a
// request without it, or with another, reads nothing.
func TestBearerToken(t *testing.T) {
	s := NewServer(Options{Cases: emptyReader{}, Token: "0123456789abcdef"})
	for _, tt := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong-token-wrong-token", http.StatusUnauthorized},
		{"Bearer 0123456789abcdef", http.StatusOK},
	} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/cases", nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		w := httptest.NewRecorder()
		s.http.Handler.ServeHTTP(w, req)
		if w.Code != tt.want {
			t.Errorf("Authorization %q: HTTP %d, want %d", tt.auth, w.Code, tt.want)
		}
	}
	w := httptest.NewRecorder()
	s.http.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/cases/7", nil))
	if w.Code != http.StatusUnauthorized {
		t.Errorf("a missing case is %d before authentication; nothing may be told", w.Code)
	}
}
