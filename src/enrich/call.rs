//! What the call alone decides — the pair (provider, action), i.e. eventSource and eventName —
//! worked out once per pair and remembered: the service name (`provider`) and the verb row, data
//! plane, sign-in and IAM tests (`verb`). A log repeats a few dozen calls record after record,
//! and these lookups (a binary search of the verb table, the data-plane and alias tables) cost
//! ~800 instructions a record (callgrind, shaped-mix) against ~100 for a cache hit.
//!
//! The answers are a pure function of the pair, so a remembered answer is the same answer; the
//! record-dependent parts (readOnly, eventCategory, the region) are still read per record.
//! Bounded: `SLOTS` entries, direct-mapped, keys of at most `KEY_MAX` bytes (longer pairs are
//! worked out every time).

use alloc::string::String;
use alloc::vec::Vec;

use super::{provider, verb};

/// What the pair decides (in `Facts::call`, set by `provider`, read by `verb`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Call {
    /// `cloud.service.name`, as [`provider::service_info`] gives it.
    pub service: provider::Service,
    /// The service is one of the global ones (its region is us-east-1).
    pub global: bool,
    pub verb: verb::Static,
}

impl Call {
    fn of(provider: Option<&str>, action: &str) -> Call {
        let (service, global) = provider.map_or((provider::Service::None, false), provider::service_info);
        Call { service, global, verb: verb::statics(action, provider) }
    }
}

/// 128 sets of two ways: a log's few dozen pairs rarely meet three in one set (direct-mapped,
/// two frequent pairs sharing a slot evicted each other: 229 misses for 33 pairs on shaped-mix).
const SLOTS: usize = 256;
const KEY_MAX: usize = 256;

/// One remembered pair: `key` is the provider's text then the action's, `split` where the
/// action starts, `has_provider` tells an empty provider from none.
#[derive(Default)]
struct Slot {
    key: String,
    split: usize,
    has_provider: bool,
    call: Call,
}

impl Slot {
    fn holds(&self, provider: Option<&str>, action: &str) -> bool {
        let p = provider.unwrap_or_default();
        self.has_provider == provider.is_some()
            && self.split == p.len()
            && self.key.len() == p.len() + action.len()
            && !self.key.is_empty()
            && self.key.as_bytes()[..p.len()] == *p.as_bytes()
            && self.key.as_bytes()[p.len()..] == *action.as_bytes()
    }
}

/// [`Call::of`], remembered (see the module notes).
pub(crate) fn lookup(provider: Option<&str>, action: &str) -> Call {
    std::thread_local! {
        static CACHE: core::cell::RefCell<Vec<Slot>> = const { core::cell::RefCell::new(Vec::new()) };
    }
    let p = provider.unwrap_or_default();
    // (An empty slot's key is empty: a pair with no text at all is never looked up.)
    if p.len() + action.len() > KEY_MAX || p.len() + action.len() == 0 {
        return Call::of(provider, action);
    }
    CACHE.with(|cache| {
        let mut c = cache.borrow_mut();
        if c.is_empty() {
            c.resize_with(SLOTS, Slot::default);
        }
        // The set's two ways, the one used last first: a hit in the second way swaps them, a
        // miss evicts the second way (least recently used).
        let i = slot_of(p.as_bytes(), action.as_bytes()) & !1;
        if c[i].holds(provider, action) {
            return c[i].call;
        }
        c.swap(i, i + 1);
        if !c[i].holds(provider, action) {
            let s = &mut c[i];
            s.key.clear();
            s.key.push_str(p);
            s.key.push_str(action);
            s.split = p.len();
            s.has_provider = provider.is_some();
            s.call = Call::of(provider, action);
        }
        c[i].call
    })
}

/// The slot of a pair: its lengths and its first and last (up to) eight bytes of each, mixed. A
/// collision only costs working the answer out again.
fn slot_of(p: &[u8], a: &[u8]) -> usize {
    let word = |b: &[u8], from_end: bool| -> u64 {
        let n = b.len().min(8);
        let mut w = [0u8; 8];
        w[..n].copy_from_slice(if from_end { &b[b.len() - n..] } else { &b[..n] });
        u64::from_le_bytes(w)
    };
    let mut h = (p.len() as u64) << 32 | a.len() as u64;
    for w in [word(a, false), word(a, true), word(p, false)] {
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    (h >> 56) as usize % SLOTS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached answer equals a fresh one for every pair, whatever was looked up before it
    /// (pairs that share a slot, providers that differ only by being absent or empty).
    #[test]
    fn cached_answers_are_fresh_answers() {
        let providers = [None, Some(""), Some("cloudfront.amazonaws.com"), Some("iam.amazonaws.com"), Some("s3.amazonaws.com"), Some("sts.amazonaws.com"), Some("dynamodb.amazonaws.com"), Some("edgekeyvaluestore.amazonaws.com"), Some("monitoring.amazonaws.com")];
        let actions = ["", "GetObject", "PutObject", "UpdateDistribution", "CreateUser", "AssumeRole", "ConsoleLogin", "TagResource", "ListBuckets", "GetItem", "Frobnicate", "BatchGetItem", "DeleteUserPolicy"];
        let mut seen = 0;
        for round in 0..3 {
            for (i, p) in providers.iter().enumerate() {
                for (j, a) in actions.iter().enumerate() {
                    // Different orders each round, so entries are evicted and refilled.
                    let (p, a) = if round == 1 { (providers[(i + j) % providers.len()], actions[(j * 7 + i) % actions.len()]) } else { (*p, *a) };
                    assert_eq!(lookup(p, a), Call::of(p, a), "{p:?} {a:?}");
                    seen += 1;
                }
            }
        }
        assert!(seen > 300);
        // A long pair is not cached and still answered.
        let long = "Get".repeat(200);
        assert_eq!(lookup(Some("s3.amazonaws.com"), &long), Call::of(Some("s3.amazonaws.com"), &long));
    }

    /// The key keeps the split: ("ab", "c") and ("a", "bc") are different pairs.
    #[test]
    fn split_is_part_of_the_key() {
        let a = Slot { key: String::from("iam.amazonaws.comCreateUser"), split: 17, has_provider: true, call: Call::default() };
        assert!(a.holds(Some("iam.amazonaws.com"), "CreateUser"));
        assert!(!a.holds(Some("iam.amazonaws.comC"), "reateUser"));
        assert!(!a.holds(None, "iam.amazonaws.comCreateUser"));
        let b = Slot { key: String::from("X"), split: 0, has_provider: false, call: Call::default() };
        assert!(b.holds(None, "X") && !b.holds(Some(""), "X"));
    }
}
