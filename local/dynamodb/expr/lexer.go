package expr

import (
	"strings"
	"unicode/utf8"
)

// tokKind is a lexical token's class.
type tokKind uint8

const (
	tEOF     tokKind = iota
	tIdent           // a bare name: [A-Za-z][A-Za-z0-9_]*
	tKeyword         // AND, OR, NOT, BETWEEN, IN, SET, ADD, DELETE, REMOVE (text upper-cased in word)
	tName            // #placeholder
	tValue           // :placeholder
	tNumber          // 0 or [1-9][0-9]* (list indexes)
	tPunct           // = <> < <= > >= ( ) [ ] , . + -
	tError           // any other character
)

// token is one lexical token: src[pos:end].
type token struct {
	kind tokKind
	text string // the source text ("<EOF>" for tEOF)
	word string // tKeyword: the keyword in upper case
	pos  int
	end  int
}

// keywords of every expression grammar; REMOVE is one only in update
// expressions (elsewhere it is a reserved word).
var keywords = makeSet("AND", "OR", "NOT", "BETWEEN", "IN", "SET", "ADD", "DELETE")

// lex splits src into tokens, ending with a tEOF token at len(src).
// Characters that start no token become tError tokens, so that the parser
// reports them where DynamoDB does.
func lex(src string, update bool) []token {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isLetter(c):
			i++
			for i < len(src) && isWordByte(src[i]) {
				i++
			}
			text := src[start:i]
			up := strings.ToUpper(text)
			_, kw := keywords[up]
			if kw || (update && up == "REMOVE") {
				toks = append(toks, token{kind: tKeyword, text: text, word: up, pos: start, end: i})
			} else {
				toks = append(toks, token{kind: tIdent, text: text, pos: start, end: i})
			}
			continue
		case (c == '#' || c == ':') && i+1 < len(src) && isWordByte(src[i+1]):
			i++
			for i < len(src) && isWordByte(src[i]) {
				i++
			}
			k := tName
			if c == ':' {
				k = tValue
			}
			toks = append(toks, token{kind: k, text: src[start:i], pos: start, end: i})
			continue
		case c == '0':
			i++
			toks = append(toks, token{kind: tNumber, text: "0", pos: start, end: i})
			continue
		case c >= '1' && c <= '9':
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			toks = append(toks, token{kind: tNumber, text: src[start:i], pos: start, end: i})
			continue
		case c == '<' && i+1 < len(src) && (src[i+1] == '>' || src[i+1] == '='),
			c == '>' && i+1 < len(src) && src[i+1] == '=':
			i += 2
			toks = append(toks, token{kind: tPunct, text: src[start:i], pos: start, end: i})
			continue
		case strings.IndexByte("=<>()[],.+-", c) >= 0:
			i++
			toks = append(toks, token{kind: tPunct, text: src[start:i], pos: start, end: i})
			continue
		}
		_, n := utf8.DecodeRuneInString(src[i:])
		i += n
		toks = append(toks, token{kind: tError, text: src[start:i], pos: start, end: i})
	}
	return append(toks, token{kind: tEOF, text: "<EOF>", pos: len(src), end: len(src)})
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isWordByte(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' || c == '_' }
