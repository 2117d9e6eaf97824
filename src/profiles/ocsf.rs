//! The `ocsf` profile: one OCSF 1.1.0 event per record (the version Amazon Security Lake
//! stores), in one of four classes:
//! - Detection Finding (2004) for Insights events (AWS's own detection of unusual activity);
//! - Authentication (3002) for sign-ins (`SIGN_INS`: `ConsoleLogin`, Identity Center's steps,
//!   `Federate`, `GetSigninToken`, `Logout`), as the OCSF examples map CloudTrail sign-ins;
//! - Account Change (3001) for IAM calls that change a user or role as an account (create,
//!   delete, attach/detach policy, password, MFA: `ACCOUNT_CHANGES`), as the OCSF CloudTrail
//!   CreateUser example does;
//! - API Activity (6003) for everything else, with `activity_id` from the verb table (Facts).
//!
//! Every class carries the `cloud` profile (`cloud`, `api`). `TABLE` is the attribute mapping
//! shared by the classes; class attributes, status, labels and actor details are written by code
//! below it. Record fields no attribute takes go to `unmapped`, nested as in the record (with
//! members the mapping consumed left out). A record no class can hold as a valid event (not
//! CloudTrail, no valid time, no operation or actor...) is refused, and the engine writes an
//! error entry instead. tests/js/ocsf-schema.test.mjs validates the output against the OCSF
//! 1.1.0 schema; docs/PROFILES.md has the full mapping.
//!
//! With `enrich: false`: routing still works from the raw event name; API Activity's
//! `activity_id` is 0 (Unknown) and `status_id` 0 (Unknown), because those are judgments of the
//! enrichers; times are still converted (they are format conversions, not judgments);
//! `src_endpoint.ip` is used when sourceIPAddress parses as an IP address, else `svc_name`.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::enrich::{Facts, Outcome};
use crate::fields::{Fields, KeptMember, Node, F};
use crate::json::{self, Code};
use crate::record::Marks;
use crate::profiles::canon;
use crate::profiles::doc::{Doc, Part};
use crate::profiles::rows::{self, bool_str, Conv, Row, Src};
use crate::profiles::slots::{self, at, Slots};

pub(crate) const OCSF_VERSION: &str = "1.1.0";

use Conv::{Bool, EpochMs, Str};
use Src::{Const, Fact, Field};

/// (target, sources in order of preference, conversion), for every class.
pub(crate) const TABLE: &[Row] = &[
    Row { target: "time", from: &[Fact("@timestamp", |f| f.timestamp.as_deref()), Field(F::EventTime)], conv: EpochMs },
    Row { target: "severity", from: &[Const("Informational")], conv: Str },
    Row { target: "metadata.version", from: &[Const(OCSF_VERSION)], conv: Str },
    Row { target: "metadata.product.name", from: &[Const("CloudTrail")], conv: Str },
    Row { target: "metadata.product.vendor_name", from: &[Const("AWS")], conv: Str },
    Row { target: "metadata.product.version", from: &[Field(F::EventVersion)], conv: Str },
    Row { target: "metadata.product.feature.name", from: &[Field(F::EventCategory)], conv: Str },
    Row { target: "metadata.uid", from: &[Field(F::EventId)], conv: Str },
    Row { target: "metadata.event_code", from: &[Field(F::EventName)], conv: Str },
    Row { target: "metadata.log_name", from: &[Field(F::EventType)], conv: Str },
    Row { target: "metadata.correlation_uid", from: &[Field(F::SharedEventId)], conv: Str },
    Row { target: "metadata.log_provider", from: &[Const("CloudTrail")], conv: Str },
    Row { target: "metadata.original_time", from: &[Field(F::EventTime)], conv: Str },
    Row { target: "cloud.provider", from: &[Const("AWS")], conv: Str },
    Row { target: "cloud.region", from: &[Fact("cloud.region", |f| f.region.as_deref()), Field(F::AwsRegion)], conv: Str },
    Row {
        target: "cloud.account.uid",
        from: &[Field(F::RecipientAccountId), Fact("cloud.account.id", |f| f.account_id.as_deref()), Field(F::UiAccountId)],
        conv: Str,
    },
    Row { target: "api.operation", from: &[Fact("event.action", |f| f.action.as_deref()), Field(F::EventName)], conv: Str },
    Row { target: "api.service.name", from: &[Fact("event.provider", |f| f.provider.as_deref()), Field(F::EventSource)], conv: Str },
    Row { target: "api.version", from: &[Fact("cloudtrail.api_version", |f| f.api_version.as_deref()), Field(F::ApiVersion)], conv: Str },
    Row { target: "api.request.uid", from: &[Field(F::RequestId)], conv: Str },
    Row { target: "api.response.error", from: &[Field(F::ErrorCode)], conv: Str },
    Row { target: "api.response.error_message", from: &[Field(F::ErrorMessage)], conv: Str },
    Row { target: "status_code", from: &[Fact("error.code", |f| f.error_code.as_deref()), Field(F::ErrorCode)], conv: Str },
    Row { target: "status_detail", from: &[Fact("error.message", |f| f.error_message.as_deref()), Field(F::ErrorMessage)], conv: Str },
    Row { target: "actor.user.name", from: &[Fact("user.name", |f| f.user_name.as_deref()), Field(F::UiUserName)], conv: Str },
    Row { target: "actor.user.uid", from: &[Field(F::UiArn), Field(F::UiPrincipalId)], conv: Str },
    Row { target: "actor.user.email_addr", from: &[Fact("user.email", |f| f.user_email.as_deref())], conv: Str },
    Row { target: "actor.user.uid_alt", from: &[Field(F::UiPrincipalId), Field(F::UiOnBehalfOfUserId)], conv: Str },
    Row { target: "actor.user.account.uid", from: &[Field(F::UiAccountId)], conv: Str },
    Row { target: "actor.user.credential_uid", from: &[Field(F::UiAccessKeyId), Field(F::UiCredentialId)], conv: Str },
    Row { target: "actor.session.issuer", from: &[Field(F::ScIssuerArn)], conv: Str },
    Row { target: "actor.session.is_mfa", from: &[Fact("cloudtrail.mfa_authenticated", |f| bool_str(f.mfa_authenticated)), Field(F::ScMfaAuthenticated)], conv: Bool },
    Row { target: "actor.session.created_time", from: &[Fact("cloudtrail.session.created_at", |f| f.session_created.as_deref()), Field(F::ScCreationDate)], conv: EpochMs },
    Row { target: "actor.invoked_by", from: &[Field(F::UiInvokedBy)], conv: Str },
    Row { target: "actor.idp.name", from: &[Field(F::ScFederatedProvider), Field(F::UiIdentityProvider)], conv: Str },
    Row { target: "actor.idp.uid", from: &[Field(F::UiIdentityStoreArn)], conv: Str },
    Row { target: "src_endpoint.uid", from: &[Field(F::VpcEndpointId)], conv: Str },
    Row { target: "http_request.user_agent", from: &[Fact("user_agent.original", |f| f.ua_original.as_deref()), Field(F::UserAgent)], conv: Str },
];

/// Every attribute of the event, in the order of its JSON text (segment by segment; a test
/// checks it against the document builder's order). An event is one object with a fixed set of
/// names, so it is written from slots (slots.rs), with no per-leaf document (adding a leaf and
/// writing it cost the document builder ~200 instructions; an event has ~45).
const PATHS: &[&str] = &[
    "activity_id",
    "activity_name",
    "actor.idp.name",
    "actor.idp.uid",
    "actor.invoked_by",
    "actor.session.created_time",
    "actor.session.is_mfa",
    "actor.session.issuer",
    "actor.user.account.uid",
    "actor.user.credential_uid",
    "actor.user.email_addr",
    "actor.user.name",
    "actor.user.type",
    "actor.user.type_id",
    "actor.user.uid",
    "actor.user.uid_alt",
    "api.operation",
    "api.request.data",
    "api.request.uid",
    "api.response.data",
    "api.response.error",
    "api.response.error_message",
    "api.service.name",
    "api.version",
    "auth_protocol",
    "auth_protocol_id",
    "category_name",
    "category_uid",
    "class_name",
    "class_uid",
    "cloud.account.uid",
    "cloud.provider",
    "cloud.region",
    "dst_endpoint.hostname",
    "dst_endpoint.svc_name",
    "enrichments",
    "finding_info.title",
    "finding_info.types",
    "finding_info.uid",
    "http_request.user_agent",
    "is_mfa",
    "metadata.correlation_uid",
    "metadata.event_code",
    "metadata.labels",
    "metadata.log_name",
    "metadata.log_provider",
    "metadata.original_time",
    "metadata.product.feature.name",
    "metadata.product.name",
    "metadata.product.vendor_name",
    "metadata.product.version",
    "metadata.profiles",
    "metadata.uid",
    "metadata.version",
    "policy.name",
    "policy.uid",
    "raw_data",
    "resources",
    "service.name",
    "severity",
    "severity_id",
    "src_endpoint.ip",
    "src_endpoint.location.city",
    "src_endpoint.location.continent",
    "src_endpoint.location.coordinates",
    "src_endpoint.location.country",
    "src_endpoint.location.postal_code",
    "src_endpoint.location.region",
    "src_endpoint.name",
    "src_endpoint.svc_name",
    "src_endpoint.uid",
    "status",
    "status_code",
    "status_detail",
    "status_id",
    "time",
    "type_name",
    "type_uid",
    "unmapped",
    "user.account.uid",
    "user.credential_uid",
    "user.name",
    "user.type",
    "user.type_id",
    "user.uid",
    "user.uid_alt",
];

// The event's slots (slots.rs): `LAYOUT`, `ROWS`, `slot`, worked out at compile time.
slots::profile!(PATHS, TABLE);

/// Record members the shared table consumes (so they stay out of `unmapped`).
pub(crate) const CONSUMED: &[&[&str]] = &[
    &["apiVersion"],
    &["awsRegion"],
    &["errorCode"],
    &["errorMessage"],
    &["eventCategory"],
    &["eventID"],
    &["eventName"],
    &["eventSource"],
    &["eventTime"],
    &["eventType"],
    &["eventVersion"],
    &["recipientAccountId"],
    &["requestID"],
    &["sharedEventID"],
    &["sourceIPAddress"],
    &["userAgent"],
    &["userIdentity", "accessKeyId"],
    &["userIdentity", "accountId"],
    &["userIdentity", "arn"],
    &["userIdentity", "identityProvider"],
    &["userIdentity", "identityStoreArn"],
    &["userIdentity", "invokedBy"],
    &["userIdentity", "onBehalfOf", "identityStoreArn"],
    &["userIdentity", "principalId"],
    &["userIdentity", "sessionContext", "attributes", "creationDate"],
    &["userIdentity", "sessionContext", "attributes", "mfaAuthenticated"],
    &["userIdentity", "sessionContext", "sessionIssuer", "arn"],
    &["userIdentity", "sessionContext", "webIdFederationData", "federatedProvider"],
    &["userIdentity", "userName"],
    &["vpcEndpointId"],
];

/// The fields at CONSUMED's paths, in its order (a test checks that they are exactly the trie's
/// paths to these fields): `render_unmapped` classifies keys with the capture trie's `step`.
const CONSUMED_F: &[F] = &[
    F::ApiVersion,
    F::AwsRegion,
    F::ErrorCode,
    F::ErrorMessage,
    F::EventCategory,
    F::EventId,
    F::EventName,
    F::EventSource,
    F::EventTime,
    F::EventType,
    F::EventVersion,
    F::RecipientAccountId,
    F::RequestId,
    F::SharedEventId,
    F::SourceIp,
    F::UserAgent,
    F::UiAccessKeyId,
    F::UiAccountId,
    F::UiArn,
    F::UiIdentityProvider,
    F::UiIdentityStoreArn,
    F::UiInvokedBy,
    F::UiIdentityStoreArn,
    F::UiPrincipalId,
    F::ScCreationDate,
    F::ScMfaAuthenticated,
    F::ScIssuerArn,
    F::ScFederatedProvider,
    F::UiUserName,
    F::VpcEndpointId,
];

