//! A record with duplicate members (valid JSON; JSON.parse keeps the last) was enriched from a
//! mix of both occurrences: `"insightDetails":{"eventSource":"x"},"insightDetails":""` still
//! gave `cloudtrail.insight.event_source`, and `"distributionId":"E1","distributionId":""`
//! still named distribution E1. Found by the capture-spec property test
//! (src/fields.rs `spec_tests`). Fixed in src/fields.rs: a repeated member forgets what its
//! earlier occurrence captured, and requestParameters' members merge as JSON.parse merges them.
//! Also: a requestParameters key written with escapes now names its resource like the plain key.

use cloudfront_trail::{transform, Options};
use serde_json::Value;

fn facts(rec: &str) -> Value {
    serde_json::from_str(&transform(rec.as_bytes(), &Options::default()).unwrap()).unwrap()
}

const CF: &str = r#""eventSource":"cloudfront.amazonaws.com","recipientAccountId":"111122223333""#;

#[test]
fn the_last_duplicate_decides_enrichment() {
    let v = facts(&format!(r#"{{{CF},"eventName":"AssociateAlias","insightDetails":{{"eventSource":"x"}},"insightDetails":""}}"#));
    assert_eq!(v.get("cloudtrail.insight.event_source"), None, "{v}");

    let v = facts(&format!(r#"{{{CF},"eventName":"GetDistribution","requestParameters":{{"distributionId":"E1","distributionId":""}}}}"#));
    assert_eq!(v.get("cloudfront.distribution.id"), None, "{v}");
    let v = facts(&format!(r#"{{{CF},"eventName":"GetDistribution","requestParameters":{{"distributionId":"E1","distributionId":5}}}}"#));
    assert_eq!(v.get("cloudfront.distribution.id"), None, "{v}");
    let v = facts(&format!(r#"{{{CF},"eventName":"GetDistribution","requestParameters":{{"distributionId":"","distributionId":"E2"}}}}"#));
    assert_eq!(v["cloudfront.distribution.id"], "E2", "{v}");

    let v = facts(&format!(
        r#"{{{CF},"eventName":"UpdateDistribution","requestParameters":{{"id":"E1","distributionConfig":{{"enabled":false}}}},"requestParameters":{{"id":"E1"}}}}"#
    ));
    assert_eq!(v.get("cloudfront.risk"), None, "{v}");

    let v = facts(&format!(
        r#"{{{CF},"eventName":"GetDistribution","userIdentity":{{"type":"Root","arn":"arn:aws:iam::111122223333:root"}},"userIdentity":{{"type":"IAMUser","userName":"bob"}}}}"#
    ));
    assert_eq!(v["cloudtrail.identity.type"], "IAMUser", "{v}");
    assert_eq!(v["user.name"], "bob", "{v}");
}

#[test]
fn an_escaped_request_key_names_its_resource() {
    let v = facts(&format!(r#"{{{CF},"eventName":"GetDistribution","requestParameters":{{"\u0064istributionId":"E3"}}}}"#));
    assert_eq!(v["cloudfront.distribution.id"], "E3", "{v}");
}
