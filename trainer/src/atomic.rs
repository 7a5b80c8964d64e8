//! Writing files and folders so that a reader sees the old version or the new one, never a mix.
//!
//! A corpus build or a training run may be interrupted at any moment; what it replaces must then still
//! be whole. Files are written under a temporary name in their own folder (a rename is atomic only
//! within one file system), synced, and renamed over the target; folders are filled under `NAME.tmp/`
//! and swapped in. On Linux the swap is one `renameat2(RENAME_EXCHANGE)`, so `NAME/` is never missing;
//! elsewhere (or on a file system without it) it is two renames, the old folder parked as `NAME.old/`
//! in between (see [`existing_dir`]).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::kill_point;

/// A file that could not be written; the target is left as it was.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// Writes `bytes` to `path`, atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_with(path, |out| out.write_all(bytes))
}

/// Writes `path` with `fill`, atomically; for contents streamed rather than held in memory.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), WriteError> {
    let tmp = temp_file(path);
    let result = (|| {
        let mut out = BufWriter::new(File::create(&tmp)?);
        fill(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        // Synced before the rename, or a crash could leave the new name on an empty file.
        file.sync_all()?;
        kill_point::point(&format!("write:{}", name_of(path)));
        fs::rename(&tmp, path)
    })();
    result.map_err(|source| {
        let _ = fs::remove_file(&tmp);
        WriteError {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Hidden and named after the process, so two writers of one target do not share a temporary file.
fn temp_file(path: &Path) -> PathBuf {
    path.with_file_name(format!(".{}.tmp-{}", name_of(path), std::process::id()))
}

/// Fills the folder `dir` with `fill` (called on a fresh temporary folder), then swaps it in.
pub fn replace_dir(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let tmp = temp_dir(dir);
    let old = old_dir(dir);
    if !dir.exists() && old.is_dir() {
        // A swap stopped between its two renames: the parked folder is the last good one.
        fs::rename(&old, dir).with_context(|| format!("cannot restore {}", dir.display()))?;
    }
    remove_stale(&[&tmp, &old])?;
    fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    if let Err(e) = fill(&tmp) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e.context(format!("cannot write {}", dir.display())));
    }
    kill_point::point(&format!("filled:{}", name_of(dir)));
    swap_in(&tmp, dir, &old).with_context(|| format!("cannot replace {}", dir.display()))?;
    kill_point::point(&format!("swapped:{}", name_of(dir)));
    // The old contents: in `tmp` after an exchange, in `old` after two renames.
    remove_stale(&[&tmp, &old])
}

/// Removes those of `dirs` that exist.
fn remove_stale(dirs: &[&Path]) -> Result<()> {
    for stale in dirs {
        if stale.exists() {
            fs::remove_dir_all(stale)
                .with_context(|| format!("cannot remove {}", stale.display()))?;
        }
    }
    Ok(())
}

/// Puts the filled folder `tmp` in the place of `dir`.
fn swap_in(tmp: &Path, dir: &Path, old: &Path) -> io::Result<()> {
    if !dir.exists() {
        return fs::rename(tmp, dir);
    }
    if exchange(tmp, dir).is_ok() {
        return Ok(());
    }
    fs::rename(dir, old)?;
    fs::rename(tmp, dir)
}

/// Swaps two paths in one step (Linux 3.15+, on file systems that support it).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    match status {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

fn name_of(path: &Path) -> std::borrow::Cow<'_, str> {
    path.file_name().unwrap_or_default().to_string_lossy()
}

/// `dir`, or the `dir.old` a [`replace_dir`] interrupted between its two renames left behind.
pub fn existing_dir(dir: &Path) -> Option<PathBuf> {
    [dir.to_path_buf(), old_dir(dir)]
        .into_iter()
        .find(|d| d.is_dir())
}

fn temp_dir(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    dir.with_file_name(name)
}

fn old_dir(dir: &Path) -> PathBuf {
    dir.with_extension("old")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_is_replaced_whole() {
        let dir = scratch("file");
        let path = dir.join("a.txt");
        write_file(&path, b"old").unwrap();
        write_file(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(names(&dir), ["a.txt"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_names_it() {
        let dir = scratch("failed");
        let path = dir.join("a.txt");
        write_file(&path, b"old").unwrap();
        let err = write_with(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), format!("cannot write {}", path.display()));
        assert_eq!(err.source.to_string(), "disk full");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(names(&dir), ["a.txt"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_folder_is_swapped_in_and_a_failed_fill_keeps_the_old_one() {
        let dir = scratch("dir");
        let target = dir.join("last");
        replace_dir(&target, |d| Ok(fs::write(d.join("x"), "1")?)).unwrap();
        replace_dir(&target, |d| Ok(fs::write(d.join("y"), "2")?)).unwrap();
        assert_eq!(names(&target), ["y"]);
        let err = replace_dir(&target, |_| anyhow::bail!("no")).unwrap_err();
        // The error names the folder, with the cause.
        assert_eq!(
            format!("{err:#}"),
            format!("cannot write {}: no", target.display())
        );
        assert_eq!(names(&target), ["y"]);
        assert_eq!(names(&dir), ["last"]);
        fs::rename(&target, old_dir(&target)).unwrap();
        assert_eq!(existing_dir(&target), Some(old_dir(&target)));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_swap_stopped_between_its_renames_is_undone_first() {
        let dir = scratch("parked");
        let target = dir.join("best");
        replace_dir(&target, |d| Ok(fs::write(d.join("x"), "1")?)).unwrap();
        fs::rename(&target, old_dir(&target)).unwrap();
        // The next fill fails: the parked folder must be back, not removed as stale.
        assert!(replace_dir(&target, |_| anyhow::bail!("no")).is_err());
        assert_eq!(names(&target), ["x"]);
        assert_eq!(names(&dir), ["best"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_exchange_swaps_two_folders_in_one_step() {
        let dir = scratch("exchange");
        let (a, b) = (dir.join("a"), dir.join("b"));
        for (d, f) in [(&a, "from_a"), (&b, "from_b")] {
            fs::create_dir(d).unwrap();
            fs::write(d.join(f), "").unwrap();
        }
        if let Err(e) = exchange(&a, &b) {
            // A file system without the exchange: replace_dir falls back to two renames.
            let unsupported = [libc::EINVAL, libc::ENOSYS, libc::EOPNOTSUPP];
            assert!(unsupported.contains(&e.raw_os_error().unwrap_or(0)), "{e}");
            eprintln!("no RENAME_EXCHANGE here ({e}): the two-rename swap is what runs");
            fs::remove_dir_all(dir).unwrap();
            return;
        }
        assert_eq!(names(&a), ["from_b"]);
        assert_eq!(names(&b), ["from_a"]);
        fs::remove_dir_all(dir).unwrap();
    }
}
