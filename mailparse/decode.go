package mailparse

// Exported decoders, for packages that read a MIME structure of their own
// (bounce reads report parts that mailparse treats as attachments) and
// must decode it the same forgiving way.

// DecodeTransfer undoes a Content-Transfer-Encoding (base64,
// quoted-printable, uuencode), forgiving the errors broken mailers make;
// anything else is returned as it is.
func DecodeTransfer(cte string, body []byte) []byte {
	data, _ := decodeTransfer(cte, body)
	return data
}

// DecodeHeader decodes the RFC 2047 encoded-words of an unstructured
// header value in any charset, keeping what cannot be decoded.
func DecodeHeader(v string) string { return decodeHeader(v, "") }
