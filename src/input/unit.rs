//! What one complete JSON value found in a log is: a record, or a wrapper around records.
//! Classification reads only the value's top-level keys.

use super::Format;
use crate::json::{self, key_eq};

pub(crate) enum Unit<'a> {
    /// A CloudTrail record (or anything else that is an object: it is flattened as it is).
    Record,
    /// `{"Records": [...]}` (the array's raw text).
    Records(&'a [u8]),
    /// An EventBridge event; the record is `detail`.
    EventBridge(&'a [u8]),
    /// CloudWatch Logs subscription as delivered: `{"awslogs":{"data":"<base64 gzip>"}}`.
    AwsLogs(&'a [u8]),
    /// A decoded CloudWatch Logs DATA_MESSAGE: records as strings in `logEvents[].message`.
    LogEvents(&'a [u8]),
    /// A CloudWatch Logs CONTROL_MESSAGE: no records.
    Control,
    /// `lookup-events` output: `{"Events":[{"CloudTrailEvent":"..."}...]}`.
    LookupEvents(&'a [u8]),
    /// One element of lookup-events output: the record is the string `CloudTrailEvent`.
    LookupEvent(&'a [u8]),
    /// A CloudTrail digest file.
    Digest,
}

/// One wrapper around records, as the splitter knows it.
// `format` and `keys` are read by the tests (the match in `is_wrapper_key` is made from `keys`).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Wrapper {
    pub format: Format,
    /// Every top-level key the wrapper has. A unit whose first key is one of these is classified
    /// (`classify`); any other object is read as a record straight away, so a key missing here
    /// makes the wrapper, written in another member order, a plain record.
    pub keys: &'static [&'static [u8]],
    /// Keys that, in an object found while resynchronising inside an array, say it starts a unit.
    pub marks: &'static [&'static [u8]],
}

/// The wrappers, written once: `wrappers!` makes both [`WRAPPERS`] and [`is_wrapper_key`] (a
/// `match`, as fast as the list it replaces: the splitter asks it for every NDJSON record).
macro_rules! wrappers {
    ($( $format:ident { keys: [$($key:literal),+ $(,)?], marks: [$($mark:literal),* $(,)?] } )+) => {
        pub(crate) static WRAPPERS: &[Wrapper] = &[ $( Wrapper { format: Format::$format, keys: &[$($key),+], marks: &[$($mark),*] }, )+ ];

        /// Whether `key`, as an object's first key, means "look closer": it belongs to a wrapper.
        #[inline]
        pub(crate) fn is_wrapper_key(key: &[u8]) -> bool {
            matches!(key, $( $($key)|+ )|+)
        }
    };
}

wrappers! {
    CloudTrail { keys: [b"Records"], marks: [] }
    EventBridge {
        keys: [b"version", b"id", b"detail-type", b"source", b"account", b"time", b"region", b"resources", b"detail"],
        marks: [b"detail-type"]
    }
    CloudWatchLogs {
        keys: [b"awslogs", b"messageType", b"owner", b"logGroup", b"logStream", b"subscriptionFilters", b"policyLevel", b"logEvents"],
        marks: []
    }
    // `lookup-events` output and its elements.
    LookupEvents {
        keys: [
            b"Events", b"NextToken", b"EventId", b"EventName", b"ReadOnly", b"AccessKeyId", b"EventTime", b"EventSource", b"Username",
            b"Resources", b"CloudTrailEvent",
        ],
        marks: [b"CloudTrailEvent", b"EventId"]
    }
    Digest {
        keys: [
            b"awsAccountId", b"digestStartTime", b"digestEndTime", b"digestS3Bucket", b"digestS3Object", b"digestPublicKeyFingerprint",
            b"digestSignatureAlgorithm", b"newestEventTime", b"oldestEventTime", b"previousDigestS3Bucket", b"previousDigestS3Object",
            b"previousDigestHashValue", b"previousDigestHashAlgorithm", b"previousDigestSignature", b"logFiles",
        ],
        marks: []
    }
}

/// Members every CloudTrail record has (one is enough): `classify` stops at them, and
/// resynchronising takes an object holding one for the start of a record.
const RECORD_KEYS: &[&[u8]] = &[b"eventVersion", b"eventTime", b"eventName", b"eventSource"];

impl Unit<'_> {
    /// The format a log made of such units has; None for a record (array, record or NDJSON,
    /// depending on where it sits).
    pub(crate) fn format(&self) -> Option<Format> {
        Some(match self {
            Unit::Record => return None,
            Unit::Records(_) => Format::CloudTrail,
            Unit::EventBridge(_) => Format::EventBridge,
            Unit::AwsLogs(_) | Unit::LogEvents(_) | Unit::Control => Format::CloudWatchLogs,
            Unit::LookupEvents(_) | Unit::LookupEvent(_) => Format::LookupEvents,
            Unit::Digest => Format::Digest,
        })
    }
}

pub(crate) fn classify(u: &[u8]) -> Unit<'_> {
    let mut detail_type = false;
    let mut detail = None;
    let mut message_type = None;
    let mut log_events = None;
    let mut digest = 0;
    let mut log_files = false;
    for (k, v) in json::members(u) {
        match k {
            b"Records" if v.first() == Some(&b'[') => return Unit::Records(v),
            b"Events" if v.first() == Some(&b'[') => return Unit::LookupEvents(v),
            b"CloudTrailEvent" if v.first() == Some(&b'"') => return Unit::LookupEvent(v),
            b"awslogs" => {
                if let Some(d) = json::get(v, &["data"]) {
                    return Unit::AwsLogs(d);
                }
            }
            b"detail-type" => detail_type = true,
            b"detail" => detail = Some(v),
            b"messageType" => message_type = Some(v),
            b"logEvents" => log_events = Some(v),
            b"digestStartTime" | b"digestEndTime" | b"digestSignatureAlgorithm" | b"previousDigestSignature" => digest += 1,
            b"logFiles" => log_files = true,
            b"eventVersion" | b"eventTime" | b"eventName" => return Unit::Record,
            _ if k.contains(&b'\\') && key_eq(k, "Records") => return Unit::Records(v),
            _ => {}
        }
    }
    if let (true, Some(d)) = (detail_type, detail) {
        if d.first() == Some(&b'{') {
            return Unit::EventBridge(d);
        }
    }
    if let Some(mt) = message_type {
        if mt == b"\"CONTROL_MESSAGE\"" {
            return Unit::Control;
        }
        if let Some(le) = log_events {
            return Unit::LogEvents(le);
        }
    }
    // A digest file (skipped, and counted) has its time range and the list of log files it
    // covers; an object with only some digest-like keys is a record like any other.
    if digest >= 2 && log_files {
        return Unit::Digest;
    }
    Unit::Record
}

