//! The `ecs` profile: one nested Elastic Common Schema document per record, shaped like the
//! documents Elastic's `aws.cloudtrail` data stream produces (its ingest pipeline
//! `packages/aws/data_stream/cloudtrail/elasticsearch/ingest_pipeline/default.yml`), so the
//! data stream's mappings, dashboards and detection rules take it unchanged. docs/PROFILES.md
//! lists the mapping; `TABLE` below is that mapping for every one-field-to-one-field move.
//!
//! Differences from Elastic's pipeline, each on purpose:
//! - `event.action` is the action without its API-version suffix (`UpdateDistribution`, not
//!   `UpdateDistribution2014_01_31`), so rules keyed on the action match old records too.
//! - `user.name` is the acting principal as enrichment decides it (an assumed role's session
//!   name; the role name goes to `user.roles`); Elastic writes the role name there.
//! - `error.code`/`error.message` (ECS) are written as well as `aws.cloudtrail.error_*`.
//! - payload strings (`aws.cloudtrail.request_parameters`...) are canonical JSON text, not Java's
//!   `{k=v}` rendering; `flattened.*` copies also respect the `flattened` type's depth limit.
//! - CloudFront enrichment goes under `aws.cloudfront.*`: `aws.*` is the integration's own
//!   namespace, so nothing lands at the top level outside ECS.
//! - geo/ASN lookups (`source.geo.*`, `source.as.*`) only with the `geoip` option: the user's own
//!   MaxMind-format databases, read offline (src/geoip.rs); Elastic's pipeline uses its bundled ones.
//!
//! With `enrich: false` only the rows whose source is a record field are written (plus the
//! constants `ecs.version`, `event.kind`, `cloud.provider`); fact-only keys (`event.outcome`,
//! `event.type`, `event.category`, `source.ip`, `user_agent.name`...) are absent, and keys with a
//! fact and a field fall back to the field as written (`event.action` keeps its suffix).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::enrich::Facts;
use crate::fields::{Fields, F};
use crate::json;
use crate::record::Marks;
use crate::profiles::doc::Doc;
use crate::profiles::rows::{bool_str, Conv, Row, Src};
use crate::profiles::slots::{self, at, Slots};

/// The ECS version the documents follow (the one Elastic's pipeline stamps).
pub(crate) const ECS_VERSION: &str = "8.11.0";

use Conv::{Bool, Date, Flattened, JsonString, Str};
use Src::{Const, Fact, Field};

