//! `cloudfront.*` resource keys: which distribution, invalidation, function, policy, key, ...
//! a CloudFront call names, one flat key per resource kind.
//!
//! Two tables. `KINDS` is keyed on the resource noun of the action (the action without its verb:
//! `UpdateCachePolicy` → `CachePolicy`), so Create/Get/Update/Delete of one kind share a row that
//! says where its id sits in requestParameters and responseElements. `PARAMS` maps request
//! parameters that name some other resource (`distributionId`, `cachePolicyId`, ...) to keys.

use alloc::string::String;
use alloc::vec::Vec;

use super::{provider, time, verb, Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};
use crate::json;

const DIST_ID: &str = "cloudfront.distribution.id";
const DIST_ARN: &str = "cloudfront.distribution.arn";

/// A resource kind: the noun(s) naming it in actions, its flat key, and where its id is.
struct Kind {
    noun: &'static str,
    key: &'static str,
    /// requestParameters members holding the id, tried in order.
    request: &'static [&'static str],
    /// The path under responseElements holding the id.
    response: &'static [&'static str],
}

const fn k(noun: &'static str, key: &'static str, request: &'static [&'static str], response: &'static [&'static str]) -> Kind {
    Kind { noun, key, request, response }
}

const ID: &[&str] = &["id"];
const NAME: &[&str] = &["name"];

/// Sorted by noun; checked by a test.
const KINDS: &[Kind] = &[
    k("AnycastIpList", "cloudfront.anycast_ip_list.id", ID, &["anycastIpList", "id"]),
    k("CachePolicy", "cloudfront.cache_policy.id", ID, &["cachePolicy", "id"]),
    k("CachePolicyConfig", "cloudfront.cache_policy.id", ID, &["cachePolicy", "id"]),
    k("CloudFrontOriginAccessIdentity", "cloudfront.origin_access_identity.id", ID, &["cloudFrontOriginAccessIdentity", "id"]),
    k("CloudFrontOriginAccessIdentityConfig", "cloudfront.origin_access_identity.id", ID, &["cloudFrontOriginAccessIdentity", "id"]),
    k("ConnectionGroup", "cloudfront.connection_group.id", ID, &["connectionGroup", "id"]),
    k("ContinuousDeploymentPolicy", "cloudfront.continuous_deployment_policy.id", ID, &["continuousDeploymentPolicy", "id"]),
    k("ContinuousDeploymentPolicyConfig", "cloudfront.continuous_deployment_policy.id", ID, &["continuousDeploymentPolicy", "id"]),
    k("Distribution", DIST_ID, ID, &["distribution", "id"]),
    k("DistributionConfig", DIST_ID, ID, &["distribution", "id"]),
    k("DistributionTenant", "cloudfront.distribution_tenant.id", ID, &["distributionTenant", "id"]),
    k("DistributionWithStagingConfig", DIST_ID, ID, &["distribution", "id"]),
    k("DistributionWithTags", DIST_ID, ID, &["distribution", "id"]),
    k("FieldLevelEncryption", "cloudfront.field_level_encryption_config.id", ID, &["fieldLevelEncryption", "id"]),
    k("FieldLevelEncryptionConfig", "cloudfront.field_level_encryption_config.id", ID, &["fieldLevelEncryption", "id"]),
    k("FieldLevelEncryptionProfile", "cloudfront.field_level_encryption_profile.id", ID, &["fieldLevelEncryptionProfile", "id"]),
    k("FieldLevelEncryptionProfileConfig", "cloudfront.field_level_encryption_profile.id", ID, &["fieldLevelEncryptionProfile", "id"]),
    k("Function", "cloudfront.function.name", NAME, &["functionSummary", "name"]),
    k("Invalidation", "cloudfront.invalidation.id", ID, &["invalidation", "id"]),
    k("KeyGroup", "cloudfront.key_group.id", ID, &["keyGroup", "id"]),
    k("KeyGroupConfig", "cloudfront.key_group.id", ID, &["keyGroup", "id"]),
    k("KeyValueStore", "cloudfront.key_value_store.name", NAME, &["keyValueStore", "name"]),
    k("OriginAccessControl", "cloudfront.origin_access_control.id", ID, &["originAccessControl", "id"]),
    k("OriginAccessControlConfig", "cloudfront.origin_access_control.id", ID, &["originAccessControl", "id"]),
    k("OriginRequestPolicy", "cloudfront.origin_request_policy.id", ID, &["originRequestPolicy", "id"]),
    k("OriginRequestPolicyConfig", "cloudfront.origin_request_policy.id", ID, &["originRequestPolicy", "id"]),
    k("PublicKey", "cloudfront.public_key.id", ID, &["publicKey", "id"]),
    k("PublicKeyConfig", "cloudfront.public_key.id", ID, &["publicKey", "id"]),
    k("RealtimeLogConfig", "cloudfront.realtime_log_config.name", NAME, &["realtimeLogConfig", "name"]),
    k("ResponseHeadersPolicy", "cloudfront.response_headers_policy.id", ID, &["responseHeadersPolicy", "id"]),
    k("ResponseHeadersPolicyConfig", "cloudfront.response_headers_policy.id", ID, &["responseHeadersPolicy", "id"]),
    k("StreamingDistribution", "cloudfront.streaming_distribution.id", ID, &["streamingDistribution", "id"]),
    k("StreamingDistributionConfig", "cloudfront.streaming_distribution.id", ID, &["streamingDistribution", "id"]),
    k("StreamingDistributionWithTags", "cloudfront.streaming_distribution.id", ID, &["streamingDistribution", "id"]),
    k("TrustStore", "cloudfront.trust_store.id", ID, &["trustStore", "id"]),
    k("VpcOrigin", "cloudfront.vpc_origin.id", ID, &["vpcOrigin", "id"]),
];

