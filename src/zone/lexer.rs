//! The zone-file lexer: splits master-file text into tokens, logical lines and nothing
//! else.
//!
//! This is the first step of loading a zone file: `lexer` → [`super::parse`] (owner,
//! TTL, class, type, directives) → [`super::rdata`] (RDATA fields to wire bytes) →
//! [`super::Record`]. It works on the whole file buffer at once and never allocates: a
//! [`Token`] is a slice of the buffer with its quotes stripped and its escapes left as
//! they are, so that each field decoder decides what an escape means for it (a name
//! keeps `\.` inside a label, a character-string turns `\065` into `A`).
//! [`unescape`] decodes a token into a caller-owned buffer that is reused from token to
//! token.
//!
//! The lexer owns the parts of the format that are about layout: blanks, comments,
//! parentheses that join lines, quoted strings, and whether a line starts with a blank
//! (which means "same owner as before"). Words are short and scanned with a byte-class
//! table; comments and quoted strings, which can be long (DKIM keys), are skipped with
//! the `memchr` crate's vectorised searches.
//!
//! # Standards
//! RFC 1035 §5.1:
//! - "The format of these files is a sequence of entries. Entries are predominantly
//!   line-oriented, though parentheses can be used to continue a list of items across
//!   a line boundary, and text literals can contain CRLF within the text."
//! - "Any combination of tabs and spaces act as a delimiter between the separate
//!   items that make up an entry. The end of any line in the master file can end with
//!   a comment. The comment starts with a ";" (semicolon)."
//! - "`<character-string>` is expressed in one or two ways: as a contiguous set of
//!   characters without interior spaces, or as a string beginning with a " and ending
//!   with a ". Inside a " delimited string any character can occur, except for a "
//!   itself, which must be quoted using \ (back slash)."
//! - "`\X` where X is any character other than a digit (0-9), is used to quote that
//!   character so that its special meaning does not apply. `\DDD` where each D is a
//!   digit is the octet corresponding to the decimal number described by DDD."
//! - "( ) Parentheses are used to group data that crosses a line boundary. In effect,
//!   line terminations are not recognized within parentheses."
//!
//! # Limitations
//! - A quoted string must end on the line it starts on (as in BIND, NSD and Knot);
//!   RFC 1035's "text literals can contain CRLF" is not supported, because an
//!   unterminated quote would otherwise swallow the rest of the file.
//! - Parentheses do not nest.

use std::fmt;

//----------- Token ------------------------------------------------------------------

/// One item of an entry: a word or a quoted string, as a slice of the file buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The raw bytes, quotes stripped, escapes (`\X`, `\DDD`) not decoded.
    pub text: &'a [u8],
    /// 1-based line of the first byte (of the opening quote for a quoted string).
    pub line: u32,
    /// 1-based column, in bytes, of the first byte (of the opening quote).
    pub column: u32,
    /// True for a `"…"` string.
    pub quoted: bool,
    /// True when `text` holds a backslash (so it needs [`unescape`] to be read).
    pub escaped: bool,
    /// True when no blank separates this token from the previous one, as in
    /// `alpn="h2,h3"` (a word `alpn=` joined by a quoted string).
    pub joined: bool,
}

impl<'a> Token<'a> {
    /// A plain word token at line 1, for building token lists by hand (tests, helpers).
    pub fn word(text: &'a [u8]) -> Token<'a> {
        Token {
            text,
            line: 1,
            column: 1,
            quoted: false,
            escaped: text.contains(&b'\\'),
            joined: false,
        }
    }

    /// True when this is the unquoted word `word`, compared ASCII case-insensitively.
    pub fn is_word(&self, word: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(word.as_bytes())
    }

    /// The column just after the token (for "found end of line" positions).
    pub fn end_column(&self) -> u32 {
        let len = self.text.len() as u32 + if self.quoted { 2 } else { 0 };
        self.column.saturating_add(len)
    }

    /// The token as it appeared in the file (quotes put back), for messages: lossy
    /// UTF-8, cut at 64 bytes.
    pub fn shown(&self) -> Shown<'_> {
        Shown(self)
    }
}

