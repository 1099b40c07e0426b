//! The zone-file parser: master-file text to [`Record`]s, with a position for every
//! record and a [`Finding`] for every problem.
//!
//! This is where zone files enter zonesync (`serve` loading a primary zone, `check`,
//! the tests): zone file → [`super::lexer`] (tokens and entries) → this module (owner,
//! TTL, class, type, directives, TTL defaults) → [`super::rdata`] (RDATA to wire
//! bytes) → [`ParsedZone`], which the semantic checks and `ZoneVersion` take over.
//!
//! The parser reads each file once, in 1 MiB chunks, and never gives up early: a bad
//! entry becomes a finding with `file:line:column` and what was expected, the rest of
//! the entry is skipped, and parsing goes on, up to [`ParseOptions::max_errors`] errors.
//! It is built for large zones: memory holds the records, not the text; tokens are
//! slices of the chunk buffer; the wire buffer is reused; and an owner written again
//! (or left blank) shares the previous [`Name`] instead of being parsed again. A text
//! already in memory ([`parse_bytes`], which `check` uses) is read in parts on several
//! threads when it is large and the process may use several cores: [`super::split`]
//! picks where to cut, and the part before each cut is read here first-hand, so a
//! part is kept only when it is what one thread would have made; otherwise the rest
//! is read on in one thread (same records, positions and findings either way).
//!
//! # Standards
//! RFC 1035 §5.1:
//! - "`$ORIGIN` is followed by a domain name, and resets the current origin for
//!   relative domain names to the stated name."
//! - "`$INCLUDE` inserts the named file into the current file, and may optionally
//!   specify a domain name that sets the relative domain name origin for the included
//!   file. … Note that a `$INCLUDE` entry never changes the relative origin of the
//!   parent file, regardless of changes to the relative origin made within the
//!   included file."
//! - `<rr>` is "`[<TTL>] [<class>] <type> <RDATA>`" or "`[<class>] [<TTL>] <type>
//!   <RDATA>`"; "Omitted class and TTL values are default to the last explicitly
//!   stated values."
//! - "If an entry for an RR begins with a blank, then the RR is assumed to be owned by
//!   the last stated owner."; "A free standing @ is used to denote the current origin."
//!
//! RFC 2308 §4: "`$TTL <TTL> [comment]` … All resource records appearing after the
//! directive, and which do not explicitly include a TTL value, have their TTL set to
//! the TTL given in the `$TTL` directive." Without `$TTL`, RFC 1035's last stated TTL
//! applies, as in BIND, and BIND's last resort, the SOA MINIMUM for an SOA with no TTL
//! at all; both with a `missing-ttl` warning.
//!
//! BIND's `$GENERATE range lhs [ttl] [class] type rhs`, with `$`, `${offset,width,base}`
//! (bases d, o, x, X, n, N) and `\$`.
//!
//! # Limitations
//! - `$INCLUDE` paths are relative to the including file's folder (BIND: to its
//!   working directory). `$TTL` set inside an included file stays in force after it,
//!   as in BIND and NSD; its `$ORIGIN` and last owner do not.
//! - A quoted `$GENERATE` right-hand side is substituted and read again unquoted (so
//!   it may hold several fields), as in BIND. One `$GENERATE` makes at most
//!   1,000,000 records.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::diag::{Finding, Pos, Severity};
use super::lexer::{Lexeme, Lexer, Token, unescape};
use super::name::Name;
use super::rdata::{RdataErrorKind, encode_rdata, parse_ttl, push_name};
use super::record::{Class, Rdata, Record, Rtype};
use super::split::{self, Cut};

/// Deepest `$INCLUDE` nesting accepted (a loop is caught before that).
const MAX_INCLUDE_DEPTH: usize = 16;

/// Most records one `$GENERATE` may make (a typo like `0-4294967295` must not exhaust
/// memory; a whole /8 reverse zone per octet is 256, a /16 is 65,536).
const MAX_GENERATE: u64 = 1_000_000;

//----------- ParseOptions -----------------------------------------------------------

/// How to read a zone file.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// TTL for records without one when the file has no `$TTL` before them (as if the
    /// file began with `$TTL`). `None`: RFC 1035/2308 defaults, with a warning.
    pub default_ttl: Option<u32>,
    /// Stop after this many errors (a last finding says so). 0 means no limit.
    pub max_errors: usize,
    /// The zone's class; records may repeat it or leave it out.
    pub class: Class,
    /// Most bytes read from the file and its `$INCLUDE`s together (`limits:
    /// max-zone-file-bytes`); more is an error naming the file being read.
    pub max_file_bytes: u64,
}

/// The default of [`ParseOptions::max_file_bytes`]: 4 GiB.
pub const MAX_FILE_BYTES: u64 = 4 << 30;

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            default_ttl: None,
            max_errors: 100,
            class: Class::IN,
            max_file_bytes: MAX_FILE_BYTES,
        }
    }
}

//----------- ParsedZone -------------------------------------------------------------

/// The result of parsing a zone file: records in file order, where each came from, and
/// what was wrong.
#[derive(Clone, Debug)]
pub struct ParsedZone {
    /// The origin the file was read with (the zone apex).
    pub origin: Name,
    /// The records, in file order (`$INCLUDE`d records where the directive was).
    pub records: Vec<Record>,
    /// Parallel to `records`: where each record starts (its owner, or its first token
    /// when the owner is blank; the `$GENERATE` line for generated records).
    pub positions: Vec<Pos>,
    /// Syntax errors and parser warnings, in file order.
    pub findings: Vec<Finding>,
}

impl ParsedZone {
    /// True when any finding is an error (the zone must not be loaded).
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

//----------- Entry points -----------------------------------------------------------

/// Reads and parses a zone file. `$INCLUDE`d files are read too.
///
/// Fails only when `path` itself cannot be read; every problem inside the file (and
/// an unreadable included file) is a finding in the result. The file is read in
/// chunks of [`CHUNK`] bytes, so memory holds the records, not the text.
///
/// Blocks the current thread on file I/O: call it from `spawn_blocking` in async code.
pub fn parse_file(
    path: &Path,
    origin: &Name,
    opts: &ParseOptions,
) -> Result<ParsedZone, ParseError> {
    let io_error = |source| ParseError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (file, size) = open_zone_file(path).map_err(io_error)?;
    let mut parser = Parser::new(path, origin, opts);
    let mut state = FileState::new(Arc::new(path.to_path_buf()), origin.clone());
    parser
        .parse_reader(file, Some(size), &mut state, 0)
        .map_err(io_error)?;
    Ok(parser.zone)
}

/// Parses zone-file text. `file` labels positions and anchors relative `$INCLUDE`
/// paths (resolved against its folder); `origin` is the initial `$ORIGIN`.
///
/// Does file I/O (blocking) only for `$INCLUDE`.
///
/// A large text is read in parts on as many threads as the process may run on (see
/// [`super::split`]); the result is the same as from one thread.
pub fn parse_bytes(text: &[u8], file: &Path, origin: &Name, opts: &ParseOptions) -> ParsedZone {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    parse_bytes_in_parts(text, file, origin, opts, threads.min(MAX_PARTS), MIN_PART)
}

/// [`parse_bytes`] in at most `parts` parts of at least `min_part` bytes.
fn parse_bytes_in_parts(
    text: &[u8],
    file: &Path,
    origin: &Name,
    opts: &ParseOptions,
    parts: usize,
    min_part: usize,
) -> ParsedZone {
    let mut parser = Parser::new(file, origin, opts);
    let mut state = FileState::new(Arc::new(file.to_path_buf()), origin.clone());
    let cuts = split::plan(text, parts, min_part);
    parser.parse_parts(text, &cuts, &mut state);
    parser.zone
}

/// Most threads one parse uses.
const MAX_PARTS: usize = 8;

/// Smallest part of a file worth a thread of its own (a thread costs about as much
/// as parsing a few hundred kilobytes).
const MIN_PART: usize = 4 << 20;

/// How much of a file is read at a time.
pub const CHUNK: usize = 1 << 20;

//----------- Parser -----------------------------------------------------------------

/// State that spans the whole parse, `$INCLUDE`s included.
struct Parser<'o> {
    opts: &'o ParseOptions,
    /// The result being built; written only by `record`, `warn` and `error_at`.
    zone: ParsedZone,
    /// `$TTL` in force (or the caller's default).
    default_ttl: Option<u32>,
    /// TTL of the last record (RFC 1035's default).
    last_ttl: Option<u32>,
    /// The "previous record's TTL" warning is given once, as BIND does.
    warned_last_ttl: bool,
    errors: usize,
    /// Set when `max_errors` is reached: nothing more is read.
    stopped: bool,
    /// Canonical paths of the files being read, outermost first (include loops).
    includes: Vec<PathBuf>,
    /// Wire RDATA of the record being built, reused.
    wire: Vec<u8>,
    /// Unescaping and hex/base64 joining space for `encode_rdata`, reused.
    scratch: Vec<u8>,
    /// Wire form of the owner being parsed, reused.
    owner_wire: Vec<u8>,
    /// Bytes read at a time ([`CHUNK`]; smaller in tests).
    chunk: usize,
    /// Bytes read so far from the file and its includes (against
    /// [`ParseOptions::max_file_bytes`]).
    bytes_read: u64,
}

