//! CloudTrail digest files as documents, with the `digests` option (docs/INPUTS.md): one document
//! per log file the digest lists, so a store can hold what each delivered log file's SHA-256 must
//! be (`file.hash.sha256`) next to where it is (`file.path`). Without the option a digest is a
//! counted skip, as before.
//!
//! A digest (documented format: `digestStartTime`, `digestEndTime`, `digestS3Bucket`,
//! `digestS3Object`, `awsAccountId`, signature members, `logFiles[]` of `s3Bucket`, `s3Object`,
//! `hashValue`, `hashAlgorithm`, `newestEventTime`, `oldestEventTime`) gives, per `logFiles[]`
//! element:
//! - flat: the digest's own members but `logFiles`, the element under `logFile.*` (flattened by
//!   the usual rules: nothing is lost), then `@timestamp` (digestEndTime), `file.path`
//!   (`s3://bucket/key`), `file.name`, `file.hash.sha256`, `cloud.provider`, `cloud.account.id`;
//! - ecs: the same ECS fields, `related.hash`, and the digest's details in the data stream's
//!   `aws.cloudtrail.flattened.digest` with Elastic's member names (Elastic indexes a digest as one
//!   document whose `file.path` is the digest's own key; here each listed file is one, and the
//!   digest's own key is `aws.cloudtrail.flattened.digest.s3_object`).
//!
//! OCSF 1.1.0 has no class for an integrity manifest's entry, so the option refuses that profile.

use alloc::string::String;
use alloc::vec::Vec;

use crate::fields::Fields;
use crate::flatten::{self, Scratch};
use crate::json;
use crate::options::{Options, Profile};
use crate::profiles::doc::{Doc, Part};
use crate::profiles::ObjWriter;

/// The members of one `logFiles[]` element.
struct LogFile<'a> {
    raw: &'a [u8],
    bucket: Option<String>,
    key: Option<String>,
    sha256: Option<String>,
}

/// Calls `each` with the document of every log file `digest` (one digest file's JSON object)
/// lists, written into `out`. `logFiles` elements that are not objects give no document.
pub(crate) fn documents(digest: &[u8], opts: &Options, out: &mut Vec<u8>, mut each: impl FnMut(&[u8])) {
    let Some(files) = json::get(digest, &["logFiles"]).filter(|v| v.first() == Some(&b'[')) else { return };
    let text = |k: &str| json::get(digest, &[k]).and_then(json::as_str).map(|s| s.into_owned()).filter(|s| !s.is_empty());
    for raw in json::elements(files).filter(|e| e.first() == Some(&b'{')) {
        let get = |k: &str| json::get(raw, &[k]).and_then(json::as_str).map(|s| s.into_owned()).filter(|s| !s.is_empty());
        let algorithm = get("hashAlgorithm");
        let sha256 = get("hashValue").filter(|h| {
            algorithm.as_deref().map_or(true, |a| a.eq_ignore_ascii_case("SHA-256")) && h.len() == 64 && h.bytes().all(|c| c.is_ascii_hexdigit())
        });
        let file = LogFile { raw, bucket: get("s3Bucket"), key: get("s3Object"), sha256: sha256.map(|h| h.to_ascii_lowercase()) };
        out.clear();
        match opts.profile {
            Profile::Ecs => ecs(&file, &text, out),
            _ => flat(digest, &file, &text, opts, out),
        }
        each(out);
    }
}

fn path_and_name<'f>(f: &'f LogFile<'_>) -> (Option<String>, Option<&'f str>) {
    let path = match (&f.bucket, &f.key) {
        (Some(b), Some(k)) => Some(alloc::format!("s3://{b}/{k}")),
        _ => None,
    };
    (path, f.key.as_deref().and_then(|k| k.rsplit('/').next()).filter(|n| !n.is_empty()))
}

