package appsync

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// AWSEmail, AWSURL, AWSPhone and AWSIPAddress.

// Forms quoted in error messages.
const (
	emailForm = "an email address of the form local-part@domain"
	urlForm   = "an absolute URL with a scheme, such as https://example.com/path"
	phoneForm = "a phone number: digits, optionally grouped by single spaces or hyphens, with an optional leading +country code"
	ipForm    = "an IPv4 or IPv6 address, optionally with a /prefix-length (CIDR) suffix"
)

// Phone numbers have at most 15 digits (ITU-T E.164) and, to be a usable
// number at all, at least 7.
const (
	minPhoneDigits = 7
	maxPhoneDigits = 15
)

// ---------------------------------------------------------------------------
// AWSEmail

// MarshalAWSEmail writes s as a JSON string, unchanged. It does not validate s.
func MarshalAWSEmail(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSEmail accepts a string that ValidateAWSEmail accepts and returns
// it unchanged. Any other value, including non-strings, yields a BadRequest
// *shopgraph.Error.
func UnmarshalAWSEmail(v any) (string, error) {
	return unmarshalString("AWSEmail", v, emailForm, ValidateAWSEmail)
}

// ValidateAWSEmail reports whether s is an RFC 822 addr-spec, local-part@domain,
// without comments or folding white space: the local part is dot-separated
// atoms or quoted strings, the domain dot-separated atoms or [domain literals].
// Only ASCII is allowed. Example: username@example.com. It returns nil or a
// BadRequest *shopgraph.Error.
func ValidateAWSEmail(s string) error {
	return invalid("AWSEmail", s, checkEmail(s))
}

func checkEmail(s string) string {
	if s == "" {
		return "empty; expected " + emailForm
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return "only ASCII characters are allowed; expected " + emailForm
		}
	}
	// local-part = word *("." word); word = atom / quoted-string
	i, r := scanWords(s, 0, '"', '"', "local part")
	if r != "" {
		return r
	}
	switch {
	case i >= len(s):
		return "the @ and the domain are missing; expected " + emailForm
	case s[i] != '@':
		return fmt.Sprintf("character %q is not allowed in the local part; expected %s", s[i], emailForm)
	case i+1 >= len(s):
		return "the domain after @ is missing; expected " + emailForm
	}
	// domain = sub-domain *("." sub-domain); sub-domain = atom / domain-literal
	i, r = scanWords(s, i+1, '[', ']', "domain")
	if r != "" {
		return r
	}
	if i < len(s) {
		return fmt.Sprintf("character %q is not allowed in the domain; expected %s", s[i], emailForm)
	}
	return ""
}

// scanWords scans RFC 822 words (atoms, or quoted parts from open to close)
// separated by single dots at s[i:], and returns the index after the last.
// part names the part of the address in reasons.
func scanWords(s string, i int, open, close byte, part string) (int, string) {
	for {
		switch {
		case i < len(s) && s[i] == open:
			j, ok := scanQuoted(s, i, open, close)
			if !ok {
				return 0, fmt.Sprintf("the %s has an unterminated %c…%c; expected %s", part, open, close, emailForm)
			}
			i = j
		case i < len(s) && isAtext(s[i]):
			for i < len(s) && isAtext(s[i]) {
				i++
			}
		case i < len(s) && s[i] != '.' && s[i] != '@':
			return 0, fmt.Sprintf("character %q is not allowed in the %s; expected %s", s[i], part, emailForm)
		default:
			if i == 0 {
				return 0, "the local part before @ is missing; expected " + emailForm
			}
			return 0, fmt.Sprintf("the %s is empty or has an empty part (a dot at its start or end, or two dots in a row); expected %s", part, emailForm)
		}
		if i < len(s) && s[i] == '.' {
			i++
			continue
		}
		return i, ""
	}
}

// isAtext reports whether c may appear in an RFC 822 atom: any printable
// ASCII character except the specials ()<>@,;:\".[] and space.
func isAtext(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune(`()<>@,;:\".[]`, rune(c))
}

