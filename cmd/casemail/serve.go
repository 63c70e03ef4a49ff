package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/casemail/casemail/admin"
	"github.com/casemail/casemail/config"
	"github.com/casemail/casemail/ingest"
	"github.com/casemail/casemail/mailparse"
	"github.com/casemail/casemail/smtpd"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/threading"
)

// stopTimeout bounds how long shutdown waits for SMTP sessions in flight.
const stopTimeout = 30 * time.Second

// Main is the running daemon. Tests start it on 127.0.0.1:0 exactly as the
// binary does.
type Main struct {
	Config *config.Config
	Logger *slog.Logger
	Now    func() time.Time

	Store    *store.Store
	Ingester *ingest.Ingester

	// Listening addresses, set by Run.
	SMTPAddr, LMTPAddr, AdminAddr net.Addr

	smtp, lmtp *smtpd.Server
	admin      *admin.Server
	wg         sync.WaitGroup
	closeOnce  sync.Once
}

// NewMain returns a daemon for cfg.
func NewMain(cfg *config.Config, log *slog.Logger) *Main {
	if log == nil {
		log = slog.Default()
	}
	return &Main{Config: cfg, Logger: log, Now: time.Now}
}

// Run opens the store and starts the listeners; it returns once they are
// listening, or with the first error (after undoing what it started).
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	c := m.Config
	m.Store, err = store.Open(c.Store.Path, store.Options{LockTimeout: c.Store.LockTimeout, Logger: m.Logger})
	if err != nil {
		return err
	}
	key, err := m.tokenKey()
	if err != nil {
		return err
	}
	m.Ingester = ingest.New(m.Store, ingest.Options{
		Limits:    mailparse.Limits{MaxDepth: c.Parse.MaxDepth, MaxParts: c.Parse.MaxParts},
		Threading: threading.Options{Key: key, Addresses: c.Support.Addresses},
		Hostname:  c.Support.Host(),
		Logger:    m.Logger,
		Now:       m.Now,
	})
	tlsConf, err := m.tls()
	if err != nil {
		return err
	}
	opt := smtpd.Options{
		Addresses: c.Support.Addresses, Hostname: c.SMTP.Hostname,
		MaxMessageBytes: c.SMTP.MaxMessageBytes, MaxRecipients: c.SMTP.MaxRecipients,
		MaxLineLength: c.SMTP.MaxLineLength, ReadTimeout: c.SMTP.ReadTimeout,
		WriteTimeout: c.SMTP.WriteTimeout, TLS: tlsConf, Logger: m.Logger,
	}
	m.smtp = smtpd.New(m.Ingester, opt)
	if m.SMTPAddr, err = m.listen("smtp.listen", "tcp", c.SMTP.Listen, m.smtp.Serve); err != nil {
		return err
	}
	if network, addr := c.LMTP.Network(); network != "" {
		opt.LMTP = true
		m.lmtp = smtpd.New(m.Ingester, opt)
		if network == "unix" {
			os.Remove(addr) // a socket left by a crash would refuse the bind
		}
		if m.LMTPAddr, err = m.listen("lmtp.listen", network, addr, m.lmtp.Serve); err != nil {
			return err
		}
	}
	m.admin = admin.NewServer(m.Store, c.Admin.Token, m.Logger)
	if m.AdminAddr, err = m.listen("admin.listen", "tcp", c.Admin.Listen, m.admin.Serve); err != nil {
		return err
	}
	m.Logger.Info("casemail started", "smtp", m.SMTPAddr, "lmtp", m.LMTPAddr, "admin", m.AdminAddr, "store", c.Store.Path)
	return nil
}

func (m *Main) listen(key, network, addr string, serve func(net.Listener) error) (net.Addr, error) {
	l, err := net.Listen(network, addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := serve(l); err != nil {
			m.Logger.Error("listener stopped", "key", key, "err", err)
		}
	}()
	return l.Addr(), nil
}

// tokenKey is the configured key, or the one generated and kept in the
// store on first start.
func (m *Main) tokenKey() ([]byte, error) {
	if k := m.Config.Threading.TokenKey; k != "" {
		return []byte(k), nil
	}
	key, err := m.Store.TokenKey(func() ([]byte, error) {
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("reply token key: %w", err)
	}
	return key, nil
}

func (m *Main) tls() (*tls.Config, error) {
	c := m.Config.SMTP
	if c.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("smtp.tls_cert/smtp.tls_key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// Close shuts down in order: listeners first (sessions in flight get
// stopTimeout to finish), then the store, so that every 250 already sent
// is backed by a commit.
func (m *Main) Close() error {
	var err error
	m.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		for _, s := range []*smtpd.Server{m.smtp, m.lmtp} {
			if s != nil {
				s.Shutdown(ctx)
			}
		}
		if m.admin != nil {
			m.admin.Shutdown(ctx)
		}
		m.wg.Wait()
		if m.Store != nil {
			err = m.Store.Close()
		}
	})
	return err
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer) int {
	f := newFlags("serve", false, stderr)
	if _, err := f.parse(args); err != nil {
		return 2
	}
	cfg, err := f.load()
	if err != nil {
		fmt.Fprintf(stderr, "casemail: configuration:\n%v\n", err)
		return 1
	}
	log := newLogger(cfg.Log, stderr)
	slog.SetDefault(log)
	m := NewMain(cfg, log)
	if err := m.Run(ctx); err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	sdNotify("READY=1")
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		log.Info("stopping", "signal", s.String())
	case <-ctx.Done():
	}
	sdNotify("STOPPING=1")
	done := make(chan error, 1)
	go func() { done <- m.Close() }()
	select {
	case err := <-done:
		if err != nil {
			log.Error("close", "err", err)
			return 1
		}
	case s := <-sig:
		// A second signal means the operator will not wait; everything
		// acknowledged is already committed, so exiting now loses nothing.
		log.Warn("forced exit", "signal", s.String())
		return 1
	}
	log.Info("stopped")
	return 0
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.SlogLevel()}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// sdNotify tells systemd (Type=notify) about our state; it does nothing
// when not run by systemd.
func sdNotify(state string) {
	sock := os.Getenv("NOTIFY_SOCKET")
	if sock == "" {
		return
	}
	if sock[0] == '@' {
		sock = "\x00" + sock[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		slog.Warn("sd_notify", "err", err)
		return
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil && !errors.Is(err, net.ErrClosed) {
		slog.Warn("sd_notify", "err", err)
	}
}
