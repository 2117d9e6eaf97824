//! Change flags: risky differences between a distribution's known configuration and the one a
//! later record carries, which no single record can prove (`logging_turned_off` needs the
//! `true` before the `false`). Every flag is one row of `FLAGS`; a check fires only when it found
//! evidence, each piece a config key with its value before and after.

use alloc::string::String;
use alloc::vec::Vec;

use super::config::{entries_where, get, Diff};

type Entries<'e> = [(&'e str, &'e str)];

/// One raised change flag (written like a `cloudfront.risk_details` entry, kind `diff`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flag {
    pub flag: &'static str,
    pub severity: &'static str,
    pub evidence: Vec<Diff>,
}

#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Row {
    pub flag: &'static str,
    pub severity: &'static str,
    /// Why it matters (for docs/SCHEMA.md).
    pub reason: &'static str,
    /// The config keys the evidence names (for docs/SCHEMA.md).
    pub evidence: &'static str,
    check: fn(&Entries<'_>, &Entries<'_>, &mut Vec<Diff>),
}

const LOW: &str = "low";
const MEDIUM: &str = "medium";
const HIGH: &str = "high";

fn ev(out: &mut Vec<Diff>, key: &str, before: Option<&str>, after: Option<&str>) {
    out.push(Diff { key: String::from(key), before: before.map(String::from), after: after.map(String::from) });
}

/// `key` before and after, as evidence, when `fires(before, after)`.
fn pair(old: &Entries<'_>, new: &Entries<'_>, key: &str, out: &mut Vec<Diff>, fires: fn(Option<&str>, Option<&str>) -> bool) {
    let (b, a) = (get(old, key), get(new, key));
    if fires(b, a) {
        ev(out, key, b, a);
    }
}

/// A non-empty JSON string value.
fn set(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.len() > 2 && v.starts_with('"'))
}

/// `viewerCertificate.minimumProtocolVersion` values from weakest to strongest (CloudFront's
/// security policies); a value not listed is not compared.
const TLS: &[&str] = &[
    "\"SSLv3\"",
    "\"TLSv1\"",
    "\"TLSv1_2016\"",
    "\"TLSv1.1_2016\"",
    "\"TLSv1.2_2018\"",
    "\"TLSv1.2_2019\"",
    "\"TLSv1.2_2021\"",
    "\"TLSv1.2_2025\"",
    "\"TLSv1.3_2025\"",
];

fn tls_rank(v: Option<&str>) -> Option<usize> {
    TLS.iter().position(|t| Some(*t) == v)
}

/// The entries under `prefix` (`aliases.items.`) whose rest is `suffix` after one index
/// (`""` for the elements themselves, `.id` for a member): (full key, index text, value).
fn indexed<'e>(entries: &Entries<'e>, prefix: &str, suffix: &str) -> Vec<(&'e str, &'e str, &'e str)> {
    entries
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(prefix)?;
            let (idx, tail) = rest.split_at(rest.bytes().take_while(u8::is_ascii_digit).count());
            (!idx.is_empty() && tail == suffix).then_some((*k, idx, *v))
        })
        .collect()
}

/// Origins as (id value, index text) and their domain names by index.
fn origins<'e>(entries: &Entries<'e>) -> Vec<(&'e str, &'e str, Option<&'e str>)> {
    let domains = indexed(entries, "origins.items.", ".domainName");
    indexed(entries, "origins.items.", ".id")
        .into_iter()
        .map(|(_, idx, id)| (id, idx, domains.iter().find(|d| d.1 == idx).map(|d| d.2)))
        .collect()
}

fn origin_key(idx: &str, member: &str) -> String {
    alloc::format!("origins.items.{idx}.{member}")
}

