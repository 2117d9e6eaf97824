//! `event.action` and `cloudtrail.api_version`: eventName without the API-version suffix some
//! services append (CloudFront's `UpdateDistribution2014_01_31`, Lambda's `AddPermission20150331v2`),
//! and that version as a date.

use alloc::borrow::Cow;
use alloc::string::String;

use super::{Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

pub(crate) static ACTION: Enricher = Enricher {
    name: "action",
    summary: "eventName without its API-version suffix, and the API version from that suffix or from apiVersion.",
    reads: &[F::EventName, F::ApiVersion],
    uses: &[],
    writes: &[
        Key { name: "event.action", meaning: "eventName without an API-version suffix (`2014_01_31`, `20150331`, `20150331v2`)" },
        Key {
            name: "cloudtrail.api_version",
            meaning: "the API version as `YYYY-MM-DD` from the eventName suffix, else apiVersion (`2020_05_31` → `2020-05-31`; other forms as given)",
        },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "CloudFront's underscore suffix",
            record: r#"{"eventName":"UpdateDistribution2014_01_31"}"#,
            expect: &[("event.action", r#""UpdateDistribution""#), ("cloudtrail.api_version", r#""2014-01-31""#)],
        },
        Example {
            title: "Lambda's compact suffix with a revision",
            record: r#"{"eventName":"AddPermission20150331v2"}"#,
            expect: &[("event.action", r#""AddPermission""#), ("cloudtrail.api_version", r#""2015-03-31""#)],
        },
        Example {
            title: "no suffix: the version comes from apiVersion",
            record: r#"{"eventName":"CreateDistribution","apiVersion":"2020_05_31"}"#,
            expect: &[("event.action", r#""CreateDistribution""#), ("cloudtrail.api_version", r#""2020-05-31""#)],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    if let Some(name) = fields.text(F::EventName) {
        match split_suffix(&name) {
            Some((base, version)) => {
                facts.api_version = Some(version);
                facts.action = Some(match name {
                    Cow::Borrowed(b) => Cow::Borrowed(&b[..base]),
                    Cow::Owned(o) => Cow::Owned(String::from(&o[..base])),
                });
            }
            None => facts.action = Some(name),
        }
    }
    if facts.api_version.is_none() {
        if let Some(v) = fields.text(F::ApiVersion) {
            facts.api_version = Some(normalise_version(&v));
        }
    }
}

/// `2020_05_31` and `20200531` → `2020-05-31`; other versions as given.
fn normalise_version(v: &str) -> String {
    let b = v.as_bytes();
    let date = match b.len() {
        10 if (b[4] == b'_' || b[4] == b'-') && b[7] == b[4] => date_parts(&b[..4], &b[5..7], &b[8..]),
        8 => date_parts(&b[..4], &b[4..6], &b[6..]),
        _ => None,
    };
    date.unwrap_or_else(|| String::from(v))
}

/// `YYYY-MM-DD` when the parts are digits making a plausible API date (year 1990–2099).
fn date_parts(y: &[u8], m: &[u8], d: &[u8]) -> Option<String> {
    let num = |p: &[u8]| -> Option<u32> {
        p.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let (yy, mm, dd) = (num(y)?, num(m)?, num(d)?);
    if !(1990..=2099).contains(&yy) || !(1..=12).contains(&mm) || !(1..=31).contains(&dd) {
        return None;
    }
    Some(alloc::format!("{yy:04}-{mm:02}-{dd:02}"))
}

/// Finds an API-version suffix: returns the length of the name before it and the version.
/// Recognised: `Name2014_01_31`, `Name20150331`, `Name20150331v2` (any revision number). The
/// date must be plausible and the name before it non-empty and ending in a letter, so an
/// ordinary name that happens to end in digits is left alone.
pub(super) fn split_suffix(name: &str) -> Option<(usize, String)> {
    let b = name.as_bytes();
    // Drop a `v<digits>` revision first.
    let mut end = b.len();
    let mut j = end;
    while j > 0 && b[j - 1].is_ascii_digit() {
        j -= 1;
    }
    if j < end && j > 0 && b[j - 1] == b'v' {
        end = j - 1;
    }
    let b = &b[..end];
    let (start, version) = if b.len() >= 10 && b[b.len() - 3] == b'_' && b[b.len() - 6] == b'_' {
        let s = b.len() - 10;
        (s, date_parts(&b[s..s + 4], &b[s + 5..s + 7], &b[s + 8..])?)
    } else if b.len() >= 8 {
        let s = b.len() - 8;
        (s, date_parts(&b[s..s + 4], &b[s + 4..s + 6], &b[s + 6..])?)
    } else {
        return None;
    };
    if start == 0 || !b[start - 1].is_ascii_alphabetic() {
        return None;
    }
    if end != name.len() && b.len() - start != 8 {
        // A revision only follows the compact form (`20150331v2`).
        return None;
    }
    Some((start, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Option<(&str, String)> {
        split_suffix(s).map(|(n, v)| (&s[..n], v))
    }

    #[test]
    fn suffix_table() {
        crate::table_test!(split, [
            ("underscore form", "UpdateDistribution2014_01_31", Some(("UpdateDistribution", String::from("2014-01-31")))),
            ("compact form", "GetFunction20150331", Some(("GetFunction", String::from("2015-03-31")))),
            ("compact with revision", "AddPermission20150331v2", Some(("AddPermission", String::from("2015-03-31")))),
            ("two-digit revision", "UpdateFunctionConfiguration20150331v12", Some(("UpdateFunctionConfiguration", String::from("2015-03-31")))),
            ("no suffix", "CreateInvalidation", None::<(&str, String)>),
            ("revision without date", "ListV2", None::<(&str, String)>),
            ("underscore form with revision is not a form", "Name2014_01_31v2", None::<(&str, String)>),
            ("implausible month", "Name20151331", None::<(&str, String)>),
            ("implausible year", "Name18000101", None::<(&str, String)>),
            ("only a date", "20150331", None::<(&str, String)>),
            ("digits before the date", "Name120150331", None::<(&str, String)>),
            ("short", "Get1", None::<(&str, String)>),
            ("empty", "", None::<(&str, String)>),
            ("non-ASCII letter before is not a name end", "Nämé2014_01_31", None::<(&str, String)>),
        ]);
    }

    #[test]
    fn version_table() {
        crate::table_test!(normalise_version, [
            ("underscores", "2020_05_31", String::from("2020-05-31")),
            ("already dashed", "2020-05-31", String::from("2020-05-31")),
            ("compact", "20200531", String::from("2020-05-31")),
            ("other forms kept", "2.0", String::from("2.0")),
            ("mixed separators kept", "2020_05-31", String::from("2020_05-31")),
            ("non-ASCII kept", "ä2020_05_31", String::from("ä2020_05_31")),
        ]);
    }
}
