package notify

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

var tiEpoch = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func tiDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("%q is not base64: %v", s, err)
	}
	return b
}

// tiLevelTime decodes response level i the way MFCMAPI does: the header
// time plus the delta, shifted back by 18 bits (DC=0) or 23 (DC=1).
func tiLevelTime(b []byte, i int) uint64 {
	v := binary.BigEndian.Uint32(b[threadIndexHeaderLen+i*threadIndexChildLen:])
	shift := 18
	if v&0x80000000 != 0 {
		shift = 23
	}
	return headerTime(b) + uint64(v&0x7fffffff)<<shift
}

func tiNear(t *testing.T, what string, got, want uint64, tolerance uint64) {
	t.Helper()
	d := got - want
	if got < want {
		d = want - got
	}
	if d > tolerance {
		t.Errorf("%s: FILETIME %d, want %d ± %d", what, got, want, tolerance)
	}
}

func TestThreadIndexNew(t *testing.T) {
	s := NewThreadIndex("1041 support@example.com", tiEpoch)
	b := tiDecode(t, s)
	if len(b) != 22 {
		t.Fatalf("NewThreadIndex is %d bytes, want 22", len(b))
	}
	if b[0] != 0x01 {
		t.Errorf("reserved byte %#x, want 0x01 ([MS-OXOMSG] 2.2.1.3)", b[0])
	}
	// Bits below 16 are not recorded: the header is exact to 2^16 × 100 ns.
	tiNear(t, "header time", headerTime(b), fileTime(tiEpoch), 1<<16)

	again := tiDecode(t, NewThreadIndex("1041 support@example.com", tiEpoch.Add(48*time.Hour)))
	if !bytes.Equal(b[6:], again[6:]) {
		t.Error("the same seed must give the same conversation GUID")
	}
	other := tiDecode(t, NewThreadIndex("1042 support@example.com", tiEpoch))
	if bytes.Equal(b[6:], other[6:]) {
		t.Error("different seeds gave the same GUID")
	}
	if v := b[6+6] >> 4; v != 8 {
		t.Errorf("GUID version nibble %d, want 8 (name-based)", v)
	}
}

func TestThreadIndexChild(t *testing.T) {
	parent := NewThreadIndex("seed", tiEpoch)
	pb := tiDecode(t, parent)
	at := tiEpoch.Add(3*time.Hour + 17*time.Minute)
	cb := tiDecode(t, ChildThreadIndex(parent, at))
	if len(cb) != len(pb)+5 {
		t.Fatalf("child is %d bytes, want %d", len(cb), len(pb)+5)
	}
	if !bytes.Equal(cb[:len(pb)], pb) {
		t.Error("child does not start with its parent")
	}
	if cb[22]&0x80 != 0 {
		t.Error("DC set for a delta under 1.7 years")
	}
	tiNear(t, "child time", tiLevelTime(cb, 0), fileTime(at), 1<<18+1<<16)
}

func TestThreadIndexChain(t *testing.T) {
	idx := NewThreadIndex("chain", tiEpoch)
	var prev []byte
	for i := 1; i <= 6; i++ {
		at := tiEpoch.Add(time.Duration(i) * 37 * time.Minute)
		idx = ChildThreadIndex(idx, at)
		b := tiDecode(t, idx)
		if want := 22 + 5*i; len(b) != want {
			t.Fatalf("level %d: %d bytes, want %d", i, len(b), want)
		}
		if prev != nil && !bytes.Equal(b[:len(prev)], prev) {
			t.Fatalf("level %d does not extend level %d", i, i-1)
		}
		tiNear(t, "level time", tiLevelTime(b, i-1), fileTime(at), 1<<18+1<<16)
		if i > 1 && tiLevelTime(b, i-1) < tiLevelTime(b, i-2) {
			t.Errorf("level %d is dated before level %d", i, i-1)
		}
		prev = b
	}
}

