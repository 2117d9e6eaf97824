//! Change tracking across records: who changed what in a CloudFront configuration.
//!
//! An `UpdateDistribution` record carries the whole new configuration; the one before it is in
//! an earlier record (a creation, a config read, an earlier update). While a log or stream is
//! read, the [`Tracker`] keeps the last known configuration of each CloudFront resource, keyed by
//! (account, resource type, id), as compact flat text ([`config`]), and compares every later
//! configuration-carrying record with it: the changed keys, each with its value before and after,
//! and change flags ([`flags`]) no single record can prove.
//!
//! Rules (docs/SCHEMA.md, "Change tracking"):
//! - Only successful CloudFront calls that carry a configuration are tracked: creations and
//!   updates (the request's configuration, else the response's), config reads and copies (the
//!   response's). A failed call changed nothing; a `Delete` forgets the resource.
//! - Order is `eventTime`. A record older than the known state is `out_of_order`: no change
//!   claims, and the known state stays. Equal times count as in order (input order decides).
//!   A record without a readable `eventTime` is not tracked.
//! - Without an earlier state (the first record of a resource, or one evicted) the record is
//!   `first_seen`: no change claims, its configuration becomes the known state.
//! - Memory is bounded: at most `track_max_resources` resources and [`MAX_BYTES`] of stored
//!   text, the least recently used evicted first.
//!
//! The per-record `transform` has no history and does not track.

pub(crate) mod config;
pub(crate) mod flags;
pub(crate) mod write;

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::enrich::{Facts, Outcome};
use crate::fields::{Fields, F};
use crate::json;
use config::Diff;

/// The stored text (configurations, keys, event names) is kept under this many bytes; past it,
/// the least recently used resources are evicted. A configuration larger than this alone is not
/// stored (its resource stays unknown).
pub(crate) const MAX_BYTES: usize = 32 << 20;
/// At most this many entries in `cloudfront.change.diff`; past it, `diff_truncated`.
pub(crate) const MAX_DIFF: usize = 100;
/// A string value in the diff or the flag evidence is cut to this many bytes of text (at a
/// character boundary) followed by `…`.
pub(crate) const MAX_VALUE_BYTES: usize = 1024;
/// The default of `Options::track_max_resources`.
pub(crate) const DEFAULT_MAX_RESOURCES: usize = 10_000;

/// The keys change tracking writes in the flat profile (for docs/SCHEMA.md and the key test).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) static KEYS: &[crate::enrich::Key] = &[
    crate::enrich::Key { name: "cloudfront.change.resource_type", meaning: "the tracked resource's type: `distribution`, `cache_policy`, `origin_request_policy`, `response_headers_policy`, `function`, `origin_access_control`, ... (table below)" },
    crate::enrich::Key { name: "cloudfront.change.resource_id", meaning: "its id (a function's name), as in the matching `cloudfront.*.id` key" },
    crate::enrich::Key { name: "cloudfront.change.state", meaning: "`changed`, `unchanged`, `first_seen` (no earlier state known: no change claims) or `out_of_order` (the record is older than the known state: no change claims)" },
    crate::enrich::Key { name: "cloudfront.change.previous.event_id", meaning: "eventID of the record the before-state came from (`changed` and `unchanged` only)" },
    crate::enrich::Key { name: "cloudfront.change.previous.event_time", meaning: "its eventTime, as `@timestamp` writes it" },
    crate::enrich::Key { name: "cloudfront.change.previous.event_name", meaning: "its eventName" },
    crate::enrich::Key { name: "cloudfront.change.fields", meaning: "every changed key (`changed` only), flat and relative to the configuration object, array elements by index (`logging.enabled`, `origins.items.1.domainName`), in key order (indices numerically)" },
    crate::enrich::Key { name: "cloudfront.change.diff", meaning: "the first 100 changes as `{\"key\", \"before\", \"after\"}` with JSON values; `before` absent for an added key, `after` for a removed one; a string longer than 1024 bytes is cut to 1024 bytes followed by `…`" },
    crate::enrich::Key { name: "cloudfront.change.diff_truncated", meaning: "`true` when there were more than 100 changes (`fields` still lists them all)" },
    crate::enrich::Key { name: "cloudfront.change.flags", meaning: "the change flags raised (table below), distributions only" },
    crate::enrich::Key { name: "cloudfront.change.flag_details", meaning: "one object per flag, in the same order, shaped as `cloudfront.risk_details`: `flag`, `severity`, `kind` (`diff`) and `evidence`, the keys that raised it as diff entries `{\"key\", \"before\", \"after\"}`" },
];

