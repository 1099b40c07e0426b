//! Durable file replacement: the one place zonesync writes a file that readers must
//! see whole or not at all (zone files from `axfr -o` and the mirror, manifests,
//! catalogs); and the one way it reads a file an operator names (zone files, key
//! files, the config): only a regular file, at most a given size ([`read_regular`]),
//! so that `/dev/zero` or a FIFO named by mistake is an error, not a hang.
//!
//! Every write goes to a hidden temporary file beside its target
//! (`.NAME.zonesync-PID.tmp`, same folder so the rename never crosses a file
//! system), is fsynced, renamed over the target, and the folder is fsynced so the
//! rename itself survives a crash. A reader (NSD, Knot, the next run) sees the old
//! file or the new one, never half of one; on any failure the temporary file is
//! removed and the target is untouched. A target that exists and is neither a
//! regular file nor a folder (`/dev/null`, `/dev/stdout`, a FIFO) is a stream, not a
//! file to replace: it is written to directly (renaming over `/dev/null` as root
//! would replace the device with a file).
//!
//! Everything here blocks on file I/O: call it from `spawn_blocking` (STYLE.md
//! rule 7), or from a CLI command where the disk is the bottleneck anyway.
//!
//! # Standards
//! - POSIX `rename(2)`: "If the link named by the new argument exists, it shall be
//!   removed and old renamed to new. In this case, a link named new shall remain
//!   visible to other threads throughout the renaming operation". The directory
//!   entry's durability needs an fsync of the directory (Linux `fsync(2)`:
//!   "Calling fsync() does not necessarily ensure that the entry in the directory
//!   containing the file has also reached disk. For that an explicit fsync() on a
//!   file descriptor for the directory is also needed.").

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Buffer size of the writer: zone files are written in large appends.
const BUFFER: usize = 256 * 1024;

//----------- AtomicFile -------------------------------------------------------------

/// A file being written that replaces `target` when [`AtomicFile::commit`]ted, and
/// vanishes if dropped first. Write to it through [`Write`] (buffered).
#[derive(Debug)]
pub struct AtomicFile {
    /// The temporary file beside the target; empty once renamed, and for a target
    /// written to directly (a device, a FIFO).
    tmp: PathBuf,
    /// The path the file replaces on commit.
    target: PathBuf,
    /// The buffered writer; `None` once committed.
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file for `target`. Fails with `InvalidInput` when
    /// `target` does not end in a file name.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        if is_stream(target) {
            let file = std::fs::OpenOptions::new().write(true).open(target)?;
            return Ok(AtomicFile {
                tmp: PathBuf::new(),
                target: target.to_path_buf(),
                out: Some(BufWriter::with_capacity(BUFFER, file)),
            });
        }
        let tmp = temp_path(target)?;
        let file = File::create(&tmp)?;
        Ok(AtomicFile {
            tmp,
            target: target.to_path_buf(),
            out: Some(BufWriter::with_capacity(BUFFER, file)),
        })
    }

    /// The temporary file's path (for error messages); the target's, when it is
    /// written to directly.
    pub fn temp_path(&self) -> &Path {
        if self.tmp.as_os_str().is_empty() {
            &self.target
        } else {
            &self.tmp
        }
    }

    /// Flushes and fsyncs the file, renames it over the target and fsyncs the
    /// folder. On failure the temporary file is removed and the target untouched
    /// (unless the folder fsync failed after the rename: then the new file is in
    /// place but perhaps not durable).
    pub fn commit(mut self) -> io::Result<()> {
        let out = self.out.take().expect("present until commit");
        let file = out.into_inner().map_err(|e| e.into_error())?;
        if self.tmp.as_os_str().is_empty() {
            // Written to directly: a stream has nothing to sync or rename.
            return Ok(());
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target)?;
        // Renamed: nothing left for `drop` to remove.
        self.tmp = PathBuf::new();
        sync_dir(&self.target)
    }

    fn writer(&mut self) -> &mut BufWriter<File> {
        self.out.as_mut().expect("present until commit")
    }
}

//--- Trait impls

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            // Close before removing (needed on some platforms).
            drop(self.out.take());
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

//----------- Functions --------------------------------------------------------------

