//! The checked-in shell completions (`completions/`) and man pages (`man/`) are
//! generated from the clap definition; the config reference `zonesync.yaml(5)` and the
//! README's "Configuration" section are both generated from `docs/zonesync.yaml.md`.
//! This test regenerates them in memory and fails with a diff when the files are
//! stale; `UPDATE_GENERATED=1 cargo test` rewrites them. Another test checks that every
//! man page named anywhere (SEE ALSO, the systemd units' `Documentation=`) exists.

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
    let pages = man_pages(&cmd);
    files.push((root().join("man/zonesync.1"), man_page(cmd.clone(), &pages)));
    for sub in cmd.get_subcommands() {
        let name = format!("zonesync-{}", sub.get_name());
        if !pages.contains(&name) {
            continue;
        }
        let leaked: &'static str = Box::leak(name.clone().into_boxed_str());
        files.push((
            root().join(format!("man/{name}.1")),
            man_page(sub.clone().name(leaked), &pages),
        ));
    }
    let doc = std::fs::read_to_string(root().join(CONFIG_DOC)).expect("read the config doc");
    files.push((
        root().join("man/zonesync.yaml.5"),
        config_man_page(&doc, cmd.get_version().unwrap_or_default()),
    ));
    let readme = std::fs::read_to_string(root().join("README.md")).expect("read README.md");
    files.push((
        root().join("README.md"),
        readme_with_config(&readme, &doc).into_bytes(),
    ));
    files
}

/// The one source of the config reference: the README's "Configuration" section and
/// `zonesync.yaml(5)`.
const CONFIG_DOC: &str = "docs/zonesync.yaml.md";

/// The README's lines that enclose its copy of [`CONFIG_DOC`].
const README_BEGIN: &str = "<!-- docs/zonesync.yaml.md: also man/zonesync.yaml.5; edit there, then UPDATE_GENERATED=1 cargo test --test integration generated -->\n";
const README_END: &str = "<!-- end of docs/zonesync.yaml.md -->\n";

/// The man pages of section 1: `zonesync` and one per subcommand (`help` has none: it
/// prints the pages' text).
fn man_pages(cmd: &clap::Command) -> Vec<String> {
    let mut pages = vec!["zonesync".to_string()];
    for sub in cmd.get_subcommands() {
        if sub.get_name() != "help" {
            pages.push(format!("zonesync-{}", sub.get_name()));
        }
    }
    pages
}

/// The README with its copy of the config doc replaced by `doc`.
fn readme_with_config(readme: &str, doc: &str) -> String {
    let start = readme
        .find(README_BEGIN)
        .expect("README has the config doc's begin marker")
        + README_BEGIN.len();
    let end = readme[start..]
        .find(README_END)
        .expect("README has the config doc's end marker")
        + start;
    format!("{}{doc}{}", &readme[..start], &readme[end..])
}

