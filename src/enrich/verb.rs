//! `event.type`, `event.category`, `cloudtrail.read_only` and the OCSF activity: what kind of
//! operation the action is, decided by its leading verb (`Update` in `UpdateDistribution`).
//!
//! Keyed on the verb, not on whole event names, so actions the table has never seen (a new
//! CloudFront `CreateFooPolicy`) are still classified. `Batch` is a prefix, not a verb:
//! `BatchGetItem` is classified by `Get`.

use super::{Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

/// OCSF API Activity `activity_id` values.
const CREATE: u8 = 1;
const READ: u8 = 2;
const UPDATE: u8 = 3;
const DELETE: u8 = 4;
const OTHER: u8 = 99;

/// One verb: ECS event.type values, OCSF activity, and whether calls with it only read.
pub(crate) struct Verb {
    pub verb: &'static str,
    pub event_type: &'static [&'static str],
    pub activity_id: u8,
    /// Used when the record has no readOnly; None when the verb does not tell.
    pub read_only: Option<bool>,
}

const CREATION: &[&str] = &["creation"];
const CHANGE: &[&str] = &["change"];
const DELETION: &[&str] = &["deletion"];
const ACCESS: &[&str] = &["access"];
const INFO: &[&str] = &["info"];
const START: &[&str] = &["start"];
const END: &[&str] = &["end"];