const fn field_mask(fs: &[F]) -> u128 {
    let (mut m, mut i) = (0u128, 0);
    while i < fs.len() {
        m |= 1u128 << (fs[i] as u32);
        i += 1;
    }
    m
}

/// Every record's consumed fields: the capture keeps no member of these (`keep_members`).
pub(crate) const CONSUMED_MASK: u128 = field_mask(CONSUMED_F);

/// The trie nodes whose objects `render_unmapped` may descend into (a field it may consume lies
/// below them; a test checks the list), and the root: the capture keeps their members for it.
pub(crate) const KEEP_NODES: u32 = {
    let nodes = [Node::Root, Node::UserIdentity, Node::SessionContext, Node::Attributes, Node::SessionIssuer, Node::WebIdFederation, Node::OnBehalfOf, Node::Tls, Node::Aed];
    let (mut m, mut i) = (0u32, 0);
    while i < nodes.len() {
        m |= 1 << nodes[i] as u32;
        i += 1;
    }
    m
};

/// What the mapping consumed in one record: as paths (for `write_unmapped`: CONSUMED and the
/// ones a class adds) and as a bit per captured field (for `render_unmapped`); each path is the
/// only one in the trie to its field. The added paths in a fixed array: a copy of CONSUMED per
/// record was an allocation for a list only the fallback reads.
struct Consumed {
    extra: [&'static [&'static str]; 8],
    n: usize,
    mask: u128,
}

impl Consumed {
    fn new() -> Consumed {
        Consumed { extra: [&[]; 8], n: 0, mask: CONSUMED_MASK }
    }

    fn push(&mut self, path: &'static [&'static str], f: F) {
        // At most seven per class (`write`); a full array keeps the field's bit, and the
        // path is then only missing from the fallback's list (never reached: see the test).
        if let Some(slot) = self.extra.get_mut(self.n) {
            *slot = path;
            self.n += 1;
        }
        self.mask |= 1u128 << (f as u32);
    }

    fn paths(&self) -> Vec<&'static [&'static str]> {
        CONSUMED.iter().copied().chain(self.extra[..self.n].iter().copied()).collect()
    }
}

/// IAM actions routed to Account Change, with their activity (sorted; checked by a test).
/// 1 Create, 2 Enable, 3 Password Change, 4 Password Reset, 5 Disable, 6 Delete,
/// 7 Attach Policy, 8 Detach Policy, 10 MFA Factor Enable, 11 MFA Factor Disable.
pub(crate) const ACCOUNT_CHANGES: &[(&str, u8)] = &[
    ("AttachRolePolicy", 7),
    ("AttachUserPolicy", 7),
    ("ChangePassword", 3),
    ("CreateLoginProfile", 2),
    ("CreateRole", 1),
    ("CreateUser", 1),
    ("DeactivateMFADevice", 11),
    ("DeleteLoginProfile", 5),
    ("DeleteRole", 6),
    ("DeleteRolePolicy", 8),
    ("DeleteUser", 6),
    ("DeleteUserPolicy", 8),
    ("DetachRolePolicy", 8),
    ("DetachUserPolicy", 8),
    ("EnableMFADevice", 10),
    ("PutRolePolicy", 7),
    ("PutUserPolicy", 7),
    ("UpdateLoginProfile", 4),
];

pub(crate) const ACCOUNT_CHANGE_ACTIVITIES: &[(u8, &str)] = &[
    (1, "Create"),
    (2, "Enable"),
    (3, "Password Change"),
    (4, "Password Reset"),
    (5, "Disable"),
    (6, "Delete"),
    (7, "Attach Policy"),
    (8, "Detach Policy"),
    (10, "MFA Factor Enable"),
    (11, "MFA Factor Disable"),
];

const API_ACTIVITIES: &[(u8, &str)] = &[(0, "Unknown"), (1, "Create"), (2, "Read"), (3, "Update"), (4, "Delete"), (99, "Other")];

/// Sign-in actions (from `signin.amazonaws.com`, `sso.amazonaws.com`, or with no eventSource)
/// routed to Authentication, with their activity (sorted; checked by a test). 1.1.0 activities:
/// 1 Logon, 2 Logoff, 3 Authentication Ticket, 99 Other (its `activity_name` the eventName).
pub(crate) const SIGN_INS: &[(&str, u8)] = &[
    ("ConsoleLogin", 1),
    ("CredentialChallenge", 99),
    ("CredentialVerification", 99),
    ("ExternalIdPDirectoryLogin", 1),
    ("Federate", 1),
    ("GetSigninToken", 3),
    ("Logout", 2),
    ("UserAuthentication", 1),
];

const AUTH_ACTIVITIES: &[(u8, &str)] = &[(1, "Logon"), (2, "Logoff"), (3, "Authentication Ticket"), (99, "Other")];

/// Detection Finding (Insights events): 1 Create (the insight starts), 3 Close (it ends), 0 Unknown.
const FINDING_ACTIVITIES: &[(u8, &str)] = &[(0, "Unknown"), (1, "Create"), (3, "Close")];

/// userIdentity.type → OCSF user `type_id` (1.1.0: 0 Unknown, 1 User, 2 Admin, 3 System, 99 Other).
pub(crate) const USER_TYPE_IDS: &[(&str, u8)] = &[
    ("AWSAccount", 99),
    ("AWSService", 3),
    ("AssumedRole", 99),
    ("FederatedUser", 1),
    ("IAMUser", 1),
    ("IdentityCenterUser", 1),
    ("Role", 99),
    ("Root", 2),
    ("SAMLUser", 1),
    ("Unknown", 0),
    ("WebIdentityUser", 1),
];

/// The caption OCSF 1.1.0 gives each user `type_id`; `type` is the caption, or CloudTrail's own
/// type for 99 (Other).
const USER_TYPE_CAPTIONS: &[(u8, &str)] = &[(0, "Unknown"), (1, "User"), (2, "Admin"), (3, "System"), (99, "Other")];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Class {
    Api,
    Authentication { activity: u8 },
    AccountChange { activity: u8, target: Target },
    /// CloudTrail Insights events: AWS's own detection of unusual API activity.
    Finding { activity: u8 },
}

/// The user or role an Account Change acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Target {
    name: Option<String>,
    uid: Option<String>,
    uid_alt: Option<String>,
    kind: Option<String>,
}