/// requestParameters members naming a resource, whatever the action (sorted by member).
const PARAMS: &[(&str, &str)] = &[
    ("anycastIpListId", "cloudfront.anycast_ip_list.id"),
    ("cachePolicyId", "cloudfront.cache_policy.id"),
    ("distributionId", DIST_ID),
    ("distributionTenantId", "cloudfront.distribution_tenant.id"),
    ("keyGroupId", "cloudfront.key_group.id"),
    ("kvsARN", "cloudfront.key_value_store.arn"),
    ("originRequestPolicyId", "cloudfront.origin_request_policy.id"),
    ("primaryDistributionId", DIST_ID),
    ("realtimeLogConfigName", "cloudfront.realtime_log_config.name"),
    ("resource", "cloudfront.resource.arn"),
    ("responseHeadersPolicyId", "cloudfront.response_headers_policy.id"),
    ("stagingDistributionId", "cloudfront.staging_distribution.id"),
    ("targetDistributionId", DIST_ID),
    ("vpcOriginId", "cloudfront.vpc_origin.id"),
    ("webACLArn", "cloudfront.web_acl.arn"),
    ("webACLId", "cloudfront.web_acl.id"),
];

pub(crate) static CLOUDFRONT_RESOURCES: Enricher = Enricher {
    name: "cloudfront_resources",
    summary: "The CloudFront resources a call names, one `cloudfront.*` key per resource kind (CloudFront and CloudFront KeyValueStore calls only).",
    reads: &[F::RequestParameters, F::ResponseElements, F::ReqInvalidationPaths, F::RespDistId, F::RespDistArn, F::RespDistLastModified, F::RespInvId, F::RespInvCreateTime, F::RespInvPaths, F::RespKvsArn, F::RespKvsName],
    uses: &["event.action", "event.provider", "cloud.account.id"],
    writes: &[
        Key { name: "cloudfront.anycast_ip_list.id", meaning: "Anycast static IP list id" },
        Key { name: "cloudfront.cache_policy.id", meaning: "cache policy id (requestParameters.id, cachePolicyId, or responseElements.cachePolicy.id)" },
        Key { name: "cloudfront.connection_group.id", meaning: "connection group id" },
        Key { name: "cloudfront.continuous_deployment_policy.id", meaning: "continuous deployment policy id" },
        Key { name: "cloudfront.distribution.arn", meaning: "responseElements.distribution ARN, the ARN in a denied call's `errorMessage`, else built as `arn:aws:cloudfront::<account>:distribution/<id>`" },
        Key {
            name: "cloudfront.distribution.id",
            meaning: "distribution id: requestParameters.id of a distribution action, distributionId/targetDistributionId/primaryDistributionId, responseElements.distribution.id, a distribution ARN in `resource`, else (a denied call) the distribution ARN in `errorMessage` (`... on resource: arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE ...`)",
        },
        Key { name: "cloudfront.distribution.last_modified", meaning: "responseElements.distribution.lastModifiedTime as RFC 3339 UTC (`May 6, 2014 6:00:32 PM` normalised)" },
        Key { name: "cloudfront.distribution_tenant.id", meaning: "distribution tenant id" },
        Key { name: "cloudfront.field_level_encryption_config.id", meaning: "field-level encryption configuration id" },
        Key { name: "cloudfront.field_level_encryption_profile.id", meaning: "field-level encryption profile id" },
        Key { name: "cloudfront.function.name", meaning: "CloudFront Function name (requestParameters.name or responseElements.functionSummary.name)" },
        Key { name: "cloudfront.invalidation.create_time", meaning: "responseElements.invalidation.createTime as RFC 3339 UTC" },
        Key { name: "cloudfront.invalidation.id", meaning: "invalidation id (GetInvalidation's requestParameters.id or responseElements.invalidation.id)" },
        Key { name: "cloudfront.invalidation.paths", meaning: "the invalidated paths (invalidationBatch.paths.items of the request, else of the response)" },
        Key { name: "cloudfront.key_group.id", meaning: "key group id (trusted signers for signed URLs)" },
        Key { name: "cloudfront.key_value_store.arn", meaning: "key value store ARN (KeyValueStore data-plane kvsARN, or responseElements.keyValueStore ARN)" },
        Key { name: "cloudfront.key_value_store.name", meaning: "key value store name" },
        Key { name: "cloudfront.origin_access_control.id", meaning: "origin access control id" },
        Key { name: "cloudfront.origin_access_identity.id", meaning: "origin access identity id" },
        Key { name: "cloudfront.origin_request_policy.id", meaning: "origin request policy id" },
        Key { name: "cloudfront.public_key.id", meaning: "public key id" },
        Key { name: "cloudfront.realtime_log_config.name", meaning: "real-time log configuration name" },
        Key { name: "cloudfront.resource.arn", meaning: "the ARN a tagging call acts on (requestParameters.resource)" },
        Key { name: "cloudfront.response_headers_policy.id", meaning: "response headers policy id" },
        Key { name: "cloudfront.staging_distribution.id", meaning: "the staging distribution of a continuous deployment (stagingDistributionId)" },
        Key { name: "cloudfront.streaming_distribution.id", meaning: "legacy RTMP streaming distribution id" },
        Key { name: "cloudfront.trust_store.id", meaning: "trust store id" },
        Key { name: "cloudfront.vpc_origin.id", meaning: "VPC origin id" },
        Key { name: "cloudfront.web_acl.arn", meaning: "WAF web ACL ARN being associated (webACLArn)" },
        Key { name: "cloudfront.web_acl.id", meaning: "WAF web ACL id a listing filters on (webACLId)" },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "an invalidation in the CloudFront documentation's example",
            record: r#"{"eventName":"CreateInvalidation2014_01_31","userIdentity":{"accountId":"111122223333"},"requestParameters":{"invalidationBatch":{"callerReference":"2014-05-06 64947","paths":{"quantity":2,"items":["/images/new.jpg","/images/logo.jpg"]}},"distributionId":"EDFDVBD6EXAMPLE"},"responseElements":{"invalidation":{"createTime":"May 6, 2014 6:02:27 PM","status":"InProgress","id":"ISRZ85EXAMPLE"}}}"#,
            expect: &[
                ("cloudfront.distribution.id", r#""EDFDVBD6EXAMPLE""#),
                ("cloudfront.distribution.arn", r#""arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE""#),
                ("cloudfront.invalidation.id", r#""ISRZ85EXAMPLE""#),
                ("cloudfront.invalidation.create_time", r#""2014-05-06T18:02:27Z""#),
                ("cloudfront.invalidation.paths", r#"["/images/new.jpg","/images/logo.jpg"]"#),
            ],
        },
        Example {
            title: "a cache policy update",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"UpdateCachePolicy","requestParameters":{"id":"658327ea-f89d-4fab-a63d-7e88639e58f6","ifMatch":"E1"}}"#,
            expect: &[("cloudfront.cache_policy.id", r#""658327ea-f89d-4fab-a63d-7e88639e58f6""#), ("cloudfront.distribution.id", "null")],
        },
        Example {
            title: "publishing a function",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"PublishFunction","requestParameters":{"name":"add-security-headers","ifMatch":"ETVPDKIKX0DER"}}"#,
            expect: &[("cloudfront.function.name", r#""add-security-headers""#)],
        },
        Example {
            title: "a denied update names its distribution only in the error message",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution2020_05_31","userIdentity":{"accountId":"123456789012"},"errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::123456789012:user/mallory is not authorized to perform: cloudfront:UpdateDistribution on resource: arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE because no identity-based policy allows the cloudfront:UpdateDistribution action","requestParameters":null}"#,
            expect: &[
                ("cloudfront.distribution.id", r#""EDFDVBD6EXAMPLE""#),
                ("cloudfront.distribution.arn", r#""arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE""#),
            ],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    let is_cloudfront = matches!(facts.provider.as_deref(), Some(provider::CLOUDFRONT | provider::CLOUDFRONT_KVS));
    let Some(action) = facts.action.as_deref().filter(|_| is_cloudfront) else { return };
    // Each object is read once; the lookups below go through these indexes.
    // The request's own members, as captured by the flattening pass (a request with very many
    // is read here instead), duplicates merged as JSON.parse does.
    let scanned;
    let req_strs: &[(&[u8], &[u8])] = match fields.request_members() {
        Some(s) => s,
        None => {
            let req = fields.raw(F::RequestParameters).filter(|r| r.first() == Some(&b'{'));
            scanned = req.map(crate::fields::members_merged).unwrap_or_default();
            &scanned
        }
    };
    let req_str = |key: &str| req_strs.iter().find(|(k, _)| json::key_eq(k, key)).and_then(|(_, v)| json::as_str(v)).map(|s| s.into_owned());
    let resp = fields.raw(F::ResponseElements).filter(|r| r.first() == Some(&b'{'));
    // The flattening pass captured the response's distribution, invalidation and key value
    // store members (F::Resp*): only other kinds' response ids need a scan.
    let text = |f: F| fields.raw(f).and_then(json::as_str).map(|s| s.into_owned()).filter(|s| !s.is_empty());
    let mut out: Vec<(&'static str, String)> = Vec::new();

    if let Some(kind) = kind_of(action) {
        let from_req = kind.request.iter().find_map(|m| nonempty(req_str(m)));
        let from_resp = || match kind.response {
            ["distribution", "id"] => text(F::RespDistId),
            ["invalidation", "id"] => text(F::RespInvId),
            ["keyValueStore", "name"] => text(F::RespKvsName),
            path => resp.and_then(|r| str_at(r, path)),
        };
        if let Some(id) = from_req.or_else(from_resp) {
            push(&mut out, kind.key, id);
        }
    }
    for (member, value) in req_strs {
        // A key written with escapes (`"\u0064istributionId"`) names the same member.
        let decoded;
        let member: &[u8] = if member.contains(&b'\\') {
            decoded = json::unescape(member).unwrap_or_default();
            decoded.as_bytes()
        } else {
            member
        };
        let Ok(i) = PARAMS.binary_search_by(|(p, _)| p.as_bytes().cmp(member)) else { continue };
        if let Some(v) = json::as_str(value).filter(|v| !v.is_empty()) {
            let key = PARAMS[i].1;
            if key == "cloudfront.resource.arn" {
                if let Some(id) = v.split_once(":distribution/").map(|(_, id)| id).filter(|id| !id.is_empty()) {
                    push(&mut out, DIST_ID, String::from(id));
                }
            }
            push(&mut out, key, v.into_owned());
        }
    }
    if let Some(id) = text(F::RespDistId) {
        push(&mut out, DIST_ID, id);
    }
    // A denied call names the distribution only in its error message (the ARN it was refused
    // on): the request may not say which one (or say it in a way the table above does not read).
    if !out.iter().any(|(k, _)| *k == DIST_ID) {
        if let Some((arn, id)) = facts.error_message.as_deref().and_then(distribution_in_message) {
            push(&mut out, DIST_ID, String::from(id));
            push(&mut out, DIST_ARN, String::from(arn));
        }
    }
    if let Some(arn) = text(F::RespDistArn) {
        push(&mut out, DIST_ARN, arn);
    }
    if let Some(t) = text(F::RespDistLastModified).and_then(|t| time::to_rfc3339(&t)) {
        push(&mut out, "cloudfront.distribution.last_modified", t);
    }
    if let Some(t) = text(F::RespInvCreateTime).and_then(|t| time::to_rfc3339(&t)) {
        push(&mut out, "cloudfront.invalidation.create_time", t);
    }
    if let Some(arn) = text(F::RespKvsArn) {
        push(&mut out, "cloudfront.key_value_store.arn", arn);
    }
    if let Some(id) = text(F::RespInvId) {
        push(&mut out, "cloudfront.invalidation.id", id);
    }
    if !out.iter().any(|(k, _)| *k == DIST_ARN) {
        let id = out.iter().find(|(k, _)| *k == DIST_ID).map(|(_, v)| v.clone());
        if let (Some(id), Some(acct)) = (id, facts.account_id.as_deref()) {
            push(&mut out, DIST_ARN, alloc::format!("arn:aws:cloudfront::{acct}:distribution/{id}"));
        }
    }
    // Distribution keys first: they are what people filter on.
    crate::sort::sort_by(&mut out, |a, b| (!a.0.starts_with("cloudfront.distribution.")).cmp(&!b.0.starts_with("cloudfront.distribution.")));
    facts.cloudfront = out;

    let paths = fields.raw(F::ReqInvalidationPaths).or_else(|| fields.raw(F::RespInvPaths));
    if let Some(items) = paths {
        facts.invalidation_paths = json::elements(items).filter_map(|e| json::as_str(e).map(|s| s.into_owned())).collect();
    }
}

/// The first CloudFront distribution ARN in an error message (`... on resource:
/// arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE because ...`), as (ARN, id).
/// Any partition (`aws`, `aws-cn`, ...); the id is the run of letters and digits after
/// `distribution/`.
fn distribution_in_message(msg: &str) -> Option<(&str, &str)> {
    let mut from = 0;
    while let Some(at) = msg[from..].find("arn:").map(|i| from + i) {
        from = at + 4;
        let rest = &msg[at..];
        let mut parts = rest.splitn(6, ':');
        let (_, partition, service, region, account) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let Some(tail) = parts.next() else { continue };
        let ok_account = !account.is_empty() && account.bytes().all(|c| c.is_ascii_digit());
        if !partition.starts_with("aws") || service != "cloudfront" || !region.is_empty() || !ok_account {
            continue;
        }
        let Some(id_and_more) = tail.strip_prefix("distribution/") else { continue };
        let n = id_and_more.bytes().take_while(u8::is_ascii_alphanumeric).count();
        if n == 0 {
            continue;
        }
        let arn_len = rest.len() - tail.len() + "distribution/".len() + n;
        return Some((&rest[..arn_len], &id_and_more[..n]));
    }
    None
}

/// The row for an action's resource noun (the action without its leading verb).
fn kind_of(action: &str) -> Option<&'static Kind> {
    let (_, noun) = verb::split_verb(action)?;
    KINDS.binary_search_by(|k| k.noun.cmp(noun)).ok().map(|i| &KINDS[i])
}

/// A non-empty string at `path` in a raw object.
fn str_at(raw: &[u8], path: &[&str]) -> Option<String> {
    json::get(raw, path).and_then(json::as_str).filter(|s| !s.is_empty()).map(|s| s.into_owned())
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// Adds `key` unless already there (the first source found wins).
fn push(out: &mut Vec<(&'static str, String)>, key: &'static str, value: String) {
    if !out.iter().any(|(k, _)| *k == key) {
        out.push((key, value));
    }
}

/// Every key `run` can put in `Facts::cloudfront` (for the key-coverage test).
#[cfg(test)]
pub(crate) fn all_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = KINDS.iter().map(|k| k.key).chain(PARAMS.iter().map(|p| p.1)).collect();
    keys.extend([DIST_ARN, "cloudfront.distribution.last_modified", "cloudfront.invalidation.create_time", "cloudfront.key_value_store.arn"]);
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::{action::ACTION, outcome::OUTCOME, provider::PROVIDER};

    fn resources(rec: &str) -> Vec<(&'static str, String)> {
        let fields = Fields::capture(rec.as_bytes());
        let mut facts = Facts::default();
        (ACTION.run)(&fields, &mut facts);
        (PROVIDER.run)(&fields, &mut facts);
        (OUTCOME.run)(&fields, &mut facts);
        run(&fields, &mut facts);
        let mut v = facts.cloudfront;
        v.sort();
        v
    }

    fn r(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        let mut v: Vec<_> = pairs.iter().map(|(k, v)| (*k, String::from(*v))).collect();
        v.sort();
        v
    }

    #[test]
    fn tables_sorted_without_duplicates() {
        assert!(KINDS.windows(2).all(|w| w[0].noun < w[1].noun));
        assert!(PARAMS.windows(2).all(|w| w[0].0 < w[1].0));
        // Every noun belongs to some real CloudFront action.
        for kind in KINDS {
            assert!(
                provider::CLOUDFRONT_ACTIONS.iter().any(|a| verb::split_verb(a).is_some_and(|(_, noun)| noun == kind.noun)),
                "{} names no CloudFront action",
                kind.noun
            );
        }
    }

    #[test]
    fn resource_table() {
        const CF: &str = r#""eventSource":"cloudfront.amazonaws.com""#;
        let rec = |rest: &str| alloc::format!("{{{CF},{rest}}}");
        crate::table_test!(|s: String| resources(&s), [
            ("get distribution", rec(r#""eventName":"GetDistribution","requestParameters":{"id":"E1"}"#),
                r(&[(DIST_ID, "E1")])),
            ("get invalidation: id is the invalidation", rec(r#""eventName":"GetInvalidation","requestParameters":{"distributionId":"E1","id":"I1"}"#),
                r(&[(DIST_ID, "E1"), ("cloudfront.invalidation.id", "I1")])),
            ("create distribution: id from the response, arn as given", rec(r#""eventName":"CreateDistribution","responseElements":{"distribution":{"id":"E2","aRN":"arn:aws:cloudfront::1:distribution/E2","lastModifiedTime":"Jan 2, 2024 3:04:05 AM"}}"#),
                r(&[(DIST_ID, "E2"), (DIST_ARN, "arn:aws:cloudfront::1:distribution/E2"), ("cloudfront.distribution.last_modified", "2024-01-02T03:04:05Z")])),
            ("oai config", rec(r#""eventName":"GetCloudFrontOriginAccessIdentityConfig","requestParameters":{"id":"O1"}"#),
                r(&[("cloudfront.origin_access_identity.id", "O1")])),
            ("list by cache policy", rec(r#""eventName":"ListDistributionsByCachePolicyId","requestParameters":{"cachePolicyId":"C1"}"#),
                r(&[("cloudfront.cache_policy.id", "C1")])),
            ("tagging a distribution", rec(r#""eventName":"TagResource","requestParameters":{"resource":"arn:aws:cloudfront::1:distribution/E3"}"#),
                r(&[(DIST_ID, "E3"), ("cloudfront.resource.arn", "arn:aws:cloudfront::1:distribution/E3")])),
            ("staging copy", rec(r#""eventName":"UpdateDistributionWithStagingConfig","requestParameters":{"id":"E4","stagingDistributionId":"E5"}"#),
                r(&[(DIST_ID, "E4"), ("cloudfront.staging_distribution.id", "E5")])),
            ("empty id ignored", rec(r#""eventName":"DeletePublicKey","requestParameters":{"id":""}"#), r(&[])),
            ("id not a string ignored", rec(r#""eventName":"DeletePublicKey","requestParameters":{"id":{"x":1}}"#), r(&[])),
            ("requestParameters null", rec(r#""eventName":"DeletePublicKey","requestParameters":null"#), r(&[])),
            ("not cloudfront", String::from(r#"{"eventSource":"s3.amazonaws.com","eventName":"DeleteDistribution","requestParameters":{"id":"E1"}}"#), r(&[])),
            ("denied: the ARN in the message, not the caller's", rec(r#""eventName":"GetDistributionConfig","errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::111122223333:user/bob is not authorized to perform: cloudfront:GetDistributionConfig on resource: arn:aws:cloudfront::111122223333:distribution/E2QWRUHEXAMPLE because no identity-based policy allows it""#),
                r(&[(DIST_ID, "E2QWRUHEXAMPLE"), (DIST_ARN, "arn:aws:cloudfront::111122223333:distribution/E2QWRUHEXAMPLE")])),
            ("denied in another partition, message ends at the id", rec(r#""eventName":"DeleteDistribution","errorCode":"AccessDenied","errorMessage":"not authorized on resource: arn:aws-cn:cloudfront::111122223333:distribution/E9""#),
                r(&[(DIST_ID, "E9"), (DIST_ARN, "arn:aws-cn:cloudfront::111122223333:distribution/E9")])),
            ("the request's id wins over the message", rec(r#""eventName":"GetDistribution","requestParameters":{"id":"E1"},"errorCode":"AccessDenied","errorMessage":"on resource: arn:aws:cloudfront::1:distribution/E2""#),
                r(&[(DIST_ID, "E1")])),
            ("other ARNs in the message are not distributions", rec(r#""eventName":"ListDistributions","errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::1:user/x on resource: arn:aws:cloudfront::1:cache-policy/C1 or arn:aws:cloudfront:us-east-1:1:distribution/E3 or arn:aws:cloudfront::x:distribution/E4 or arn:aws:cloudfront::1:distribution/""#), r(&[])),
        ]);
    }
}