/// State of one file being read: what `$ORIGIN` and blank owners refer to. An
/// included file gets its own, so nothing leaks back into the includer.
struct FileState {
    file: Arc<PathBuf>,
    origin: Name,
    /// Owner of the previous record, for blank owners.
    owner: Option<Name>,
    /// The text `owner` was parsed from, under the current origin: the same text again
    /// reuses the `Name` (cheap `Arc` clone) instead of parsing it.
    owner_text: Vec<u8>,
    owner_text_valid: bool,
}

impl FileState {
    fn new(file: Arc<PathBuf>, origin: Name) -> FileState {
        FileState {
            file,
            origin,
            owner: None,
            owner_text: Vec::with_capacity(64),
            owner_text_valid: false,
        }
    }
}

/// An error found in an entry: where, which finding code, what.
struct Fail {
    line: u32,
    column: u32,
    code: &'static str,
    message: String,
}

fn fail(t: &Token<'_>, code: &'static str, message: String) -> Fail {
    Fail {
        line: t.line,
        column: t.column,
        code,
        message,
    }
}

/// An error just after the last token of an entry ("found end of line").
fn fail_end(toks: &[Token<'_>], code: &'static str, message: String) -> Fail {
    let (line, column) = toks.last().map_or((1, 1), |t| (t.line, t.end_column()));
    Fail {
        line,
        column,
        code,
        message,
    }
}

impl<'o> Parser<'o> {
    fn new(file: &Path, origin: &Name, opts: &'o ParseOptions) -> Parser<'o> {
        Parser {
            opts,
            zone: ParsedZone {
                origin: origin.clone(),
                records: Vec::new(),
                positions: Vec::new(),
                findings: Vec::new(),
            },
            default_ttl: opts.default_ttl,
            last_ttl: None,
            warned_last_ttl: false,
            errors: 0,
            stopped: false,
            includes: vec![std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf())],
            wire: Vec::with_capacity(512),
            scratch: Vec::new(),
            owner_wire: Vec::with_capacity(256),
            chunk: CHUNK,
            bytes_read: 0,
        }
    }
}

/// The state a part after the first is parsed with, read from the directives before
/// the first cut (and checked against the real state once the first part is read).
struct Guess {
    origin: Name,
    ttl: u32,
}

impl<'o> Parser<'o> {
    /// A parser for a part of the same file, with its own result, starting with
    /// `default_ttl` in force.
    fn fork(&self, default_ttl: u32) -> Parser<'o> {
        Parser {
            opts: self.opts,
            zone: ParsedZone {
                origin: self.zone.origin.clone(),
                records: Vec::new(),
                positions: Vec::new(),
                findings: Vec::new(),
            },
            default_ttl: Some(default_ttl),
            last_ttl: None,
            warned_last_ttl: false,
            errors: 0,
            stopped: false,
            includes: self.includes.clone(),
            wire: Vec::with_capacity(512),
            scratch: Vec::new(),
            owner_wire: Vec::with_capacity(256),
            chunk: self.chunk,
            bytes_read: 0,
        }
    }

    /// Reads a whole in-memory file: the part before the first of `cuts` here, the
    /// others each on a thread of its own, at the same time.
    ///
    /// A part after the first is taken only when it is what reading on in one thread
    /// would have made: the part before it ended its last entry exactly at the cut,
    /// with the origin and `$TTL` the part was read with, and the part itself has no
    /// finding (a finding's text can depend on what came before: the error limit, the
    /// first missing TTL). Otherwise the rest of the file is read on from the last
    /// good place, here, as if there had been no cut.
    fn parse_parts(&mut self, text: &[u8], cuts: &[Cut], st: &mut FileState) {
        let guess = match cuts.first() {
            Some(first) => self.guess(&text[..first.offset], st),
            None => None,
        };
        let Some(guess) = guess else {
            self.parse_chunk(text, 1, false, st, 0);
            return;
        };
        let ends = cuts.iter().skip(1).map(|c| c.offset).chain([text.len()]);
        let jobs: Vec<(Parser<'o>, FileState, Cut, usize)> = cuts
            .iter()
            .zip(ends)
            .map(|(&cut, end)| {
                let state = FileState::new(st.file.clone(), guess.origin.clone());
                let mut parser = self.fork(guess.ttl);
                parser.reserve(end - cut.offset);
                (parser, state, cut, end)
            })
            .collect();
        // Room for all records at once: the parts are appended without a regrowth.
        self.reserve(text.len());
        let (head, parts) = std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .into_iter()
                .map(|(mut parser, mut state, cut, end)| {
                    scope.spawn(move || {
                        let part = &text[cut.offset..end];
                        let (used, line) = parser.parse_chunk(part, cut.line, true, &mut state, 0);
                        (parser, state, cut.offset + used, line, end)
                    })
                })
                .collect();
            let head = self.parse_chunk(&text[..cuts[0].offset], 1, true, st, 0);
            let parts: Vec<_> = handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect();
            (head, parts)
        });
        if self.stopped {
            return;
        }
        let (mut used, mut line) = head;
        let mut clean = used == cuts[0].offset
            && st.origin.as_wire() == guess.origin.as_wire()
            && self.default_ttl == Some(guess.ttl);
        for ((parser, state, part_used, part_line, end), cut) in parts.into_iter().zip(cuts) {
            if !clean || line != cut.line || !parser.zone.findings.is_empty() {
                break;
            }
            let ParsedZone {
                records, positions, ..
            } = parser.zone;
            self.zone.records.extend(records);
            self.zone.positions.extend(positions);
            self.last_ttl = parser.last_ttl.or(self.last_ttl);
            *st = state;
            // The part's last entry was whole (not cut at its end).
            clean = part_used == end;
            (used, line) = (part_used, part_line);
        }
        if used < text.len() {
            self.parse_chunk(&text[used..], line, false, st, 0);
        }
    }

    /// Makes room for the records of `bytes` bytes of zone file, generously: memory
    /// that is reserved but never written costs address space, not pages, while
    /// regrowing a vector of a million records copies it and faults its pages in anew.
    fn reserve(&mut self, bytes: usize) {
        let records = bytes / 16;
        self.zone.records.reserve(records);
        self.zone.positions.reserve(records);
    }

    /// The origin and `$TTL` in force at the end of `head`, from its directive lines
    /// alone; `None` when that cannot be told that way (an `$INCLUDE` or `$GENERATE`,
    /// a directive that is not simple, no `$TTL`).
    fn guess(&self, head: &[u8], st: &FileState) -> Option<Guess> {
        let mut origin = st.origin.clone();
        let mut ttl = self.default_ttl;
        let mut toks = Vec::new();
        for at in split::directive_lines(head) {
            // Line 2: no byte order mark is looked for.
            let mut lexer = Lexer::chunk(&head[at..], 2, false);
            toks.clear();
            while let Lexeme::Token(t) = lexer.next_lexeme().ok()? {
                toks.push(t);
            }
            match toks.as_slice() {
                [d, arg] if d.is_word("$ORIGIN") && !arg.quoted => {
                    origin = Name::parse_bytes(arg.text, Some(&origin)).ok()?;
                }
                [d, arg] if d.is_word("$TTL") && !arg.quoted => ttl = Some(parse_ttl(arg.text)?),
                _ => return None,
            }
        }
        Some(Guess { origin, ttl: ttl? })
    }
}

