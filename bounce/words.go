package bounce

// The words of bounces, by what they say about the address. They are
// matched against lower-cased text, as substrings; the order in which
// classify consults them matters more than any one entry.

var (
	// fullWords: the mailbox is full. Soft: it may be emptied.
	fullWords = []string{"mailbox full", "mailbox is full", "mailbox has exceeded", "over quota", "overquota",
		"quota exceeded", "exceeded storage", "exceeds the storage", "insufficient disk", "disk quota",
		"exceed the quota", "exceeds quota", "mailbox size limit", "full mailbox", "too much mail",
		"mailbox exceeds", "quota", "storage allocation", "mailbox is over", "user is over", "is full"}
	// bigWords: the message is too big. Soft: the next one may not be.
	bigWords = []string{"message size", "too large", "too big", "exceeds the maximum", "size exceeds",
		"message length exceeds", "exceeds administrative limit", "exceeded the size", "size limit"}
	// suspendWords: the account exists but is suspended. Soft.
	suspendWords = []string{"suspended", "account disabled", "account has been disabled", "account is disabled",
		"mailbox disabled", "mailbox is disabled", "deactivated", "account is locked", "frozen", "on hold",
		"expired account", "account expired"}
	// movedWords: the mailbox has moved (RFC 3463 X.1.6). Hard.
	movedWords = []string{"has moved", "address has changed", "no longer", "not forwarded"}
	// relayWords and authWords: the server refused us, not the address.
	relayWords = []string{"relay access denied", "relaying denied", "relay not permitted", "not permitted to relay",
		"unable to relay", "relaying not allowed", "do not relay", "no relaying", "relay denied"}
	authWords = []string{"spf", "dkim", "dmarc", "sender policy framework"}
	// userWords: the mailbox is unknown. Hard, unless the context says a
	// filter wrote it (see classify).
	userWords = []string{"user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
		"no such address", "no such person", "mailbox not found", "mailbox does not exist", "unknown mailbox",
		"mailbox unavailable", "mailbox is unavailable", "mailbox not available", "mailbox is inactive",
		"invalid mailbox", "not a valid mailbox", "recipient unknown", "unknown recipient", "invalid recipient",
		"recipient not found", "recipient does not exist", "user not found", "user does not exist",
		"user doesn't exist", "address does not exist", "address unknown", "unknown address", "address not found",
		"does not exist", "doesn't exist", "not exist", "no mailbox", "bad destination mailbox",
		"unknown local", "not a known user", "no account", "invalid address", "address invalid",
		"not our customer", "badrcptto", "validrcptto", "no valid recipients", "user not known",
		"addressee unknown", "recipient invalid", "utilisateur inconnu", "no existe", "unbekannt",
		"couldn't be found", "could not be found", "not a valid user", "invalid final delivery userid",
		"doesn't have a", "inactive email address", "unknown e-mail address",
		"mailbox unknown", "user invalid", "account unavailable", "no user", "is not a valid", "email address is wrong",
		"not listed", "rejected: access denied", "recipient address rejected.", "name is not recognized",
		"recipient rejected"}
	// filterWords: the recipient's own filter refused the message. "550 :
	// User unknown" with no address is how au (KDDI) filters answer.
	filterWords = []string{"message filtered", "user reject", "refuse to receive", "refuses to receive",
		"not accepting any mail", "blocked by the recipient", "only accepting mail from", "rejected due to user rules",
		"recipient preferences", "550 : user unknown", ": : user unknown"}
	// senderWords: our sender address was refused. Soft.
	senderWords = []string{"sender address rejected", "sender rejected", "domain of sender address",
		"sender verify failed", "unroutable sender", "sender domain", "sender unknown", "unknown sender",
		"sender address", "mail from", "envelope sender", "sender is not", "invalid sender"}
	// hostWords: the domain does not exist or cannot be routed to. Hard.
	hostWords = []string{"host unknown", "unknown host", "host not found", "domain not found", "no such domain",
		"domain does not exist", "unrouteable", "unroutable address", "name or service not known",
		"host or domain name not found", "nxdomain", "domain name not found", "unable to route", "illegal host",
		"no mx", "dns lookup failure", "domain is not", "no route for", "hostname lookup", "unknown domain",
		"domain unknown", "non-existent domain", "not found in dns", "lookup failure"}
	// blockWords: refusals for policy, reputation, spam or content. Soft,
	// like every failure of the network or the server (the default).
	blockWords = []string{"blocked", "blacklist", "blocklist", "block list", "listed at", "listed in", "rbl",
		"reputation", "spam", "rate limit", "too many", "throttl", "virus", "policy", "not authorized",
		"access denied", "refused", "prohibited", "banned", "denied", "ptr record", "reverse dns",
		"reverse lookup", "content filter", "message content", "rfc 5322", "rfc5322", "rfc 2822", "rfc2822"}
	// directoryWords say the server looked the address up in its
	// directory and did not find it: a missing mailbox, not a filter.
	directoryWords = []string{"not listed in", "name is not recognized", "unknown recipient", "no valid recipients",
		"invalid final delivery userid", "recipient not found by", "recipientnotfound", "unknown user:",
		"address couldn't be found", "doesn't have a", "mailbox unavailable",
		"user doesn't exist", "unknown local part", "not a valid mailbox", ">: user unknown", "invalid recipient",
		// Exchange Online's directory-based edge blocking
		"recipient address rejected: access denied"}
	// netWords: DNS trouble, which is not the same as a missing domain.
	netWords = []string{"name service error", "name server", "malformed or unexpected"}
	// noMailWords: the domain publishes that it accepts no mail (RFC 7505
	// null MX). Hard.
	noMailWords = []string{"does not accept mail", "null mx", "accepts no mail", "no smtp service",
		"does not accept any mail", "not accepting mail", "not accepting network messages"}
)