/// A CloudFront resource type that carries a configuration object.
struct Kind {
    /// `cloudfront.change.resource_type`.
    rtype: &'static str,
    /// The resource noun of its actions (`CachePolicy` in `UpdateCachePolicy`).
    noun: &'static str,
    /// The `Facts::cloudfront` key holding its id (src/enrich/cloudfront_resources.rs).
    id_key: &'static str,
    /// The configuration member (`cachePolicyConfig`).
    config: &'static str,
    /// The request member wrapping the configuration with tags, if any.
    with_tags: &'static str,
    /// The response member holding the resource (`cachePolicy`), with the configuration inside.
    wrapper: &'static str,
}

const fn k(rtype: &'static str, noun: &'static str, id_key: &'static str, config: &'static str, with_tags: &'static str, wrapper: &'static str) -> Kind {
    Kind { rtype, noun, id_key, config, with_tags, wrapper }
}

/// Sorted by noun; checked by a test.
const KINDS: &[Kind] = &[
    k("cache_policy", "CachePolicy", "cloudfront.cache_policy.id", "cachePolicyConfig", "", "cachePolicy"),
    k("origin_access_identity", "CloudFrontOriginAccessIdentity", "cloudfront.origin_access_identity.id", "cloudFrontOriginAccessIdentityConfig", "", "cloudFrontOriginAccessIdentity"),
    k("continuous_deployment_policy", "ContinuousDeploymentPolicy", "cloudfront.continuous_deployment_policy.id", "continuousDeploymentPolicyConfig", "", "continuousDeploymentPolicy"),
    k("distribution", "Distribution", "cloudfront.distribution.id", "distributionConfig", "distributionConfigWithTags", "distribution"),
    k("field_level_encryption", "FieldLevelEncryption", "cloudfront.field_level_encryption_config.id", "fieldLevelEncryptionConfig", "", "fieldLevelEncryption"),
    k("field_level_encryption_profile", "FieldLevelEncryptionProfile", "cloudfront.field_level_encryption_profile.id", "fieldLevelEncryptionProfileConfig", "", "fieldLevelEncryptionProfile"),
    k("function", "Function", "cloudfront.function.name", "functionConfig", "", "functionSummary"),
    k("key_group", "KeyGroup", "cloudfront.key_group.id", "keyGroupConfig", "", "keyGroup"),
    k("origin_access_control", "OriginAccessControl", "cloudfront.origin_access_control.id", "originAccessControlConfig", "", "originAccessControl"),
    k("origin_request_policy", "OriginRequestPolicy", "cloudfront.origin_request_policy.id", "originRequestPolicyConfig", "", "originRequestPolicy"),
    k("public_key", "PublicKey", "cloudfront.public_key.id", "publicKeyConfig", "", "publicKey"),
    k("response_headers_policy", "ResponseHeadersPolicy", "cloudfront.response_headers_policy.id", "responseHeadersPolicyConfig", "", "responseHeadersPolicy"),
    k("streaming_distribution", "StreamingDistribution", "cloudfront.streaming_distribution.id", "streamingDistributionConfig", "streamingDistributionConfigWithTags", "streamingDistribution"),
    k("vpc_origin", "VpcOrigin", "cloudfront.vpc_origin.id", "vpcOriginEndpointConfig", "", "vpcOrigin"),
];

/// The resource types tracked as (type, configuration member, id key) (for docs/SCHEMA.md).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    KINDS.iter().map(|k| (k.rtype, k.config, k.id_key)).collect()
}

/// The rules, for docs/SCHEMA.md (the tables follow there).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const DOC: &str = "
## Change tracking (`cloudfront.change.*`)

