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
    /// Every format, in declaration order (splitter checkpoints store the index). The JS types
    /// and docs/INPUTS.md list the same names; a test holds them to this list.
    pub const ALL: [Format; 11] = [
        Format::Empty,
        Format::CloudTrail,
        Format::Insights,
        Format::Array,
        Format::Ndjson,
        Format::Record,
        Format::EventBridge,
        Format::CloudWatchLogs,
        Format::LookupEvents,
        Format::Digest,
        Format::Unknown,
    ];

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

// Native only: reads the JS types and docs/ from the repository.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::Format;

    fn names() -> Vec<&'static str> {
        Format::ALL.iter().map(|f| f.as_str()).collect()
    }

    pub(crate) fn repo_file(path: &str) -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect(path)
    }

    #[test]
    fn all_is_every_format_once_in_order() {
        for (i, f) in Format::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "{f:?}");
        }
        let mut n = names();
        n.sort_unstable();
        n.dedup();
        assert_eq!(n.len(), Format::ALL.len());
    }

    /// `export type Format = | 'a' | 'b' ...;` in js/index.d.ts names the core's formats.
    #[test]
    fn js_types_list_the_formats() {
        let dts = repo_file("js/index.d.ts");
        let start = dts.find("export type Format =").expect("js/index.d.ts declares Format");
        let decl = &dts[start..start + dts[start..].find(';').expect("end of Format")];
        let listed: Vec<&str> = decl.split('\'').skip(1).step_by(2).collect();
        assert_eq!(listed, names(), "js/index.d.ts Format");
    }

    /// The first column of docs/INPUTS.md's format table names the core's formats.
    #[test]
    fn inputs_doc_lists_the_formats() {
        let doc = repo_file("docs/INPUTS.md");
        let start = doc.find("| `format` |").expect("docs/INPUTS.md has the format table");
        let mut listed: Vec<&str> = doc[start..]
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
            .collect();
        let mut want = names();
        listed.sort_unstable();
        want.sort_unstable();
        assert_eq!(listed, want, "docs/INPUTS.md format table");
    }
}
