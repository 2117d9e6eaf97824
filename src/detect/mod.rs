//! Sigma rules evaluated on each record (the `rules` option, docs/DETECTIONS.md): a compact
//! evaluator for the detection language as SigmaHQ's CloudTrail rules use it. Rules are compiled
//! once per options and indexed by `eventName` / `eventSource`, so a record meets only the rules
//! that could match it; with no rules the engine never comes here.

mod condition;
pub(crate) mod glob;
mod regex;
mod value;

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use alloc::{format, vec};
use std::collections::HashMap;
use std::net::IpAddr;

use crate::fields::{Fields, F};
use crate::json;
use condition::Cond;
use glob::G;
pub(crate) use value::Val;

/// One value test of a field.
#[derive(Clone, Debug)]
enum Pat {
    /// `null`: the field is absent or null.
    Null,
    Glob(Vec<G>, bool),
    Re(regex::Regex),
    Cidr(IpAddr, u8),
    /// `|fieldref`: equal to the value at another path.
    Ref(Vec<String>),
    Exists(bool),
}

#[derive(Clone, Debug)]
struct FieldTest {
    path: Vec<String>,
    /// The record member `path[0]` names, when the flattening pass captures it: then the value
    /// comes from the capture, not from another scan of the record.
    root: Option<crate::fields::F>,
    pats: Vec<Pat>,
    /// `|all`: every value must match (else any).
    all: bool,
    /// Plain values (no modifier but `|cased`): the index may use them.
    plain: bool,
}

/// OR of alternatives, each an AND of field tests (a map, or a list of maps).
#[derive(Clone, Debug)]
struct Selection(Vec<Vec<FieldTest>>);

/// A compiled rule.
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub title: String,
    pub level: String,
    /// `attack.tNNNN[.NNN]` tags, as `TNNNN[.NNN]`.
    pub techniques: Vec<String>,
    sels: Vec<Selection>,
    cond: Cond,
}

/// The `rules` option: rules compiled once, shared by every engine made from the options.
#[derive(Clone, Default)]
pub struct Rules(Option<Arc<RuleSet>>);

pub(crate) struct RuleSet {
    rules: Vec<Rule>,
    /// The source, for comparing options.
    source: Vec<Val>,
    by_name: HashMap<String, Vec<usize>>,
    by_source: HashMap<String, Vec<usize>>,
    rest: Vec<usize>,
}

/// A rule that matched a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub id: String,
    pub title: String,
    pub level: String,
    pub techniques: Vec<String>,
}

impl PartialEq for Rules {
    fn eq(&self, o: &Rules) -> bool {
        match (&self.0, &o.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.source == b.source,
            _ => false,
        }
    }
}
impl Eq for Rules {}

impl core::fmt::Debug for Rules {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Rules({})", self.len())
    }
}

impl<'de> serde::Deserialize<'de> for Rules {
    /// One rule (a map) or an array of rules; `null` or `[]`: none.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rules, D::Error> {
        let v = Val::deserialize(d)?;
        Rules::from_val(v).map_err(serde::de::Error::custom)
    }
}

impl Rules {
    /// Rules from JSON text: one Sigma rule as a JSON object, or an array of them.
    pub fn from_json(text: &str) -> crate::Result<Rules> {
        let v: Val = serde_json::from_str(text)
            .map_err(|e| crate::Error::new(crate::ErrorKind::Option, format!("rules: {e}")))?;
        Rules::from_val(v)
            .map_err(|e| crate::Error::new(crate::ErrorKind::Option, format!("rules: {e}")))
    }

