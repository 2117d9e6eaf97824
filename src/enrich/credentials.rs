//! `cloudtrail.access_key_type`, `cloudtrail.mfa_authenticated`, `cloudtrail.console_session`,
//! `cloudtrail.session.created_at`: what kind of credentials signed the call.

use super::{time, Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

pub(crate) static CREDENTIALS: Enricher = Enricher {
    name: "credentials",
    summary: "Long-term or temporary keys, MFA, console session and when the session began.",
    reads: &[F::UiAccessKeyId, F::ScMfaAuthenticated, F::ScCreationDate, F::AedMfaUsed, F::SessionCredentialFromConsole],
    uses: &[],
    writes: &[
        Key { name: "cloudtrail.access_key_type", meaning: "`long_term` for an AKIA… access key id, `temporary` for ASIA…" },
        Key {
            name: "cloudtrail.mfa_authenticated",
            meaning: "sessionContext.attributes.mfaAuthenticated as a boolean (`\"true\"`, `\"false\"`, `\"False\"`); for sign-ins, additionalEventData.MFAUsed `Yes`/`No`",
        },
        Key { name: "cloudtrail.console_session", meaning: "sessionCredentialFromConsole as a boolean" },
        Key {
            name: "cloudtrail.session.created_at",
            meaning: "sessionContext.attributes.creationDate as RFC 3339 UTC (the compact `20131102T010628Z` form normalised)",
        },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "temporary credentials from a console session with MFA",
            record: r#"{"eventVersion":"1.08","userIdentity":{"accessKeyId":"ASIAEXAMPLE","sessionContext":{"attributes":{"mfaAuthenticated":"true","creationDate":"2024-03-01T10:00:00Z"}}},"sessionCredentialFromConsole":"true"}"#,
            expect: &[
                ("cloudtrail.access_key_type", r#""temporary""#),
                ("cloudtrail.mfa_authenticated", "true"),
                ("cloudtrail.console_session", "true"),
                ("cloudtrail.session.created_at", r#""2024-03-01T10:00:00Z""#),
            ],
        },
        Example {
            title: "a long-term key; `False` spelled as some records do; compact creation date",
            record: r#"{"eventVersion":"1.08","userIdentity":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","sessionContext":{"attributes":{"mfaAuthenticated":"False","creationDate":"20131102T010628Z"}}}}"#,
            expect: &[
                ("cloudtrail.access_key_type", r#""long_term""#),
                ("cloudtrail.mfa_authenticated", "false"),
                ("cloudtrail.console_session", "null"),
                ("cloudtrail.session.created_at", r#""2013-11-02T01:06:28Z""#),
            ],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    facts.access_key_type = fields.text(F::UiAccessKeyId).and_then(|k| key_type(&k));
    facts.mfa_authenticated = fields.boolean(F::ScMfaAuthenticated).or_else(|| fields.text(F::AedMfaUsed).and_then(|v| yes_no(&v)));
    facts.console_session = fields.boolean(F::SessionCredentialFromConsole);
    facts.session_created = fields.text(F::ScCreationDate).and_then(|d| time::to_rfc3339(&d));
}

/// Access key id prefixes (IAM identifiers documentation): AKIA long-term, ASIA temporary (STS).
fn key_type(key: &str) -> Option<&'static str> {
    match key.get(..4) {
        Some("AKIA") => Some("long_term"),
        Some("ASIA") => Some("temporary"),
        _ => None,
    }
}

fn yes_no(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if v.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mfa(rec: &str) -> Option<bool> {
        let fields = Fields::capture(rec.as_bytes());
        let mut facts = Facts::default();
        run(&fields, &mut facts);
        facts.mfa_authenticated
    }

    #[test]
    fn key_type_table() {
        crate::table_test!(key_type, [
            ("long term", "AKIAIOSFODNN7EXAMPLE", Some("long_term")),
            ("temporary", "ASIAY34FZKBOKMUTVV7A", Some("temporary")),
            ("redacted", "EXAMPLE_KEY", None::<&str>),
            ("lowercase is not a key", "akiaxxxx", None::<&str>),
            ("short", "AKI", None::<&str>),
            ("multibyte at the cut", "AKIé", None::<&str>),
        ]);
    }

    #[test]
    fn mfa_table() {
        crate::table_test!(mfa, [
            ("true", r#"{"userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":"true"}}}}"#, Some(true)),
            ("False", r#"{"userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":"False"}}}}"#, Some(false)),
            ("json bool", r#"{"userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":false}}}}"#, Some(false)),
            ("garbage", r#"{"userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":"maybe"}}}}"#, None::<bool>),
            ("console MFAUsed", r#"{"additionalEventData":{"MFAUsed":"Yes"}}"#, Some(true)),
            ("console MFAUsed No", r#"{"additionalEventData":{"MFAUsed":"No"}}"#, Some(false)),
            ("absent", r#"{}"#, None::<bool>),
        ]);
    }
}