// scanQuoted scans an RFC 822 quoted-string (open '"', close '"') or
// domain-literal (open '[', close ']') starting at s[i] == open. Inside, a
// backslash quotes the next character; CR and an unquoted open '[' are not
// allowed. It returns the index after close.
func scanQuoted(s string, i int, open, close byte) (int, bool) {
	i++
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return 0, false
			}
			i += 2
			continue
		case c == close:
			return i + 1, true
		case c == '\r' || c == '\n' || (open == '[' && c == '['):
			return 0, false
		}
		i++
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// AWSURL

// MarshalAWSURL writes s as a JSON string, unchanged. It does not validate s.
func MarshalAWSURL(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSURL accepts a string that ValidateAWSURL accepts and returns it
// unchanged (no normalization: no trailing slash is added). Any other value,
// including non-strings, yields a BadRequest *shopgraph.Error.
func UnmarshalAWSURL(v any) (string, error) {
	return unmarshalString("AWSURL", v, urlForm, ValidateAWSURL)
}

// ValidateAWSURL reports whether s is a valid AWSURL: an absolute URL with any
// RFC 3986 scheme (local URLs such as http://localhost/ included) that Go's
// net/url parses, without spaces or control characters, with a host for the
// http, https, ws, wss and ftp schemes, and whose path does not contain "//".
// Values without a scheme (amazon.com) are invalid. It returns nil or a
// BadRequest *shopgraph.Error.
func ValidateAWSURL(s string) error {
	return invalid("AWSURL", s, checkURL(s))
}

func checkURL(s string) string {
	if s == "" {
		return "empty; expected " + urlForm
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == utf8.RuneError {
			return "spaces, control characters and invalid UTF-8 are not allowed; expected " + urlForm
		}
	}
	// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || strings.ContainsAny(s[:colon], "/?#") || !isAlpha(s[0]) {
		return "a scheme (such as https:) is required; expected " + urlForm
	}
	for i := 1; i < colon; i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return fmt.Sprintf("character %q is not allowed in the scheme; expected %s", c, urlForm)
		}
	}
	scheme := strings.ToLower(s[:colon])
	rest := s[colon+1:]
	if rest == "" {
		return "nothing follows the scheme; expected " + urlForm
	}
	u, err := url.Parse(s)
	if err != nil {
		msg := err.Error()
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			msg = ue.Err.Error() // without the echoed URL
		}
		if len(msg) > 2*maxEcho {
			msg = msg[:2*maxEcho] + "…"
		}
		return "not a valid URL (" + strings.ToValidUTF8(msg, "\uFFFD") + "); expected " + urlForm
	}
	// Split off query and fragment; what is left is authority and path.
	hierPart := rest
	if k := strings.IndexAny(hierPart, "?#"); k >= 0 {
		hierPart = hierPart[:k]
	}
	path := hierPart
	if strings.HasPrefix(hierPart, "//") {
		authority := hierPart[2:]
		path = ""
		if k := strings.IndexByte(authority, '/'); k >= 0 {
			path = authority[k:]
		}
	}
	switch scheme {
	case "http", "https", "ws", "wss", "ftp":
		if !strings.HasPrefix(hierPart, "//") || u.Hostname() == "" {
			return "the host is missing (" + scheme + " URLs are written " + scheme + "://host/path); expected " + urlForm
		}
	}
	if strings.Contains(path, "//") {
		return "the path must not contain \"//\""
	}
	return ""
}

// ---------------------------------------------------------------------------
// AWSPhone

