//! Enrichment over hand-written fixtures (tests/fixtures/enrich/*.json) shaped like the
//! CloudTrail documentation's records. The expected values are written from what the
//! documentation says each field means, not copied from the program's output.
#![cfg(not(target_arch = "wasm32"))] // native suite; the wasm one is tests/wasm.rs

use std::collections::HashMap;

use cloudfront_trail::{transform, transform_log, ErrorKind, Options};
use serde_json::{json, Value};

/// The records of a fixture, transformed with default options, by eventID.
fn load(name: &str) -> HashMap<String, Value> {
    let path = format!("{}/tests/fixtures/enrich/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let log = transform_log(&bytes, &Options::default()).expect("fixture reads");
    assert!(log.errors.is_empty(), "{name}: unreadable records: {:?}", log.errors);
    let mut by_id = HashMap::new();
    for rec in &log.records {
        let v: Value = serde_json::from_str(rec).expect("output is JSON");
        assert!(v.get("enrich.errors").is_none(), "{name}: enrich errors in {v}");
        let id = v["eventID"].as_str().expect("fixture records have an eventID").to_string();
        by_id.insert(id, v);
    }
    by_id
}

/// Checks each (key, value) pair; `Value::Null` means the key must be absent.
fn check(records: &HashMap<String, Value>, id: &str, want: &[(&str, Value)]) {
    let rec = records.get(id).unwrap_or_else(|| panic!("no record {id}"));
    let mut bad = Vec::new();
    for (key, expected) in want {
        let got = rec.get(*key).cloned().unwrap_or(Value::Null);
        if &got != expected {
            bad.push(format!("{id}: {key}: expected {expected}, got {got}"));
        }
    }
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

const N: Value = Value::Null;

#[test]
fn every_identity_type() {
    let r = load("identities.json");
    check(&r, "id-root", &[
        ("user.name", json!("root")),
        ("user.id", json!("111122223333")),
        ("cloudtrail.identity.type", json!("Root")),
        ("cloudtrail.role.name", N),
        ("cloudtrail.access_key_type", json!("temporary")),
        ("cloudtrail.mfa_authenticated", json!(false)),
        ("cloudtrail.console_session", json!(true)),
        ("cloudtrail.session.created_at", json!("2023-07-19T21:11:57Z")),
        ("user_agent.name", json!("AWS Internal")),
        ("source.ip", json!("192.0.2.0")),
        ("cloud.account.id", json!("111122223333")),
    ]);
    check(&r, "id-iamuser", &[
        ("user.name", json!("Mary_Major")),
        ("user.id", json!("AIDACKCEVSQ6C2EXAMPLE")),
        ("cloudtrail.identity.type", json!("IAMUser")),
        ("cloudtrail.access_key_type", json!("long_term")),
        ("cloudtrail.mfa_authenticated", N),
        ("user_agent.name", json!("aws-cli")),
        ("user_agent.version", json!("2.15.30")),
        ("cloudfront.distribution.id", json!("E2QWRUHEXAMPLE")),
        ("cloudfront.distribution.arn", json!("arn:aws:cloudfront::111122223333:distribution/E2QWRUHEXAMPLE")),
    ]);
    check(&r, "id-assumedrole", &[
        ("user.name", json!("MySessionName")),
        ("user.id", json!("AROAIDPPEZS35WEXAMPLE:AssumedRoleSessionName")),
        ("cloudtrail.role.name", json!("RoleToBeAssumed")),
        ("cloudtrail.identity.type", json!("AssumedRole")),
        ("cloudtrail.mfa_authenticated", json!(false)),
        ("cloudtrail.session.created_at", json!("2013-11-02T01:06:28Z")),
        ("source.ip", json!("2001:db8::8a2e:370:7334")),
        ("user_agent.name", json!("Boto3")),
        ("user_agent.version", json!("1.34.0")),
        ("cloudfront.cache_policy.id", json!("4135ea2d-6df8-44a3-9df3-4b5a84be39ad")),
    ]);
    check(&r, "id-federated", &[
        ("user.name", json!("Bob")),
        ("user.id", json!("111122223333:Bob")),
        ("cloudtrail.role.name", N),
        ("cloudtrail.identity.type", json!("FederatedUser")),
        ("cloud.service.name", json!("sts")),
        ("user_agent.name", json!("aws-sdk-go-v2")),
        ("user_agent.version", json!("1.32.5")),
    ]);
    check(&r, "id-awsservice", &[
        ("user.name", json!("cloudformation.amazonaws.com")),
        ("cloudtrail.identity.type", json!("AWSService")),
        ("source.address", json!("cloudformation.amazonaws.com")),
        ("source.ip", N),
        // No userIdentity.accountId: the account comes from recipientAccountId.
        ("cloud.account.id", json!("111122223333")),
        ("cloudfront.distribution.id", json!("EDFDVBD6EXAMPLE")),
        ("cloudfront.distribution.arn", json!("arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE")),
    ]);
    check(&r, "id-awsaccount", &[
        ("user.name", N),
        ("user.id", json!("AIDAJ45Q7YFFAREXAMPLE")),
        ("cloudtrail.identity.type", json!("AWSAccount")),
        // The calling account, as userIdentity.accountId names it.
        ("cloud.account.id", json!("444455556666")),
        ("cloud.region", json!("eu-west-1")),
        ("user_agent.name", json!("aws-sdk-java")),
        ("user_agent.version", json!("1.11.600")),
        // No readOnly in a 1.05 record: a Get only reads.
        ("cloudtrail.read_only", json!(true)),
    ]);
    check(&r, "id-saml", &[
        ("user.name", json!("SamlExample")),
        ("cloudtrail.identity.type", json!("SAMLUser")),
        ("event.category", json!(["authentication"])),
        ("user_agent.name", json!("AWS Internal")),
    ]);
    check(&r, "id-webidentity", &[
        ("user.name", json!("user-id")),
        ("cloudtrail.identity.type", json!("WebIdentityUser")),
        ("user_agent.name", json!("aws-sdk-js")),
        ("user_agent.version", json!("2.1490.0")),
    ]);
    check(&r, "id-identitycenter", &[
        ("user.name", json!("906744a8-1011-70f6-c9b5-6b2f8example")),
        ("user.id", json!("906744a8-1011-70f6-c9b5-6b2f8example")),
        ("cloudtrail.identity.type", json!("IdentityCenterUser")),
        ("cloudtrail.access_key_type", N),
        ("user_agent.name", json!("Firefox")),
        ("user_agent.version", json!("128.0")),
        ("user_agent.os.name", json!("Linux")),
        ("user_agent.os.version", N),
        ("user_agent.original", json!("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")),
    ]);
    check(&r, "id-identitycenter-named", &[
        // The name the person signs in with, not the opaque onBehalfOf.userId.
        ("user.name", json!("jane.doe@example.com")),
        ("user.email", json!("jane.doe@example.com")),
        ("user.id", json!("906744a8-1011-70f6-c9b5-6b2f8example")),
        ("event.category", json!(["authentication"])),
    ]);
    check(&r, "id-identitycenter", &[("user.email", N)]);
    check(&r, "id-unknown", &[
        ("user.email", json!("johndoe@example.com")),
        ("user.name", json!("johndoe@example.com")),
        ("user.id", json!("111122223333")),
        ("cloudtrail.identity.type", json!("Unknown")),
    ]);
    check(&r, "id-missing-type", &[
        ("cloudtrail.identity.type", json!("IAMUser")),
        ("user.name", json!("legacy-bot")),
        ("event.action", json!("ListDistributions")),
        ("cloudtrail.api_version", json!("2014-11-06")),
        ("user_agent.name", json!("aws-sdk-ruby")),
        ("user_agent.version", json!("2.0.9")),
    ]);
}

#[test]
fn suffixes_and_versions() {
    let r = load("calls.json");
    check(&r, "sfx-underscore", &[
        ("eventName", json!("ListDistributions2014_01_31")),
        ("event.action", json!("ListDistributions")),
        ("cloudtrail.api_version", json!("2014-01-31")),
        ("event.provider", json!("cloudfront.amazonaws.com")),
        ("cloudtrail.provider_inferred", json!(true)),
        ("cloud.region", json!("us-east-1")),
        ("cloud.service.name", json!("cloudfront")),
        ("event.type", json!(["info"])),
        ("cloudtrail.read_only", json!(true)),
        // sourceIPAddress is "" in the CloudFront documentation's example.
        ("source.address", N),
        ("source.ip", N),
    ]);
    check(&r, "sfx-compact-revision", &[
        ("event.action", json!("AddPermission")),
        ("cloudtrail.api_version", json!("2015-03-31")),
        ("cloudtrail.provider_inferred", N),
        ("cloud.region", json!("ca-central-1")),
        ("cloud.service.name", json!("lambda")),
        ("event.type", json!(["change"])),
        ("user.name", json!("terraform")),
        ("cloudtrail.role.name", json!("ci-deployer")),
        ("user_agent.name", json!("terraform")),
        ("user_agent.version", json!("1.7.4")),
    ]);
    check(&r, "sfx-compact", &[
        ("event.action", json!("GetFunction")),
        ("cloudtrail.api_version", json!("2015-03-31")),
        // A Lambda function, not a CloudFront one.
        ("cloudfront.function.name", N),
        ("user_agent.name", json!("aws-sdk-js")),
        ("user_agent.version", json!("3.454.0")),
    ]);
    check(&r, "sfx-apiversion", &[
        ("event.action", json!("GetDistributionConfig")),
        ("cloudtrail.api_version", json!("2020-05-31")),
        ("cloudfront.distribution.id", json!("E2QWRUHEXAMPLE")),
        ("user_agent.name", json!("aws-sdk-java")),
        ("user_agent.version", json!("2.25.10")),
    ]);
}

#[test]
fn event_versions_1_0_to_1_11() {
    let r = load("calls.json");
    // 1.0: no awsRegion, readOnly, eventType or recipientAccountId yet.
    check(&r, "ver-1.0", &[
        ("@timestamp", json!("2013-11-12T20:14:03Z")),
        ("event.action", json!("CreateUser")),
        ("cloud.service.name", json!("iam")),
        ("cloud.region", json!("us-east-1")),
        // IAM: the kind of object beside the change, as in the ECS profile.
        ("event.type", json!(["user", "creation"])),
        ("event.category", json!(["iam"])),
        ("cloudtrail.read_only", json!(false)),
        ("event.outcome", json!("success")),
        ("user.name", json!("old")),
        ("user_agent.name", json!("aws-cli")),
        ("user_agent.version", json!("1.2.2")),
    ]);
    // 1.11: an IAM Identity Center permission-set role in the console.
    check(&r, "ver-1.11", &[
        ("@timestamp", json!("2025-03-01T08:05:00.123Z")),
        ("user.name", json!("ops@example.com")),
        ("user.email", json!("ops@example.com")),
        ("cloudtrail.role.name", json!("AWSReservedSSO_Admin_0123456789abcdef")),
        ("cloudtrail.console_session", json!(true)),
        ("cloudtrail.access_key_type", json!("temporary")),
        ("user_agent.name", json!("console")),
        ("cloudfront.distribution.id", json!("E3NEWEXAMPLE")),
        ("cloudfront.risk", N),
    ]);
}

#[test]
fn errors_and_oddities() {
    let r = load("calls.json");
    check(&r, "err-denied", &[
        ("event.outcome", json!("failure")),
        ("error.code", json!("AccessDenied")),
        ("error.message", json!("User: arn:aws:iam::111122223333:user/dev is not authorized to perform: cloudfront:DeleteDistribution")),
        ("event.type", json!(["deletion"])),
        // Denied: nothing was deleted.
        ("cloudfront.risk", N),
    ]);
    check(&r, "err-console-failure", &[
        ("event.outcome", json!("failure")),
        ("error.code", N),
        ("error.message", json!("Failed authentication")),
        ("user.name", json!("JaneDoe")),
        ("cloudtrail.mfa_authenticated", json!(false)),
        ("event.category", json!(["authentication"])),
        // The CloudTrail guide's sign-in example: Firefox on Windows 7.
        ("user_agent.name", json!("Firefox")),
        ("user_agent.version", json!("24.0")),
        ("user_agent.os.full", json!("Windows 7")),
    ]);
    check(&r, "err-console-success", &[
        ("event.outcome", json!("success")),
        ("error.message", N),
        ("cloudtrail.mfa_authenticated", json!(true)),
    ]);
    check(&r, "err-code-200", &[
        ("event.outcome", json!("success")),
        ("error.code", N),
        ("errorCode", json!("200")),
        ("source.address", json!("81.2.69.142, 192.168.10.10")),
        ("source.ip", json!("81.2.69.142")),
        ("user.name", json!("jane@example.com")),
        ("user_agent.name", json!("Chrome")),
        ("user_agent.version", json!("131.0.0.0")),
        ("user_agent.os.full", json!("Windows 10")),
    ]);
}

#[test]
fn insight_service_and_data_events() {
    let r = load("calls.json");
    check(&r, "evt-insight", &[
        ("@timestamp", json!("2020-09-09T23:00:00Z")),
        ("event.outcome", N),
        ("event.action", N),
        ("event.provider", N),
        ("user.name", N),
        ("cloud.account.id", json!("111122223333")),
        ("cloud.region", json!("us-east-1")),
        ("cloud.provider", json!("aws")),
    ]);
    check(&r, "evt-service", &[
        ("cloudtrail.identity.type", json!("AWSService")),
        ("user.name", json!("ec2.amazonaws.com")),
        ("event.action", json!("SharedSnapshotVolumeCreated")),
        ("event.type", N),
        ("cloudtrail.read_only", json!(false)),
        ("event.outcome", json!("success")),
        ("user_agent.name", json!("ec2.amazonaws.com")),
    ]);
    check(&r, "evt-data", &[
        ("user.name", json!("i-0abcd1234example")),
        ("cloudtrail.role.name", json!("app-instance-role")),
        ("event.type", json!(["access"])),
        ("event.category", json!(["api"])),
        ("cloudtrail.read_only", json!(true)),
        ("source.ip", json!("10.0.1.15")),
        ("cloud.service.name", json!("s3")),
        ("user_agent.name", json!("aws-sdk-go")),
        ("user_agent.version", json!("1.50.0")),
    ]);
    check(&r, "evt-kvs", &[
        ("event.provider", json!("edgekeyvaluestore.amazonaws.com")),
        ("cloud.service.name", json!("cloudfront-keyvaluestore")),
        ("cloud.region", json!("us-east-1")),
        ("cloudfront.key_value_store.arn", json!("arn:aws:cloudfront::111122223333:key-value-store/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")),
        ("event.type", json!(["change"])),
    ]);
}

#[test]
fn every_cloudfront_resource_kind() {
    let r = load("cloudfront.json");
    check(&r, "cf-create-distribution", &[
        ("cloudfront.distribution.id", json!("EDFDVBD6EXAMPLE")),
        ("cloudfront.distribution.arn", json!("arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE")),
        ("cloudfront.distribution.last_modified", json!("2024-07-01T10:00:01Z")),
        ("cloudtrail.api_version", json!("2020-05-31")),
        ("cloudfront.risk", N),
    ]);
    check(&r, "cf-invalidation", &[
        ("cloudfront.distribution.id", json!("EDFDVBD6EXAMPLE")),
        ("cloudfront.invalidation.id", json!("I2J0I21PCUYOIK")),
        ("cloudfront.invalidation.paths", json!(["/index.html", "/css/*"])),
        ("cloudfront.invalidation.create_time", json!("2024-07-01T10:05:00Z")),
        ("cloudfront.risk", N),
    ]);
    check(&r, "cf-function", &[("cloudfront.function.name", json!("url-rewrite"))]);
    check(&r, "cf-cache-policy", &[("cloudfront.cache_policy.id", json!("658327ea-f89d-4fab-a63d-7e88639e58f6"))]);
    check(&r, "cf-origin-request-policy", &[("cloudfront.origin_request_policy.id", json!("216adef6-5c7f-47e4-b989-5492eafa07d3"))]);
    check(&r, "cf-response-headers-policy", &[("cloudfront.response_headers_policy.id", json!("67f7725c-6f97-4210-82d7-5512b31e9d03"))]);
    check(&r, "cf-oac", &[("cloudfront.origin_access_control.id", json!("E2EXAMPLEOAC"))]);
    check(&r, "cf-oai", &[("cloudfront.origin_access_identity.id", json!("E74FTE3AEXAMPLE"))]);
    check(&r, "cf-key-group", &[("cloudfront.key_group.id", json!("8a8d0ab6-1a2b-4c5d-9e0f-EXAMPLE22222"))]);
    check(&r, "cf-public-key", &[("cloudfront.public_key.id", json!("K2JCJMDEHXQW5F"))]);
    check(&r, "cf-fle-config", &[("cloudfront.field_level_encryption_config.id", json!("C3KM2WVD605UAY"))]);
    check(&r, "cf-fle-profile", &[("cloudfront.field_level_encryption_profile.id", json!("PPK0UOSIF5WSV"))]);
    check(&r, "cf-realtime-log", &[("cloudfront.realtime_log_config.name", json!("edge-logs"))]);
    check(&r, "cf-kvs", &[
        ("cloudfront.key_value_store.name", json!("redirects")),
        ("cloudfront.key_value_store.arn", json!("arn:aws:cloudfront::111122223333:key-value-store/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")),
    ]);
    check(&r, "cf-continuous-deployment", &[("cloudfront.continuous_deployment_policy.id", json!("3a4b5c6d-1111-2222-3333-EXAMPLE33333"))]);
    check(&r, "cf-tag", &[
        ("cloudfront.resource.arn", json!("arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE")),
        ("cloudfront.distribution.id", json!("EDFDVBD6EXAMPLE")),
        ("event.type", json!(["change"])),
    ]);
    check(&r, "cf-list-by-web-acl", &[
        ("cloudfront.web_acl.id", json!("473e64fd-f30b-4765-81a0-62ad96dd167a")),
        ("cloudfront.distribution.id", N),
    ]);
}

#[test]
fn every_risk_flag() {
    let r = load("risk.json");
    check(&r, "risk-update-bad-config", &[(
        "cloudfront.risk",
        json!([
            "distribution_disabled",
            "geo_restriction_none",
            "logging_disabled",
            "no_waf",
            "origin_http_only",
            "origin_weak_tls",
            "s3_origin_without_access_control",
            "viewer_http_allowed",
            "weak_tls"
        ]),
    )]);
    check(&r, "risk-create-good-config", &[
        // geo restriction `none` is the state the configuration sets, stated as such.
        ("cloudfront.risk", json!(["geo_restriction_none"])),
        ("cloudfront.distribution.id", json!("E1GOODEXAMPLE")),
    ]);
    check(&r, "risk-delete", &[("cloudfront.risk", json!(["distribution_deleted"]))]);
    check(&r, "risk-publish", &[("cloudfront.risk", json!(["function_published"]))]);
    check(&r, "risk-alias", &[("cloudfront.risk", json!(["alias_moved"])), ("cloudfront.distribution.id", json!("E2TARGETEXAMPLE"))]);
    check(&r, "risk-invalidate-all", &[("cloudfront.risk", json!(["invalidate_all"]))]);
    check(&r, "risk-waf-off", &[("cloudfront.risk", json!(["waf_disassociated"]))]);
    check(&r, "risk-signing-key", &[("cloudfront.risk", json!(["signing_key_added"]))]);
}

/// The CloudFront guide's own UpdateDistribution example: the record holds only the new
/// configuration, so nothing may claim that geo restriction was *removed*.
#[test]
fn risk_flags_state_only_what_the_record_proves() {
    let r = load("risk.json");
    let dc = "requestParameters.distributionConfig";
    check(&r, "risk-guide-update", &[
        ("cloudfront.risk", json!(["geo_restriction_none", "logging_disabled", "origin_http_only"])),
        ("cloudfront.risk_details", json!([
            {"flag": "geo_restriction_none", "severity": "low", "kind": "state",
             "evidence": [{"key": format!("{dc}.restrictions.geoRestriction.restrictionType"), "value": "none"}]},
            {"flag": "logging_disabled", "severity": "medium", "kind": "state",
             "evidence": [{"key": format!("{dc}.logging.enabled"), "value": false}]},
            {"flag": "origin_http_only", "severity": "medium", "kind": "state",
             "evidence": [
                 {"key": format!("{dc}.origins.items.0.customOriginConfig.originProtocolPolicy"), "value": "http-only"},
                 {"key": format!("{dc}.origins.items.1.customOriginConfig.originProtocolPolicy"), "value": "http-only"}]},
        ])),
    ]);
}

/// Every flag of every fixture names its severity and the record keys that raised it, and each
/// evidence key holds the stated value in the record (as `arrays: "index"` flattens it).
#[test]
fn every_flag_carries_its_evidence() {
    let path = format!("{}/tests/fixtures/enrich/risk.json", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let opts = Options { arrays: cloudfront_trail::Arrays::Index, ..Options::default() };
    let log = transform_log(&bytes, &opts).unwrap();
    let mut flags = 0;
    for rec in &log.records {
        let v: Value = serde_json::from_str(rec).unwrap();
        let names = v.get("cloudfront.risk").and_then(Value::as_array).cloned().unwrap_or_default();
        let details = v.get("cloudfront.risk_details").and_then(Value::as_array).cloned().unwrap_or_default();
        assert_eq!(names.len(), details.len(), "{rec}");
        for (name, d) in names.iter().zip(&details) {
            assert_eq!(&d["flag"], name);
            assert!(["low", "medium", "high", "critical"].contains(&d["severity"].as_str().unwrap()), "{d}");
            assert!(["state", "change"].contains(&d["kind"].as_str().unwrap()), "{d}");
            let evidence = d["evidence"].as_array().unwrap();
            assert!(!evidence.is_empty(), "{d}");
            for e in evidence {
                let key = e["key"].as_str().unwrap();
                assert_eq!(v.get(key), Some(&e["value"]), "{key} in {rec}");
            }
            flags += 1;
        }
    }
    assert!(flags >= 15, "{flags}");
}

/// Browsers are named as Elastic names them, with OS and device; AWS's own markers are not
/// versions, and every service console is the console.
#[test]
fn browsers_and_aws_markers() {
    let r = load("user_agents.json");
    check(&r, "ua-chrome-windows", &[
        ("user_agent.name", json!("Chrome")),
        ("user_agent.version", json!("121.0.0.0")),
        ("user_agent.os.name", json!("Windows")),
        ("user_agent.os.version", json!("10")),
        ("user_agent.os.full", json!("Windows 10")),
        ("user_agent.device.name", N),
    ]);
    check(&r, "ua-edge-windows", &[("user_agent.name", json!("Edge")), ("user_agent.version", json!("121.0.2277.98")), ("user_agent.os.name", json!("Windows"))]);
    check(&r, "ua-firefox-mac", &[
        ("user_agent.name", json!("Firefox")),
        ("user_agent.version", json!("122.0")),
        ("user_agent.os.name", json!("Mac OS X")),
        ("user_agent.os.version", json!("10.15")),
        ("user_agent.os.full", json!("Mac OS X 10.15")),
        ("user_agent.device.name", json!("Mac")),
    ]);
    check(&r, "ua-safari-iphone", &[
        ("user_agent.name", json!("Mobile Safari")),
        ("user_agent.version", json!("17.2")),
        ("user_agent.os.name", json!("iOS")),
        ("user_agent.os.version", json!("17.2.1")),
        ("user_agent.os.full", json!("iOS 17.2.1")),
        ("user_agent.device.name", json!("iPhone")),
    ]);
    check(&r, "ua-s3-console", &[("user_agent.name", json!("console")), ("user_agent.version", N), ("user_agent.os.name", N)]);
    check(&r, "ua-rds-console", &[("user_agent.name", json!("console")), ("user_agent.version", N)]);
    check(&r, "ua-cloudtrail-internal", &[("user_agent.name", json!("AWS Internal")), ("user_agent.version", N)]);
}

/// One taxonomy: what each call is, the same in the flat keys and the ECS profile.
#[test]
fn one_taxonomy_for_flat_and_ecs() {
    let cases: &[(&str, Value, Value)] = &[
        // Minting credentials is authentication.
        ("tax-federation-token", json!(["info"]), json!(["authentication"])),
        ("tax-session-token", json!(["info"]), json!(["authentication"])),
        ("tax-user-authentication", json!(["info"]), json!(["authentication"])),
        ("tax-credential-challenge", json!(["info"]), json!(["authentication"])),
        ("tax-federate", json!(["info"]), json!(["authentication"])),
        // Tags go on an existing resource: a change, not a creation.
        ("tax-create-tags", json!(["change"]), json!(["api", "configuration"])),
        // Data plane: not configuration.
        ("tax-s3-put-object", json!(["change"]), json!(["api"])),
        ("tax-s3-copy-object-legacy", json!(["creation"]), json!(["api"])),
        ("tax-kvs-put-key", json!(["change"]), json!(["api"])),
        ("tax-lambda-invoke", json!(["start"]), json!(["api"])),
        ("tax-bedrock-invoke", json!(["start"]), json!(["api"])),
        ("tax-bedrock-converse", json!(["start"]), json!(["api"])),
        ("tax-sns-publish", json!(["creation"]), json!(["api"])),
        ("tax-ssm-start-session", json!(["start"]), json!(["api"])),
        ("tax-ssm-send-command", json!(["start"]), json!(["api"])),
        // Verbs the table used to miss; an unknown write is never `info`.
        ("tax-change-password", json!(["user", "change"]), json!(["iam"])),
        ("tax-leave-org", json!(["change"]), json!(["api", "configuration"])),
        ("tax-schedule-key-deletion", json!(["change"]), json!(["api", "configuration"])),
    ];
    let flat = load("taxonomy.json");
    let path = format!("{}/tests/fixtures/enrich/taxonomy.json", env!("CARGO_MANIFEST_DIR"));
    let ecs_log = transform_log(&std::fs::read(path).unwrap(), &Options { profile: cloudfront_trail::Profile::Ecs, ..Options::default() }).unwrap();
    let ecs: HashMap<String, Value> = ecs_log
        .records
        .iter()
        .map(|r| serde_json::from_str::<Value>(r).unwrap())
        .map(|v| (v["event"]["id"].as_str().unwrap().to_string(), v))
        .collect();
    assert_eq!(ecs.len(), cases.len());
    let mut bad = Vec::new();
    for (id, ty, cat) in cases {
        check(&flat, id, &[("event.type", ty.clone()), ("event.category", cat.clone())]);
        let doc = &ecs[*id];
        if (&doc["event"]["type"], &doc["event"]["category"]) != (ty, cat) {
            bad.push(format!("{id}: ecs {} {}, flat {ty} {cat}", doc["event"]["type"], doc["event"]["category"]));
        }
    }
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

/// ECS `tls.version` only from a real version: `"tlsVersion"` (a placeholder) is not `ersion`.
#[test]
fn tls_version_only_from_real_versions() {
    let path = format!("{}/tests/fixtures/enrich/tls.json", env!("CARGO_MANIFEST_DIR"));
    let log = transform_log(&std::fs::read(path).unwrap(), &Options { profile: cloudfront_trail::Profile::Ecs, ..Options::default() }).unwrap();
    let docs: HashMap<String, Value> = log
        .records
        .iter()
        .map(|r| serde_json::from_str::<Value>(r).unwrap())
        .map(|v| (v["event"]["id"].as_str().unwrap().to_string(), v))
        .collect();
    let real = &docs["tls-real"]["tls"];
    assert_eq!((&real["version"], &real["version_protocol"]), (&json!("1.3"), &json!("tls")), "{real}");
    let placeholder = &docs["tls-placeholder"]["tls"];
    assert_eq!(placeholder.get("version"), None, "{placeholder}");
    assert_eq!(placeholder.get("version_protocol"), None, "{placeholder}");
}

/// A JSON object with none of CloudTrail's identifying members is flattened losslessly, marked,
/// and not enriched: no `cloud.provider: aws`, no `event.outcome: success`.
#[test]
fn objects_that_are_not_cloudtrail() {
    let r = load("not_cloudtrail.json");
    let marked = [("event.kind", json!("pipeline_error")), ("error.type", json!("not_cloudtrail"))];
    let unenriched = [("cloud.provider", N), ("event.outcome", N), ("@timestamp", N), ("cloud.region", N), ("cloud.account.id", N), ("error.code", N)];
    for id in ["nct-hello", "nct-config-item", "nct-null-members"] {
        check(&r, id, &marked);
        check(&r, id, &unenriched);
        assert!(r[id]["error.message"].as_str().unwrap().contains("eventVersion, eventTime, eventName, eventSource"));
    }
    check(&r, "nct-hello", &[("hello", json!("world"))]);
    check(&r, "nct-config-item", &[("awsRegion", json!("us-east-1")), ("resourceType", json!("AWS::S3::Bucket"))]);
    // One identifying member is enough.
    check(&r, "nct-control-only-time", &[("event.kind", N), ("error.type", N), ("cloud.provider", json!("aws")), ("@timestamp", json!("2024-05-01T10:00:00Z"))]);

    // The same object through the ECS profile, through `transform`, and with `strict`.
    let hello = br#"{"hello":"world"}"#;
    let ecs: Value = serde_json::from_str(&transform(hello, &Options { profile: cloudfront_trail::Profile::Ecs, ..Options::default() }).unwrap()).unwrap();
    assert_eq!(ecs["event"]["kind"], json!("pipeline_error"), "{ecs}");
    assert_eq!(ecs["error"]["type"], json!("not_cloudtrail"), "{ecs}");
    assert_eq!(ecs.get("cloud"), None, "{ecs}");
    assert_eq!(ecs["event"].get("outcome"), None, "{ecs}");
    assert_eq!(ecs["event"]["original"], json!(r#"{"hello":"world"}"#), "{ecs}");
    let flat: Value = serde_json::from_str(&transform(hello, &Options::default()).unwrap()).unwrap();
    assert_eq!(flat, json!({"hello": "world", "event.kind": "pipeline_error", "error.type": "not_cloudtrail", "error.message": "not a CloudTrail record: none of eventVersion, eventTime, eventName, eventSource"}));
    let strict = Options { strict: true, ..Options::default() };
    let err = transform(hello, &strict).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotCloudTrail, "{err}");
    assert_eq!(err.kind().as_str(), "not_cloudtrail");
    assert!(transform(br#"{"eventName":"X"}"#, &strict).is_ok());
    for input in [&b"{\"eventName\":\"X\"}\n{\"hello\":\"world\"}\n"[..], br#"{"Records":[{"eventName":"X"},{"hello":"world"}]}"#] {
        let err = transform_log(input, &strict).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotCloudTrail, "{err}");
    }
    // Without `strict` the log is read whole, the object kept as a record.
    let log = transform_log(b"{\"eventName\":\"X\"}\n{\"hello\":\"world\"}\n", &Options::default()).unwrap();
    assert_eq!((log.records.len(), log.errors.len()), (2, 0));
}

#[test]
fn raw_keys_are_untouched() {
    // Enrichment only adds keys: the record's own dotted keys keep their values.
    let r = load("identities.json");
    check(&r, "id-assumedrole", &[
        ("eventName", json!("UpdateCachePolicy")),
        ("userIdentity.sessionContext.attributes.creationDate", json!("20131102T010628Z")),
        ("userIdentity.sessionContext.attributes.mfaAuthenticated", json!("False")),
    ]);
}
