package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/internal/corpus"
	"github.com/emersion/go-message"
)

var threadHeaders = regexp.MustCompile(`(?im)^(In-Reply-To|References|To|Message-Id):.*(\r?\n[ \t].*)*\r?\n`)

// TestClientRepliesThreadByHeaders answers our acknowledgement with real
// replies from Thunderbird, Gmail and Outlook (the talon-replies samples,
// their threading headers pointed at the acknowledgement as the client
// would write them), sent to the plain support address: the headers alone
// must bring each into the case, showing only the new text.
func TestClientRepliesThreadByHeaders(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "talon-replies", "tests", "fixtures", "standard_replies")
	m, _, rcv := mailOutDaemon(t, time.Date(2026, 11, 30, 10, 0, 0, 0, madrid))
	mustSend(t, m, firstMail())
	ack := waitMessages(t, rcv, 1)[0]
	ackID := strings.Trim(ack.Msg.Header.Get("Message-Id"), "<>")
	for i, client := range []string{"thunderbird", "gmail", "outlook"} {
		raw, err := os.ReadFile(filepath.Join(dir, client+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		raw = dropHeaders(raw, threadHeaders)
		hdr := "To: support@example.com\nMessage-Id: <" + client + "-reply@client.example>\n" +
			"In-Reply-To: <" + ackID + ">\nReferences: <first@cliente.es> <" + ackID + ">\n"
		raw = append([]byte(hdr), raw...)
		if err := send(t, m.SMTPAddr.String(), "bob@client.example", []string{"support@example.com"}, raw); err != nil {
			t.Fatalf("%s: %v", client, err)
		}
		d := showCase(t, m, 1)
		if len(listCases(t, m)) != 1 || inbound(d) != i+2 {
			t.Fatalf("%s reply did not join case 1: %d cases, %d inbound", client, len(listCases(t, m)), inbound(d))
		}
		last := d.Messages[len(d.Messages)-1]
		if strings.TrimSpace(last.Text) != "Hello" {
			t.Errorf("%s reply shows %q, want only the new text", client, last.Text)
		}
	}
}

func threadHeadersRe(names string) *regexp.Regexp {
	return regexp.MustCompile(`(?im)^(` + names + `):.*(\r?\n[ \t].*)*\r?\n`)
}

// readMIME returns the decoded text/plain part of a message.
func readMIME(raw []byte) (string, error) {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return "", err
	}
	var text string
	err = e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil {
			return err
		}
		if ct, _, _ := part.Header.ContentType(); ct == "text/plain" && text == "" {
			b, err := io.ReadAll(part.Body)
			if err != nil {
				return err
			}
			text = string(b)
		}
		return nil
	})
	return strings.ReplaceAll(text, "\r\n", "\n"), err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dropHeaders removes the header fields matched by res from the header
// block of raw (never from the body, where a quoted "From:" must stay).
func dropHeaders(raw []byte, res ...*regexp.Regexp) []byte {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	head, body, _ := bytes.Cut(raw, []byte("\n\n"))
	head = append(head, '\n')
	for _, re := range res {
		head = re.ReplaceAll(head, nil)
	}
	return append(append(head, '\n'), body...)
}