/// (target, sources in order of preference, conversion). With enrichment on a fact source
/// decides; with enrichment off it is skipped and the next source is tried (rows.rs).
pub(crate) const TABLE: &[Row] = &[
    Row { target: "@timestamp", from: &[Fact("@timestamp", |f| f.timestamp.as_deref()), Field(F::EventTime)], conv: Date },
    Row { target: "ecs.version", from: &[Const(ECS_VERSION)], conv: Str },
    Row { target: "event.kind", from: &[Fact("event.kind", |f| Some(if f.not_cloudtrail { "pipeline_error" } else { "event" })), Const("event")], conv: Str },
    Row { target: "event.action", from: &[Fact("event.action", |f| f.action.as_deref()), Field(F::EventName)], conv: Str },
    Row { target: "event.provider", from: &[Fact("event.provider", |f| f.provider.as_deref()), Field(F::EventSource)], conv: Str },
    Row { target: "event.outcome", from: &[Fact("event.outcome", |f| f.outcome.map(|o| o.as_str()))], conv: Str },
    Row { target: "event.id", from: &[Field(F::EventId)], conv: Str },
    Row { target: "cloud.provider", from: &[Fact("cloud.provider", |f| (!f.not_cloudtrail).then_some("aws")), Const("aws")], conv: Str },
    Row { target: "cloud.account.id", from: &[Fact("cloud.account.id", |f| f.account_id.as_deref()), Field(F::UiAccountId)], conv: Str },
    Row { target: "cloud.region", from: &[Fact("cloud.region", |f| f.region.as_deref()), Field(F::AwsRegion)], conv: Str },
    Row { target: "cloud.service.name", from: &[Fact("cloud.service.name", |f| f.service.as_deref())], conv: Str },
    Row { target: "user.name", from: &[Fact("user.name", |f| f.user_name.as_deref()), Field(F::UiUserName)], conv: Str },
    Row { target: "user.id", from: &[Fact("user.id", |f| f.user_id.as_deref()), Field(F::UiPrincipalId)], conv: Str },
    Row { target: "user.email", from: &[Fact("user.email", |f| f.user_email.as_deref())], conv: Str },
    Row { target: "source.address", from: &[Fact("source.address", |f| f.source_address.as_deref()), Field(F::SourceIp)], conv: Str },
    Row { target: "source.ip", from: &[Fact("source.ip", |f| f.source_ip.as_deref())], conv: Str },
    Row { target: "user_agent.original", from: &[Fact("user_agent.original", |f| f.ua_original.as_deref()), Field(F::UserAgent)], conv: Str },
    Row { target: "user_agent.name", from: &[Fact("user_agent.name", |f| f.ua_name.as_deref())], conv: Str },
    Row { target: "user_agent.version", from: &[Fact("user_agent.version", |f| f.ua_version.as_deref())], conv: Str },
    Row { target: "user_agent.os.name", from: &[Fact("user_agent.os.name", |f| f.ua_os_name)], conv: Str },
    Row { target: "user_agent.os.version", from: &[Fact("user_agent.os.version", |f| f.ua_os_version.as_deref())], conv: Str },
    Row { target: "user_agent.os.full", from: &[Fact("user_agent.os.full", |f| f.ua_os_full.as_deref())], conv: Str },
    Row { target: "user_agent.device.name", from: &[Fact("user_agent.device.name", |f| f.ua_device.as_deref())], conv: Str },
    Row { target: "error.code", from: &[Fact("error.code", |f| f.error_code.as_deref()), Field(F::ErrorCode)], conv: Str },
    Row { target: "error.message", from: &[Fact("error.message", |f| f.error_message.as_deref()), Field(F::ErrorMessage)], conv: Str },
    Row { target: "tls.cipher", from: &[Field(F::TlsCipherSuite)], conv: Str },
    Row { target: "tls.client.server_name", from: &[Field(F::TlsHostHeader)], conv: Str },
    Row { target: "aws.cloudtrail.event_version", from: &[Field(F::EventVersion)], conv: Str },
    Row { target: "aws.cloudtrail.event_type", from: &[Field(F::EventType)], conv: Str },
    Row { target: "aws.cloudtrail.event_category", from: &[Field(F::EventCategory)], conv: Str },
    Row { target: "aws.cloudtrail.error_code", from: &[Field(F::ErrorCode)], conv: Str },
    Row { target: "aws.cloudtrail.error_message", from: &[Field(F::ErrorMessage)], conv: Str },
    Row { target: "aws.cloudtrail.user_identity.type", from: &[Field(F::UiType)], conv: Str },
    Row { target: "aws.cloudtrail.user_identity.arn", from: &[Field(F::UiArn)], conv: Str },
    Row { target: "aws.cloudtrail.user_identity.access_key_id", from: &[Field(F::UiAccessKeyId)], conv: Str },
    Row { target: "aws.cloudtrail.user_identity.invoked_by", from: &[Field(F::UiInvokedBy)], conv: Str },
    Row { target: "aws.cloudtrail.user_identity.session_context.mfa_authenticated", from: &[Field(F::ScMfaAuthenticated)], conv: Str },
    Row {
        target: "aws.cloudtrail.user_identity.session_context.creation_date",
        from: &[Fact("cloudtrail.session.created_at", |f| f.session_created.as_deref()), Field(F::ScCreationDate)],
        conv: Date,
    },
    Row { target: "aws.cloudtrail.user_identity.session_context.session_issuer.type", from: &[Field(F::ScIssuerType)], conv: Str },
    Row { target: "aws.cloudtrail.user_identity.session_context.session_issuer.principal_id", from: &[Field(F::ScIssuerPrincipalId)], conv: Str },
    Row { target: "aws.cloudtrail.user_identity.session_context.session_issuer.arn", from: &[Field(F::ScIssuerArn)], conv: Str },
    Row { target: "aws.cloudtrail.user_identity.session_context.session_issuer.account_id", from: &[Field(F::ScIssuerAccountId)], conv: Str },
    Row { target: "aws.cloudtrail.request_id", from: &[Field(F::RequestId)], conv: Str },
    Row { target: "aws.cloudtrail.api_version", from: &[Fact("cloudtrail.api_version", |f| f.api_version.as_deref()), Field(F::ApiVersion)], conv: Str },
    Row { target: "aws.cloudtrail.management_event", from: &[Field(F::ManagementEvent)], conv: Str },
    Row { target: "aws.cloudtrail.read_only", from: &[Fact("cloudtrail.read_only", |f| bool_str(f.read_only)), Field(F::ReadOnly)], conv: Bool },
    Row { target: "aws.cloudtrail.recipient_account_id", from: &[Field(F::RecipientAccountId)], conv: Str },
    Row { target: "aws.cloudtrail.shared_event_id", from: &[Field(F::SharedEventId)], conv: Str },
    Row { target: "aws.cloudtrail.vpc_endpoint_id", from: &[Field(F::VpcEndpointId)], conv: Str },
    Row { target: "aws.cloudtrail.session_credential_from_console", from: &[Field(F::SessionCredentialFromConsole)], conv: Str },
    Row { target: "aws.cloudtrail.access_key_type", from: &[Fact("cloudtrail.access_key_type", |f| f.access_key_type)], conv: Str },
    Row { target: "aws.cloudtrail.request_parameters", from: &[Field(F::RequestParameters)], conv: JsonString },
    Row { target: "aws.cloudtrail.flattened.request_parameters", from: &[Field(F::RequestParameters)], conv: Flattened },
    Row { target: "aws.cloudtrail.response_elements", from: &[Field(F::ResponseElements)], conv: JsonString },
    Row { target: "aws.cloudtrail.flattened.response_elements", from: &[Field(F::ResponseElements)], conv: Flattened },
    Row { target: "aws.cloudtrail.additional_eventdata", from: &[Field(F::AdditionalEventData)], conv: JsonString },
    Row { target: "aws.cloudtrail.flattened.additional_eventdata", from: &[Field(F::AdditionalEventData)], conv: Flattened },
    Row { target: "aws.cloudtrail.service_event_details", from: &[Field(F::ServiceEventDetails)], conv: JsonString },
    Row { target: "aws.cloudtrail.flattened.service_event_details", from: &[Field(F::ServiceEventDetails)], conv: Flattened },
    Row { target: "aws.cloudtrail.flattened.insight_details", from: &[Field(F::InsightDetails)], conv: Flattened },
];

