//! Where each value of a YAML config is: a map from the paths config problems carry
//! (`zones[2].allow-transfer[0].key`, serde_yaml's notation) to the line and column
//! of the key or item in the file, so that `check --config` names the line of every
//! problem, not only of the first syntax error.
//!
//! Read once per load from the config text with a marked YAML event parser
//! (yaml-rust2); serde_yaml, which builds the config, does not expose positions. Pure:
//! text in, positions out.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// Line and column (1-based) of every key and sequence item, by path.
#[derive(Debug, Default)]
pub(crate) struct KeyLines {
    at: HashMap<String, (usize, usize)>,
}

impl KeyLines {
    /// Scans `text`; a text that is not YAML yields the positions found before the
    /// error (serde_yaml reports the error itself, with its line).
    pub(crate) fn scan(text: &str) -> KeyLines {
        let mut walker = Walker::default();
        let _ = Parser::new_from_str(text).load(&mut walker, false);
        KeyLines { at: walker.at }
    }

    /// The position of `path`, or of its nearest enclosing key or item that has one
    /// (`zones[0].allow-transfer` for `zones[0].allow-transfer[3]` in a flow sequence
    /// on one line is the same line anyway).
    pub(crate) fn find(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            if let Some(&pos) = self.at.get(p) {
                return Some(pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

/// One open collection while walking the events.
enum Frame {
    /// A mapping at `path`; `key` is the key whose value comes next, if one was read.
    Map { path: String, key: Option<String> },
    /// A sequence at `path`; `next` is the index of the next item.
    Seq { path: String, next: usize },
}

/// The event receiver: a stack of open collections and the positions found.
#[derive(Default)]
struct Walker {
    frames: Vec<Frame>,
    at: HashMap<String, (usize, usize)>,
}

impl Walker {
    /// The path of the value that comes next in the innermost collection.
    fn child(&self) -> String {
        match self.frames.last() {
            Some(Frame::Map {
                path,
                key: Some(key),
            }) => join(path, key),
            Some(Frame::Seq { path, next }) => format!("{path}[{next}]"),
            _ => String::new(),
        }
    }

    /// The innermost collection's value is complete.
    fn value_done(&mut self) {
        match self.frames.last_mut() {
            Some(Frame::Map { key, .. }) => *key = None,
            Some(Frame::Seq { next, .. }) => *next += 1,
            None => {}
        }
    }

    /// Records where a value starts, unless its key was recorded already (a key's
    /// line beats its value's, which may be on the next line).
    fn record(&mut self, path: String, mark: Marker) {
        self.at.entry(path).or_insert((mark.line(), mark.col() + 1));
    }
}

impl MarkedEventReceiver for Walker {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = self.child();
                self.record(path.clone(), mark);
                self.frames.push(match ev {
                    Event::MappingStart(..) => Frame::Map { path, key: None },
                    _ => Frame::Seq { path, next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.frames.pop();
                self.value_done();
            }
            Event::Scalar(value, ..) => match self.frames.last_mut() {
                Some(Frame::Map {
                    path,
                    key: key @ None,
                }) => {
                    let p = join(path, &value);
                    *key = Some(value);
                    self.record(p, mark);
                }
                _ => {
                    let path = self.child();
                    self.record(path, mark);
                    self.value_done();
                }
            },
            Event::Alias(_) => self.value_done(),
            _ => {}
        }
    }
}

/// `parent.key`, or `key` at the top.
fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_items_have_their_lines() {
        let text = "listen: [\"127.0.0.1:5300\", \"[::1]:5300\"]\n\
                    keys:\n  - { name: k, secret: x }\n\
                    zones:\n  - name: a.example\n    file: a.zone\n\
                    \x20   allow-transfer:\n      - { key: k }\n      - address: 10.0.0.0/8\n\
                    \x20 - name: b.example\n    primaries: [ { address: 192.0.2.1 } ]\n";
        let k = KeyLines::scan(text);
        let line = |p: &str| k.find(p).map(|(l, _)| l);
        assert_eq!(line("listen"), Some(1));
        assert_eq!(line("listen[1]"), Some(1));
        assert_eq!(line("keys[0].secret"), Some(3));
        assert_eq!(line("zones[0]"), Some(5));
        assert_eq!(line("zones[0].file"), Some(6));
        assert_eq!(line("zones[0].allow-transfer[0].key"), Some(8));
        assert_eq!(line("zones[0].allow-transfer[1].address"), Some(9));
        assert_eq!(line("zones[1].primaries[0].address"), Some(11));
        // Unknown paths fall back to the nearest known one.
        assert_eq!(line("zones[1].primaries[0].key"), Some(11));
        assert_eq!(line("zones[0].nope"), Some(5));
        assert_eq!(line("nothing"), None);
        assert_eq!(k.find("zones[0].file"), Some((6, 5)));
    }

    #[test]
    fn broken_yaml_keeps_what_came_before() {
        let k = KeyLines::scan("listen: [\"127.0.0.1:5300\"]\nzones: [\n");
        assert_eq!(k.find("listen").map(|(l, _)| l), Some(1));
    }
}
