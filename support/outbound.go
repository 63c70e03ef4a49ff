package support

import "time"

// OutKind is what an outgoing message is for. Each kind has its own
// sending policy (see notify): acknowledgements leave at once, agent
// responses and progress updates wait for business hours.
type OutKind string

const (
	OutAck      OutKind = "ack"      // automatic acknowledgement of a new case
	OutResponse OutKind = "response" // an agent's answer relayed to the customer
	OutUpdate   OutKind = "update"   // an agent's progress update
	OutNotice   OutKind = "notice"   // a notice to the support team (e.g. a delivery failed)
)

// Valid reports whether k is a known kind.
func (k OutKind) Valid() bool {
	switch k {
	case OutAck, OutResponse, OutUpdate, OutNotice:
		return true
	}
	return false
}

// OutState is where an outgoing message stands. The states are explicit,
// as in Postfix's queues: nothing is "in memory only".
type OutState string

const (
	OutHeld     OutState = "held"     // waiting for a business-hours window
	OutQueued   OutState = "queued"   // due now or at Due
	OutSending  OutState = "sending"  // an attempt is in progress (back to queued if found at start-up)
	OutDeferred OutState = "deferred" // the last attempt failed temporarily; retried at Due
	OutSent     OutState = "sent"     // the smarthost accepted it (kept as history)
	OutFailed   OutState = "failed"   // refused permanently or given up (kept as history)
	OutCanceled OutState = "canceled" // an operator canceled it (kept as history)
)

// Pending reports whether the message may still be sent.
func (s OutState) Pending() bool {
	return s == OutHeld || s == OutQueued || s == OutSending || s == OutDeferred
}

// Attempt is one delivery attempt, kept after delivery as history.
type Attempt struct {
	At     time.Time `json:"at"`
	Result string    `json:"result"` // "sent", "deferred", "failed"
	Code   int       `json:"code,omitempty"`
	Text   string    `json:"text,omitempty"`
}

// Outbound is one message to one recipient in the outbox. Its content is
// kept structured and composed when it is sent (so the Date header is the
// sending time); its Message-ID is fixed at creation and already indexed in
// the case, so a reply threads even if it overtakes the send.
type Outbound struct {
	ID       uint64   `json:"id"`
	Case     uint64   `json:"case"`
	Kind     OutKind  `json:"kind"`
	State    OutState `json:"state"`
	To       Address  `json:"to"`
	Agent    *Address `json:"agent,omitempty"`
	Text     string   `json:"text,omitempty"`
	Language string   `json:"language,omitempty"`
	// MessageID is ours; InReplyTo/References/ThreadIndex are the thread of
	// the message it answers.
	MessageID   string   `json:"message_id"`
	InReplyTo   string   `json:"in_reply_to,omitempty"`
	References  []string `json:"references,omitempty"`
	ThreadIndex string   `json:"thread_index,omitempty"`
	// MessageSeq is the case message that records this mail; its raw
	// bytes are stored when it is sent.
	MessageSeq uint64 `json:"message_seq,omitempty"`
	// BusinessHours holds the message until a window is open.
	BusinessHours bool `json:"business_hours"`
	// AwaitsCheck is the message whose sender check holds this row (an
	// acknowledgement, see notify.Outbox.Acknowledge): while the check is
	// pending the row is not sent, whatever its due time.
	AwaitsCheck uint64 `json:"awaits_check,omitempty"`

	Created   time.Time `json:"created"`
	Due       time.Time `json:"due"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	History   []Attempt `json:"history,omitempty"`
	Done      time.Time `json:"done,omitempty"` // when it reached sent/failed/canceled
	// Interrupted counts attempts cut short by a crash; the first is
	// retried at once, later ones wait their backoff (no hot loop).
	Interrupted int `json:"interrupted,omitempty"`
}
