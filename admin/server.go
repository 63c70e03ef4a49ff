package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// Reader is what the API reads; *store.Store provides it.
type Reader interface {
	Cases() ([]*support.Case, error)
	Case(n uint64) (*support.Case, []*support.Message, error)
	Quarantine() ([]*store.Quarantined, error)
}

// Server serves the admin API.
type Server struct {
	r            Reader
	outbox       Outbox
	outboxReader OutboxReader
	token        string
	log          *slog.Logger
	http         *http.Server
	dues         func(c *support.Case) []Due
	suppressions Suppressions
	fullText     func(seq uint64) (string, error)
}

// Options give the API what it serves.
type Options struct {
	Cases        Reader
	Outbox       Outbox
	OutboxReader OutboxReader
	// Token, when not empty, is required on every request as
	// "Authorization: Bearer <token>".
	Token        string
	Logger       *slog.Logger
	Suppressions Suppressions
	// FullText, when set, gives the whole new text of message seq when its
	// record keeps only the start (store.MaxStoredText).
	FullText func(seq uint64) (string, error)
	// Dues, when set, gives a case's SLA due times for cases show.
	Dues func(c *support.Case) []Due
}

// NewServer returns the API.
func NewServer(opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	s := &Server{r: opt.Cases, outbox: opt.Outbox, outboxReader: opt.OutboxReader, token: opt.Token, log: opt.Logger, dues: opt.Dues, suppressions: opt.Suppressions, fullText: opt.FullText}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/cases", s.listCases)
	mux.HandleFunc("GET /api/v1/cases/{n}", s.showCase)
	mux.HandleFunc("POST /api/v1/cases/{n}/reply", s.reply)
	mux.HandleFunc("GET /api/v1/quarantine", s.listQuarantine)
	mux.HandleFunc("GET /api/v1/outbox", s.listOutbox)
	mux.HandleFunc("POST /api/v1/outbox/{id}/{action}", s.controlOutbox)
	mux.HandleFunc("GET /api/v1/suppressions", s.listSuppressions)
	mux.HandleFunc("DELETE /api/v1/suppressions/{addr}", s.clearSuppression)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	s.http = &http.Server{Handler: s.guard(s.auth(mux)), ReadHeaderTimeout: 10 * time.Second}
	return s
}

// Serve serves on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	if err := s.http.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops the server, letting requests in flight finish until ctx is
// done.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// guard refuses what a web browser could send on behalf of a page the
// operator happens to visit: the API without a token trusts whoever can
// reach loopback, and a browser can. A request with an Origin (every
// cross-site fetch or form post) or a cross-site Sec-Fetch-Site is refused;
// a change must be JSON (a form or a text/plain "simple request" is not);
// and without a token the Host must be an IP literal or localhost, which
// defeats DNS rebinding (a page whose name now resolves to 127.0.0.1).
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if site := r.Header.Get("Sec-Fetch-Site"); r.Header.Get("Origin") != "" || site != "" && site != "none" && site != "same-origin" {
			writeError(w, http.StatusForbidden, "requests from web pages are refused")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, "send application/json")
				return
			}
		}
		if s.token == "" && !localHost(r.Host) {
			writeError(w, http.StatusMisdirectedRequest, "without admin.token the API answers only to an IP address or localhost")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// localHost reports whether the Host header names an IP literal or
// localhost.
func localHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil
}

func (s *Server) auth(next http.Handler) http.Handler {
	want := []byte("Bearer " + s.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.token != "" && r.URL.Path != "/healthz" &&
			subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="casemail"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) {
	cases, err := s.r.Cases()
	if err != nil {
		s.fail(w, "list cases", err)
		return
	}
	out := make([]CaseSummary, 0, len(cases))
	for _, c := range cases {
		out = append(out, summary(c))
	}
	writeJSON(w, out)
}

func (s *Server) showCase(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseUint(strings.TrimPrefix(r.PathValue("n"), "#"), 10, 64)
	if err != nil || n == 0 {
		writeError(w, http.StatusBadRequest, "case number must be a positive integer")
		return
	}
	c, msgs, err := s.r.Case(n)
	if errors.Is(err, support.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no case #"+strconv.FormatUint(n, 10))
		return
	}
	if err != nil {
		s.fail(w, "show case", err)
		return
	}
	d := CaseDetail{CaseSummary: summary(c), SLA: []Due{}, Messages: make([]MessageView, 0, len(msgs))}
	if s.dues != nil {
		d.SLA = append(d.SLA, s.dues(c)...)
	}
	for _, m := range msgs {
		d.Messages = append(d.Messages, messageView(m, s.fullText))
	}
	writeJSON(w, d)
}

func (s *Server) listQuarantine(w http.ResponseWriter, r *http.Request) {
	qs, err := s.r.Quarantine()
	if err != nil {
		s.fail(w, "list quarantine", err)
		return
	}
	out := make([]QuarantineView, 0, len(qs))
	for _, q := range qs {
		out = append(out, quarantineView(q))
	}
	writeJSON(w, out)
}

func (s *Server) fail(w http.ResponseWriter, what string, err error) {
	s.log.Error("admin api: "+what, "err", err)
	writeError(w, http.StatusInternalServerError, what+" failed; see the daemon's log")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
