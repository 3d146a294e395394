//! Properties of the train/validation split and of k-fold cross-validation:
//! no overlap, full coverage, the requested sizes, groups never straddle,
//! and the same seed always gives the same split.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use valence_host::data::split::{k_folds, train_val_split};

/// Group names for `n` examples drawn from `g` groups.
fn groups_strategy() -> impl Strategy<Value = Vec<String>> {
    (1usize..40, 1usize..300).prop_flat_map(|(g, n)| {
        proptest::collection::vec(0..g, n)
            .prop_map(|v| v.into_iter().map(|i| format!("song {i}")).collect())
    })
}

fn assert_partition(n: usize, train: &[usize], val: &[usize]) {
    let t: HashSet<usize> = train.iter().copied().collect();
    let v: HashSet<usize> = val.iter().copied().collect();
    assert_eq!(t.len(), train.len(), "duplicates in train");
    assert_eq!(v.len(), val.len(), "duplicates in validation");
    assert!(t.is_disjoint(&v), "train and validation overlap");
    assert_eq!(t.len() + v.len(), n, "not every example is used");
    assert!(train.iter().chain(val).all(|&i| i < n));
    assert!(train.windows(2).all(|w| w[0] < w[1]) && val.windows(2).all(|w| w[0] < w[1]));
}

fn assert_groups_do_not_straddle(groups: &[String], train: &[usize], val: &[usize]) {
    let tg: HashSet<&str> = train.iter().map(|&i| groups[i].as_str()).collect();
    let vg: HashSet<&str> = val.iter().map(|&i| groups[i].as_str()).collect();
    assert!(tg.is_disjoint(&vg), "a group is on both sides");
}

proptest! {
    #[test]
    fn split_without_groups(n in 0usize..2000, frac in 0.0f64..0.6, seed in any::<u64>()) {
        let (train, val) = train_val_split(n, frac, seed, None);
        assert_partition(n, &train, &val);
        let mut want = (frac * n as f64).round() as usize;
        if frac > 0.0 && n >= 2 {
            want = want.max(1);
        }
        prop_assert_eq!(val.len(), want.min(n.saturating_sub(1)));
        prop_assert_eq!(train_val_split(n, frac, seed, None), (train, val));
    }

    #[test]
    fn split_with_groups(groups in groups_strategy(), frac in 0.01f64..0.5, seed in any::<u64>()) {
        let n = groups.len();
        let (train, val) = train_val_split(n, frac, seed, Some(&groups));
        assert_partition(n, &train, &val);
        assert_groups_do_not_straddle(&groups, &train, &val);
        let distinct: HashSet<&String> = groups.iter().collect();
        if distinct.len() >= 2 {
            prop_assert!(!train.is_empty() && !val.is_empty());
        }
    }

    #[test]
    fn folds_cover_everything_once(groups in groups_strategy(), k in 2usize..12, seed in any::<u64>(), grouped in any::<bool>()) {
        let n = groups.len();
        let g = grouped.then_some(&groups[..]);
        let folds = k_folds(n, k, seed, g);
        let units = if grouped { groups.iter().collect::<HashSet<_>>().len() } else { n };
        prop_assert_eq!(folds.len(), if units >= 2 { k.min(units) } else { 0 });
        let mut seen = vec![0usize; n];
        for (train, val) in &folds {
            assert_partition(n, train, val);
            prop_assert!(!val.is_empty());
            if grouped {
                assert_groups_do_not_straddle(&groups, train, val);
            }
            for &i in val {
                seen[i] += 1;
            }
        }
        if !folds.is_empty() {
            prop_assert!(seen.iter().all(|&c| c == 1), "every example validates exactly once");
        }
        prop_assert_eq!(k_folds(n, k, seed, g), folds);
    }
}

#[test]
fn folds_without_groups_are_balanced() {
    for (n, k) in [(100, 5), (101, 5), (7, 3), (1000, 10)] {
        let sizes: Vec<usize> = k_folds(n, k, 42, None).iter().map(|f| f.1.len()).collect();
        let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(hi - lo <= 1, "{n}/{k}: {sizes:?}");
    }
}

#[test]
fn the_split_depends_on_the_seed_only() {
    let groups: Vec<String> = (0..500).map(|i| format!("clip {}", i / 7)).collect();
    let a = train_val_split(500, 0.05, 1, Some(&groups));
    assert_eq!(a, train_val_split(500, 0.05, 1, Some(&groups)));
    assert_ne!(a, train_val_split(500, 0.05, 2, Some(&groups)));
    // 95/5 by default: 25 examples, in whole groups of 7 (so 28).
    assert_eq!(a.1.len(), 28);
    let per_group: HashMap<&str, usize> = a.1.iter().fold(HashMap::new(), |mut m, &i| {
        *m.entry(groups[i].as_str()).or_insert(0) += 1;
        m
    });
    assert!(per_group.values().all(|&c| c == 7));
}
