package notify

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"strings"
	"time"
)

// Outlook threads by the Thread-Index header, the MIME form of MAPI's
// PidTagConversationIndex ([MS-OXOMSG] 2.2.1.3, carried in mail as
// described in [MS-OXCMAIL]): a 22-byte header block — a reserved 0x01, five
// bytes of a FILETIME and a 16-byte conversation GUID — followed by one
// 5-byte response level per reply. Outlook ignores In-Reply-To and
// References when a message carries a Thread-Index, so our replies extend
// the customer's index rather than start a new one.
const (
	threadIndexHeaderLen = 22
	threadIndexChildLen  = 5
	// maxThreadIndexChildren keeps the header under the 998-octet line
	// limit of RFC 5322 §2.1.1: base64 cannot be folded, and 100 levels
	// (522 bytes, 696 characters) is more than any case reaches.
	maxThreadIndexChildren = 100

	// fileTimeUnixEpoch is 1970-01-01 in FILETIME units (100 ns since 1601).
	fileTimeUnixEpoch = 116444736000000000
)

// NewThreadIndex starts an Outlook Thread-Index at time at. The GUID is
// derived from seed, so every index started for the same seed (casemail
// uses the case number and the support address) names the same
// conversation and Outlook groups the letters of a case together even when
// the customer's client sent no Thread-Index.
func NewThreadIndex(seed string, at time.Time) string {
	b := make([]byte, threadIndexHeaderLen)
	putHeaderTime(b, fileTime(at))
	guid := sha256.Sum256([]byte("casemail thread-index\x00" + seed))
	copy(b[6:], guid[:16])
	// Mark it as a name-based GUID (RFC 9562 §5.5 layout) so tools that
	// show it do not mistake it for a random one.
	b[6+6] = b[6+6]&0x0f | 0x80
	b[6+8] = b[6+8]&0x3f | 0x80
	return base64.StdEncoding.EncodeToString(b)
}

// ChildThreadIndex returns parent with one response level appended for a
// reply sent at time at ([MS-OXOMSG] 2.2.1.3). When parent is not base64 of
// at least 22 bytes it cannot be extended, and a new index is started with
// parent as its seed, so the same broken input still yields one
// conversation.
func ChildThreadIndex(parent string, at time.Time) string {
	b, ok := parseThreadIndex(parent)
	if !ok {
		return NewThreadIndex(parent, at)
	}
	children := (len(b) - threadIndexHeaderLen) / threadIndexChildLen
	if children >= maxThreadIndexChildren {
		// Drop the oldest levels, not the header: each level's delta is
		// relative to the header time, so the rest still decode correctly.
		drop := (children - maxThreadIndexChildren + 1) * threadIndexChildLen
		b = append(b[:threadIndexHeaderLen:threadIndexHeaderLen], b[threadIndexHeaderLen+drop:]...)
	}

	var level [threadIndexChildLen]byte
	binary.BigEndian.PutUint32(level[:4], timeDelta(headerTime(b), fileTime(at)))
	// The last byte is "random" in the spec; a hash of the parent and the
	// time makes it vary between siblings yet keeps composed mail (and our
	// golden files) reproducible.
	h := fnv.New32a()
	h.Write(binary.BigEndian.AppendUint64(b[:len(b):len(b)], fileTime(at)))
	level[4] = byte(h.Sum32())

	out := make([]byte, 0, len(b)+threadIndexChildLen)
	out = append(append(out, b...), level[:]...)
	return base64.StdEncoding.EncodeToString(out)
}

// parseThreadIndex decodes a Thread-Index header value. It accepts the value
// with folding whitespace left in and with or without padding, and drops a
// trailing partial response level, which no client would produce but which
// would otherwise misalign the level we append.
func parseThreadIndex(s string) ([]byte, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil, false
		}
	}
	if len(b) < threadIndexHeaderLen {
		return nil, false
	}
	n := threadIndexHeaderLen + (len(b)-threadIndexHeaderLen)/threadIndexChildLen*threadIndexChildLen
	return b[:n], true
}

// putHeaderTime writes the header block's first six bytes. [MS-OXOMSG]
// describes a reserved 0x01 byte followed by FILETIME bits 55..16 (the
// eight most significant bits are excluded); Outlook's own headers (for
// example "AcZ+…" = 01 C6 7E … in 2006) confirm it: until 2057 the excluded
// byte of a FILETIME is itself 0x01.
func putHeaderTime(b []byte, ft uint64) {
	b[0] = 0x01
	for i := 1; i < 6; i++ {
		b[i] = byte(ft >> (8 * (7 - i)))
	}
}

// headerTime is the FILETIME recorded in a header block, as readers such as
// MFCMAPI reconstruct it: the first six bytes are its top 48 bits.
func headerTime(b []byte) uint64 {
	var ft uint64
	for i := 0; i < 6; i++ {
		ft = ft<<8 | uint64(b[i])
	}
	return ft << 16
}

// timeDelta encodes the DC bit and 31-bit time delta of a response level
// ([MS-OXOMSG] 2.2.1.3): under about 1.7 years (2^49 FILETIME units) bits
// 48..18 of the difference with DC=0, beyond it bits 53..23 with DC=1. A
// reply dated before the header (a skewed clock on either side) gets a zero
// delta rather than a wrapped-around huge one.
func timeDelta(header, now uint64) uint32 {
	if now <= header {
		return 0
	}
	d := now - header
	if d < 1<<49 {
		return uint32(d>>18) & 0x7fffffff
	}
	if d>>23 > 0x7fffffff {
		return 0xffffffff
	}
	return 0x80000000 | uint32(d>>23)
}

// fileTime converts t to a Windows FILETIME: 100-nanosecond intervals since
// 1601-01-01 UTC. Times before 1601 become 0.
func fileTime(t time.Time) uint64 {
	ft := t.Unix()*10_000_000 + int64(t.Nanosecond()/100) + fileTimeUnixEpoch
	if ft < 0 {
		return 0
	}
	return uint64(ft)
}