fn flat(digest: &[u8], f: &LogFile<'_>, text: &dyn Fn(&str) -> Option<String>, opts: &Options, out: &mut Vec<u8>) {
    // The digest's members but logFiles, and this element as `logFile`: one object, flattened as
    // any record is (separator, arrays, depth and field limits apply).
    let mut obj = Vec::with_capacity(digest.len().min(4096) + f.raw.len());
    obj.push(b'{');
    for (k, v) in json::members(digest) {
        if json::key_eq(k, "logFiles") {
            continue;
        }
        if obj.len() > 1 {
            obj.push(b',');
        }
        obj.push(b'"');
        obj.extend_from_slice(k);
        obj.extend_from_slice(b"\":");
        obj.extend_from_slice(v);
    }
    if obj.len() > 1 {
        obj.push(b',');
    }
    obj.extend_from_slice(b"\"logFile\":");
    obj.extend_from_slice(f.raw);
    obj.push(b'}');
    let mut fields = Fields::default();
    let mut scratch = Scratch::default();
    // Written without its closing brace, for the keys below.
    if flatten::flatten_record(&obj, 0, opts, out, &mut scratch, &mut fields).is_err() {
        // Cannot happen for a validated digest; an empty object rather than half of one.
        out.clear();
        out.push(b'{');
    }
    let mut w = ObjWriter { first: out.len() == 1, out };
    if let Some(t) = text("digestEndTime").and_then(|t| crate::profiles::datetime::to_rfc3339(&t)) {
        w.str("@timestamp", &t);
    }
    let (path, name) = path_and_name(f);
    w.opt_str("file.path", path.as_deref());
    w.opt_str("file.name", name);
    w.opt_str("file.hash.sha256", f.sha256.as_deref());
    w.str("cloud.provider", "aws");
    w.opt_str("cloud.account.id", text("awsAccountId").as_deref());
    w.out.push(b'}');
}

