//! How a [`Change`] is written: flat keys for the flat profile, one object for the nested ones
//! (ECS `aws.cloudfront.change`, OCSF's `cloudfront.change` enrichment `data`).

use alloc::vec::Vec;

use super::{config::Diff, flags::Flag, Change, State};
use crate::json;
use crate::profiles::ObjWriter;

/// How diff values are written: as their JSON value, or (ECS) always as text, because
/// Elasticsearch maps a field from the first document holding it and `before` takes strings,
/// booleans and numbers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Values {
    Json,
    Text,
}

/// The flat profile's `cloudfront.change.*` keys.
pub(crate) fn flat(w: &mut ObjWriter<'_>, c: &Change) {
    w.str("cloudfront.change.resource_type", c.resource_type);
    w.str("cloudfront.change.resource_id", &c.resource_id);
    w.str("cloudfront.change.state", c.state.as_str());
    if let Some(p) = &c.previous {
        w.opt_str("cloudfront.change.previous.event_id", p.event_id.as_deref());
        w.opt_str("cloudfront.change.previous.event_time", p.event_time.as_deref());
        w.opt_str("cloudfront.change.previous.event_name", p.event_name.as_deref());
    }
    if c.state != State::Changed {
        return;
    }
    w.str_array("cloudfront.change.fields", c.changes.iter().map(|d| &d.key));
    w.key("cloudfront.change.diff");
    diff(w.out, c.diff(), Values::Json);
    if c.diff_truncated() {
        w.bool("cloudfront.change.diff_truncated", true);
    }
    if !c.flags.is_empty() {
        w.str_array("cloudfront.change.flags", c.flags.iter().map(|f| f.flag));
        w.key("cloudfront.change.flag_details");
        flag_details(w.out, &c.flags, Values::Json);
    }
}

/// The same as one JSON object (members named as the flat keys after `cloudfront.change.`).
pub(crate) fn object(out: &mut Vec<u8>, c: &Change, values: Values) {
    out.push(b'{');
    let mut w = ObjWriter { out, first: true };
    w.str("resource_type", c.resource_type);
    w.str("resource_id", &c.resource_id);
    w.str("state", c.state.as_str());
    if let Some(p) = &c.previous {
        w.key("previous");
        w.out.push(b'{');
        let mut pw = ObjWriter { out: w.out, first: true };
        pw.opt_str("event_id", p.event_id.as_deref());
        pw.opt_str("event_time", p.event_time.as_deref());
        pw.opt_str("event_name", p.event_name.as_deref());
        w.out.push(b'}');
    }
    if c.state == State::Changed {
        w.str_array("fields", c.changes.iter().map(|d| &d.key));
        w.key("diff");
        diff(w.out, c.diff(), values);
        if c.diff_truncated() {
            w.bool("diff_truncated", true);
        }
        if !c.flags.is_empty() {
            w.str_array("flags", c.flags.iter().map(|f| f.flag));
            w.key("flag_details");
            flag_details(w.out, &c.flags, values);
        }
    }
    out.push(b'}');
}

/// `[{"key":..,"before":..,"after":..}]`, `before`/`after` left out where the key was absent,
/// long strings cut ([`cap`](super::cap)).
pub(crate) fn diff(out: &mut Vec<u8>, diffs: &[Diff], values: Values) {
    out.push(b'[');
    for (i, d) in diffs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"key\":");
        json::write_str(out, &d.key);
        for (name, v) in [(&b",\"before\":"[..], &d.before), (b",\"after\":", &d.after)] {
            if let Some(v) = v {
                out.extend_from_slice(name);
                value(out, &super::cap(v), values);
            }
        }
        out.push(b'}');
    }
    out.push(b']');
}

fn value(out: &mut Vec<u8>, v: &str, values: Values) {
    match values {
        Values::Json => out.extend_from_slice(v.as_bytes()),
        Values::Text => match json::as_text(v.as_bytes()) {
            Some(t) if v.starts_with('"') => json::write_str(out, &t),
            // Other scalars and containers as their JSON text.
            _ => json::write_str(out, v),
        },
    }
}

/// `cloudfront.change.flag_details`: the shape of `cloudfront.risk_details`, kind `diff`, the
/// evidence as diff entries.
pub(crate) fn flag_details(out: &mut Vec<u8>, flags: &[Flag], values: Values) {
    out.push(b'[');
    for (i, f) in flags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        crate::enrich::write_flag_head(out, f.flag, f.severity, "diff");
        diff(out, &f.evidence, values);
        out.push(b'}');
    }
    out.push(b']');
}
