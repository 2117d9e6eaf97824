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
    v("Change", CHANGE, UPDATE, Some(false)),
    v("Check", INFO, READ, Some(true)),
    v("Complete", CHANGE, UPDATE, Some(false)),
    v("Confirm", CHANGE, UPDATE, Some(false)),
    v("Console", START, OTHER, None),
    v("Converse", START, OTHER, None),
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
    v("End", END, OTHER, Some(false)),
    v("Estimate", INFO, READ, Some(true)),
    v("Execute", START, OTHER, None),
    v("Export", ACCESS, READ, Some(true)),
    v("Federate", START, OTHER, None),
    v("Filter", INFO, READ, Some(true)),
    v("Generate", ACCESS, READ, Some(true)),
    v("Get", ACCESS, READ, Some(true)),
    v("Head", ACCESS, READ, Some(true)),
    v("Import", CREATION, CREATE, Some(false)),
    v("Invoke", START, OTHER, None),
    v("Leave", CHANGE, UPDATE, Some(false)),
    v("List", INFO, READ, Some(true)),
    v("Lookup", INFO, READ, Some(true)),
    v("Modify", CHANGE, UPDATE, Some(false)),
    v("Move", CHANGE, UPDATE, Some(false)),
    v("Open", CHANGE, UPDATE, Some(false)),
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
    v("Schedule", CHANGE, UPDATE, Some(false)),
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
    // Removing tags changes the resource; nothing is deleted.
    v("Untag", CHANGE, UPDATE, Some(false)),
    v("Update", CHANGE, UPDATE, Some(false)),
    v("Upload", CREATION, CREATE, Some(false)),
    v("Validate", INFO, READ, Some(true)),
    v("Verify", INFO, READ, Some(true)),
    v("View", ACCESS, READ, Some(true)),
];

/// Sign-ins and credential hand-outs: ECS category `authentication`, type `info` (as Elastic's
/// aws.cloudtrail pipeline has them), whatever the verb. Whole action names, sorted; `AssumeRole*`
/// are matched by prefix. Only for the providers in `AUTH_PROVIDERS` (or none, in old records).
const AUTH_ACTIONS: &[&str] = &[
    "ConsoleLogin",
    "CredentialChallenge",
    "CredentialVerification",
    "ExternalIdPDirectoryLogin",
    "Federate",
    "GetFederationToken",
    "GetSessionToken",
    "SwitchRole",
    "UserAuthentication",
];
const AUTH_PROVIDERS: &[&str] = &["portal.sso.amazonaws.com", "signin.amazonaws.com", "sso.amazonaws.com", "sts.amazonaws.com"];

/// Data-plane calls when the record has no `eventCategory: Data` (older records, management
/// events that act on data): (provider, action prefixes; `""` is every action). They read or
/// write data, run code or send messages; they do not change a configuration.
const DATA_PLANE: &[(&str, &[&str])] = &[
    ("bedrock.amazonaws.com", &["ApplyGuardrail", "Converse", "Invoke", "Retrieve"]),
    (
        "dynamodb.amazonaws.com",
        &["BatchExecuteStatement", "BatchGetItem", "BatchWriteItem", "DeleteItem", "ExecuteStatement", "ExecuteTransaction", "GetItem", "PutItem", "Query", "Scan", "TransactGetItems", "TransactWriteItems", "UpdateItem"],
    ),
    ("edgekeyvaluestore.amazonaws.com", &[""]),
    ("kinesis.amazonaws.com", &["GetRecords", "GetShardIterator", "PutRecord", "SubscribeToShard"]),
    ("lambda.amazonaws.com", &["Invoke"]),
    (
        "s3.amazonaws.com",
        &["AbortMultipartUpload", "CompleteMultipartUpload", "CopyObject", "CreateMultipartUpload", "DeleteObject", "GetObject", "HeadObject", "ListObject", "ListParts", "PutObject", "RestoreObject", "SelectObjectContent", "UploadPart"],
    ),
    ("sns.amazonaws.com", &["Publish"]),
    ("sqs.amazonaws.com", &["ChangeMessageVisibility", "DeleteMessage", "ReceiveMessage", "SendMessage"]),
    ("ssm.amazonaws.com", &["ResumeSession", "SendCommand", "StartSession", "TerminateSession"]),
];
/// Bucket settings whose names start like object calls.
const S3_BUCKET_SETTINGS: &[&str] = &["GetObjectLockConfiguration", "PutObjectLockConfiguration"];

