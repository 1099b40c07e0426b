//! The command line: clap definitions of `zonesync` and its seven subcommands, and the
//! dispatch from a parsed [`Cli`] to each subcommand's `run`.
//!
//! This is the edge of the system: the only place (with `main.rs`) that uses `anyhow`,
//! and, through [`crate::output`], the only code that writes to the terminal. Each
//! subcommand lives in its own file named after it (`sync_zonelist.rs` ↔
//! `sync-zonelist`) with its `Args` struct and its `run`.
//!
//! Exit codes are decided in one place ([`Status`] and [`exit_code`]): 0 success, 1 the
//! operation failed (REFUSED, timeout, check found errors, drift), 2 usage error, 3
//! `check --fleet` could not check every server (and found no drift among the rest).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use crate::output::ColorChoice;

pub mod args;
pub mod axfr;
pub mod check;
pub mod ixfr;
pub mod notify;
pub mod serve;
pub mod sync_zonelist;
pub mod tsig_keygen;

//----------- Cli --------------------------------------------------------------------

/// Keep authoritative DNS zones in sync between a primary and its secondaries.
///
/// zonesync is an authoritative DNS server (`serve`) that loads primary zones from
/// files, keeps secondary zones up to date by AXFR/IXFR driven by NOTIFY and the SOA
/// timers, and provisions zones on its secondaries automatically (super master/slave,
/// over RFC 9432 catalog zones). The same transfer engine runs as one-shot commands for
/// shell sessions, cron jobs and CI pipelines.
///
/// Data goes to stdout, logs and progress to stderr. Exit status: 0 success, 1 the
/// operation failed (REFUSED, timeout, errors found, drift), 2 usage error, 3 `check
/// --fleet` could not check a server (and found no drift).
#[derive(Debug, Parser)]
#[command(
    name = "zonesync",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_long_help = "\
Examples:
  zonesync serve --config examples/primary.yaml
  zonesync axfr example.com -s 127.0.0.1:5300 -k xfr.key -o example.com.zone
  zonesync check zones/example.com.zone
  zonesync tsig-keygen xfr.example. -a hmac-sha512 --format knot"
)]
pub struct Cli {
    /// Options shared by every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set,
    /// takes precedence.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Log only errors, and draw no progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// When to use colours in logs and tables.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, value_name = "WHEN")]
    pub color: ColorChoice,

    /// How log lines on stderr are written: `text` for people, `json` (one object per
    /// line: timestamp, level, message, fields, spans) for log collectors.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true, value_name = "FORMAT")]
    pub log_format: LogFormat,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line of text per event: time, level, spans, message, `key=value` fields.
    Text,
    /// One JSON object per event (never coloured).
    Json,
}

/// The subcommands.
///
/// Each variant's help text is the doc comment of its `Args` struct (a doc comment on
/// the variant would replace it), hence no docs here.
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum Command {
    Serve(serve::ServeArgs),
    Axfr(axfr::AxfrArgs),
    Ixfr(ixfr::IxfrArgs),
    Notify(notify::NotifyArgs),
    SyncZonelist(sync_zonelist::SyncZonelistArgs),
    TsigKeygen(tsig_keygen::TsigKeygenArgs),
    Check(check::CheckArgs),
}

impl Cli {
    /// The log level this invocation asks for: `serve` logs at info by default, the
    /// one-shot commands only warn; each `-v` raises it one step, `-q` lowers it to
    /// errors.
    pub fn log_level(&self) -> tracing::Level {
        use tracing::Level;
        if self.global.quiet {
            return Level::ERROR;
        }
        let base = match self.command {
            Command::Serve(_) => 1,
            _ => 0,
        };
        match base + self.global.verbose {
            0 => Level::WARN,
            1 => Level::INFO,
            2 => Level::DEBUG,
            _ => Level::TRACE,
        }
    }
}

//----------- Running ----------------------------------------------------------------

/// How a subcommand ended when it did not fail with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything went as asked: exit 0.
    Success,
    /// The command ran and reported a failure it has already described (a check found
    /// errors, a server did not acknowledge a NOTIFY): exit 1.
    Failure,
    /// The command found no failure, but could not check everything it was asked to
    /// (`check --fleet`: a server REFUSED, unreachable or timed out): exit 3.
    Unchecked,
}

/// An error in how the command was invoked that clap could not catch (a malformed
/// `-y` key, an unreadable key file): exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs the parsed command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<Status> {
    crate::output::init(cli.global.color, cli.global.quiet);
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Axfr(args) => axfr::run(args),
        Command::Ixfr(args) => ixfr::run(args),
        Command::Notify(args) => notify::run(args),
        Command::SyncZonelist(args) => sync_zonelist::run(args),
        Command::TsigKeygen(args) => tsig_keygen::run(args),
        Command::Check(args) => check::run(args),
    }
}

/// A current-thread tokio runtime for one command (the one-shot commands talk to a
/// handful of servers at most; `serve` builds its own).
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Maps the result of [`run`] to the process exit code; the one place exit codes are
/// decided. A broken pipe on stdout (`zonesync axfr … | head`) is success.
pub fn exit_code(result: &anyhow::Result<Status>) -> ExitCode {
    match result {
        Ok(Status::Success) => ExitCode::SUCCESS,
        Ok(Status::Failure) => ExitCode::from(1),
        Ok(Status::Unchecked) => ExitCode::from(3),
        Err(e) if is_broken_pipe(e) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<UsageError>().is_some() => ExitCode::from(2),
        Err(_) => ExitCode::from(1),
    }
}

/// True when the error chain holds an I/O error of kind `BrokenPipe`.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