fn allow_all<'r, 'e>(entries: &'r Entries<'e>) -> impl Iterator<Item = &'e str> + 'r {
    entries.iter().filter(|(k, v)| (*k == "defaultCacheBehavior.viewerProtocolPolicy" || (k.starts_with("cacheBehaviors.items.") && k.ends_with(".viewerProtocolPolicy"))) && *v == "\"allow-all\"").map(|(k, _)| *k)
}

/// Sorted by flag; the order flags are written in. Checked by a test.
pub(crate) const FLAGS: &[Row] = &[
    Row {
        flag: "alias_added",
        severity: MEDIUM,
        reason: "a domain name now points its traffic at this distribution",
        evidence: "`aliases.items.<n>` (after)",
        check: |old, new, out| {
            let before = indexed(old, "aliases.items.", "");
            for (k, _, v) in indexed(new, "aliases.items.", "") {
                if !before.iter().any(|b| b.2 == v) {
                    ev(out, k, None, Some(v));
                }
            }
        },
    },
    Row {
        flag: "alias_removed",
        severity: MEDIUM,
        reason: "a domain name no longer served here: a DNS record still pointing at CloudFront is open to takeover",
        evidence: "`aliases.items.<n>` (before)",
        check: |old, new, out| {
            let after = indexed(new, "aliases.items.", "");
            for (k, _, v) in indexed(old, "aliases.items.", "") {
                if !after.iter().any(|a| a.2 == v) {
                    ev(out, k, Some(v), None);
                }
            }
        },
    },
    Row {
        flag: "distribution_disabled",
        severity: MEDIUM,
        reason: "`enabled` went from true to false: the distribution stops serving (an outage if unintended)",
        evidence: "`enabled`",
        check: |old, new, out| pair(old, new, "enabled", out, |b, a| b == Some("true") && a == Some("false")),
    },
    Row {
        flag: "distribution_enabled",
        severity: LOW,
        reason: "`enabled` went from false to true: the distribution starts serving",
        evidence: "`enabled`",
        check: |old, new, out| pair(old, new, "enabled", out, |b, a| b == Some("false") && a == Some("true")),
    },
    Row {
        flag: "geo_restriction_removed",
        severity: MEDIUM,
        reason: "a geo restriction (allow or block list) became `none`: content is served to every country",
        evidence: "`restrictions.geoRestriction.restrictionType`",
        check: |old, new, out| {
            pair(old, new, "restrictions.geoRestriction.restrictionType", out, |b, a| {
                matches!(b, Some("\"whitelist\"" | "\"blacklist\"")) && !matches!(a, Some("\"whitelist\"" | "\"blacklist\""))
            })
        },
    },
    Row {
        flag: "logging_turned_off",
        severity: HIGH,
        reason: "standard logging was on and is now off: requests stop leaving a trail (a classic step before abuse)",
        evidence: "`logging.enabled`",
        check: |old, new, out| pair(old, new, "logging.enabled", out, |b, a| b == Some("true") && a != Some("true")),
    },
    Row {
        flag: "min_tls_lowered",
        severity: MEDIUM,
        reason: "the viewer security policy now allows an older TLS version than before",
        evidence: "`viewerCertificate.minimumProtocolVersion`",
        check: |old, new, out| {
            pair(old, new, "viewerCertificate.minimumProtocolVersion", out, |b, a| matches!((tls_rank(b), tls_rank(a)), (Some(b), Some(a)) if a < b))
        },
    },
    Row {
        flag: "origin_added",
        severity: MEDIUM,
        reason: "a new origin (by id) can receive the distribution's traffic",
        evidence: "`origins.items.<n>.id`, `origins.items.<n>.domainName` (after)",
        check: |old, new, out| {
            let before = origins(old);
            for (id, idx, domain) in origins(new) {
                if !before.iter().any(|b| b.0 == id) {
                    ev(out, &origin_key(idx, "id"), None, Some(id));
                    if let Some(d) = domain {
                        ev(out, &origin_key(idx, "domainName"), None, Some(d));
                    }
                }
            }
        },
    },
    Row {
        flag: "origin_removed",
        severity: LOW,
        reason: "an origin (by id) is gone from the configuration",
        evidence: "`origins.items.<n>.id`, `origins.items.<n>.domainName` (before)",
        check: |old, new, out| {
            let after = origins(new);
            for (id, idx, domain) in origins(old) {
                if !after.iter().any(|a| a.0 == id) {
                    ev(out, &origin_key(idx, "id"), Some(id), None);
                    if let Some(d) = domain {
                        ev(out, &origin_key(idx, "domainName"), Some(d), None);
                    }
                }
            }
        },
    },
    Row {
        flag: "origin_repointed",
        severity: HIGH,
        reason: "an origin kept its id but now points at another domain name: the same cache behaviors send traffic somewhere else",
        evidence: "`origins.items.<n>.domainName` (index as after)",
        check: |old, new, out| {
            let before = origins(old);
            for (id, idx, domain) in origins(new) {
                if let Some(b) = before.iter().find(|b| b.0 == id) {
                    if b.2 != domain {
                        ev(out, &origin_key(idx, "domainName"), b.2, domain);
                    }
                }
            }
        },
    },
    Row {
        flag: "price_class_changed",
        severity: LOW,
        reason: "the price class changed: which edge locations serve, and what it costs",
        evidence: "`priceClass`",
        check: |old, new, out| pair(old, new, "priceClass", out, |b, a| b.is_some() && a.is_some() && b != a),
    },
    Row {
        flag: "viewer_http_newly_allowed",
        severity: MEDIUM,
        reason: "no cache behavior allowed plain HTTP from viewers before; now one does (`allow-all`)",
        evidence: "`defaultCacheBehavior.viewerProtocolPolicy`, `cacheBehaviors.items.<n>.viewerProtocolPolicy`",
        check: |old, new, out| {
            if allow_all(old).next().is_none() {
                for k in allow_all(new) {
                    ev(out, k, get(old, k), get(new, k));
                }
            }
        },
    },
    Row {
        flag: "waf_removed",
        severity: HIGH,
        reason: "the distribution had a web ACL (AWS WAF) and now has none: requests are no longer filtered",
        evidence: "`webACLId`",
        check: |old, new, out| pair(old, new, "webACLId", out, |b, a| set(b) && !set(a)),
    },
];

