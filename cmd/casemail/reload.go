package main

import (
	"path/filepath"
	"reflect"
	"time"

	"github.com/casemail/casemail"
	"github.com/casemail/casemail/config"
	"github.com/fsnotify/fsnotify"
)

// Reload reads the configuration again and applies what can change
// without a restart: business hours, the sending policies, and the team
// (agents, accounts and TAMs, the team and escalation addresses, the
// customer DMARC policy, SLAs, the resolution timers). An invalid file is
// refused with the reason logged, and the running configuration stays.
// Held mail is rescheduled into the new windows.
func (m *Main) Reload() error {
	m.reloadMu.Lock()
	defer m.reloadMu.Unlock()
	cfg, err := config.Load(m.ConfigPath, casemail.DefaultConfig)
	if err != nil {
		m.Logger.Error("configuration reload refused; keeping the running configuration", "err", err)
		return err
	}
	sched, err := cfg.BusinessHours.Schedule()
	if err != nil { // Load validated it; kept for safety
		m.Logger.Error("configuration reload refused; keeping the running configuration", "err", err)
		return err
	}
	team, err := teamFrom(cfg)
	if err != nil { // Load validated it; kept for safety
		m.Logger.Error("configuration reload refused; keeping the running configuration", "err", err)
		return err
	}
	for _, key := range restartOnly(m.Config, cfg) {
		m.Logger.Warn("configuration change needs a restart to take effect", "key", key)
	}
	m.schedule.Store(sched)
	m.Outbox.SetPolicy(policy(cfg.Outbound))
	m.Desk.SetTeam(team)
	m.Outbox.SetTeamAddress(cfg.Support.TeamAddress)
	reloadable(m.Config, cfg)
	n, err := m.Outbox.Reschedule()
	if err != nil {
		m.Logger.Error("reschedule held mail", "err", err)
		return err
	}
	m.Logger.Info("configuration reloaded", "held_rescheduled", n, "business_hours", sched.Describe("en"))
	return nil
}

// reloadable copies into dst the settings Reload applies, from src.
func reloadable(dst, src *config.Config) {
	dst.BusinessHours = src.BusinessHours
	dst.Outbound.Ack, dst.Outbound.Response, dst.Outbound.Update = src.Outbound.Ack, src.Outbound.Response, src.Outbound.Update
	dst.Agents.List, dst.Agents.EscalationAddress, dst.Agents.CustomerDMARC = src.Agents.List, src.Agents.EscalationAddress, src.Agents.CustomerDMARC
	dst.Accounts, dst.SLA = src.Accounts, src.SLA
	dst.Resolution.CloseAfterDays, dst.Resolution.RemindAfterDays = src.Resolution.CloseAfterDays, src.Resolution.RemindAfterDays
	dst.Support.TeamAddress = src.Support.TeamAddress
}

// restartOnly lists the sections that changed in what Reload does not
// apply (they are read at start only).
func restartOnly(old, cur *config.Config) []string {
	var out []string
	a, b := *old, *cur
	// Compare with the reloadable settings made equal: what differs then
	// needs a restart.
	reloadable(&b, &a)
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, va.Type().Field(i).Tag.Get("mapstructure"))
		}
	}
	return out
}

// WatchConfig reloads when the configuration file changes. It watches the
// directory, not the file: editors and config managers replace files by
// renaming, which a watch on the old inode would miss. It returns a
// function that stops watching.
func (m *Main) WatchConfig() func() {
	if m.ConfigPath == "" {
		return func() {}
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		m.Logger.Warn("cannot watch the configuration file; reload with SIGHUP", "err", err)
		return func() {}
	}
	path, _ := filepath.Abs(m.ConfigPath)
	if err := w.Add(filepath.Dir(path)); err != nil {
		m.Logger.Warn("cannot watch the configuration file; reload with SIGHUP", "err", err)
		w.Close()
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var debounce <-chan time.Time
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if filepath.Clean(ev.Name) == path && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
					// Editors write in several steps; reload once they settle.
					debounce = time.After(200 * time.Millisecond)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				m.Logger.Warn("configuration watch", "err", err)
			case <-debounce:
				m.Reload()
			}
		}
	}()
	return func() { w.Close(); <-done }
}