/// Every path a document can hold, in the order of its JSON text (segment by segment; slots.rs
/// checks it against the document builder's order): `TABLE`'s targets and every path the code
/// below (and `detect::write_ecs`) writes. `aws.cloudfront` is one value: the object of the
/// CloudFront facts (`write_cloudfront`), whose keys are the enrichment's.
const PATHS: &[&str] = &[
    "@timestamp",
    "aws.cloudfront",
    "aws.cloudtrail.access_key_type",
    "aws.cloudtrail.additional_eventdata",
    "aws.cloudtrail.api_version",
    "aws.cloudtrail.console_login.additional_eventdata.login_to",
    "aws.cloudtrail.console_login.additional_eventdata.mfa_used",
    "aws.cloudtrail.console_login.additional_eventdata.mobile_version",
    "aws.cloudtrail.enrichment_errors",
    "aws.cloudtrail.error_code",
    "aws.cloudtrail.error_message",
    "aws.cloudtrail.event_category",
    "aws.cloudtrail.event_type",
    "aws.cloudtrail.event_version",
    "aws.cloudtrail.flattened.additional_eventdata",
    "aws.cloudtrail.flattened.insight_details",
    "aws.cloudtrail.flattened.request_parameters",
    "aws.cloudtrail.flattened.response_elements",
    "aws.cloudtrail.flattened.service_event_details",
    "aws.cloudtrail.management_event",
    "aws.cloudtrail.provider_inferred",
    "aws.cloudtrail.read_only",
    "aws.cloudtrail.recipient_account_id",
    "aws.cloudtrail.request_id",
    "aws.cloudtrail.request_parameters",
    "aws.cloudtrail.resources",
    "aws.cloudtrail.response_elements",
    "aws.cloudtrail.salvage.damages",
    "aws.cloudtrail.salvage.truncated",
    "aws.cloudtrail.salvaged",
    "aws.cloudtrail.service_event_details",
    "aws.cloudtrail.session_credential_from_console",
    "aws.cloudtrail.shared_event_id",
    "aws.cloudtrail.user_identity.access_key_id",
    "aws.cloudtrail.user_identity.arn",
    "aws.cloudtrail.user_identity.invoked_by",
    "aws.cloudtrail.user_identity.session_context.creation_date",
    "aws.cloudtrail.user_identity.session_context.mfa_authenticated",
    "aws.cloudtrail.user_identity.session_context.session_issuer.account_id",
    "aws.cloudtrail.user_identity.session_context.session_issuer.arn",
    "aws.cloudtrail.user_identity.session_context.session_issuer.principal_id",
    "aws.cloudtrail.user_identity.session_context.session_issuer.type",
    "aws.cloudtrail.user_identity.type",
    "aws.cloudtrail.vpc_endpoint_id",
    "cloud.account.id",
    "cloud.provider",
    "cloud.region",
    "cloud.service.name",
    "ecs.version",
    "error.code",
    "error.message",
    "error.type",
    "event.action",
    "event.category",
    "event.id",
    "event.kind",
    "event.original",
    "event.outcome",
    "event.provider",
    "event.risk_score",
    "event.type",
    "group.id",
    "group.name",
    "host.target.id",
    "related.hosts",
    "related.ip",
    "related.user",
    "rule.id",
    "rule.name",
    "source.address",
    "source.as.number",
    "source.as.organization.name",
    "source.geo.city_name",
    "source.geo.continent_code",
    "source.geo.continent_name",
    "source.geo.country_iso_code",
    "source.geo.country_name",
    "source.geo.location.lat",
    "source.geo.location.lon",
    "source.geo.postal_code",
    "source.geo.region_iso_code",
    "source.geo.region_name",
    "source.geo.timezone",
    "source.ip",
    "tags",
    "threat.framework",
    "threat.technique.id",
    "threat.technique.subtechnique.id",
    "tls.cipher",
    "tls.client.server_name",
    "tls.version",
    "tls.version_protocol",
    "user.changes.name",
    "user.email",
    "user.id",
    "user.name",
    "user.roles",
    "user.target.id",
    "user.target.name",
    "user_agent.device.name",
    "user_agent.name",
    "user_agent.original",
    "user_agent.os.full",
    "user_agent.os.name",
    "user_agent.os.version",
    "user_agent.version",
];

// The document's slots (slots.rs): `LAYOUT`, `ROWS`, `slot`, worked out at compile time.
slots::profile!(PATHS, TABLE);

pub(crate) fn write(record: &[u8], fields: &Fields<'_>, facts: Option<&Facts<'_>>, marks: Option<&Marks>, rules: &[&crate::detect::Rule], out: &mut Vec<u8>) {
    let mut doc = Slots::new(&LAYOUT);
    doc.apply(ROWS, fields, facts);

    if let Some(f) = facts {
        // One taxonomy: the flat profile's `event.type`/`event.category` (src/enrich/verb.rs).
        if !f.event_type.is_empty() {
            doc.str_array(at!("event.type"), f.event_type);
        }
        if !f.event_category.is_empty() {
            doc.str_array(at!("event.category"), f.event_category);
        }
        if let Some(role) = f.role_name.as_deref().filter(|r| !r.is_empty()) {
            doc.str_array(at!("user.roles"), [role]);
        }
        if f.provider_inferred {
            doc.bool(at!("aws.cloudtrail.provider_inferred"), true);
        }
        if f.not_cloudtrail {
            // ECS keeps the raw text of what a pipeline could not take (`pipeline_error`).
            doc.str(at!("error.type"), "not_cloudtrail");
            doc.str(at!("event.original"), core::str::from_utf8(record).unwrap_or_default());
        }
        write_cloudfront(&mut doc, f);
        if let Some(g) = &f.geo {
            write_geo(&mut doc, g);
        }
        if !f.errors.is_empty() {
            doc.str_array(at!("aws.cloudtrail.enrichment_errors"), &f.errors);
        }
    }
    let req = Request::read(fields.raw(F::RequestParameters).unwrap_or(b"null"), fields);
    let resp = Response::read(fields.raw(F::ResponseElements).unwrap_or(b"null"));
    write_targets(&mut doc, &req, &resp);
    write_related(&mut doc, fields, facts, &req);
    write_hosts(&mut doc, &req, &resp);
    write_tls_version(&mut doc, fields);
    write_resources(&mut doc, fields);
    write_console_login(&mut doc, fields);
    if let Some(m) = marks {
        write_marks(&mut doc, m);
    }
    // Sigma rules that matched (the `rules` option): rule.*, threat.*, event.risk_score.
    crate::detect::write_ecs(rules, &mut doc);
    doc.write(out);
}

