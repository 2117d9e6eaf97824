//! `event.provider` and the `cloud.*` keys: which service, account and region the call concerns.
//!
//! Old CloudFront records (eventVersion 1.01, like the CloudFront developer guide's own example)
//! have no eventSource: when the action is one of CloudFront's API actions the provider is
//! inferred as `cloudfront.amazonaws.com` and `cloudtrail.provider_inferred` says so.

use alloc::borrow::Cow;

use super::{Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

pub(crate) const CLOUDFRONT: &str = "cloudfront.amazonaws.com";
pub(crate) const CLOUDFRONT_KVS: &str = "edgekeyvaluestore.amazonaws.com";

pub(crate) static PROVIDER: Enricher = Enricher {
    name: "provider",
    summary: "The service (eventSource, or inferred for old CloudFront records), the account and the region.",
    reads: &[F::EventSource, F::UiAccountId, F::RecipientAccountId, F::AwsRegion],
    uses: &["event.action"],
    writes: &[
        Key { name: "event.provider", meaning: "eventSource; `cloudfront.amazonaws.com` when eventSource is missing and the action is a CloudFront API action" },
        Key { name: "cloudtrail.provider_inferred", meaning: "`true` when event.provider was inferred (absent otherwise)" },
        Key { name: "cloud.provider", meaning: "always `aws`" },
        Key { name: "cloud.account.id", meaning: "userIdentity.accountId, else recipientAccountId" },
        Key {
            name: "cloud.region",
            meaning: "awsRegion, else `us-east-1` for global services (CloudFront, IAM, Route 53, STS global endpoint, Organizations, ...)",
        },
        Key {
            name: "cloud.service.name",
            meaning: "short service name from the provider (`cloudfront`, `cloudfront-keyvaluestore` for edgekeyvaluestore, `s3`, ...)",
        },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "an old CloudFront record without eventSource or awsRegion",
            record: r#"{"eventName":"GetDistribution2014_01_31","userIdentity":{"accountId":"111122223333"}}"#,
            expect: &[
                ("event.provider", r#""cloudfront.amazonaws.com""#),
                ("cloudtrail.provider_inferred", "true"),
                ("cloud.provider", r#""aws""#),
                ("cloud.account.id", r#""111122223333""#),
                ("cloud.region", r#""us-east-1""#),
                ("cloud.service.name", r#""cloudfront""#),
            ],
        },
        Example {
            title: "CloudFront KeyValueStore data plane",
            record: r#"{"eventSource":"edgekeyvaluestore.amazonaws.com","eventName":"PutKey","recipientAccountId":"111122223333"}"#,
            expect: &[
                ("event.provider", r#""edgekeyvaluestore.amazonaws.com""#),
                ("cloudtrail.provider_inferred", "null"),
                ("cloud.account.id", r#""111122223333""#),
                ("cloud.region", r#""us-east-1""#),
                ("cloud.service.name", r#""cloudfront-keyvaluestore""#),
            ],
        },
        Example {
            title: "a regional service keeps its awsRegion; unknown actions are not guessed",
            record: r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1"}"#,
            expect: &[("event.provider", r#""s3.amazonaws.com""#), ("cloud.region", r#""eu-west-1""#), ("cloud.service.name", r#""s3""#)],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    facts.provider = fields.text(F::EventSource);
    if facts.provider.is_none() {
        if let Some(action) = facts.action.as_deref() {
            if is_cloudfront_action(action) {
                facts.provider = Some(Cow::Borrowed(CLOUDFRONT));
                facts.provider_inferred = true;
            }
        }
    }
    facts.account_id = fields.text(F::UiAccountId).or_else(|| fields.text(F::RecipientAccountId));
    // What the (provider, action) pair decides, remembered per pair (enrich/call.rs); `verb`
    // reads the rest of it.
    facts.call = facts.action.as_deref().map(|a| super::call::lookup(facts.provider.as_deref(), a));
    let (service, global) = match (facts.call, facts.provider.as_deref()) {
        (Some(c), _) => (c.service, c.global),
        (None, Some(p)) => service_info(p),
        (None, None) => (Service::None, false),
    };
    facts.service = match (&facts.provider, service) {
        (_, Service::None) => None,
        (_, Service::Alias(name)) => Some(Cow::Borrowed(name)),
        (Some(Cow::Borrowed(p)), Service::Host(n)) => p.get(..n).map(Cow::Borrowed),
        (Some(Cow::Owned(p)), Service::Host(n)) => p.get(..n).map(|s| Cow::Owned(alloc::string::String::from(s))),
        (None, Service::Host(_)) => None,
    };
    facts.region = fields.text(F::AwsRegion);
    if facts.region.is_none() && global {
        facts.region = Some(Cow::Borrowed("us-east-1"));
    }
}

/// True when `action` (without API-version suffix) is a CloudFront API action.
pub(crate) fn is_cloudfront_action(action: &str) -> bool {
    CLOUDFRONT_ACTIONS.binary_search(&action).is_ok()
}

/// `cloud.service.name` as the provider gives it: none, a name from the alias table, or the
/// provider's first `n` bytes (its host part).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Service {
    #[default]
    None,
    Alias(&'static str),
    Host(usize),
}

/// The service of `provider` (`cloudfront` for `cloudfront.amazonaws.com`, an alias where the
/// table has one) and whether it is a global one.
pub(crate) fn service_info(provider: &str) -> (Service, bool) {
    let host = provider.strip_suffix(".amazonaws.com").filter(|h| !h.is_empty());
    let Some(host) = host else { return (Service::None, false) };
    let (service, name) = match SERVICE_ALIASES.binary_search_by(|(h, _)| (*h).cmp(host)) {
        Ok(i) => (Service::Alias(SERVICE_ALIASES[i].1), SERVICE_ALIASES[i].1),
        Err(_) => (Service::Host(host.len()), host),
    };
    (service, GLOBAL_SERVICES.binary_search(&name).is_ok())
}

/// `cloudfront.amazonaws.com` → `cloudfront`, with the renames in `SERVICE_ALIASES`. None for a
/// provider that is not an `amazonaws.com` host (the tests' view of [`service_info`]).
#[cfg(test)]
fn service_name(provider: &str) -> Option<&str> {
    match service_info(provider).0 {
        Service::None => None,
        Service::Alias(name) => Some(name),
        Service::Host(n) => Some(&provider[..n]),
    }
}

/// eventSource hosts whose short name differs from the host (sorted by host).
const SERVICE_ALIASES: &[(&str, &str)] = &[
    ("edgekeyvaluestore", "cloudfront-keyvaluestore"),
    ("elasticloadbalancing", "elb"),
    ("monitoring", "cloudwatch"),
];

/// Services whose calls are handled in us-east-1 when a record does not say (sorted).
const GLOBAL_SERVICES: &[&str] = &[
    "cloudfront",
    "cloudfront-keyvaluestore",
    "globalaccelerator",
    "iam",
    "organizations",
    "route53",
    "route53domains",
    "shield",
    "sts",
    "waf",
];

/// Every action of the CloudFront API (API Reference, "Actions" list, Amazon CloudFront), plus
/// the legacy streaming-distribution actions old records carry. Sorted; checked by a test.
pub(crate) const CLOUDFRONT_ACTIONS: &[&str] = &[
    "AssociateAlias",
    "AssociateDistributionTenantWebACL",
    "AssociateDistributionWebACL",
    "CopyDistribution",
    "CreateAnycastIpList",
    "CreateCachePolicy",
    "CreateCloudFrontOriginAccessIdentity",
    "CreateConnectionFunction",
    "CreateConnectionGroup",
    "CreateContinuousDeploymentPolicy",
    "CreateDistribution",
    "CreateDistributionTenant",
    "CreateDistributionWithTags",
    "CreateFieldLevelEncryptionConfig",
    "CreateFieldLevelEncryptionProfile",
    "CreateFunction",
    "CreateInvalidation",
    "CreateInvalidationForDistributionTenant",
    "CreateKeyGroup",
    "CreateKeyValueStore",
    "CreateMonitoringSubscription",
    "CreateOriginAccessControl",
    "CreateOriginRequestPolicy",
    "CreatePublicKey",
    "CreateRealtimeLogConfig",
    "CreateResponseHeadersPolicy",
    "CreateStreamingDistribution",
    "CreateStreamingDistributionWithTags",
    "CreateTrustStore",
    "CreateVpcOrigin",
    "DeleteAnycastIpList",
    "DeleteCachePolicy",
    "DeleteCloudFrontOriginAccessIdentity",
    "DeleteConnectionFunction",
    "DeleteConnectionGroup",
    "DeleteContinuousDeploymentPolicy",
    "DeleteDistribution",
    "DeleteDistributionTenant",
    "DeleteFieldLevelEncryptionConfig",
    "DeleteFieldLevelEncryptionProfile",
    "DeleteFunction",
    "DeleteKeyGroup",
    "DeleteKeyValueStore",
    "DeleteMonitoringSubscription",
    "DeleteOriginAccessControl",
    "DeleteOriginRequestPolicy",
    "DeletePublicKey",
    "DeleteRealtimeLogConfig",
    "DeleteResourcePolicy",
    "DeleteResponseHeadersPolicy",
    "DeleteStreamingDistribution",
    "DeleteTrustStore",
    "DeleteVpcOrigin",
    "DescribeConnectionFunction",
    "DescribeFunction",
    "DescribeKeyValueStore",
    "DisassociateDistributionTenantWebACL",
    "DisassociateDistributionWebACL",
    "GetAnycastIpList",
    "GetCachePolicy",
    "GetCachePolicyConfig",
    "GetCloudFrontOriginAccessIdentity",
    "GetCloudFrontOriginAccessIdentityConfig",
    "GetConnectionFunction",
    "GetConnectionGroup",
    "GetConnectionGroupByRoutingEndpoint",
    "GetContinuousDeploymentPolicy",
    "GetContinuousDeploymentPolicyConfig",
    "GetDistribution",
    "GetDistributionConfig",
    "GetDistributionTenant",
    "GetDistributionTenantByDomain",
    "GetFieldLevelEncryption",
    "GetFieldLevelEncryptionConfig",
    "GetFieldLevelEncryptionProfile",
    "GetFieldLevelEncryptionProfileConfig",
    "GetFunction",
    "GetInvalidation",
    "GetInvalidationForDistributionTenant",
    "GetKeyGroup",
    "GetKeyGroupConfig",
    "GetManagedCertificateDetails",
    "GetMonitoringSubscription",
    "GetOriginAccessControl",
    "GetOriginAccessControlConfig",
    "GetOriginRequestPolicy",
    "GetOriginRequestPolicyConfig",
    "GetPublicKey",
    "GetPublicKeyConfig",
    "GetRealtimeLogConfig",
    "GetResourcePolicy",
    "GetResponseHeadersPolicy",
    "GetResponseHeadersPolicyConfig",
    "GetStreamingDistribution",
    "GetStreamingDistributionConfig",
    "GetTrustStore",
    "GetVpcOrigin",
    "ListAnycastIpLists",
    "ListCachePolicies",
    "ListCloudFrontOriginAccessIdentities",
    "ListConflictingAliases",
    "ListConnectionFunctions",
    "ListConnectionGroups",
    "ListContinuousDeploymentPolicies",
    "ListDistributionTenants",
    "ListDistributionTenantsByCustomization",
    "ListDistributions",
    "ListDistributionsByAnycastIpListId",
    "ListDistributionsByCachePolicyId",
    "ListDistributionsByConnectionFunction",
    "ListDistributionsByConnectionMode",
    "ListDistributionsByKeyGroup",
    "ListDistributionsByOriginRequestPolicyId",
    "ListDistributionsByOwnedResource",
    "ListDistributionsByRealtimeLogConfig",
    "ListDistributionsByResponseHeadersPolicyId",
    "ListDistributionsByTrustStore",
    "ListDistributionsByVpcOriginId",
    "ListDistributionsByWebACLId",
    "ListDomainConflicts",
    "ListFieldLevelEncryptionConfigs",
    "ListFieldLevelEncryptionProfiles",
    "ListFunctions",
    "ListInvalidations",
    "ListInvalidationsForDistributionTenant",
    "ListKeyGroups",
    "ListKeyValueStores",
    "ListOriginAccessControls",
    "ListOriginRequestPolicies",
    "ListPublicKeys",
    "ListRealtimeLogConfigs",
    "ListResponseHeadersPolicies",
    "ListStreamingDistributions",
    "ListTagsForResource",
    "ListTrustStores",
    "ListVpcOrigins",
    "PublishConnectionFunction",
    "PublishFunction",
    "PutResourcePolicy",
    "TagResource",
    "TestConnectionFunction",
    "TestFunction",
    "UntagResource",
    "UpdateAnycastIpList",
    "UpdateCachePolicy",
    "UpdateCloudFrontOriginAccessIdentity",
    "UpdateConnectionFunction",
    "UpdateConnectionGroup",
    "UpdateContinuousDeploymentPolicy",
    "UpdateDistribution",
    "UpdateDistributionTenant",
    "UpdateDistributionWithStagingConfig",
    "UpdateDomainAssociation",
    "UpdateFieldLevelEncryptionConfig",
    "UpdateFieldLevelEncryptionProfile",
    "UpdateFunction",
    "UpdateKeyGroup",
    "UpdateKeyValueStore",
    "UpdateOriginAccessControl",
    "UpdateOriginRequestPolicy",
    "UpdatePublicKey",
    "UpdateRealtimeLogConfig",
    "UpdateResponseHeadersPolicy",
    "UpdateStreamingDistribution",
    "UpdateTrustStore",
    "UpdateVpcOrigin",
    "VerifyDnsConfiguration",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn strictly_sorted<T: Ord>(v: &[T]) -> bool {
        v.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn tables_sorted_without_duplicates() {
        assert!(strictly_sorted(CLOUDFRONT_ACTIONS), "CLOUDFRONT_ACTIONS");
        assert!(strictly_sorted(GLOBAL_SERVICES), "GLOBAL_SERVICES");
        assert!(strictly_sorted(&SERVICE_ALIASES.iter().map(|r| r.0).collect::<alloc::vec::Vec<_>>()), "SERVICE_ALIASES");
    }

    #[test]
    fn cloudfront_action_table() {
        crate::table_test!(is_cloudfront_action, [
            ("first", "AssociateAlias", true),
            ("last", "VerifyDnsConfiguration", true),
            ("doc example", "ListCloudFrontOriginAccessIdentities", true),
            ("functions", "PublishFunction", true),
            ("suffix must be stripped first", "UpdateDistribution2014_01_31", false),
            ("other service", "GetObject", false),
            ("case matters", "updatedistribution", false),
            ("empty", "", false),
        ]);
    }

    #[test]
    fn service_name_table() {
        crate::table_test!(service_name, [
            ("cloudfront", "cloudfront.amazonaws.com", Some("cloudfront")),
            ("kvs alias", "edgekeyvaluestore.amazonaws.com", Some("cloudfront-keyvaluestore")),
            ("s3", "s3.amazonaws.com", Some("s3")),
            ("monitoring alias", "monitoring.amazonaws.com", Some("cloudwatch")),
            ("not a host", "AWS Internal", None::<&str>),
            ("bare suffix", ".amazonaws.com", None::<&str>),
        ]);
    }
}