fn ecs(f: &LogFile<'_>, text: &dyn Fn(&str) -> Option<String>, out: &mut Vec<u8>) {
    let mut doc = Doc::new();
    let date = |k: &str| text(k).and_then(|t| crate::profiles::datetime::to_rfc3339(&t));
    if let Some(t) = date("digestEndTime") {
        doc.str("@timestamp", &t);
    }
    doc.str("ecs.version", crate::profiles::ecs::ECS_VERSION);
    doc.str("event.kind", "event");
    doc.str("cloud.provider", "aws");
    if let Some(a) = text("awsAccountId") {
        doc.str("cloud.account.id", &a);
    }
    let (path, name) = path_and_name(f);
    if let Some(p) = &path {
        doc.str("file.path", p);
    }
    if let Some(n) = name {
        doc.str("file.name", n);
    }
    if let Some(h) = &f.sha256 {
        doc.str("file.hash.sha256", h);
        doc.str_array("related.hash", [h]);
    }
    let get = |k: &str| json::get(f.raw, &[k]).and_then(json::as_str).map(|s| s.into_owned()).filter(|s| !s.is_empty());
    let d = |k: &'static str| [Part::Dotted("aws.cloudtrail.flattened.digest"), Part::Dotted(k)];
    for (key, v) in [
        ("start_time", date("digestStartTime")),
        ("end_time", date("digestEndTime")),
        ("s3_bucket", text("digestS3Bucket")),
        ("s3_object", text("digestS3Object")),
        ("newest_event_time", date("newestEventTime")),
        ("oldest_event_time", date("oldestEventTime")),
        ("previous_s3_bucket", text("previousDigestS3Bucket")),
        ("previous_s3_object", text("previousDigestS3Object")),
        ("previous_hash_algorithm", text("previousDigestHashAlgorithm")),
        ("public_key_fingerprint", text("publicKeyFingerprint")),
        ("signature_algorithm", text("digestSignatureAlgorithm")),
        ("log_file.s3_bucket", get("s3Bucket")),
        ("log_file.s3_object", get("s3Object")),
        ("log_file.hash_algorithm", get("hashAlgorithm")),
        ("log_file.hash_value", get("hashValue")),
        ("log_file.newest_event_time", get("newestEventTime").and_then(|t| crate::profiles::datetime::to_rfc3339(&t))),
        ("log_file.oldest_event_time", get("oldestEventTime").and_then(|t| crate::profiles::datetime::to_rfc3339(&t))),
    ] {
        if let Some(v) = v {
            doc.str_at(&d(key), &v);
        }
    }
    doc.finish(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// A digest in the documented format (CloudTrail User Guide, "CloudTrail digest file
    /// structure"), with two log files and one element that is no object.
    pub(crate) const DIGEST: &str = r#"{"awsAccountId":"111122223333","digestStartTime":"2024-05-02T14:00:00Z","digestEndTime":"2024-05-02T15:00:00Z","digestS3Bucket":"trail-digests","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/02/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20240502T150000Z.json.gz","digestPublicKeyFingerprint":"0123456789abcdef0123456789abcdef","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"2024-05-02T14:59:58Z","oldestEventTime":"2024-05-02T13:58:01Z","previousDigestS3Bucket":"trail-digests","previousDigestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/02/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20240502T140000Z.json.gz","previousDigestHashValue":"aa11","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"bb22","logFiles":[{"s3Bucket":"trail-logs","s3Object":"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/02/111122223333_CloudTrail_us-east-1_20240502T1405Z_a.json.gz","hashValue":"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08","hashAlgorithm":"SHA-256","newestEventTime":"2024-05-02T14:04:59Z","oldestEventTime":"2024-05-02T13:58:01Z"},{"s3Bucket":"trail-logs","s3Object":"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/02/111122223333_CloudTrail_us-east-1_20240502T1455Z_b.json.gz","hashValue":"not-a-hash","hashAlgorithm":"SHA-256","newestEventTime":"2024-05-02T14:59:58Z","oldestEventTime":"2024-05-02T14:50:00Z"},7]}"#;

    fn docs(profile: Profile) -> Vec<serde_json::Value> {
        let opts = Options { profile, digests: true, ..Options::default() };
        let mut all = Vec::new();
        let mut out = Vec::new();
        documents(DIGEST.as_bytes(), &opts, &mut out, |d| all.push(serde_json::from_slice(d).expect("a JSON document")));
        all
    }

    #[test]
    fn one_flat_document_per_listed_log_file() {
        let d = docs(Profile::Flat);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0]["file.path"], "s3://trail-logs/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/02/111122223333_CloudTrail_us-east-1_20240502T1405Z_a.json.gz");
        assert_eq!(d[0]["file.name"], "111122223333_CloudTrail_us-east-1_20240502T1405Z_a.json.gz");
        assert_eq!(d[0]["file.hash.sha256"], "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assert_eq!(d[0]["@timestamp"], "2024-05-02T15:00:00Z");
        assert_eq!(d[0]["cloud.account.id"], "111122223333");
        // Nothing of the digest or the element is lost: their members as flat keys.
        assert_eq!(d[0]["logFile.hashValue"], "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08");
        assert_eq!(d[0]["previousDigestSignature"], "bb22");
        assert!(d[0].get("logFiles").is_none());
        // A hash that is not 64 hex digits is no file.hash.sha256 (the element keeps it).
        assert!(d[1].get("file.hash.sha256").is_none());
        assert_eq!(d[1]["logFile.hashValue"], "not-a-hash");
    }

    #[test]
    fn one_ecs_document_per_listed_log_file() {
        let d = docs(Profile::Ecs);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0]["file"]["hash"]["sha256"], "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assert_eq!(d[0]["related"]["hash"][0], d[0]["file"]["hash"]["sha256"]);
        assert!(d[0]["file"]["path"].as_str().unwrap().starts_with("s3://trail-logs/AWSLogs/"));
        let digest = &d[0]["aws"]["cloudtrail"]["flattened"]["digest"];
        assert_eq!(digest["start_time"], "2024-05-02T14:00:00Z");
        assert_eq!(digest["s3_object"].as_str().map(|s| s.contains("CloudTrail-Digest")), Some(true));
        assert_eq!(digest["log_file"]["oldest_event_time"], "2024-05-02T13:58:01Z");
        assert_eq!(d[0]["event"]["kind"], "event");
        assert!(d[1]["file"].get("hash").is_none() && d[1].get("related").is_none());
    }

    /// Through the splitter: with the option, the documents; without it, a counted skip.
    #[test]
    fn the_option_decides_what_a_digest_gives() {
        let log = crate::transform_log(DIGEST.as_bytes(), &Options { digests: true, ..Options::default() }).unwrap();
        assert_eq!((log.records.len(), log.errors.len(), log.format.as_str()), (2, 0, "digest"));
        let plain = crate::transform_log(DIGEST.as_bytes(), &Options::default()).unwrap();
        assert!(plain.records.is_empty() && plain.errors.is_empty());
        let (ndjson, summary) = crate::transform_log_to_ndjson(DIGEST.as_bytes(), &Options::default()).unwrap();
        assert_eq!((ndjson.len(), summary.skipped), (0, 1));
        let (ndjson, summary) = crate::transform_log_to_ndjson(DIGEST.as_bytes(), &Options { digests: true, ..Options::default() }).unwrap();
        assert_eq!((String::from_utf8(ndjson).unwrap().lines().count(), summary.records, summary.skipped), (2, 2, 0));
        let empty = r#"{"digestStartTime":"2024-05-02T14:00:00Z","digestEndTime":"2024-05-02T15:00:00Z","logFiles":[]}"#;
        let (ndjson, summary) = crate::transform_log_to_ndjson(empty.as_bytes(), &Options { digests: true, ..Options::default() }).unwrap();
        assert_eq!((ndjson.len(), summary.records, summary.skipped), (0, 0, 1), "a digest listing nothing is still accounted for");
        let e = crate::transform_log(DIGEST.as_bytes(), &Options { digests: true, profile: Profile::Ocsf, ..Options::default() }).unwrap_err();
        assert!(e.to_string().contains("digests"), "{e}");
    }
}