/// Display adapter of [`Token::shown`]: `"foo"` for a word `foo`, `"\"a b\""` for a
/// quoted string.
pub struct Shown<'t>(&'t Token<'t>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.text;
        let cut = &text[..text.len().min(64)];
        let s = String::from_utf8_lossy(cut);
        let more = if cut.len() < text.len() { "…" } else { "" };
        if self.0.quoted {
            write!(f, "\"\\\"{}{more}\\\"\"", s.escape_default())
        } else {
            write!(f, "\"{}{more}\"", s.escape_default())
        }
    }
}

//----------- Lexeme -----------------------------------------------------------------

/// What [`Lexer::next_lexeme`] yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lexeme<'a> {
    /// A word or quoted string.
    Token(Token<'a>),
    /// The end of a logical line (a newline outside parentheses).
    Eol,
    /// The end of the buffer (of the input, unless the lexer was made with
    /// `more_follows`). Returned again on every later call.
    Eof,
}

//----------- Lexer ------------------------------------------------------------------

/// Byte classes for the scanner's hot loop.
const C_PLAIN: u8 = 0;
/// Space, tab, carriage return.
const C_BLANK: u8 = 1;
/// Ends a word: newline, `;`, `(`, `)`, `"` (and blanks).
const C_DELIM: u8 = 2;

/// Class of every byte value.
static CLASSES: [u8; 256] = {
    let mut t = [C_PLAIN; 256];
    t[b' ' as usize] = C_BLANK;
    t[b'\t' as usize] = C_BLANK;
    t[b'\r' as usize] = C_BLANK;
    t[b'\n' as usize] = C_DELIM;
    t[b';' as usize] = C_DELIM;
    t[b'(' as usize] = C_DELIM;
    t[b')' as usize] = C_DELIM;
    t[b'"' as usize] = C_DELIM;
    t
};

