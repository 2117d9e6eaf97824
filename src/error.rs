//! One boxed error type. `Result<T, Error>` stays a pointer wide; callers branch on `ErrorKind`,
//! and read where it happened (byte offset, line, column, record index) as data, not prose.

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

use crate::json::{Code, Fail};

/// A stable category to branch on. Messages may improve; kinds stay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input as a whole cannot be read (unknown format, bad gzip or base64, empty input).
    Input,
    /// A record is not valid JSON.
    Syntax,
    /// A record is valid JSON but not a record (not an object), or, in the ocsf profile, lacks
    /// what every event of its OCSF class requires (an error entry rather than an invalid event).
    Record,
    /// A limit was hit: decompressed size, nesting depth, record size.
    Limit,
    /// An option has an invalid value.
    Option,
    /// With `strict`: a JSON object that is not a CloudTrail record (none of eventVersion,
    /// eventTime, eventName, eventSource). Without `strict` it is flattened and marked instead.
    NotCloudTrail,
}

impl ErrorKind {
    pub(crate) const ALL: [ErrorKind; 5] = [ErrorKind::Input, ErrorKind::Syntax, ErrorKind::Record, ErrorKind::Limit, ErrorKind::Option];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Input => "input",
            ErrorKind::Syntax => "syntax",
            ErrorKind::Record => "record",
            ErrorKind::Limit => "limit",
            ErrorKind::Option => "option",
            ErrorKind::NotCloudTrail => "not_cloudtrail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    message: String,
    /// Byte offset in the input the caller gave (after decompression, for gzip input).
    offset: Option<u64>,
    line: Option<u64>,
    column: Option<u64>,
    record: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

impl Error {
    #[cold]
    #[inline(never)]
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Inner { kind, message: message.into(), offset: None, line: None, column: None, record: None }))
    }

    /// A scanner failure at `fail.at` within `text`, which starts at `base` in the caller's input.
    #[cold]
    #[inline(never)]
    pub(crate) fn from_fail(fail: Fail, text: &[u8], base: u64) -> Error {
        let kind = match fail.code {
            Code::TooDeep => ErrorKind::Limit,
            Code::NotObject | Code::OcsfIncomplete => ErrorKind::Record,
            Code::NotCloudTrail => ErrorKind::NotCloudTrail,
            _ => ErrorKind::Syntax,
        };
        let at = fail.at.min(text.len());
        let mut e = Error::new(kind, fail.code.describe());
        e.0.offset = Some(base + at as u64);
        // Line and column are worked out only here, off the hot path, and count from one.
        let before = &text[..at];
        let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
        let col_start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
        e.0.line = Some(line);
        e.0.column = Some((at - col_start) as u64 + 1);
        e
    }

    pub(crate) fn at_offset(mut self, offset: u64) -> Error {
        self.0.offset = Some(offset);
        self
    }

    pub(crate) fn with_position(mut self, line: Option<u64>, column: Option<u64>) -> Error {
        self.0.line = line;
        self.0.column = column;
        self
    }

    pub(crate) fn in_record(mut self, index: u64) -> Error {
        self.0.record = Some(index);
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    /// The bare message, without position.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// Byte offset in the (decompressed) input, counting from zero.
    pub fn offset(&self) -> Option<u64> {
        self.0.offset
    }
    /// Line within the record's text, counting from one.
    pub fn line(&self) -> Option<u64> {
        self.0.line
    }
    /// Column (in bytes) within that line, counting from one.
    pub fn column(&self) -> Option<u64> {
        self.0.column
    }
    /// Index of the record (unit) in the log, counting from zero.
    pub fn record(&self) -> Option<u64> {
        self.0.record
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind.as_str(), self.0.message)?;
        let mut sep = " (";
        if let Some(r) = self.0.record {
            write!(f, "{sep}record {r}")?;
            sep = ", ";
        }
        if let Some(o) = self.0.offset {
            write!(f, "{sep}byte {o}")?;
            sep = ", ";
        }
        if let (Some(l), Some(c)) = (self.0.line, self.0.column) {
            write!(f, "{sep}line {l}, column {c}")?;
            sep = ", ";
        }
        if sep == ", " {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = core::result::Result<T, Error>;
