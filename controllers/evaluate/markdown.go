/*
Copyright 2026 The meetwarden Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package evaluate

import (
	"strings"
	"unicode"
)

// markdownSpecial are the characters that start Markdown or HTML syntax in the middle of a
// line: code spans, emphasis, links and images ("[", "]": with both escaped, no "(...)" can
// become a link target), raw HTML and autolinks, strikethrough, table cell boundaries,
// character references, and the backslash itself. CommonMark §2.4 lets any ASCII punctuation
// be backslash-escaped, and an escaped one is plain text. Characters that matter only at the
// start of a line (#, +, -, digits with a dot) are left alone: the record never starts a line
// with a user's string.
const markdownSpecial = "\\`*_[]<>|~&"

// text makes a user's string (a URL, a node label, a message that quotes a live object) plain
// text in the record, in a paragraph or a table cell: a control character (a line break above
// all) becomes a space, so the string cannot end its line or its table row, and every
// character of markdownSpecial is backslash-escaped, so it cannot become a link, an image,
// emphasis, code, a tag or a cell boundary.
func text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case strings.ContainsRune(markdownSpecial, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// code puts a name in a code span. The names the API validates (object names, label values,
// the JWT application) hold no backtick and no control character; a name that does is written
// as escaped text instead, so it cannot close the span.
func code(name string) string {
	if strings.ContainsRune(name, '`') || strings.ContainsFunc(name, unicode.IsControl) {
		return text(name)
	}
	return "`" + name + "`"
}

// link writes a URL as an autolink, <https://...>, in which CommonMark takes every character
// literally (§6.5: no escapes, no emphasis), so the URL reads as it is. A URL an autolink
// cannot hold (with whitespace, a control character or an angle bracket; the API refuses
// those in the URLs of the spec) is written as escaped text instead.
func link(u string) string {
	if u == "" || strings.ContainsAny(u, "<> ") || strings.ContainsFunc(u, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return text(u)
	}
	return "<" + u + ">"
}