/// A salvaged record (docs/INPUTS.md, "Salvage"): its whole raw text in `event.original` (the
/// ECS field for it), the ECS `tags` value `salvaged` for filtering, and the damage under the
/// integration's namespace (`aws.cloudtrail.salvaged`, `.salvage.truncated`, `.salvage.damages`).
fn write_marks(doc: &mut Slots, m: &Marks) {
    doc.str(at!("event.original"), &m.original);
    doc.str_array(at!("tags"), ["salvaged"]);
    doc.bool(at!("aws.cloudtrail.salvaged"), true);
    if m.truncated {
        doc.bool(at!("aws.cloudtrail.salvage.truncated"), true);
    }
    doc.put(at!("aws.cloudtrail.salvage.damages"), |o| crate::record::write_damages(o, &m.damages));
}

/// The first member of `obj` with each of `keys` (as `json::get` finds them), in one pass over
/// `obj`: the payload members the profile reads (a scan per lookup was ~9 % of the profile).
/// (One function for every list of keys: not one copy per length, for the wasm's size.)
fn pick<'a>(obj: &'a [u8], keys: &[&str], found: &mut [Option<&'a [u8]>]) {
    pick_from(json::members(obj), keys, found);
}

/// `pick` over members already split out.
fn pick_from<'a>(members: impl Iterator<Item = (&'a [u8], &'a [u8])>, keys: &[&str], found: &mut [Option<&'a [u8]>]) {
    let mut left = keys.len();
    for (k, v) in members {
        // Compared as bytes unless the key has escapes to decode (then as `json::get` does).
        let escaped = k.contains(&b'\\');
        for (slot, key) in found.iter_mut().zip(keys.iter()) {
            if slot.is_none() && (k == key.as_bytes() || escaped && json::key_eq(k, key)) {
                *slot = Some(v);
                left -= 1;
            }
        }
        if left == 0 {
            break;
        }
    }
}

/// The requestParameters members the profile reads.
struct Request<'a> {
    user_name: Option<&'a [u8]>,
    new_user_name: Option<&'a [u8]>,
    group_name: Option<&'a [u8]>,
    instances_set: Option<&'a [u8]>,
    instance_id: Option<&'a [u8]>,
}

impl<'a> Request<'a> {
    /// From the request's members as the capture kept them when it could (no walk over the
    /// payload, ~2.5 % of the profile), else from `req`.
    fn read(req: &'a [u8], fields: &Fields<'a>) -> Request<'a> {
        let mut f = [None; 5];
        let keys = ["userName", "newUserName", "groupName", "instancesSet", "instanceId"];
        match fields.request_members_unmerged() {
            Some(ms) => pick_from(ms.iter().copied(), &keys, &mut f),
            None => pick(req, &keys, &mut f),
        }
        let [user_name, new_user_name, group_name, instances_set, instance_id] = f;
        Request { user_name, new_user_name, group_name, instances_set, instance_id }
    }
}

/// The responseElements members the profile reads.
struct Response<'a> {
    user: Option<&'a [u8]>,
    group: Option<&'a [u8]>,
    instances_set: Option<&'a [u8]>,
}

impl<'a> Response<'a> {
    fn read(resp: &'a [u8]) -> Response<'a> {
        let mut f = [None; 3];
        pick(resp, &["user", "group", "instancesSet"], &mut f);
        let [user, group, instances_set] = f;
        Response { user, group, instances_set }
    }
}

/// The user or group an IAM call acts on (Elastic's `user.target.*`, `user.changes.name`,
/// `group.*`), from the request and response payloads.
fn write_targets(doc: &mut Slots, req: &Request<'_>, resp: &Response<'_>) {
    let moves: [(Option<&[u8]>, usize); 5] = [
        (req.user_name, at!("user.target.name")),
        (req.new_user_name, at!("user.changes.name")),
        (resp.user.and_then(|u| json::get(u, &["userId"])), at!("user.target.id")),
        (req.group_name, at!("group.name")),
        (resp.group.and_then(|g| json::get(g, &["groupId"])), at!("group.id")),
    ];
    for (v, target) in moves {
        if let Some(v) = v.and_then(json::as_text).filter(|s| !s.is_empty()) {
            doc.str(target, &v);
        }
    }
}

/// `related.user` (the acting user, a session's role, the raw userName, and users the request names) and
/// `related.ip`, without duplicates.
fn write_related(doc: &mut Slots, fields: &Fields<'_>, facts: Option<&Facts<'_>>, req: &Request<'_>) {
    // The candidates in order, in one array (one lifetime for all: none copied into a `String`,
    // ~1 % of the profile), then the distinct non-empty ones.
    let names = [
        facts.and_then(|f| f.user_name.as_deref()).map(Cow::Borrowed),
        // A role session's user.name is the session; the role it was issued from is named too.
        facts.and_then(|f| f.role_name.as_deref()).map(Cow::Borrowed),
        fields.text(F::UiUserName),
        req.user_name.and_then(json::as_text),
        req.new_user_name.and_then(json::as_text),
    ];
    let mut users = [""; 5];
    let mut n = 0;
    for v in names.iter().flatten() {
        if !v.is_empty() && !users[..n].contains(&&**v) {
            users[n] = v;
            n += 1;
        }
    }
    if n > 0 {
        doc.str_array(at!("related.user"), &users[..n]);
    }
    if let Some(ip) = facts.and_then(|f| f.source_ip.as_deref()).filter(|s| !s.is_empty()) {
        doc.str_array(at!("related.ip"), [ip]);
    }
}

/// EC2 instances the call names or acts on: `host.target.id` and `related.hosts`, from
/// `requestParameters.instancesSet.items[].instanceId` (StartInstances, StopInstances,
/// TerminateInstances...), `responseElements.instancesSet.items[].instanceId` (RunInstances, whose
/// request has no ids yet) and `requestParameters.instanceId` (ModifyInstanceAttribute...), in that
/// order, without duplicates. Only values shaped like an instance id (`i-` then letters and digits).
fn write_hosts(doc: &mut Slots, req: &Request<'_>, resp: &Response<'_>) {
    let mut ids: Vec<Cow<'_, str>> = Vec::new();
    let mut add = |v: Option<Cow<'_, str>>| {
        if let Some(v) = v.filter(|s| is_instance_id(s)) {
            if !ids.contains(&v) {
                ids.push(Cow::Owned(v.into_owned()));
            }
        }
    };
    for set in [req.instances_set, resp.instances_set] {
        for item in set.and_then(|s| json::get(s, &["items"])).map(json::elements).into_iter().flatten() {
            add(json::get(item, &["instanceId"]).and_then(json::as_str));
        }
    }
    add(req.instance_id.and_then(json::as_str));
    if !ids.is_empty() {
        doc.str_array(at!("host.target.id"), &ids);
        doc.str_array(at!("related.hosts"), &ids);
    }
}

