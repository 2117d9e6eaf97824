//! Enrichment: the answers people otherwise dig for by hand, computed from the captured fields.
//!
//! Each concern lives in its own file and describes itself with an `Enricher` descriptor (name,
//! fields read, keys written with their meaning, failure reasons, examples). `ENRICHERS` lists
//! them in the order they run: later ones may read what earlier ones decided (`Facts`).
//! Enrichers never fail a record: a problem becomes a note in `Facts::errors` naming the enricher.
//! The output profiles (src/profiles) decide how facts are written; the flat profile's key names
//! are the ones the descriptors list (docs/SCHEMA.md is generated from them).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::fields::{Fields, F};

mod action;
mod call;
pub(crate) mod cloudfront_resources;
mod cloudfront_risk;
pub(crate) use cloudfront_risk::{write_details as write_risk_details, write_flag_head, RiskDetail};
#[cfg(test)]
pub(crate) use cloudfront_risk::SEVERITIES;
mod credentials;
mod geo;
// Native only: its tests use proptest (a native-only dev-dependency) and write docs/.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod docs;
mod identity;
mod insight;
mod outcome;
mod provider;
mod source;
pub(crate) mod time;
mod user_agent;
mod verb;

/// `event.outcome`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// What enrichment found out about one record. Borrowed from the record where possible.
#[derive(Default, Debug)]
pub(crate) struct Facts<'a> {
    /// `@timestamp`: eventTime as RFC 3339 UTC (`2014-05-06T18:00:32Z`, fraction kept if given).
    pub timestamp: Option<String>,
    /// Milliseconds since the Unix epoch, for profiles that want numbers (OCSF `time`).
    pub epoch_ms: Option<i64>,
    /// `event.action`: eventName without its API-version suffix.
    pub action: Option<Cow<'a, str>>,
    /// `cloudtrail.api_version`: `2014-01-31`.
    pub api_version: Option<String>,
    /// `event.provider`: eventSource, or inferred.
    pub provider: Option<Cow<'a, str>>,
    /// True when `provider` was inferred (no eventSource in the record).
    pub provider_inferred: bool,
    /// What the (provider, action) pair alone decides (set by `provider`, read by `verb`; not
    /// written by any profile).
    pub call: Option<call::Call>,
    /// `cloud.account.id`, `cloud.region`, `cloud.service.name`.
    pub account_id: Option<Cow<'a, str>>,
    pub region: Option<Cow<'a, str>>,
    pub service: Option<Cow<'a, str>>,
    /// `event.outcome`, `error.code`, `error.message`.
    pub outcome: Option<Outcome>,
    pub error_code: Option<Cow<'a, str>>,
    pub error_message: Option<Cow<'a, str>>,
    /// The leading verb of the action (`Update`), as found in the verb table.
    pub verb: Option<&'static str>,
    /// `event.type`, `event.category` (ECS allowed values).
    pub event_type: &'static [&'static str],
    pub event_category: &'static [&'static str],
    /// OCSF API Activity `activity_id` (1 create, 2 read, 3 update, 4 delete, 99 other).
    pub activity_id: u8,
    /// `cloudtrail.read_only`: readOnly, else derived from the verb.
    pub read_only: Option<bool>,
    /// `user.name`, `user.id`, `cloudtrail.role.name`, `cloudtrail.identity.type`.
    pub user_name: Option<Cow<'a, str>>,
    pub user_id: Option<Cow<'a, str>>,
    /// `user.email`: the user name, session name or Identity Center user when it is an e-mail address.
    pub user_email: Option<Cow<'a, str>>,
    pub role_name: Option<Cow<'a, str>>,
    pub identity_type: Option<Cow<'a, str>>,
    /// `cloudtrail.access_key_type`: `long_term` | `temporary`.
    pub access_key_type: Option<&'static str>,
    /// `cloudtrail.mfa_authenticated`, `cloudtrail.console_session`.
    pub mfa_authenticated: Option<bool>,
    pub console_session: Option<bool>,
    /// `cloudtrail.session.created_at`: sessionContext.attributes.creationDate as RFC 3339 UTC.
    pub session_created: Option<String>,
    /// `source.address`, `source.ip`.
    pub source_address: Option<Cow<'a, str>>,
    pub source_ip: Option<Cow<'a, str>>,
    /// `source.geo.*`, `source.as.*`: only with the `geoip` option (src/enrich/geo.rs).
    pub geo: Option<alloc::boxed::Box<crate::geoip::Geo>>,
    /// `user_agent.original`, `user_agent.name`, `user_agent.version`.
    pub ua_original: Option<Cow<'a, str>>,
    /// (Shared with the user-agent parse cache: a record costs no allocation for them.)
    pub ua_name: Option<alloc::rc::Rc<str>>,
    pub ua_version: Option<alloc::rc::Rc<str>>,
    /// `user_agent.os.name`, `.os.version`, `.os.full`, `user_agent.device.name` (browsers).
    pub ua_os_name: Option<&'static str>,
    pub ua_os_version: Option<alloc::rc::Rc<str>>,
    pub ua_os_full: Option<alloc::rc::Rc<str>>,
    pub ua_device: Option<alloc::rc::Rc<str>>,
    /// CloudFront resources named by the call: (flat key, value), e.g.
    /// (`cloudfront.distribution.id`, `EDFDVBD6EXAMPLE`). Keys come from the resource table.
    pub cloudfront: Vec<(&'static str, String)>,
    /// `cloudfront.invalidation.paths`.
    pub invalidation_paths: Vec<String>,
    /// `cloudfront.risk` (the flags' names) and `cloudfront.risk_details`: each flag with its
    /// severity, kind and evidence (src/enrich/cloudfront_risk.rs).
    pub risk: Vec<RiskDetail>,
    /// `cloudtrail.insight.*`, for Insights events (src/enrich/insight.rs).
    pub insight_event_name: Option<Cow<'a, str>>,
    pub insight_event_source: Option<Cow<'a, str>>,
    pub insight_type: Option<Cow<'a, str>>,
    pub insight_state: Option<Cow<'a, str>>,
    /// Problems met while enriching, each naming the enricher (`time: ...`).
    pub errors: Vec<String>,
    /// `cloudfront.change.*`: what changed since the last known configuration of the resource
    /// (src/track). Set only by a tracking engine (a log or stream read), never by `enrich`.
    pub change: Option<crate::track::Change>,
    /// The object has none of CloudTrail's identifying members ([`is_cloudtrail`]): nothing was
    /// enriched, and the profiles mark it (`event.kind: pipeline_error`, `error.type:
    /// not_cloudtrail`) instead of writing what the record does not show.
    pub not_cloudtrail: bool,
    /// The record is a salvaged one (docs/INPUTS.md, "Salvage"): parts of it are `~damaged`
    /// stretches, which the risk checks could not read (`config_partly_unreadable`).
    pub salvaged: bool,
}