/// Writes the event, or says why the record cannot be a valid OCSF event: not CloudTrail at all
/// (`NotCloudTrail`), or without what its class requires (`OcsfIncomplete`); `out` is then
/// untouched and the caller writes an error entry with the record's text.
pub(crate) fn write(record: &[u8], fields: &Fields<'_>, facts: Option<&Facts<'_>>, marks: Option<&Marks>, rules: &[&crate::detect::Rule], out: &mut Vec<u8>) -> Result<(), Code> {
    if !crate::enrich::is_cloudtrail(fields) {
        return Err(Code::NotCloudTrail);
    }
    let mut doc = Slots::new(&LAYOUT);
    doc.apply(ROWS, fields, facts);

    let action = rows::first_text(&[Fact("event.action", |f| f.action.as_deref()), Field(F::EventName)], fields, facts);
    let provider = rows::first_text(&[Fact("event.provider", |f| f.provider.as_deref()), Field(F::EventSource)], fields, facts);
    let class = route(action.as_deref().unwrap_or(""), provider.as_deref(), fields);

    let (class_uid, class_name, category_uid, category_name, activity_id, caption_of) = match &class {
        Class::Api => {
            let id = facts.map_or(0, |f| f.activity_id);
            let id = if API_ACTIVITIES.iter().any(|(a, _)| *a == id) { id } else { 99 };
            (6003, "API Activity", 6, "Application Activity", id, caption(API_ACTIVITIES, id))
        }
        Class::Authentication { activity } => (3002, "Authentication", 3, "Identity & Access Management", *activity, caption(AUTH_ACTIVITIES, *activity)),
        Class::AccountChange { activity, .. } => {
            (3001, "Account Change", 3, "Identity & Access Management", *activity, caption(ACCOUNT_CHANGE_ACTIVITIES, *activity))
        }
        Class::Finding { activity } => (2004, "Detection Finding", 2, "Findings", *activity, caption(FINDING_ACTIVITIES, *activity)),
    };
    // For 99 (Other) OCSF wants the source's own name of the activity: the operation.
    let activity_name = match (activity_id, action.as_deref()) {
        (99, Some(a)) if !a.is_empty() => a,
        _ => caption_of,
    };
    doc.int(at!("class_uid"), class_uid);
    doc.str(at!("class_name"), class_name);
    doc.int(at!("category_uid"), category_uid);
    doc.str(at!("category_name"), category_name);
    doc.int(at!("activity_id"), activity_id as i64);
    doc.str(at!("activity_name"), activity_name);
    doc.int(at!("type_uid"), class_uid * 100 + activity_id as i64);
    doc.put(at!("type_name"), |o| {
        // The crate's own names: nothing to escape (`class_names_and_captions_are_plain`).
        o.push(b'"');
        o.extend_from_slice(class_name.as_bytes());
        o.extend_from_slice(b": ");
        o.extend_from_slice(caption_of.as_bytes());
        o.push(b'"');
    });
    doc.int(at!("severity_id"), 1);
    doc.put(at!("metadata.profiles"), |o| o.extend_from_slice(br#"["cloud"]"#));

    let (status_id, status) = match facts.and_then(|f| f.outcome) {
        Some(Outcome::Success) => (1, "Success"),
        Some(Outcome::Failure) => (2, "Failure"),
        None => (0, "Unknown"),
    };
    // Detection Finding's status is the finding's (New, Resolved...), not an outcome.
    if !matches!(class, Class::Finding { .. }) {
        doc.int(at!("status_id"), status_id);
        doc.str(at!("status"), status);
    }

    let mut consumed = Consumed::new();
    if !matches!(class, Class::Finding { .. }) {
        if write_actor(&mut doc, fields, provider.as_deref()) {
            consumed.push(&["userIdentity", "type"], F::UiType);
        }
        write_src_endpoint(&mut doc, fields, facts, matches!(class, Class::Api));
    }
    write_payloads(&mut doc, fields, &mut consumed);
    match &class {
        Class::Api => {
            write_resources(&mut doc, fields, facts);
            consumed.push(&["resources"], F::Resources);
            if write_dst_endpoint(&mut doc, fields) {
                consumed.push(&["tlsDetails", "clientProvidedHostHeader"], F::TlsHostHeader);
            }
        }
        Class::Authentication { .. } => {
            if write_self_as_user(&mut doc, fields, facts) {
                consumed.push(&["userIdentity", "type"], F::UiType);
            }
            if let Some(p) = provider.as_deref() {
                doc.str(at!("service.name"), p);
            }
            if let Some(mfa) = fields.text(F::AedMfaUsed).and_then(|v| yes_no(&v)) {
                doc.bool(at!("is_mfa"), mfa);
                consumed.push(&["additionalEventData", "MFAUsed"], F::AedMfaUsed);
            }
            write_auth_protocol(&mut doc, fields);
            if let Some(to) = fields.text(F::AedLoginTo).filter(|s| !s.is_empty()) {
                doc.str(at!("dst_endpoint.svc_name"), &to);
                consumed.push(&["additionalEventData", "LoginTo"], F::AedLoginTo);
            }
            if write_dst_endpoint(&mut doc, fields) {
                consumed.push(&["tlsDetails", "clientProvidedHostHeader"], F::TlsHostHeader);
            }
        }
        Class::AccountChange { activity, target } => {
            opt_str(&mut doc, at!("user.name"), target.name.as_deref());
            opt_str(&mut doc, at!("user.uid"), target.uid.as_deref());
            opt_str(&mut doc, at!("user.uid_alt"), target.uid_alt.as_deref());
            if let Some(kind) = target.kind.as_deref() {
                write_user_type(&mut doc, USER, kind);
            }
            if matches!(activity, 7 | 8) {
                write_policy(&mut doc, fields);
            }
        }
        Class::Finding { .. } => write_finding_info(&mut doc, fields),
    }

    let complete = doc.has(at!("time"))
        && match &class {
            Class::Api => doc.has(at!("api.operation")) && has_actor(&doc),
            Class::Authentication { .. } => has_user(&doc, USER) && (doc.has(at!("service.name")) || doc.has(at!("dst_endpoint.hostname")) || doc.has(at!("dst_endpoint.svc_name"))),
            Class::AccountChange { .. } => has_user(&doc, USER),
            Class::Finding { .. } => doc.has(at!("finding_info.uid")),
        };
    if !complete {
        return Err(Code::OcsfIncomplete);
    }
    if marks.is_some() {
        doc.put(at!("metadata.labels"), |o| o.extend_from_slice(br#"["salvaged"]"#));
    }
    let risk = if matches!(class, Class::Api) { facts } else { None };
    write_enrichments(&mut doc, risk, action.as_deref(), marks, rules);
    if let Some(m) = marks {
        // OCSF's own attribute for the event as received; the label makes it easy to filter.
        doc.str(at!("raw_data"), &m.original);
    }
    // `unmapped` as one value, written level by level; a record with a repeated key (where the
    // per-leaf form's rules decide what stays) or an escaped one takes the per-leaf form.
    // Written straight into the document's buffer (a buffer per record grew ~8 times each).
    let mut fell_back = false;
    doc.put_if(at!("unmapped"), |o| {
        unmapped_into(o, fields, record, consumed.mask).unwrap_or_else(|Fallback| {
            fell_back = true;
            false
        })
    });
    if fell_back {
        // The per-leaf form, in a document of its own: `{"unmapped":{...}}`, or `{}`.
        let mut leaves = Doc::new();
        write_unmapped(&mut leaves, record, &mut Vec::with_capacity(8), &consumed.paths(), 0);
        let mut text = Vec::new();
        leaves.finish(&mut text);
        if let Some(v) = text.strip_prefix(b"{\"unmapped\":").and_then(|v| v.strip_suffix(b"}")) {
            doc.put(at!("unmapped"), |o| o.extend_from_slice(v));
        }
    }
    doc.write(out);
    Ok(())
}

/// The user object's at-least-one rule: a name, uid or account.
fn has_user(doc: &Slots, user: &UserPaths) -> bool {
    doc.any(&[user.name, user.uid, user.account_uid])
}

/// The paths of one OCSF user object's attributes (static: no path is built per record).
struct UserPaths {
    name: usize,
    uid: usize,
    account_uid: usize,
    type_id: usize,
    kind: usize,
}

const USER: &UserPaths = &UserPaths { name: at!("user.name"), uid: at!("user.uid"), account_uid: at!("user.account.uid"), type_id: at!("user.type_id"), kind: at!("user.type") };

/// The actor object's at-least-one rule (user, invoked_by, session; never a process here), with
/// a user that keeps its own rule.
fn has_actor(doc: &Slots) -> bool {
    let user = doc.any(ACTOR_USER_NAMED);
    if !user && doc.any(&[at!("actor.user.type"), at!("actor.user.uid_alt"), at!("actor.user.credential_uid"), at!("actor.user.email_addr")]) {
        return false;
    }
    user || doc.has(at!("actor.invoked_by")) || doc.any(ACTOR_SESSION)
}

/// The actor user's identifiers (the user object needs one), and the session's attributes.
const ACTOR_USER_NAMED: &[usize] = &[at!("actor.user.name"), at!("actor.user.uid"), at!("actor.user.account.uid")];
const ACTOR_SESSION: &[usize] = &[at!("actor.session.issuer"), at!("actor.session.is_mfa"), at!("actor.session.created_time")];

/// The user's `type_id` and `type`: the caption of the id, or CloudTrail's type for 99.
/// True when CloudTrail's type itself was written (it then leaves `unmapped`).
fn write_user_type(doc: &mut Slots, user: &UserPaths, kind: &str) -> bool {
    let (id, label) = user_type(kind);
    doc.int(user.type_id, id as i64);
    doc.str(user.kind, label);
    id == 99
}

/// A user's `type_id` and `type` (the caption of the id, or CloudTrail's type for 99).
fn user_type(kind: &str) -> (u8, &str) {
    let id = user_type_id(kind);
    (id, if id == 99 { kind } else { caption(USER_TYPE_CAPTIONS, id) })
}

/// Authentication `auth_protocol_id`/`auth_protocol`, only when the record shows the protocol:
/// a SAML identity (5 SAML) or a web identity (OpenID Connect, 4 OpenID).
fn write_auth_protocol(doc: &mut Slots, fields: &Fields<'_>) {
    let (id, name) = match fields.text(F::UiType).as_deref() {
        Some("SAMLUser") => (5, "SAML"),
        Some("WebIdentityUser") => (4, "OpenID"),
        _ => return,
    };
    doc.int(at!("auth_protocol_id"), id);
    doc.str(at!("auth_protocol"), name);
}

/// `api.request.data` / `api.response.data`: requestParameters and responseElements as objects,
/// under the caps of the `flattened` conversion (docs/PROFILES.md); over them, or when they are
/// not objects, they stay in `unmapped`. `api.request` requires its `uid` (requestID), so the
/// request payload goes there only beside one.
fn write_payloads(doc: &mut Slots, fields: &Fields<'_>, consumed: &mut Consumed) {
    // A short payload with no more opening brackets than the cap in all (those inside strings
    // only add to the count, which the compiler runs a vector at a time) is within the depth cap
    // without `canon::depth`'s scan; a long one nearly always has more.
    let shallow = |raw: &[u8]| raw.len() <= 4096 && openings_at_most(raw, rows::FLATTENED_MAX_DEPTH);
    let fits = |raw: &[u8]| {
        raw.first() == Some(&b'{') && raw.len() < rows::FLATTENED_MAX_BYTES && (shallow(raw) || canon::depth(raw) <= rows::FLATTENED_MAX_DEPTH)
    };
    if doc.has(at!("api.request.uid")) {
        if let Some(raw) = fields.raw(F::RequestParameters).filter(|r| fits(r)) {
            doc.put(at!("api.request.data"), |o| json::write_compact(o, raw));
            consumed.push(&["requestParameters"], F::RequestParameters);
        }
    }
    if let Some(raw) = fields.raw(F::ResponseElements).filter(|r| fits(r)) {
        doc.put(at!("api.response.data"), |o| json::write_compact(o, raw));
        consumed.push(&["responseElements"], F::ResponseElements);
    }
}

/// Whether `raw` holds at most `max` bytes `{` or `[`. Counted 64 bytes at a time in one byte
/// (at most 64 a block), which the compiler runs 16 bytes an instruction; a `usize` count a byte
/// (`filter().count()`) was ~3 instructions a byte, ~2 % of the profile.
fn openings_at_most(raw: &[u8], max: usize) -> bool {
    // `[` is `{` but for bit 5 (0x5B, 0x7B), and no other byte ORs with 0x20 to `{`.
    let opening = |c: &u8| u8::from(c | 0x20 == b'{');
    let mut blocks = raw.chunks_exact(64);
    let mut n = 0;
    for b in &mut blocks {
        n += usize::from(b.iter().map(opening).fold(0u8, u8::wrapping_add));
        if n > max {
            return false;
        }
    }
    n + blocks.remainder().iter().map(|c| usize::from(opening(c))).sum::<usize>() <= max
}

/// Detection Finding `finding_info` for an Insights event: `uid` the insight's id (sharedEventID,
/// shared by its start and end events; else eventID), `title` from the insight type and the API
/// it is about, `types` the insight type.
fn write_finding_info(doc: &mut Slots, fields: &Fields<'_>) {
    let Some(uid) = fields.text(F::SharedEventId).or_else(|| fields.text(F::EventId)).filter(|s| !s.is_empty()) else { return };
    doc.str(at!("finding_info.uid"), &uid);
    let kind = fields.text(F::InsightType).filter(|s| !s.is_empty());
    let source = fields.text(F::InsightEventSource).or_else(|| fields.text(F::EventSource)).filter(|s| !s.is_empty());
    let name = fields.text(F::InsightEventName).or_else(|| fields.text(F::EventName)).filter(|s| !s.is_empty());
    let mut title = String::from("CloudTrail Insight");
    if let Some(k) = &kind {
        title.push_str(": ");
        title.push_str(k);
    }
    if let Some(n) = &name {
        title.push_str(" on ");
        if let Some(s) = &source {
            title.push_str(s);
            title.push(' ');
        }
        title.push_str(n);
    }
    doc.str(at!("finding_info.title"), &title);
    if let Some(k) = &kind {
        doc.str_array(at!("finding_info.types"), [k.as_ref()]);
    }
}

fn caption(table: &[(u8, &'static str)], id: u8) -> &'static str {
    table.iter().find(|(a, _)| *a == id).map_or("Other", |(_, c)| c)
}

fn opt_str(doc: &mut Slots, slot: usize, v: Option<&str>) {
    if let Some(v) = v.filter(|s| !s.is_empty()) {
        doc.str(slot, v);
    }
}

fn yes_no(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("yes") || v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("no") || v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn user_type_id(kind: &str) -> u8 {
    // By length first: most entries end on one compare of two integers, where each step of a
    // binary search was a call into `memcmp` (~200 instructions a record in all).
    USER_TYPE_IDS.iter().find(|(k, _)| k.len() == kind.len() && *k == kind).map_or(99, |(_, id)| *id)
}

fn route(action: &str, provider: Option<&str>, fields: &Fields<'_>) -> Class {
    if fields.text(F::EventType).is_some_and(|t| t == "AwsCloudTrailInsight") || fields.has(F::InsightDetails) {
        let activity = match fields.text(F::InsightState).as_deref() {
            Some("Start") => 1,
            Some("End") => 3,
            _ => 0,
        };
        return Class::Finding { activity };
    }
    if matches!(provider, None | Some("signin.amazonaws.com" | "sso.amazonaws.com")) {
        if let Ok(i) = SIGN_INS.binary_search_by(|(a, _)| a.cmp(&action)) {
            return Class::Authentication { activity: SIGN_INS[i].1 };
        }
    }
    if provider == Some("iam.amazonaws.com") {
        if let Ok(i) = ACCOUNT_CHANGES.binary_search_by(|(a, _)| a.cmp(&action)) {
            if let Some(target) = account_target(fields) {
                return Class::AccountChange { activity: ACCOUNT_CHANGES[i].1, target };
            }
        }
    }
    Class::Api
}

/// The user or role the IAM call names; when it names none, IAM acts on the caller.
fn account_target(fields: &Fields<'_>) -> Option<Target> {
    let req = fields.raw(F::RequestParameters).unwrap_or(b"null");
    let resp = fields.raw(F::ResponseElements).unwrap_or(b"null");
    let text = |obj: &[u8], path: &[&str]| json::get(obj, path).and_then(json::as_text).filter(|s| !s.is_empty()).map(Cow::into_owned);
    let target = if let Some(name) = text(req, &["userName"]) {
        Target {
            name: Some(name),
            uid: text(resp, &["user", "arn"]),
            uid_alt: text(resp, &["user", "userId"]),
            kind: Some(String::from("IAMUser")),
        }
    } else if let Some(name) = text(req, &["roleName"]) {
        Target { name: Some(name), uid: text(resp, &["role", "arn"]), uid_alt: text(resp, &["role", "roleId"]), kind: Some(String::from("Role")) }
    } else {
        Target {
            name: fields.text(F::UiUserName).map(Cow::into_owned),
            uid: fields.text(F::UiArn).map(Cow::into_owned),
            uid_alt: fields.text(F::UiPrincipalId).map(Cow::into_owned),
            kind: fields.text(F::UiType).map(Cow::into_owned),
        }
    };
    (target.name.is_some() || target.uid.is_some()).then_some(target)
}

/// `actor.user.type`/`type_id` (only beside a name, uid or account, as the user object needs
/// one of them), and `actor.invoked_by` (the eventSource) for records without a userIdentity or
/// with nothing in it that names an actor: the service acted on its own (service events).
/// True when CloudTrail's own type was written as `type` (type_id 99).
fn write_actor(doc: &mut Slots, fields: &Fields<'_>, provider: Option<&str>) -> bool {
    let named = doc.any(ACTOR_USER_NAMED);
    let mut raw_type = false;
    if named {
        if let Some(t) = fields.text(F::UiType) {
            let (id, label) = user_type(&t);
            doc.put(at!("actor.user.type_id"), |o| json::write_int(o, id as i64));
            doc.str(at!("actor.user.type"), label);
            raw_type = id == 99;
        }
    }
    if !(named || doc.has(at!("actor.invoked_by")) || doc.any(ACTOR_SESSION)) {
        if let Some(p) = provider {
            doc.str(at!("actor.invoked_by"), p);
        }
    }
    raw_type
}

/// Authentication's `user`: the identity that signed in (the caller). True when CloudTrail's
/// own type was written as `type`.
fn write_self_as_user(doc: &mut Slots, fields: &Fields<'_>, facts: Option<&Facts<'_>>) -> bool {
    let name = rows::first_text(&[Fact("user.name", |f| f.user_name.as_deref()), Field(F::UiUserName)], fields, facts);
    opt_str(doc, at!("user.name"), name.as_deref());
    opt_str(doc, at!("user.uid"), fields.text(F::UiArn).as_deref());
    opt_str(doc, at!("user.uid_alt"), fields.text(F::UiPrincipalId).or_else(|| fields.text(F::UiOnBehalfOfUserId)).as_deref());
    opt_str(doc, at!("user.account.uid"), fields.text(F::UiAccountId).as_deref());
    opt_str(doc, at!("user.credential_uid"), fields.text(F::UiAccessKeyId).or_else(|| fields.text(F::UiCredentialId)).as_deref());
    match fields.text(F::UiType) {
        Some(t) => write_user_type(doc, USER, &t),
        None => false,
    }
}

/// `src_endpoint`: `ip` when sourceIPAddress is an IP address; otherwise the name CloudTrail
/// writes there for calls AWS services make (`ec2.amazonaws.com`, `AWS Internal`) as `svc_name`.
/// API Activity requires `src_endpoint` and the object needs one identifier; when the record has
/// no source at all (old records, the CloudFront guide's example), `src_endpoint.uid` is the VPC
/// endpoint when there is one, else `userIdentity.invokedBy` is the calling service's name, else
/// `name` is "Unknown": OCSF's own word, claiming nothing about the source.
fn write_src_endpoint(doc: &mut Slots, fields: &Fields<'_>, facts: Option<&Facts<'_>>, required: bool) {
    let addr = rows::first_text(&[Fact("source.address", |f| f.source_address.as_deref()), Field(F::SourceIp)], fields, facts);
    let Some(addr) = addr.filter(|a| !a.trim().is_empty()) else {
        if required && !doc.has(at!("src_endpoint.uid")) {
            match fields.text(F::UiInvokedBy).filter(|s| !s.is_empty()) {
                Some(by) => doc.str(at!("src_endpoint.svc_name"), &by),
                None => doc.str(at!("src_endpoint.name"), "Unknown"),
            }
        }
        return;
    };
    // Borrowed (a String a record was an allocation and a `free` for one copy).
    let ip = match facts {
        Some(f) => f.source_ip.as_deref().filter(|s| !s.is_empty()),
        None => Some(addr.trim()).filter(|a| a.parse::<core::net::IpAddr>().is_ok()),
    };
    match ip {
        Some(ip) => {
            doc.str(at!("src_endpoint.ip"), ip);
            if let Some(g) = facts.and_then(|f| f.geo.as_deref()) {
                write_location(doc, g);
            }
        }
        None => doc.str(at!("src_endpoint.svc_name"), &addr),
    }
}

/// `src_endpoint.location` from the `geoip` option's lookup: `country` (ISO 3166-1 alpha-2),
/// `region` (the subdivision's own ISO 3166-2 code, at most three characters in 1.1.0), `city`,
/// `continent`, `postal_code`, `coordinates` ([lon, lat], GeoJSON's order). Only when one of the
/// members the object needs (coordinates, city, country, postal_code, region) is known. OCSF 1.1.0
/// has no autonomous system on a network endpoint, so `source.as.*` has no OCSF form.
fn write_location(doc: &mut Slots, g: &crate::geoip::Geo) {
    let region = g.subdivision_code.as_deref().filter(|r| r.len() <= 3);
    if g.location.is_none() && g.city_name.is_none() && g.country_iso_code.is_none() && g.postal_code.is_none() && region.is_none() {
        return;
    }
    let attrs = [
        (at!("src_endpoint.location.country"), g.country_iso_code.as_deref()),
        (at!("src_endpoint.location.region"), region),
        (at!("src_endpoint.location.city"), g.city_name.as_deref()),
        (at!("src_endpoint.location.continent"), g.continent_name.as_deref()),
        (at!("src_endpoint.location.postal_code"), g.postal_code.as_deref()),
    ];
    for (at, v) in attrs {
        if let Some(v) = v.filter(|s| !s.is_empty()) {
            doc.str(at, v);
        }
    }
    if let Some((lat, lon)) = g.location {
        doc.put(at!("src_endpoint.location.coordinates"), |o| {
            o.push(b'[');
            crate::geoip::write_f64(o, lon);
            o.push(b',');
            crate::geoip::write_f64(o, lat);
            o.push(b']');
        });
    }
}

/// `dst_endpoint.hostname` from the host header the client sent (tlsDetails). True if written.
fn write_dst_endpoint(doc: &mut Slots, fields: &Fields<'_>) -> bool {
    match fields.text(F::TlsHostHeader) {
        Some(h) => {
            doc.str(at!("dst_endpoint.hostname"), &h);
            true
        }
        None => false,
    }
}

/// Account Change `policy` for Attach/Detach: the managed policy's ARN, or the inline policy's name.
fn write_policy(doc: &mut Slots, fields: &Fields<'_>) {
    let req = fields.raw(F::RequestParameters).unwrap_or(b"null");
    let get = |k: &str| json::get(req, &[k]).and_then(json::as_text).filter(|s| !s.is_empty());
    let arn = get("policyArn");
    let name = get("policyName").or_else(|| arn.as_deref().and_then(|a| a.rsplit_once('/')).map(|(_, n)| Cow::Owned(String::from(n))));
    opt_str(doc, at!("policy.uid"), arn.as_deref());
    opt_str(doc, at!("policy.name"), name.as_deref());
}

/// API Activity `resources`: the record's own resources (ARN, type, owner account), then the
/// CloudFront resources enrichment found, one per kind (`cloudfront.<kind>.<attr>` facts):
/// `uid` is the ARN when known (else the id or name), `type` the CloudFormation-style
/// `AWS::CloudFront::<Kind>`, `data` every attribute found (invalidation paths included).
fn write_resources(doc: &mut Slots, fields: &Fields<'_>, facts: Option<&Facts<'_>>) {
    // Each with its uid; one uid twice keeps the first (dropped after a sort: linear-ish however
    // many resources a record lists, and without a set type's code in the wasm).
    let mut items: Vec<(Option<String>, Vec<u8>)> = Vec::new();
    if let Some(arr) = fields.raw(F::Resources).filter(|v| v.first() == Some(&b'[')) {
        for el in json::elements(arr) {
            // The first member of each name (as `json::get` finds it), in one pass over the element.
            let mut found: [Option<&[u8]>; 4] = [None; 4];
            for (k, v) in json::members(el) {
                for (slot, name) in found.iter_mut().zip(["ARN", "arn", "type", "accountId"]) {
                    if slot.is_none() && json::key_eq(k, name) {
                        *slot = Some(v);
                    }
                }
            }
            let text = |i: usize| found[i].and_then(json::as_text).filter(|s| !s.is_empty());
            let uid = text(0).or_else(|| text(1));
            let ty = text(2);
            let account = text(3);
            if uid.is_none() && ty.is_none() && account.is_none() {
                continue;
            }
            let mut o = Vec::new();
            o.push(b'{');
            let mut first = true;
            let mut member = |o: &mut Vec<u8>, k: &str| {
                if !first {
                    o.push(b',');
                }
                first = false;
                json::write_str(o, k);
                o.push(b':');
            };
            if let Some(u) = &uid {
                member(&mut o, "uid");
                json::write_str(&mut o, u);
            }
            if let Some(t) = &ty {
                member(&mut o, "type");
                json::write_str(&mut o, t);
            }
            if let Some(a) = &account {
                member(&mut o, "owner");
                o.extend_from_slice(b"{\"account\":{\"uid\":");
                json::write_str(&mut o, a);
                o.extend_from_slice(b"}}");
            }
            o.push(b'}');
            items.push((uid.map(Cow::into_owned), o));
        }
    }
    if let Some(f) = facts {
        // Kinds in first-seen order, each with its attributes.
        let mut kinds: Vec<(&str, Vec<(&str, &str)>)> = Vec::new();
        for (key, value) in &f.cloudfront {
            let Some(rest) = key.strip_prefix("cloudfront.") else { continue };
            let Some((kind, attr)) = rest.rsplit_once('.') else { continue };
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, attrs)) => attrs.push((attr, value)),
                None => kinds.push((kind, alloc::vec![(attr, value.as_str())])),
            }
        }
        for (kind, attrs) in &kinds {
            let find = |a: &str| attrs.iter().find(|(k, _)| *k == a).map(|(_, v)| *v);
            let Some(uid) = find("arn").or_else(|| find("id")).or_else(|| find("name")) else { continue };
            let mut o = Vec::new();
            o.extend_from_slice(b"{\"uid\":");
            json::write_str(&mut o, uid);
            if let Some(name) = find("name") {
                o.extend_from_slice(b",\"name\":");
                json::write_str(&mut o, name);
            }
            o.extend_from_slice(b",\"type\":");
            json::write_str(&mut o, &cloudformation_type(kind));
            o.extend_from_slice(b",\"data\":{");
            for (n, (k, v)) in attrs.iter().enumerate() {
                if n > 0 {
                    o.push(b',');
                }
                json::write_str(&mut o, k);
                o.push(b':');
                json::write_str(&mut o, v);
            }
            if *kind == "invalidation" && !f.invalidation_paths.is_empty() {
                if !attrs.is_empty() {
                    o.push(b',');
                }
                o.extend_from_slice(b"\"paths\":[");
                for (n, p) in f.invalidation_paths.iter().enumerate() {
                    if n > 0 {
                        o.push(b',');
                    }
                    json::write_str(&mut o, p);
                }
                o.push(b']');
            }
            o.extend_from_slice(b"}}");
            items.push((Some(String::from(uid)), o));
        }
    }
    let mut by_uid: Vec<usize> = (0..items.len()).filter(|&i| items[i].0.is_some()).collect();
    crate::sort::sort_by(&mut by_uid, |&a, &b| items[a].0.cmp(&items[b].0));
    // The sort keeps equal uids in their order: the later ones go.
    for w in by_uid.windows(2) {
        if items[w[0]].0 == items[w[1]].0 {
            items[w[1]].1.clear();
        }
    }
    if items.is_empty() {
        return;
    }
    doc.put(at!("resources"), |o| {
        o.push(b'[');
        for (n, it) in items.iter().filter(|it| !it.1.is_empty()).enumerate() {
            if n > 0 {
                o.push(b',');
            }
            o.extend_from_slice(&it.1);
        }
        o.push(b']');
    });
}

/// `cache_policy` → `AWS::CloudFront::CachePolicy`. The kinds are the crate's own ASCII names
/// (`Facts::cloudfront`'s static keys): ASCII case only (`char::to_uppercase` brought Unicode's
/// case tables into the wasm for this one call).
fn cloudformation_type(kind: &str) -> String {
    let mut s = String::from("AWS::CloudFront::");
    for word in kind.split('_') {
        if let Some(c) = word.chars().next() {
            s.push(c.to_ascii_uppercase());
            s.push_str(word.get(c.len_utf8()..).unwrap_or_default());
        }
    }
    s
}

/// `enrichments`, this library's analysis of the request rather than fields of the record:
/// CloudFront risk flags (`cloudfront.risk` on `api.operation`; API Activity only), change
/// tracking (src/track: `cloudfront.change` on the resource it names, `resources.uid`, its `data`
/// the change object), and for a salvaged record (docs/INPUTS.md, "Salvage") one enrichment
/// `salvage` whose data are the damages.
fn write_enrichments(doc: &mut Slots, facts: Option<&Facts<'_>>, action: Option<&str>, marks: Option<&Marks>, rules: &[&crate::detect::Rule]) {
    let risk = facts.filter(|f| !f.risk.is_empty());
    let change = facts.and_then(|f| f.change.as_ref());
    if risk.is_none() && change.is_none() && marks.is_none() && rules.is_empty() {
        return;
    }
    doc.put(at!("enrichments"), |o| {
        o.push(b'[');
        if let Some(f) = risk {
            o.extend_from_slice(b"{\"name\":\"api.operation\",\"value\":");
            json::write_str(o, action.unwrap_or(""));
            o.extend_from_slice(b",\"type\":\"cloudfront.risk\",\"provider\":\"cloudfront-trail\",\"data\":{\"risk\":");
            json::write_str_array(o, f.risk.iter().map(|r| r.flag));
            o.extend_from_slice(b",\"details\":");
            crate::enrich::write_risk_details(o, &f.risk);
            o.extend_from_slice(b"}}");
        }
        if let Some(c) = change {
            if risk.is_some() {
                o.push(b',');
            }
            o.extend_from_slice(b"{\"name\":\"resources.uid\",\"value\":");
            json::write_str(o, &c.resource_id);
            o.extend_from_slice(b",\"type\":\"cloudfront.change\",\"provider\":\"cloudfront-trail\",\"data\":");
            crate::track::write::object(o, c, crate::track::write::Values::Json);
            o.push(b'}');
        }
        if let Some(m) = marks {
            if risk.is_some() || change.is_some() {
                o.push(b',');
            }
            o.extend_from_slice(b"{\"name\":\"raw_data\",\"value\":\"salvaged\",\"type\":\"salvage\",\"provider\":\"cloudfront-trail\",\"data\":{\"truncated\":");
            o.extend_from_slice(if m.truncated { b"true" } else { b"false" });
            o.extend_from_slice(b",\"damages\":");
            crate::record::write_damages(o, &m.damages);
            o.extend_from_slice(b"}}");
        }
        // Sigma rules that matched (the `rules` option; docs/DETECTIONS.md).
        crate::detect::write_ocsf(rules, action.unwrap_or(""), risk.is_some() || change.is_some() || marks.is_some(), o);
        o.push(b']');
    });
}

/// Why `render_unmapped` declines an object and `write_unmapped` decides: two members it would
/// write share a key (first-wins and leaf-blocks-subtree rules), a key has escapes to decode, or
/// the capture did not keep the record's members.
struct Fallback;

/// A member `render_unmapped` writes: its key's first eight bytes (big-endian, zero-padded: most
/// comparisons end on this one integer), its place among the members the capture kept (its key
/// and value are there), and the trie node to descend with (`Node::None`: written whole). Small
/// (16 bytes, not 56 with the key and value slices), as sorting moves it.
#[derive(Clone, Copy)]
struct Member {
    head: u64,
    kept: u32,
    child: Node,
}

/// `render_unmapped` of the whole record from the members of its objects the capture kept
/// (`KEEP_NODES`); without them (more than it keeps) the per-leaf form decides.
fn unmapped_into(out: &mut Vec<u8>, fields: &Fields<'_>, record: &[u8], mask: u128) -> Result<bool, Fallback> {
    std::thread_local! {
        /// The last record's stack, taken by the next (not an allocation and a `free` a record).
        static STACK: core::cell::Cell<Vec<Member>> = const { core::cell::Cell::new(Vec::new()) };
    }
    let kept = fields.kept(record).ok_or(Fallback)?;
    let mut stack = STACK.with(|s| s.take());
    stack.clear();
    let wrote = render_unmapped(out, &mut stack, fields, record, kept, record, Node::Root, mask, 0);
    STACK.with(|s| s.set(stack));
    wrote
}

/// `write_unmapped`'s object written directly (the same text the document would make of its
/// leaves: members in the order of their keys, objects only around a member): one item in the
/// document instead of one per member (those leaves were ~30 % of the ocsf profile). True when
/// it wrote a member. Keys are classified by the capture trie (`obj` is at `node`): a member is
/// consumed when the field captured there is in `mask`, and descended into when a field of
/// `mask` lies below it (comparing keys with the consumed paths was ~30 % of the profile).
/// `stack` holds the members of the objects being written, innermost last (one buffer per record).
#[allow(clippy::too_many_arguments)]
fn render_unmapped<'r>(
    out: &mut Vec<u8>,
    stack: &mut Vec<Member>,
    fields: &Fields<'r>,
    record: &'r [u8],
    kept: &[KeptMember],
    obj: &'r [u8],
    node: Node,
    mask: u128,
    d: usize,
) -> Result<bool, Fallback> {
    let base = stack.len();
    // The object's members as the capture read them (walking the record again to find its keys,
    // classify them and find the values' ends was ~18 % of the profile); an object it did not
    // keep (never, by a test: see `KEEP_NODES`) is left to `write_unmapped`.
    if !fields.keeps(node) {
        return Err(Fallback);
    }
    // `kept` ends where this object's own member is (post-order): its members are before that,
    // among those of its own objects, back to the first member of an object that starts before it.
    let at = (obj.as_ptr() as usize).wrapping_sub(record.as_ptr() as usize);
    for (j, m) in kept.iter().enumerate().rev() {
        if (m.parent as usize) < at {
            break;
        }
        if m.parent as usize != at {
            continue;
        }
        // A key with escapes is left to `write_unmapped`, as a repeated key is below.
        if m.escaped() {
            return Err(Fallback);
        }
        // The capture kept no `null` and no member of every record's consumed fields; those a
        // class consumed are left out here.
        if m.consumed(mask) {
            continue;
        }
        let key = key_of(record, m);
        let child = if value_of(record, m).first() == Some(&b'{') { crate::fields::step(node, key).1 } else { Node::None };
        let descend = child != Node::None && d < 8 && crate::fields::under(child) & mask != 0;
        stack.push(Member { head: canon::head8(key), kept: j as u32, child: if descend { child } else { Node::None } });
    }
    let members = &mut stack[base..];
    let key = |m: &Member| kept.get(m.kept as usize).map_or(&[][..], |k| key_of(record, k));
    let order = |a: &Member, b: &Member| a.head.cmp(&b.head).then_with(|| key(a).cmp(key(b)));
    if members.len() <= 32 {
        // Insertion sort: a record's objects are small (no allocation, no indirect calls).
        for i in 1..members.len() {
            let mut j = i;
            while j > 0 && order(&members[j - 1], &members[j]) == core::cmp::Ordering::Greater {
                members.swap(j - 1, j);
                j -= 1;
            }
        }
    } else {
        crate::sort::sort_by(members, order);
    }
    if members.windows(2).any(|w| w[0].head == w[1].head && key(&w[0]) == key(&w[1])) {
        return Err(Fallback);
    }
    let end = stack.len();
    out.push(b'{');
    let mut wrote = false;
    for i in base..end {
        let m = stack[i];
        let Some(k) = kept.get(m.kept as usize) else { continue };
        let value = value_of(record, k);
        let mark = out.len();
        if wrote {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(key_of(record, k));
        out.extend_from_slice(b"\":");
        if m.child != Node::None {
            if !render_unmapped(out, stack, fields, record, kept.get(..m.kept as usize).unwrap_or_default(), value, m.child, mask, d + 1)? {
                out.truncate(mark);
                continue;
            }
        } else if matches!(value.first(), Some(b'{' | b'[')) {
            json::write_compact(out, value);
        } else {
            // A scalar token (the capture's slice of it): compact as it is.
            out.extend_from_slice(value);
        }
        wrote = true;
    }
    out.push(b'}');
    stack.truncate(base);
    Ok(wrote)
}

/// A kept member's key (without its quotes) and value, as in the record.
fn key_of<'r>(record: &'r [u8], m: &KeptMember) -> &'r [u8] {
    record.get(m.key.0 as usize..m.key.0 as usize + m.key.1 as usize).unwrap_or_default()
}

fn value_of<'r>(record: &'r [u8], m: &KeptMember) -> &'r [u8] {
    record.get(m.value.0 as usize..m.value.1 as usize).unwrap_or_default()
}

/// Copies every member of `obj` that no attribute consumed to `unmapped`, nested as in the
/// record (values copied as written; `null`s left out); descends only into objects that hold
/// consumed members. `consumed` holds only the paths below `prefix` (the caller filters them).
fn write_unmapped<'r>(doc: &mut Doc, obj: &'r [u8], prefix: &mut Vec<Cow<'r, str>>, consumed: &[&[&str]], depth: usize) {
    for (raw_key, value) in json::members(obj) {
        if value == b"null" {
            // Nothing to keep.
            continue;
        }
        // Borrowed from the record unless escaped (one allocation per key was ~10 % of the profile).
        let key = if raw_key.contains(&b'\\') {
            Cow::Owned(json::unescape(raw_key).unwrap_or_default())
        } else {
            match core::str::from_utf8(raw_key) {
                Ok(k) => Cow::Borrowed(k),
                Err(_) => String::from_utf8_lossy(raw_key),
            }
        };
        let d = prefix.len();
        let (mut is, mut under) = (false, false);
        for c in consumed {
            if c.get(d).is_some_and(|k| *k == key) {
                if c.len() == d + 1 {
                    is = true;
                } else {
                    under = true;
                }
            }
        }
        if is {
            // Mapped to an attribute.
        } else if under && value.first() == Some(&b'{') && depth < 8 {
            let below: Vec<&[&str]> = consumed.iter().filter(|c| c.len() > d + 1 && c[d] == key).copied().collect();
            prefix.push(key);
            write_unmapped(doc, value, prefix, &below, depth + 1);
            prefix.pop();
        } else {
            // `unmapped`, the prefix (at most 8 keys deep), the key.
            let mut parts = [Part::Key(""); 11];
            parts[0] = Part::Dotted("unmapped");
            for (slot, k) in parts[1..].iter_mut().zip(prefix.iter()) {
                *slot = Part::Key(k);
            }
            parts[d + 1] = Part::Key(&key);
            // Values without any whitespace byte are compact already: copied, not re-scanned.
            if memchr::memchr3(b' ', b'\n', b'\t', value).is_none() && memchr::memchr(b'\r', value).is_none() {
                doc.put_with(&parts[..d + 2], |o| o.extend_from_slice(value));
            } else {
                doc.raw_at(&parts[..d + 2], value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::rows::testing::{assert_object, pointer};

    fn ocsf(record: &str, facts: Option<&Facts<'_>>) -> String {
        try_ocsf(record, facts).unwrap_or_else(|c| panic!("{c:?} for a record of {} bytes", record.len()))
    }

    fn try_ocsf(record: &str, facts: Option<&Facts<'_>>) -> Result<String, Code> {
        let fields = Fields::capture(record.as_bytes());
        let mut out = Vec::new();
        write(record.as_bytes(), &fields, facts, None, &[], &mut out)?;
        assert_object(&out);
        Ok(String::from_utf8(out).unwrap())
    }

    /// As the engine writes it with enrichment on (the facts enrichment really finds).
    fn ocsf_enriched(record: &str) -> String {
        let fields = Fields::capture(record.as_bytes());
        let facts = crate::enrich::enrich(&fields);
        let mut out = Vec::new();
        write(record.as_bytes(), &fields, Some(&facts), None, &[], &mut out).unwrap();
        assert_object(&out);
        String::from_utf8(out).unwrap()
    }

    fn at(doc: &str, ptr: &str) -> Option<String> {
        pointer(doc.as_bytes(), ptr)
    }

    #[test]
    fn tables_are_well_formed() {
        rows::check_table(TABLE).unwrap();
        assert!(ACCOUNT_CHANGES.windows(2).all(|w| w[0].0 < w[1].0), "ACCOUNT_CHANGES sorted, unique");
        assert!(USER_TYPE_IDS.windows(2).all(|w| w[0].0 < w[1].0), "USER_TYPE_IDS sorted, unique");
        for (k, id) in USER_TYPE_IDS {
            assert_eq!(user_type_id(k), *id, "{k}");
        }
        for other in ["", "Rol", "Roles", "iamuser", "IAMUse", "Other"] {
            assert_eq!(user_type_id(other), 99, "{other}");
        }
        assert!(SIGN_INS.windows(2).all(|w| w[0].0 < w[1].0), "SIGN_INS sorted, unique");
        for (_, a) in SIGN_INS {
            assert!(AUTH_ACTIVITIES.iter().any(|(id, _)| id == a), "activity {a} has a caption");
        }
        assert!(CONSUMED.windows(2).all(|w| w[0] < w[1]), "CONSUMED sorted, unique");
        for (_, a) in ACCOUNT_CHANGES {
            assert!(ACCOUNT_CHANGE_ACTIVITIES.iter().any(|(id, _)| id == a), "activity {a} has a caption");
        }
    }

    #[test]
    fn unmapped_written_whole_agrees_with_the_per_leaf_form() {
        let deep = alloc::format!(r#"{{"userIdentity":{}{{"x":1}}{}}}"#, r#"{"sessionContext":"#.repeat(10), "}".repeat(10));
        let many = alloc::format!("{{{}\"userIdentity\":{{\"arn\":\"a\",\"q\":1}}}}", (0..40).rev().map(|n| alloc::format!("\"k{n}\":{n},")).collect::<String>());
        let records = [
            r#"{"eventTime":"t","zeta":1,"alpha":{"b":2},"userIdentity":{"type":"IAMUser","arn":"a","zz":[1, 2],"sessionContext":{"attributes":{"creationDate":"c","other":"o"}}}}"#,
            r#"{"a.b":1,"a":{"b":2},"ab":3,"":4,"abcdefgh":5,"abcdefg":6,"abcdefghi":7,"n":null,"s":" spaced value ","o":{ "x" : [ 1 ] }}"#,
            r#"{"userIdentity":{"arn":"a","principalId":"p"},"requestParameters":{ "b" : 1 }}"#,
            r#"{"userIdentity":{"sessionContext":{"attributes":{"creationDate":"c"}}},"eventName":"X"}"#,
            r#"{"userIdentityX":1,"userIdentit":{"arn":"a"},"eventNames":2,"eventNam":3,"apiVersio":{"x":1},"userIdentity":"s"}"#,
            r#"{ "readOnly" : true , "userIdentity" : { "arn" : "a" , "x" : [ 1 ] , "type" : "T" } , "eventName":"a","eventName":"b" , "resources" : [ {"a":1} ] }"#,
            deep.as_str(),
            many.as_str(),
            "{}",
        ];
        let consumed: Vec<&[&str]> = CONSUMED.to_vec();
        for rec in records {
            let mut leafwise = Doc::new();
            write_unmapped(&mut leafwise, rec.as_bytes(), &mut Vec::new(), &consumed, 0);
            let mut a = Vec::new();
            leafwise.finish(&mut a);
            let mut whole = Vec::new();
            let mut doc = Doc::new();
            if unmapped_into(&mut whole, &Fields::capture_keeping(rec.as_bytes(), KEEP_NODES, CONSUMED_MASK), rec.as_bytes(), CONSUMED_MASK).ok().unwrap_or_else(|| panic!("{rec}")) {
                doc.put_with(&[Part::Dotted("unmapped")], |o| o.extend_from_slice(&whole));
            }
            let mut b = Vec::new();
            doc.finish(&mut b);
            assert_eq!(String::from_utf8(b).unwrap(), String::from_utf8(a).unwrap(), "{rec}");
        }
        // A repeated key, or an escaped one, is left to the per-leaf form.
        for rec in [
            r#"{"a":1,"b":{"c":1},"a":2}"#,
            r#"{"userIdentity":{"x":1,"x":2,"arn":"a"}}"#,
            r#"{"userIdentity":{"arn":"a"},"tlsDetails":{"tlsVersion":"v"},"userIdentity":{"x":1},"requestParameters":{"a":{"b":[1,{"c":2}]}}}"#,
            r#"{"k\u0065y":5}"#,
            r#"{"userIdentity":{"we\"ird\u0000":{"x":null},"arn":"a"}}"#,
        ] {
            assert!(unmapped_into(&mut Vec::new(), &Fields::capture_keeping(rec.as_bytes(), KEEP_NODES, CONSUMED_MASK), rec.as_bytes(), CONSUMED_MASK).is_err(), "{rec}");
            assert!(unmapped_into(&mut Vec::new(), &Fields::capture(rec.as_bytes()), rec.as_bytes(), CONSUMED_MASK).is_err(), "{rec}");
        }
        // Paths a class adds are left out too, at any depth.
        let mut c = Consumed::new();
        c.push(&["userIdentity", "type"], F::UiType);
        c.push(&["tlsDetails", "clientProvidedHostHeader"], F::TlsHostHeader);
        c.push(&["resources"], F::Resources);
        let rec = r#"{"resources":[1],"tlsDetails":{"tlsVersion":"v","clientProvidedHostHeader":"h"},"userIdentity":{"type":"IAMUser","arn":"a","zz":[1, 2],"sessionContext":{"attributes":{"creationDate":"c","other":"o"}}}}"#;
        let mut whole = Vec::new();
        assert!(unmapped_into(&mut whole, &Fields::capture_keeping(rec.as_bytes(), KEEP_NODES, CONSUMED_MASK), rec.as_bytes(), c.mask).ok().unwrap());
        assert_eq!(String::from_utf8(whole).unwrap(), r#"{"tlsDetails":{"tlsVersion":"v"},"userIdentity":{"sessionContext":{"attributes":{"other":"o"}},"zz":[1,2]}}"#);
    }

    /// `unmapped` from the members the capture kept is the per-leaf form's, for nested objects
    /// and with the paths a class adds; a repeated or escaped key, or a record with more members
    /// than the capture keeps, is left to the per-leaf form.
    #[test]
    fn unmapped_from_the_kept_members_agrees_with_the_per_leaf_form() {
        let members = |n: usize| (0..n).map(|k| alloc::format!("\"k{k}\":{k},")).collect::<String>();
        let big = alloc::format!(r#"{{"userIdentity":{{"type":"T","arn":"a"}},"p":"{}","eventName":"X","q":[1, 2]}}"#, "x".repeat(70_000));
        let wide = alloc::format!(r#"{{{}"userIdentity":{{"arn":"a","q":1}}}}"#, members(200));
        let wider = alloc::format!(r#"{{"userIdentity":{{{}"arn":"a","q":1}},{}"x":1}}"#, members(100), members(200));
        // (record, kept by the capture, written whole)
        let cases: &[(&str, bool, bool)] = &[
            (r#"{"eventTime":"t","zeta":1,"alpha":{"b":2},"userIdentity":{"type":"IAMUser","arn":"a","zz":[1, 2],"sessionContext":{"attributes":{"creationDate":"c","other":"o"},"sessionIssuer":{"arn":"i","type":"Role","userName":"r"},"webIdFederationData":{}}}}"#, true, true),
            (r#" { "readOnly" : true , "userIdentity" : { "arn" : "a" , "x" : [ 1 ] , "type" : "T" , "sessionContext" : { "attributes" : { "mfaAuthenticated" : "false" , "y" : null } } } , "eventName":"a", "resources" : [ {"a":1} ] , "n" : null } "#, true, true),
            (r#"{"resources":[1],"tlsDetails":{"tlsVersion":"v","clientProvidedHostHeader":"h"},"additionalEventData":{"MFAUsed":"No","LoginTo":"l","x":{"y":1}},"requestParameters":{"a":1},"userIdentity":"s","eventName":{"x":1}}"#, true, true),
            ("{}", true, true),
            (r#"{"userIdentity":{}}"#, true, true),
            (&big, true, true),
            (&wide, true, true),
            (r#"{"a":1,"b":{"c":1},"a":2}"#, true, false),
            (r#"{"userIdentity":{"arn":"a","x":1,"x":2}}"#, true, false),
            (r#"{"userIdentity":{"arn":"a"},"tlsDetails":{"tlsVersion":"v"},"userIdentity":{"x":1,"sessionContext":{"attributes":{"creationDate":"c","q":1}}}}"#, true, false),
            (r#"{"k\u0065y":5,"userIdentity":{"arn":"a"}}"#, true, false),
            (r#"{"userIdentity":{"arn":"a","s\u0065ssionContext":{"attributes":{"creationDate":"c"}}}}"#, true, false),
            (&wider, false, false),
        ];
        let mut extra = Consumed::new();
        extra.push(&["userIdentity", "type"], F::UiType);
        extra.push(&["tlsDetails", "clientProvidedHostHeader"], F::TlsHostHeader);
        extra.push(&["additionalEventData", "MFAUsed"], F::AedMfaUsed);
        extra.push(&["resources"], F::Resources);
        extra.push(&["requestParameters"], F::RequestParameters);
        for (rec, kept, whole) in cases {
            let rec = rec.trim().as_bytes();
            let short = String::from_utf8_lossy(&rec[..rec.len().min(80)]);
            let fields = Fields::capture_keeping(rec, KEEP_NODES, CONSUMED_MASK);
            assert_eq!(fields.kept(rec).is_some(), *kept, "{short}");
            assert!(Fields::capture(rec).kept(rec).is_none());
            for (mask, paths) in [(CONSUMED_MASK, CONSUMED.to_vec()), (extra.mask, extra.paths())] {
                let mut out = Vec::new();
                let Ok(wrote) = unmapped_into(&mut out, &fields, rec, mask) else {
                    assert!(!whole, "{short}");
                    continue;
                };
                assert!(whole, "{short}");
                let mut doc = Doc::new();
                if wrote {
                    doc.put_with(&[Part::Dotted("unmapped")], |o| o.extend_from_slice(&out));
                }
                let (mut a, mut b) = (Vec::new(), Vec::new());
                doc.finish(&mut a);
                let mut leafwise = Doc::new();
                write_unmapped(&mut leafwise, rec, &mut Vec::new(), &paths, 0);
                leafwise.finish(&mut b);
                assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap(), "{short}");
            }
        }
        // Only for the record captured (the same text at another address is another record).
        let rec = br#"{"userIdentity":{"arn":"a","q":1},"z":2}"#;
        let fields = Fields::capture_keeping(rec, KEEP_NODES, CONSUMED_MASK);
        assert!(fields.kept(rec).is_some());
        assert!(fields.kept(&rec.to_vec()).is_none() && fields.kept(&rec[..rec.len() - 1]).is_none());
        // What the per-leaf form writes for the record with more members than are kept.
        let rec = alloc::format!(r#"{{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","userIdentity":{{"arn":"a","q":1}},{}"zz":1}}"#, members(300));
        let doc = ocsf(&rec, None);
        assert_eq!(at(&doc, "/unmapped/userIdentity").as_deref(), Some(r#"{"q":1}"#));
        assert_eq!(at(&doc, "/unmapped/k299").as_deref(), Some("299"));
        assert!(at(&doc, "/unmapped/eventTime").is_none());
    }

    /// `KEEP_NODES` holds every node below which a field `render_unmapped` may consume lies.
    #[test]
    fn kept_nodes_are_those_unmapped_descends_into() {
        let extras = [F::UiType, F::Resources, F::TlsHostHeader, F::AedMfaUsed, F::AedLoginTo, F::RequestParameters, F::ResponseElements];
        let all = extras.iter().fold(CONSUMED_MASK, |m, f| m | 1u128 << (*f as u32));
        for (_, _, _, child) in crate::fields::TRIE {
            if *child != Node::None && crate::fields::under(*child) & all != 0 {
                assert!(KEEP_NODES & (1 << *child as u32) != 0, "{child:?}");
            }
        }
        assert!(KEEP_NODES & (1 << Node::Root as u32) != 0);
    }

    /// `render_unmapped` decides by field what `write_unmapped` decides by path: that is the same
    /// only while every path the profile consumes is the trie's one and only path to its field
    /// (identityStoreArn has two: both consumed).
    #[test]
    fn consumed_fields_are_exactly_the_consumed_paths() {
        use crate::fields::TRIE;
        // Every path of the trie with the field captured there.
        let mut paths: Vec<(Vec<&str>, Option<F>)> = Vec::new();
        let mut todo = alloc::vec![(Node::Root, Vec::<&str>::new())];
        while let Some((node, prefix)) = todo.pop() {
            for (_, keys, f, child) in TRIE.iter().filter(|e| e.0 == node) {
                for k in keys.iter() {
                    let mut p = prefix.clone();
                    p.push(core::str::from_utf8(k).unwrap());
                    if *child != Node::None && p.len() < 8 {
                        todo.push((*child, p.clone()));
                    }
                    paths.push((p, *f));
                }
            }
        }
        let extras: &[(&[&str], F)] = &[
            (&["userIdentity", "type"], F::UiType),
            (&["resources"], F::Resources),
            (&["tlsDetails", "clientProvidedHostHeader"], F::TlsHostHeader),
            (&["additionalEventData", "MFAUsed"], F::AedMfaUsed),
            (&["additionalEventData", "LoginTo"], F::AedLoginTo),
            (&["requestParameters"], F::RequestParameters),
            (&["responseElements"], F::ResponseElements),
        ];
        assert_eq!(CONSUMED.len(), CONSUMED_F.len());
        let sets = core::iter::once(None).chain(extras.iter().map(Some));
        for extra in sets {
            let mut c = Consumed::new();
            if let Some((p, f)) = extra {
                c.push(p, *f);
            }
            for (p, f) in &paths {
                let by_path = c.paths().iter().any(|q| q == &&p[..]);
                let by_field = f.is_some_and(|f| c.mask & (1u128 << (f as u32)) != 0);
                assert_eq!(by_path, by_field, "{p:?} ({f:?}) with {extra:?}");
            }
            for q in &c.paths() {
                assert!(paths.iter().any(|(p, f)| &&p[..] == q && f.is_some()), "{q:?} is no path of the trie");
            }
        }
        // The extras written by `write` are those listed here.
        for (p, f) in extras {
            assert_eq!(crate::fields::path(*f), p.join("."), "{p:?}");
        }
    }

    #[test]
    fn route_table() {
        let cases: &[(&str, &str, Option<&str>, &str, Class)] = &[
            ("console login", "{}", Some("signin.amazonaws.com"), "ConsoleLogin", Class::Authentication { activity: 1 }),
            ("console login without source (old records)", "{}", None, "ConsoleLogin", Class::Authentication { activity: 1 }),
            ("Identity Center sign-in step", "{}", Some("signin.amazonaws.com"), "CredentialChallenge", Class::Authentication { activity: 99 }),
            ("Identity Center federation", "{}", Some("sso.amazonaws.com"), "Federate", Class::Authentication { activity: 1 }),
            ("federation sign-in token", "{}", Some("signin.amazonaws.com"), "GetSigninToken", Class::Authentication { activity: 3 }),
            ("AssumeRole stays API Activity", "{}", Some("sts.amazonaws.com"), "AssumeRoleWithSAML", Class::Api),
            ("insight start", r#"{"eventType":"AwsCloudTrailInsight","insightDetails":{"state":"Start"}}"#, None, "", Class::Finding { activity: 1 }),
            ("insight end", r#"{"eventType":"AwsCloudTrailInsight","insightDetails":{"state":"End"}}"#, None, "", Class::Finding { activity: 3 }),
            ("same name elsewhere is just an API call", "{}", Some("example.amazonaws.com"), "ConsoleLogin", Class::Api),
            ("create user", r#"{"requestParameters":{"userName":"bob"},"responseElements":{"user":{"arn":"arn:u","userId":"AIDA"}}}"#,
                Some("iam.amazonaws.com"), "CreateUser",
                Class::AccountChange { activity: 1, target: Target { name: Some("bob".into()), uid: Some("arn:u".into()), uid_alt: Some("AIDA".into()), kind: Some("IAMUser".into()) } }),
            ("attach role policy", r#"{"requestParameters":{"roleName":"r"}}"#, Some("iam.amazonaws.com"), "AttachRolePolicy",
                Class::AccountChange { activity: 7, target: Target { name: Some("r".into()), uid: None, uid_alt: None, kind: Some("Role".into()) } }),
            ("change own password: the caller is the target", r#"{"userIdentity":{"type":"IAMUser","userName":"me","arn":"arn:me"}}"#,
                Some("iam.amazonaws.com"), "ChangePassword",
                Class::AccountChange { activity: 3, target: Target { name: Some("me".into()), uid: Some("arn:me".into()), uid_alt: None, kind: Some("IAMUser".into()) } }),
            ("no target at all stays API Activity", "{}", Some("iam.amazonaws.com"), "DeleteUser", Class::Api),
            ("other IAM calls are API Activity", r#"{"requestParameters":{"userName":"bob"}}"#, Some("iam.amazonaws.com"), "ListUsers", Class::Api),
        ];
        for (name, rec, provider, action, want) in cases {
            let fields = Fields::capture(rec.as_bytes());
            assert_eq!(route(action, *provider, &fields), *want, "{name}");
        }
    }

    #[test]
    fn mapping_table() {
        let mut f = Facts::default();
        f.timestamp = Some("2024-01-02T03:04:05.678Z".into());
        f.session_created = Some("2024-01-02T03:00:00Z".into());
        f.mfa_authenticated = Some(true);
        f.action = Some("UpdateDistribution".into());
        f.provider = Some("cloudfront.amazonaws.com".into());
        f.activity_id = 3;
        f.outcome = Some(Outcome::Success);
        f.source_address = Some("198.51.100.7".into());
        f.source_ip = Some("198.51.100.7".into());
        f.cloudfront = alloc::vec![
            ("cloudfront.distribution.id", "E1".to_string()),
            ("cloudfront.distribution.arn", "arn:aws:cloudfront::1:distribution/E1".to_string()),
            ("cloudfront.cache_policy.id", "cp".to_string()),
        ];
        f.risk = alloc::vec![crate::enrich::RiskDetail { flag: "no_waf", severity: "low", kind: "state", evidence: alloc::vec![("k".to_string(), "\"\"".to_string())] }];
        let rec = r#"{"eventName":"UpdateDistribution2019_03_26","eventTime":"2024-01-02T03:04:05.678Z","sourceIPAddress":"198.51.100.7",
            "userIdentity":{"type":"AssumedRole","arn":"arn:r","sessionContext":{"attributes":{"creationDate":"2024-01-02T03:00:00Z","mfaAuthenticated":"true"},"sessionIssuer":{"arn":"arn:role","userName":"Role"}}},
            "requestParameters":{"id":"E1"},"readOnly":false,"resources":[{"ARN":"arn:x","accountId":"1","type":"AWS::X"}],"odd":null}"#;
        let cases: &[(&str, Option<&Facts<'_>>, &[(&str, Option<&str>)])] = &[
            ("enriched", Some(&f), &[
                ("/class_uid", Some("6003")),
                ("/activity_id", Some("3")),
                ("/type_uid", Some("600303")),
                ("/type_name", Some(r#""API Activity: Update""#)),
                ("/time", Some("1704164645678")),
                ("/status_id", Some("1")),
                ("/api/operation", Some(r#""UpdateDistribution""#)),
                ("/actor/user/uid", Some(r#""arn:r""#)),
                ("/actor/user/type_id", Some("99")),
                ("/actor/session/created_time", Some("1704164400000")),
                ("/actor/session/issuer", Some(r#""arn:role""#)),
                ("/actor/session/is_mfa", Some("true")),
                ("/src_endpoint/ip", Some(r#""198.51.100.7""#)),
                ("/resources/0/uid", Some(r#""arn:x""#)),
                ("/resources/0/owner/account/uid", Some(r#""1""#)),
                ("/resources/1/uid", Some(r#""arn:aws:cloudfront::1:distribution/E1""#)),
                ("/resources/1/type", Some(r#""AWS::CloudFront::Distribution""#)),
                ("/resources/2/type", Some(r#""AWS::CloudFront::CachePolicy""#)),
                ("/enrichments/0/data/risk", Some(r#"["no_waf"]"#)),
                ("/enrichments/0/data/details/0/kind", Some(r#""state""#)),
                ("/enrichments/0/data/details/0/evidence/0", Some(r#"{"key":"k","value":""}"#)),
                ("/unmapped/requestParameters", Some(r#"{"id":"E1"}"#)),
                ("/unmapped/readOnly", Some("false")),
                ("/unmapped/userIdentity/sessionContext/sessionIssuer", Some(r#"{"userName":"Role"}"#)),
                ("/unmapped/userIdentity/type", None),
                ("/unmapped/eventTime", None),
                ("/unmapped/resources", None),
                ("/unmapped/odd", None),
            ]),
            ("not enriched", None, &[
                ("/class_uid", Some("6003")),
                ("/activity_id", Some("0")),
                ("/activity_name", Some(r#""Unknown""#)),
                ("/type_uid", Some("600300")),
                ("/status_id", Some("0")),
                ("/time", Some("1704164645678")),
                ("/api/operation", Some(r#""UpdateDistribution2019_03_26""#)),
                ("/src_endpoint/ip", Some(r#""198.51.100.7""#)),
                ("/enrichments", None),
                ("/resources/0/uid", Some(r#""arn:x""#)),
                ("/resources/1", None),
            ]),
        ];
        for (name, facts, expect) in cases {
            let doc = ocsf(rec, *facts);
            for (ptr, want) in *expect {
                assert_eq!(at(&doc, ptr).as_deref(), *want, "{name} {ptr} in {doc}");
            }
        }
    }

    #[test]
    fn service_event_actor_is_the_service() {
        let doc = ocsf(r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"ec2.amazonaws.com","eventName":"SharedSnapshotVolumeCreated","sourceIPAddress":"ec2.amazonaws.com"}"#, None);
        // 1.1.0 has no actor.app_name (1.2.0 added it); invoked_by names the acting service.
        assert_eq!(at(&doc, "/actor/invoked_by").as_deref(), Some(r#""ec2.amazonaws.com""#));
        assert!(at(&doc, "/actor/app_name").is_none());
        assert_eq!(at(&doc, "/src_endpoint/svc_name").as_deref(), Some(r#""ec2.amazonaws.com""#));
        assert!(at(&doc, "/src_endpoint/domain").is_none());
        assert!(at(&doc, "/actor/user").is_none());
    }

    #[test]
    fn source_endpoint_always_has_an_identifier() {
        let cases: &[(&str, &str, &str)] = &[
            ("ip", r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","sourceIPAddress":"192.0.2.1"}"#, r#"{"ip":"192.0.2.1"}"#),
            ("service principal", r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","sourceIPAddress":"AWS Internal"}"#, r#"{"svc_name":"AWS Internal"}"#),
            ("no source, calling service known", r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","userIdentity":{"invokedBy":"cloudformation.amazonaws.com"}}"#, r#"{"svc_name":"cloudformation.amazonaws.com"}"#),
            ("no source, VPC endpoint", r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","vpcEndpointId":"vpce-1"}"#, r#"{"uid":"vpce-1"}"#),
            ("no source at all", r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","sourceIPAddress":""}"#, r#"{"name":"Unknown"}"#),
        ];
        for (name, rec, want) in cases {
            assert_eq!(at(&ocsf(rec, None), "/src_endpoint").as_deref(), Some(*want), "{name}");
            assert_eq!(at(&ocsf_enriched(rec), "/src_endpoint").as_deref(), Some(*want), "{name}, enriched");
        }
    }

    #[test]
    fn labels_follow_their_ids() {
        let rec = r#"{"eventName":"X","userIdentity":{"type":"IAMUser","userName":"u"},"eventTime":"2024-01-02T03:04:05Z"}"#;
        let doc = ocsf(rec, None);
        assert_eq!(at(&doc, "/actor/user/type_id").as_deref(), Some("1"));
        assert_eq!(at(&doc, "/actor/user/type").as_deref(), Some(r#""User""#));
        // CloudTrail's own type is not lost: it stays in unmapped when the label is OCSF's.
        assert_eq!(at(&doc, "/unmapped/userIdentity/type").as_deref(), Some(r#""IAMUser""#));
        assert_eq!(at(&doc, "/metadata/original_time").as_deref(), Some(r#""2024-01-02T03:04:05Z""#));
        assert_eq!(at(&doc, "/metadata/log_provider").as_deref(), Some(r#""CloudTrail""#));
        let role = ocsf(r#"{"eventTime":"2024-01-02T03:04:05Z","eventName":"X","userIdentity":{"type":"AssumedRole","arn":"arn:r"}}"#, None);
        assert_eq!(at(&role, "/actor/user/type").as_deref(), Some(r#""AssumedRole""#));
        assert!(at(&role, "/unmapped/userIdentity").is_none());
        let other = ocsf_enriched(r#"{"eventTime":"2024-01-02T03:04:05Z","eventName":"AssumeRoleWithSAML","eventSource":"sts.amazonaws.com","userIdentity":{"type":"SAMLUser","userName":"u"}}"#);
        assert_eq!(at(&other, "/activity_id").as_deref(), Some("99"));
        assert_eq!(at(&other, "/activity_name").as_deref(), Some(r#""AssumeRoleWithSAML""#));
        assert_eq!(at(&other, "/type_name").as_deref(), Some(r#""API Activity: Other""#));
    }

    #[test]
    fn insights_are_detection_findings() {
        let rec = r#"{"eventVersion":"1.07","eventTime":"2020-09-09T23:00:00Z","eventType":"AwsCloudTrailInsight","sharedEventID":"s1","eventID":"e1",
            "insightDetails":{"state":"Start","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy","insightType":"ApiCallRateInsight"}}"#;
        let doc = ocsf(rec, None);
        assert_eq!(at(&doc, "/class_uid").as_deref(), Some("2004"));
        assert_eq!(at(&doc, "/type_uid").as_deref(), Some("200401"));
        assert_eq!(at(&doc, "/finding_info/uid").as_deref(), Some(r#""s1""#));
        assert_eq!(at(&doc, "/finding_info/title").as_deref(), Some(r#""CloudTrail Insight: ApiCallRateInsight on iam.amazonaws.com AttachUserPolicy""#));
        assert!(at(&doc, "/actor").is_none() && at(&doc, "/src_endpoint").is_none());
        assert_eq!(at(&doc, "/unmapped/insightDetails/insightType").as_deref(), Some(r#""ApiCallRateInsight""#));
    }

    #[test]
    fn payloads_go_to_api_request_and_response_data_under_the_caps() {
        let doc = ocsf(r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","requestID":"r1","requestParameters":{"a":1},"responseElements":{"b":[2]}}"#, None);
        assert_eq!(at(&doc, "/api/request/data").as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(at(&doc, "/api/response/data").as_deref(), Some(r#"{"b":[2]}"#));
        assert!(at(&doc, "/unmapped/requestParameters").is_none());
        // api.request needs its uid: without requestID the payload stays in unmapped.
        let doc = ocsf(r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","requestParameters":{"a":1}}"#, None);
        assert!(at(&doc, "/api/request").is_none());
        assert_eq!(at(&doc, "/unmapped/requestParameters").as_deref(), Some(r#"{"a":1}"#));
        // Whitespace is left out (outside strings); many brackets, but shallow, still fit, and
        // brackets inside strings count for nothing.
        let rec = alloc::format!(
            r#"{{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","requestID":"r","requestParameters":{{ "a b" : [ 1 , "x {{ [ y" ] ,"l":[{}{{}}]}},"responseElements":{{"s":"{}"}}}}"#,
            "{},".repeat(30),
            "{[".repeat(30)
        );
        let doc = ocsf(&rec, None);
        assert!(doc.contains(r#""data":{"a b":[1,"x { [ y"],"l":[{},"#), "{doc}");
        assert_eq!(at(&doc, "/api/request/data").as_deref(), Some(alloc::format!(r#"{{"a b":[1,"x {{ [ y"],"l":[{}{{}}]}}"#, "{},".repeat(30)).as_str()));
        assert_eq!(at(&doc, "/api/response/data").as_deref(), Some(alloc::format!(r#"{{"s":"{}"}}"#, "{[".repeat(30)).as_str()));
        // Too deep for the caps: kept whole in unmapped.
        let deep = alloc::format!(r#"{{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","requestID":"r","requestParameters":{}1{}}}"#, r#"{"a":"#.repeat(25), "}".repeat(25));
        let doc = ocsf(&deep, None);
        assert!(at(&doc, "/api/request/data").is_none());
        assert!(at(&doc, "/unmapped/requestParameters").is_some());
    }

    /// `openings_at_most` counts what a byte-by-byte count of `{` and `[` counts: every byte
    /// value alone, and texts of many lengths around its 64-byte blocks with every bound.
    #[test]
    fn openings_are_counted_as_byte_by_byte() {
        let naive = |raw: &[u8]| raw.iter().filter(|&&c| c == b'{' || c == b'[').count();
        for c in 0..=255u8 {
            assert_eq!(openings_at_most(&[c], 0), naive(&[c]) == 0, "{c:#x}");
        }
        let alphabet = b"{[]}\x5b\x7b\xdb\xfb a\"";
        let mut x = 0x2545_F491_4F6C_DD1D_u64;
        for len in [0, 1, 2, 63, 64, 65, 100, 127, 128, 129, 1000, 4096] {
            for _ in 0..20 {
                let raw: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        alphabet[(x % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let n = naive(&raw);
                for max in [0, 1, 20, n.saturating_sub(1), n, n + 1] {
                    assert_eq!(openings_at_most(&raw, max), n <= max, "{len} {max} {n}");
                }
            }
        }
    }

    /// A resource's uid, type and account are the first members of their names, as `json::get`
    /// finds them (escaped keys, repeats, empty or odd values, `arn` for a missing `ARN`).
    #[test]
    fn resource_members_are_the_first_of_their_names() {
        let elements = [
            r#"{"ARN":"a","type":"T","accountId":"1"}"#,
            r#"{"accountId":"1","arn":"low","ARN":""}"#,
            r#"{"ARN":"x","ARN":"y","type":"t1","type":"t2"}"#,
            r#"{"\u0041RN":"e","typ\u0065":"T","accountId":7}"#,
            r#"{"ARN":{"a":1},"arn":"b","type":null,"accountId":"\u0031"}"#,
            r#"{ "type" : "only" }"#,
            r#"{"other":"z"}"#,
            r#"[1]"#,
            r#""s""#,
        ];
        for el in elements {
            let rec = alloc::format!(r#"{{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","resources":[{el}]}}"#);
            let get = |k: &str| json::get(el.as_bytes(), &[k]).and_then(json::as_text).filter(|s| !s.is_empty());
            let want = [("uid", get("ARN").or_else(|| get("arn"))), ("type", get("type")), ("owner/account/uid", get("accountId"))];
            let doc = ocsf(&rec, None);
            for (ptr, v) in &want {
                let got = at(&doc, &alloc::format!("/resources/0/{ptr}"));
                assert_eq!(got.as_deref().and_then(|g| json::as_text(g.as_bytes())).as_deref(), v.as_deref(), "{ptr} of {el}: {doc}");
            }
            if want.iter().all(|(_, v)| v.is_none()) {
                assert!(at(&doc, "/resources").is_none(), "{el}");
            }
        }
    }

    /// `type_name` is written from class names and captions as they are: none needs escaping.
    #[test]
    fn class_names_and_captions_are_plain() {
        let plain = |t: &str| {
            let mut o = Vec::new();
            json::write_str(&mut o, t);
            o == alloc::format!("\"{t}\"").as_bytes()
        };
        for table in [API_ACTIVITIES, AUTH_ACTIVITIES, ACCOUNT_CHANGE_ACTIVITIES, FINDING_ACTIVITIES, USER_TYPE_CAPTIONS] {
            assert!(table.iter().all(|(_, c)| plain(c)));
        }
        // Every class's name, as written.
        let records = [
            r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X"}"#,
            r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","userIdentity":{"arn":"a"}}"#,
            r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"iam.amazonaws.com","eventName":"DeleteUser","requestParameters":{"userName":"u"}}"#,
            r#"{"eventTime":"2024-01-02T03:04:05Z","eventType":"AwsCloudTrailInsight","sharedEventID":"s","insightDetails":{"state":"Start"}}"#,
        ];
        let mut classes = alloc::collections::BTreeSet::new();
        for rec in records {
            let doc = ocsf(rec, None);
            let name = at(&doc, "/class_name").unwrap();
            assert!(plain(json::as_text(name.as_bytes()).unwrap().as_ref()), "{name}");
            classes.insert(name);
        }
        assert_eq!(classes.len(), 4, "{classes:?}");
    }

    #[test]
    fn many_repeated_resources_are_deduplicated() {
        // 100,000 resources, half of them repeats (a quadratic dedupe would take minutes here).
        let mut rec = String::from(r#"{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s","eventName":"X","resources":["#);
        for i in 0..100_000 {
            if i > 0 {
                rec.push(',');
            }
            rec.push_str(&alloc::format!(r#"{{"ARN":"arn:{}"}}"#, i % 50_000));
        }
        rec.push_str("]}");
        let doc = ocsf(&rec, None);
        assert_eq!(at(&doc, "/resources/49999/uid").as_deref(), Some(r#""arn:49999""#));
        assert!(at(&doc, "/resources/50000").is_none());
    }

    #[test]
    fn hostile_input_still_gives_one_valid_object() {
        let cases = [
            "{}",
            r#"{"userIdentity":"x","resources":[1,{"ARN":{}},{"ARN":"a"},{"ARN":"a"}],"eventTime":"2024-99-01T00:00:00Z"}"#,
            r#"{"eventName":"CreateUser","eventSource":"iam.amazonaws.com","requestParameters":{"userName":["x"]},"userIdentity":{"sessionContext":7}}"#,
            r#"{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"maybe"},"sourceIPAddress":"1.2.3.4, 5.6.7.8","we\"ird\u0000":{"a.b":1}}"#,
        ];
        for rec in cases {
            for facts in [None, Some(&Facts::default())] {
                let mut out = Vec::new();
                let fields = Fields::capture(rec.as_bytes());
                match write(rec.as_bytes(), &fields, facts, None, &[], &mut out) {
                    Ok(()) => assert_object(&out),
                    Err(_) => assert!(out.is_empty(), "nothing written for a record that becomes an error entry"),
                }
            }
        }
    }

    #[test]
    fn records_ocsf_cannot_hold_become_error_entries() {
        let cases: &[(&str, &str, Code)] = &[
            ("not CloudTrail", r#"{"foo":1}"#, Code::NotCloudTrail),
            ("no time", r#"{"eventName":"X","sourceIPAddress":"192.0.2.1","userIdentity":{"arn":"a"}}"#, Code::OcsfIncomplete),
            ("bad time", r#"{"eventTime":"2023-02-30T00:00:00Z","eventName":"X","userIdentity":{"arn":"a"}}"#, Code::OcsfIncomplete),
            ("no operation", r#"{"eventTime":"2024-01-01T00:00:00Z","userIdentity":{"arn":"a"}}"#, Code::OcsfIncomplete),
            ("no actor", r#"{"eventTime":"2024-01-01T00:00:00Z","eventName":"X"}"#, Code::OcsfIncomplete),
            ("a user without an identifier", r#"{"eventTime":"2024-01-01T00:00:00Z","eventName":"X","eventSource":"s","userIdentity":{"accessKeyId":"AKIA"}}"#, Code::OcsfIncomplete),
            ("sign-in without a user", r#"{"eventTime":"2024-01-01T00:00:00Z","eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com"}"#, Code::OcsfIncomplete),
            ("insight without an id", r#"{"eventTime":"2024-01-01T00:00:00Z","eventType":"AwsCloudTrailInsight","insightDetails":{"state":"Start"}}"#, Code::OcsfIncomplete),
        ];
        for (name, rec, want) in cases {
            assert_eq!(try_ocsf(rec, None).err(), Some(*want), "{name}");
        }
        assert!(try_ocsf(r#"{"eventTime":"2024-01-01T00:00:00Z","eventName":"X","eventSource":"s"}"#, None).is_ok(), "the service acted: complete");
    }
}
