//! One stable sort for the paths off the per-record hot loop (canonical JSON text, change
//! tracking's diffs, rule candidates). The standard library's sorts are instantiated once per
//! element type and comparator, about 5 KB of wasm each; this one orders `usize` indices through
//! a `&mut dyn` comparator, so every caller shares one copy. O(n log n) whatever the input
//! (bottom-up merge sort): a record can make these lists long.

use alloc::vec::Vec;
use core::cmp::Ordering;

/// Sorts `v` by `cmp`, keeping equal elements in their order (as `slice::sort_by`).
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut idx: Vec<usize> = (0..v.len()).collect();
    {
        let items: &[T] = v;
        // Indices come from 0..len, so `get` always finds them; Equal is never reached.
        order(&mut idx, &mut |a, b| match (items.get(a), items.get(b)) {
            (Some(x), Some(y)) => cmp(x, y),
            _ => Ordering::Equal,
        });
    }
    permute(v, &mut idx);
}

/// Stable merge sort of `idx` by `cmp`: insertion-sorted runs of 8, then merged pairwise.
fn order(idx: &mut Vec<usize>, cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    const RUN: usize = 8;
    let n = idx.len();
    for chunk in idx.chunks_mut(RUN) {
        for i in 1..chunk.len() {
            let mut j = i;
            while j > 0 && cmp(chunk[j - 1], chunk[j]) == Ordering::Greater {
                chunk.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    let mut buf: Vec<usize> = Vec::with_capacity(n);
    let mut width = RUN;
    while width < n {
        buf.clear();
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut a, mut b) = (lo, mid);
            while a < mid && b < hi {
                // Take from the right only when strictly smaller: stability.
                if cmp(idx[b], idx[a]) == Ordering::Less {
                    buf.push(idx[b]);
                    b += 1;
                } else {
                    buf.push(idx[a]);
                    a += 1;
                }
            }
            buf.extend_from_slice(&idx[a..mid]);
            buf.extend_from_slice(&idx[b..hi]);
            lo = hi;
        }
        core::mem::swap(idx, &mut buf);
        width *= 2;
    }
}

/// Rearranges `v` so that position k holds what was at `idx[k]` (cycle by cycle, in place).
fn permute<T>(v: &mut [T], idx: &mut [usize]) {
    for start in 0..idx.len() {
        let mut cur = start;
        loop {
            let next = idx[cur];
            idx[cur] = cur;
            if next == start || next == cur {
                break;
            }
            v.swap(cur, next);
            cur = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Native only: proptest is a native-only dev-dependency.
    #[cfg(not(target_arch = "wasm32"))]
    mod same_as_std {
        use super::super::sort_by;
        use proptest::prelude::*;

        proptest! {
            /// The same order as the standard library's stable sort, ties included.
            #[test]
            fn same_as_std_stable(v in proptest::collection::vec((0u8..6, any::<u16>()), 0..200)) {
                let mut ours = v.clone();
                sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
                let mut std = v;
                std.sort_by(|a, b| a.0.cmp(&b.0));
                prop_assert_eq!(ours, std);
            }
        }
    }

    #[test]
    fn long_inputs_sorted() {
        let mut v: Vec<u32> = (0..10_000u32)
            .map(|i| i.wrapping_mul(2_654_435_761) % 1000)
            .collect();
        let mut want = v.clone();
        want.sort();
        sort_by(&mut v, |a, b| a.cmp(b));
        assert_eq!(v, want);
    }
}
