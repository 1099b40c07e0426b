//! The `zonesync` binary: parse the command line, set up logging, run, and turn the
//! outcome into an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use zonesync::cli::{self, Cli, LogFormat};

fn main() -> ExitCode {
    // clap itself exits 2 on usage errors (and 0 for --help/--version).
    let cli = Cli::parse();
    init_tracing(&cli);
    let result = cli::run(cli);
    if let Err(e) = &result
        && !cli::is_broken_pipe(e)
    {
        zonesync::output::error(e);
    }
    cli::exit_code(&result)
}

/// Logs go to stderr; `-v`/`-q` pick the level, `RUST_LOG` overrides it;
/// `--log-format` picks text or one JSON object per line.
fn init_tracing(cli: &Cli) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(format!("zonesync={},warn", cli.log_level())),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match cli.global.log_format {
        LogFormat::Text => builder
            .with_ansi(zonesync::output::stderr_color(cli.global.color))
            .init(),
        // Fields at the top level of each object (`"zone":"example.com."`), the
        // enclosing spans in `spans`, no escape codes.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .with_ansi(false)
            .init(),
    }
}