/// Whether a check can read `key`: the keys `get`, `indexed` and `allow_all` look at above (and
/// a few more). The checks see only these lines of each configuration (in order, duplicates
/// kept), and find what they would find in all of them.
pub(crate) fn read(key: &str) -> bool {
    // A loop, not eleven unrolled compares (code size); the first byte rules most keys out,
    // the (short) end most of the rest.
    let first = key.as_bytes().first();
    core::hint::black_box(READ).iter().any(|(head, tail)| head.as_bytes().first() == first && key.ends_with(tail) && key.starts_with(head))
}

/// (start, end) of the keys [`read`] keeps.
const READ: &[(&str, &str)] = &[
    ("aliases.items.", ""),
    ("origins.items.", ".id"),
    ("origins.items.", ".domainName"),
    ("cacheBehaviors.items.", ".viewerProtocolPolicy"),
    ("defaultCacheBehavior.viewerProtocolPolicy", ""),
    ("enabled", ""),
    ("restrictions.geoRestriction.restrictionType", ""),
    ("logging.enabled", ""),
    ("viewerCertificate.minimumProtocolVersion", ""),
    ("priceClass", ""),
    ("webACLId", ""),
];

/// The lines of a distribution configuration the checks read: from its lines when they were
/// read already, else from its text.
pub(crate) fn kept<'t>(text: &'t str, lines: Option<&[(&'t str, &'t str)]>) -> Vec<(&'t str, &'t str)> {
    match lines {
        Some(l) => l.iter().filter(|e| read(e.0)).copied().collect(),
        None => entries_where(text, read),
    }
}