/// A man page: clap_mangen's sections, except that the examples (the long help's
/// epilogue) go into an EXAMPLES section set without filling, so that command lines
/// are not re-flowed.
fn man_page(cmd: clap::Command, pages: &[String]) -> Vec<u8> {
    let examples = cmd.get_after_long_help().map(|h| h.to_string());
    let man = clap_mangen::Man::new(cmd.clone().after_long_help(None::<&str>));
    let mut buf = Vec::new();
    man.render_title(&mut buf).expect("render");
    man.render_name_section(&mut buf).expect("render");
    man.render_synopsis_section(&mut buf).expect("render");
    man.render_description_section(&mut buf).expect("render");
    man.render_options_section(&mut buf).expect("render");
    if cmd.has_subcommands() {
        subcommands_section(&mut buf, &cmd, pages);
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
    see_also(&mut buf, cmd.get_name(), pages);
    buf
}

/// SUBCOMMANDS: each command with its summary, and its page where it has one
/// (clap_mangen's section names a page for every subcommand, `zonesync-serve-status(1)`
/// and `zonesync-help-axfr(1)` too, none of which exist).
fn subcommands_section(buf: &mut Vec<u8>, cmd: &clap::Command, pages: &[String]) {
    buf.extend_from_slice(b".SH SUBCOMMANDS\n");
    for sub in cmd.get_subcommands() {
        let page = format!("{}-{}", cmd.get_name(), sub.get_name());
        let tag = if pages.contains(&page) {
            format!("{}(1)", roff_escape(&page))
        } else {
            format!("\\fB{}\\fR", roff_escape(sub.get_name()))
        };
        buf.extend_from_slice(format!(".TP\n{tag}\n").as_bytes());
        if let Some(about) = sub.get_about() {
            buf.extend_from_slice(format!("{}\n", roff_text(&about.to_string())).as_bytes());
        }
    }
}

/// SEE ALSO: the other pages of the set, each of which exists.
fn see_also(buf: &mut Vec<u8>, name: &str, pages: &[String]) {
    let mut refs: Vec<String> = pages
        .iter()
        .filter(|p| p.as_str() != name)
        .map(|p| format!("{}(1)", roff_escape(p)))
        .collect();
    refs.push("zonesync.yaml(5)".to_string());
    buf.extend_from_slice(format!(".SH \"SEE ALSO\"\n{}\n", refs.join(", ")).as_bytes());
}

//----------- The config reference ----------------------------------------------------

/// `zonesync.yaml(5)`: the config doc (Markdown) as a man page.
fn config_man_page(doc: &str, version: &str) -> Vec<u8> {
    let mut out = String::new();
    out.push_str(&format!(
        ".TH zonesync.yaml 5 \"\" \"zonesync {version}\"\n"
    ));
    out.push_str(".SH NAME\nzonesync.yaml \\- configuration of zonesync serve\n");
    out.push_str(".SH SYNOPSIS\n/etc/zonesync/zonesync.yaml\n");
    out.push_str(".SH DESCRIPTION\n");
    out.push_str(&markdown_to_roff(doc));
    out.push_str(".SH FILES\n.TP\n/etc/zonesync/zonesync.yaml\n");
    out.push_str(
        "The config read when neither \\fB\\-c\\fR nor \\fB$ZONESYNC_CONFIG\\fR names one.\n",
    );
    out.push_str(
        ".TP\n/var/lib/zonesync\nThe state directory of the packaged config and systemd unit.\n",
    );
    out.push_str(".SH \"SEE ALSO\"\nzonesync(1), zonesync\\-serve(1), zonesync\\-check(1), zonesync\\-tsig\\-keygen(1)\n");
    out.into_bytes()
}

/// The Markdown the config doc uses, as roff: paragraphs, fenced code blocks (set
/// without filling), `- ` bullet lists, `#` headings, `code` and **bold** in bold.
fn markdown_to_roff(md: &str) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<String> = Vec::new();
    let mut in_code = false;
    let flush = |out: &mut String, paragraph: &mut Vec<String>| {
        if !paragraph.is_empty() {
            out.push_str(&roff_text(&paragraph.join(" ")));
            out.push('\n');
            paragraph.clear();
        }
    };
    for line in md.lines() {
        if line.starts_with("```") {
            flush(&mut out, &mut paragraph);
            if in_code {
                out.push_str(".fi\n.RE\n");
            } else {
                out.push_str(".PP\n.RS 2\n.nf\n");
            }
            in_code = !in_code;
        } else if in_code {
            let escaped = roff_escape(line);
            if escaped.starts_with('.') || escaped.starts_with('\'') {
                out.push_str("\\&");
            }
            out.push_str(&escaped);
            out.push('\n');
        } else if line.trim().is_empty() {
            flush(&mut out, &mut paragraph);
        } else if let Some(heading) = line.strip_prefix('#') {
            flush(&mut out, &mut paragraph);
            let heading = heading.trim_start_matches('#').trim();
            out.push_str(&format!(".SS \"{}\"\n", roff_text(heading)));
        } else if let Some(item) = line.strip_prefix("- ") {
            flush(&mut out, &mut paragraph);
            out.push_str(".IP \\(bu 2\n");
            paragraph.push(item.to_string());
        } else {
            if paragraph.is_empty() && !out.ends_with(".IP \\(bu 2\n") {
                out.push_str(".PP\n");
            }
            paragraph.push(line.trim().to_string());
        }
    }
    flush(&mut out, &mut paragraph);
    out
}

/// Running text: roff escapes, `code` and **bold** in bold, a leading dot protected.
fn roff_text(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (marker, at) = match (rest.find('`'), rest.find("**")) {
            (Some(c), Some(b)) if b < c => ("**", b),
            (Some(c), _) => ("`", c),
            (None, Some(b)) => ("**", b),
            (None, None) => {
                out.push_str(&roff_escape(rest));
                break;
            }
        };
        let after = &rest[at + marker.len()..];
        let Some(close) = after.find(marker) else {
            out.push_str(&roff_escape(rest));
            break;
        };
        out.push_str(&roff_escape(&rest[..at]));
        out.push_str(&format!("\\fB{}\\fR", roff_escape(&after[..close])));
        rest = &after[close + marker.len()..];
    }
    if out.starts_with('.') || out.starts_with('\'') {
        out.insert_str(0, "\\&");
    }
    out
}

/// roff escapes: backslashes, hyphens, and characters beyond ASCII as `\[uXXXX]`
/// (troff reads bytes, not UTF-8, unless a preprocessor converts them).
fn roff_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", u32::from(c))),
        }
    }
    out
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