/// One enrichment output key, with its one-line meaning (for docs/SCHEMA.md).
// Read by the docs and tests (src/enrich/docs.rs); plain data otherwise.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Key {
    pub name: &'static str,
    pub meaning: &'static str,
}

/// A documented example: a CloudTrail fragment and flat keys expected from it.
// Read by the docs and tests (src/enrich/docs.rs); plain data otherwise.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Example {
    pub title: &'static str,
    pub record: &'static str,
    /// (key, expected JSON value text); a value of `null` means the key must be absent.
    pub expect: &'static [(&'static str, &'static str)],
}

// Read by the docs and tests (src/enrich/docs.rs); plain data otherwise.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Enricher {
    pub name: &'static str,
    pub summary: &'static str,
    /// Captured record fields read (their paths come from the capture trie, `fields::path`).
    /// `enrich::reads`, and so the JS shim's capture spec, is worked out from these lists.
    pub reads: &'static [F],
    /// Facts decided by earlier enrichers that this one reads, by their flat key (`event.action`).
    pub uses: &'static [&'static str],
    pub writes: &'static [Key],
    pub failures: &'static [&'static str],
    pub examples: &'static [Example],
    pub run: for<'a> fn(&Fields<'a>, &mut Facts<'a>),
}

/// Every enricher, in the order they run. Later ones read what earlier ones decided:
/// `provider` needs `action`; `verb` and the CloudFront ones need `action` and `provider`.
pub(crate) static ENRICHERS: &[&Enricher] = &[
    &time::TIME,
    &action::ACTION,
    &provider::PROVIDER,
    &outcome::OUTCOME,
    &insight::INSIGHT,
    &verb::VERB,
    &identity::IDENTITY,
    &credentials::CREDENTIALS,
    &source::SOURCE,
    &user_agent::USER_AGENT,
    &cloudfront_resources::CLOUDFRONT_RESOURCES,
    &cloudfront_risk::CLOUDFRONT_RISK,
];