/// Whether an object found while resynchronising plausibly starts a new unit (rather than being
/// an object nested inside a broken record): it has a record's member or a wrapper's mark.
pub(crate) fn looks_like_unit(obj: &[u8]) -> bool {
    json::members(obj).any(|(k, _)| RECORD_KEYS.contains(&k) || WRAPPERS.iter().any(|w| w.marks.contains(&k)))
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::{classify, is_wrapper_key, looks_like_unit, Format, Unit, RECORD_KEYS, WRAPPERS};

    /// What `classify` makes of a unit: the variant's name and its format.
    fn kind(u: &str) -> (&'static str, &'static str) {
        let unit = classify(u.as_bytes());
        let name = match unit {
            Unit::Record => "record",
            Unit::Records(_) => "records",
            Unit::EventBridge(_) => "eventbridge",
            Unit::AwsLogs(_) => "awslogs",
            Unit::LogEvents(_) => "logEvents",
            Unit::Control => "control",
            Unit::LookupEvents(_) => "lookup-events",
            Unit::LookupEvent(_) => "lookup-event",
            Unit::Digest => "digest",
        };
        (name, unit.format().map_or("-", Format::as_str))
    }

    #[test]
    fn classify_table() {
        crate::table_test!(
            kind,
            [
                ("a record", r#"{"eventVersion":"1.08","eventName":"X"}"#, ("record", "-")),
                ("an object of no known shape", r#"{"a":1}"#, ("record", "-")),
                ("empty object", "{}", ("record", "-")),
                ("records file", r#"{"Records":[]}"#, ("records", "cloudtrail")),
                ("records, escaped key", r#"{"Rec\u006frds":[]}"#, ("records", "cloudtrail")),
                ("Records not an array", r#"{"Records":1}"#, ("record", "-")),
                ("eventbridge", r#"{"detail-type":"x","detail":{}}"#, ("eventbridge", "eventbridge")),
                ("eventbridge, detail not an object", r#"{"detail-type":"x","detail":1}"#, ("record", "-")),
                ("detail without detail-type", r#"{"detail":{}}"#, ("record", "-")),
                ("awslogs", r#"{"awslogs":{"data":"x"}}"#, ("awslogs", "cloudwatch-logs")),
                ("awslogs without data", r#"{"awslogs":{}}"#, ("record", "-")),
                ("data message", r#"{"messageType":"DATA_MESSAGE","logEvents":[]}"#, ("logEvents", "cloudwatch-logs")),
                ("control message", r#"{"messageType":"CONTROL_MESSAGE","logEvents":[]}"#, ("control", "cloudwatch-logs")),
                ("logEvents without messageType", r#"{"logEvents":[]}"#, ("record", "-")),
                ("lookup-events output", r#"{"Events":[],"NextToken":"t"}"#, ("lookup-events", "lookup-events")),
                ("lookup-events element", r#"{"EventId":"1","CloudTrailEvent":"{}"}"#, ("lookup-event", "lookup-events")),
                ("CloudTrailEvent not a string", r#"{"CloudTrailEvent":{}}"#, ("record", "-")),
                ("digest", r#"{"digestStartTime":"a","digestEndTime":"b","logFiles":[]}"#, ("digest", "digest")),
                ("digest-like keys only", r#"{"digestStartTime":"a","digestEndTime":"b"}"#, ("record", "-")),
                ("a record member first decides", r#"{"eventName":"X","Records":[]}"#, ("record", "-")),
            ]
        );
    }

    #[test]
    fn wrappers_table() {
        let keys: Vec<&[u8]> = WRAPPERS.iter().flat_map(|w| w.keys.iter().copied()).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{} in two wrappers", core::str::from_utf8(k).unwrap_or("?"));
            assert!(is_wrapper_key(k));
            assert!(!RECORD_KEYS.contains(k), "a record key as a wrapper key");
        }
        for w in WRAPPERS {
            assert!(w.marks.iter().all(|m| w.keys.contains(m)), "{:?}: a mark that is not one of its keys", w.format);
        }
        let mut formats: Vec<&str> = WRAPPERS.iter().map(|w| w.format.as_str()).collect();
        formats.dedup();
        assert_eq!(formats.len(), WRAPPERS.len(), "one row per format");
        crate::table_test!(
            is_wrapper_key,
            [
                ("record key", b"eventVersion".as_slice(), false),
                ("lowercase resources (EventBridge)", b"resources".as_slice(), true),
                ("Resources (lookup-events)", b"Resources".as_slice(), true),
                ("unknown", b"x".as_slice(), false),
                ("prefix of a key", b"Record".as_slice(), false),
            ]
        );
    }

    #[test]
    fn looks_like_unit_table() {
        crate::table_test!(
            looks_like_unit,
            [
                ("record member", br#"{"x":1,"eventName":"A"}"#.as_slice(), true),
                ("every record key counts", br#"{"eventSource":"s"}"#.as_slice(), true),
                ("eventbridge mark", br#"{"detail-type":"x"}"#.as_slice(), true),
                ("lookup-events marks", br#"{"EventId":"1"}"#.as_slice(), true),
                ("a wrapper key that is no mark", br#"{"detail":{}}"#.as_slice(), false),
                ("nested object of a record", br#"{"id":"o","domainName":"d"}"#.as_slice(), false),
                ("record key nested deeper", br#"{"a":{"eventName":"A"}}"#.as_slice(), false),
            ]
        );
    }
}
