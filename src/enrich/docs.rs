//! Tests over the enricher descriptors as a whole: every example holds through the real
//! `crate::transform`, docs/SCHEMA.md is what the descriptors say (regenerate with
//! `UPDATE_SCHEMA=1 cargo test schema`), and every key the flat profile writes is declared once.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use super::{cloudfront_resources, cloudfront_risk, verb, Facts, Key, Outcome, ENRICHERS, SHARED_KEYS};
use crate::options::Options;

#[test]
fn examples_hold_through_transform() {
    let mut failures = Vec::new();
    for e in ENRICHERS {
        assert!(!e.examples.is_empty(), "{} has no examples", e.name);
        for ex in e.examples {
            let out = match crate::transform(ex.record.as_bytes(), &Options::default()) {
                Ok(o) => o,
                Err(err) => {
                    failures.push(format!("{} / {}: transform failed: {err}", e.name, ex.title));
                    continue;
                }
            };
            let doc: serde_json::Value = serde_json::from_str(&out).expect("transform writes JSON");
            for (key, want) in ex.expect {
                let want: serde_json::Value = serde_json::from_str(want).expect("example expectation is JSON");
                let got = doc.get(*key).cloned().unwrap_or(serde_json::Value::Null);
                if got != want {
                    failures.push(format!("{} / {}: {key}: expected {want}, got {got}", e.name, ex.title));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// docs/SCHEMA.md, generated from the descriptors.
fn schema_markdown() -> String {
    let mut s = String::new();
    s.push_str("# Enrichment schema (flat profile)\n\n");
    s.push_str("<!-- Generated from the enricher descriptors in src/enrich/*.rs by `UPDATE_SCHEMA=1 cargo test schema`. Do not edit by hand. -->\n\n");
    s.push_str("Enrichment keys sit beside the record's own dotted keys (which are never changed). ");
    s.push_str("Enrichers run in the order below; a key is absent when its source is absent.\n\n");
    s.push_str("## Keys\n\n| key | meaning | enricher |\n|---|---|---|\n");
    let mut rows: Vec<(&str, &str, &str)> = Vec::new();
    for e in ENRICHERS {
        rows.extend(e.writes.iter().map(|k| (k.name, k.meaning, e.name)));
    }
    rows.extend(SHARED_KEYS.iter().map(|k| (k.name, k.meaning, "(all)")));
    for (k, m, e) in rows {
        let _ = writeln!(s, "| `{k}` | {} | {e} |", cell(m));
    }
    for e in ENRICHERS {
        let _ = write!(s, "\n## {}\n\n{}\n\n", e.name, e.summary);
        let reads: Vec<String> = e.reads.iter().map(|r| format!("`{r}`")).collect();
        let _ = writeln!(s, "Reads: {}.\n", reads.join(", "));
        s.push_str("| writes | meaning |\n|---|---|\n");
        for k in e.writes {
            let _ = writeln!(s, "| `{}` | {} |", k.name, cell(k.meaning));
        }
        if !e.failures.is_empty() {
            s.push_str("\nFailures:\n\n");
            for f in e.failures {
                let _ = writeln!(s, "- {f}");
            }
        }
        s.push_str("\nExamples:\n");
        for ex in e.examples {
            let _ = write!(s, "\n- {}\n\n  ```json\n  {}\n  ```\n\n", ex.title, ex.record);
            for (k, v) in ex.expect {
                if *v == "null" {
                    let _ = writeln!(s, "  - `{k}` absent");
                } else {
                    let _ = writeln!(s, "  - `{k}`: `{v}`");
                }
            }
        }
    }
    s.push_str("\n## Verb table (`verb`)\n\n| leading verb | event.type | OCSF activity_id | read-only when readOnly is absent |\n|---|---|---|---|\n");
    for v in verb::VERBS {
        let ro = v.read_only.map_or("(not derived)".to_string(), |b| b.to_string());
        let _ = writeln!(s, "| {} | {} | {} | {} |", v.verb, v.event_type.join(", "), v.activity_id, ro);
    }
    s.push_str("\n## CloudFront risk flags (`cloudfront_risk`)\n\n| flag | why it matters |\n|---|---|\n");
    for r in cloudfront_risk::RISKS {
        let _ = writeln!(s, "| `{}` | {} |", r.flag, cell(r.reason));
    }
    s
}

/// Markdown table cells cannot hold a bare `|`.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

#[test]
fn schema_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/SCHEMA.md");
    let want = schema_markdown();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::create_dir_all(path.parent().expect("docs dir")).expect("create docs/");
        std::fs::write(&path, &want).expect("write docs/SCHEMA.md");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "docs/SCHEMA.md is stale: run `UPDATE_SCHEMA=1 cargo test schema` and commit it");
}

/// Facts with every field set, so `write_facts` writes every key it can.
fn full_facts() -> Facts<'static> {
    use alloc::borrow::Cow::Borrowed as B;
    Facts {
        timestamp: Some("t".into()),
        epoch_ms: Some(1),
        action: Some(B("a")),
        api_version: Some("v".into()),
        provider: Some(B("p")),
        provider_inferred: true,
        account_id: Some(B("1")),
        region: Some(B("r")),
        service: Some(B("s")),
        outcome: Some(Outcome::Failure),
        error_code: Some(B("c")),
        error_message: Some(B("m")),
        verb: Some("Get"),
        event_type: &["access"],
        event_category: &["api"],
        activity_id: 2,
        read_only: Some(true),
        user_name: Some(B("u")),
        user_id: Some(B("i")),
        role_name: Some(B("r")),
        identity_type: Some(B("IAMUser")),
        access_key_type: Some("long_term"),
        mfa_authenticated: Some(true),
        console_session: Some(true),
        session_created: Some("t".into()),
        source_address: Some(B("1.2.3.4")),
        source_ip: Some(B("1.2.3.4")),
        ua_original: Some(B("x")),
        ua_name: Some(B("x")),
        ua_version: Some(B("1")),
        cloudfront: cloudfront_resources::all_keys().into_iter().map(|k| (k, String::from("x"))).collect(),
        invalidation_paths: alloc::vec!["/*".into()],
        risk: alloc::vec!["no_waf"],
        errors: alloc::vec!["e".into()],
    }
}

#[test]
fn every_written_key_is_declared_exactly_once() {
    let mut out = alloc::vec![b'{'];
    {
        let mut w = crate::profiles::ObjWriter { out: &mut out, first: true };
        crate::profiles::flat::write_facts(&mut w, &full_facts());
    }
    out.push(b'}');
    let doc: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&out).expect("write_facts writes a JSON object");
    let mut declared: BTreeMap<&str, usize> = BTreeMap::new();
    let all: Vec<&Key> = ENRICHERS.iter().flat_map(|e| e.writes.iter()).chain(SHARED_KEYS.iter()).collect();
    for k in &all {
        *declared.entry(k.name).or_default() += 1;
        assert!(!k.meaning.is_empty(), "{} has no meaning", k.name);
    }
    let twice: Vec<_> = declared.iter().filter(|(_, n)| **n > 1).map(|(k, _)| *k).collect();
    assert!(twice.is_empty(), "declared by more than one descriptor: {twice:?}");
    let undeclared: Vec<_> = doc.keys().filter(|k| !declared.contains_key(k.as_str())).collect();
    assert!(undeclared.is_empty(), "written but declared by no descriptor: {undeclared:?}");
    let unwritten: Vec<_> = declared.keys().filter(|k| !doc.contains_key(**k)).collect();
    assert!(unwritten.is_empty(), "declared but never written: {unwritten:?}");
}

#[test]
fn enricher_names_unique() {
    let mut names: Vec<&str> = ENRICHERS.iter().map(|e| e.name).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(n, names.len());
}
