//! The `ocsf` profile: one OCSF 1.1.0 event per record (the version Amazon Security Lake
//! stores), in one of three classes:
//! - Authentication (3002), activity Logon, for console sign-ins (`ConsoleLogin`,
//!   `ExternalIdPDirectoryLogin`), as the OCSF examples map CloudTrail sign-ins;
//! - Account Change (3001) for IAM calls that change a user or role as an account (create,
//!   delete, attach/detach policy, password, MFA: `ACCOUNT_CHANGES`), as the OCSF CloudTrail
//!   CreateUser example does;
//! - API Activity (6003) for everything else, with `activity_id` from the verb table (Facts).
//!
//! Every class carries the `cloud` profile (`cloud`, `api`), so `api.*` is present in all
//! three. `TABLE` is the attribute mapping shared by the classes; class attributes (`user`,
//! `policy`, `is_mfa`, `service`, `resources`), status and actor details are written by code
//! below it. Record fields no attribute takes go to `unmapped`, nested as in the record (with
//! members the mapping consumed left out). docs/PROFILES.md has the full table.
//!
//! With `enrich: false`: routing still works from the raw event name; API Activity's
//! `activity_id` is 0 (Unknown) and `status_id` 0 (Unknown), because those are judgments of the
//! enrichers; times are still converted (they are format conversions, not judgments);
//! `src_endpoint.ip` is used when sourceIPAddress parses as an IP address, else `domain`.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::enrich::{Facts, Outcome};
use crate::fields::{Fields, F};
use crate::json;
use crate::options::Options;
use crate::profiles::doc::{Doc, Part};
use crate::profiles::rows::{self, bool_str, Conv, Row, Src};

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
    Row { target: "actor.user.uid", from: &[Field(F::UiArn)], conv: Str },
    Row { target: "actor.user.email_addr", from: &[Fact("user.email", |f| f.user_email.as_deref())], conv: Str },
    Row { target: "actor.user.uid_alt", from: &[Field(F::UiPrincipalId)], conv: Str },
    Row { target: "actor.user.account.uid", from: &[Field(F::UiAccountId)], conv: Str },
    Row { target: "actor.user.credential_uid", from: &[Field(F::UiAccessKeyId)], conv: Str },
    Row { target: "actor.session.issuer", from: &[Field(F::ScIssuerArn)], conv: Str },
    Row { target: "actor.session.is_mfa", from: &[Fact("cloudtrail.mfa_authenticated", |f| bool_str(f.mfa_authenticated)), Field(F::ScMfaAuthenticated)], conv: Bool },
    Row { target: "actor.session.created_time", from: &[Fact("cloudtrail.session.created_at", |f| f.session_created.as_deref()), Field(F::ScCreationDate)], conv: EpochMs },
    Row { target: "actor.invoked_by", from: &[Field(F::UiInvokedBy)], conv: Str },
    Row { target: "actor.idp.name", from: &[Field(F::ScFederatedProvider), Field(F::UiIdentityProvider)], conv: Str },
    Row { target: "src_endpoint.uid", from: &[Field(F::VpcEndpointId)], conv: Str },
    Row { target: "http_request.user_agent", from: &[Fact("user_agent.original", |f| f.ua_original.as_deref()), Field(F::UserAgent)], conv: Str },
];

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
    &["userIdentity", "invokedBy"],
    &["userIdentity", "principalId"],
    &["userIdentity", "sessionContext", "attributes", "creationDate"],
    &["userIdentity", "sessionContext", "attributes", "mfaAuthenticated"],
    &["userIdentity", "sessionContext", "sessionIssuer", "arn"],
    &["userIdentity", "sessionContext", "webIdFederationData", "federatedProvider"],
    &["userIdentity", "type"],
    &["userIdentity", "userName"],
    &["vpcEndpointId"],
];

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

/// Sign-in actions routed to Authentication (activity 1, Logon).
pub(crate) const SIGN_INS: &[&str] = &["ConsoleLogin", "ExternalIdPDirectoryLogin"];

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

#[derive(Clone, Debug, PartialEq, Eq)]
enum Class {
    Api,
    Authentication,
    AccountChange { activity: u8, target: Target },
}

/// The user or role an Account Change acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Target {
    name: Option<String>,
    uid: Option<String>,
    uid_alt: Option<String>,
    kind: Option<String>,
}

