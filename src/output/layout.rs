//! Tables narrower than their content: the layout of `serve status` (and any table
//! with one row per item) when its one-line-per-row form is wider than the terminal.
//!
//! Called by [`super::status`] with the header, the cells and the width to fit. The
//! columns are laid out in *bands*: the first band holds the key column and as many
//! of the following columns as fit on a line; the columns that do not fit wrap onto
//! the row's next lines, indented, in the same order. A cell is never split inside a
//! word, and cells of columns that are not marked wrappable (serials, states,
//! durations such as `12m 30s ago`) are never split at all: a row line may run past
//! the width rather than break one. Wrappable cells (a list of sources, an error
//! message) wrap at spaces. Pure: text in, text out.

/// The indentation of a row's continuation lines (bands after the first).
const INDENT: usize = 2;

/// Spaces between two columns of a band.
const GAP: usize = 2;

//----------- Column -----------------------------------------------------------------

/// A column of a [`layout`]: its header and whether its cells may wrap at spaces.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The header text.
    pub header: &'static str,
    /// Cells may be broken into lines at spaces (never inside a word).
    pub wrap: bool,
}

//----------- layout -----------------------------------------------------------------

/// The table in at most `width` columns of text where it can be (see the module doc):
/// the header's bands, a rule, then each row's bands, rows separated by a blank line.
/// Every line ends with `\n` and carries no trailing spaces.
///
/// # Panics
///
/// When a row has not one cell per column.
pub fn layout(columns: &[Column], rows: &[Vec<String>], width: usize) -> String {
    for row in rows {
        assert_eq!(row.len(), columns.len(), "one cell per column");
    }
    let natural: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(j, c)| {
            rows.iter()
                .map(|r| len(&r[j]))
                .chain([len(c.header)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let narrowest: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(j, c)| {
            if !c.wrap {
                return natural[j];
            }
            rows.iter()
                .flat_map(|r| r[j].split(' ').map(len))
                .chain(c.header.split(' ').map(len))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let bands = bands(&natural, &narrowest, width);

    let mut out = String::new();
    let header: Vec<String> = columns.iter().map(|c| c.header.to_string()).collect();
    render_row(&mut out, &bands, &header);
    let rule = bands
        .iter()
        .enumerate()
        .map(|(b, band)| band_width(b, band))
        .max()
        .unwrap_or(0)
        .min(width.max(1));
    out.push_str(&"-".repeat(rule));
    out.push('\n');
    for (i, row) in rows.iter().enumerate() {
        if i > 0 && bands.len() > 1 {
            out.push('\n');
        }
        render_row(&mut out, &bands, row);
    }
    out
}

/// One band: the columns it holds, each with the width it is given.
type Band = Vec<(usize, usize)>;

/// Splits the columns into bands of at most `width` (the first column always opens the
/// first band). A column joins the current band when its narrowest form fits beside
/// the others, taking up to its natural width; otherwise it opens the next band. A
/// column wider than a band on its own gets its narrowest width and runs past.
fn bands(natural: &[usize], narrowest: &[usize], width: usize) -> Vec<Band> {
    let mut bands: Vec<Band> = Vec::new();
    let mut band: Band = Vec::new();
    let mut used = 0;
    for (j, (&nat, &min)) in natural.iter().zip(narrowest).enumerate() {
        let gap = if band.is_empty() { 0 } else { GAP };
        let fits = band.is_empty() || used + gap + min <= width;
        if !fits {
            bands.push(std::mem::take(&mut band));
            used = INDENT;
        } else if band.is_empty() && j > 0 {
            used = INDENT;
        }
        let gap = if band.is_empty() { 0 } else { GAP };
        let room = width.saturating_sub(used + gap);
        let w = nat.min(room).max(min);
        band.push((j, w));
        used += gap + w;
    }
    if !band.is_empty() {
        bands.push(band);
    }
    bands
}

/// The width of a band's line, indentation included.
fn band_width(index: usize, band: &Band) -> usize {
    let indent = if index == 0 { 0 } else { INDENT };
    indent + band.iter().map(|&(_, w)| w).sum::<usize>() + GAP * band.len().saturating_sub(1)
}

/// Appends one row (or the header): each band's cells wrapped to their widths, side by
/// side, as many lines as its tallest cell. A continuation band whose cells are all
/// empty takes no line.
fn render_row(out: &mut String, bands: &[Band], cells: &[String]) {
    for (b, band) in bands.iter().enumerate() {
        let wrapped: Vec<Vec<String>> = band.iter().map(|&(j, w)| wrap(&cells[j], w)).collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut text = String::new();
            if b > 0 {
                text.push_str(&" ".repeat(INDENT));
            }
            for (k, &(_, w)) in band.iter().enumerate() {
                if k > 0 {
                    text.push_str(&" ".repeat(GAP));
                }
                let cell = wrapped[k].get(line).map_or("", String::as_str);
                text.push_str(cell);
                text.push_str(&" ".repeat(w.saturating_sub(len(cell))));
            }
            let text = text.trim_end();
            if b > 0 && text.is_empty() {
                continue;
            }
            out.push_str(text);
            out.push('\n');
        }
    }
}

/// `text` in lines of at most `width` characters, broken at spaces only; a word longer
/// than `width` has a line of its own, whole. An empty text is one empty line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !current.is_empty() && len(&current) + 1 + len(word) > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// Display length: characters (the cells are addresses, numbers and English text).
fn len(text: &str) -> usize {
    text.chars().count()
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 5] = [
        Column {
            header: "zone",
            wrap: false,
        },
        Column {
            header: "state",
            wrap: false,
        },
        Column {
            header: "serial",
            wrap: false,
        },
        Column {
            header: "last refresh",
            wrap: false,
        },
        Column {
            header: "last error",
            wrap: true,
        },
    ];

    fn rows() -> Vec<Vec<String>> {
        [
            ["example.com", "ok", "2024010101", "12m 30s ago", ""],
            [
                "example.net",
                "refreshing",
                "4294967295",
                "1h ago",
                "SOA query to 192.0.2.1:53 failed: timeout after 3 tries",
            ],
        ]
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
    }

    #[test]
    fn a_table_that_fits_is_one_line_per_row() {
        let text = layout(&COLUMNS, &rows(), 200);
        assert_eq!(
            text,
            "\
zone         state       serial      last refresh  last error
----------------------------------------------------------------------------------------------------------
example.com  ok          2024010101  12m 30s ago
example.net  refreshing  4294967295  1h ago        SOA query to 192.0.2.1:53 failed: timeout after 3 tries
"
        );
    }

    #[test]
    fn columns_that_do_not_fit_wrap_onto_the_rows_next_lines() {
        let text = layout(&COLUMNS, &rows(), 50);
        assert_eq!(
            text,
            "\
zone         state       serial      last refresh
  last error
--------------------------------------------------
example.com  ok          2024010101  12m 30s ago

example.net  refreshing  4294967295  1h ago
  SOA query to 192.0.2.1:53 failed: timeout after
  3 tries
"
        );
        for line in text.lines() {
            assert!(line.chars().count() <= 50, "{line:?}");
        }
    }

    #[test]
    fn a_wrappable_column_shares_a_band_when_its_longest_word_fits() {
        let text = layout(&COLUMNS, &rows(), 63);
        assert_eq!(
            text,
            "\
zone         state       serial      last refresh  last error
---------------------------------------------------------------
example.com  ok          2024010101  12m 30s ago
example.net  refreshing  4294967295  1h ago        SOA query to
                                                   192.0.2.1:53
                                                   failed:
                                                   timeout
                                                   after 3
                                                   tries
"
        );
    }

    #[test]
    fn serials_and_words_are_never_split_however_narrow() {
        for width in [1, 5, 10, 20, 30, 40, 80] {
            let text = layout(&COLUMNS, &rows(), width);
            for cell in rows().iter().flatten() {
                for word in cell.split(' ') {
                    assert!(
                        text.contains(word),
                        "width {width}: {word:?} split in\n{text}"
                    );
                }
            }
            for cell in ["2024010101", "4294967295", "12m 30s ago"] {
                assert!(text.contains(cell), "width {width}: {cell:?} in\n{text}");
            }
        }
    }

    #[test]
    fn wrap_breaks_at_spaces_only() {
        let cases: [(&str, usize, &[&str]); 6] = [
            ("", 10, &[""]),
            ("a b c", 3, &["a b", "c"]),
            ("a b c", 5, &["a b c"]),
            ("abcdef gh", 3, &["abcdef", "gh"]),
            ("x  y", 1, &["x", "y"]),
            (
                "192.0.2.1:53, 192.0.2.2:53",
                14,
                &["192.0.2.1:53,", "192.0.2.2:53"],
            ),
        ];
        for (text, width, want) in cases {
            assert_eq!(wrap(text, width), want, "{text:?} at {width}");
        }
    }

    #[test]
    fn bands_fill_greedily_and_indent_continuations() {
        // natural widths 10, 6, 10 (wrappable, narrowest 4), 8
        type Want = &'static [&'static [(usize, usize)]];
        let cases: [(usize, Want); 4] = [
            (40, &[&[(0, 10), (1, 6), (2, 10), (3, 8)]]),
            (30, &[&[(0, 10), (1, 6), (2, 10)], &[(3, 8)]]),
            (24, &[&[(0, 10), (1, 6), (2, 4)], &[(3, 8)]]),
            (12, &[&[(0, 10)], &[(1, 6)], &[(2, 10)], &[(3, 8)]]),
        ];
        for (width, want) in cases {
            let got = bands(&[10, 6, 10, 8], &[10, 6, 4, 8], width);
            let want: Vec<Band> = want.iter().map(|b| b.to_vec()).collect();
            assert_eq!(got, want, "width {width}");
        }
    }
}
