package store

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/casemail/casemail/support"
)

// MaxStoredText is how much of a message's new text its record keeps. The
// raw message is stored whole beside it, so a long text would be written
// twice; a reader that needs all of it parses the raw bytes again (the
// admin API does, for cases show).
const MaxStoredText = 16 << 10

// encodeMessage is the stored form of m.
func encodeMessage(m *support.Message) []byte {
	if len(m.NewText) > MaxStoredText {
		c := *m
		n := MaxStoredText
		for n > 0 && !utf8.RuneStart(c.NewText[n]) {
			n--
		}
		c.NewText, c.TextTruncated = c.NewText[:n], true
		m = &c
	}
	data, err := json.Marshal(m)
	if err != nil {
		// Every field is plain data: Marshal cannot fail on it. Store the
		// identity at least, rather than lose the record.
		data, _ = json.Marshal(map[string]any{"seq": m.Seq, "case": m.Case, "message_id": m.MessageID})
	}
	return data
}
