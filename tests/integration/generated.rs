//! The checked-in shell completions (`completions/`) and man pages (`man/`) are
//! generated from the clap definition. This test regenerates them in memory and fails
//! with a diff when the files are stale; `UPDATE_GENERATED=1 cargo test` rewrites them.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::{Generator, Shell};
use zonesync::cli::Cli;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every generated file with its expected content.
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut cmd = Cli::command();
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "zonesync", &mut buf);
        files.push((
            root().join("completions").join(shell.file_name("zonesync")),
            buf,
        ));
    }
    let mut cmd = Cli::command();
    cmd.build();
    files.push((root().join("man/zonesync.1"), man_page(cmd.clone())));
    for sub in cmd.get_subcommands() {
        let name = format!("zonesync-{}", sub.get_name());
        let leaked: &'static str = Box::leak(name.clone().into_boxed_str());
        files.push((
            root().join(format!("man/{name}.1")),
            man_page(sub.clone().name(leaked)),
        ));
    }
    files
}

/// A man page: clap_mangen's sections, except that the examples (the long help's
/// epilogue) go into an EXAMPLES section set without filling, so that command lines
/// are not re-flowed.
fn man_page(cmd: clap::Command) -> Vec<u8> {
    let examples = cmd.get_after_long_help().map(|h| h.to_string());
    let man = clap_mangen::Man::new(cmd.clone().after_long_help(None::<&str>));
    let mut buf = Vec::new();
    man.render_title(&mut buf).expect("render");
    man.render_name_section(&mut buf).expect("render");
    man.render_synopsis_section(&mut buf).expect("render");
    man.render_description_section(&mut buf).expect("render");
    man.render_options_section(&mut buf).expect("render");
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut buf).expect("render");
    }
    if let Some(text) = examples {
        let mut lines = text.lines().peekable();
        if lines.peek().is_some_and(|l| l.trim() == "Examples:") {
            lines.next();
        }
        buf.extend_from_slice(b".SH EXAMPLES\n.nf\n");
        for line in lines {
            let line = line.strip_prefix("  ").unwrap_or(line);
            if line.is_empty() {
                buf.extend_from_slice(b".fi\n.PP\n.nf\n");
                continue;
            }
            // roff: backslashes and hyphens escaped, a leading dot or quote protected.
            let escaped = line.replace('\\', "\\e").replace('-', "\\-");
            if escaped.starts_with('.') || escaped.starts_with('\'') {
                buf.extend_from_slice(b"\\&");
            }
            buf.extend_from_slice(escaped.as_bytes());
            buf.push(b'\n');
        }
        buf.extend_from_slice(b".fi\n");
    }
    if cmd.get_version().is_some() {
        man.render_version_section(&mut buf).expect("render");
    }
    buf
}

fn first_difference(path: &Path, want: &[u8], have: &[u8]) -> String {
    let want = String::from_utf8_lossy(want);
    let have = String::from_utf8_lossy(have);
    for (i, (w, h)) in want.lines().zip(have.lines()).enumerate() {
        if w != h {
            return format!(
                "{}:{}:\n  expected: {w}\n  found:    {h}",
                path.display(),
                i + 1
            );
        }
    }
    format!(
        "{}: expected {} lines, found {}",
        path.display(),
        want.lines().count(),
        have.lines().count()
    )
}

#[test]
fn completions_and_man_pages_are_current() {
    let update = std::env::var_os("UPDATE_GENERATED").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (path, want) in generated() {
        let have = std::fs::read(&path).unwrap_or_default();
        if have == want {
            continue;
        }
        if update {
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(&path, &want).expect("write generated file");
        } else {
            stale.push(first_difference(&path, &want, &have));
        }
    }
    assert!(
        stale.is_empty(),
        "generated files are stale; run `UPDATE_GENERATED=1 cargo test --test integration generated`:\n{}",
        stale.join("\n")
    );
}