/// Splits a buffer into [`Lexeme`]s.
///
/// The lexer keeps only positions: it borrows the buffer and every token is a slice
/// of it. After an error, [`Lexer::skip_entry`] moves on to the next entry so the
/// parser can report every problem in a file.
pub struct Lexer<'a> {
    /// The whole input.
    buf: &'a [u8],
    /// Next byte to read.
    pos: usize,
    /// 1-based line of `pos`.
    line: u32,
    /// Offset of the first byte of the current line (for columns).
    line_start: usize,
    /// Where the open parenthesis is (line, column), while inside one.
    paren: Option<(u32, u32)>,
    /// True when the next lexeme starts a new entry (after an Eol, or at the start).
    at_entry_start: bool,
    /// True when the current entry's first line starts with a blank.
    blank_start: bool,
    /// Offset just after the previous token, for [`Token::joined`].
    last_end: usize,
    /// True when more input follows `buf` (a chunk of a file being read): reaching
    /// the end is then not an error, just [`Lexeme::Eof`], and the caller reads the
    /// cut entry again from [`Lexer::offset`] with more input.
    more_follows: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `buf`, the whole input (a UTF-8 byte order mark is
    /// skipped).
    pub fn new(buf: &'a [u8]) -> Lexer<'a> {
        Lexer::chunk(buf, 1, false)
    }

    /// A lexer over one chunk of a larger input: `buf` starts at the start of an
    /// entry on line `first_line`; `more_follows` says whether input continues after
    /// it (see [`Lexer::offset`]).
    pub fn chunk(buf: &'a [u8], first_line: u32, more_follows: bool) -> Lexer<'a> {
        let bom = first_line == 1 && buf.starts_with(b"\xEF\xBB\xBF");
        let pos = if bom { 3 } else { 0 };
        Lexer {
            buf,
            pos,
            line: first_line,
            line_start: pos,
            paren: None,
            at_entry_start: true,
            blank_start: false,
            last_end: usize::MAX,
            more_follows,
        }
    }

    /// Offset of the next byte to read. Between entries (before the first lexeme of
    /// an entry), this is where a cut entry starts again.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Line of the next byte to read.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// True when everything in the buffer has been read.
    pub fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// True when the entry being read started with a blank: its owner is the
    /// previous entry's owner (RFC 1035 §5.1: "If a line begins with a blank, then the
    /// owner is assumed to be the same as that of the previous RR").
    pub fn entry_starts_blank(&self) -> bool {
        self.blank_start
    }

    /// The next lexeme.
    ///
    /// An error leaves the lexer at a sane place: after an unterminated quote, at the
    /// end of that line; after a `)` with no `(`, past it; at the end of the file
    /// inside parentheses, at the end (the parentheses are forgotten).
    #[inline]
    pub fn next_lexeme(&mut self) -> Result<Lexeme<'a>, LexError> {
        let buf = self.buf;
        if self.at_entry_start {
            self.at_entry_start = false;
            self.blank_start = matches!(buf.get(self.pos), Some(b' ' | b'\t'));
        }
        loop {
            let Some(&c) = buf.get(self.pos) else {
                if self.more_follows {
                    return Ok(Lexeme::Eof);
                }
                if let Some((line, column)) = self.paren.take() {
                    return Err(LexError {
                        line,
                        column,
                        kind: LexErrorKind::UnclosedParen,
                    });
                }
                return Ok(Lexeme::Eof);
            };
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                    if self.paren.is_none() {
                        self.at_entry_start = true;
                        self.last_end = usize::MAX;
                        return Ok(Lexeme::Eol);
                    }
                }
                b';' => {
                    // A comment runs to the end of the line; the newline itself is
                    // left for the next round (it may end the entry).
                    self.pos += memchr_newline(&buf[self.pos..]);
                }
                b'(' => {
                    let here = (self.line, self.column_of(self.pos));
                    self.pos += 1;
                    if self.paren.is_some() {
                        return Err(self.error_at(here, LexErrorKind::NestedParen));
                    }
                    self.paren = Some(here);
                }
                b')' => {
                    let here = (self.line, self.column_of(self.pos));
                    self.pos += 1;
                    if self.paren.take().is_none() {
                        return Err(self.error_at(here, LexErrorKind::UnopenedParen));
                    }
                }
                b'"' => return self.quoted(),
                _ => return Ok(Lexeme::Token(self.word())),
            }
        }
    }

    /// Skips the rest of the current entry (to the Eol that ends it, or to the end),
    /// ignoring further errors in it. Used to recover after an error.
    pub fn skip_entry(&mut self) {
        loop {
            match self.next_lexeme() {
                Ok(Lexeme::Eol | Lexeme::Eof) => return,
                Ok(Lexeme::Token(_)) => {}
                Err(e) if e.kind == LexErrorKind::UnclosedParen => return,
                Err(_) => {}
            }
        }
    }

    /// Reads a word starting at `self.pos` (known not to be a delimiter).
    #[inline]
    fn word(&mut self) -> Token<'a> {
        let buf = self.buf;
        let start = self.pos;
        let mut pos = start;
        let mut escaped = false;
        while let Some(&c) = buf.get(pos) {
            if CLASSES[c as usize] != C_PLAIN {
                break;
            }
            if c == b'\\' {
                escaped = true;
                // The escaped byte belongs to the word whatever it is, except a
                // newline (lines are counted here, and a word never spans lines).
                pos += if matches!(buf.get(pos + 1), Some(b'\n') | None) {
                    1
                } else {
                    2
                };
            } else {
                pos += 1;
            }
        }
        self.pos = pos;
        let joined = self.last_end == start;
        self.last_end = pos;
        Token {
            text: &buf[start..pos],
            line: self.line,
            column: self.column_of(start),
            quoted: false,
            escaped,
            joined,
        }
    }

    /// Reads a quoted string; `self.pos` is at the opening quote.
    fn quoted(&mut self) -> Result<Lexeme<'a>, LexError> {
        let buf = self.buf;
        let open = self.pos;
        let mut pos = open + 1;
        let mut escaped = false;
        loop {
            // Skip to the next byte that matters (long TXT strings: DKIM keys).
            pos += memchr::memchr3(b'"', b'\\', b'\n', &buf[pos.min(buf.len())..])
                .unwrap_or(buf.len().saturating_sub(pos));
            match buf.get(pos) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    pos += if matches!(buf.get(pos + 1), Some(b'\n') | None) {
                        1
                    } else {
                        2
                    };
                }
                None if self.more_follows => {
                    self.pos = buf.len();
                    return Ok(Lexeme::Eof);
                }
                Some(b'\n') | None => {
                    // Stop at the newline so that it still ends the entry.
                    self.pos = pos;
                    return Err(LexError {
                        line: self.line,
                        column: self.column_of(open),
                        kind: LexErrorKind::UnterminatedQuote,
                    });
                }
                Some(_) => pos += 1,
            }
        }
        self.pos = pos + 1;
        let joined = self.last_end == open;
        self.last_end = self.pos;
        Ok(Lexeme::Token(Token {
            text: &buf[open + 1..pos],
            line: self.line,
            column: self.column_of(open),
            quoted: true,
            escaped,
            joined,
        }))
    }

    /// 1-based column of a buffer offset on the current line.
    fn column_of(&self, offset: usize) -> u32 {
        (offset - self.line_start + 1) as u32
    }

    fn error_at(&self, (line, column): (u32, u32), kind: LexErrorKind) -> LexError {
        LexError { line, column, kind }
    }
}

