//! docs/PROFILES.md keeps its mapping tables in generated blocks
//! (`<!-- BEGIN generated:NAME -->` ... `<!-- END generated:NAME -->`), rendered from the
//! profiles' own tables; this test fails when they drift. Refresh with
//! `UPDATE_DOCS=1 cargo test --lib docs` (the one variable for every generated doc).

use alloc::format;
use alloc::string::String;

use crate::profiles::{ecs, ocsf, rows};

fn blocks() -> alloc::vec::Vec<(&'static str, String)> {
    let mut changes = String::from("| eventName | activity_id | activity |\n|---|---|---|\n");
    for (name, id) in ocsf::ACCOUNT_CHANGES {
        let caption = ocsf::ACCOUNT_CHANGE_ACTIVITIES.iter().find(|(a, _)| a == id).map_or("?", |(_, c)| c);
        changes.push_str(&format!("| `{name}` | {id} | {caption} |\n"));
    }
    let mut types = String::from("| userIdentity.type | type_id |\n|---|---|\n");
    for (ty, id) in ocsf::USER_TYPE_IDS {
        types.push_str(&format!("| `{ty}` | {id} |\n"));
    }
    let mut consumed = String::new();
    for path in ocsf::CONSUMED {
        consumed.push_str(&format!("`{}`, ", path.join(".")));
    }
    let consumed = format!("{}\n", consumed.trim_end_matches(", "));
    alloc::vec![
        ("ecs-table", rows::markdown(ecs::TABLE)),
        ("ocsf-table", rows::markdown(ocsf::TABLE)),
        ("ocsf-account-changes", changes),
        ("ocsf-user-types", types),
        ("ocsf-consumed", consumed),
    ]
}

/// `doc` with every generated block replaced by its current rendering; None if a marker is missing.
fn refresh(doc: &str) -> Result<String, String> {
    let mut out = String::from(doc);
    for (name, body) in blocks() {
        let begin = format!("<!-- BEGIN generated:{name} -->\n");
        let end = format!("<!-- END generated:{name} -->");
        let b = out.find(&begin).ok_or_else(|| format!("marker {begin:?} missing"))? + begin.len();
        let e = out[b..].find(&end).ok_or_else(|| format!("marker {end:?} missing"))? + b;
        out.replace_range(b..e, &body);
    }
    Ok(out)
}

#[test]
fn profiles_doc_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/PROFILES.md");
    let doc = std::fs::read_to_string(&path).expect("docs/PROFILES.md");
    let fresh = refresh(&doc).unwrap();
    if fresh != doc {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, fresh).unwrap();
        } else {
            panic!("docs/PROFILES.md is out of date: run `UPDATE_DOCS=1 cargo test --lib docs`");
        }
    }
}