While a log or stream is read (`transform_log`/`transformLog`, `transform_log_to_ndjson`, the
`Splitter`, `createTransformStream`, the CLI), the last known configuration of each CloudFront
resource is kept, keyed by (account, resource type, id); the account is `recipientAccountId`,
else `userIdentity.accountId`. Every later record that carries a configuration of the resource
is compared with it. On by default; `track: false` (CLI `--no-track`) or `enrich: false` turns it
off. The one-record `transform` has no history: it never writes these keys (the state flags in
`cloudfront.risk` still say what one record proves); neither does the Fluent Bit filter (it
returns what `transform` returns). The Lambda handler tracks within each object (an invocation
keeps no history across objects); `TRAIL_OPTIONS` `{\"track\":false}` turns it off (docs/LAMBDA.md).

- **What carries a configuration**: successful CloudFront calls only (a failed call changed
  nothing). `Create*` and `Update*`: the request's configuration (`requestParameters.<config>`,
  or inside `...WithTags`), else the response's. `Get*`/`Describe*` (config reads) and `Copy*`:
  the response's (`responseElements.<config>`, or inside the resource object, e.g.
  `responseElements.distribution.distributionConfig`). An empty object (CloudTrail blanks some
  responses to `{}`) is no configuration. A successful `Delete*` forgets the resource and gets no
  keys. Records carrying no configuration get no `cloudfront.change.*` keys.
- **Order** is `eventTime`. A record older than the known state is `out_of_order`: no change
  claims, and the known state stays. Equal times count as in order (input order decides). A
  record without a readable `eventTime` is not tracked.
- **Unknown earlier state** (the first record of a resource, or one evicted from memory, or a
  splitter restored from a checkpoint): `first_seen`, no change claims; its configuration
  becomes the known state.
- `changed`/`unchanged` compare the whole configuration, flattened to keys relative to the
  configuration object (array elements by index). A change made by a call that carries no
  configuration (`AssociateAlias`, a web ACL set through WAF) shows on the next record that
  carries one, which is then `changed` (a config read too: its `previous` names the record the
  known state came from).
- **Memory**: the known configurations are kept as compact flat text (`key<TAB>value` lines),
  at most `trackMaxResources` resources (default 10,000) and 32 MiB of text in all, the least
  recently used evicted first; a configuration larger than that alone is not kept.
- **Caps**: `cloudfront.change.diff` holds the first 100 changes (`diff_truncated: true` past
  that; `fields` lists every changed key); a string value in `diff` or in flag evidence longer
  than 1024 bytes is cut to its first 1024 bytes (at a character boundary) followed by `…`.
- **Profiles**: `ecs` writes the same object under `aws.cloudfront.change` (diff and evidence
  values as text, like `aws.cloudfront.risk_details`); `ocsf` writes it as the `data` of an
  enrichment `{\"name\": \"resources.uid\", \"value\": <resource_id>, \"type\": \"cloudfront.change\"}`.
";

/// What a call does to the tracked state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    /// Creation or update: the request's configuration, else the response's.
    Write,
    /// A read or copy: the response's configuration.
    Read,
    Delete,
}

/// The verb and kind of a CloudFront action (`UpdateDistributionWithStagingConfig` →
/// (Read, distribution): its response holds the primary's new configuration).
fn classify(action: &str) -> Option<(Op, &'static Kind)> {
    const VERBS: &[(&str, Op)] = &[("Create", Op::Write), ("Update", Op::Write), ("Get", Op::Read), ("Describe", Op::Read), ("Copy", Op::Read), ("Delete", Op::Delete)];
    let (mut op, rest) = VERBS.iter().find_map(|(v, op)| action.strip_prefix(v).map(|r| (*op, r)))?;
    let noun = ["WithStagingConfig", "WithTags", "Config"].iter().find_map(|s| rest.strip_suffix(s)).unwrap_or(rest);
    if rest.ends_with("WithStagingConfig") {
        op = Op::Read;
    }
    let i = KINDS.binary_search_by(|k| k.noun.cmp(noun)).ok()?;
    Some((op, &KINDS[i]))
}

/// `cloudfront.change.state`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum State {
    Changed,
    Unchanged,
    FirstSeen,
    OutOfOrder,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Changed => "changed",
            State::Unchanged => "unchanged",
            State::FirstSeen => "first_seen",
            State::OutOfOrder => "out_of_order",
        }
    }
}

/// The record the before-state came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Previous {
    pub event_id: Option<String>,
    /// As `@timestamp` writes it (RFC 3339 UTC).
    pub event_time: Option<String>,
    pub event_name: Option<String>,
}

