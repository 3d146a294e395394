//! Mini-batches of one epoch: the training rows in a seeded order, cut into
//! batches of the configured size. Batch normalisation cannot train on a
//! batch of one row (its variance correction divides by zero), so a trailing
//! batch smaller than half the batch size is merged into the one before it.

/// Cuts `order` into batches of `size` rows (see the module doc).
pub fn batches(order: &[usize], size: usize) -> Vec<Vec<usize>> {
    let size = size.max(2);
    let mut out: Vec<Vec<usize>> = order.chunks(size).map(<[usize]>::to_vec).collect();
    if out.len() >= 2 {
        let last_len = out.last().map_or(0, Vec::len);
        if last_len * 2 < size {
            let last = out.pop().unwrap_or_default();
            if let Some(prev) = out.last_mut() {
                prev.extend(last);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_small_batch_is_merged() {
        let order: Vec<usize> = (0..10).collect();
        let b = batches(&order, 4);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 4, 2]);
        let b = batches(&order, 9);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![10]);
        let b = batches(&order, 3);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 3, 4]);
        let b = batches(&order, 6);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![6, 4]);
        assert_eq!(batches(&order, 64).len(), 1);
        assert!(batches(&[], 4).is_empty());
        let all: Vec<usize> = batches(&order, 3).concat();
        assert_eq!(all, order);
    }
}