/// IAM action nouns whose object is a user (type `user`); checked after `Group`.
const IAM_USER_NOUNS: &[&str] =
    &["AccessKey", "LoginProfile", "MFADevice", "Password", "SSHPublicKey", "ServiceSpecificCredential", "SigningCertificate", "User"];

const CAT_API: &[&str] = &["api"];
const CAT_CONFIG: &[&str] = &["api", "configuration"];
const CAT_AUTH: &[&str] = &["authentication"];
const CAT_IAM: &[&str] = &["iam"];

pub(crate) static VERB: Enricher = Enricher {
    name: "verb",
    summary: "One taxonomy for every profile: ECS categorisation, OCSF activity and read-only flag from the leading verb of the action, refined for sign-ins, IAM and data-plane calls (the ECS profile writes the same values).",
    reads: &[F::ReadOnly, F::EventCategory],
    uses: &["event.action", "event.provider"],
    writes: &[
        Key {
            name: "event.type",
            meaning: "ECS event.type from the verb: Create/Copy/Publish… `creation`, Update/Put/Associate/Change… `change`, Delete/Remove… `deletion`, Get… `access`, List/Describe/Test… `info`, Start/Invoke/Converse `start`, Stop/End `end`; tagging calls (Tag/Untag, Create/Delete/Add/RemoveTags…) `change`; sign-ins and credential hand-outs `info`; IAM calls `[kind, change]` with kind `user` (access keys, login profiles, MFA devices, passwords, SSH keys, users), `group` or `admin` and change `creation`/`deletion` only for the user or group itself, `change` for other writes, `info` for reads (only the kind when the verb is unknown)",
        },
        Key {
            name: "event.category",
            meaning: "ECS event.category: `authentication` for ConsoleLogin, AssumeRole*, GetFederationToken, GetSessionToken, UserAuthentication, CredentialChallenge, Federate, SwitchRole… (signin, STS, SSO); `iam` for IAM calls; `api`+`configuration` for control-plane creations, changes and deletions; `api` for reads and data-plane calls (eventCategory `Data`, S3 object calls, KeyValueStore keys, Lambda Invoke, Bedrock InvokeModel/Converse, SNS Publish, SQS messages, SSM StartSession/SendCommand…)",
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
            title: "tagging changes an existing resource",
            record: r#"{"eventSource":"ec2.amazonaws.com","eventName":"CreateTags"}"#,
            expect: &[("event.type", r#"["change"]"#), ("event.category", r#"["api","configuration"]"#)],
        },
        Example {
            title: "a data-plane write is not a configuration change",
            record: r#"{"eventSource":"s3.amazonaws.com","eventName":"PutObject","eventCategory":"Data"}"#,
            expect: &[("event.type", r#"["change"]"#), ("event.category", r#"["api"]"#)],
        },
        Example {
            title: "minting credentials is authentication",
            record: r#"{"eventSource":"sts.amazonaws.com","eventName":"GetFederationToken"}"#,
            expect: &[("event.type", r#"["info"]"#), ("event.category", r#"["authentication"]"#)],
        },
        Example {
            title: "IAM: the kind of object and the change",
            record: r#"{"eventSource":"iam.amazonaws.com","eventName":"ChangePassword"}"#,
            expect: &[("event.type", r#"["user","change"]"#), ("event.category", r#"["iam"]"#)],
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
    let Some(action) = facts.action.as_deref() else {
        facts.read_only = fields.boolean(F::ReadOnly);
        return;
    };
    // What the call alone decides: worked out by `provider` for this action and provider
    // (remembered per pair, enrich/call.rs); worked out here when it was not.
    let s = match facts.call {
        Some(c) => c.verb,
        None => statics(action, facts.provider.as_deref()),
    };
    let read_only = fields.boolean(F::ReadOnly).or(s.row_read_only);
    facts.activity_id = s.activity_id;
    facts.verb = s.verb;
    let data = is_data_category(fields) || s.data_plane;
    let (t, c) = categorize(&s, read_only, data);
    facts.event_type = t;
    facts.event_category = c;
    facts.read_only = read_only;
}

/// What the verb enricher decides from the action and the provider alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Static {
    /// The verb found in the table, its read-only default, and the type and OCSF activity
    /// (tagging calls already turned into a change).
    verb: Option<&'static str>,
    row_read_only: Option<bool>,
    event_type: &'static [&'static str],
    activity_id: u8,
    /// A data-plane call by its provider and action ([`is_data_plane`]).
    data_plane: bool,
    /// A sign-in or credential call of a sign-in provider (or of no provider).
    auth: bool,
    /// IAM's own calls: what [`iam_type`] needs of the action (the record adds its readOnly).
    iam: Option<Iam>,
}

impl Default for Static {
    fn default() -> Static {
        Static { verb: None, row_read_only: None, event_type: &[], activity_id: OTHER, data_plane: false, auth: false, iam: None }
    }
}

pub(crate) fn statics(action: &str, provider: Option<&str>) -> Static {
    let row = classify(action);
    let mut s = Static {
        verb: row.map(|r| r.verb),
        row_read_only: row.and_then(|r| r.read_only),
        event_type: row.map_or(&[], |r| r.event_type),
        activity_id: row.map_or(OTHER, |r| r.activity_id),
        data_plane: is_data_plane(action, provider),
        auth: provider.map_or(true, |p| AUTH_PROVIDERS.contains(&p)) && (AUTH_ACTIONS.binary_search(&action).is_ok() || action.starts_with("AssumeRole")),
        iam: (provider == Some("iam.amazonaws.com")).then(|| iam_of(action)),
    };
    if row.is_some_and(|r| r.read_only == Some(false)) && is_tagging(action) {
        s.event_type = CHANGE;
        s.activity_id = UPDATE;
    }
    s
}

/// The call only reads: the record says so, or its verb's type does.
fn is_read(read_only: Option<bool>, event_type: &[&str]) -> bool {
    read_only == Some(true) || event_type == ACCESS || event_type == INFO
}

/// `eventCategory` is `Data`. The raw value is compared first: without a backslash, the string
/// `"Data"` is the only text that reads as `Data` (no decoding per record).
fn is_data_category(fields: &Fields<'_>) -> bool {
    match fields.raw(F::EventCategory) {
        None => false,
        Some(b"\"Data\"") => true,
        Some(raw) if raw.first() == Some(&b'"') && !raw.contains(&b'\\') => false,
        Some(_) => fields.text(F::EventCategory).is_some_and(|c| c == "Data"),
    }
}

/// The one taxonomy (see the `event.type`/`event.category` meanings above).
fn categorize(s: &Static, read_only: Option<bool>, data: bool) -> (&'static [&'static str], &'static [&'static str]) {
    if s.auth {
        return (INFO, CAT_AUTH);
    }
    let event_type = s.event_type;
    let read = is_read(read_only, event_type);
    if let Some(iam) = s.iam {
        return (iam_type(iam, event_type, read, read_only == Some(false)), CAT_IAM);
    }
    if event_type.is_empty() {
        return (&[], &[]);
    }
    // Control-plane writes (StopLogging and StopInstances too) change configuration or state.
    if read || data {
        (event_type, CAT_API)
    } else {
        (event_type, CAT_CONFIG)
    }
}

/// What IAM's typing takes from the action: the kind of object (an index of [`IAM_TYPES`]) and
/// whether the call creates or deletes that user or group itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Iam {
    kind: usize,
    itself: bool,
}

const IAM_USER: usize = 0;
const IAM_GROUP: usize = 1;
const IAM_ADMIN: usize = 2;

fn iam_of(action: &str) -> Iam {
    let kind = if action.contains("Account") {
        IAM_ADMIN
    } else if action.contains("Group") {
        IAM_GROUP
    } else if IAM_USER_NOUNS.iter().any(|n| action.contains(n)) {
        IAM_USER
    } else {
        IAM_ADMIN
    };
    Iam { kind, itself: matches!(action, "CreateUser" | "DeleteUser" | "CreateGroup" | "DeleteGroup") }
}

/// `[kind, change]` by kind (user, group, admin) and change (creation, deletion, change, info,
/// none): IAM events as Elastic's pipeline types them.
const IAM_TYPES: [[&[&str]; 5]; 3] = [
    [&["user", "creation"], &["user", "deletion"], &["user", "change"], &["user", "info"], &["user"]],
    [&["group", "creation"], &["group", "deletion"], &["group", "change"], &["group", "info"], &["group"]],
    [&["admin", "creation"], &["admin", "deletion"], &["admin", "change"], &["admin", "info"], &["admin"]],
];

/// IAM's `[kind, change]` for a call of verb type `event_type` that reads or writes.
fn iam_type(iam: Iam, event_type: &[&str], read: bool, write: bool) -> &'static [&'static str] {
    const CREATION: usize = 0;
    const DELETION: usize = 1;
    const CHANGE_: usize = 2;
    const INFO_: usize = 3;
    const NONE: usize = 4;
    // An unknown write is a change, never `info`; an unknown verb says nothing.
    let mut change = ["creation", "deletion", "change"].iter().position(|t| event_type.contains(t)).unwrap_or(if read {
        INFO_
    } else if write {
        CHANGE_
    } else {
        NONE
    });
    // Creating an access key or deleting a user's policy changes the user; only creating or
    // deleting the user or group itself is `creation`/`deletion` (as Elastic has it).
    if iam.kind != IAM_ADMIN && matches!(change, CREATION | DELETION) && !iam.itself {
        change = CHANGE_;
    }
    IAM_TYPES[iam.kind][change]
}

/// Calls that tag or untag an existing resource (`CreateTags`, `AddTagsToResource`,
/// `DeleteBucketTagging`, `TagResource`...): a change to that resource, not a creation or deletion.
fn is_tagging(action: &str) -> bool {
    let Some((row, noun)) = split_verb(action) else { return false };
    matches!(row.verb, "Tag" | "Untag")
        || noun == "Tags"
        || noun.starts_with("TagsTo")
        || noun.starts_with("TagsFrom")
        || noun.ends_with("Tags")
        || noun.ends_with("Tagging")
}

fn is_data_plane(action: &str, provider: Option<&str>) -> bool {
    let Some(p) = provider else { return false };
    if p == "s3.amazonaws.com" && S3_BUCKET_SETTINGS.contains(&action) {
        return false;
    }
    DATA_PLANE.iter().any(|(dp, prefixes)| *dp == p && prefixes.iter().any(|pre| action.starts_with(pre)))
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
    let row = VERBS.binary_search_by(|r| cmp_bytes(r.verb.as_bytes(), word.as_bytes())).ok().map(|i| &VERBS[i])?;
    Some((row, &rest[word.len()..]))
}

/// Byte order, as `<[u8]>::cmp`, by a loop over the first bytes: the verbs are short and differ
/// early, and `cmp`'s `memcmp` call per step of the search cost ~500 instructions a record.
#[inline]
fn cmp_bytes(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
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
        // The search finds each verb, and its order is the table's.
        assert!(VERBS.windows(2).all(|w| cmp_bytes(w[0].verb.as_bytes(), w[1].verb.as_bytes()).is_lt()));
        for r in VERBS {
            assert_eq!(split_verb(&format!("{}Thing", r.verb)).map(|(v, rest)| (v.verb, rest)), Some((r.verb, "Thing")));
        }
        // Prefixes and extensions of verbs are not verbs unless listed.
        for w in ["Ge", "Gett", "Creat", "Creates", "Describ", "Zzz", "Aaaaaaaaaaaaaaaaaaaa"] {
            assert_eq!(split_verb(w).map(|(v, _)| v.verb), VERBS.iter().find(|r| r.verb == w).map(|r| r.verb), "{w}");
        }
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

    /// (action, provider, eventCategory) → (event.type, event.category), through the enricher.
    fn taxonomy(case: (&str, Option<&str>, Option<&str>)) -> (Vec<&'static str>, Vec<&'static str>) {
        let (action, provider, category) = case;
        let mut rec = alloc::format!(r#"{{"eventName":"{action}""#);
        if let Some(p) = provider {
            rec.push_str(&alloc::format!(r#","eventSource":"{p}""#));
        }
        if let Some(c) = category {
            rec.push_str(&alloc::format!(r#","eventCategory":"{c}""#));
        }
        rec.push('}');
        let fields = Fields::capture(rec.as_bytes());
        let mut facts = Facts::default();
        (crate::enrich::action::ACTION.run)(&fields, &mut facts);
        (crate::enrich::provider::PROVIDER.run)(&fields, &mut facts);
        run(&fields, &mut facts);
        (facts.event_type.to_vec(), facts.event_category.to_vec())
    }

    /// eventCategory is read raw unless escaped: an escaped `Data` is still `Data`, anything else
    /// (escaped or not) is not.
    #[test]
    fn data_category_raw_or_escaped() {
        let cat = |c: &str| taxonomy(("UpdateThing", Some("foo.amazonaws.com"), Some(c))).1;
        assert_eq!(cat("Data"), alloc::vec!["api"]);
        assert_eq!(cat("\\u0044ata"), cat("Data"));
        assert_eq!(cat("Management"), alloc::vec!["api", "configuration"]);
        for other in ["Dat\\u0061x", "data", "Data ", ""] {
            assert_eq!(cat(other), cat("Management"), "{other}");
        }
    }

    #[test]
    fn tables_sorted() {
        assert!(AUTH_ACTIONS.windows(2).all(|w| w[0] < w[1]));
        assert!(DATA_PLANE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn taxonomy_table() {
        use alloc::vec;
        const NO: Option<&str> = None;
        let none: (Vec<&str>, Vec<&str>) = (vec![], vec![]);
        crate::table_test!(taxonomy, [
            ("control-plane update", ("UpdateDistribution", Some("cloudfront.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("console login", ("ConsoleLogin", Some("signin.amazonaws.com"), NO), (vec!["info"], vec!["authentication"])),
            ("console login in an old record", ("ConsoleLogin", NO, NO), (vec!["info"], vec!["authentication"])),
            ("assume role", ("AssumeRoleWithSAML", Some("sts.amazonaws.com"), NO), (vec!["info"], vec!["authentication"])),
            ("federation token", ("GetFederationToken", Some("sts.amazonaws.com"), NO), (vec!["info"], vec!["authentication"])),
            ("session token", ("GetSessionToken", Some("sts.amazonaws.com"), NO), (vec!["info"], vec!["authentication"])),
            ("identity center sign-in", ("UserAuthentication", Some("signin.amazonaws.com"), NO), (vec!["info"], vec!["authentication"])),
            ("credential challenge", ("CredentialChallenge", Some("signin.amazonaws.com"), NO), (vec!["info"], vec!["authentication"])),
            ("portal federation", ("Federate", Some("sso.amazonaws.com"), NO), (vec!["info"], vec!["authentication"])),
            ("same name elsewhere is not a sign-in", ("GetSessionToken", Some("example.amazonaws.com"), NO), (vec!["access"], vec!["api"])),
            ("caller identity only reads", ("GetCallerIdentity", Some("sts.amazonaws.com"), NO), (vec!["access"], vec!["api"])),
            ("create user", ("CreateUser", Some("iam.amazonaws.com"), NO), (vec!["user", "creation"], vec!["iam"])),
            ("create access key changes the user", ("CreateAccessKey", Some("iam.amazonaws.com"), NO), (vec!["user", "change"], vec!["iam"])),
            ("change password is a user change, not info", ("ChangePassword", Some("iam.amazonaws.com"), NO), (vec!["user", "change"], vec!["iam"])),
            ("group", ("CreateGroup", Some("iam.amazonaws.com"), NO), (vec!["group", "creation"], vec!["iam"])),
            ("deleting a user's policy changes the user", ("DeleteUserPolicy", Some("iam.amazonaws.com"), NO), (vec!["user", "change"], vec!["iam"])),
            ("delete user", ("DeleteUser", Some("iam.amazonaws.com"), NO), (vec!["user", "deletion"], vec!["iam"])),
            ("delete group", ("DeleteGroup", Some("iam.amazonaws.com"), NO), (vec!["group", "deletion"], vec!["iam"])),
            ("deleting a group's policy changes the group", ("DeleteGroupPolicy", Some("iam.amazonaws.com"), NO), (vec!["group", "change"], vec!["iam"])),
            ("account calls are admin", ("DeleteAccountAlias", Some("iam.amazonaws.com"), NO), (vec!["admin", "deletion"], vec!["iam"])),
            ("admin", ("CreatePolicy", Some("iam.amazonaws.com"), NO), (vec!["admin", "creation"], vec!["iam"])),
            ("iam read", ("GetUser", Some("iam.amazonaws.com"), NO), (vec!["user", "info"], vec!["iam"])),
            ("iam unknown verb: only the kind", ("FrobnicateUser", Some("iam.amazonaws.com"), NO), (vec!["user"], vec!["iam"])),
            ("iam tagging", ("TagRole", Some("iam.amazonaws.com"), NO), (vec!["admin", "change"], vec!["iam"])),
            ("create tags tags an existing resource", ("CreateTags", Some("ec2.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("delete tags", ("DeleteTags", Some("ec2.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("add tags to resource", ("AddTagsToResource", Some("ssm.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("untag", ("UntagResource", Some("cloudfront.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("bucket tagging", ("DeleteBucketTagging", Some("s3.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("a tag option is a resource", ("CreateTagOption", Some("servicecatalog.amazonaws.com"), NO), (vec!["creation"], vec!["api", "configuration"])),
            ("listing tags reads", ("ListTagsForResource", Some("cloudfront.amazonaws.com"), NO), (vec!["info"], vec!["api"])),
            ("data event", ("PutObject", Some("s3.amazonaws.com"), Some("Data")), (vec!["change"], vec!["api"])),
            ("s3 object write without eventCategory", ("CopyObject", Some("s3.amazonaws.com"), NO), (vec!["creation"], vec!["api"])),
            ("s3 bucket setting stays configuration", ("PutObjectLockConfiguration", Some("s3.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("s3 bucket policy is configuration", ("PutBucketPolicy", Some("s3.amazonaws.com"), Some("Management")), (vec!["change"], vec!["api", "configuration"])),
            ("kvs key", ("PutKey", Some("edgekeyvaluestore.amazonaws.com"), NO), (vec!["change"], vec!["api"])),
            ("lambda invoke", ("Invoke", Some("lambda.amazonaws.com"), NO), (vec!["start"], vec!["api"])),
            ("bedrock invoke", ("InvokeModel", Some("bedrock.amazonaws.com"), NO), (vec!["start"], vec!["api"])),
            ("bedrock converse", ("Converse", Some("bedrock.amazonaws.com"), NO), (vec!["start"], vec!["api"])),
            ("sns publish", ("Publish", Some("sns.amazonaws.com"), NO), (vec!["creation"], vec!["api"])),
            ("ssm session", ("StartSession", Some("ssm.amazonaws.com"), NO), (vec!["start"], vec!["api"])),
            ("ssm command", ("SendCommand", Some("ssm.amazonaws.com"), NO), (vec!["start"], vec!["api"])),
            ("stopping a control-plane resource is a change", ("StopLogging", Some("cloudtrail.amazonaws.com"), NO), (vec!["end"], vec!["api", "configuration"])),
            ("leave", ("LeaveOrganization", Some("organizations.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("schedule", ("ScheduleKeyDeletion", Some("kms.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("end", ("EndSession", Some("example.amazonaws.com"), NO), (vec!["end"], vec!["api", "configuration"])),
            ("open", ("OpenInstancePublicPorts", Some("lightsail.amazonaws.com"), NO), (vec!["change"], vec!["api", "configuration"])),
            ("unknown", ("SharedSnapshotVolumeCreated", Some("ec2.amazonaws.com"), NO), none.clone()),
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
            ("untag", "UntagResource", Some(("change", 3))),
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
