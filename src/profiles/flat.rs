//! The flat profile: the record's own dotted keys (written by flatten) followed by the
//! enrichment keys. These key names are the contract documented in docs/SCHEMA.md.

use crate::enrich::Facts;
use crate::profiles::ObjWriter;

/// `,"name":` for a key of this profile (the comma dropped for an object's first key): the key
/// and its punctuation are one constant, written by one short copy.
macro_rules! key {
    ($name:literal) => {
        concat!(",\"", $name, "\":").as_bytes()
    };
}

// Inlined natively (the copy of a constant key becomes a few moves); one shared copy in the wasm,
// where ~45 inlined copies cost more size than they save time.
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn key(w: &mut ObjWriter<'_>, lit: &'static [u8]) {
    crate::json::put(w.out, if w.first { &lit[1..] } else { lit });
    w.first = false;
}

#[inline(always)]
fn str(w: &mut ObjWriter<'_>, lit: &'static [u8], v: &str) {
    key(w, lit);
    crate::json::write_str(w.out, v);
}

#[inline(always)]
fn opt_str(w: &mut ObjWriter<'_>, lit: &'static [u8], v: Option<&str>) {
    if let Some(v) = v {
        str(w, lit, v);
    }
}

#[inline(always)]
fn bool(w: &mut ObjWriter<'_>, lit: &'static [u8], v: bool) {
    key(w, lit);
    crate::json::put(w.out, if v { b"true" } else { b"false" });
}

#[inline(always)]
fn opt_bool(w: &mut ObjWriter<'_>, lit: &'static [u8], v: Option<bool>) {
    if let Some(v) = v {
        bool(w, lit, v);
    }
}

/// A value from this crate's own tables (a plain ASCII name: nothing to escape, as for the keys)
/// copied without the escape check `write_str` makes of record data.
#[inline(always)]
fn static_str(w: &mut ObjWriter<'_>, lit: &'static [u8], v: &'static str) {
    key(w, lit);
    push_static(w.out, v);
}

fn push_static(out: &mut alloc::vec::Vec<u8>, v: &'static str) {
    debug_assert!(crate::profiles::plain_key(v), "{v}");
    out.push(b'"');
    crate::json::put(out, v.as_bytes());
    out.push(b'"');
}

/// An array of [`static_str`] values (`event.type`, `event.category`).
fn static_array(w: &mut ObjWriter<'_>, lit: &'static [u8], items: &[&'static str]) {
    key(w, lit);
    w.out.push(b'[');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            w.out.push(b',');
        }
        push_static(w.out, v);
    }
    w.out.push(b']');
}

fn str_array<S: AsRef<str>>(w: &mut ObjWriter<'_>, lit: &'static [u8], items: impl IntoIterator<Item = S>) {
    key(w, lit);
    crate::json::write_str_array(w.out, items);
}

