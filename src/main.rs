//! The `zonesync` binary: parse the command line, set up logging, run, and turn the
//! outcome into an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use zonesync::cli::{self, Cli, LogFormat};

// The allocator (issue 13, memory across reloads). A reload of a 1M-record zone parses
// a whole new copy off the runtime and frees it again; glibc's malloc keeps the freed
// pages in its per-thread arenas, so RSS grew from 230 to 836 MiB over 15 reloads
// (mimalloc: 1,526 MiB). jemalloc that returns freed pages within a second stays at
// 196-213 MiB (Knot: 280 MiB); `benches/serve-bench.sh reloads`, README "Performance".
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read once at its start (its `malloc_conf` symbol, prefixed
/// as tikv-jemalloc-sys builds it): a background thread gives freed pages back to the
/// system within a second (dirty) or at once (muzzy), rather than after the default
/// 10 s decay driven by later allocations, so the burst of frees of an old zone copy
/// does not linger in RSS while the server is idle. `_RJEM_MALLOC_CONF` in the
/// environment overrides it.
#[cfg(feature = "jemalloc")]
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
static malloc_conf: &[u8; 60] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

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