pub(crate) fn write(record: &[u8], fields: &Fields<'_>, facts: Option<&Facts<'_>>, opts: &Options, out: &mut Vec<u8>) {
    let _ = opts;
    let mut doc = Doc::new();
    rows::apply(TABLE, fields, facts, &mut doc);

    let action = rows::first_text(&[Fact("event.action", |f| f.action.as_deref()), Field(F::EventName)], fields, facts);
    let provider = rows::first_text(&[Fact("event.provider", |f| f.provider.as_deref()), Field(F::EventSource)], fields, facts);
    let class = route(action.as_deref().unwrap_or(""), provider.as_deref(), fields);

    let (class_uid, class_name, category_uid, category_name, activity_id, activity_name) = match &class {
        Class::Api => {
            let id = facts.map_or(0, |f| f.activity_id);
            let id = if API_ACTIVITIES.iter().any(|(a, _)| *a == id) { id } else { 99 };
            (6003, "API Activity", 6, "Application Activity", id, caption(API_ACTIVITIES, id))
        }
        Class::Authentication => (3002, "Authentication", 3, "Identity & Access Management", 1, "Logon"),
        Class::AccountChange { activity, .. } => {
            (3001, "Account Change", 3, "Identity & Access Management", *activity, caption(ACCOUNT_CHANGE_ACTIVITIES, *activity))
        }
    };
    doc.int("class_uid", class_uid);
    doc.str("class_name", class_name);
    doc.int("category_uid", category_uid);
    doc.str("category_name", category_name);
    doc.int("activity_id", activity_id as i64);
    doc.str("activity_name", activity_name);
    doc.int("type_uid", class_uid * 100 + activity_id as i64);
    doc.str("type_name", &alloc::format!("{class_name}: {activity_name}"));
    doc.int("severity_id", 1);
    doc.str_array("metadata.profiles", &["cloud"]);

    let (status_id, status) = match facts.and_then(|f| f.outcome) {
        Some(Outcome::Success) => (1, "Success"),
        Some(Outcome::Failure) => (2, "Failure"),
        None => (0, "Unknown"),
    };
    doc.int("status_id", status_id);
    doc.str("status", status);

    write_actor(&mut doc, fields, provider.as_deref());
    write_src_endpoint(&mut doc, fields, facts);

    let mut consumed: Vec<&[&str]> = CONSUMED.to_vec();
    match &class {
        Class::Api => {
            write_resources(&mut doc, fields, facts);
            consumed.push(&["resources"]);
            if write_dst_endpoint(&mut doc, fields) {
                consumed.push(&["tlsDetails", "clientProvidedHostHeader"]);
            }
            write_risk(&mut doc, facts, action.as_deref());
        }
        Class::Authentication => {
            write_self_as_user(&mut doc, fields, facts);
            if let Some(p) = provider.as_deref() {
                doc.str("service.name", p);
            }
            if let Some(mfa) = fields.text(F::AedMfaUsed).and_then(|v| yes_no(&v)) {
                doc.bool("is_mfa", mfa);
                consumed.push(&["additionalEventData", "MFAUsed"]);
            }
            consumed.push(&["responseElements", "ConsoleLogin"]);
            if write_dst_endpoint(&mut doc, fields) {
                consumed.push(&["tlsDetails", "clientProvidedHostHeader"]);
            }
        }
        Class::AccountChange { activity, target } => {
            opt_str(&mut doc, "user.name", target.name.as_deref());
            opt_str(&mut doc, "user.uid", target.uid.as_deref());
            opt_str(&mut doc, "user.uid_alt", target.uid_alt.as_deref());
            if let Some(kind) = target.kind.as_deref() {
                doc.str("user.type", kind);
                doc.int("user.type_id", user_type_id(kind) as i64);
            }
            if matches!(activity, 7 | 8) {
                write_policy(&mut doc, fields);
            }
        }
    }

    write_unmapped(&mut doc, record, &mut Vec::new(), &consumed, 0);
    doc.finish(out);
}