/// What the tracker found for one record (`cloudfront.change.*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub resource_type: &'static str,
    pub resource_id: String,
    pub state: State,
    /// For `changed` and `unchanged`.
    pub previous: Option<Previous>,
    /// Every change, in key order, values as they are (capped when written: [`cap`]).
    pub changes: Vec<Diff>,
    pub flags: Vec<flags::Flag>,
}

impl Change {
    /// `cloudfront.change.diff`: the first [`MAX_DIFF`] changes.
    pub(crate) fn diff(&self) -> &[Diff] {
        &self.changes[..self.changes.len().min(MAX_DIFF)]
    }

    pub(crate) fn diff_truncated(&self) -> bool {
        self.changes.len() > MAX_DIFF
    }
}

/// One tracked resource.
struct Entry {
    /// Position in the use order (`Tracker::order`).
    tick: u64,
    /// eventTime of the record the state came from, in ms since the epoch.
    time_ms: i64,
    previous: Previous,
    /// The configuration as flat text ([`config`]).
    config: String,
}

impl Entry {
    fn bytes(&self, key: &str) -> usize {
        // The key is held twice (the map and the use order); a fixed share for the nodes.
        let p = &self.previous;
        // Capacities, not lengths: what the allocator holds.
        2 * key.len() + self.config.capacity() + [&p.event_id, &p.event_time, &p.event_name].iter().map(|s| s.as_ref().map_or(0, String::capacity)).sum::<usize>() + 96
    }
}

/// The last known configuration of each resource, least recently used evicted first.
pub(crate) struct Tracker {
    max_resources: usize,
    max_bytes: usize,
    bytes: usize,
    tick: u64,
    /// (account, type, id) joined by U+001F → entry.
    entries: BTreeMap<String, Entry>,
    /// tick → key, oldest first.
    order: BTreeMap<u64, String>,
}

impl Tracker {
    pub(crate) fn new(max_resources: usize) -> Tracker {
        Tracker::with_limits(max_resources, MAX_BYTES)
    }

    pub(crate) fn with_limits(max_resources: usize, max_bytes: usize) -> Tracker {
        Tracker { max_resources, max_bytes, bytes: 0, tick: 0, entries: BTreeMap::new(), order: BTreeMap::new() }
    }

    /// Takes over `other`'s known state (leaving it empty), keeping this tracker's own caps.
    pub(crate) fn adopt(&mut self, other: &mut Tracker) {
        let mut taken = core::mem::replace(other, Tracker::with_limits(other.max_resources, other.max_bytes));
        // Oldest first, so the use order carries over.
        while let Some((_, key)) = taken.order.pop_first() {
            if let Some(e) = taken.entries.remove(&key) {
                self.remove(&key);
                self.insert(key, e);
            }
        }
    }

    /// Resources tracked now.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Bytes of stored text now, as counted against the byte cap.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Looks at one enriched record: updates the known state and says what changed, or None
    /// when the record carries no tracked configuration.
    pub(crate) fn observe(&mut self, fields: &Fields<'_>, facts: &Facts<'_>) -> Option<Change> {
        // The cheap tests first: most records are not CloudFront configuration calls.
        if facts.provider.as_deref() != Some("cloudfront.amazonaws.com") || facts.outcome == Some(Outcome::Failure) {
            return None;
        }
        let (op, kind) = classify(facts.action.as_deref()?)?;
        let id = facts.cloudfront.iter().find(|(k, _)| *k == kind.id_key).map(|(_, v)| v.as_str())?;
        let account = fields.text(F::RecipientAccountId).or_else(|| facts.account_id.clone()).unwrap_or_default();
        let mut key = String::with_capacity(account.len() + kind.rtype.len() + id.len() + 2);
        for (i, part) in [&*account, kind.rtype, id].iter().enumerate() {
            if i > 0 {
                key.push('\u{1f}');
            }
            key.push_str(part);
        }
        if op == Op::Delete {
            self.remove(&key);
            return None;
        }
        let time_ms = facts.epoch_ms?;
        let text = config_of(fields, kind, op).and_then(config::flatten)?;
        let change = |state, previous| Change {
            resource_type: kind.rtype,
            resource_id: String::from(id),
            state,
            previous,
            changes: Vec::new(),
            flags: Vec::new(),
        };
        let this = Previous {
            event_id: fields.text(F::EventId).map(|s| s.into_owned()),
            event_time: facts.timestamp.clone(),
            event_name: fields.text(F::EventName).map(|s| s.into_owned()),
        };
        let Some(known) = self.entries.get(&key) else {
            self.insert(key, Entry { tick: 0, time_ms, previous: this, config: text });
            return Some(change(State::FirstSeen, None));
        };
        if time_ms < known.time_ms {
            // The known state is newer: this record says nothing about a change.
            let tick = known.tick;
            self.touch(&key, tick);
            return Some(change(State::OutOfOrder, None));
        }
        let mut out = change(State::Unchanged, Some(known.previous.clone()));
        if known.config != text {
            out.state = State::Changed;
            let (changes, lines) = config::diff(&known.config, &text);
            out.changes = changes;
            if kind.rtype == "distribution" {
                let (old, new) = lines.as_ref().map_or((None, None), |(o, n)| (Some(&o[..]), Some(&n[..])));
                out.flags = flags::distribution(&flags::kept(&known.config, old), &flags::kept(&text, new));
            }
        }
        self.remove(&key);
        self.insert(key, Entry { tick: 0, time_ms, previous: this, config: text });
        Some(out)
    }

