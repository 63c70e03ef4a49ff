package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/casemail/casemail/support"
	bolt "go.etcd.io/bbolt"
)

// Tx is a write transaction handed to the function given to Store.Write. It
// also answers threading's Lookup, so the decision and its effects share
// one transaction.
type Tx struct {
	tx *bolt.Tx
	// Cases and messages saved during one write are encoded once, when the
	// write's function returns (flush): filing a message saves its case
	// three times and the message twice, and JSON encoding is what a
	// message costs most inside the single committer.
	cases map[uint64]*support.Case
	msgs  map[uint64]*support.Message
}

// flush writes the cases and messages saved since the last flush.
func (t *Tx) flush() error {
	for n, c := range t.cases {
		if err := putJSON(t.tx.Bucket(bCases), u64(n), c); err != nil {
			return fmt.Errorf("save case %d: %w", n, err)
		}
		delete(t.cases, n)
	}
	for seq, m := range t.msgs {
		if err := t.tx.Bucket(bMessages).Put(u64(seq), encodeMessage(m)); err != nil {
			return fmt.Errorf("save message %d: %w", seq, err)
		}
		delete(t.msgs, seq)
	}
	return nil
}

// Flags stored with a Message-ID in the index.
const (
	idReferenced byte = 0 // a message of the case named it; we never had it
	idStored     byte = 1 // the message itself is stored
)

// maxKey bounds the keys made of what a sender wrote (bbolt refuses keys
// over 32 KiB, and a Message-ID or an address can be as long as a header).
const maxKey = 256

// boundedKey is s as a key, hashed when it is longer than maxKey.
func boundedKey(s string) []byte {
	if len(s) <= maxKey {
		return []byte(s)
	}
	sum := sha256.Sum256([]byte(s))
	return []byte("sha256:" + hex.EncodeToString(sum[:]))
}

func (t *Tx) lookupID(id string) (caseNum uint64, flag byte, ok bool) {
	v := t.tx.Bucket(bMsgIDs).Get(boundedKey(id))
	if len(v) != 9 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(v), v[8], true
}

// CaseForMessageID returns the case a Message-ID is known to, or 0.
func (t *Tx) CaseForMessageID(id string) (uint64, error) {
	n, _, _ := t.lookupID(id)
	return n, nil
}

// HasMessage reports whether a message with this Message-ID is stored, and
// in which case.
func (t *Tx) HasMessage(id string) (uint64, bool) {
	n, flag, ok := t.lookupID(id)
	return n, ok && flag == idStored
}

// HasCopy reports whether a message with this Message-ID and this body hash
// is already stored (or quarantined): a redelivery, which must be stored
// once. The same Message-ID with another body is not a copy and is kept.
func (t *Tx) HasCopy(id, bodyHash string) (uint64, bool) {
	v := t.tx.Bucket(bCopies).Get(copyKey(id, bodyHash))
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

func copyKey(id, bodyHash string) []byte {
	return append(append(boundedKey(id), 0), bodyHash...)
}

func (t *Tx) putCopy(id, bodyHash string, seq uint64) error {
	if id == "" {
		return nil
	}
	if err := t.tx.Bucket(bCopies).Put(copyKey(id, bodyHash), u64(seq)); err != nil {
		return fmt.Errorf("index message copy: %w", err)
	}
	return nil
}

// Case returns case n or an error wrapping support.ErrNotFound. A case
// saved earlier in the same write is returned as saved (the same value).
func (t *Tx) Case(n uint64) (*support.Case, error) {
	if c, ok := t.cases[n]; ok {
		return c, nil
	}
	return getCase(t.tx, n)
}

func getCase(tx *bolt.Tx, n uint64) (*support.Case, error) {
	v := tx.Bucket(bCases).Get(u64(n))
	if v == nil {
		return nil, fmt.Errorf("case %d: %w", n, support.ErrNotFound)
	}
	var c support.Case
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("decode case %d: %w", n, err)
	}
	return &c, nil
}

// NewCaseNumber allocates the next case number.
func (t *Tx) NewCaseNumber() (uint64, error) {
	return nextSeq(t.tx.Bucket(bMeta), kCaseSeq)
}

// PutCase saves c (as it stands when the write's function returns).
func (t *Tx) PutCase(c *support.Case) error {
	if t.cases == nil {
		t.cases = map[uint64]*support.Case{}
	}
	t.cases[c.Number] = c
	return nil
}

