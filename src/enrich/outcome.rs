//! `event.outcome`, `error.code`, `error.message`: did the call succeed, and if not, why.
//!
//! Oddities handled: an errorCode that is an HTTP 2xx status (`"200"`, seen in real records) is
//! not an error; ConsoleLogin failures carry no errorCode, only `responseElements.ConsoleLogin:
//! "Failure"` and an errorMessage. Insights events are not calls and get no outcome.

use super::{Enricher, Example, Facts, Key, Outcome};
use crate::fields::{Fields, F};

pub(crate) static OUTCOME: Enricher = Enricher {
    name: "outcome",
    summary: "Success or failure of the call, with the error code and message.",
    reads: &[F::ErrorCode, F::ErrorMessage, F::ReConsoleLogin, F::EventType, F::InsightDetails],
    uses: &[],
    writes: &[
        Key {
            name: "event.outcome",
            meaning: "`failure` when errorCode (other than an HTTP 2xx status) or errorMessage is present or ConsoleLogin is `Failure`, else `success`; absent for Insights events",
        },
        Key { name: "error.code", meaning: "errorCode (absent when it is an HTTP 2xx status such as `\"200\"`)" },
        Key { name: "error.message", meaning: "errorMessage (in batch output it also marks a record that could not be read)" },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "an access-denied call",
            record: r#"{"eventName":"GetDistribution","errorCode":"AccessDenied","errorMessage":"User is not authorized"}"#,
            expect: &[("event.outcome", r#""failure""#), ("error.code", r#""AccessDenied""#), ("error.message", r#""User is not authorized""#)],
        },
        Example {
            title: "a failed console sign-in has no errorCode",
            record: r#"{"eventName":"ConsoleLogin","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"}}"#,
            expect: &[("event.outcome", r#""failure""#), ("error.code", "null"), ("error.message", r#""Failed authentication""#)],
        },
        Example {
            title: "errorCode \"200\" is a success",
            record: r#"{"eventName":"action","errorCode":"200"}"#,
            expect: &[("event.outcome", r#""success""#), ("error.code", "null")],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    let code = fields.text(F::ErrorCode).filter(|c| !is_http_success(c));
    let message = fields.text(F::ErrorMessage);
    let console_failure = fields.text(F::ReConsoleLogin).is_some_and(|v| v.eq_ignore_ascii_case("failure"));
    // eventType is compared raw first (`"AwsApiCall"` on nearly every record): only a text with a
    // backslash needs decoding to tell.
    let insight = match fields.raw(F::EventType) {
        None => false,
        Some(b"\"AwsCloudTrailInsight\"") => true,
        Some(raw) if raw.first() == Some(&b'"') && !raw.contains(&b'\\') => false,
        Some(_) => fields.text(F::EventType).is_some_and(|t| t == "AwsCloudTrailInsight"),
    } || fields.has(F::InsightDetails);
    facts.outcome = if code.is_some() || message.is_some() || console_failure {
        Some(Outcome::Failure)
    } else if insight {
        None
    } else {
        Some(Outcome::Success)
    };
    facts.error_code = code;
    facts.error_message = message;
}

/// `"200"`..`"299"`: an HTTP success status written where an error code belongs.
fn is_http_success(code: &str) -> bool {
    let b = code.trim().as_bytes();
    b.len() == 3 && b[0] == b'2' && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(rec: &str) -> (Option<&'static str>, Option<alloc::string::String>) {
        let fields = Fields::capture(rec.as_bytes());
        let mut facts = Facts::default();
        run(&fields, &mut facts);
        (facts.outcome.map(Outcome::as_str), facts.error_code.map(|c| c.into_owned()))
    }

    #[test]
    fn outcome_table() {
        crate::table_test!(outcome, [
            ("plain success", r#"{"eventName":"GetDistribution"}"#, (Some("success"), None::<String>)),
            ("error code", r#"{"errorCode":"NoSuchDistribution"}"#, (Some("failure"), Some(String::from("NoSuchDistribution")))),
            ("message only", r#"{"errorMessage":"x"}"#, (Some("failure"), None::<String>)),
            ("empty code ignored", r#"{"errorCode":""}"#, (Some("success"), None::<String>)),
            ("null code ignored", r#"{"errorCode":null}"#, (Some("success"), None::<String>)),
            ("200 is success", r#"{"errorCode":"200"}"#, (Some("success"), None::<String>)),
            ("204 is success", r#"{"errorCode":"204"}"#, (Some("success"), None::<String>)),
            ("404 is failure", r#"{"errorCode":"404"}"#, (Some("failure"), Some(String::from("404")))),
            ("200 with a message is failure", r#"{"errorCode":"200","errorMessage":"boom"}"#, (Some("failure"), None::<String>)),
            ("console failure", r#"{"responseElements":{"ConsoleLogin":"Failure"}}"#, (Some("failure"), None::<String>)),
            ("console success", r#"{"responseElements":{"ConsoleLogin":"Success"}}"#, (Some("success"), None::<String>)),
            ("insight", r#"{"eventType":"AwsCloudTrailInsight","insightDetails":{}}"#, (None::<&str>, None::<String>)),
            ("insight by its type alone", r#"{"eventType":"AwsCloudTrailInsight"}"#, (None::<&str>, None::<String>)),
            ("insight type escaped", r#"{"eventType":"AwsCloudTrail\u0049nsight"}"#, (None::<&str>, None::<String>)),
            ("another type escaped", r#"{"eventType":"AwsApi\u0043all"}"#, (Some("success"), None::<String>)),
            ("service event", r#"{"eventType":"AwsServiceEvent"}"#, (Some("success"), None::<String>)),
        ]);
    }
}
