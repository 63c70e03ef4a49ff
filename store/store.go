// Package store keeps casemail's state in one bbolt file: cases, their
// messages in arrival order, the raw bytes of every message, the Message-ID
// index, quarantine, and metadata. It is the only package that imports bbolt.
//
// Writes go through a group committer: one goroutine takes every write
// waiting at that moment and applies them in one transaction, so one fsync
// covers many messages under load while a lone write commits at once. A
// write returns only after the transaction that holds it has committed, so
// the SMTP layer can answer 250 on its return.
package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casemail/casemail/support"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout of the buckets below. Open refuses a file
// with another version rather than misreading it.
const SchemaVersion = 1

var (
	bMeta       = []byte("meta")
	bCases      = []byte("cases")       // u64 case → JSON Case
	bCaseMsgs   = []byte("case_msgs")   // u64 case | u64 seq → empty (messages of a case in order)
	bMessages   = []byte("messages")    // u64 seq → JSON Message
	bRaw        = []byte("raw")         // u64 seq → raw bytes as received
	bMsgIDs     = []byte("msgids")      // message-id → u64 case | flag
	bQuarantine = []byte("quarantine")  // u64 seq → JSON Quarantined
	bCopies     = []byte("copies")      // message-id | 0 | body hash → u64 seq (what a redelivery matches)
	bOutbox     = []byte("outbox")      // u64 id → JSON support.Outbound (kept after delivery as history)
	bOutDue     = []byte("out_due")     // u64 due (unix ns) | u64 id → empty: pending rows by due time
	bOutSending = []byte("out_sending") // u64 id → empty: rows with an attempt in progress
	bCaseChecks = []byte("case_checks") // u64 at (unix ns) | u64 case → empty: when each case's clocks are next due
	bRates      = []byte("rates")       // window key → u64 count (loop governor's buckets)
	bOutMsgIDs  = []byte("out_msgids")  // message-id of an outgoing message → u64 outbox id
	bSuppressed = []byte("suppressed")  // address → JSON Suppression (hard bounces)
	bUnverified = []byte("unverified")  // u64 seq → empty: messages whose sender authentication is still to be checked

	kSchema   = []byte("schema")
	kCaseSeq  = []byte("case_seq")
	kSeq      = []byte("seq")
	kTokenKey = []byte("token_key")
	kOutSeq   = []byte("out_seq")

	allBuckets = [][]byte{bMeta, bCases, bCaseMsgs, bMessages, bRaw, bMsgIDs, bQuarantine, bCopies, bOutbox, bOutDue, bOutSending, bCaseChecks, bRates, bSuppressed, bOutMsgIDs, bUnverified}
)

// Options tune Open.
type Options struct {
	// LockTimeout is how long to wait for another process to release the
	// file before giving up with support.ErrStoreLocked.
	LockTimeout time.Duration
	// MaxBatch caps how many writes share one transaction.
	MaxBatch int
	Logger   *slog.Logger
}

// Store is an open database.
type Store struct {
	db  *bolt.DB
	log *slog.Logger

	mu     sync.RWMutex // guards closed against Write racing Close
	closed bool
	reqs   chan writeReq
	done   chan struct{}
	max    int
	// commits counts the transactions the committer made (each one fsync
	// round), writes the writes they carried: their ratio is the group
	// commit at work.
	commits, writes atomic.Uint64
}

// Open opens (creating if needed) the database at path.
func Open(path string, opt Options) (*Store, error) {
	if opt.LockTimeout <= 0 {
		opt.LockTimeout = 2 * time.Second
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create store directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: opt.LockTimeout,
		// The freelist is rebuilt on open instead of written on every
		// commit: less to fsync per message, same durability.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w (another casemail is running on it; stop it or set store.path to another file)", path, support.ErrStoreLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Update(initSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, log: opt.Logger, reqs: make(chan writeReq, 4096), done: make(chan struct{}), max: opt.MaxBatch}
	go s.commitLoop()
	return s, nil
}

func initSchema(tx *bolt.Tx) error {
	for _, b := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	meta := tx.Bucket(bMeta)
	v := meta.Get(kSchema)
	if v == nil {
		return meta.Put(kSchema, u64(SchemaVersion))
	}
	if got := binary.BigEndian.Uint64(v); got != SchemaVersion {
		return fmt.Errorf("%w: file has version %d, this casemail reads %d", support.ErrSchemaMismatch, got, SchemaVersion)
	}
	return nil
}

// Close waits for pending writes, then closes the file. Writes after Close
// fail with support.ErrStoreClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.reqs)
	s.mu.Unlock()
	<-s.done
	return s.db.Close()
}

// TokenKey returns the key that signs reply tokens, generating and storing
// one on first use, so tokens stay valid across restarts without the
// operator having to invent a secret.
func (s *Store) TokenKey(generate func() ([]byte, error)) ([]byte, error) {
	var key []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		key = clone(tx.Bucket(bMeta).Get(kTokenKey))
		return nil
	})
	if err != nil || key != nil {
		return key, err
	}
	err = s.Write(func(tx *Tx) error {
		meta := tx.tx.Bucket(bMeta)
		if k := meta.Get(kTokenKey); k != nil {
			key = clone(k)
			return nil
		}
		k, err := generate()
		if err != nil {
			return err
		}
		key = k
		return meta.Put(kTokenKey, k)
	})
	return key, err
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func nextSeq(meta *bolt.Bucket, key []byte) (uint64, error) {
	var n uint64
	if v := meta.Get(key); v != nil {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	return n, meta.Put(key, u64(n))
}
