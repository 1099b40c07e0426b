//! The zone-list include of a mirror folder (`sync-zonelist --zone-list FILE
//! --zone-list-format nsd|knot|bind`): the config fragment that makes NSD, Knot or
//! BIND serve every zone of the folder from its file, so the folder is directly
//! usable as their zone directory. One `include:` (NSD, Knot) or `include "FILE";`
//! (BIND) in the server's config, and a reload after each run that changed something
//! (`--exec`), keep the server's zone set equal to the catalogs'.
//!
//! This file is pure: the manifest's zones in, the text out. `cli/sync_zonelist.rs`
//! writes it (atomically, through [`crate::durable`]) after the manifest, and only
//! when the text differs from the file's.
//!
//! The zones are primary zones of the server that reads the include (the folder is
//! their source). Knot is told never to write the files (`zonefile-sync: -1`) and to
//! keep no journal of them (`journal-content: none`): the next run replaces them.
//! Zone and file names need no escaping ([`super::zone_file_name`] accepts only
//! letters, digits, `-` and `_` labels); the folder's path is refused when it would.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use super::ZoneEntry;

/// The server whose config syntax the include is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneListFormat {
    /// `zone:` clauses with `name:` and `zonefile:` (nsd.conf).
    Nsd,
    /// A `zone:` section with `domain:` and `file:` entries (knot.conf).
    Knot,
    /// `zone "NAME" { type primary; file "FILE"; };` (named.conf).
    Bind,
}

/// The include for `zones` (the manifest's: lower-case absolute names and their files
/// relative to `dir`), in `format`, zones in the manifest's (sorted) order. `dir`
/// should be absolute, so that the include does not depend on the reader's working
/// directory or zone folder.
///
/// Errors when `dir` is not UTF-8 or holds a character a config string cannot
/// carry unescaped (`"`, `\`, a control character).
pub fn render(
    format: ZoneListFormat,
    dir: &Path,
    zones: &BTreeMap<String, ZoneEntry>,
) -> Result<String, String> {
    let dir_text = dir
        .to_str()
        .filter(|d| !d.chars().any(|c| c == '"' || c == '\\' || c.is_control()))
        .ok_or_else(|| {
            format!(
                "the folder {} cannot be named in a config file (quotes, backslashes, \
                 control characters or non-UTF-8)",
                dir.display()
            )
        })?;
    let dir_text = dir_text.trim_end_matches('/');
    let mut out = String::from(
        "# Written by zonesync sync-zonelist after each run that changes the zone set;\n\
         # do not edit (the next run replaces it).\n",
    );
    if format == ZoneListFormat::Bind {
        out = out.replace('#', "//");
    }
    if format == ZoneListFormat::Knot && !zones.is_empty() {
        out.push_str("zone:\n");
    }
    for (zone, entry) in zones {
        let file = format!("{dir_text}/{}", entry.file);
        // Writing to a String cannot fail.
        let _ = match format {
            ZoneListFormat::Nsd => {
                write!(out, "zone:\n\tname: \"{zone}\"\n\tzonefile: \"{file}\"\n")
            }
            ZoneListFormat::Knot => write!(
                out,
                "  - domain: \"{zone}\"\n    file: \"{file}\"\n    zonefile-sync: -1\n    \
                 zonefile-load: whole\n    journal-content: none\n"
            ),
            ZoneListFormat::Bind => write!(
                out,
                "zone \"{zone}\" {{\n\ttype primary;\n\tfile \"{file}\";\n}};\n"
            ),
        };
    }
    Ok(out)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn zones() -> BTreeMap<String, ZoneEntry> {
        let entry = |file: &str| ZoneEntry {
            master: "127.0.0.1:5300".into(),
            catalog: "catalog.invalid.".into(),
            serial: 1,
            file: file.into(),
            id: None,
        };
        BTreeMap::from([
            ("a.example.".to_string(), entry("a.example.zone")),
            ("b.example.".to_string(), entry("b.example.zone")),
        ])
    }

    #[test]
    fn each_format_lists_every_zone_with_its_absolute_file() {
        let dir = Path::new("/var/lib/zones/");
        let body = |f| {
            let text = render(f, dir, &zones()).expect("renders");
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            body(ZoneListFormat::Nsd),
            "zone:\n\tname: \"a.example.\"\n\tzonefile: \"/var/lib/zones/a.example.zone\"\n\
             zone:\n\tname: \"b.example.\"\n\tzonefile: \"/var/lib/zones/b.example.zone\""
        );
        assert_eq!(
            body(ZoneListFormat::Knot),
            "zone:\n  - domain: \"a.example.\"\n    file: \"/var/lib/zones/a.example.zone\"\n    \
             zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n  \
             - domain: \"b.example.\"\n    file: \"/var/lib/zones/b.example.zone\"\n    \
             zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none"
        );
        assert_eq!(
            body(ZoneListFormat::Bind),
            "zone \"a.example.\" {\n\ttype primary;\n\tfile \"/var/lib/zones/a.example.zone\";\n};\n\
             zone \"b.example.\" {\n\ttype primary;\n\tfile \"/var/lib/zones/b.example.zone\";\n};"
        );
    }

    #[test]
    fn no_zones_is_a_valid_empty_include() {
        for f in [
            ZoneListFormat::Nsd,
            ZoneListFormat::Knot,
            ZoneListFormat::Bind,
        ] {
            let text = render(f, Path::new("/z"), &BTreeMap::new()).expect("renders");
            assert!(
                text.lines()
                    .all(|l| l.starts_with('#') || l.starts_with("//")),
                "{text}"
            );
        }
    }

    #[test]
    fn paths_that_need_escaping_are_refused() {
        for bad in ["/z/\"x", "/z/a\\b", "/z/a\nb"] {
            assert!(
                render(ZoneListFormat::Nsd, Path::new(bad), &zones()).is_err(),
                "{bad:?}"
            );
        }
    }
}