// AddMessage appends m, with its raw bytes, to case c, indexes its
// Message-ID and the IDs it references, and saves c with its message count
// and update time. It sets m.Seq and m.Case.
func (t *Tx) AddMessage(c *support.Case, m *support.Message, raw []byte, now time.Time) error {
	seq, err := nextSeq(t.tx.Bucket(bMeta), kSeq)
	if err != nil {
		return fmt.Errorf("allocate message number: %w", err)
	}
	m.Seq, m.Case = seq, c.Number
	if err := t.PutMessage(m); err != nil {
		return err
	}
	if raw != nil {
		if err := t.tx.Bucket(bRaw).Put(u64(seq), raw); err != nil {
			return fmt.Errorf("save raw message %d: %w", seq, err)
		}
	}
	if err := t.tx.Bucket(bCaseMsgs).Put(append(u64(c.Number), u64(seq)...), nil); err != nil {
		return fmt.Errorf("index message %d: %w", seq, err)
	}
	if err := t.IndexMessageID(m.MessageID, c.Number, true); err != nil {
		return err
	}
	if err := t.putCopy(m.MessageID, m.BodyHash, seq); err != nil {
		return err
	}
	// IDs a message refers to but that never reached us still belong to the
	// case: two replies to a root we never saw must meet in one case.
	for _, id := range m.AllReferences() {
		if err := t.IndexMessageID(id, c.Number, false); err != nil {
			return err
		}
	}
	c.MessageCount++
	c.Updated = now
	return t.PutCase(c)
}

// PutRaw stores the raw bytes of message seq: an outgoing message gets
// them when it is composed and sent.
func (t *Tx) PutRaw(seq uint64, raw []byte) error {
	if err := t.tx.Bucket(bRaw).Put(u64(seq), raw); err != nil {
		return fmt.Errorf("save raw message %d: %w", seq, err)
	}
	return nil
}

// Message returns message seq (a message saved earlier in the same write
// as saved).
func (t *Tx) Message(seq uint64) (*support.Message, error) {
	if m, ok := t.msgs[seq]; ok {
		return m, nil
	}
	v := t.tx.Bucket(bMessages).Get(u64(seq))
	if v == nil {
		return nil, fmt.Errorf("message %d: %w", seq, support.ErrNotFound)
	}
	var m support.Message
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, fmt.Errorf("decode message %d: %w", seq, err)
	}
	return &m, nil
}

// LastIncoming returns the newest inbound message of case n, the one an
// agent's answer is threaded under, or nil.
func (t *Tx) LastIncoming(n uint64) (*support.Message, error) {
	prefix := u64(n)
	c := t.tx.Bucket(bCaseMsgs).Cursor()
	k, _ := c.Seek(u64(n + 1))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		m, err := t.Message(binary.BigEndian.Uint64(k[8:]))
		if err != nil {
			return nil, err
		}
		if m.Direction == support.Incoming {
			return m, nil
		}
	}
	return nil, nil
}

// IndexMessageID records that id belongs to case n: as a stored message, or
// only as one referenced. A referenced entry never overrides an existing
// entry, so the first case to know an ID keeps it.
func (t *Tx) IndexMessageID(id string, n uint64, stored bool) error {
	if id == "" {
		return nil
	}
	key := boundedKey(id)
	b := t.tx.Bucket(bMsgIDs)
	old := b.Get(key)
	flag := idReferenced
	if stored {
		flag = idStored
	}
	if old != nil && (!stored || (len(old) == 9 && old[8] == idStored)) {
		return nil
	}
	if len(old) == 9 {
		n = binary.BigEndian.Uint64(old) // a ghost becomes real in the case that knew it
	}
	v := append(u64(n), flag)
	if err := b.Put(key, v); err != nil {
		return fmt.Errorf("index message-id: %w", err)
	}
	return nil
}

// Quarantined is a message kept raw because it could not become part of a
// case.
type Quarantined struct {
	Seq        uint64           `json:"id"`
	Reason     string           `json:"reason"`
	Envelope   support.Envelope `json:"envelope"`
	ReceivedAt time.Time        `json:"received_at"`
	MessageID  string           `json:"message_id,omitempty"`
	From       string           `json:"from,omitempty"`
	Subject    string           `json:"subject,omitempty"`
	Size       int64            `json:"size"`
	BodyHash   string           `json:"body_hash,omitempty"`
}

// Quarantine keeps raw with the reason it could not be filed. Nothing that
// got a 250 is ever dropped: this is where the unparseable goes.
func (t *Tx) Quarantine(q *Quarantined, raw []byte) error {
	seq, err := nextSeq(t.tx.Bucket(bMeta), kSeq)
	if err != nil {
		return fmt.Errorf("allocate message number: %w", err)
	}
	q.Seq = seq
	q.Size = int64(len(raw))
	if err := t.tx.Bucket(bRaw).Put(u64(seq), raw); err != nil {
		return fmt.Errorf("save quarantined message: %w", err)
	}
	if err := putJSON(t.tx.Bucket(bQuarantine), u64(seq), q); err != nil {
		return fmt.Errorf("save quarantine record: %w", err)
	}
	// Remember it so a redelivery of the same bad message is stored once.
	return t.putCopy(q.MessageID, q.BodyHash, seq)
}