    fn remove(&mut self, key: &str) {
        if let Some(e) = self.entries.remove(key) {
            self.bytes -= e.bytes(key);
            self.order.remove(&e.tick);
        }
    }

    fn touch(&mut self, key: &str, old_tick: u64) {
        self.tick += 1;
        let tick = self.tick;
        if let (Some(e), Some(k)) = (self.entries.get_mut(key), self.order.remove(&old_tick)) {
            e.tick = tick;
            self.order.insert(tick, k);
        }
    }

    fn insert(&mut self, key: String, mut e: Entry) {
        // `flatten` sizes its buffer generously; what is kept holds only the text.
        e.config.shrink_to_fit();
        let size = e.bytes(&key);
        if size > self.max_bytes || self.max_resources == 0 {
            return;
        }
        while self.entries.len() >= self.max_resources || self.bytes + size > self.max_bytes {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            if let Some(old) = self.entries.remove(&oldest) {
                self.bytes -= old.bytes(&oldest);
            }
        }
        self.tick += 1;
        e.tick = self.tick;
        self.bytes += size;
        self.order.insert(self.tick, key.clone());
        self.entries.insert(key, e);
    }
}

/// The configuration object a record carries for `kind`, by the rules above.
fn config_of<'a>(fields: &Fields<'a>, kind: &Kind, op: Op) -> Option<&'a [u8]> {
    let nonempty = |v: &&[u8]| v.first() == Some(&b'{') && v.len() > 2;
    let from_request = || {
        let req = fields.raw(F::RequestParameters).filter(|r| r.first() == Some(&b'{'))?;
        json::get(req, &[kind.config])
            .or_else(|| (!kind.with_tags.is_empty()).then(|| json::get(req, &[kind.with_tags, kind.config])).flatten())
            .filter(nonempty)
    };
    let from_response = || {
        let resp = fields.raw(F::ResponseElements).filter(|r| r.first() == Some(&b'{'))?;
        json::get(resp, &[kind.wrapper, kind.config]).or_else(|| json::get(resp, &[kind.config])).filter(nonempty)
    };
    match op {
        Op::Write => from_request().or_else(from_response),
        Op::Read => from_response(),
        Op::Delete => None,
    }
}

/// A diff or evidence value as written: a string longer than [`MAX_VALUE_BYTES`] cut (at a
/// character boundary) and marked with `…`; anything else as it is.
#[inline(never)]
pub(crate) fn cap(v: &str) -> Cow<'_, str> {
    if v.len() > MAX_VALUE_BYTES + 2 && v.starts_with('"') {
        if let Some(s) = json::as_str(v.as_bytes()) {
            if s.len() > MAX_VALUE_BYTES {
                let mut end = MAX_VALUE_BYTES;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                let mut out = Vec::with_capacity(end + 8);
                let mut cut = String::from(&s[..end]);
                cut.push('…');
                json::write_str(&mut out, &cut);
                return Cow::Owned(String::from_utf8(out).unwrap_or_default());
            }
        }
    }
    Cow::Borrowed(v)
}

#[cfg(test)]
mod tests;
