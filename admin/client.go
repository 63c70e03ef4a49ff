package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Client talks to a running daemon's admin API.
type Client struct {
	// Addr is the daemon's admin.listen (host:port).
	Addr  string
	Token string
	HTTP  *http.Client
}

// Cases lists the cases.
func (c *Client) Cases(ctx context.Context) ([]CaseSummary, error) {
	var out []CaseSummary
	return out, c.get(ctx, "/api/v1/cases", &out)
}

// Case returns case n with its messages.
func (c *Client) Case(ctx context.Context, n uint64) (*CaseDetail, error) {
	var out CaseDetail
	if err := c.get(ctx, "/api/v1/cases/"+strconv.FormatUint(n, 10), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Quarantine lists the quarantined messages.
func (c *Client) Quarantine(ctx context.Context) ([]QuarantineView, error) {
	var out []QuarantineView
	return out, c.get(ctx, "/api/v1/quarantine", &out)
}

func (c *Client) get(ctx context.Context, path string, v any) error {
	return c.do(ctx, http.MethodGet, path, nil, v)
}

func (c *Client) do(ctx context.Context, method, path string, body, v any) error {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("admin.listen %q: %w", c.Addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1" // the daemon listens on every address; loopback is one
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+net.JoinHostPort(host, port)+path, rd)
	if err != nil {
		return err
	}
	if method != http.MethodGet {
		// The server takes changes only as JSON (see Server.guard).
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the casemail daemon at %s (is `casemail serve` running with this config?): %w", c.Addr, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("read response from %s: %w", c.Addr, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("daemon says: %s (HTTP %d)", e.Error, resp.StatusCode)
		}
		return fmt.Errorf("daemon answered HTTP %d", resp.StatusCode)
	}
	return json.Unmarshal(data, v)
}