impl Parser<'_> {
    /// Reads a whole file from `src` in chunks, handing each to `parse_chunk` and
    /// carrying an entry cut at the end of a chunk over to the next one.
    fn parse_reader(
        &mut self,
        mut src: impl std::io::Read,
        size_hint: Option<u64>,
        st: &mut FileState,
        depth: usize,
    ) -> std::io::Result<()> {
        use std::io::Read as _;
        // No bigger than the file needs: a thousand small zones loaded at once must not
        // each claim (and zero) a megabyte.
        let first = size_hint.map_or(self.chunk, |n| (n as usize).saturating_add(1));
        let mut buf: Vec<u8> = Vec::with_capacity(first.min(self.chunk + self.chunk / 4));
        let mut line = 1;
        loop {
            // Always read at least a chunk more, so an entry longer than a chunk
            // still ends up whole in the buffer. `read_to_end` fills spare capacity
            // without zeroing it first.
            let want = self.chunk as u64;
            let got = (&mut src).take(want).read_to_end(&mut buf)?;
            self.bytes_read += got as u64;
            if self.bytes_read > self.opts.max_file_bytes {
                // An error where the file goes past the limit; nothing more is read.
                let limit = self.opts.max_file_bytes;
                self.error_at(
                    &st.file,
                    line,
                    1,
                    "too-large",
                    format!(
                        "{}: more than {limit} bytes of zone file data (limits: \
                         max-zone-file-bytes); stopped reading the zone",
                        st.file.display()
                    ),
                );
                self.stopped = true;
                return Ok(());
            }
            let eof = (got as u64) < want;
            let (used, next_line) = self.parse_chunk(&buf, line, !eof, st, depth);
            if eof || self.stopped {
                return Ok(());
            }
            buf.drain(..used);
            line = next_line;
        }
    }

    /// Reads every entry of `buf`, which starts at the start of an entry on line
    /// `first_line`. With `more_follows`, the last entry may be cut short: it is left
    /// unread (and any finding about it undone), and the offset and line where it
    /// starts are returned for the caller to try again with more input.
    fn parse_chunk(
        &mut self,
        buf: &[u8],
        first_line: u32,
        more_follows: bool,
        st: &mut FileState,
        depth: usize,
    ) -> (usize, u32) {
        let mut lexer = Lexer::chunk(buf, first_line, more_follows);
        let mut toks: Vec<Token<'_>> = Vec::with_capacity(32);
        loop {
            if self.stopped {
                return (buf.len(), lexer.line());
            }
            toks.clear();
            let restart = (lexer.offset(), lexer.line());
            let mark = (self.zone.findings.len(), self.errors);
            let mut failed = false;
            let at_end = loop {
                match lexer.next_lexeme() {
                    Ok(Lexeme::Token(t)) => toks.push(t),
                    Ok(Lexeme::Eol) => break false,
                    Ok(Lexeme::Eof) => break true,
                    Err(e) => {
                        self.error_at(&st.file, e.line, e.column, "syntax", e.kind.to_string());
                        failed = true;
                        lexer.skip_entry();
                        break lexer.at_end();
                    }
                }
            };
            if at_end && more_follows {
                self.zone.findings.truncate(mark.0);
                self.errors = mark.1;
                self.stopped = false;
                return restart;
            }
            if !failed && !toks.is_empty() {
                let blank = lexer.entry_starts_blank();
                self.entry(st, &toks, blank, depth);
            }
            if at_end {
                return (buf.len(), lexer.line());
            }
        }
    }

    /// One entry: a directive or a record.
    fn entry(&mut self, st: &mut FileState, toks: &[Token<'_>], blank: bool, depth: usize) {
        let first = &toks[0];
        let result = if !blank && !first.quoted && first.text.first() == Some(&b'$') {
            self.directive(st, toks, depth)
        } else {
            self.record(st, toks, blank, None)
        };
        if let Err(f) = result {
            self.error_at(&st.file, f.line, f.column, f.code, f.message);
        }
    }

    /// `[owner] [ttl] [class] type rdata…`. With `generated`, the record comes from
    /// `$GENERATE` and takes that position.
    fn record(
        &mut self,
        st: &mut FileState,
        toks: &[Token<'_>],
        blank: bool,
        generated: Option<&Pos>,
    ) -> Result<(), Fail> {
        let first = &toks[0];
        let mut i = 0;
        let owner = if blank {
            st.owner.clone().ok_or_else(|| {
                fail(
                    first,
                    "syntax",
                    "the line starts with a blank (same owner as the previous record), but there is no previous record".into(),
                )
            })?
        } else {
            i = 1;
            if first.quoted {
                return Err(fail(
                    first,
                    "syntax",
                    format!(
                        "expected an owner name, found quoted string {}",
                        first.shown()
                    ),
                ));
            }
            match &st.owner {
                Some(owner) if st.owner_text_valid && st.owner_text == first.text => owner.clone(),
                _ => {
                    self.owner_wire.clear();
                    let owner = push_name(&mut self.owner_wire, first.text, &st.origin)
                        .and_then(|()| Name::from_wire(&self.owner_wire))
                        .map_err(|e| {
                            fail(
                                first,
                                "syntax",
                                format!("bad owner name {}: {e}", first.shown()),
                            )
                        })?;
                    st.owner = Some(owner.clone());
                    st.owner_text.clear();
                    st.owner_text.extend_from_slice(first.text);
                    st.owner_text_valid = true;
                    owner
                }
            }
        };

        // TTL and class in either order, then the type.
        let mut ttl = None;
        let mut class = None;
        let mut class_at = 0;
        let rtype = loop {
            let Some(t) = toks.get(i) else {
                return Err(fail_end(
                    toks,
                    "syntax",
                    format!("{}, found end of line", expected(ttl, class)),
                ));
            };
            i += 1;
            if t.quoted {
                return Err(fail(
                    t,
                    "syntax",
                    format!("{}, found {}", expected(ttl, class), t.shown()),
                ));
            }
            if t.text[0].is_ascii_digit() && ttl.is_none() {
                ttl = Some(
                    parse_ttl(t.text)
                        .ok_or_else(|| fail(t, "syntax", format!("bad TTL {}", t.shown())))?,
                );
                continue;
            }
            if class.is_none()
                && let Some(c) = lookup_class(t.text)
            {
                class = Some(c);
                class_at = i - 1;
                continue;
            }
            if let Some(rtype) = lookup_type(t.text) {
                break rtype;
            }
            let code = if t.text[0].is_ascii_alphabetic() && toks.len() > i {
                "unknown-type"
            } else {
                "syntax"
            };
            return Err(fail(
                t,
                code,
                format!("{}, found {}", expected(ttl, class), t.shown()),
            ));
        };
        if let Some(class) = class
            && class != self.opts.class
        {
            return Err(fail(
                &toks[class_at],
                "bad-class",
                format!(
                    "class {class} does not match the zone's class {}",
                    self.opts.class
                ),
            ));
        }

        let rdata_toks = &toks[i..];
        self.wire.clear();
        if let Err(e) = encode_rdata(
            rtype,
            rdata_toks,
            &st.origin,
            &mut self.wire,
            &mut self.scratch,
        ) {
            let (code, at) = match e.kind {
                RdataErrorKind::NoPresentation => ("unknown-type", toks.get(i - 1)),
                RdataErrorKind::Syntax => ("bad-rdata", rdata_toks.get(e.index)),
            };
            return Err(match at {
                Some(t) => fail(t, code, e.message),
                None => fail_end(toks, code, e.message),
            });
        }

        let pos = match generated {
            Some(pos) => pos.clone(),
            None => Pos {
                file: st.file.clone(),
                line: first.line,
                column: first.column,
            },
        };
        let ttl = match ttl.or(self.default_ttl) {
            Some(ttl) => ttl,
            None => self.implicit_ttl(rtype, &pos, first)?,
        };
        self.last_ttl = Some(ttl);
        self.zone.records.push(Record::new(
            owner,
            self.opts.class,
            rtype,
            ttl,
            Rdata::from_wire(&self.wire[..]),
        ));
        self.zone.positions.push(pos);
        Ok(())
    }

    /// The TTL of a record with none, when there is no `$TTL`: the previous record's
    /// (RFC 1035), else for an SOA its MINIMUM (BIND); each with a warning.
    fn implicit_ttl(&mut self, rtype: Rtype, pos: &Pos, first: &Token<'_>) -> Result<u32, Fail> {
        if let Some(ttl) = self.last_ttl {
            if !self.warned_last_ttl {
                self.warned_last_ttl = true;
                self.warn(
                    pos,
                    "missing-ttl",
                    format!(
                        "no TTL and no $TTL: using the previous record's TTL ({ttl}) here and for later records without a TTL"
                    ),
                );
            }
            return Ok(ttl);
        }
        if rtype == Rtype::SOA && self.wire.len() >= 20 {
            let m = &self.wire[self.wire.len() - 4..];
            let minimum = u32::from_be_bytes([m[0], m[1], m[2], m[3]]);
            self.warn(
                pos,
                "missing-ttl",
                format!("no TTL and no $TTL: using the SOA MINIMUM ({minimum}) as the SOA's TTL"),
            );
            return Ok(minimum);
        }
        Err(fail(
            first,
            "missing-ttl",
            "no TTL for this record, and no $TTL or earlier record to take one from".into(),
        ))
    }

    //--- Directives

    fn directive(
        &mut self,
        st: &mut FileState,
        toks: &[Token<'_>],
        depth: usize,
    ) -> Result<(), Fail> {
        let d = &toks[0];
        if d.is_word("$ORIGIN") {
            let t = one_argument(toks, "a domain name")?;
            st.origin = Name::parse_bytes(t.text, Some(&st.origin))
                .map_err(|e| fail(t, "syntax", format!("bad $ORIGIN name {}: {e}", t.shown())))?;
            st.owner_text_valid = false;
            Ok(())
        } else if d.is_word("$TTL") {
            let t = one_argument(toks, "a TTL")?;
            let ttl = parse_ttl(t.text)
                .ok_or_else(|| fail(t, "syntax", format!("bad TTL {}", t.shown())))?;
            self.default_ttl = Some(ttl);
            Ok(())
        } else if d.is_word("$INCLUDE") {
            self.include(st, toks, depth)
        } else if d.is_word("$GENERATE") {
            self.generate(st, toks)
        } else {
            Err(fail(
                d,
                "syntax",
                format!(
                    "unknown directive {} (expected $ORIGIN, $TTL, $INCLUDE or $GENERATE)",
                    d.shown()
                ),
            ))
        }
    }

    /// `$INCLUDE file [origin]`: the file is read with its own origin and owner state.
    fn include(&mut self, st: &FileState, toks: &[Token<'_>], depth: usize) -> Result<(), Fail> {
        let d = &toks[0];
        let Some(ft) = toks.get(1) else {
            return Err(fail_end(
                toks,
                "include",
                "expected a file name after $INCLUDE, found end of line".into(),
            ));
        };
        let mut raw = Vec::new();
        unescape(ft.text, &mut raw)
            .map_err(|e| fail(ft, "include", format!("{e} in {}", ft.shown())))?;
        let path = path_from_bytes(raw);
        let resolved = match st.file.parent() {
            Some(dir) if path.is_relative() => dir.join(&path),
            _ => path,
        };
        let origin = match toks.get(2) {
            Some(t) => Name::parse_bytes(t.text, Some(&st.origin)).map_err(|e| {
                fail(
                    t,
                    "syntax",
                    format!("bad $INCLUDE origin {}: {e}", t.shown()),
                )
            })?,
            None => st.origin.clone(),
        };
        if let Some(t) = toks.get(3) {
            return Err(fail(
                t,
                "syntax",
                format!("unexpected {} after the $INCLUDE origin", t.shown()),
            ));
        }
        if depth + 1 > MAX_INCLUDE_DEPTH {
            return Err(fail(
                d,
                "include",
                format!("$INCLUDE nested more than {MAX_INCLUDE_DEPTH} deep"),
            ));
        }
        let canonical = std::fs::canonicalize(&resolved).unwrap_or_else(|_| resolved.clone());
        if self.includes.contains(&canonical) {
            return Err(fail(
                ft,
                "include",
                format!(
                    "$INCLUDE loop: {} is already being read",
                    resolved.display()
                ),
            ));
        }
        let cannot_read = |e: std::io::Error| {
            fail(
                ft,
                "include",
                format!("cannot read included file {}: {e}", resolved.display()),
            )
        };
        let (file, size) = open_zone_file(&resolved).map_err(cannot_read)?;
        self.includes.push(canonical);
        let mut sub = FileState::new(Arc::new(resolved.clone()), origin);
        let read = self.parse_reader(file, Some(size), &mut sub, depth + 1);
        self.includes.pop();
        read.map_err(cannot_read)?;
        Ok(())
    }

    /// `$GENERATE start-stop[/step] lhs [ttl] [class] type rhs`: one record per value,
    /// each built as an entry text and read like any other.
    fn generate(&mut self, st: &mut FileState, toks: &[Token<'_>]) -> Result<(), Fail> {
        let d = &toks[0];
        let Some(range) = toks.get(1) else {
            return Err(fail_end(
                toks,
                "syntax",
                "expected a range (start-stop[/step]) after $GENERATE, found end of line".into(),
            ));
        };
        let (start, stop, step) = parse_range(range.text).ok_or_else(|| {
            fail(
                range,
                "syntax",
                format!(
                    "bad $GENERATE range {} (expected start-stop[/step], start <= stop)",
                    range.shown()
                ),
            )
        })?;
        let count = (stop - start) as u64 / step as u64 + 1;
        if count > MAX_GENERATE {
            return Err(fail(
                range,
                "syntax",
                format!(
                    "$GENERATE range {} makes {count} records, more than {MAX_GENERATE}",
                    range.shown()
                ),
            ));
        }
        let Some(lhs) = toks.get(2) else {
            return Err(fail_end(
                toks,
                "syntax",
                "expected an owner name template, found end of line".into(),
            ));
        };
        let mut i = 3;
        let (mut seen_ttl, mut seen_class) = (None, None);
        loop {
            let Some(t) = toks.get(i) else {
                return Err(fail_end(
                    toks,
                    "syntax",
                    format!("{}, found end of line", expected(seen_ttl, seen_class)),
                ));
            };
            i += 1;
            if !t.quoted && t.text[0].is_ascii_digit() && seen_ttl.is_none() {
                seen_ttl = Some(
                    parse_ttl(t.text)
                        .ok_or_else(|| fail(t, "syntax", format!("bad TTL {}", t.shown())))?,
                );
            } else if !t.quoted && seen_class.is_none() && lookup_class(t.text).is_some() {
                seen_class = lookup_class(t.text);
            } else if !t.quoted && lookup_type(t.text).is_some() {
                break;
            } else {
                return Err(fail(
                    t,
                    "syntax",
                    format!("{}, found {}", expected(seen_ttl, seen_class), t.shown()),
                ));
            }
        }
        let middle = &toks[3..i];
        let rhs = &toks[i..];
        if rhs.is_empty() {
            return Err(fail_end(
                toks,
                "syntax",
                "expected the $GENERATE right-hand side, found end of line".into(),
            ));
        }

        let pos = Pos {
            file: st.file.clone(),
            line: d.line,
            column: d.column,
        };
        // Generated records do not change what a later blank owner means.
        let saved = (st.owner.clone(), st.owner_text.clone(), st.owner_text_valid);
        let mut line = Vec::with_capacity(128);
        let mut value = start as u64;
        let mut result = Ok(());
        while value <= stop as u64 && !self.stopped {
            line.clear();
            let built = substitute(lhs.text, value, &mut line)
                .map_err(|m| fail(lhs, "syntax", m))
                .and_then(|()| {
                    for t in middle {
                        line.push(b' ');
                        line.extend_from_slice(t.text);
                    }
                    for t in rhs {
                        line.push(b' ');
                        substitute(t.text, value, &mut line).map_err(|m| fail(t, "syntax", m))?;
                    }
                    Ok(())
                });
            if let Err(f) = built {
                result = Err(f);
                break;
            }
            let mut gen_toks = Vec::with_capacity(toks.len());
            let mut lexer = Lexer::new(&line);
            let lexed = loop {
                match lexer.next_lexeme() {
                    Ok(Lexeme::Token(t)) => gen_toks.push(t),
                    Ok(_) => break Ok(()),
                    Err(e) => break Err(e.kind.to_string()),
                }
            };
            let outcome = lexed
                .map_err(|m| fail(d, "syntax", m))
                .and_then(|()| self.record(st, &gen_toks, false, Some(&pos)));
            if let Err(f) = outcome {
                result = Err(Fail {
                    line: d.line,
                    column: d.column,
                    code: f.code,
                    message: format!("$GENERATE at value {value}: {}", f.message),
                });
                break;
            }
            value += step as u64;
        }
        (st.owner, st.owner_text, st.owner_text_valid) = saved;
        result
    }

    //--- Findings

    fn warn(&mut self, pos: &Pos, code: &'static str, message: String) {
        if !self.stopped {
            self.zone
                .findings
                .push(Finding::warning(Some(pos.clone()), code, message));
        }
    }

    /// Records an error; stops the parse once `max_errors` is reached.
    fn error_at(
        &mut self,
        file: &Arc<PathBuf>,
        line: u32,
        column: u32,
        code: &'static str,
        message: String,
    ) {
        if self.stopped {
            return;
        }
        let pos = Pos {
            file: file.clone(),
            line,
            column,
        };
        self.zone
            .findings
            .push(Finding::error(Some(pos.clone()), code, message));
        self.errors += 1;
        if self.opts.max_errors > 0 && self.errors >= self.opts.max_errors {
            self.zone.findings.push(Finding::error(
                Some(pos),
                "too-many-errors",
                format!(
                    "too many errors ({}), stopped reading the zone",
                    self.errors
                ),
            ));
            self.stopped = true;
        }
    }
}

//----------- Helpers ----------------------------------------------------------------

/// "expected a TTL, class or type" with what is still possible.
fn expected(ttl: Option<u32>, class: Option<Class>) -> &'static str {
    match (ttl.is_some(), class.is_some()) {
        (false, false) => "expected a TTL, class or type",
        (true, false) => "expected a class or type",
        (false, true) => "expected a TTL or type",
        (true, true) => "expected a type",
    }
}

/// The single argument of `$ORIGIN`/`$TTL`.
fn one_argument<'t, 'a>(toks: &'t [Token<'a>], what: &str) -> Result<&'t Token<'a>, Fail> {
    let d = &toks[0];
    let name = String::from_utf8_lossy(d.text).to_ascii_uppercase();
    let Some(t) = toks.get(1) else {
        return Err(fail_end(
            toks,
            "syntax",
            format!("expected {what} after {name}, found end of line"),
        ));
    };
    if let Some(extra) = toks.get(2) {
        return Err(fail(
            extra,
            "syntax",
            format!("unexpected {} after {name} {}", extra.shown(), t.shown()),
        ));
    }
    Ok(t)
}

/// A class mnemonic, `IN` first (nearly every zone).
fn lookup_class(text: &[u8]) -> Option<Class> {
    if text.eq_ignore_ascii_case(b"IN") {
        return Some(Class::IN);
    }
    std::str::from_utf8(text)
        .ok()
        .and_then(Class::from_mnemonic)
}

/// A type mnemonic or `TYPEnnn`, the common ones without a table search.
fn lookup_type(text: &[u8]) -> Option<Rtype> {
    let mut buf = [0u8; 10];
    if text.len() <= buf.len() {
        let up = &mut buf[..text.len()];
        up.copy_from_slice(text);
        up.make_ascii_uppercase();
        let fast = match &*up {
            b"A" => Some(Rtype::A),
            b"AAAA" => Some(Rtype::AAAA),
            b"NS" => Some(Rtype::NS),
            b"MX" => Some(Rtype::MX),
            b"CNAME" => Some(Rtype::CNAME),
            b"TXT" => Some(Rtype::TXT),
            b"SRV" => Some(Rtype::SRV),
            b"PTR" => Some(Rtype::PTR),
            b"SOA" => Some(Rtype::SOA),
            b"DS" => Some(Rtype::DS),
            b"RRSIG" => Some(Rtype::RRSIG),
            b"NSEC" => Some(Rtype::NSEC),
            b"NSEC3" => Some(Rtype::NSEC3),
            b"DNSKEY" => Some(Rtype::DNSKEY),
            b"CAA" => Some(Rtype::CAA),
            b"HTTPS" => Some(Rtype::HTTPS),
            _ => None,
        };
        if fast.is_some() {
            return fast;
        }
    }
    std::str::from_utf8(text)
        .ok()
        .and_then(Rtype::from_mnemonic)
}

/// `start-stop[/step]`.
fn parse_range(text: &[u8]) -> Option<(u32, u32, u32)> {
    let text = std::str::from_utf8(text).ok()?;
    let (range, step) = match text.split_once('/') {
        Some((r, s)) => (r, s.parse::<u32>().ok().filter(|&s| s > 0)?),
        None => (text, 1),
    };
    let (a, b) = range.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(a) || !digits(b) {
        return None;
    }
    let (a, b) = (a.parse::<u32>().ok()?, b.parse::<u32>().ok()?);
    (a <= b).then_some((a, b, step))
}

/// Expands a `$GENERATE` template for one value: `$` is the value, `${offset[,width[,
/// base]]}` a modified one, and escapes (`\$`) are kept for the name/RDATA reader.
fn substitute(template: &[u8], value: u64, out: &mut Vec<u8>) -> Result<(), String> {
    let mut i = 0;
    while i < template.len() {
        match template[i] {
            b'\\' => {
                out.extend_from_slice(&template[i..(i + 2).min(template.len())]);
                i += 2;
            }
            b'$' if template.get(i + 1) == Some(&b'{') => {
                let close = template[i + 2..]
                    .iter()
                    .position(|&c| c == b'}')
                    .ok_or("unterminated ${...} in a $GENERATE template")?;
                let spec = &template[i + 2..i + 2 + close];
                push_modified(spec, value, out)?;
                i += 3 + close;
            }
            b'$' => {
                out.extend_from_slice(value.to_string().as_bytes());
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(())
}

/// One `${offset,width,base}` substitution (BIND's rules, nibble mode included).
fn push_modified(spec: &[u8], value: u64, out: &mut Vec<u8>) -> Result<(), String> {
    let bad = || {
        format!(
            "bad $GENERATE modifier ${{{}}} (expected ${{offset[,width[,base]]}}, base one of d o x X n N)",
            String::from_utf8_lossy(spec)
        )
    };
    let spec = std::str::from_utf8(spec).map_err(|_| bad())?;
    let mut parts = spec.split(',');
    let offset: i64 = match parts.next() {
        Some("") | None => 0,
        Some(s) => s.parse().map_err(|_| bad())?,
    };
    let width: usize = match parts.next() {
        Some(s) => s.parse().ok().filter(|&w| w <= 255).ok_or_else(bad)?,
        None => 0,
    };
    let base = match parts.next() {
        Some(s) if s.len() == 1 && "doxXnN".contains(s) => s.as_bytes()[0],
        None => b'd',
        Some(_) => return Err(bad()),
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    let v = (value as i64).checked_add(offset).unwrap_or(-1);
    if v < 0 {
        return Err(format!(
            "$GENERATE value {value} with offset {offset} is out of range"
        ));
    }
    let v = v as u64;
    let text = match base {
        b'd' => format!("{v:0width$}"),
        b'o' => format!("{v:0width$o}"),
        b'x' => format!("{v:0width$x}"),
        b'X' => format!("{v:0width$X}"),
        _ => nibbles(v, width, base == b'N'),
    };
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// BIND's nibble mode: hex digits least significant first, dot-separated; `width`
/// counts output characters (digits and dots) and pads with zero nibbles.
fn nibbles(mut v: u64, mut width: usize, upper: bool) -> String {
    let digits = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut s = String::new();
    loop {
        s.push(digits[(v & 0xf) as usize] as char);
        v >>= 4;
        width = width.saturating_sub(1);
        if width > 0 || v != 0 {
            s.push('.');
            width = width.saturating_sub(1);
        }
        if v == 0 && width == 0 {
            return s;
        }
    }
}

/// Reads a whole zone file into memory (for callers that need its text, such as
/// `check`'s origin guess and the edit path of a reload): a regular file of at most
/// `max` bytes, else an error.
///
/// Blocks on file I/O.
pub fn read_zone_file(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    crate::durable::read_regular(path, max).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            std::io::Error::new(
                e.kind(),
                format!("more than {max} bytes (limits: max-zone-file-bytes)"),
            )
        } else {
            e
        }
    })
}

/// Opens a zone file (or an included one) for reading, with its size: only regular
/// files are read ([`crate::durable::open_regular`]).
fn open_zone_file(path: &Path) -> std::io::Result<(std::fs::File, u64)> {
    crate::durable::open_regular(path)
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

//============ Errors ================================================================

/// Why a zone file could not be parsed at all (problems inside it are findings).
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The file could not be read.
    #[error("cannot read zone file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::rdata::parse_rdata;

    fn origin() -> Name {
        "example.com.".parse().unwrap()
    }

    fn parse(text: &str) -> ParsedZone {
        parse_bytes(
            text.as_bytes(),
            Path::new("test.zone"),
            &origin(),
            &ParseOptions::default(),
        )
    }

    /// Findings as `line:col: severity code: message`.
    fn findings(z: &ParsedZone) -> Vec<String> {
        z.findings
            .iter()
            .map(|f| {
                let p = f.pos.as_ref().unwrap();
                format!(
                    "{}:{}: {} {}: {}",
                    p.line, p.column, f.severity, f.code, f.message
                )
            })
            .collect()
    }

    /// Records as `owner ttl type rdata` (absolute presentation).
    fn lines(z: &ParsedZone) -> Vec<String> {
        z.records
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    r.owner,
                    r.ttl,
                    r.rtype,
                    crate::zone::rdata::format_rdata(r.rtype, &r.rdata, None)
                )
            })
            .collect()
    }

    fn ok(text: &str) -> Vec<String> {
        let z = parse(text);
        assert_eq!(findings(&z), Vec::<String>::new(), "{text}");
        lines(&z)
    }

    #[test]
    fn basic_records_and_owners() {
        let z = ok("$TTL 1h\n\
                    @ IN SOA ns1 hostmaster 1 2 3 4 5\n\
                    \tNS ns1\n\
                    www 300 A 192.0.2.1\n\
                    \x20   IN 60 AAAA ::1\n\
                    WWW.example.com. A 192.0.2.2\n\
                    sub.example.com. IN 120 MX 10 mail\n");
        assert_eq!(
            z,
            vec![
                "example.com. 3600 SOA ns1.example.com. hostmaster.example.com. 1 2 3 4 5",
                "example.com. 3600 NS ns1.example.com.",
                "www.example.com. 300 A 192.0.2.1",
                "www.example.com. 60 AAAA ::1",
                "WWW.example.com. 3600 A 192.0.2.2",
                "sub.example.com. 120 MX 10 mail.example.com.",
            ]
        );
    }

    #[test]
    fn positions_point_at_owner_or_first_token() {
        let z = parse("$TTL 60\na A 1.2.3.4\n  A 1.2.3.5\n\n( b\n A 1.2.3.6 )\n");
        let pos: Vec<(u32, u32)> = z.positions.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(pos, vec![(2, 1), (3, 3), (5, 3)]);
        assert_eq!(z.positions[0].file.as_path(), Path::new("test.zone"));
    }

    #[test]
    fn owner_is_shared_for_repeats() {
        let z = ok("$TTL 60\nwww A 1.2.3.4\nwww A 1.2.3.5\n  A 1.2.3.6\n");
        let w0 = z.len();
        assert_eq!(w0, 3);
        let z = parse("$TTL 60\nwww A 1.2.3.4\nwww A 1.2.3.5\n  A 1.2.3.6\n");
        let p0 = z.records[0].owner.as_wire().as_ptr();
        assert!(z.records.iter().all(|r| r.owner.as_wire().as_ptr() == p0));
    }

    #[test]
    fn origin_directive_and_relative_names() {
        let z =
            ok("$TTL 60\n$ORIGIN sub\nwww CNAME @\n$ORIGIN other.org.\nwww CNAME x\n@ NS ns.@\n");
        assert_eq!(
            z,
            vec![
                "www.sub.example.com. 60 CNAME sub.example.com.",
                "www.other.org. 60 CNAME x.other.org.",
                "other.org. 60 NS ns.\\@.other.org.",
            ]
        );
    }

    #[test]
    fn ttl_forms_and_order_with_class() {
        let z = ok("a 1h30m IN A 1.2.3.4\nb IN 1W A 1.2.3.4\nc 2d in a 1.2.3.4\nd 10 A 1.2.3.4\n");
        let ttls: Vec<&str> = z.iter().map(|l| l.split(' ').nth(1).unwrap()).collect();
        assert_eq!(ttls, vec!["5400", "604800", "172800", "10"]);
    }

    #[test]
    fn ttl_defaults_rfc2308() {
        // $TTL wins.
        let z = parse("$TTL 300\n@ SOA a b 1 2 3 4 5\nwww 60 A 1.2.3.4\nx A 1.2.3.4\n");
        assert_eq!(
            z.records.iter().map(|r| r.ttl).collect::<Vec<_>>(),
            vec![300, 60, 300]
        );
        assert!(z.findings.is_empty());
        // No $TTL: SOA takes its MINIMUM, later records the previous TTL, warned once.
        let z = parse("@ SOA a b 1 2 3 4 5\nwww 60 A 1.2.3.4\nx A 1.2.3.4\ny A 1.2.3.4\n");
        assert_eq!(
            z.records.iter().map(|r| r.ttl).collect::<Vec<_>>(),
            vec![5, 60, 60, 60]
        );
        assert_eq!(
            findings(&z),
            vec![
                "1:1: warning missing-ttl: no TTL and no $TTL: using the SOA MINIMUM (5) as the SOA's TTL",
                "3:1: warning missing-ttl: no TTL and no $TTL: using the previous record's TTL (60) here and for later records without a TTL",
            ]
        );
        assert!(!z.has_errors());
        // Nothing to default from.
        let z = parse("www A 1.2.3.4\n");
        assert_eq!(
            findings(&z),
            vec![
                "1:1: error missing-ttl: no TTL for this record, and no $TTL or earlier record to take one from"
            ]
        );
        // The caller's default acts as a $TTL.
        let opts = ParseOptions {
            default_ttl: Some(99),
            ..ParseOptions::default()
        };
        let z = parse_bytes(b"www A 1.2.3.4\n", Path::new("t"), &origin(), &opts);
        assert_eq!(z.records[0].ttl, 99);
        assert!(z.findings.is_empty());
    }

    #[test]
    fn errors_have_positions_and_say_what_was_expected() {
        let z = parse(
            "$TTL 60\n\
             www foo 1.2.3.4\n\
             www 60 IN\n\
             a A 1.2.3\n\
             b MX 10\n\
             c 60 60 A 1.2.3.4\n\
             d 1x A 1.2.3.4\n\
             e CH A 1.2.3.4\n\
             f TYPE65534 abc\n\
             g A 1.2.3.4 ( extra\n )\n\
             a..b A 1.2.3.4\n\
             h TXT \"unterminated\n\
             $FOO bar\n\
             $TTL\n\
             ok A 1.2.3.4\n",
        );
        assert_eq!(
            findings(&z),
            vec![
                "2:5: error unknown-type: expected a TTL, class or type, found \"foo\"",
                "3:10: error syntax: expected a type, found end of line",
                "4:5: error bad-rdata: bad IPv4 address \"1.2.3\"",
                "5:8: error bad-rdata: expected a domain name, found end of line",
                "6:6: error syntax: expected a class or type, found \"60\"",
                "7:3: error syntax: bad TTL \"1x\"",
                "8:3: error bad-class: class CH does not match the zone's class IN",
                "9:3: error unknown-type: type TYPE65534 has no presentation format here; write its RDATA in the RFC 3597 form \"\\# length hex\"",
                "10:15: error bad-rdata: unexpected \"extra\" after the end of the RDATA",
                "12:1: error syntax: bad owner name \"a..b\": empty label in name",
                "13:7: error syntax: unterminated quoted string (a closing \" must be on the same line)",
                "14:1: error syntax: unknown directive \"$FOO\" (expected $ORIGIN, $TTL, $INCLUDE or $GENERATE)",
                "15:5: error syntax: expected a TTL after $TTL, found end of line",
            ]
        );
        assert_eq!(lines(&z), vec!["ok.example.com. 60 A 1.2.3.4"]);
        assert_eq!(z.positions[0].line, 16);
        assert!(z.has_errors());
    }

    #[test]
    fn a_line_without_type_is_an_error_and_does_not_leak() {
        let z = parse("$TTL 60\nwww 3600\n  A 1.2.3.4\n");
        assert_eq!(
            findings(&z),
            vec!["2:9: error syntax: expected a class or type, found end of line"]
        );
        // The blank owner still refers to www (the owner was read), but the bad TTL is gone.
        assert_eq!(lines(&z), vec!["www.example.com. 60 A 1.2.3.4"]);
        let z = parse("$TTL 60\nwww\n");
        assert_eq!(
            findings(&z),
            vec!["2:4: error syntax: expected a TTL, class or type, found end of line"]
        );
    }

    #[test]
    fn error_limit() {
        let text = "$TTL 60\n".to_string() + &"x A bad\n".repeat(10);
        let opts = ParseOptions {
            max_errors: 3,
            ..ParseOptions::default()
        };
        let z = parse_bytes(text.as_bytes(), Path::new("t"), &origin(), &opts);
        assert_eq!(z.findings.len(), 4);
        assert_eq!(z.findings[3].code, "too-many-errors");
        assert_eq!(
            z.findings[3].message,
            "too many errors (3), stopped reading the zone"
        );
    }

    #[test]
    fn parentheses_and_comments() {
        let z = ok(
            "$TTL 60\n@ IN SOA ns1 hostmaster ( ; the SOA\n  2024010101 ; serial\n  1h 15m ; timers\n  1w 5m )\nwww A 1.2.3.4 ; comment\n",
        );
        assert_eq!(
            z[0],
            "example.com. 60 SOA ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 300"
        );
        assert_eq!(z.len(), 2);
    }

    #[test]
    fn dkim_txt_split_across_quoted_strings_keeps_its_bytes() {
        let text = "$TTL 60\n\
            sel._domainkey IN TXT ( \"v=DKIM1; k=rsa; \"\n\
            \t\"p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAz;\"  ; a comment\n\
            \t\"tail \\\"quoted\\\" \\\\ end\" )\n";
        let z = parse(text);
        assert!(z.findings.is_empty(), "{:?}", z.findings);
        let mut want = Vec::new();
        for s in [
            &b"v=DKIM1; k=rsa; "[..],
            b"p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAz;",
            b"tail \"quoted\" \\ end",
        ] {
            want.push(s.len() as u8);
            want.extend_from_slice(s);
        }
        assert_eq!(z.records[0].rdata.as_wire(), &want[..]);
    }

    #[test]
    fn escapes() {
        let z = parse("$TTL 60\nx TXT \\065 \"\\066\\\"\\\\\" a\\;b\nq\\.w\\032e\\065 A 1.2.3.4\n");
        assert!(z.findings.is_empty(), "{:?}", z.findings);
        assert_eq!(z.records[0].rdata.as_wire(), b"\x01A\x03B\"\\\x03a;b");
        assert_eq!(z.records[1].owner.first_label(), Some(&b"q.w eA"[..]));
    }

    #[test]
    fn generic_rdata_for_known_and_unknown_types() {
        let z = ok(
            "$TTL 60\na A \\# 4 C0000201\nb TYPE1 192.0.2.1\nc TYPE65534 \\# 3 ( 01\n 0203 )\nd CLASS1 A 192.0.2.1\ne NULL \\# 0\n",
        );
        assert_eq!(
            z,
            vec![
                "a.example.com. 60 A 192.0.2.1",
                "b.example.com. 60 A 192.0.2.1",
                "c.example.com. 60 TYPE65534 \\# 3 010203",
                "d.example.com. 60 A 192.0.2.1",
                "e.example.com. 60 NULL \\# 0",
            ]
        );
    }

    #[test]
    fn generate() {
        let z = ok(
            "$TTL 60\n$GENERATE 1-3 host$ A 10.0.0.$\n$GENERATE 0-4/2 ${10,3,d} 30 IN PTR h${-0,2,x}.\n$GENERATE 255-256 x${0,4,X} CNAME \\$y$\n$GENERATE 26-27 ${0,0,n}.r CNAME ${0,5,N}\n",
        );
        assert_eq!(
            z,
            vec![
                "host1.example.com. 60 A 10.0.0.1",
                "host2.example.com. 60 A 10.0.0.2",
                "host3.example.com. 60 A 10.0.0.3",
                "010.example.com. 30 PTR h00.",
                "012.example.com. 30 PTR h02.",
                "014.example.com. 30 PTR h04.",
                "x00FF.example.com. 60 CNAME \\$y255.example.com.",
                "x0100.example.com. 60 CNAME \\$y256.example.com.",
                "a.1.r.example.com. 60 CNAME A.1.0.example.com.",
                "b.1.r.example.com. 60 CNAME B.1.0.example.com.",
            ]
        );
        let z = parse(
            "$TTL 60\n$GENERATE 1-3 h$ A 10.0.0.${300}\n$GENERATE 3-1 h A 1.2.3.4\n$GENERATE 1-2 h${x} A 1.2.3.4\n$GENERATE 1-2 h$ A\n$GENERATE 0-1999999 h A 1.2.3.4\n$GENERATE 1-3 h$ A 10.0.0.${9223372036854775807}\n",
        );
        assert_eq!(
            findings(&z),
            vec![
                "2:1: error bad-rdata: $GENERATE at value 1: bad IPv4 address \"10.0.0.301\"",
                "3:11: error syntax: bad $GENERATE range \"3-1\" (expected start-stop[/step], start <= stop)",
                "4:15: error syntax: bad $GENERATE modifier ${x} (expected ${offset[,width[,base]]}, base one of d o x X n N)",
                "5:19: error syntax: expected the $GENERATE right-hand side, found end of line",
                "6:11: error syntax: $GENERATE range \"0-1999999\" makes 2000000 records, more than 1000000",
                "7:20: error syntax: $GENERATE value 1 with offset 9223372036854775807 is out of range",
            ]
        );
        assert_eq!(nibbles(0x1a, 0, false), "a.1");
        assert_eq!(nibbles(0x1a, 7, false), "a.1.0.0");
        assert_eq!(nibbles(0, 0, true), "0");
    }

    #[test]
    fn include_relative_path_and_origin_does_not_leak() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(
            sub.join("inc.zone"),
            "$ORIGIN inner.test.\nhost A 10.0.0.1\n  TXT \"in\"\n$TTL 120\n$INCLUDE ../deeper.zone deep\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("deeper.zone"), "x A 10.0.0.2\n").unwrap();
        let main = dir.path().join("main.zone");
        std::fs::write(
            &main,
            "$TTL 60\nwww A 192.0.2.1\n$INCLUDE sub/inc.zone incl\n  A 192.0.2.2\nafter A 192.0.2.3\n$INCLUDE missing.zone\n",
        )
        .unwrap();
        let z = parse_file(&main, &origin(), &ParseOptions::default()).unwrap();
        assert_eq!(
            lines(&z),
            vec![
                "www.example.com. 60 A 192.0.2.1",
                "host.inner.test. 60 A 10.0.0.1",
                "host.inner.test. 60 TXT \"in\"",
                "x.deep.inner.test. 120 A 10.0.0.2",
                "www.example.com. 120 A 192.0.2.2",
                "after.example.com. 120 A 192.0.2.3",
            ]
        );
        assert_eq!(z.positions[1].file.as_path(), sub.join("inc.zone"));
        assert_eq!(z.positions[3].file.as_path(), sub.join("../deeper.zone"));
        assert_eq!((z.positions[3].line, z.positions[3].column), (1, 1));
        let f = findings(&z);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].starts_with("6:10: error include: cannot read included file "),
            "{f:?}"
        );
    }

    #[test]
    fn only_regular_files_are_read_and_never_more_than_the_limit() {
        // A device or a FIFO: refused at once, naming the file (a FIFO would block
        // the open, /dev/zero would never end).
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.zone");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for path in [Path::new("/dev/zero"), fifo.as_path()] {
            let e = parse_file(path, &origin(), &ParseOptions::default()).unwrap_err();
            let text = e.to_string();
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains("not a regular file"), "{text}");
        }
        let main = dir.path().join("main.zone");
        std::fs::write(
            &main,
            "$TTL 60\na A 1.2.3.4\n$INCLUDE /dev/zero\nb A 1.2.3.5\n",
        )
        .unwrap();
        let z = parse_file(&main, &origin(), &ParseOptions::default()).unwrap();
        let f = findings(&z);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].contains("cannot read included file /dev/zero: not a regular file"),
            "{f:?}"
        );

        // Too many bytes, in the file itself or through an include: an error naming
        // the file that went past the limit, and nothing more is read.
        let big = "x A 10.0.0.1\n".repeat(100);
        std::fs::write(dir.path().join("big.zone"), &big).unwrap();
        let opts = ParseOptions {
            max_file_bytes: 500,
            ..ParseOptions::default()
        };
        let z = parse_file(&dir.path().join("big.zone"), &origin(), &opts).unwrap();
        assert!(z.has_errors());
        let last = z.findings.last().unwrap();
        assert_eq!(last.code, "too-large");
        assert!(
            last.message.contains("big.zone: more than 500 bytes"),
            "{}",
            last.message
        );
        std::fs::write(
            &main,
            "$TTL 60\na A 1.2.3.4\n$INCLUDE big.zone\nb A 1.2.3.5\n",
        )
        .unwrap();
        let z = parse_file(&main, &origin(), &opts).unwrap();
        let last = z.findings.last().unwrap();
        assert_eq!(last.code, "too-large");
        assert!(last.message.contains("big.zone"), "{}", last.message);
        assert!(
            !z.records
                .iter()
                .any(|r| r.owner.to_string() == "b.example.com.")
        );
        // Within the limit: read whole.
        let z = parse_file(&main, &origin(), &ParseOptions::default()).unwrap();
        assert!(!z.has_errors(), "{:?}", findings(&z));
        assert_eq!(z.records.len(), 102);
    }

    #[test]
    fn include_loop_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.zone"),
            "$TTL 60\na A 1.2.3.4\n$INCLUDE b.zone\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("b.zone"), "b A 1.2.3.4\n$INCLUDE a.zone\n").unwrap();
        let z = parse_file(
            &dir.path().join("a.zone"),
            &origin(),
            &ParseOptions::default(),
        )
        .unwrap();
        assert_eq!(z.records.len(), 2);
        let f = findings(&z);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].starts_with("2:10: error include: $INCLUDE loop: "),
            "{f:?}"
        );
        assert_eq!(
            z.findings[0].pos.as_ref().unwrap().file.as_path(),
            dir.path().join("b.zone")
        );
    }

    #[test]
    fn chunked_reading_gives_the_same_result() {
        let text = "\u{feff}$TTL 60\n\
            @ SOA ns1 hostmaster ( 1 2 3 4 5 ) ; soa\n\
            www A 1.2.3.4\n\
            \x20 TXT \"a;b\" ( \"c\"\n\
            \x20 \"d\" )\n\
            bad A 1.2.3\n\
            q TXT \"unterminated\n\
            x ) A 1.2.3.4\n\
            $GENERATE 1-3 g$ A 10.0.0.$\n\
            last MX 10 mail ; no newline at the end";
        let whole = parse(text);
        assert_eq!(whole.records.len(), 7);
        assert_eq!(whole.findings.len(), 3);
        for chunk in (1..40).chain([64, 100, 1000]) {
            let opts = ParseOptions::default();
            let file = Path::new("test.zone");
            let mut parser = Parser::new(file, &origin(), &opts);
            parser.chunk = chunk;
            let mut st = FileState::new(Arc::new(file.to_path_buf()), origin());
            parser
                .parse_reader(text.as_bytes(), None, &mut st, 0)
                .unwrap();
            let z = parser.zone;
            assert_eq!(z.records, whole.records, "chunk {chunk}");
            assert_eq!(z.positions, whole.positions, "chunk {chunk}");
            assert_eq!(z.findings, whole.findings, "chunk {chunk}");
        }
    }

    /// Tricky texts for the parse in parts: each must give what the parse in one go
    /// gives, whatever the number and size of the parts.
    fn texts_for_parts() -> Vec<(&'static str, String)> {
        let hosts = |n: usize, ttl: bool| -> String {
            (0..n)
                .map(|i| {
                    let ttl = if ttl { " 300" } else { "" };
                    match i % 7 {
                        0 => format!(
                            "h{i}{ttl} IN A 10.0.0.{}\n IN AAAA 2001:db8::{i:x}\n",
                            i % 250
                        ),
                        1 => format!("; comment {i} ( \" ;\nH{i} TXT \"a;b(\" \"c\\\" )\"\n"),
                        2 => format!("m{i} MX ( 10\n  mail ) ; split over lines\n\n"),
                        3 => format!("s{i}{ttl} SOA ns1 hostmaster (\n1\n2\n3\n4\n5 )\n"),
                        4 => format!("w{i} CNAME h{i}\r\n"),
                        5 => format!("k{i} TXT ( \"v=DKIM1; k=rsa; \"\n \"p=abc\" )\n"),
                        _ => format!("h{i} A 10.1.0.1\n"),
                    }
                })
                .collect()
        };
        let body = hosts(60, false);
        vec![
            ("clean", format!("$ORIGIN example.com.\n$TTL 300\n{body}")),
            ("byte order mark", format!("\u{feff}$TTL 300\n{body}")),
            ("no $TTL, TTLs given", hosts(60, true)),
            ("no $TTL at all", format!("@ 60 SOA a b 1 2 3 4 5\n{body}")),
            (
                "errors late",
                format!("$TTL 300\n{body}bad A 1.2.3\n{body}x ) A 1.2.3.4\nq TXT \"open\n{body}"),
            ),
            (
                "$ORIGIN then data",
                format!("$TTL 300\n{body}$ORIGIN sub.example.com.\n{body}"),
            ),
            (
                "a $ line inside parentheses",
                format!("$TTL 300\n{body}t TXT ( \"x\"\n$ORIGIN other.\n)\n{body}"),
            ),
            ("$TTL changes", format!("$TTL 300\n{body}$TTL 60\n{body}")),
            (
                "unclosed parenthesis at the end",
                format!("$TTL 300\n{body}u TXT ( \"x\"\n{body}"),
            ),
            (
                "no newline at the end",
                format!("$TTL 300\n{body}last A 10.9.9.9"),
            ),
        ]
    }

    #[test]
    fn parsing_in_parts_gives_the_same_result() {
        let file = Path::new("test.zone");
        for max_errors in [100, 2] {
            let opts = ParseOptions {
                max_errors,
                ..ParseOptions::default()
            };
            for (what, text) in texts_for_parts() {
                let one = parse_bytes_in_parts(text.as_bytes(), file, &origin(), &opts, 1, 1);
                assert!(!one.records.is_empty(), "{what}");
                for parts in 2..=5 {
                    for min_part in [1, 16, 64, 400] {
                        let z = parse_bytes_in_parts(
                            text.as_bytes(),
                            file,
                            &origin(),
                            &opts,
                            parts,
                            min_part,
                        );
                        let case = format!("{what}: {parts} parts of {min_part}+ bytes");
                        assert_eq!(lines(&z), lines(&one), "{case}");
                        assert_eq!(z.records, one.records, "{case}");
                        assert_eq!(z.positions, one.positions, "{case}");
                        assert_eq!(findings(&z), findings(&one), "{case}");
                    }
                }
            }
        }
        // The clean text is cut (and so read in parts) at all.
        let (_, clean) = &texts_for_parts()[0];
        assert_eq!(split::plan(clean.as_bytes(), 3, 64).len(), 2);
    }

    #[test]
    fn missing_top_level_file_is_an_error() {
        let e = parse_file(
            Path::new("/nonexistent/zone"),
            &origin(),
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot read zone file /nonexistent/zone: ")
        );
    }

    #[test]
    fn rdata_names_keep_case_and_are_absolute() {
        let z = parse("$TTL 60\nx MX 10 Mail.Example.COM.\ny CNAME Host\n");
        let o = origin();
        assert_eq!(
            z.records[0].rdata,
            parse_rdata(Rtype::MX, "10 Mail.Example.COM.", &o).unwrap()
        );
        assert_eq!(&z.records[0].rdata.as_wire()[2..7], b"\x04Mail");
        assert_eq!(
            z.records[1].rdata.as_wire(),
            b"\x04Host\x07example\x03com\x00"
        );
    }
}