/// Writes `data` at `path` atomically (see the module doc). Blocks on file I/O.
pub fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    write_with(path, |out| out.write_all(data))
}

/// Writes what `fill` writes at `path` atomically: streaming, for files too large
/// to build in memory first. An error from `fill` leaves `path` untouched. Blocks
/// on file I/O.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut AtomicFile) -> io::Result<()>,
) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    fill(&mut file)?;
    file.commit()
}

/// Removes the file at `path` (gone already is fine) and fsyncs its folder. Blocks
/// on file I/O.
pub fn remove_file(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => sync_dir(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// True when `path` (its links followed) exists and is neither a regular file nor a
/// folder: a device, a FIFO, a socket.
fn is_stream(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// fsyncs the folder of `path`, so that a rename or removal in it is durable.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(folder_of(path))?.sync_all()
}

/// `.NAME.zonesync-PID.tmp` beside `target`: hidden, and distinct per process so
/// two runs never write the same temporary file.
fn temp_path(target: &Path) -> io::Result<PathBuf> {
    let name = target.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file name", target.display()),
        )
    })?;
    Ok(folder_of(target).join(format!(
        ".{}.zonesync-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// The folder holding `path` (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

//============ Tests =================================================================

//----------- Reading ----------------------------------------------------------------

/// Opens a file for reading, with its size: only a regular file (a device such as
/// `/dev/zero` never ends, a FIFO blocks). The open itself does not block on a FIFO
/// (`O_NONBLOCK`, which regular files ignore).
pub fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (only regular files are read)",
        ));
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file of at most `max` bytes ([`open_regular`]); a larger one
/// is an error of kind `FileTooLarge` saying `more than {max} bytes`.
pub fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read as _;
    let (file, size) = open_regular(path)?;
    let mut text = Vec::with_capacity(size.min(max) as usize);
    file.take(max.saturating_add(1)).read_to_end(&mut text)?;
    if text.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("more than {max} bytes"),
        ));
    }
    Ok(text)
}

/// [`read_regular`] of a text file: not UTF-8 is an `InvalidData` error.
pub fn read_regular_text(path: &Path, max: u64) -> io::Result<String> {
    String::from_utf8(read_regular(path, max)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_whole_files_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        write_atomically(&path, b"old").expect("write");
        write_atomically(&path, b"new").expect("rewrite");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        assert_eq!(entries(dir.path()), ["f"]);
    }

    /// A target that is a stream (here a FIFO; `/dev/null` alike) is written to, not
    /// replaced by a file.
    #[test]
    fn a_stream_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fifo");
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: `c_path` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
        let reader = {
            let path = path.clone();
            std::thread::spawn(move || std::fs::read(&path).expect("read the FIFO"))
        };
        write_atomically(&path, b"zone data").expect("write");
        // Before the join: a FIFO replaced would leave its reader waiting forever.
        let kind = std::fs::symlink_metadata(&path).expect("meta").file_type();
        assert!(kind.is_fifo(), "replaced by {kind:?}");
        assert_eq!(entries(dir.path()), ["fifo"]);
        assert_eq!(reader.join().expect("reader"), b"zone data");
    }

    #[test]
    fn failed_writes_leave_the_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        write_atomically(&path, b"old").expect("write");
        let err = write_with(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).expect("read"), b"old");
        assert_eq!(entries(dir.path()), ["f"]);
        remove_file(&path).expect("remove");
        remove_file(&path).expect("already gone is fine");
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn dropped_files_vanish_and_the_temporary_is_hidden_beside_the_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("zone");
        let mut f = AtomicFile::create(&path).expect("create");
        f.write_all(b"partial").expect("write");
        let tmp = f.temp_path().to_path_buf();
        assert_eq!(tmp.parent(), Some(dir.path()));
        assert!(
            tmp.file_name()
                .expect("name")
                .to_string_lossy()
                .starts_with(".zone.")
        );
        drop(f);
        assert!(entries(dir.path()).is_empty());
        assert!(!path.exists());
    }

    #[test]
    fn targets_without_a_file_name_are_refused() {
        let err = write_atomically(Path::new("/"), b"x").expect_err("no file name");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
