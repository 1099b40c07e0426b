//! Where a large zone file held in memory may be cut, so that [`super::parse`] can
//! read its parts on several threads at once.
//!
//! A part must start where an entry starts and where the parser's state is known
//! without reading what comes before it. This module picks such places by looking at
//! bytes only (it never parses): a cut is at the start of a line whose first byte
//! begins an owner name (not a blank, which means "the previous owner", nor `$`, `;`,
//! `(`, `)` or `"`), and only after the last line that starts with `$` (so no `$ORIGIN`,
//! `$TTL`, `$INCLUDE` or `$GENERATE` is in force in one part and unseen in another).
//! Whether the line before a cut really ended its entry (no open parenthesis, which a
//! byte scan cannot tell) is for the parser to verify: it reads the part before the cut
//! itself and falls back to reading on in one thread when the cut was not clean, so a
//! parse in parts gives exactly what a parse in one go gives (records, positions,
//! findings, the first error and its line).
//!
//! The searches are the `memchr` crate's vectorised ones.

use memchr::{memchr, memmem};

//----------- Cut --------------------------------------------------------------------

/// The start of one part after the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// Byte offset in the text: the start of a line.
    pub offset: usize,
    /// 1-based line number of that line.
    pub line: u32,
}

/// Up to `parts - 1` cuts that divide `text` into parts of about equal size, none
/// smaller than `min_part` bytes (but the last); empty when the text is too small or
/// no place qualifies. See the module doc for what qualifies.
pub fn plan(text: &[u8], parts: usize, min_part: usize) -> Vec<Cut> {
    let mut cuts = Vec::new();
    if parts < 2 || text.len() < 2 * min_part.max(1) {
        return cuts;
    }
    // Everything up to the last directive line belongs to the first part.
    let lo = match memmem::rfind(text, b"\n$") {
        Some(at) => at + 2,
        None => usize::from(text.first() == Some(&b'$')),
    };
    let size = text.len() / parts;
    let (mut counted, mut line) = (0usize, 1u32);
    for k in 1..parts {
        let prev = cuts.last().map_or(0, |c: &Cut| c.offset);
        let mut from = (size * k).max(lo).max(prev + min_part);
        let cut = loop {
            let Some(nl) = text.get(from..).and_then(|rest| memchr(b'\n', rest)) else {
                break None;
            };
            let start = from + nl + 1;
            match text.get(start) {
                None => break None,
                Some(&b) if starts_owner(b) => break Some(start),
                Some(_) => from = start,
            }
        };
        let Some(offset) = cut else {
            break;
        };
        if text.len() - offset < min_part / 2 {
            break; // a last sliver is not worth a thread
        }
        line += count_newlines(&text[counted..offset]);
        counted = offset;
        cuts.push(Cut { offset, line });
    }
    cuts
}

/// Offsets of the lines of `text` that start with `$` (directives, unless inside
/// parentheses or after a blank), in order.
pub fn directive_lines(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let first = (text.first() == Some(&b'$')).then_some(0);
    first
        .into_iter()
        .chain(memmem::find_iter(text, b"\n$").map(|at| at + 1))
}

/// True when a line starting with `b` starts with an owner name.
fn starts_owner(b: u8) -> bool {
    !matches!(
        b,
        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'$' | b'(' | b')' | b'"'
    )
}

/// Newlines in `bytes` (a loop the compiler vectorises).
fn count_newlines(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u32
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    /// The cuts of `text` as (offset, line, first bytes of the part).
    fn cuts(text: &str, parts: usize, min_part: usize) -> Vec<(usize, u32, String)> {
        plan(text.as_bytes(), parts, min_part)
            .into_iter()
            .map(|c| {
                let rest = &text[c.offset..];
                let head: String = rest.chars().take(4).collect();
                assert!(c.offset == 0 || text.as_bytes()[c.offset - 1] == b'\n');
                assert_eq!(
                    c.line as usize,
                    1 + text[..c.offset].matches('\n').count(),
                    "line of the cut at {}",
                    c.offset
                );
                (c.offset, c.line, head)
            })
            .collect()
    }

    #[test]
    fn cuts_land_on_owner_lines() {
        let text = "a A 1.2.3.4\n b A 1\n;c\n\n(x)\n\"q\" A 1\nd A 1\ne A 1\n";
        // The middle falls in the parenthesis line; the quoted-owner line after it
        // does not qualify either: the cut moves on to the next owner line.
        assert_eq!(cuts(text, 2, 4), vec![(35, 7, "d A ".to_string())]);
        // From the start: blank-owner, comment and empty lines are passed over too.
        assert_eq!(cuts(text, 4, 1)[0], (35, 7, "d A ".to_string()));
    }

    #[test]
    fn table() {
        let body: String = (0..40).map(|i| format!("h{i:02} A 10.0.0.1\n")).collect();
        let cases: &[(&str, String, usize, usize, usize)] = &[
            // (what, text, parts, min_part, expected number of cuts)
            ("one part", body.clone(), 1, 8, 0),
            ("too small", body.clone(), 2, body.len(), 0),
            ("two parts", body.clone(), 2, 8, 1),
            ("four parts", body.clone(), 4, 8, 3),
            (
                "parts bounded by min_part",
                body.clone(),
                8,
                body.len() / 3,
                2,
            ),
            ("all blank owners", body.replace("\nh", "\n h"), 2, 8, 0),
            ("directive at the end", format!("{body}$TTL 1\n"), 2, 8, 0),
            (
                "directive in the middle",
                format!("$TTL 1\n{body}$ORIGIN x.\n{body}"),
                2,
                8,
                1,
            ),
            ("no newline", "x".repeat(100), 2, 8, 0),
        ];
        for (what, text, parts, min_part, n) in cases {
            let got = cuts(text, *parts, *min_part);
            assert_eq!(got.len(), *n, "{what}: {got:?}");
            if let Some(at) = text.rfind("\n$") {
                assert!(
                    got.iter().all(|c| c.0 > at + 1),
                    "{what}: cut before a directive"
                );
            }
        }
    }

    #[test]
    fn directive_lines_are_line_starts_with_a_dollar() {
        let text = b"$ORIGIN a.\nx A 1\n $TTL 2\n$TTL 3\nb TXT \"$x\"\n";
        assert_eq!(directive_lines(text).collect::<Vec<_>>(), vec![0, 25]);
        assert_eq!(directive_lines(b"x\n").count(), 0);
    }
}