    fn from_val(v: Val) -> Result<Rules, String> {
        let source = match v {
            Val::Null => return Ok(Rules(None)),
            Val::List(l) => l,
            m @ Val::Map(_) => vec![m],
            _ => {
                return Err(String::from(
                    "expected a rule (an object) or an array of rules",
                ))
            }
        };
        if source.is_empty() {
            return Ok(Rules(None));
        }
        let mut rules = Vec::with_capacity(source.len());
        for (i, r) in source.iter().enumerate() {
            let name = r
                .get("title")
                .and_then(Val::as_str)
                .or_else(|| r.get("id").and_then(Val::as_str))
                .unwrap_or("");
            rules.push(compile(r).map_err(|e| format!("rule {i} ({name}): {e}"))?);
        }
        let (mut by_name, mut by_source, mut rest) = (HashMap::new(), HashMap::new(), Vec::new());
        for (i, r) in rules.iter().enumerate() {
            if let Some(names) = required(&r.cond, &r.sels, "eventName") {
                names
                    .into_iter()
                    .for_each(|n| by_name.entry(n).or_insert_with(Vec::new).push(i));
            } else if let Some(srcs) = required(&r.cond, &r.sels, "eventSource") {
                srcs.into_iter()
                    .for_each(|n| by_source.entry(n).or_insert_with(Vec::new).push(i));
            } else {
                rest.push(i);
            }
        }
        for v in by_name.values_mut().chain(by_source.values_mut()) {
            v.dedup();
        }
        Ok(Rules(Some(Arc::new(RuleSet {
            rules,
            source,
            by_name,
            by_source,
            rest,
        }))))
    }

    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |s| s.rules.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rules that match `record` (a CloudTrail record's JSON text), in rule order.
    pub fn matches(&self, record: &[u8]) -> Vec<Detection> {
        let Some(set) = &self.0 else {
            return Vec::new();
        };
        let mut fields = Fields::default();
        if fields.capture_checked(record, json::skip_ws(record, 0)).is_err() {
            return Vec::new();
        }
        let (name, source) = (fields.text(F::EventName), fields.text(F::EventSource));
        set.matching(record, &fields, name.as_deref(), source.as_deref())
            .map(|r| Detection {
                id: r.id.clone(),
                title: r.title.clone(),
                level: r.level.clone(),
                techniques: r.techniques.clone(),
            })
            .collect()
    }

    pub(crate) fn set(&self) -> Option<&RuleSet> {
        self.0.as_deref()
    }
}

impl RuleSet {
    /// The matching rules, given the record's `eventName` and `eventSource` (already captured
    /// by the flattening pass).
    pub(crate) fn matching<'s>(
        &'s self,
        rec: &'s [u8],
        fields: &'s Fields<'s>,
        name: Option<&str>,
        source: Option<&str>,
    ) -> impl Iterator<Item = &'s Rule> + 's {
        let mut cand: Vec<usize> = self.rest.clone();
        if let Some(v) = name.and_then(|n| self.by_name.get(&n.to_ascii_lowercase())) {
            cand.extend_from_slice(v);
        }
        if let Some(v) = source.and_then(|n| self.by_source.get(&n.to_ascii_lowercase())) {
            cand.extend_from_slice(v);
        }
        crate::sort::sort_by(&mut cand, |a, b| a.cmp(b));
        cand.into_iter()
            .map(|i| &self.rules[i])
            .filter(move |r| r.eval(rec, fields))
    }
}

/// The lowercased values a rule requires `field` to hold exactly, if every way of matching
/// requires one of them (then the rule is indexed under them).
fn required(c: &Cond, sels: &[Selection], field: &str) -> Option<Vec<String>> {
    match c {
        Cond::Sel(i) => {
            let mut out = Vec::new();
            for alt in &sels[*i].0 {
                let t = alt
                    .iter()
                    .find(|t| t.plain && !t.all && t.path.len() == 1 && t.path[0] == field)?;
                for p in &t.pats {
                    match p {
                        Pat::Glob(g, _) => out.push(glob::literal(g)?.to_ascii_lowercase()),
                        _ => return None,
                    }
                }
            }
            Some(out)
        }
        Cond::Not(_) => None,
        Cond::And(v) => v
            .iter()
            .filter_map(|c| required(c, sels, field))
            .min_by_key(Vec::len),
        Cond::Or(v) => {
            let mut out = Vec::new();
            for c in v {
                out.extend(required(c, sels, field)?);
            }
            Some(out)
        }
    }
}

