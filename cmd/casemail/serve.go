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
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/casemail/casemail/admin"
	"github.com/casemail/casemail/bizhours"
	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/config"
	"github.com/casemail/casemail/desk"
	"github.com/casemail/casemail/ingest"
	"github.com/casemail/casemail/mailauth"
	"github.com/casemail/casemail/mailparse"
	"github.com/casemail/casemail/notify"
	"github.com/casemail/casemail/sla"
	"github.com/casemail/casemail/smtpd"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
	"github.com/casemail/casemail/threading"
)

// Main is the running daemon. Tests start it on 127.0.0.1:0 exactly as the
// binary does, with a fake Clock when they need to move time.
type Main struct {
	Config *config.Config
	// ConfigPath is the file Reload reads again ("" = the built-in
	// configuration, which never changes).
	ConfigPath string
	Logger     *slog.Logger
	Clock      clock.Clock
	// Resolver is the DNS for SPF, DKIM and DMARC (tests fake it), and
	// SenderCheckTimeout bounds a sender check made after filing (zero:
	// 30 s).
	Resolver           mailauth.Resolver
	SenderCheckTimeout time.Duration

	Store    *store.Store
	Ingester *ingest.Ingester
	Outbox   *notify.Outbox
	Desk     *desk.Desk

	// Listening addresses, set by Run.
	SMTPAddr, LMTPAddr, AdminAddr net.Addr

	schedule   atomic.Pointer[bizhours.Schedule]
	smtp, lmtp *smtpd.Server
	admin      *admin.Server
	// The background loops (outbox, desk timers, deferred sender checks)
	// stop after the listeners, when nothing can queue work for them.
	stopLoops []context.CancelFunc
	loops     sync.WaitGroup
	wg        sync.WaitGroup
	closeOnce sync.Once
	reloadMu  sync.Mutex
}

// NewMain returns a daemon for cfg.
func NewMain(cfg *config.Config, log *slog.Logger) *Main {
	if log == nil {
		log = slog.Default()
	}
	return &Main{Config: cfg, Logger: log, Clock: clock.Real{}, Resolver: systemResolver}
}

// systemResolver is the DNS of a new Main: nil, the system's. The tests'
// subprocess daemons (killed with SIGKILL) set a fake one, so that no test
// touches the network.
var systemResolver mailauth.Resolver