/// Appends the enrichment keys for `facts`.
pub(crate) fn write_facts(w: &mut ObjWriter<'_>, f: &Facts<'_>) {
    if f.not_cloudtrail {
        // Not a CloudTrail record: nothing it does not show, only why it was not enriched.
        str(w, key!("event.kind"), "pipeline_error");
        str(w, key!("error.type"), "not_cloudtrail");
        opt_str(w, key!("error.message"), f.error_message.as_deref());
        return;
    }
    opt_str(w, key!("@timestamp"), f.timestamp.as_deref());
    opt_str(w, key!("event.action"), f.action.as_deref());
    opt_str(w, key!("cloudtrail.api_version"), f.api_version.as_deref());
    opt_str(w, key!("event.provider"), f.provider.as_deref());
    if f.provider_inferred {
        bool(w, key!("cloudtrail.provider_inferred"), true);
    }
    static_str(w, key!("cloud.provider"), "aws");
    opt_str(w, key!("cloud.account.id"), f.account_id.as_deref());
    opt_str(w, key!("cloud.region"), f.region.as_deref());
    opt_str(w, key!("cloud.service.name"), f.service.as_deref());
    if let Some(o) = f.outcome {
        static_str(w, key!("event.outcome"), o.as_str());
    }
    opt_str(w, key!("error.code"), f.error_code.as_deref());
    opt_str(w, key!("error.message"), f.error_message.as_deref());
    if !f.event_type.is_empty() {
        static_array(w, key!("event.type"), f.event_type);
    }
    if !f.event_category.is_empty() {
        static_array(w, key!("event.category"), f.event_category);
    }
    opt_bool(w, key!("cloudtrail.read_only"), f.read_only);
    opt_str(w, key!("user.name"), f.user_name.as_deref());
    opt_str(w, key!("user.id"), f.user_id.as_deref());
    opt_str(w, key!("user.email"), f.user_email.as_deref());
    opt_str(w, key!("cloudtrail.role.name"), f.role_name.as_deref());
    opt_str(w, key!("cloudtrail.identity.type"), f.identity_type.as_deref());
    if let Some(t) = f.access_key_type {
        static_str(w, key!("cloudtrail.access_key_type"), t);
    }
    opt_bool(w, key!("cloudtrail.mfa_authenticated"), f.mfa_authenticated);
    opt_bool(w, key!("cloudtrail.console_session"), f.console_session);
    opt_str(w, key!("cloudtrail.session.created_at"), f.session_created.as_deref());
    opt_str(w, key!("source.address"), f.source_address.as_deref());
    opt_str(w, key!("source.ip"), f.source_ip.as_deref());
    if let Some(g) = &f.geo {
        write_geo(w, g);
    }
    opt_str(w, key!("user_agent.original"), f.ua_original.as_deref());
    opt_str(w, key!("user_agent.name"), f.ua_name.as_deref());
    opt_str(w, key!("user_agent.version"), f.ua_version.as_deref());
    if let Some(n) = f.ua_os_name {
        static_str(w, key!("user_agent.os.name"), n);
    }
    opt_str(w, key!("user_agent.os.version"), f.ua_os_version.as_deref());
    opt_str(w, key!("user_agent.os.full"), f.ua_os_full.as_deref());
    opt_str(w, key!("user_agent.device.name"), f.ua_device.as_deref());
    for (key, value) in &f.cloudfront {
        w.str(key, value);
    }
    if !f.invalidation_paths.is_empty() {
        str_array(w, key!("cloudfront.invalidation.paths"), &f.invalidation_paths);
    }
    if !f.risk.is_empty() {
        str_array(w, key!("cloudfront.risk"), f.risk.iter().map(|r| r.flag));
        key(w, key!("cloudfront.risk_details"));
        crate::enrich::write_risk_details(w.out, &f.risk);
    }
    if let Some(c) = &f.change {
        crate::track::write::flat(w, c);
    }
    opt_str(w, key!("cloudtrail.insight.event_name"), f.insight_event_name.as_deref());
    opt_str(w, key!("cloudtrail.insight.event_source"), f.insight_event_source.as_deref());
    opt_str(w, key!("cloudtrail.insight.type"), f.insight_type.as_deref());
    opt_str(w, key!("cloudtrail.insight.state"), f.insight_state.as_deref());
    if !f.errors.is_empty() {
        str_array(w, key!("enrich.errors"), &f.errors);
    }
}

/// Appends the marks of a salvaged record (docs/INPUTS.md, "Salvage").
pub(crate) fn write_marks(w: &mut ObjWriter<'_>, m: &crate::record::Marks) {
    w.bool("event.salvaged", true);
    if m.truncated {
        w.bool("event.salvage.truncated", true);
    }
    w.key("event.salvage.damages");
    crate::record::write_damages(w.out, &m.damages);
    w.str("event.original", &m.original);
}