/// Every `name(section)` a man page names in its SEE ALSO or SUBCOMMANDS section, and
/// every `man:` page of the systemd units' `Documentation=`, is a page in `man/`.
#[test]
fn every_named_man_page_exists() {
    let mut named: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(root().join("man")).expect("read man/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read page");
        let mut section = "";
        for line in text.lines() {
            if let Some(s) = line.strip_prefix(".SH ") {
                section = if s.contains("SEE ALSO") || s.contains("SUBCOMMANDS") {
                    "refs"
                } else {
                    ""
                };
            } else if section == "refs" {
                for page in page_refs(&line.replace("\\-", "-")) {
                    named.push((path.display().to_string(), page));
                }
            }
        }
    }
    for entry in std::fs::read_dir(root().join("examples/systemd")).expect("read units") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read unit");
        for line in text.lines() {
            if let Some(docs) = line.strip_prefix("Documentation=") {
                for doc in docs.split_whitespace() {
                    let page = doc.strip_prefix("man:").expect("only man: documentation");
                    named.push((path.display().to_string(), page.to_string()));
                }
            }
        }
    }
    assert!(
        named.iter().any(|(_, p)| p == "zonesync.yaml(5)"),
        "the pages name zonesync.yaml(5): {named:?}"
    );
    let missing: Vec<String> = named
        .iter()
        .filter(|(_, page)| {
            let (name, section) = page
                .trim_end_matches(')')
                .split_once('(')
                .expect("name(section)");
            !root().join(format!("man/{name}.{section}")).exists()
        })
        .map(|(file, page)| format!("{file}: {page}"))
        .collect();
    assert!(missing.is_empty(), "pages named but missing: {missing:?}");
}

/// The `name(section)` references in a line of text.
fn page_refs(line: &str) -> Vec<String> {
    let mut refs = Vec::new();
    for word in line.split(|c: char| c.is_whitespace() || c == ',') {
        let word = word.trim_start_matches("\\fB").trim_end_matches("\\fR");
        if let Some((name, rest)) = word.split_once('(')
            && !name.is_empty()
            && rest.len() == 2
            && rest.ends_with(')')
            && rest.as_bytes()[0].is_ascii_digit()
        {
            refs.push(word.to_string());
        }
    }
    refs
}

#[test]
fn markdown_renders_as_roff() {
    let cases = [
        ("a `b-c` d\n", ".PP\na \\fBb\\-c\\fR d\n"),
        ("**x** y\nz\n", ".PP\n\\fBx\\fR y z\n"),
        (
            "- one\n  two\n- three\n",
            ".IP \\(bu 2\none two\n.IP \\(bu 2\nthree\n",
        ),
        (
            "```yaml\n.a: b  # c\\d\n```\n",
            ".PP\n.RS 2\n.nf\n\\&.a: b  # c\\ed\n.fi\n.RE\n",
        ),
        ("#### Head\n", ".SS \"Head\"\n"),
        ("an `unclosed\n", ".PP\nan `unclosed\n"),
        ("a…b\n", ".PP\na\\[u2026]b\n"),
    ];
    for (md, roff) in cases {
        assert_eq!(markdown_to_roff(md), roff, "{md:?}");
    }
}

#[test]
fn readme_config_section_is_replaced_between_its_markers() {
    let readme = format!("intro\n{README_BEGIN}old\n{README_END}after\n");
    assert_eq!(
        readme_with_config(&readme, "new\n"),
        format!("intro\n{README_BEGIN}new\n{README_END}after\n")
    );
}

/// The config doc names every key the config parser reads: each field of the raw YAML
/// structs in `src/config.rs` (kebab-case, as serde reads them), flattened ones aside.
#[test]
fn the_config_doc_names_every_config_key() {
    let source = std::fs::read_to_string(root().join("src/config.rs")).expect("read config.rs");
    let doc = std::fs::read_to_string(root().join(CONFIG_DOC)).expect("read the config doc");
    let keys = raw_config_keys(&source);
    assert!(
        keys.len() > 40 && keys.contains(&"state-dir".to_string()),
        "the raw structs were found: {keys:?}"
    );
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !doc.contains(&format!("{k}:")))
        .collect();
    assert!(
        missing.is_empty(),
        "{CONFIG_DOC} does not show these config keys: {missing:?}"
    );
}

/// The field names of `struct Raw…` (without lifetimes) in `source`, kebab-cased,
/// except those under `#[serde(flatten)]`.
fn raw_config_keys(source: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut in_struct = false;
    let mut flatten = false;
    for line in source.lines() {
        if line.starts_with("struct Raw") && line.ends_with('{') && !line.contains('<') {
            in_struct = true;
        } else if in_struct && line.starts_with('}') {
            in_struct = false;
        } else if in_struct {
            let line = line.trim();
            if line.starts_with("#[serde(flatten)]") {
                flatten = true;
            } else if let Some((name, _)) = line.split_once(':')
                && !line.starts_with("//")
                && !line.starts_with('#')
            {
                if !flatten {
                    keys.push(name.trim_start_matches("pub ").replace('_', "-"));
                }
                flatten = false;
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}