/// Every flag the change from `old` to `new` (the [`kept`] lines of distribution
/// configurations) raises.
pub(crate) fn distribution(old: &Entries<'_>, new: &Entries<'_>) -> Vec<Flag> {
    let mut out = Vec::new();
    for r in FLAGS {
        let mut evidence = Vec::new();
        (r.check)(old, new, &mut evidence);
        if !evidence.is_empty() {
            out.push(Flag { flag: r.flag, severity: r.severity, evidence });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::config::{entries, flatten};
    use super::*;

    fn flags(old: &str, new: &str) -> Vec<&'static str> {
        let (o, n) = (flatten(old.as_bytes()).unwrap(), flatten(new.as_bytes()).unwrap());
        let got: Vec<&'static str> = distribution(&kept(&o, None), &kept(&n, None)).iter().map(|f| f.flag).collect();
        assert_eq!(got, all_lines(&o, &n).iter().map(|f| f.flag).collect::<Vec<_>>(), "the same over every line");
        got
    }

    /// The checks over every line of both configurations, not only the lines [`read`] keeps.
    fn all_lines(old: &str, new: &str) -> Vec<Flag> {
        let (old, new) = (entries(old), entries(new));
        let mut out = Vec::new();
        for r in FLAGS {
            let mut evidence = Vec::new();
            (r.check)(&old, &new, &mut evidence);
            if !evidence.is_empty() {
                out.push(Flag { flag: r.flag, severity: r.severity, evidence });
            }
        }
        out
    }

    /// Configurations mixing every key the checks read with near misses and duplicates: the
    /// kept lines raise the flags, with the evidence, that every line raises.
    #[test]
    fn kept_lines_raise_what_all_lines_raise() {
        let keys = [
            "aliases.items.0", "aliases.items.1", "aliases.quantity", "origins.items.0.id", "origins.items.1.id", "origins.items.0.domainName",
            "origins.items.1.domainName", "origins.items.0.idx", "cacheBehaviors.items.0.viewerProtocolPolicy", "cacheBehaviors.items.1.viewerProtocolPolicy",
            "defaultCacheBehavior.viewerProtocolPolicy", "enabled", "restrictions.geoRestriction.restrictionType", "logging.enabled",
            "viewerCertificate.minimumProtocolVersion", "priceClass", "webACLId", "comment",
        ];
        let values = ["true", "false", "\"allow-all\"", "\"a\"", "\"b\"", "\"TLSv1\"", "\"TLSv1.2_2021\"", "\"blacklist\"", "\"none\""];
        // A small deterministic generator: many pairs of configurations.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut fired = 0;
        for _ in 0..3000 {
            let mut text = || (0..next(14)).map(|_| alloc::format!("{}\t{}\n", keys[next(keys.len())], values[next(values.len())])).collect::<String>();
            let (o, n) = (text(), text());
            let want = all_lines(&o, &n);
            fired += want.len();
            assert_eq!(distribution(&kept(&o, None), &kept(&n, None)), want, "{o:?} → {n:?}");
            let (eo, en) = (entries(&o), entries(&n));
            assert_eq!(distribution(&kept(&o, Some(&eo)), &kept(&n, Some(&en))), want, "{o:?} → {n:?}");
        }
        assert!(fired > 1000, "{fired}");
    }

    #[test]
    fn rows_sorted_with_known_severities() {
        assert!(FLAGS.windows(2).all(|w| w[0].flag < w[1].flag));
        assert!(FLAGS.iter().all(|r| crate::enrich::SEVERITIES.contains(&r.severity) && !r.reason.is_empty() && !r.evidence.is_empty()));
    }

    #[test]
    fn flag_table() {
        let none: Vec<&str> = Vec::new();
        let v = |f: &[&'static str]| f.to_vec();
        crate::table_test!(|(o, n): (&str, &str)| flags(o, n), [
            ("logging off", (r#"{"logging":{"enabled":true}}"#, r#"{"logging":{"enabled":false}}"#), v(&["logging_turned_off"])),
            ("logging was off already", (r#"{"logging":{"enabled":false}}"#, r#"{"logging":{"enabled":false},"x":1}"#), none.clone()),
            ("waf removed", (r#"{"webACLId":"arn:aws:wafv2:x"}"#, r#"{"webACLId":""}"#), v(&["waf_removed"])),
            ("waf changed is not removed", (r#"{"webACLId":"a"}"#, r#"{"webACLId":"b"}"#), none.clone()),
            ("geo removed", (r#"{"restrictions":{"geoRestriction":{"restrictionType":"blacklist","items":["RU"]}}}"#, r#"{"restrictions":{"geoRestriction":{"restrictionType":"none"}}}"#), v(&["geo_restriction_removed"])),
            ("http newly allowed", (r#"{"defaultCacheBehavior":{"viewerProtocolPolicy":"redirect-to-https"}}"#, r#"{"defaultCacheBehavior":{"viewerProtocolPolicy":"allow-all"}}"#), v(&["viewer_http_newly_allowed"])),
            ("http allowed before too", (r#"{"cacheBehaviors":{"items":[{"viewerProtocolPolicy":"allow-all"}]}}"#, r#"{"defaultCacheBehavior":{"viewerProtocolPolicy":"allow-all"}}"#), none.clone()),
            ("tls lowered", (r#"{"viewerCertificate":{"minimumProtocolVersion":"TLSv1.2_2021"}}"#, r#"{"viewerCertificate":{"minimumProtocolVersion":"TLSv1"}}"#), v(&["min_tls_lowered"])),
            ("tls raised", (r#"{"viewerCertificate":{"minimumProtocolVersion":"TLSv1"}}"#, r#"{"viewerCertificate":{"minimumProtocolVersion":"TLSv1.2_2021"}}"#), none.clone()),
            ("origins by id", (r#"{"origins":{"items":[{"id":"a","domainName":"a.example"},{"id":"b","domainName":"b.example"}]}}"#, r#"{"origins":{"items":[{"id":"b","domainName":"evil.example"},{"id":"c","domainName":"c.example"}]}}"#), v(&["origin_added", "origin_removed", "origin_repointed"])),
            ("origins reordered only", (r#"{"origins":{"items":[{"id":"a","domainName":"a"},{"id":"b","domainName":"b"}]}}"#, r#"{"origins":{"items":[{"id":"b","domainName":"b"},{"id":"a","domainName":"a"}]}}"#), none.clone()),
            ("aliases", (r#"{"aliases":{"items":["a.example","b.example"]}}"#, r#"{"aliases":{"items":["b.example","c.example"]}}"#), v(&["alias_added", "alias_removed"])),
            ("price class", (r#"{"priceClass":"PriceClass_100"}"#, r#"{"priceClass":"PriceClass_All"}"#), v(&["price_class_changed"])),
            ("disabled", (r#"{"enabled":true}"#, r#"{"enabled":false}"#), v(&["distribution_disabled"])),
            ("enabled", (r#"{"enabled":false}"#, r#"{"enabled":true}"#), v(&["distribution_enabled"])),
        ]);
    }

    #[test]
    fn repointed_evidence() {
        let o = flatten(br#"{"origins":{"items":[{"id":"a","domainName":"a.example"}]}}"#).unwrap();
        let n = flatten(br#"{"origins":{"items":[{"id":"z","domainName":"z"},{"id":"a","domainName":"evil.example"}]}}"#).unwrap();
        let f = distribution(&kept(&o, None), &kept(&n, None));
        let r = f.iter().find(|f| f.flag == "origin_repointed").unwrap();
        assert_eq!(r.evidence, alloc::vec![Diff { key: "origins.items.1.domainName".into(), before: Some("\"a.example\"".into()), after: Some("\"evil.example\"".into()) }]);
    }
}