fn compile(r: &Val) -> Result<Rule, String> {
    let text = |k: &str| r.get(k).and_then(Val::as_str).unwrap_or("").to_string();
    if r.get("correlation").is_some() {
        return Err(String::from(
            "correlation rules need many records: not supported",
        ));
    }
    let Some(Val::Map(items)) = r.get("detection") else {
        return Err(String::from("no `detection` map"));
    };
    let mut names = Vec::new();
    let mut sels = Vec::new();
    let mut cond = None;
    for (k, v) in items {
        match k.as_str() {
            "condition" => cond = Some(v),
            // Sigma's `timeframe` only qualifies aggregations.
            "timeframe" => {
                return Err(String::from(
                    "`timeframe` needs many records: not supported",
                ))
            }
            _ => {
                names.push(k.clone());
                sels.push(selection(v).map_err(|e| format!("selection `{k}`: {e}"))?);
            }
        }
    }
    let cond = match cond {
        Some(Val::Str(s)) => condition::parse(s, &names)?,
        Some(Val::List(l)) => {
            let mut v = Vec::new();
            for c in l {
                v.push(condition::parse(
                    c.as_str().ok_or("a condition must be text")?,
                    &names,
                )?);
            }
            Cond::Or(v)
        }
        _ => return Err(String::from("no `condition`")),
    };
    let techniques = match r.get("tags") {
        Some(Val::List(t)) => t
            .iter()
            .filter_map(Val::as_str)
            .filter_map(|t| t.strip_prefix("attack.t"))
            .filter(|t| t.len() >= 4 && t.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
            .map(|t| format!("T{t}"))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Rule {
        id: text("id"),
        title: text("title"),
        level: text("level"),
        techniques,
        sels,
        cond,
    })
}

fn selection(v: &Val) -> Result<Selection, String> {
    match v {
        Val::Map(m) => Ok(Selection(vec![tests(m)?])),
        Val::List(l) if !l.is_empty() && l.iter().all(|x| matches!(x, Val::Map(_))) => {
            let mut alts = Vec::new();
            for x in l {
                if let Val::Map(m) = x {
                    alts.push(tests(m)?);
                }
            }
            Ok(Selection(alts))
        }
        _ => Err(String::from(
            "keyword (full-text) selections are not supported: CloudTrail rules name their fields",
        )),
    }
}

fn tests(m: &[(String, Val)]) -> Result<Vec<FieldTest>, String> {
    m.iter().map(|(k, v)| field_test(k, v)).collect()
}

fn field_test(key: &str, v: &Val) -> Result<FieldTest, String> {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or("");
    if field.is_empty() {
        return Err(String::from("a field test needs a field name"));
    }
    let path: Vec<String> = field.split('.').map(String::from).collect();
    let (mut kind, mut all, mut cased) = ("", false, false);
    for m in parts {
        match m {
            "contains" | "startswith" | "endswith" | "re" | "cidr" | "exists" | "fieldref"
                if kind.is_empty() =>
            {
                kind = m
            }
            "all" => all = true,
            "cased" => cased = true,
            // Regex flags Sigma defines: i (ignore case), m (multi-line), s (dot matches newline).
            "i" | "m" | "s" if kind == "re" => {}
            _ => return Err(format!("modifier `{m}` is not supported")),
        }
    }
    let flags: String = key
        .split('|')
        .filter(|m| matches!(*m, "i" | "m" | "s"))
        .collect();
    let values: Vec<&Val> = match v {
        Val::List(l) => l.iter().collect(),
        x => vec![x],
    };
    if values.is_empty() {
        return Err(format!("`{key}` has no values"));
    }
    let mut pats = Vec::with_capacity(values.len());
    for x in values {
        let s = match x {
            Val::Null => {
                pats.push(Pat::Null);
                continue;
            }
            Val::Str(s) | Val::Num(s) => s.clone(),
            Val::Bool(b) => b.to_string(),
            _ => return Err(format!("`{key}`: values must be scalars")),
        };
        let fold = !cased;
        pats.push(match kind {
            "" => Pat::Glob(glob::compile(&s, fold), fold),
            "contains" => Pat::Glob(wrap(&s, true, true, fold), fold),
            "startswith" => Pat::Glob(wrap(&s, false, true, fold), fold),
            "endswith" => Pat::Glob(wrap(&s, true, false, fold), fold),
            "re" => Pat::Re(regex::Regex::new(&s, &flags).map_err(|e| format!("`{key}`: {e}"))?),
            "cidr" => cidr(&s).ok_or_else(|| format!("`{key}`: {s:?} is not a CIDR block"))?,
            "exists" => match x {
                Val::Bool(b) => Pat::Exists(*b),
                _ => return Err(format!("`{key}`: expects true or false")),
            },
            "fieldref" => Pat::Ref(s.split('.').map(String::from).collect()),
            _ => return Err(format!("modifier `{kind}` is not supported")),
        });
    }
    // The record member path[0] names, when the flattening pass captures it: its value then
    // comes from the capture, not from another scan of the record.
    let root = crate::fields::step(crate::fields::Node::Root, path[0].as_bytes()).0;
    Ok(FieldTest {
        path,
        root,
        pats,
        all,
        plain: kind.is_empty(),
    })
}

fn wrap(s: &str, before: bool, after: bool, fold: bool) -> Vec<G> {
    let mut g = glob::compile(s, fold);
    if before && g.first() != Some(&G::Star) {
        g.insert(0, G::Star);
    }
    if after && g.last() != Some(&G::Star) {
        g.push(G::Star);
    }
    g
}

fn cidr(s: &str) -> Option<Pat> {
    let (ip, bits) = match s.split_once('/') {
        Some((ip, b)) => (ip.parse::<IpAddr>().ok()?, b.parse::<u8>().ok()?),
        None => {
            let ip = s.parse::<IpAddr>().ok()?;
            (ip, if ip.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some(Pat::Cidr(ip, bits))
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let m = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(a) & m == u32::from(b) & m
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let m = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(a) & m == u128::from(b) & m
        }
        _ => false,
    }
}

/// The raw values at `path` in `v`; arrays on the way (and at the end) stand for each element.
fn values<'a>(v: &'a [u8], path: &[String], out: &mut Vec<&'a [u8]>, depth: usize) {
    if depth > 64 {
        return;
    }
    let v = &v[json::skip_ws(v, 0).min(v.len())..];
    if v.first() == Some(&b'[') {
        let before = out.len();
        for e in json::elements(v) {
            values(e, path, out, depth + 1);
        }
        // An empty array at the path itself still exists (`|exists: true`); it compares as null.
        if out.len() == before && path.is_empty() {
            out.push(v);
        }
        return;
    }
    let Some((key, rest)) = path.split_first() else {
        out.push(v);
        return;
    };
    if let Some((_, x)) = json::members(v).find(|(k, _)| json::key_eq(k, key)) {
        values(x, rest, out, depth + 1);
    }
}

/// A raw value as the text Sigma compares: strings decoded, other scalars as written, objects
/// as their JSON text (a `|contains` over a nested object searches its text), null as nothing.
fn text(v: &[u8]) -> Option<alloc::borrow::Cow<'_, str>> {
    match v.first() {
        Some(b'n') | Some(b'[') | None => None,
        Some(b'{') => core::str::from_utf8(v)
            .ok()
            .map(alloc::borrow::Cow::Borrowed),
        _ => json::as_text(v),
    }
}

