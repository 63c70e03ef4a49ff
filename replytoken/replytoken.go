// Package replytoken mints and checks the signed tokens casemail puts in the
// reply address of its own mail (support+<token>@example.com). A token names
// a case and the participant it was issued to, and carries an HMAC-SHA256 tag
// so that nobody who merely knows a case number can write into that case.
//
// The token is lower-case base32 without padding: mail systems fold the case
// of local parts and some refuse '=' or '/' in them (RFC 5321 section 4.1.2
// allows them, many MTAs do not), so the alphabet must survive both.
package replytoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"strings"

	"github.com/casemail/casemail/support"
)

const version = 1

// macLen is the length of the truncated tag. 10 bytes (80 bits) leaves a
// forger 2^-80 per attempt, and a token short enough to read in an address.
const macLen = 10

// ErrInvalid is returned for a token that is malformed or not signed by us.
var ErrInvalid = errors.New("invalid reply token")

var enc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Token is a verified reply token.
type Token struct {
	Case        uint64
	participant [4]byte
}

// IssuedTo reports whether the token was issued to addr.
func (t Token) IssuedTo(addr string) bool {
	return participantHash(addr) == t.participant
}

// Mint returns the token for a case and the participant it is issued to.
func Mint(key []byte, caseNum uint64, participant string) string {
	buf := make([]byte, 0, 1+binary.MaxVarintLen64+4+macLen)
	buf = append(buf, version)
	buf = binary.AppendUvarint(buf, caseNum)
	h := participantHash(participant)
	buf = append(buf, h[:]...)
	buf = append(buf, tag(key, buf)...)
	return enc.EncodeToString(buf)
}

// Parse verifies s and returns the token it encodes.
func Parse(key []byte, s string) (Token, error) {
	b, err := enc.DecodeString(strings.ToLower(s))
	if err != nil || len(b) < 1+1+4+macLen || b[0] != version {
		return Token{}, ErrInvalid
	}
	body, mac := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(mac, tag(key, body)) {
		return Token{}, ErrInvalid
	}
	n, used := binary.Uvarint(body[1:])
	if used <= 0 || 1+used+4 != len(body) || n == 0 {
		return Token{}, ErrInvalid
	}
	var t Token
	t.Case = n
	copy(t.participant[:], body[1+used:])
	return t, nil
}

func tag(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("casemail reply token\x00"))
	m.Write(body)
	return m.Sum(nil)[:macLen]
}

// participantHash names a participant without putting the address itself in
// the token (the token travels in headers the participant forwards).
func participantHash(addr string) [4]byte {
	sum := sha256.Sum256([]byte(support.NormalizeAddress(addr)))
	var h [4]byte
	copy(h[:], sum[:4])
	return h
}

// Bounce tokens name an outbox row. They travel in the VERP return path
// (RFC 5321 section 4.4 Return-Path; "VERP" as Postfix and qmail use it),
// so a bounce names the exact message that failed, whatever the bouncing
// MTA puts in its report.
const bounceVersion = 2

// BouncePrefix starts the plus part of a VERP return path
// (support+bounce-<token>@example.com); it is not in the token alphabet, so
// a reply token can never be mistaken for one.
const BouncePrefix = "bounce-"

// MintBounce returns the token for outbox row id.
func MintBounce(key []byte, id uint64) string {
	buf := make([]byte, 0, 1+binary.MaxVarintLen64+macLen)
	buf = append(buf, bounceVersion)
	buf = binary.AppendUvarint(buf, id)
	buf = append(buf, tag(key, buf)...)
	return enc.EncodeToString(buf)
}

// ParseBounce verifies a bounce token and returns the outbox row it names.
func ParseBounce(key []byte, s string) (uint64, error) {
	b, err := enc.DecodeString(strings.ToLower(s))
	if err != nil || len(b) < 2+macLen || b[0] != bounceVersion {
		return 0, ErrInvalid
	}
	body, mac := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(mac, tag(key, body)) {
		return 0, ErrInvalid
	}
	id, used := binary.Uvarint(body[1:])
	if used <= 0 || 1+used != len(body) || id == 0 {
		return 0, ErrInvalid
	}
	return id, nil
}