fn is_instance_id(s: &str) -> bool {
    s.len() > 2 && s.len() <= 40 && s.starts_with("i-") && s[2..].bytes().all(|c| c.is_ascii_alphanumeric())
}

/// `tls.version_protocol` and `tls.version` from tlsDetails.tlsVersion (`TLSv1.2` → `tls`, `1.2`;
/// `SSLv3` → `ssl`, `3`; a bare `1.3` is taken as TLS). Only a real version: a placeholder such as
/// `"tlsVersion"` (seen in real records) is not split into `tls`/`ersion`.
fn write_tls_version(doc: &mut Slots, fields: &Fields<'_>) {
    let Some(v) = fields.text(F::TlsVersion) else { return };
    if let Some((proto, ver)) = tls_version(&v) {
        doc.str(at!("tls.version_protocol"), proto);
        doc.str(at!("tls.version"), ver);
    }
}

fn tls_version(v: &str) -> Option<(&'static str, &str)> {
    let number = |s: &str| {
        !s.is_empty() && s.split('.').all(|part| !part.is_empty() && part.bytes().all(|c| c.is_ascii_digit()))
    };
    let v = v.trim();
    let (proto, ver) = if v.len() > 4 && v[..4].eq_ignore_ascii_case("tlsv") {
        ("tls", &v[4..])
    } else if v.len() > 4 && v[..4].eq_ignore_ascii_case("sslv") {
        ("ssl", &v[4..])
    } else {
        ("tls", v)
    };
    number(ver).then_some((proto, ver))
}