const fn v(verb: &'static str, event_type: &'static [&'static str], activity_id: u8, read_only: Option<bool>) -> Verb {
    Verb { verb, event_type, activity_id, read_only }
}

/// Sorted by verb (byte order); checked by a test.
pub(crate) const VERBS: &[Verb] = &[
    v("Abort", CHANGE, UPDATE, Some(false)),
    v("Accept", CHANGE, UPDATE, Some(false)),
    v("Activate", CHANGE, UPDATE, Some(false)),
    v("Add", CHANGE, UPDATE, Some(false)),
    v("Allocate", CREATION, CREATE, Some(false)),
    v("Apply", CHANGE, UPDATE, Some(false)),
    v("Assign", CHANGE, UPDATE, Some(false)),
    v("Associate", CHANGE, UPDATE, Some(false)),
    v("Assume", START, OTHER, None),
    v("Attach", CHANGE, UPDATE, Some(false)),
    v("Authorize", CHANGE, UPDATE, Some(false)),
    v("Cancel", CHANGE, UPDATE, Some(false)),
    v("Check", INFO, READ, Some(true)),
    v("Complete", CHANGE, UPDATE, Some(false)),
    v("Confirm", CHANGE, UPDATE, Some(false)),
    v("Console", START, OTHER, None),
    v("Copy", CREATION, CREATE, Some(false)),
    v("Create", CREATION, CREATE, Some(false)),
    v("Deactivate", CHANGE, UPDATE, Some(false)),
    v("Decode", ACCESS, READ, Some(true)),
    v("Decrypt", ACCESS, READ, Some(true)),
    v("Delete", DELETION, DELETE, Some(false)),
    v("Deregister", DELETION, DELETE, Some(false)),
    v("Describe", INFO, READ, Some(true)),
    v("Detach", CHANGE, UPDATE, Some(false)),
    v("Disable", CHANGE, UPDATE, Some(false)),
    v("Disassociate", CHANGE, UPDATE, Some(false)),
    v("Download", ACCESS, READ, Some(true)),
    v("Enable", CHANGE, UPDATE, Some(false)),
    v("Encrypt", ACCESS, READ, Some(true)),
    v("Estimate", INFO, READ, Some(true)),
    v("Execute", START, OTHER, None),
    v("Export", ACCESS, READ, Some(true)),
    v("Filter", INFO, READ, Some(true)),
    v("Generate", ACCESS, READ, Some(true)),
    v("Get", ACCESS, READ, Some(true)),
    v("Head", ACCESS, READ, Some(true)),
    v("Import", CREATION, CREATE, Some(false)),
    v("Invoke", START, OTHER, None),
    v("List", INFO, READ, Some(true)),
    v("Lookup", INFO, READ, Some(true)),
    v("Modify", CHANGE, UPDATE, Some(false)),
    v("Move", CHANGE, UPDATE, Some(false)),
    v("Publish", CREATION, CREATE, Some(false)),
    v("Purchase", CREATION, CREATE, Some(false)),
    v("Put", CHANGE, UPDATE, Some(false)),
    v("Reboot", CHANGE, UPDATE, Some(false)),
    v("Receive", ACCESS, READ, None),
    v("Register", CREATION, CREATE, Some(false)),
    v("Reject", CHANGE, UPDATE, Some(false)),
    v("Release", DELETION, DELETE, Some(false)),
    v("Remove", DELETION, DELETE, Some(false)),
    v("Renew", CHANGE, UPDATE, Some(false)),
    v("Replace", CHANGE, UPDATE, Some(false)),
    v("Request", CREATION, CREATE, Some(false)),
    v("Reset", CHANGE, UPDATE, Some(false)),
    v("Restore", CREATION, CREATE, Some(false)),
    v("Resume", CHANGE, UPDATE, Some(false)),
    v("Retrieve", ACCESS, READ, Some(true)),
    v("Revoke", CHANGE, UPDATE, Some(false)),
    v("Rotate", CHANGE, UPDATE, Some(false)),
    v("Run", CREATION, CREATE, Some(false)),
    v("Scan", ACCESS, READ, Some(true)),
    v("Search", INFO, READ, Some(true)),
    v("Select", ACCESS, READ, Some(true)),
    v("Send", START, OTHER, Some(false)),
    v("Set", CHANGE, UPDATE, Some(false)),
    v("Simulate", INFO, READ, Some(true)),
    v("Start", START, OTHER, Some(false)),
    v("Stop", END, OTHER, Some(false)),
    v("Subscribe", CREATION, CREATE, Some(false)),
    v("Switch", START, OTHER, None),
    v("Tag", CHANGE, UPDATE, Some(false)),
    v("Terminate", DELETION, DELETE, Some(false)),
    v("Test", INFO, READ, Some(true)),
    v("Unassign", CHANGE, UPDATE, Some(false)),
    v("Unsubscribe", DELETION, DELETE, Some(false)),
    v("Untag", DELETION, DELETE, Some(false)),
    v("Update", CHANGE, UPDATE, Some(false)),
    v("Upload", CREATION, CREATE, Some(false)),
    v("Validate", INFO, READ, Some(true)),
    v("Verify", INFO, READ, Some(true)),
    v("View", ACCESS, READ, Some(true)),
];

/// Verbs whose events are sign-ins or credential hand-outs rather than resource operations.
const AUTHENTICATION_VERBS: &[&str] = &["Assume", "Console", "Switch"];

const CAT_API: &[&str] = &["api"];
const CAT_CONFIG: &[&str] = &["api", "configuration"];
const CAT_AUTH: &[&str] = &["authentication"];

pub(crate) static VERB: Enricher = Enricher {
    name: "verb",
    summary: "ECS categorisation, OCSF activity and read-only flag from the leading verb of the action.",
    reads: &["eventName (through event.action)", "readOnly"],
    writes: &[
        Key {
            name: "event.type",
            meaning: "ECS event.type from the verb: Create/Copy/Publish… `creation`, Update/Put/Associate/Tag… `change`, Delete/Untag/Remove… `deletion`, Get… `access`, List/Describe/Test… `info`",
        },
        Key {
            name: "event.category",
            meaning: "ECS event.category: `api` for reads, `api`+`configuration` for changes, `authentication` for AssumeRole/ConsoleLogin/SwitchRole",
        },
        Key { name: "cloudtrail.read_only", meaning: "readOnly when present, else whether the verb only reads (absent when it does not tell)" },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "a CloudFront update",
            record: r#"{"eventName":"UpdateDistribution2014_01_31"}"#,
            expect: &[("event.type", r#"["change"]"#), ("event.category", r#"["api","configuration"]"#), ("cloudtrail.read_only", "false")],
        },
        Example {
            title: "a read; readOnly in the record wins",
            record: r#"{"eventName":"ListDistributions","readOnly":true}"#,
            expect: &[("event.type", r#"["info"]"#), ("event.category", r#"["api"]"#), ("cloudtrail.read_only", "true")],
        },
        Example {
            title: "an unknown verb is not guessed",
            record: r#"{"eventName":"SharedSnapshotVolumeCreated"}"#,
            expect: &[("event.type", "null"), ("event.category", "null"), ("cloudtrail.read_only", "null")],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    let row = facts.action.as_deref().and_then(classify);
    if let Some(row) = row {
        facts.verb = Some(row.verb);
        facts.event_type = row.event_type;
        facts.activity_id = row.activity_id;
        facts.event_category = if AUTHENTICATION_VERBS.contains(&row.verb) {
            CAT_AUTH
        } else if row.read_only == Some(true) || row.event_type == ACCESS || row.event_type == INFO {
            CAT_API
        } else {
            CAT_CONFIG
        };
    } else if facts.action.is_some() {
        facts.activity_id = OTHER;
    }
    facts.read_only = fields.boolean(F::ReadOnly).or(row.and_then(|r| r.read_only));
}

/// The table row for an action's leading verb (after any `Batch` prefix).
pub(crate) fn classify(action: &str) -> Option<&'static Verb> {
    split_verb(action).map(|(v, _)| v)
}

/// The verb row and the rest of the action after it (`UpdateCachePolicy` → `CachePolicy`).
pub(crate) fn split_verb(action: &str) -> Option<(&'static Verb, &str)> {
    let mut rest = action;
    if leading_word(rest) == "Batch" {
        rest = &rest["Batch".len()..];
    }
    let word = leading_word(rest);
    if word.is_empty() {
        return None;
    }
    let row = VERBS.binary_search_by(|r| r.verb.cmp(word)).ok().map(|i| &VERBS[i])?;
    Some((row, &rest[word.len()..]))
}

/// The first word of a PascalCase name: an uppercase letter and the lowercase letters after it.
fn leading_word(s: &str) -> &str {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_uppercase) {
        return "";
    }
    let n = 1 + b[1..].iter().take_while(|c| c.is_ascii_lowercase()).count();
    &s[..n]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(action: &str) -> Option<(&'static str, u8)> {
        classify(action).map(|r| (r.event_type[0], r.activity_id))
    }

    #[test]
    fn verbs_sorted_without_duplicates() {
        assert!(VERBS.windows(2).all(|w| w[0].verb < w[1].verb));
        // Each verb is one word, so the leading-word split can find it.
        assert!(VERBS.iter().all(|r| leading_word(r.verb) == r.verb));
    }

    fn noun(action: &str) -> Option<&str> {
        split_verb(action).map(|(_, rest)| rest)
    }

    #[test]
    fn split_table() {
        crate::table_test!(noun, [
            ("plain", "UpdateCachePolicy", Some("CachePolicy")),
            ("batch prefix skipped", "BatchGetItem", Some("Item")),
            ("verb only", "Get", Some("")),
            ("unknown verb", "FrobnicateThing", None::<&str>),
        ]);
    }

    #[test]
    fn classify_table() {
        crate::table_test!(kind, [
            ("create", "CreateDistribution", Some(("creation", 1))),
            ("copy", "CopyDistribution", Some(("creation", 1))),
            ("publish", "PublishFunction", Some(("creation", 1))),
            ("update", "UpdateCachePolicy", Some(("change", 3))),
            ("put", "PutResourcePolicy", Some(("change", 3))),
            ("associate", "AssociateAlias", Some(("change", 3))),
            ("disassociate", "DisassociateDistributionWebACL", Some(("change", 3))),
            ("tag", "TagResource", Some(("change", 3))),
            ("untag", "UntagResource", Some(("deletion", 4))),
            ("delete", "DeleteDistribution", Some(("deletion", 4))),
            ("get", "GetDistributionConfig", Some(("access", 2))),
            ("list", "ListDistributionsByWebACLId", Some(("info", 2))),
            ("describe", "DescribeFunction", Some(("info", 2))),
            ("test", "TestFunction", Some(("info", 2))),
            ("verify", "VerifyDnsConfiguration", Some(("info", 2))),
            ("batch get", "BatchGetItem", Some(("access", 2))),
            ("batch delete", "BatchDeleteImage", Some(("deletion", 4))),
            ("batch alone", "Batch", None::<(&str, u8)>),
            ("verb is a word, not a prefix", "Updated", None::<(&str, u8)>),
            ("Getaway is not Get", "GetawayStatus", None::<(&str, u8)>),
            ("console login", "ConsoleLogin", Some(("start", 99))),
            ("lowercase", "updateDistribution", None::<(&str, u8)>),
            ("unknown", "SharedSnapshotVolumeCreated", None::<(&str, u8)>),
            ("empty", "", None::<(&str, u8)>),
            ("non-ASCII", "Ünder", None::<(&str, u8)>),
        ]);
    }
}
