//! All terminal output: data on stdout (zone text, tables, JSON), errors and
//! progress on stderr. The only module allowed to print (`lib.rs` denies
//! `print_stdout`/`print_stderr` everywhere else).
//!
//! Data writes return `io::Result` so a closed pipe (`zonesync axfr … | head`) travels
//! up as `BrokenPipe` and the process exits 0 instead of panicking. Tables are drawn by
//! comfy-table, progress bars by indicatif, and only on a terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod findings;
pub mod fleet;
pub mod layout;
pub mod progress;
pub mod status;
pub mod transfer;
pub mod zonelist;

use std::io::{self, IsTerminal, Write};
use std::sync::OnceLock;

use comfy_table::{ContentArrangement, Table, presets};

//----------- ColorChoice ------------------------------------------------------------

/// When to colour output (`--color`): owned here, where the decision is applied;
/// the command line re-exports it as `cli::ColorChoice` for its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when the output is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

//----------- Settings ---------------------------------------------------------------

/// Settings fixed once at start-up by [`init`].
#[derive(Debug, Clone, Copy)]
struct Settings {
    /// Colour on stdout.
    color_stdout: bool,
    /// Colour on stderr.
    color_stderr: bool,
    /// `--quiet`: no progress bars.
    quiet: bool,
}

/// Written once by [`init`], read by every output function.
static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Fixes colour and quietness for the whole run. Later calls are ignored.
pub fn init(color: ColorChoice, quiet: bool) {
    let decide = |tty: bool| match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && std::env::var_os("NO_COLOR").is_none(),
    };
    let _ = SETTINGS.set(Settings {
        color_stdout: decide(io::stdout().is_terminal()),
        color_stderr: decide(io::stderr().is_terminal()),
        quiet,
    });
}

fn settings() -> Settings {
    *SETTINGS.get().unwrap_or(&Settings {
        color_stdout: false,
        color_stderr: false,
        quiet: false,
    })
}

/// True when logs on stderr may use ANSI colours.
pub fn stderr_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// True when progress bars may be drawn: stderr is a terminal and not `--quiet`.
pub fn progress_allowed() -> bool {
    !settings().quiet && io::stderr().is_terminal()
}

//----------- stdout -----------------------------------------------------------------

/// Writes `text` to stdout as is.
pub fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes one line to stdout.
pub fn line(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes a value as pretty JSON to stdout, with a final newline.
pub fn json<T: serde::Serialize>(value: &T) -> io::Result<()> {
    let mut out = io::stdout().lock();
    // Keep the I/O error's kind: a closed pipe must stay `BrokenPipe` (exit 0).
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| match e.io_error_kind() {
        Some(kind) => io::Error::new(kind, e),
        None => io::Error::other(e),
    })?;
    out.write_all(b"\n")?;
    out.flush()
}

/// A table with zonesync's look: UTF-8 borders on a terminal, plain ASCII in pipes.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    if settings().color_stdout {
        t.load_preset(presets::UTF8_FULL_CONDENSED);
    } else {
        t.load_preset(presets::ASCII_MARKDOWN);
    }
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header(header.iter().copied());
    t
}

/// Prints a table to stdout.
pub fn print_table(table: &Table) -> io::Result<()> {
    line(&table.to_string())
}

//----------- stderr -----------------------------------------------------------------

/// Reports a fatal error on stderr: `zonesync: error: <chain>`.
pub fn error(err: &anyhow::Error) {
    let prefix = if settings().color_stderr {
        "\x1b[1;31merror\x1b[0m"
    } else {
        "error"
    };
    eprintln!("zonesync: {prefix}: {err:#}");
}

/// A note for the user on stderr (summaries of one-shot commands).
pub fn note(text: &str) {
    eprintln!("{text}");
}