func TestThreadIndexLongAndNegativeDelta(t *testing.T) {
	parent := NewThreadIndex("old", tiEpoch)
	later := tiEpoch.Add(3 * 365 * 24 * time.Hour)
	b := tiDecode(t, ChildThreadIndex(parent, later))
	if b[22]&0x80 == 0 {
		t.Error("DC clear for a delta over 1.7 years")
	}
	tiNear(t, "long delta", tiLevelTime(b, 0), fileTime(later), 1<<23+1<<16)

	// A reply dated before its parent (a skewed clock) gets a zero delta,
	// not a wrapped-around one that would sort it last.
	b = tiDecode(t, ChildThreadIndex(parent, tiEpoch.Add(-time.Hour)))
	if v := binary.BigEndian.Uint32(b[22:]); v != 0 {
		t.Errorf("delta for an earlier reply = %#x, want 0", v)
	}
}

func TestThreadIndexOutlookParent(t *testing.T) {
	// A Thread-Index as Outlook 2003 wrote it in 2006, unpadded and folded.
	const outlook = "AcZ+S3Ia8aPtMgBVRy+HQjd0+ckNUw=="
	b := tiDecode(t, outlook)
	if y := time.Unix(0, 0).Add(time.Duration(headerTime(b)-fileTimeUnixEpoch) * 100).UTC().Year(); y != 2006 {
		t.Errorf("header time decodes to %d, want 2006", y)
	}
	for _, parent := range []string{outlook, strings.TrimRight(outlook, "="), "AcZ+S3Ia8aPt\r\n MgBVRy+HQjd0+ckNUw=="} {
		cb := tiDecode(t, ChildThreadIndex(parent, tiEpoch))
		if len(cb) != 27 || !bytes.Equal(cb[:22], b) {
			t.Errorf("ChildThreadIndex(%q) did not extend the Outlook index: % x", parent, cb)
		}
		if cb[22]&0x80 == 0 {
			t.Errorf("ChildThreadIndex(%q): DC clear for a 20-year delta", parent)
		}
	}
}

func TestThreadIndexInvalidParent(t *testing.T) {
	for _, parent := range []string{
		"",
		"not base64 at all!",
		base64.StdEncoding.EncodeToString([]byte("too short")),
		"Eve\r\nBcc: x@y",
	} {
		got := ChildThreadIndex(parent, tiEpoch)
		b := tiDecode(t, got)
		if len(b) != 22 {
			t.Errorf("ChildThreadIndex(%q) is %d bytes, want a new 22-byte index", parent, len(b))
		}
		if want := NewThreadIndex(parent, tiEpoch); got != want {
			t.Errorf("ChildThreadIndex(%q) = %s, want NewThreadIndex(parent) = %s", parent, got, want)
		}
	}
	// A trailing partial level is dropped before one is appended.
	full := tiDecode(t, ChildThreadIndex(NewThreadIndex("p", tiEpoch), tiEpoch))
	broken := base64.StdEncoding.EncodeToString(full[:25])
	if b := tiDecode(t, ChildThreadIndex(broken, tiEpoch)); len(b) != 27 {
		t.Errorf("partial level not dropped: %d bytes", len(b))
	}
}

func TestThreadIndexCap(t *testing.T) {
	idx := NewThreadIndex("long case", tiEpoch)
	for i := 0; i < maxThreadIndexChildren+5; i++ {
		idx = ChildThreadIndex(idx, tiEpoch.Add(time.Duration(i)*time.Minute))
	}
	b := tiDecode(t, idx)
	if want := 22 + 5*maxThreadIndexChildren; len(b) != want {
		t.Fatalf("capped index is %d bytes, want %d", len(b), want)
	}
	if len("Thread-Index: "+idx) > 998 {
		t.Errorf("Thread-Index line of %d characters exceeds RFC 5322's 998", len("Thread-Index: "+idx))
	}
	last := maxThreadIndexChildren - 1
	tiNear(t, "newest level", tiLevelTime(b, last), fileTime(tiEpoch.Add(time.Duration(maxThreadIndexChildren+4)*time.Minute)), 1<<18+1<<16)
}