/// Enrichers that run only when an option asks for them, after `ENRICHERS` (their `run` is
/// empty: they need the option's data, see [`enrich_with`]).
// Read by the docs and tests (src/enrich/docs.rs); plain data otherwise.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) static OPTIONAL: &[&Enricher] = &[&geo::GEOIP];

/// Keys written by the enrichment stage as a whole rather than by one enricher.
// Read by the docs and tests (src/enrich/docs.rs); plain data otherwise.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) static SHARED_KEYS: &[Key] = &[
    Key {
        name: "enrich.errors",
        meaning: "problems met while enriching, each prefixed with the enricher's name (`time: ...`); the record is still written",
    },
    Key {
        name: "event.kind",
        meaning: "`pipeline_error`, only for a JSON object that is not a CloudTrail record (none of eventVersion, eventTime, eventName, eventSource): it is flattened losslessly but not enriched, so it has no `cloud.provider`, `event.outcome` or any other enrichment key but this, `error.type` and `error.message`",
    },
    Key {
        name: "error.type",
        meaning: "`not_cloudtrail` beside `event.kind: pipeline_error` (the error kind `strict` raises for such an object); `error.message` then says why",
    },
];

/// The members every CloudTrail record has (an Insights event too); an object with none of
/// them is some other JSON.
pub(crate) const IDENTIFYING: &[F] = &[F::EventVersion, F::EventTime, F::EventName, F::EventSource];

/// The `error.message` of an object that is not a CloudTrail record.
pub(crate) const NOT_CLOUDTRAIL: &str = "not a CloudTrail record: none of eventVersion, eventTime, eventName, eventSource";

/// Whether the captured object is a CloudTrail record: it has (non-null) at least one of the
/// members every CloudTrail record has.
pub(crate) fn is_cloudtrail(fields: &Fields<'_>) -> bool {
    IDENTIFYING.iter().any(|f| fields.has(*f))
}

/// Whether enrichment reads the captured field `f`: one of the [`IDENTIFYING`] members, or a
/// field some descriptor lists in `reads`. The capture spec (fields::capture_spec) names only
/// these, so record objects send the core no more than this. A test blanks or changes every other
/// field and finds the same facts (fields.rs, `spec_tests`), and another runs each enricher on
/// only the fields it lists (src/enrich/docs.rs).
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn reads(f: F) -> bool {
    IDENTIFYING.contains(&f) || ENRICHERS.iter().any(|e| e.reads.contains(&f))
}

/// For a field enrichment reads only in part: the shape of what it reads (`1` a whole value,
/// `{"member": shape}`, `[shape]` every element of an array).
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn shape(f: F) -> Option<&'static str> {
    cloudfront_risk::shape(f)
}

/// Runs every enricher over the captured fields (none for an object that is not CloudTrail).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn enrich<'a>(fields: &Fields<'a>) -> Facts<'a> {
    enrich_with(fields, false, &[])
}

/// [`enrich`] for a record that may be `salvaged` (its damaged stretches kept as `~damaged`
/// members), then the optional enrichers the options ask for: `geoip` with its databases.
pub(crate) fn enrich_with<'a>(fields: &Fields<'a>, salvaged: bool, geoip: &[crate::GeoIp]) -> Facts<'a> {
    // One return path, so the facts can be built in the caller's place rather than moved there.
    let mut facts = Facts { salvaged, ..Facts::default() };
    if !is_cloudtrail(fields) {
        facts.not_cloudtrail = true;
        facts.error_message = Some(Cow::Borrowed(NOT_CLOUDTRAIL));
    } else {
        for e in ENRICHERS {
            (e.run)(fields, &mut facts);
        }
        geo::run_with(geoip, fields, &mut facts);
    }
    facts
}
