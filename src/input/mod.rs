//! Input formats: what a log looks like, detected by content (never by file name), and how each
//! wrapper is unwrapped until records appear. Gzip is found by its magic bytes at any layer.

pub(crate) mod base64;
pub(crate) mod gzip;
pub(crate) mod unit;

/// The shape of a log, as detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Nothing but whitespace.
    Empty,
    /// A CloudTrail log file: `{"Records":[...]}`.
    CloudTrail,
    /// A CloudTrail Insights log file (`{"Records":[...]}` of Insights events).
    Insights,
    /// A JSON array of records.
    Array,
    /// Newline-delimited (or concatenated) JSON records.
    Ndjson,
    /// One record, pretty or not.
    Record,
    /// EventBridge event(s): the record is in `detail`.
    EventBridge,
    /// A CloudWatch Logs subscription payload (`awslogs.data`, or the decoded DATA_MESSAGE).
    CloudWatchLogs,
    /// `aws cloudtrail lookup-events` output: records as strings in `Events[].CloudTrailEvent`.
    LookupEvents,
    /// A CloudTrail digest file: recognised, holds no records.
    Digest,
    /// Not a shape this library reads (not JSON at top level: an image, CSV, plain text...);
    /// every unreadable stretch is an error entry.
    Unknown,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Empty => "empty",
            Format::CloudTrail => "cloudtrail",
            Format::Insights => "insights",
            Format::Array => "array",
            Format::Ndjson => "ndjson",
            Format::Record => "record",
            Format::EventBridge => "eventbridge",
            Format::CloudWatchLogs => "cloudwatch-logs",
            Format::LookupEvents => "lookup-events",
            Format::Digest => "digest",
            Format::Unknown => "unknown",
        }
    }
}
