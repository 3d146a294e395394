//! Audio folders: which recordings a folder holds, and which of them a label
//! row names.
//!
//! [`AudioFolder::scan`] lists every file with an audio extension under a
//! folder (recursively, sorted by path; hidden and linked folders are
//! skipped). [`AudioFolder::find`] resolves a
//! label file's key, trying in order:
//!
//! 1. the key as a path relative to the folder (`audio/10.mp3`);
//! 2. the key as a file name anywhere in the folder (`10.mp3`);
//! 3. the key as a file stem, so that a numeric id column maps to
//!    `<id>.<ext>` (`10` → `10.mp3`); `10.0` counts as `10`.
//!
//! A key that matches several files (`10.wav` and `10.mp3`) is ambiguous and
//! reported, never guessed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::audio::is_audio_path;

/// The audio files of a folder.
#[derive(Debug, Clone)]
pub struct AudioFolder {
    root: PathBuf,
    files: Vec<PathBuf>,
    by_rel: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
    by_stem: HashMap<String, Vec<usize>>,
}

/// Why a key names no single file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindError {
    /// No audio file matches.
    Missing,
    /// Several do (their paths relative to the folder).
    Ambiguous(Vec<String>),
}

fn rel_string(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let path = entry.path();
        let ty = entry.file_type()?;
        // Linked folders are not followed (a link cycle would never end).
        if ty.is_dir() {
            if !entry.file_name().to_string_lossy().starts_with('.') {
                walk(&path, out)?;
            }
        } else if is_audio_path(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// A key's canonical form for stem matching: integral numbers lose `.0`.
fn normalise_key(key: &str) -> String {
    let k = key.trim();
    if let Ok(v) = k.parse::<f64>() {
        if v.fract() == 0.0 && v.abs() < 1e15 && k.contains('.') {
            return format!("{}", v as i64);
        }
    }
    k.to_string()
}

impl AudioFolder {
    /// Lists the audio files under `root`.
    pub fn scan(root: &Path) -> Result<AudioFolder> {
        if !root.is_dir() {
            bail!("{}: not a folder", root.display());
        }
        let mut files = Vec::new();
        walk(root, &mut files)?;
        files.sort();
        Ok(Self::from_files(root, files))
    }

    /// A folder view of a single file (its parent is the root).
    pub fn single(file: &Path) -> AudioFolder {
        let root = file.parent().unwrap_or(Path::new("")).to_path_buf();
        Self::from_files(&root, vec![file.to_path_buf()])
    }

    fn from_files(root: &Path, files: Vec<PathBuf>) -> AudioFolder {
        let mut by_rel = HashMap::new();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_stem: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            by_rel.insert(rel_string(root, f), i);
            if let Some(name) = f.file_name() {
                by_name
                    .entry(name.to_string_lossy().into_owned())
                    .or_default()
                    .push(i);
            }
            if let Some(stem) = f.file_stem() {
                by_stem
                    .entry(stem.to_string_lossy().into_owned())
                    .or_default()
                    .push(i);
            }
        }
        AudioFolder {
            root: root.to_path_buf(),
            files,
            by_rel,
            by_name,
            by_stem,
        }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The audio files, sorted.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// A file's path relative to the folder, with `/` separators.
    pub fn relative(&self, index: usize) -> String {
        rel_string(&self.root, &self.files[index])
    }

    /// The index of the file a label key names (see the module doc).
    pub fn find(&self, key: &str) -> Result<usize, FindError> {
        let key = key.trim().replace('\\', "/");
        let key = key.trim_start_matches("./");
        if let Some(&i) = self.by_rel.get(key) {
            return Ok(i);
        }
        let name = key.rsplit('/').next().unwrap_or(key);
        let pick = |hits: Option<&Vec<usize>>| match hits.map(|v| v.as_slice()) {
            Some([i]) => Some(Ok(*i)),
            Some(many) if many.len() > 1 => Some(Err(FindError::Ambiguous(
                many.iter().map(|&i| self.relative(i)).collect(),
            ))),
            _ => None,
        };
        if let Some(r) = pick(self.by_name.get(name)) {
            return r;
        }
        let stem = normalise_key(name);
        pick(self.by_stem.get(&stem)).unwrap_or(Err(FindError::Missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_resolve_by_path_name_and_stem() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for f in ["2.mp3", "sub/a.wav", "b.ogg", "b.flac", "notes.txt"] {
            std::fs::write(dir.path().join(f), b"").unwrap();
        }
        let folder = AudioFolder::scan(dir.path()).unwrap();
        assert_eq!(folder.files().len(), 4);
        let rel = |k: &str| folder.find(k).map(|i| folder.relative(i));
        assert_eq!(rel("2"), Ok("2.mp3".into()));
        assert_eq!(rel("2.0"), Ok("2.mp3".into()));
        assert_eq!(rel("sub/a.wav"), Ok("sub/a.wav".into()));
        assert_eq!(rel("a.wav"), Ok("sub/a.wav".into()));
        assert_eq!(rel("a"), Ok("sub/a.wav".into()));
        assert_eq!(rel("b.ogg"), Ok("b.ogg".into()));
        assert!(matches!(rel("b"), Err(FindError::Ambiguous(v)) if v.len() == 2));
        assert_eq!(rel("3"), Err(FindError::Missing));
    }
}
