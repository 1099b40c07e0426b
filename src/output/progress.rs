//! Progress of a running transfer on stderr: an indicatif spinner with records,
//! octets and rate, drawn only when [`super::progress_allowed`] (stderr is a terminal
//! and not `--quiet`). `zonesync axfr` updates it once per message.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner for one transfer; a no-op when progress is not allowed.
#[derive(Debug)]
pub struct TransferBar {
    /// The bar, when one is drawn.
    bar: Option<ProgressBar>,
    /// When the transfer started, for the rate.
    started: Instant,
}

impl TransferBar {
    /// Starts a spinner labelled `label` (`AXFR example.com.`).
    pub fn new(label: &str) -> TransferBar {
        let bar = super::progress_allowed().then(|| {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template("{spinner} {prefix} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        TransferBar {
            bar,
            started: Instant::now(),
        }
    }

    /// Shows the counters so far.
    pub fn update(&self, messages: u64, records: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{records} records, {messages} messages, {} ({}/s)",
                human_bytes(bytes),
                human_bytes((bytes as f64 / secs) as u64)
            ));
        }
    }

    /// Removes the spinner (the summary line replaces it).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for TransferBar {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `1.5 MiB`, `312 B`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_bytes() {
        assert_eq!(super::human_bytes(312), "312 B");
        assert_eq!(super::human_bytes(1536), "1.5 KiB");
        assert_eq!(super::human_bytes(5 << 20), "5.0 MiB");
    }
}
