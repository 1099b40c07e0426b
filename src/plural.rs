//! Counted nouns in messages: `1 message`, `2 messages`, `0 zones`. The one rule every
//! log line, error and summary that states a count goes through, so none says
//! "1 messages".

/// `n` and the noun, in the plural unless `n` is one. Every noun zonesync counts takes
/// a plain `s` (message, record, zone, changeset, attempt, key, byte, catalog).
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// [`count`] for a `usize` (lengths of collections).
pub fn count_of(n: usize, noun: &str) -> String {
    count(n as u64, noun)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_everything_else_plural() {
        assert_eq!(count(0u32, "message"), "0 messages");
        assert_eq!(count(1u32, "message"), "1 message");
        assert_eq!(count(2u64, "message"), "2 messages");
        assert_eq!(count_of(1, "changeset"), "1 changeset");
        assert_eq!(count_of(3, "zone"), "3 zones");
    }
}
