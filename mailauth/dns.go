package mailauth

import (
	"context"
	"errors"
	"net"
)

// dnsAdapter puts the check's context and error rules between the
// libraries and the Resolver.
//
// The SPF and go-msgauth libraries tell "no record" from "try later" by a
// type assertion on *net.DNSError, not errors.As. A wrapped error, a bare
// context.DeadlineExceeded or an error from a custom resolver would
// therefore become a permerror or a silent "no policy". Here every failure
// reaches them as a *net.DNSError, temporary unless the resolver said
// not-found, so a DNS outage or our timeout is always a temperror.
type dnsAdapter struct {
	ctx context.Context
	r   Resolver
}

// fix classifies err for the libraries (see dnsAdapter).
func (d dnsAdapter) fix(name string, err error) error {
	if err == nil {
		return nil
	}
	if d.ctx.Err() != nil {
		// Whatever the resolver said, the answer was cut off by our
		// deadline; "not found" would be a lie that turns into SPF none.
		return &net.DNSError{Err: d.ctx.Err().Error(), Name: name, IsTimeout: true, IsTemporary: true}
	}
	var de *net.DNSError
	if errors.As(err, &de) && (de.IsNotFound || de.Temporary()) {
		return de
	}
	return &net.DNSError{Err: err.Error(), Name: name, IsTemporary: true}
}

// done stops a check at its deadline even with a resolver that ignores
// the context.
func (d dnsAdapter) done(name string) error {
	if err := d.ctx.Err(); err != nil {
		return d.fix(name, err)
	}
	return nil
}

func (d dnsAdapter) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if err := d.done(name); err != nil {
		return nil, err
	}
	txt, err := d.r.LookupTXT(ctx, name)
	return txt, d.fix(name, err)
}

func (d dnsAdapter) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	if err := d.done(host); err != nil {
		return nil, err
	}
	ips, err := d.r.LookupIPAddr(ctx, host)
	return ips, d.fix(host, err)
}

func (d dnsAdapter) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	if err := d.done(name); err != nil {
		return nil, err
	}
	mx, err := d.r.LookupMX(ctx, name)
	return mx, d.fix(name, err)
}

func (d dnsAdapter) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	if err := d.done(addr); err != nil {
		return nil, err
	}
	names, err := d.r.LookupAddr(ctx, addr)
	return names, d.fix(addr, err)
}

// lookupTXT is the context-free form go-msgauth's DKIM and DMARC take.
func (d dnsAdapter) lookupTXT(name string) ([]string, error) {
	return d.LookupTXT(d.ctx, name)
}
