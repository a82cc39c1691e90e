//! Sets of integers as sorted, disjoint, non-adjacent inclusive intervals: the address sets
//! of rule peers and groups, and sorted member-id sets, with the set algebra the compiler
//! needs.

/// A set of `u32` values as sorted, disjoint, non-adjacent inclusive `(first, last)` pairs.
pub type Intervals = Vec<(u32, u32)>;

/// Sorts and merges overlapping or adjacent intervals.
pub fn normalize(mut set: Intervals) -> Intervals {
    set.retain(|(a, b)| a <= b);
    set.sort_unstable();
    let mut out: Intervals = Vec::with_capacity(set.len());
    for (a, b) in set {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The union of two normalized sets.
pub fn union(a: &[(u32, u32)], b: &[(u32, u32)]) -> Intervals {
    let mut all = Vec::with_capacity(a.len() + b.len());
    all.extend_from_slice(a);
    all.extend_from_slice(b);
    normalize(all)
}

/// The intersection of two normalized sets.
pub fn intersect(a: &[(u32, u32)], b: &[(u32, u32)]) -> Intervals {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let first = a[i].0.max(b[j].0);
        let last = a[i].1.min(b[j].1);
        if first <= last {
            out.push((first, last));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Every `u32` not in the normalized set.
pub fn complement(set: &[(u32, u32)]) -> Intervals {
    let mut out = Vec::with_capacity(set.len() + 1);
    let mut next: u64 = 0;
    for &(a, b) in set {
        if u64::from(a) > next {
            out.push((next as u32, a - 1));
        }
        next = u64::from(b) + 1;
    }
    if next <= u64::from(u32::MAX) {
        out.push((next as u32, u32::MAX));
    }
    out
}

/// Whether the normalized set holds `value`.
pub fn contains(set: &[(u32, u32)], value: u32) -> bool {
    let i = set.partition_point(|&(a, _)| a <= value);
    i > 0 && set[i - 1].1 >= value
}

/// The union of two sorted, deduplicated id lists.
pub fn union_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// The intersection of two sorted, deduplicated id lists.
pub fn intersect_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Inserts `value` into a sorted, deduplicated list; returns whether it was new.
pub fn insert_sorted(list: &mut Vec<u32>, value: u32) -> bool {
    match list.binary_search(&value) {
        Ok(_) => false,
        Err(at) => {
            list.insert(at, value);
            true
        }
    }
}

/// Removes `value` from a sorted list; returns whether it was there.
pub fn remove_sorted(list: &mut Vec<u32>, value: u32) -> bool {
    match list.binary_search(&value) {
        Ok(at) => {
            list.remove(at);
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algebra() {
        let a = normalize(vec![(5, 9), (1, 2), (3, 3), (20, 30)]);
        assert_eq!(a, [(1, 3), (5, 9), (20, 30)]);
        let b = normalize(vec![(8, 21)]);
        assert_eq!(intersect(&a, &b), [(8, 9), (20, 21)]);
        assert_eq!(union(&a, &b), [(1, 3), (5, 30)]);
        assert_eq!(complement(&a), [(0, 0), (4, 4), (10, 19), (31, u32::MAX)]);
        assert_eq!(complement(&[(0, u32::MAX)]), []);
        assert_eq!(complement(&[]), [(0, u32::MAX)]);
        assert!(contains(&a, 3) && contains(&a, 25) && !contains(&a, 4) && !contains(&a, 0));
        assert_eq!(union_sorted(&[1, 3, 5], &[2, 3, 9]), [1, 2, 3, 5, 9]);
        assert_eq!(intersect_sorted(&[1, 3, 5], &[2, 3, 5]), [3, 5]);
    }
}