/// `source.geo.*` and `source.as.*` (src/enrich/geo.rs).
fn write_geo(w: &mut ObjWriter<'_>, g: &crate::geoip::Geo) {
    w.opt_str("source.geo.continent_code", g.continent_code.as_deref());
    w.opt_str("source.geo.continent_name", g.continent_name.as_deref());
    w.opt_str("source.geo.country_iso_code", g.country_iso_code.as_deref());
    w.opt_str("source.geo.country_name", g.country_name.as_deref());
    w.opt_str("source.geo.region_iso_code", g.region_iso_code.as_deref());
    w.opt_str("source.geo.region_name", g.region_name.as_deref());
    w.opt_str("source.geo.city_name", g.city_name.as_deref());
    w.opt_str("source.geo.postal_code", g.postal_code.as_deref());
    w.opt_str("source.geo.timezone", g.timezone.as_deref());
    if let Some((lat, lon)) = g.location {
        w.key("source.geo.location.lat");
        crate::geoip::write_f64(w.out, lat);
        w.key("source.geo.location.lon");
        crate::geoip::write_f64(w.out, lon);
    }
    if let Some(n) = g.as_number {
        w.key("source.as.number");
        crate::json::write_int(w.out, i64::from(n));
    }
    w.opt_str("source.as.organization.name", g.as_organization.as_deref());
}

/// `factsMany` (the JS shim's batch of record objects, js/core.mjs `transformMany`): the views of
/// `input` (back to back, `ends` where each ends; see [`crate::fields::capture_spec`]) → `[facts,
/// ...]`, one element per view in order: the enrichment keys [`crate::record::Engine::facts`]
/// writes for it, or `null` where the view could not be read (the shim then takes that record
/// through the core route, which reports why). One crossing for a batch of views instead of one
/// per record.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn facts_many(engine: &mut crate::record::Engine, input: &[u8], ends: &[u32]) -> crate::Result<alloc::vec::Vec<u8>> {
    let mut out = alloc::vec::Vec::with_capacity(input.len() + input.len() / 2 + 2);
    out.push(b'[');
    for (i, view) in crate::record::spans(input, ends)?.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match engine.facts(view) {
            Ok(()) => out.extend_from_slice(&engine.out),
            Err(_) => out.extend_from_slice(b"null"),
        }
    }
    out.push(b']');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use crate::record::Engine;
    use crate::{ErrorKind, Options};

    /// One element per view, in order, each what `facts` writes for it alone; `null` for a view
    /// that cannot be read; bad spans are an input error.
    #[test]
    fn facts_many_equals_one_at_a_time() {
        let views: [&[u8]; 4] = [
            br#"{"eventVersion":"1.08","eventSource":"cloudfront.amazonaws.com","eventName":"GetDistribution","userIdentity":{"type":"IAMUser","userName":"bob"}}"#,
            b"{\"a\":",
            br#"{"eventName":"X","userAgent":"caf\u00e9"}"#,
            b"{}",
        ];
        let input: Vec<u8> = views.concat();
        let ends: Vec<u32> = views.iter().scan(0u32, |a, r| { *a += r.len() as u32; Some(*a) }).collect();
        let mut e = Engine::stateless(Options::default()).unwrap();
        let many: Vec<serde_json::Value> = serde_json::from_slice(&super::facts_many(&mut e, &input, &ends).unwrap()).unwrap();
        assert_eq!(many.len(), views.len());
        for (view, got) in views.iter().zip(&many) {
            match e.facts(view) {
                Ok(()) => assert_eq!(got, &serde_json::from_slice::<serde_json::Value>(&e.out).unwrap()),
                Err(_) => assert_eq!(got, &serde_json::Value::Null),
            }
        }
        assert!(many[1].is_null() && many[0]["user.name"] == "bob", "{many:?}");
        assert_eq!(&super::facts_many(&mut e, b"", &[]).unwrap(), b"[]");
        for bad in [&[3u32, 2][..], &[99]] {
            assert_eq!(super::facts_many(&mut e, b"{}{}", bad).unwrap_err().kind(), ErrorKind::Input);
        }
    }
}
