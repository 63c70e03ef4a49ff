package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// Suppressions lists and clears addresses that hard-bounced; *store.Store
// provides it.
type Suppressions interface {
	Suppressions() ([]store.Suppression, error)
	ClearSuppression(addr string) error
}

// SuppressionView is one element of `suppressions list --json`.
type SuppressionView struct {
	Address string    `json:"address"`
	Since   time.Time `json:"since"`
	Reason  string    `json:"reason"`
	Case    uint64    `json:"case"`
}

func (s *Server) listSuppressions(w http.ResponseWriter, r *http.Request) {
	list, err := s.suppressions.Suppressions()
	if err != nil {
		s.fail(w, "list suppressions", err)
		return
	}
	out := make([]SuppressionView, 0, len(list))
	for _, sp := range list {
		out = append(out, SuppressionView(sp))
	}
	writeJSON(w, out)
}

func (s *Server) clearSuppression(w http.ResponseWriter, r *http.Request) {
	addr := r.PathValue("addr")
	err := s.suppressions.ClearSuppression(addr)
	if errors.Is(err, support.ErrNotFound) {
		writeError(w, http.StatusNotFound, addr+" is not suppressed")
		return
	}
	if err != nil {
		s.fail(w, "clear suppression", err)
		return
	}
	writeJSON(w, map[string]string{"cleared": addr})
}

// Suppressions lists the suppressed addresses.
func (c *Client) Suppressions(ctx context.Context) ([]SuppressionView, error) {
	var out []SuppressionView
	return out, c.do(ctx, http.MethodGet, "/api/v1/suppressions", nil, &out)
}

// ClearSuppression lets mail go to addr again.
func (c *Client) ClearSuppression(ctx context.Context, addr string) error {
	var out map[string]string
	return c.do(ctx, http.MethodDelete, "/api/v1/suppressions/"+url.PathEscape(addr), nil, &out)
}