// MarshalAWSPhone writes s as a JSON string, unchanged. It does not validate s.
func MarshalAWSPhone(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSPhone accepts a string that ValidateAWSPhone accepts and returns
// it unchanged. Any other value, including non-strings, yields a BadRequest
// *shopgraph.Error.
func UnmarshalAWSPhone(v any) (string, error) {
	return unmarshalString("AWSPhone", v, phoneForm, ValidateAWSPhone)
}

// ValidateAWSPhone reports whether s is a valid AWSPhone: an optional leading
// + (country code), then groups of ASCII digits separated by single spaces or
// hyphens, 7 to 15 digits in all (E.164 allows at most 15). US numbers need no
// country code. Examples: 206-555-0100, +1 206 555 0100, +44 20 7946 0958. The
// check is syntactic; it does not consult numbering plans. It returns nil or a
// BadRequest *shopgraph.Error.
func ValidateAWSPhone(s string) error {
	return invalid("AWSPhone", s, checkPhone(s))
}

func checkPhone(s string) string {
	if s == "" {
		return "empty; expected " + phoneForm
	}
	i := 0
	if s[0] == '+' {
		i = 1
	}
	n := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			n++
		case c == ' ' || c == '-':
			if i == 0 || !isDigit(s[i-1]) || i+1 >= len(s) || !isDigit(s[i+1]) {
				return "spaces and hyphens may only separate groups of digits (one at a time); expected " + phoneForm
			}
		case c == '+':
			return "a + may only appear at the start (before the country code); expected " + phoneForm
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return fmt.Sprintf("character %q is not allowed; expected %s", r, phoneForm)
		}
	}
	switch {
	case n < minPhoneDigits:
		return fmt.Sprintf("too few digits (%d; at least %d); expected %s", n, minPhoneDigits, phoneForm)
	case n > maxPhoneDigits:
		return fmt.Sprintf("too many digits (%d; at most %d); expected %s", n, maxPhoneDigits, phoneForm)
	}
	return ""
}

// ---------------------------------------------------------------------------
// AWSIPAddress

// MarshalAWSIPAddress writes s as a JSON string, unchanged. It does not
// validate s.
func MarshalAWSIPAddress(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSIPAddress accepts a string that ValidateAWSIPAddress accepts and
// returns it unchanged. Any other value, including non-strings, yields a
// BadRequest *shopgraph.Error.
func UnmarshalAWSIPAddress(v any) (string, error) {
	return unmarshalString("AWSIPAddress", v, ipForm, ValidateAWSIPAddress)
}

// ValidateAWSIPAddress reports whether s is a valid AWSIPAddress: an IPv4
// address in dotted-decimal form (no leading zeros) or an IPv6 address
// (RFC 4291 text, IPv4-embedded forms included, no %zone), optionally followed
// by a CIDR prefix length /n with 0 <= n <= 32 (IPv4) or 128 (IPv6). Host bits
// may be set: 127.0.0.1/8 is valid. It returns nil or a BadRequest
// *shopgraph.Error.
func ValidateAWSIPAddress(s string) error {
	return invalid("AWSIPAddress", s, checkIP(s))
}

func checkIP(s string) string {
	if s == "" {
		return "empty; expected " + ipForm
	}
	addrText, prefix, hasPrefix := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(addrText)
	if err != nil {
		return "not an IPv4 or IPv6 address; expected " + ipForm
	}
	if addr.Zone() != "" {
		return "IPv6 zones (%zone) are not allowed; expected " + ipForm
	}
	if !hasPrefix {
		return ""
	}
	bits := addr.BitLen()
	family := "IPv4"
	if addr.Is6() {
		family = "IPv6"
	}
	if prefix == "" || len(prefix) > 3 || (len(prefix) > 1 && prefix[0] == '0') {
		return fmt.Sprintf("the prefix length after / must be a number from 0 to %d for %s, without leading zeros", bits, family)
	}
	n := 0
	for i := 0; i < len(prefix); i++ {
		if !isDigit(prefix[i]) {
			return fmt.Sprintf("the prefix length after / must be a number from 0 to %d for %s, without leading zeros", bits, family)
		}
		n = n*10 + int(prefix[i]-'0')
	}
	if n > bits {
		return fmt.Sprintf("prefix length /%d is out of range for %s (0 to %d)", n, family, bits)
	}
	return ""
}
