//! Atomic file output: write to a temporary file in the destination's
//! folder, flush it to disk, then rename it over the destination. A reader
//! (or a crash) never sees a half-written file.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// Writes a file atomically by calling `write` on a temporary file next to `path`.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut io::BufWriter<&mut fs::File>) -> Result<()>,
) -> Result<()> {
    write_atomically_with(path, |file, _| {
        let mut w = io::BufWriter::new(file);
        write(&mut w)?;
        w.flush()
            .with_context(|| format!("cannot write {}", path.display()))
    })
}

/// Writes a file atomically through a library that wants a path of its own
/// (an image encoder, safetensors): `write` fills the temporary file at the
/// path it is given, which then replaces `path`.
pub fn write_atomically_to_path(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    write_atomically_with(path, |_, tmp_path| write(tmp_path))
}

fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut fs::File, &Path) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!(
            "cannot write {}: folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    // The temporary file keeps the destination's extension: encoders that
    // take a path (plotters' PNG backend) choose the format from it.
    let suffix = match path.extension() {
        Some(ext) => format!(".{}", ext.to_string_lossy()),
        None => ".tmp".to_string(),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".valence-")
        .suffix(&suffix)
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let tmp_path = tmp.path().to_path_buf();
    write(tmp.as_file_mut(), &tmp_path)?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot flush {}", path.display()))?;
    // Temporary files are created private (0600); give the result the
    // permissions of the file it replaces, or the usual 0644 for a new one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let permissions = match fs::metadata(path) {
            Ok(meta) => meta.permissions(),
            Err(_) => fs::Permissions::from_mode(0o644),
        };
        tmp.as_file()
            .set_permissions(permissions)
            .with_context(|| format!("cannot set the permissions of {}", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot move the finished file to {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_the_old_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        fs::write(&path, b"old").unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"partial")?;
            anyhow::bail!("interrupted")
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        write_atomically(&path, |w| Ok(w.write_all(b"new")?)).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        // No temporary files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let fresh = dir.path().join("fresh.bin");
            write_atomically(&fresh, |w| Ok(w.write_all(b"x")?)).unwrap();
            assert_eq!(
                fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
                0o644
            );
        }
    }
}