/// Offset of the first newline in `bytes`, or its length (a vectorised search).
#[inline]
fn memchr_newline(bytes: &[u8]) -> usize {
    memchr::memchr(b'\n', bytes).unwrap_or(bytes.len())
}

//----------- Escapes ----------------------------------------------------------------

/// Decodes the escapes of a token's text into `out` (appending): `\DDD` is the octet
/// DDD (000–255), `\X` is X.
///
/// # Standards
/// RFC 1035 §5.1: "`\DDD` where each D is a digit is the octet corresponding to the
/// decimal number described by DDD"; "`\X` where X is any character other than a
/// digit (0-9), is used to quote that character".
pub fn unescape(text: &[u8], out: &mut Vec<u8>) -> Result<(), EscapeError> {
    let mut i = 0;
    while i < text.len() {
        // Copy the run up to the next backslash in one go.
        let run = text[i..]
            .iter()
            .position(|&b| b == b'\\')
            .unwrap_or(text.len() - i);
        out.extend_from_slice(&text[i..i + run]);
        i += run;
        if i == text.len() {
            break;
        }
        let (byte, used) = decode_escape(&text[i + 1..])?;
        out.push(byte);
        i += 1 + used;
    }
    Ok(())
}

/// Decodes one escape, given the bytes after its backslash: the octet and how many
/// bytes it used.
pub fn decode_escape(rest: &[u8]) -> Result<(u8, usize), EscapeError> {
    match rest {
        [a, b, c, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            let v = (a - b'0') as u32 * 100 + (b - b'0') as u32 * 10 + (c - b'0') as u32;
            if v > 255 {
                return Err(EscapeError::OutOfRange);
            }
            Ok((v as u8, 3))
        }
        [a, ..] if a.is_ascii_digit() => Err(EscapeError::ShortDecimal),
        [x, ..] => Ok((*x, 1)),
        [] => Err(EscapeError::Trailing),
    }
}

//============ Errors ================================================================