impl Rule {
    fn eval(&self, rec: &[u8], fields: &Fields<'_>) -> bool {
        let mut memo: Vec<Option<bool>> = vec![None; self.sels.len()];
        self.cond.eval(&mut |i| {
            *memo[i].get_or_insert_with(|| {
                self.sels[i]
                    .0
                    .iter()
                    .any(|alt| alt.iter().all(|t| t.eval(rec, fields)))
            })
        })
    }
}

impl FieldTest {
    fn eval(&self, rec: &[u8], fields: &Fields<'_>) -> bool {
        let mut vals = Vec::new();
        match self.root {
            Some(f) => {
                if let Some(v) = fields.raw(f) {
                    values(v, &self.path[1..], &mut vals, 0);
                }
            }
            None => values(rec, &self.path, &mut vals, 0),
        }
        let one = |p: &Pat| match p {
            Pat::Null => vals.iter().all(|v| text(v).is_none()),
            Pat::Exists(want) => vals.is_empty() != *want,
            Pat::Glob(g, fold) => vals
                .iter()
                .any(|v| text(v).is_some_and(|t| glob::matches(g, &t, *fold))),
            Pat::Re(re) => vals
                .iter()
                .any(|v| text(v).is_some_and(|t| re.is_match(&t))),
            Pat::Cidr(net, bits) => vals.iter().any(|v| {
                json::as_str(v)
                    .and_then(|t| t.parse::<IpAddr>().ok())
                    .is_some_and(|ip| in_cidr(ip, *net, *bits))
            }),
            Pat::Ref(other) => {
                let mut o = Vec::new();
                values(rec, other, &mut o, 0);
                vals.iter().any(|v| {
                    text(v).is_some_and(|t| o.iter().any(|w| text(w).as_deref() == Some(&*t)))
                })
            }
        };
        if self.all {
            self.pats.iter().all(one)
        } else {
            self.pats.iter().any(one)
        }
    }
}