fn caption(table: &[(u8, &'static str)], id: u8) -> &'static str {
    table.iter().find(|(a, _)| *a == id).map_or("Other", |(_, c)| c)
}

fn opt_str(doc: &mut Doc, path: &str, v: Option<&str>) {
    if let Some(v) = v.filter(|s| !s.is_empty()) {
        doc.str(path, v);
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
    USER_TYPE_IDS.binary_search_by(|(k, _)| k.cmp(&kind)).map_or(99, |i| USER_TYPE_IDS[i].1)
}

fn route(action: &str, provider: Option<&str>, fields: &Fields<'_>) -> Class {
    if SIGN_INS.contains(&action) && matches!(provider, None | Some("signin.amazonaws.com")) {
        return Class::Authentication;
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
/// one of them), and `actor.app_name` for records without a userIdentity (service events: the
/// service itself acted).
fn write_actor(doc: &mut Doc, fields: &Fields<'_>, provider: Option<&str>) {
    let named = doc.has("actor.user.name") || doc.has("actor.user.uid") || doc.has("actor.user.account.uid");
    if named {
        if let Some(t) = fields.text(F::UiType) {
            doc.str("actor.user.type", &t);
            doc.int("actor.user.type_id", user_type_id(&t) as i64);
        }
    }
    if !fields.has(F::UserIdentity) || !(named || fields.has(F::UiInvokedBy) || doc.has("actor.session.issuer")) {
        if let Some(p) = provider {
            doc.str("actor.app_name", p);
        }
    }
}

/// Authentication's `user`: the identity that signed in (the caller).
fn write_self_as_user(doc: &mut Doc, fields: &Fields<'_>, facts: Option<&Facts<'_>>) {
    let name = rows::first_text(&[Fact("user.name", |f| f.user_name.as_deref()), Field(F::UiUserName)], fields, facts);
    opt_str(doc, "user.name", name.as_deref());
    opt_str(doc, "user.uid", fields.text(F::UiArn).as_deref());
    opt_str(doc, "user.uid_alt", fields.text(F::UiPrincipalId).as_deref());
    opt_str(doc, "user.account.uid", fields.text(F::UiAccountId).as_deref());
    if let Some(t) = fields.text(F::UiType) {
        doc.str("user.type", &t);
        doc.int("user.type_id", user_type_id(&t) as i64);
    }
}

/// `src_endpoint.ip` when the source is an IP address, else `src_endpoint.domain`
/// (`cloudformation.amazonaws.com`, `AWS Internal`).
fn write_src_endpoint(doc: &mut Doc, fields: &Fields<'_>, facts: Option<&Facts<'_>>) {
    let Some(addr) = rows::first_text(&[Fact("source.address", |f| f.source_address.as_deref()), Field(F::SourceIp)], fields, facts) else {
        return;
    };
    let ip = match facts {
        Some(f) => f.source_ip.as_deref().filter(|s| !s.is_empty()).map(String::from),
        None => addr.trim().parse::<core::net::IpAddr>().ok().map(|_| String::from(addr.trim())),
    };
    match ip {
        Some(ip) => doc.str("src_endpoint.ip", &ip),
        None => doc.str("src_endpoint.domain", &addr),
    }
}

/// `dst_endpoint.hostname` from the host header the client sent (tlsDetails). True if written.
fn write_dst_endpoint(doc: &mut Doc, fields: &Fields<'_>) -> bool {
    match fields.text(F::TlsHostHeader) {
        Some(h) => {
            doc.str("dst_endpoint.hostname", &h);
            true
        }
        None => false,
    }
}

/// Account Change `policy` for Attach/Detach: the managed policy's ARN, or the inline policy's name.
fn write_policy(doc: &mut Doc, fields: &Fields<'_>) {
    let req = fields.raw(F::RequestParameters).unwrap_or(b"null");
    let get = |k: &str| json::get(req, &[k]).and_then(json::as_text).filter(|s| !s.is_empty());
    let arn = get("policyArn");
    let name = get("policyName").or_else(|| arn.as_deref().and_then(|a| a.rsplit_once('/')).map(|(_, n)| Cow::Owned(String::from(n))));
    opt_str(doc, "policy.uid", arn.as_deref());
    opt_str(doc, "policy.name", name.as_deref());
}

/// API Activity `resources`: the record's own resources (ARN, type, owner account), then the
/// CloudFront resources enrichment found, one per kind (`cloudfront.<kind>.<attr>` facts):
/// `uid` is the ARN when known (else the id or name), `type` the CloudFormation-style
/// `AWS::CloudFront::<Kind>`, `data` every attribute found (invalidation paths included).
fn write_resources(doc: &mut Doc, fields: &Fields<'_>, facts: Option<&Facts<'_>>) {
    let mut items: Vec<Vec<u8>> = Vec::new();
    // A set keeps deduplication linear-ish however many resources a record lists.
    let mut uids = alloc::collections::BTreeSet::<String>::new();
    if let Some(arr) = fields.raw(F::Resources).filter(|v| v.first() == Some(&b'[')) {
        for el in json::elements(arr) {
            let get = |k: &str| json::get(el, &[k]).and_then(json::as_text).filter(|s| !s.is_empty());
            let uid = get("ARN").or_else(|| get("arn"));
            let ty = get("type");
            let account = get("accountId");
            if uid.is_none() && ty.is_none() && account.is_none() {
                continue;
            }
            if let Some(u) = &uid {
                if !uids.insert(u.to_string()) {
                    continue;
                }
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
            items.push(o);
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
            if !uids.insert(String::from(uid)) {
                continue;
            }
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
            items.push(o);
        }
    }
    if items.is_empty() {
        return;
    }
    doc.put_with(&[Part::Dotted("resources")], |o| {
        o.push(b'[');
        for (n, it) in items.iter().enumerate() {
            if n > 0 {
                o.push(b',');
            }
            o.extend_from_slice(it);
        }
        o.push(b']');
    });
}

/// `cache_policy` → `AWS::CloudFront::CachePolicy`.
fn cloudformation_type(kind: &str) -> String {
    let mut s = String::from("AWS::CloudFront::");
    for word in kind.split('_') {
        let mut cs = word.chars();
        if let Some(c) = cs.next() {
            s.extend(c.to_uppercase());
            s.push_str(cs.as_str());
        }
    }
    s
}

/// CloudFront risk flags as one OCSF enrichment (the flags are this library's analysis of the
/// request, not a field of the record).
fn write_risk(doc: &mut Doc, facts: Option<&Facts<'_>>, action: Option<&str>) {
    let Some(f) = facts.filter(|f| !f.risk.is_empty()) else { return };
    doc.put_with(&[Part::Dotted("enrichments")], |o| {
        o.extend_from_slice(b"[{\"name\":\"api.operation\",\"value\":");
        json::write_str(o, action.unwrap_or(""));
        o.extend_from_slice(b",\"type\":\"cloudfront.risk\",\"provider\":\"cloudfront-trail\",\"data\":{\"risk\":[");
        for (n, r) in f.risk.iter().enumerate() {
            if n > 0 {
                o.push(b',');
            }
            json::write_str(o, r.flag);
        }
        o.extend_from_slice(b"],\"details\":");
        crate::enrich::write_risk_details(o, &f.risk);
        o.extend_from_slice(b"}}]");
    });
}

/// Copies every member of `obj` that no attribute consumed to `unmapped`, nested as in the
/// record (values copied as written; `null`s left out); descends only into objects that hold
/// consumed members.
fn write_unmapped(doc: &mut Doc, obj: &[u8], prefix: &mut Vec<String>, consumed: &[&[&str]], depth: usize) {
    for (raw_key, value) in json::members(obj) {
        let key = if raw_key.contains(&b'\\') {
            json::unescape(raw_key).unwrap_or_default()
        } else {
            String::from_utf8_lossy(raw_key).into_owned()
        };
        prefix.push(key);
        let is = |c: &&[&str]| c.len() == prefix.len() && c.iter().zip(prefix.iter()).all(|(a, b)| *a == b.as_str());
        let under = |c: &&[&str]| c.len() > prefix.len() && c.iter().zip(prefix.iter()).all(|(a, b)| *a == b.as_str());
        if consumed.iter().any(is) || value == b"null" {
            // Mapped to an attribute, or nothing to keep.
        } else if value.first() == Some(&b'{') && depth < 8 && consumed.iter().any(under) {
            write_unmapped(doc, value, prefix, consumed, depth + 1);
        } else {
            let mut parts: Vec<Part<'_>> = Vec::with_capacity(prefix.len() + 1);
            parts.push(Part::Dotted("unmapped"));
            parts.extend(prefix.iter().map(|s| Part::Key(s)));
            doc.raw_at(&parts, value);
        }
        prefix.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::rows::testing::{assert_object, pointer};

    fn ocsf(record: &str, facts: Option<&Facts<'_>>) -> String {
        let fields = Fields::capture(record.as_bytes());
        let mut out = Vec::new();
        write(record.as_bytes(), &fields, facts, &Options::default(), &mut out);
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
        assert!(CONSUMED.windows(2).all(|w| w[0] < w[1]), "CONSUMED sorted, unique");
        for (_, a) in ACCOUNT_CHANGES {
            assert!(ACCOUNT_CHANGE_ACTIVITIES.iter().any(|(id, _)| id == a), "activity {a} has a caption");
        }
    }

    #[test]
    fn route_table() {
        let cases: &[(&str, &str, Option<&str>, &str, Class)] = &[
            ("console login", "{}", Some("signin.amazonaws.com"), "ConsoleLogin", Class::Authentication),
            ("console login without source (old records)", "{}", None, "ConsoleLogin", Class::Authentication),
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
        let doc = ocsf(r#"{"eventSource":"ec2.amazonaws.com","eventName":"SharedSnapshotVolumeCreated","sourceIPAddress":"ec2.amazonaws.com"}"#, None);
        assert_eq!(at(&doc, "/actor/app_name").as_deref(), Some(r#""ec2.amazonaws.com""#));
        assert_eq!(at(&doc, "/src_endpoint/domain").as_deref(), Some(r#""ec2.amazonaws.com""#));
        assert!(at(&doc, "/actor/user").is_none());
    }

    #[test]
    fn many_repeated_resources_are_deduplicated() {
        // 100,000 resources, half of them repeats (a quadratic dedupe would take minutes here).
        let mut rec = String::from(r#"{"resources":["#);
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
                ocsf(rec, facts);
            }
        }
    }
}