/// `aws.cloudtrail.resources`: the record's resources with Elastic's key names (`ARN` → `arn`,
/// `accountId` → `account_id`), duplicates dropped.
fn write_resources(doc: &mut Slots, fields: &Fields<'_>) {
    let Some(arr) = fields.raw(F::Resources).filter(|v| v.first() == Some(&b'[')) else { return };
    // A set keeps deduplication linear-ish however many resources a record lists.
    let mut set = alloc::collections::BTreeSet::new();
    let mut seen: Vec<[Option<Cow<'_, str>>; 3]> = Vec::new();
    for el in json::elements(arr) {
        // The four members in one pass over the element (a `json::get` each was ~1 % of the profile).
        let mut f = [None; 4];
        pick(el, &["ARN", "arn", "accountId", "type"], &mut f);
        let [arn, arn_lower, account, ty] = f.map(|v| v.and_then(json::as_text).filter(|s| !s.is_empty()));
        let key = [arn.or(arn_lower), account, ty];
        if key.iter().all(Option::is_none) || !set.insert(key.clone()) {
            continue;
        }
        seen.push(key);
    }
    if seen.is_empty() {
        return;
    }
    doc.put(at!("aws.cloudtrail.resources"), |o| {
        o.push(b'[');
        for (n, [arn, account, ty]) in seen.iter().enumerate() {
            if n > 0 {
                o.push(b',');
            }
            o.push(b'{');
            let mut first = true;
            for (k, v) in [("arn", arn), ("account_id", account), ("type", ty)] {
                if let Some(v) = v {
                    if !first {
                        o.push(b',');
                    }
                    first = false;
                    json::write_str(o, k);
                    o.push(b':');
                    json::write_str(o, v);
                }
            }
            o.push(b'}');
        }
        o.push(b']');
    });
}

/// Elastic's `aws.cloudtrail.console_login.additional_eventdata.*` for ConsoleLogin events.
fn write_console_login(doc: &mut Slots, fields: &Fields<'_>) {
    let name = fields.text(F::EventName);
    if name.as_deref() != Some("ConsoleLogin") {
        return;
    }
    let yes_no = |v: Option<Cow<'_, str>>| v.map(|s| !s.eq_ignore_ascii_case("no"));
    let aed = fields.raw(F::AdditionalEventData).unwrap_or(b"null");
    if let Some(b) = yes_no(json::get(aed, &["MobileVersion"]).and_then(json::as_text)) {
        doc.bool(at!("aws.cloudtrail.console_login.additional_eventdata.mobile_version"), b);
    }
    if let Some(v) = fields.text(F::AedLoginTo) {
        doc.str(at!("aws.cloudtrail.console_login.additional_eventdata.login_to"), &v);
    }
    if let Some(b) = yes_no(fields.text(F::AedMfaUsed)) {
        doc.bool(at!("aws.cloudtrail.console_login.additional_eventdata.mfa_used"), b);
    }
}

/// `source.geo.*` (`location` a geo_point `{lat, lon}`) and `source.as.*`, as Elastic's geoip
/// processor writes them.
fn write_geo(doc: &mut Slots, g: &crate::geoip::Geo) {
    for (k, v) in [
        (at!("source.geo.continent_code"), &g.continent_code),
        (at!("source.geo.continent_name"), &g.continent_name),
        (at!("source.geo.country_iso_code"), &g.country_iso_code),
        (at!("source.geo.country_name"), &g.country_name),
        (at!("source.geo.region_iso_code"), &g.region_iso_code),
        (at!("source.geo.region_name"), &g.region_name),
        (at!("source.geo.city_name"), &g.city_name),
        (at!("source.geo.postal_code"), &g.postal_code),
        (at!("source.geo.timezone"), &g.timezone),
        (at!("source.as.organization.name"), &g.as_organization),
    ] {
        if let Some(v) = v {
            doc.str(k, v);
        }
    }
    if let Some((lat, lon)) = g.location {
        doc.put(at!("source.geo.location.lat"), |o| crate::geoip::write_f64(o, lat));
        doc.put(at!("source.geo.location.lon"), |o| crate::geoip::write_f64(o, lon));
    }
    if let Some(n) = g.as_number {
        doc.int(at!("source.as.number"), i64::from(n));
    }
}

/// CloudFront enrichment under `aws.cloudfront.*`: each flat `cloudfront.*` fact key keeps its
/// name below `aws.`; invalidation paths and risk flags are arrays. One slot, `aws.cloudfront`,
/// whose object a `Doc` builds from those leaves (the keys are the enrichment's), only for a
/// record that has any.
fn write_cloudfront(doc: &mut Slots, f: &Facts<'_>) {
    use crate::profiles::doc::Part;
    if f.cloudfront.is_empty() && f.invalidation_paths.is_empty() && f.risk.is_empty() && f.change.is_none() {
        return;
    }
    let mut cf = Doc::new();
    for &(key, ref value) in &f.cloudfront {
        // Every key is a `cloudfront.*` one (a test checks).
        if let Some(k) = key.strip_prefix("cloudfront.") {
            cf.str(k, value);
        }
    }
    if !f.invalidation_paths.is_empty() {
        cf.str_array("invalidation.paths", &f.invalidation_paths);
    }
    if !f.risk.is_empty() {
        cf.str_array("risk", f.risk.iter().map(|r| r.flag));
        cf.put_with(&[Part::Dotted("risk_details")], |o| write_risk_details(o, &f.risk));
    }
    // Change tracking (src/track): one object, diff values as text like the risk evidence.
    if let Some(c) = &f.change {
        cf.put_with(&[Part::Dotted("change")], |o| crate::track::write::object(o, c, crate::track::write::Values::Text));
    }
    // No empty object (`{}`: no leaf written).
    doc.put_if(at!("aws.cloudfront"), |o| {
        let at = o.len();
        cf.finish(o);
        o.len() > at + 2
    });
}

/// `aws.cloudfront.risk_details` with every evidence value as text. Elasticsearch maps
/// `evidence.value` dynamically from the first document that holds one: a `false` there would
/// make every later string a mapping error, and the reverse. Strings are decoded; other values
/// keep their JSON text (`false`, `443`), as a keyword field would store them.
fn write_risk_details(o: &mut Vec<u8>, risks: &[crate::enrich::RiskDetail]) {
    let as_text: Vec<crate::enrich::RiskDetail> = risks
        .iter()
        .map(|r| crate::enrich::RiskDetail {
            flag: r.flag,
            severity: r.severity,
            kind: r.kind,
            evidence: r
                .evidence
                .iter()
                .map(|(k, v)| {
                    let text = json::as_text(v.as_bytes()).map_or_else(|| v.clone(), Cow::into_owned);
                    let mut quoted = Vec::with_capacity(text.len() + 2);
                    json::write_str(&mut quoted, &text);
                    (k.clone(), alloc::string::String::from_utf8(quoted).unwrap_or_default())
                })
                .collect(),
        })
        .collect();
    crate::enrich::write_risk_details(o, &as_text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::Outcome;
    use crate::profiles::rows::{self, testing::{assert_object, pointer}};
    use alloc::string::{String, ToString};

    fn ecs(record: &str, facts: Option<&Facts<'_>>) -> String {
        let fields = Fields::capture(record.as_bytes());
        let mut out = Vec::new();
        write(record.as_bytes(), &fields, facts, None, &[], &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn risk_evidence_values_are_always_text() {
        // One mapping for evidence.value across documents: `false` and `"allow-all"` both as text.
        let mut f = Facts::default();
        f.risk = alloc::vec![crate::enrich::RiskDetail {
            flag: "x",
            severity: "low",
            kind: "state",
            evidence: alloc::vec![("a".into(), "false".into()), ("b".into(), "\"allow-all\"".into()), ("c".into(), "443".into())],
        }];
        let doc = ecs(r#"{"eventName":"X"}"#, Some(&f));
        let ev = crate::profiles::rows::testing::pointer(doc.as_bytes(), "/aws/cloudfront/risk_details/0/evidence");
        assert_eq!(ev.as_deref(), Some(r#"[{"key":"a","value":"false"},{"key":"b","value":"allow-all"},{"key":"c","value":"443"}]"#));
    }

    #[test]
    fn request_members_are_found_as_json_get_finds_them() {
        let many = alloc::format!("{{{}\"userName\":\"late\"}}", (0..20).map(|n| alloc::format!("\"k{n}\":{n},")).collect::<String>());
        let payloads = [
            r#"{"userName":"u","groupName":"g","instanceId":"i-1","instancesSet":{"items":[]},"newUserName":"n"}"#,
            r#"{"x":{"userName":"nested"},"userNameX":1,"a":"userName"}"#,
            r#"{"user\u004eame":"escaped","group\u004Eame":"g2"}"#,
            r#"{"userName":"first","userName":"second"}"#,
            r#"{"userName":"first","user\u004eame":"second"}"#,
            r#"{"a":1,"a":2,"groupName":"g"}"#,
            r#"{}"#,
            "null",
            "[1]",
            many.as_str(),
        ];
        for p in payloads {
            for rec in [alloc::format!(r#"{{"requestParameters":{p}}}"#), alloc::format!(r#"{{"requestParameters":{{"userName":"gone"}},"requestParameters":{p}}}"#)] {
                let fields = Fields::capture(rec.as_bytes());
                let raw = fields.raw(F::RequestParameters).unwrap();
                let r = Request::read(raw, &fields);
                let got = [r.user_name, r.new_user_name, r.group_name, r.instances_set, r.instance_id];
                for (k, g) in ["userName", "newUserName", "groupName", "instancesSet", "instanceId"].iter().zip(got) {
                    assert_eq!(g, json::get(raw, &[k]), "{k} in {rec}");
                }
            }
        }
    }

    /// `related.user` (order of the sources, duplicates and empty names dropped, escapes decoded),
    /// `aws.cloudtrail.resources` (`ARN`, else `arn`; escaped keys; duplicates and empty elements
    /// dropped) and the console-login fields (an escaped `ConsoleLogin` too; no other name).
    #[test]
    fn related_users_resources_and_console_login() {
        let mut f = Facts::default();
        f.user_name = Some("sess".into());
        f.role_name = Some("role".into());
        let login = "/aws/cloudtrail/console_login/additional_eventdata";
        let cases: &[(&str, &[(&str, Option<&str>)])] = &[
            (r#"{"userIdentity":{"userName":"sess"},"requestParameters":{"userName":"bob","newUserName":""}}"#, &[("/related/user", Some(r#"["sess","role","bob"]"#))]),
            (r#"{"userIdentity":{"userName":"u\u0031"},"requestParameters":{"newUserName":"u1","userName":"role"}}"#, &[("/related/user", Some(r#"["sess","role","u1"]"#))]),
            (
                r#"{"resources":[{"ARN":"","arn":"a1","type":"T"},{"AR\u004e":"a2"},"x",{},{"accountId":"1"},{"arn":"a1","type":"T"},{"ARN":"a3","ARN":"a4"}]}"#,
                &[("/aws/cloudtrail/resources", Some(r#"[{"arn":"a1","type":"T"},{"arn":"a2"},{"account_id":"1"},{"arn":"a3"}]"#))],
            ),
            (r#"{"eventName":"Console\u004cogin","additionalEventData":{"MFAUsed":"No","MobileVersion":"No"}}"#, &[(login, Some(r#"{"mfa_used":false,"mobile_version":false}"#))]),
            (r#"{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"Yes"}}"#, &[(login, Some(r#"{"mfa_used":true}"#))]),
            (r#"{"eventName":"\u0043onsoleLogin","additionalEventData":{"MFAUsed":"Yes"}}"#, &[(login, Some(r#"{"mfa_used":true}"#))]),
            (r#"{"eventName":"ConsoleLogins","additionalEventData":{"MFAUsed":"Yes"}}"#, &[(login, None)]),
            (r#"{"eventName":"XConsoleLogin","additionalEventData":{"MFAUsed":"Yes"}}"#, &[(login, None)]),
        ];
        for (rec, expect) in cases {
            let out = ecs(rec, Some(&f));
            assert_object(out.as_bytes());
            for (ptr, want) in *expect {
                assert_eq!(pointer(out.as_bytes(), ptr).as_deref(), *want, "{ptr} in {out}");
            }
        }
    }

    #[test]
    fn table_is_well_formed() {
        rows::check_table(TABLE).unwrap();
    }

    /// `aws.cloudfront` holds every CloudFront fact: each key is a `cloudfront.*` one.
    #[test]
    fn cloudfront_fact_keys_go_below_aws_cloudfront() {
        let keys = crate::enrich::cloudfront_resources::all_keys();
        assert!(keys.len() > 5);
        for k in keys {
            assert!(k.strip_prefix("cloudfront.").is_some_and(|r| !r.is_empty()), "{k}");
        }
    }

    /// Each row: a record, whether facts are given, and (path, expected JSON) pairs; `None`
    /// means the path must be absent.
    #[test]
    fn mapping_table() {
        let mut f = Facts::default();
        f.timestamp = Some("2024-01-02T03:04:05Z".into());
        f.session_created = Some("2013-11-02T01:06:28Z".into());
        f.read_only = Some(false);
        f.action = Some("UpdateDistribution".into());
        f.outcome = Some(Outcome::Failure);
        f.provider = Some("cloudfront.amazonaws.com".into());
        f.event_type = &["change"];
        f.event_category = &["configuration"];
        f.cloudfront = alloc::vec![("cloudfront.distribution.id", "E1".to_string())];
        f.risk = alloc::vec![crate::enrich::RiskDetail { flag: "no_waf", severity: "low", kind: "state", evidence: alloc::vec![("k".to_string(), "\"\"".to_string())] }];
        let rec = r#"{"eventName":"UpdateDistribution2019_03_26","eventTime":"2024-01-02T03:04:05Z",
            "requestParameters":{"id":"E1","b":{"x":1},"a":2},"responseElements":null,
            "userIdentity":{"sessionContext":{"attributes":{"creationDate":"20131102T010628Z"}}},
            "tlsDetails":{"tlsVersion":"TLSv1.3"},"readOnly":false,"managementEvent":true}"#;
        let cases: &[(&str, Option<&Facts<'_>>, &[(&str, Option<&str>)])] = &[
            ("enriched", Some(&f), &[
                ("/event/action", Some(r#""UpdateDistribution""#)),
                ("/event/outcome", Some(r#""failure""#)),
                ("/event/type", Some(r#"["change"]"#)),
                ("/event/category", Some(r#"["configuration"]"#)),
                ("/aws/cloudfront/distribution/id", Some(r#""E1""#)),
                ("/aws/cloudfront/risk", Some(r#"["no_waf"]"#)),
                ("/aws/cloudfront/risk_details/0/severity", Some(r#""low""#)),
                ("/aws/cloudfront/risk_details/0/evidence/0", Some(r#"{"key":"k","value":""}"#)),
                ("/aws/cloudtrail/request_parameters", Some(r#""{\"a\":2,\"b\":{\"x\":1},\"id\":\"E1\"}""#)),
                ("/aws/cloudtrail/flattened/request_parameters", Some(r#"{"a":2,"b":{"x":1},"id":"E1"}"#)),
                ("/aws/cloudtrail/response_elements", None),
                ("/aws/cloudtrail/read_only", Some("false")),
                ("/aws/cloudtrail/management_event", Some(r#""true""#)),
                ("/aws/cloudtrail/user_identity/session_context/creation_date", Some(r#""2013-11-02T01:06:28Z""#)),
                ("/tls/version_protocol", Some(r#""tls""#)),
                ("/tls/version", Some(r#""1.3""#)),
                ("/@timestamp", Some(r#""2024-01-02T03:04:05Z""#)),
            ]),
            ("not enriched", None, &[
                ("/event/action", Some(r#""UpdateDistribution2019_03_26""#)),
                ("/event/kind", Some(r#""event""#)),
                ("/event/outcome", None),
                ("/event/type", None),
                ("/aws/cloudfront", None),
                ("/@timestamp", Some(r#""2024-01-02T03:04:05Z""#)),
            ]),
        ];
        for (name, facts, expect) in cases {
            let out = ecs(rec, *facts);
            assert_object(out.as_bytes());
            for (ptr, want) in *expect {
                assert_eq!(pointer(out.as_bytes(), ptr).as_deref(), *want, "{name} {ptr} in {out}");
            }
        }
    }

    #[test]
    fn an_enrichment_fact_decides_even_when_absent() {
        // Enrichment drops an errorCode of "200" (not an error): ECS `error.code` must not fall
        // back to the raw field, while Elastic's raw `aws.cloudtrail.error_code` keeps it.
        let rec = r#"{"errorCode":"200","eventName":"X"}"#;
        let enriched = ecs(rec, Some(&Facts::default()));
        assert_eq!(pointer(enriched.as_bytes(), "/error/code"), None, "{enriched}");
        assert_eq!(pointer(enriched.as_bytes(), "/aws/cloudtrail/error_code").as_deref(), Some(r#""200""#));
        let raw = ecs(rec, None);
        assert_eq!(pointer(raw.as_bytes(), "/error/code").as_deref(), Some(r#""200""#), "{raw}");
    }

    #[test]
    fn tls_version_table() {
        crate::table_test!(tls_version, [
            ("tls 1.2", "TLSv1.2", Some(("tls", "1.2"))),
            ("tls 1.3", "TLSv1.3", Some(("tls", "1.3"))),
            ("lowercase", "tlsv1", Some(("tls", "1"))),
            ("ssl", "SSLv3", Some(("ssl", "3"))),
            ("bare number", "1.3", Some(("tls", "1.3"))),
            ("placeholder", "tlsVersion", None::<(&str, &str)>),
            ("empty after v", "TLSv", None::<(&str, &str)>),
            ("letters", "TLSv1.x", None::<(&str, &str)>),
            ("dots only", "1..2", None::<(&str, &str)>),
            ("other text", "v", None::<(&str, &str)>),
        ]);
    }

    #[test]
    fn hostile_input_still_gives_one_valid_object() {
        let cases = [
            "{}",
            r#"{"userIdentity":null,"resources":"x","requestParameters":[1,2],"tlsDetails":{"tlsVersion":"v"}}"#,
            r#"{"eventTime":"not a date","resources":[{"ARN":1},{},{"ARN":"a"},{"ARN":"a"}],"eventName":"ConsoleLogin","additionalEventData":"no"}"#,
        ];
        // 22 levels: deeper than the flattened type's limit of 20.
        let deep_rec = alloc::format!(
            r#"{{"requestParameters":{{"k\u0000":"\ud800"}},"responseElements":{{"a":{}1{}}}}}"#,
            "[".repeat(21),
            "]".repeat(21)
        );
        for rec in cases.iter().copied().chain([deep_rec.as_str()]) {
            for facts in [None, Some(&Facts::default())] {
                assert_object(ecs(rec, facts).as_bytes());
            }
        }
        // Depth over the flattened limit: string kept, structured copy left out.
        let deep = ecs(&deep_rec, None);
        assert!(pointer(deep.as_bytes(), "/aws/cloudtrail/response_elements").is_some());
        assert!(pointer(deep.as_bytes(), "/aws/cloudtrail/flattened/response_elements").is_none());
        assert!(pointer(deep.as_bytes(), "/aws/cloudtrail/flattened/request_parameters").is_some());
    }
}
