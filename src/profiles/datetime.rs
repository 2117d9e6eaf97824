//! Timestamps as the nested profiles need them: RFC 3339 UTC text for ECS date fields, epoch
//! milliseconds for OCSF `*_time` fields. The parsing is enrichment's (src/enrich/time.rs), so
//! every profile reads dates exactly as `@timestamp` does: RFC 3339 with a fraction or an offset
//! (no zone means UTC), the basic form `20131102T010628Z`, and the response form
//! `May 6, 2014 6:00:32 PM`. Anything else is `None`: a profile then leaves the field out rather
//! than write a date an index would reject.

use alloc::string::String;

use crate::enrich::time;

/// RFC 3339 UTC text for a timestamp, if it parses.
pub(crate) fn to_rfc3339(s: &str) -> Option<String> {
    time::to_rfc3339(s)
}

/// True when `to_rfc3339(s)` is `s` itself: already `YYYY-MM-DDTHH:MM:SS[.fraction]Z` and a
/// valid instant (enrichment's `@timestamp` always is), so it can be copied rather than parsed
/// into a new string.
pub(crate) fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: core::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let shape = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[b.len() - 1] == b'Z'
        && (b.len() == 20 || (b[19] == b'.' && (22..=30).contains(&b.len()) && digits(20..b.len() - 1)));
    shape && time::parse(s).is_some()
}

/// Epoch milliseconds for a timestamp, if it parses.
pub(crate) fn to_epoch_ms(s: &str) -> Option<i64> {
    time::parse(s).map(|t| t.epoch_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_ms_table() {
        crate::table_test!(to_epoch_ms, [
            ("epoch", "1970-01-01T00:00:00Z", Some(0i64)),
            ("cloudtrail", "2014-05-06T18:00:32Z", Some(1_399_399_232_000i64)),
            ("fraction truncated to ms", "2014-05-06T18:00:32.9876Z", Some(1_399_399_232_987i64)),
            ("offset", "2014-05-06T20:00:32+02:00", Some(1_399_399_232_000i64)),
            ("offset without colon", "2014-05-06T13:00:32-0500", Some(1_399_399_232_000i64)),
            ("basic form", "20131102T010628Z", Some(1_383_354_388_000i64)),
            ("no zone is UTC", "2014-05-06 18:00:32", Some(1_399_399_232_000i64)),
            ("leap day", "2024-02-29T00:00:00Z", Some(1_709_164_800_000i64)),
            ("before epoch", "1969-12-31T23:59:59Z", Some(-1000i64)),
            ("not a leap year", "2023-02-29T00:00:00Z", None::<i64>),
            ("month 13", "2014-13-01T00:00:00Z", None::<i64>),
            ("trailing junk", "2014-05-06T18:00:32Zx", None::<i64>),
            ("date only", "2014-05-06", None::<i64>),
            ("console style", "May 6, 2014 6:00:32 PM", Some(1_399_399_232_000i64)),
            ("empty fraction", "2014-05-06T18:00:32.Z", None::<i64>),
            ("multibyte", "2014-05-06T18:00:32\u{e9}", None::<i64>),
            ("empty", "", None::<i64>),
        ]);
    }

    #[test]
    fn canonical_dates_are_their_own_rfc3339() {
        let inputs = [
            "2014-05-06T18:00:32Z", "2014-05-06T18:00:32.120Z", "2014-05-06T18:00:32.123456789Z", "2014-05-06T18:00:32.1234567890Z",
            "2014-05-06T18:00:32.Z", "20131102T010628Z", "2014-05-06T01:00:00+02:00", "2014-05-06t18:00:32z", "2014-05-06 18:00:32Z",
            " 2014-05-06T18:00:32Z", "2023-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2014-05-06T24:00:00Z", "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z", "May 6, 2014 6:00:32 PM", "yesterday", "",
        ];
        for s in inputs {
            let out = to_rfc3339(s);
            if is_rfc3339_utc(s) {
                assert_eq!(out.as_deref(), Some(s), "{s}");
            }
            if let Some(o) = out {
                assert!(is_rfc3339_utc(&o), "{o} (from {s})");
            }
        }
        assert!(is_rfc3339_utc("2014-05-06T18:00:32Z") && !is_rfc3339_utc("2023-02-29T00:00:00Z"));
    }

    #[test]
    fn rfc3339_table() {
        crate::table_test!(to_rfc3339, [
            ("as is", "2014-05-06T18:00:32Z", Some("2014-05-06T18:00:32Z".to_string())),
            ("fraction kept", "2014-05-06T18:00:32.120Z", Some("2014-05-06T18:00:32.120Z".to_string())),
            ("basic form", "20131102T010628Z", Some("2013-11-02T01:06:28Z".to_string())),
            ("offset to UTC across midnight", "2014-05-06T01:00:00+02:00", Some("2014-05-05T23:00:00Z".to_string())),
            ("lowercase", "2014-05-06t18:00:32z", Some("2014-05-06T18:00:32Z".to_string())),
            ("bad", "yesterday", None::<String>),
        ]);
    }
}