// Run opens the store and starts the listeners and the outbox; it returns
// once they are running, or with the first error (after undoing what it
// started).
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	c := m.Config
	sched, err := c.BusinessHours.Schedule()
	if err != nil {
		return fmt.Errorf("business_hours: %w", err)
	}
	m.schedule.Store(sched)
	m.Store, err = store.Open(c.Store.Path, store.Options{LockTimeout: c.Store.LockTimeout, Logger: m.Logger})
	if err != nil {
		return err
	}
	key, err := m.tokenKey()
	if err != nil {
		return err
	}
	if err := m.startOutbox(key); err != nil {
		return err
	}
	if err := m.startDesk(); err != nil {
		return err
	}
	checker := mailauth.New(mailauth.Options{Resolver: m.Resolver, TrustedAuthServIDs: c.Agents.TrustedAuthServIDs})
	m.Ingester = ingest.New(m.Store, ingest.Options{
		Limits:       mailparse.Limits{MaxDepth: c.Parse.MaxDepth, MaxParts: c.Parse.MaxParts},
		Threading:    threading.Options{Key: key, Addresses: c.Support.Addresses},
		Hostname:     c.Support.Host(),
		Logger:       m.Logger,
		Now:          m.Clock.Now,
		Desk:         m.Desk,
		Auth:         authFunc(checker),
		AuthAlways:   m.Desk.IsAgent,
		Verified:     m.Desk.Verified,
		Checked:      m.Outbox.Kick,
		CheckTimeout: m.SenderCheckTimeout,
		ReopenWindow: c.Resolution.ReopenWindow,
		Bounced:      m.Outbox.Bounced,
		// Whatever the desk queued or scheduled in the filing transaction
		// is due now: wake both loops (a kick is a non-blocking send).
		Delivered: func(support.Delivery) {
			m.Outbox.Kick()
			m.Desk.Kick()
		},
	})
	m.loop("sender checks", func(ctx context.Context) error {
		m.Ingester.RunVerifier(ctx)
		return nil
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
		MaxConns: c.SMTP.MaxConns, MaxConnsPerIP: c.SMTP.MaxConnsPerIP, ConnRatePerMinute: c.SMTP.ConnRatePerMinute,
		DataTimeout: c.SMTP.DataTimeout, MinDataRate: c.SMTP.MinDataRate, MaxHeaderBytes: c.SMTP.MaxHeaderBytes,
		MaxReceived: c.SMTP.MaxReceived,
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
	limits := mailparse.Limits{MaxDepth: c.Parse.MaxDepth, MaxParts: c.Parse.MaxParts}
	m.admin = admin.NewServer(admin.Options{Cases: m.Store, Outbox: m.Outbox, OutboxReader: m.Store, Suppressions: m.Store,
		FullText: func(seq uint64) (string, error) {
			raw, err := m.Store.Raw(seq)
			if err != nil {
				return "", err
			}
			parsed, err := mailparse.Parse(raw, limits)
			if parsed == nil {
				return "", err
			}
			return parsed.NewText, nil
		},
		Token: c.Admin.Token, Logger: m.Logger, Dues: func(cs *support.Case) []admin.Due {
			var out []admin.Due
			for _, d := range m.Desk.Dues(cs) {
				out = append(out, admin.Due{Clock: string(d.Clock), At: d.At})
			}
			return out
		}})
	if m.AdminAddr, err = m.listen("admin.listen", "tcp", c.Admin.Listen, m.admin.Serve); err != nil {
		return err
	}
	m.Logger.Info("casemail started", "smtp", m.SMTPAddr, "lmtp", m.LMTPAddr, "admin", m.AdminAddr,
		"store", c.Store.Path, "smarthost", c.Outbound.Smarthost)
	return nil
}

func (m *Main) startOutbox(key []byte) error {
	c := m.Config
	composer, err := notify.NewComposer(notify.Options{
		SupportName: c.Support.Name, SupportAddress: c.Support.Addresses[0],
		DefaultLanguage: c.Notify.DefaultLanguage, TemplateDir: c.Notify.TemplateDir,
	})
	if err != nil {
		return fmt.Errorf("notify.template_dir: %w", err)
	}
	helo := c.Outbound.Helo
	if helo == "" {
		helo = c.SMTP.Hostname
	}
	m.Outbox = notify.New(notify.OutboxOptions{
		Store: m.Store, Composer: composer, Clock: m.Clock, Schedule: m.schedule.Load,
		Sender: &notify.SMTPSender{
			Addr: c.Outbound.Smarthost, Helo: helo, TLS: notify.TLSMode(c.Outbound.TLS),
			Username: c.Outbound.Username, Password: c.Outbound.Password,
			ConnectTimeout: c.Outbound.ConnectTimeout, CommandTimeout: c.Outbound.CommandTimeout,
			DataTimeout: c.Outbound.DataTimeout,
		},
		TokenKey: key, SupportAddress: c.Support.Addresses[0], Hostname: c.Support.Host(),
		TeamAddress: c.Support.TeamAddress, DefaultLanguage: c.Notify.DefaultLanguage,
		Policy: policy(c.Outbound), Workers: c.Outbound.Workers,
		RetryMin: c.Outbound.RetryMin, RetryMax: c.Outbound.RetryMax, MaxAge: c.Outbound.MaxAge,
		Logger: m.Logger,
	})
	m.loop("outbox", m.Outbox.Run)
	return nil
}

// loop runs fn in the background until Close.
func (m *Main) loop(name string, fn func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	m.stopLoops = append(m.stopLoops, cancel)
	m.loops.Add(1)
	go func() {
		defer m.loops.Done()
		if err := fn(ctx); err != nil {
			m.Logger.Error(name+" stopped", "err", err)
		}
	}()
}

func (m *Main) startDesk() error {
	team, err := teamFrom(m.Config)
	if err != nil {
		return err
	}
	m.Desk = desk.New(desk.Options{
		Outbox: m.Outbox, Clock: m.Clock, Schedule: m.schedule.Load, Team: team,
		Authenticated: func(r *support.AuthResults, domain string) bool { return r != nil && mailauth.Aligned(*r, domain) },
		DMARCFailed: func(r *support.AuthResults) bool {
			failed, _ := mailauth.DMARCFailed(*r)
			return failed
		},
		AgentLanguage: m.Config.Notify.DefaultLanguage,
		Logger:        m.Logger,
	})
	m.Outbox.SetAgentCheck(m.Desk.IsAgent)
	m.loop("desk timers", func(ctx context.Context) error { return m.Desk.Run(ctx, m.Store) })
	return nil
}

// teamFrom builds the desk's team from the configuration (at start and on
// reload).
func teamFrom(c *config.Config) (desk.Team, error) {
	agents, err := c.Agents.ParseAgents()
	if err != nil {
		return desk.Team{}, err
	}
	accounts, err := c.Accounts.ParseAccounts()
	if err != nil {
		return desk.Team{}, err
	}
	return desk.Team{
		Agents: agents, Accounts: accounts,
		TeamAddress: c.Support.TeamAddress, EscalationAddress: c.Agents.EscalationAddress,
		HoldDMARCFailures: c.Agents.CustomerDMARC == "hold",
		SLA: map[string]sla.Policy{
			support.TierStandard: {FirstResponse: c.SLA.StandardFirstResponse, UpdateEvery: c.SLA.StandardUpdateEvery,
				Resolution: c.SLA.StandardResolution, RemindBefore: c.SLA.RemindBefore},
			support.TierPremium: {FirstResponse: c.SLA.PremiumFirstResponse, UpdateEvery: c.SLA.PremiumUpdateEvery,
				Resolution: c.SLA.PremiumResolution, RemindBefore: c.SLA.RemindBefore},
		},
		CloseAfterDays: c.Resolution.CloseAfterDays, RemindAfterDays: c.Resolution.RemindAfterDays,
	}, nil
}

// authFunc adapts the checker to ingest: the client IP comes from the
// envelope's remote address (none for a unix-socket LMTP peer).
func authFunc(ch *mailauth.Checker) func(context.Context, []byte, support.Envelope) *support.AuthResults {
	return func(ctx context.Context, raw []byte, env support.Envelope) *support.AuthResults {
		var ip net.IP
		if host, _, err := net.SplitHostPort(env.Remote); err == nil {
			ip = net.ParseIP(host)
		}
		r := ch.Check(ctx, raw, mailauth.Envelope{IP: ip, Helo: env.Helo, MailFrom: env.MailFrom, ViaTrustedMTA: env.LMTP})
		return &r
	}
}

func policy(o config.Outbound) notify.Policy {
	return notify.Policy{
		Ack:      o.Ack == config.PolicyBusinessHours,
		Response: o.Response == config.PolicyBusinessHours,
		Update:   o.Update == config.PolicyBusinessHours,
	}
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
// smtp.stop_timeout to finish), then the outbox (sends in flight finish), then
// the store, so that every 250 already sent is backed by a commit.
func (m *Main) Close() error {
	var err error
	m.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.SMTP.StopTimeout)
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
		// Sends in flight finish; claimed rows not yet tried go back to
		// the queue; unfinished sender checks run after the next start.
		for _, stop := range m.stopLoops {
			stop()
		}
		m.loops.Wait()
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
	tuneGC()
	m := NewMain(cfg, log)
	m.ConfigPath = f.config
	if err := m.Run(ctx); err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	sdNotify("READY=1")
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	stopWatch := m.WatchConfig()
	defer stopWatch()
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
wait:
	for {
		select {
		case s := <-sig:
			log.Info("stopping", "signal", s.String())
			break wait
		case <-hup:
			sdNotify("RELOADING=1")
			m.Reload()
			sdNotify("READY=1")
		case <-ctx.Done():
			break wait
		}
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

// tuneGC runs the garbage collector less often than Go's default unless
// the operator set GOGC. The daemon's live heap is a few MiB while each
// message allocates several copies of itself (raw bytes, decoded parts,
// JSON), so at GOGC=100 a collection runs every few hundred messages;
// 400 measured 40% more messages per second on the SMTP benchmark for a
// heap that stays in the tens of MiB.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
