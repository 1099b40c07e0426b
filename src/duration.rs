//! Durations as operators write them in configs and options: `30s`, `5m`, `1h30m`,
//! `2d`, `1w`, or plain seconds (DESIGN.md §4, BIND's and Knot's units).
//!
//! Used by `--timeout`, `bulk-refresh`, the timer bounds (`min-refresh` …) and
//! `file-check-interval`.

use std::time::Duration;

/// Parses a duration: one or more `<number><unit>` parts (units `s`, `m`, `h`, `d`,
/// `w`, case-insensitive, `ms` for milliseconds), or a plain number of seconds.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let bad = |reason: &str| DurationError {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(bad("empty"));
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| bad("too large"));
    }
    let bytes = t.as_bytes();
    let mut total = Duration::ZERO;
    let mut i = 0usize;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(bad("expected a number before each unit"));
        }
        let n: u64 = t[start..i].parse().map_err(|_| bad("too large"))?;
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let part = match t[unit_start..i].to_ascii_lowercase().as_str() {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "d" => Duration::from_secs(n.saturating_mul(86_400)),
            "w" => Duration::from_secs(n.saturating_mul(604_800)),
            "" => return Err(bad("a number without a unit must stand alone")),
            _ => return Err(bad("unknown unit (use ms, s, m, h, d or w)")),
        };
        total = total.checked_add(part).ok_or_else(|| bad("too large"))?;
    }
    Ok(total)
}

/// Formats a duration compactly for logs and tables: `1h30m`, `45s`, `250ms`.
pub fn format(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    let mut out = String::new();
    let mut rest = secs;
    for (unit, size) in [
        ("w", 604_800),
        ("d", 86_400),
        ("h", 3600),
        ("m", 60),
        ("s", 1),
    ] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// A duration that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad duration \"{text}\": {reason}")]
pub struct DurationError {
    /// The text as given.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("2W").unwrap(), Duration::from_secs(1_209_600));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        for bad in ["", "h", "10x", "1h30", "-5s"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(format(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format(Duration::from_millis(250)), "250ms");
        assert_eq!(format(Duration::from_secs(604_801)), "1w1s");
    }
}