/// A layout error, with the place it was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct LexError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub kind: LexErrorKind,
}

/// The layout errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LexErrorKind {
    /// A `"` with no closing `"` on the same line.
    #[error("unterminated quoted string (a closing \" must be on the same line)")]
    UnterminatedQuote,
    /// A `(` never closed before the end of the file.
    #[error("unbalanced parentheses: this \"(\" is never closed")]
    UnclosedParen,
    /// A `)` with no `(` before it.
    #[error("unbalanced parentheses: \")\" without \"(\"")]
    UnopenedParen,
    /// A `(` inside parentheses.
    #[error("nested parentheses")]
    NestedParen,
}

/// A bad escape sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EscapeError {
    /// `\DDD` above 255.
    #[error("bad escape: \\DDD must be 000-255")]
    OutOfRange,
    /// `\D` or `\DD` not followed by a third digit.
    #[error("bad escape: \\DDD needs three digits")]
    ShortDecimal,
    /// A backslash at the very end.
    #[error("bad escape: backslash at the end")]
    Trailing,
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    /// All lexemes of `text`, tokens as (text, line, column), Eol as "\n".
    fn lex(text: &str) -> Vec<(String, u32, u32)> {
        let mut lx = Lexer::new(text.as_bytes());
        let mut out = Vec::new();
        loop {
            match lx.next_lexeme() {
                Ok(Lexeme::Token(t)) => {
                    let s = String::from_utf8_lossy(t.text).into_owned();
                    let s = if t.quoted { format!("<{s}>") } else { s };
                    out.push((s, t.line, t.column));
                }
                Ok(Lexeme::Eol) => out.push(("\n".into(), 0, 0)),
                Ok(Lexeme::Eof) => break,
                Err(e) => out.push((format!("ERR {}", e.kind), e.line, e.column)),
            }
        }
        out
    }

    fn words(text: &str) -> Vec<String> {
        lex(text).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn words_blanks_and_lines() {
        assert_eq!(
            lex("a  b\tc\r\n d\n"),
            vec![
                ("a".into(), 1, 1),
                ("b".into(), 1, 4),
                ("c".into(), 1, 6),
                ("\n".into(), 0, 0),
                ("d".into(), 2, 2),
                ("\n".into(), 0, 0),
            ]
        );
        assert_eq!(words("a"), vec!["a"]);
        assert_eq!(words(""), Vec::<String>::new());
    }

    #[test]
    fn comments() {
        assert_eq!(
            words("a ; b c\nd;e\n;x\n"),
            vec!["a", "\n", "d", "\n", "\n"]
        );
        assert_eq!(words("a\\;b ;c"), vec!["a\\;b"]);
        assert_eq!(words("\"a;b\" ; c"), vec!["<a;b>"]);
    }

    #[test]
    fn parentheses_join_lines() {
        assert_eq!(
            words("a ( b\n c ; comment\n d ) e\nf"),
            vec!["a", "b", "c", "d", "e", "\n", "f"]
        );
        assert_eq!(words("a(b)c"), vec!["a", "b", "c"]);
        let l = lex("a (\n b\n");
        assert_eq!(
            l[2].0,
            "ERR unbalanced parentheses: this \"(\" is never closed"
        );
        assert_eq!((l[2].1, l[2].2), (1, 3));
        let l = lex("a ) b\n");
        assert_eq!(
            l[1],
            (
                "ERR unbalanced parentheses: \")\" without \"(\"".into(),
                1,
                3
            )
        );
        assert_eq!(l[2].0, "b");
        assert_eq!(lex("( (")[0].0, "ERR nested parentheses");
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(
            words(r#""a b" "" "x\"y\\" z"#),
            vec!["<a b>", "<>", r#"<x\"y\\>"#, "z"]
        );
        let l = lex("a \"bc\nd\n");
        assert_eq!(
            l[1],
            (
                "ERR unterminated quoted string (a closing \" must be on the same line)".into(),
                1,
                3
            )
        );
        assert_eq!(l[2].0, "\n");
        assert_eq!(l[3].0, "d");
    }

    #[test]
    fn joined_tokens() {
        let mut lx = Lexer::new(b"alpn=\"h2,h3\" port=\"1\" x \"y\"");
        let mut joined = Vec::new();
        while let Ok(Lexeme::Token(t)) = lx.next_lexeme() {
            joined.push(t.joined);
        }
        assert_eq!(joined, vec![false, true, false, true, false, false]);
    }

    #[test]
    fn escapes_stay_in_words() {
        let mut lx = Lexer::new(b"a\\ b\\(c\\\"d e");
        let Ok(Lexeme::Token(t)) = lx.next_lexeme() else {
            panic!("no token")
        };
        assert_eq!(t.text, b"a\\ b\\(c\\\"d");
        assert!(t.escaped);
    }

    #[test]
    fn blank_start() {
        let mut lx = Lexer::new(b"a b\n c\n\n  ; x\nd (\n e)\n");
        let mut seen = Vec::new();
        loop {
            match lx.next_lexeme() {
                Ok(Lexeme::Token(t)) => seen.push((t.text.to_vec(), lx.entry_starts_blank())),
                Ok(Lexeme::Eof) => break,
                _ => {}
            }
        }
        let want: Vec<(Vec<u8>, bool)> = vec![
            (b"a".to_vec(), false),
            (b"b".to_vec(), false),
            (b"c".to_vec(), true),
            (b"d".to_vec(), false),
            (b"e".to_vec(), false),
        ];
        assert_eq!(seen, want);
    }

    #[test]
    fn skip_entry_recovers() {
        let mut lx = Lexer::new(b"a \"b\nc ( d\n \"e\n f )\ng\n");
        let mut got = Vec::new();
        loop {
            match lx.next_lexeme() {
                Ok(Lexeme::Token(t)) => got.push(String::from_utf8_lossy(t.text).into_owned()),
                Ok(Lexeme::Eol) => {}
                Ok(Lexeme::Eof) => break,
                Err(_) => {
                    got.push("!".into());
                    lx.skip_entry();
                }
            }
        }
        assert_eq!(got, vec!["a", "!", "c", "d", "!", "g"]);
    }

    #[test]
    fn unescape_forms() {
        let mut out = Vec::new();
        unescape(br"\065\066C\\\.\ x\000\255", &mut out).unwrap();
        assert_eq!(out, b"ABC\\. x\x00\xff");
        out.clear();
        assert_eq!(unescape(br"\256", &mut out), Err(EscapeError::OutOfRange));
        assert_eq!(unescape(br"\12x", &mut out), Err(EscapeError::ShortDecimal));
        assert_eq!(unescape(br"ab\", &mut out), Err(EscapeError::Trailing));
    }

    #[test]
    fn a_cut_entry_is_not_an_error_when_more_follows() {
        for text in [&b"a \"bc"[..], b"a ( b", b"a ; comment"] {
            let mut lx = Lexer::chunk(text, 7, true);
            let mut last = Ok(Lexeme::Eol);
            while !matches!(last, Ok(Lexeme::Eof) | Err(_)) {
                last = lx.next_lexeme();
            }
            assert_eq!(last, Ok(Lexeme::Eof), "{text:?}");
            assert_eq!(lx.line(), 7);
        }
        // The same text as the whole input is an error.
        let mut lx = Lexer::chunk(b"a \"bc", 7, false);
        lx.next_lexeme().unwrap();
        assert_eq!(
            lx.next_lexeme().unwrap_err().kind,
            LexErrorKind::UnterminatedQuote
        );
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        assert_eq!(
            lex("\u{feff}a b"),
            vec![("a".into(), 1, 1), ("b".into(), 1, 3)]
        );
    }
}