/// The rules (of the `rules` option) that match the record, in rule order; none without rules
/// (no allocation then).
pub(crate) fn hits<'s>(rules: &'s Rules, rec: &'s [u8], fields: &'s Fields<'s>) -> Vec<&'s Rule> {
    let Some(set) = rules.set() else {
        return Vec::new();
    };
    let (name, source) = (fields.text(F::EventName), fields.text(F::EventSource));
    set.matching(rec, fields, name.as_deref(), source.as_deref()).collect()
}

/// The techniques of the matching rules, each once, in rule order.
fn techniques<'a>(hits: &[&'a Rule]) -> Vec<&'a str> {
    let mut t: Vec<&str> = Vec::new();
    for r in hits {
        for x in &r.techniques {
            if !t.contains(&x.as_str()) {
                t.push(x);
            }
        }
    }
    t
}

/// Writes the flat profile's detection keys for the rules matching the record.
pub(crate) fn write_flat(hits: &[&Rule], w: &mut crate::profiles::ObjWriter<'_>) {
    if hits.is_empty() {
        return;
    }
    let one_or_many =
        |w: &mut crate::profiles::ObjWriter<'_>, key: &'static str, items: Vec<&str>| {
            if items.len() == 1 {
                w.str(key, items[0]);
            } else {
                w.str_array(key, items);
            }
        };
    one_or_many(w, "rule.id", hits.iter().map(|r| r.id.as_str()).collect());
    one_or_many(
        w,
        "rule.name",
        hits.iter().map(|r| r.title.as_str()).collect(),
    );
    one_or_many(
        w,
        "rule.level",
        hits.iter().map(|r| r.level.as_str()).collect(),
    );
    let t = techniques(hits);
    if !t.is_empty() {
        one_or_many(w, "threat.technique.id", t);
    }
}

/// Elastic's risk score for a Sigma level (its detection rules' defaults: low 21, medium 47,
/// high 73, critical 99); `informational` and unknown levels 0.
fn risk_score(level: &str) -> i64 {
    match level {
        "low" => 21,
        "medium" => 47,
        "high" => 73,
        "critical" => 99,
        _ => 0,
    }
}

