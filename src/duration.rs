//! Durations as operators write them in configs and options: `30s`, `5m`, `1h30m`,
//! `2d`, `1w`, or plain seconds (BIND's and Knot's units).
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

/// Formats a duration the one way logs, tables and summaries show it: whole units at
/// a minute and above (`1h30m`, `2w1d`), seconds with up to three decimals under a
/// minute (`45s`, `1.25s`), milliseconds under a second (`250ms`, with one decimal under
/// 10 ms: `1.2ms`), and `0s` for nothing.
pub fn format(d: Duration) -> String {
    let secs = d.as_secs();
    if d.is_zero() {
        return "0s".to_string();
    }
    if secs == 0 {
        let ms = d.as_secs_f64() * 1000.0;
        return if ms < 10.0 {
            trim_decimals(&format!("{ms:.1}"), "ms")
        } else {
            format!("{}ms", d.as_millis())
        };
    }
    if secs < 60 {
        return trim_decimals(&format!("{:.3}", d.as_secs_f64()), "s");
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

/// `1.250` + `s` → `1.25s`, `45.000` + `s` → `45s`.
fn trim_decimals(number: &str, unit: &str) -> String {
    let number = if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    };
    format!("{number}{unit}")
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
        assert_eq!(format(Duration::ZERO), "0s");
        assert_eq!(format(Duration::from_secs(45)), "45s");
        assert_eq!(format(Duration::from_millis(1250)), "1.25s");
        assert_eq!(format(Duration::from_micros(1_234_567)), "1.235s");
        assert_eq!(format(Duration::from_micros(1230)), "1.2ms");
        assert_eq!(format(Duration::from_micros(4000)), "4ms");
        assert_eq!(format(Duration::from_micros(15_700)), "15ms");
        assert_eq!(format(Duration::from_secs(60)), "1m");
        assert_eq!(format(Duration::from_micros(61_500_000)), "1m1s");
    }
}
