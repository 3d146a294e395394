//! Train/validation splits and k-fold cross-validation over a dataset's
//! examples, seeded and reproducible, with optional groups.
//!
//! With groups (one string per example: the song, the artist, or the clip
//! a window comes from), all examples of one group land on the same side of
//! every split, so a model is never validated on windows of a song it was
//! trained on. Without groups every example is its own group.
//!
//! The shuffle is a Fisher–Yates shuffle of the groups (in order of first
//! appearance) driven by SplitMix64 seeded with `seed`: the same inputs and
//! seed give the same split on every machine and every version of this
//! crate, independent of any random-number crate.
//!
//! - [`train_val_split`]: groups are taken in shuffled order into validation
//!   until it holds at least `round(val_fraction · n)` examples (at least one
//!   example when `val_fraction > 0` and `n ≥ 2`), never all groups.
//! - [`k_folds`]: groups, shuffled and then ordered by size (largest
//!   first, stable), go one by one to the fold with the fewest examples so far;
//!   fold `i` validates on its groups and trains on the rest.
//!
//! Index lists come back sorted.

use std::collections::HashMap;

/// SplitMix64: a tiny, well-mixed generator, fixed forever for reproducibility.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// The examples of each group, groups in order of first appearance.
fn group_members(n: usize, groups: Option<&[String]>) -> Vec<Vec<usize>> {
    match groups {
        None => (0..n).map(|i| vec![i]).collect(),
        Some(g) => {
            let mut index: HashMap<&str, usize> = HashMap::new();
            let mut members: Vec<Vec<usize>> = Vec::new();
            for (i, name) in g.iter().enumerate().take(n) {
                let k = *index.entry(name.as_str()).or_insert_with(|| {
                    members.push(Vec::new());
                    members.len() - 1
                });
                members[k].push(i);
            }
            members
        }
    }
}

/// Splits examples `0..n` into `(train, validation)` index lists.
///
/// `groups`, when given, has one entry per example (extra entries are
/// ignored, missing ones would panic). See the module doc for the rule.
pub fn train_val_split(
    n: usize,
    val_fraction: f64,
    seed: u64,
    groups: Option<&[String]>,
) -> (Vec<usize>, Vec<usize>) {
    if let Some(g) = groups {
        assert!(g.len() >= n, "{} groups for {n} examples", g.len());
    }
    let mut members = group_members(n, groups);
    SplitMix64::new(seed).shuffle(&mut members);
    let fraction = if val_fraction.is_finite() {
        val_fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut target = (fraction * n as f64).round() as usize;
    if fraction > 0.0 && n >= 2 {
        target = target.max(1);
    }
    let mut val = Vec::new();
    let mut taken = 0;
    for m in &members {
        if val.len() >= target || taken + 1 >= members.len() {
            break;
        }
        val.extend_from_slice(m);
        taken += 1;
    }
    let mut train: Vec<usize> = members[taken..].iter().flatten().copied().collect();
    train.sort_unstable();
    val.sort_unstable();
    (train, val)
}

/// `k`-fold cross-validation over examples `0..n`: one `(train, validation)`
/// pair per fold. `k` is clamped to the number of groups (so no fold
/// validates on nothing); fewer than two groups give no folds.
pub fn k_folds(
    n: usize,
    k: usize,
    seed: u64,
    groups: Option<&[String]>,
) -> Vec<(Vec<usize>, Vec<usize>)> {
    if let Some(g) = groups {
        assert!(g.len() >= n, "{} groups for {n} examples", g.len());
    }
    let mut members = group_members(n, groups);
    let k = k.min(members.len());
    if k < 2 {
        return Vec::new();
    }
    SplitMix64::new(seed).shuffle(&mut members);
    members.sort_by_key(|m| std::cmp::Reverse(m.len()));
    let mut fold_of = vec![0usize; n];
    let mut sizes = vec![0usize; k];
    for (gi, m) in members.iter().enumerate() {
        // The smallest fold; the first k groups seed one fold each.
        let f = if gi < k {
            gi
        } else {
            (0..k).min_by_key(|&f| (sizes[f], f)).unwrap_or(0)
        };
        sizes[f] += m.len();
        for &i in m {
            fold_of[i] = f;
        }
    }
    (0..k)
        .map(|f| {
            let (val, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold_of[i] == f);
            (train, val)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_split_is_95_5_and_reproducible() {
        let (train, val) = train_val_split(1000, 0.05, 7, None);
        assert_eq!((train.len(), val.len()), (950, 50));
        assert_eq!(
            train_val_split(1000, 0.05, 7, None),
            (train.clone(), val.clone())
        );
        assert_ne!(train_val_split(1000, 0.05, 8, None).1, val);
    }

    #[test]
    fn tiny_and_degenerate_inputs() {
        assert_eq!(train_val_split(0, 0.05, 1, None), (vec![], vec![]));
        assert_eq!(train_val_split(1, 0.5, 1, None), (vec![0], vec![]));
        assert_eq!(train_val_split(2, 0.05, 1, None).1.len(), 1);
        assert_eq!(train_val_split(5, 0.0, 1, None).1.len(), 0);
        // Never everything in validation.
        assert_eq!(train_val_split(5, 1.0, 1, None).0.len(), 1);
        assert!(k_folds(1, 5, 0, None).is_empty());
        assert_eq!(k_folds(3, 5, 0, None).len(), 3);
    }
}