/// The technique a (sub-)technique belongs to: `T1562` of `T1562.001`. (A byte search: `split`
/// would bring the pattern machinery into the wasm.)
fn parent(t: &str) -> &str {
    match t.as_bytes().iter().position(|&b| b == b'.') {
        Some(i) => &t[..i],
        None => t,
    }
}

/// ECS: `rule.id`/`rule.name` (keyword arrays, in rule order), `event.risk_score` for the highest
/// level (ECS has no level field; docs/DETECTIONS.md), and `threat.*` with the ATT&CK techniques:
/// sub-techniques under `threat.technique.subtechnique.id`, their parents in `threat.technique.id`.
#[inline(never)]
pub(crate) fn write_ecs(hits: &[&Rule], doc: &mut crate::profiles::slots::Slots) {
    use crate::profiles::ecs;
    if hits.is_empty() {
        return;
    }
    // Every array as a `&[&str]`: the one instantiation of `str_array` the profile already has
    // (`event.type`), not one more per iterator type (wasm size).
    let ids: Vec<&str> = hits.iter().map(|r| r.id.as_str()).collect();
    doc.str_array(const { ecs::slot("rule.id") }, &ids[..]);
    let names: Vec<&str> = hits.iter().map(|r| r.title.as_str()).collect();
    doc.str_array(const { ecs::slot("rule.name") }, &names[..]);
    doc.int(const { ecs::slot("event.risk_score") }, hits.iter().map(|r| risk_score(&r.level)).max().unwrap_or(0));
    let t = techniques(hits);
    if t.is_empty() {
        return;
    }
    doc.str(const { ecs::slot("threat.framework") }, "MITRE ATT&CK");
    let mut parents: Vec<&str> = Vec::new();
    for x in &t {
        let p = parent(x);
        if !parents.contains(&p) {
            parents.push(p);
        }
    }
    doc.str_array(const { ecs::slot("threat.technique.id") }, &parents[..]);
    let subs: Vec<&str> = t.into_iter().filter(|x| parent(x).len() != x.len()).collect();
    if !subs.is_empty() {
        doc.str_array(const { ecs::slot("threat.technique.subtechnique.id") }, &subs[..]);
    }
}

/// OCSF: one Enrichment per matching rule, on the event itself (the event stays one event;
/// docs/DETECTIONS.md): `{"name":"api.operation","value":<operation>,"type":"sigma",
/// "provider":"Sigma","data":{"rule":{"uid","name","level"},"attacks":[OCSF Attack objects]}}`.
/// Each item is written after a comma when `comma`.
#[inline(never)]
pub(crate) fn write_ocsf(hits: &[&Rule], operation: &str, mut comma: bool, o: &mut Vec<u8>) {
    for r in hits {
        if comma {
            o.push(b',');
        }
        comma = true;
        o.extend_from_slice(b"{\"name\":\"api.operation\",\"value\":");
        json::write_str(o, operation);
        o.extend_from_slice(b",\"type\":\"sigma\",\"provider\":\"Sigma\",\"data\":{\"rule\":{\"uid\":");
        json::write_str(o, &r.id);
        o.extend_from_slice(b",\"name\":");
        json::write_str(o, &r.title);
        o.extend_from_slice(b",\"level\":");
        json::write_str(o, &r.level);
        o.extend_from_slice(b"},\"attacks\":[");
        for (i, t) in r.techniques.iter().enumerate() {
            if i > 0 {
                o.push(b',');
            }
            let parent = parent(t);
            o.extend_from_slice(b"{\"version\":\"ATT&CK\",\"technique\":{\"uid\":");
            json::write_str(o, parent);
            o.push(b'}');
            if parent.len() != t.len() {
                o.extend_from_slice(b",\"sub_technique\":{\"uid\":");
                json::write_str(o, t);
                o.push(b'}');
            }
            o.push(b'}');
        }
        o.extend_from_slice(b"]}}");
    }
}
