//! The feature cache: extracted clip features on disk, so that building a
//! dataset a second time from the same recordings is instant.
//!
//! An entry is keyed by the BLAKE3 hash of the audio file's bytes, the
//! [`FeatureSpec`], the [`StatsSpec`], the [`FeatureSet`] (with the chroma
//! FFT size and hop of harmony sets) when it is not the default and
//! [`EXTRACTOR_VERSION`] (bumped
//! whenever decoding, resampling, the front end or the statistics change
//! their output), so renaming or moving a file keeps its entry and editing
//! it, or asking for other features, misses. Entries live in
//! `<dir>/features/<key>.bin`: the magic `VALFCACH`, then the postcard
//! encoding of [`ClipFeatures`]. They are written atomically; an entry that
//! cannot be read is treated as a miss and overwritten.
//!
//! The folder is `$VALENCE_CACHE_DIR` when set, else
//! `$XDG_CACHE_HOME/valence`, else `~/.cache/valence` ([`default_cache_dir`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;

use super::extract::ClipFeatures;
use super::harmony::FeatureSet;
use crate::atomic::write_atomically;

/// Version of the feature extraction pipeline, part of every cache key.
/// 3: the front end's FFT quarters and block-floating-point right shift
/// round toward −∞ (other bits than version 2's).
pub const EXTRACTOR_VERSION: u32 = 3;

const MAGIC: &[u8; 8] = b"VALFCACH";

/// The cache folder from the environment (see the module doc), if any.
pub fn default_cache_dir() -> Option<PathBuf> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from_env("VALENCE_CACHE_DIR")
        .or_else(|| from_env("XDG_CACHE_HOME").map(|d| d.join("valence")))
        .or_else(|| from_env("HOME").map(|d| d.join(".cache").join("valence")))
}

/// The key of one clip's features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey(String);

impl CacheKey {
    /// The key for a file whose bytes hash to `content`, under these specs.
    pub fn new(content: &blake3::Hash, spec: &FeatureSpec, stats: &StatsSpec) -> CacheKey {
        let mut h = blake3::Hasher::new();
        h.update(b"valence feature cache\0");
        h.update(&EXTRACTOR_VERSION.to_le_bytes());
        h.update(content.as_bytes());
        // postcard is deterministic: the same spec always gives the same bytes.
        h.update(&postcard::to_stdvec(spec).unwrap_or_default());
        h.update(&postcard::to_stdvec(stats).unwrap_or_default());
        CacheKey(h.finalize().to_hex().to_string())
    }

    /// The key for the features of `set` (the same as [`CacheKey::new`] for
    /// [`FeatureSet::Mel`]).
    pub fn for_set(
        content: &blake3::Hash,
        spec: &FeatureSpec,
        stats: &StatsSpec,
        set: FeatureSet,
    ) -> CacheKey {
        let base = CacheKey::new(content, spec, stats);
        if set == FeatureSet::Mel {
            return base;
        }
        let mut h = blake3::Hasher::new();
        h.update(base.0.as_bytes());
        h.update(b"\0feature set\0");
        h.update(set.name().as_bytes());
        // The chroma path the harmony statistics come from.
        let chroma = valence_core::model::chroma_spec(spec);
        h.update(&chroma.n_fft.to_le_bytes());
        h.update(&chroma.hop.to_le_bytes());
        CacheKey(h.finalize().to_hex().to_string())
    }

    /// The key as hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A feature cache in one folder.
#[derive(Debug, Clone)]
pub struct FeatureCache {
    dir: PathBuf,
}

impl FeatureCache {
    /// A cache in `dir` (created when missing).
    pub fn open(dir: &Path) -> Result<FeatureCache> {
        let entries = dir.join("features");
        std::fs::create_dir_all(&entries)
            .with_context(|| format!("cannot create the feature cache {}", entries.display()))?;
        Ok(FeatureCache { dir: entries })
    }

    /// The cache in [`default_cache_dir`], or `None` when there is no such
    /// folder or it cannot be created.
    pub fn open_default() -> Option<FeatureCache> {
        default_cache_dir().and_then(|d| FeatureCache::open(&d).ok())
    }

    /// The folder holding the entries.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{}.bin", key.as_str()))
    }

    /// The cached features for `key`, if present and readable.
    pub fn get(&self, key: &CacheKey) -> Option<ClipFeatures> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        let body = bytes.strip_prefix(MAGIC.as_slice())?;
        postcard::from_bytes(body).ok()
    }

    /// Stores features under `key`.
    pub fn put(&self, key: &CacheKey, features: &ClipFeatures) -> Result<()> {
        let body = postcard::to_stdvec(features).context("cannot encode a cache entry")?;
        write_atomically(&self.path(key), |w| {
            w.write_all(MAGIC)?;
            w.write_all(&body)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_keys() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FeatureCache::open(dir.path()).unwrap();
        let spec = FeatureSpec::DEFAULT;
        let stats = StatsSpec::DEFAULT;
        let h = blake3::hash(b"audio");
        let key = CacheKey::new(&h, &spec, &stats);
        assert!(cache.get(&key).is_none());
        let f = ClipFeatures {
            n_features: 2,
            windows: vec![1, -2, 3, 4],
            n_samples: 99,
            source_rate: 44_100,
            channels: 2,
            clipped: 0,
            harmony: Vec::new(),
            onset: Vec::new(),
        };
        cache.put(&key, &f).unwrap();
        assert_eq!(cache.get(&key), Some(f));
        let mut other = spec;
        other.n_mels = 40;
        assert_ne!(CacheKey::new(&h, &other, &stats), key);
        assert_ne!(CacheKey::new(&blake3::hash(b"audio2"), &spec, &stats), key);
        // A damaged entry is a miss.
        std::fs::write(cache.path(&key), b"VALFCACH\xff").unwrap();
        assert!(cache.get(&key).is_none());
    }
}
