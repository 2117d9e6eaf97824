//! What one complete JSON value found in a log is: a record, or a wrapper around records.
//! Classification reads only the value's top-level keys.

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

/// Keys whose presence as a first key means "look closer": anything else is a record.
pub(crate) fn is_wrapper_key(key: &[u8]) -> bool {
    matches!(
        key,
        b"version" | b"id" | b"detail-type" | b"source" | b"account" | b"time" | b"region" | b"resources" | b"detail"
            | b"awslogs" | b"messageType" | b"owner" | b"logGroup" | b"logStream" | b"subscriptionFilters" | b"logEvents"
            | b"Records" | b"Events" | b"NextToken" | b"EventId" | b"EventName" | b"CloudTrailEvent" | b"awsAccountId"
            | b"digestStartTime" | b"digestEndTime"
    )
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
/// an object nested inside a broken record).
pub(crate) fn looks_like_unit(obj: &[u8]) -> bool {
    json::members(obj).any(|(k, _)| {
        matches!(k, b"eventVersion" | b"eventTime" | b"eventName" | b"eventSource" | b"detail-type" | b"CloudTrailEvent" | b"EventId")
    })
}
