package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/casemail/casemail/support"
)

// Outbox is the outbound side the API controls; *notify.Outbox provides it.
type Outbox interface {
	SendNow(id uint64) (*support.Outbound, error)
	Retry(id uint64) (*support.Outbound, error)
	Cancel(id uint64) (*support.Outbound, error)
	Relay(n uint64, agent support.Address, text string, kind support.OutKind, now bool) (*support.Outbound, error)
}

// OutboxReader lists outbox rows; *store.Store provides it.
type OutboxReader interface {
	Outbox(pendingOnly bool, limit int) ([]*support.Outbound, error)
}

// OutboxView is one element of `outbox list --json`.
type OutboxView struct {
	ID        uint64            `json:"id"`
	Case      uint64            `json:"case"`
	Kind      string            `json:"kind"`
	State     string            `json:"state"`
	To        string            `json:"to"`
	Due       time.Time         `json:"due"`
	Created   time.Time         `json:"created"`
	Attempts  int               `json:"attempts"`
	LastError string            `json:"last_error"`
	MessageID string            `json:"message_id"`
	History   []support.Attempt `json:"history"`
}

// ReplyRequest is the body of POST /api/v1/cases/{n}/reply: an agent's
// response or progress update to relay to the customer.
type ReplyRequest struct {
	From   string `json:"from"`
	Name   string `json:"name"`
	Text   string `json:"text"`
	Update bool   `json:"update"` // a progress update rather than a response
	Now    bool   `json:"now"`    // send at once, outside business hours
}

func outboxView(o *support.Outbound) OutboxView {
	h := o.History
	if h == nil {
		h = []support.Attempt{}
	}
	return OutboxView{ID: o.ID, Case: o.Case, Kind: string(o.Kind), State: string(o.State), To: o.To.Address,
		Due: o.Due, Created: o.Created, Attempts: o.Attempts, LastError: o.LastError, MessageID: o.MessageID, History: h}
}

func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request) {
	rows, err := s.outboxReader.Outbox(r.URL.Query().Get("all") == "", 0)
	if err != nil {
		s.fail(w, "list outbox", err)
		return
	}
	out := make([]OutboxView, 0, len(rows))
	for _, o := range rows {
		out = append(out, outboxView(o))
	}
	writeJSON(w, out)
}

func (s *Server) controlOutbox(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		writeError(w, http.StatusBadRequest, "outbox id must be a positive integer")
		return
	}
	var row *support.Outbound
	switch r.PathValue("action") {
	case "send-now":
		row, err = s.outbox.SendNow(id)
	case "retry":
		row, err = s.outbox.Retry(id)
	case "cancel":
		row, err = s.outbox.Cancel(id)
	default:
		writeError(w, http.StatusNotFound, "unknown action; use send-now, retry or cancel")
		return
	}
	if s.controlError(w, "outbox "+r.PathValue("action"), err) {
		return
	}
	writeJSON(w, outboxView(row))
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseUint(r.PathValue("n"), 10, 64)
	if err != nil || n == 0 {
		writeError(w, http.StatusBadRequest, "case number must be a positive integer")
		return
	}
	var req ReplyRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON: {from, name, text, update, now}")
		return
	}
	if !strings.Contains(req.From, "@") || strings.ContainsAny(req.From+req.Name, "\r\n") {
		writeError(w, http.StatusBadRequest, "from must be the agent's address")
		return
	}
	if strings.TrimSpace(req.Text) == "" {
		writeError(w, http.StatusBadRequest, "text is empty")
		return
	}
	kind := support.OutResponse
	if req.Update {
		kind = support.OutUpdate
	}
	row, err := s.outbox.Relay(n, support.Address{Name: req.Name, Address: req.From}, req.Text, kind, req.Now)
	if s.controlError(w, "relay", err) {
		return
	}
	writeJSON(w, outboxView(row))
}

// controlError answers err, if any, and reports whether it did.
func (s *Server) controlError(w http.ResponseWriter, what string, err error) bool {
	var conflict interface{ Conflict() bool }
	switch {
	case err == nil:
		return false
	case errors.Is(err, support.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.As(err, &conflict) && conflict.Conflict():
		writeError(w, http.StatusConflict, err.Error())
	default:
		s.fail(w, what, err)
	}
	return true
}

// Outbox lists the outbox; all includes sent, failed and canceled rows.
func (c *Client) Outbox(ctx context.Context, all bool) ([]OutboxView, error) {
	var out []OutboxView
	path := "/api/v1/outbox"
	if all {
		path += "?all=1"
	}
	return out, c.do(ctx, http.MethodGet, path, nil, &out)
}

// OutboxControl applies send-now, retry or cancel to row id.
func (c *Client) OutboxControl(ctx context.Context, id uint64, action string) (*OutboxView, error) {
	var out OutboxView
	if err := c.do(ctx, http.MethodPost, "/api/v1/outbox/"+strconv.FormatUint(id, 10)+"/"+action, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Reply relays an agent's text to the customer of case n.
func (c *Client) Reply(ctx context.Context, n uint64, req ReplyRequest) (*OutboxView, error) {
	var out OutboxView
	if err := c.do(ctx, http.MethodPost, "/api/v1/cases/"+strconv.FormatUint(n, 10)+"/reply", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
