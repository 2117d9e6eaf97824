//! Options shared by every entry point, with their defaults and validation.
//!
//! [`Options`] is one `#[derive(Deserialize)]` type (camelCase names, unknown names refused): the
//! JS shim's options object is read into it by serde-wasm-bindgen (src/wasm.rs), JSON text by
//! serde_json ([`Options::from_json`]). Errors name the option and what it must be.
//!
//! Adding an option is one field here: its doc comment, its `#[serde(deserialize_with = ...)]`
//! reader from [`de`] when it is a bool or a number (an enum implements Deserialize as
//! [`Profile`] does), and its default in `Default`. Its name in errors and in the "unknown
//! option" list comes from the field.

use alloc::string::{String, ToString};

use serde::{Deserialize, Deserializer};

use crate::error::{Error, ErrorKind, Result};
use crate::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Profile {
    /// Flat dotted keys for every field, plus enrichment keys beside them (the default).
    Flat,
    /// A nested Elastic Common Schema document, as Elastic's `aws.cloudtrail` data stream has it.
    Ecs,
    /// An OCSF 1.x event (API Activity, Authentication or Account Change).
    Ocsf,
}

impl Profile {
    /// Every profile, in declaration order. The JS types, the CLI's help and the Fluent Bit
    /// filters list the same names; a test holds them to this list.
    pub const ALL: [Profile; 3] = [Profile::Flat, Profile::Ecs, Profile::Ocsf];

    /// The name used by the `profile` option and `--profile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Flat => "flat",
            Profile::Ecs => "ecs",
            Profile::Ocsf => "ocsf",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Arrays {
    /// Arrays stay arrays; objects inside them are flattened by the same rules.
    Keep,
    /// Array elements get index keys: `origins.items.0.id`.
    Index,
}

/// Every option, named as the JS API names them (camelCase). Read with [`Options::from_json`],
/// or from any serde format with its Deserialize (then call [`Options::validate`]); a missing
/// option takes its default.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Options {
    pub profile: Profile,
    #[serde(deserialize_with = "de::flag")]
    pub enrich: bool,
    pub arrays: Arrays,
    /// One character joining the keys of a path. Default `.`.
    #[serde(deserialize_with = "de::separator")]
    pub separator: char,
    /// Flat keys have at most this many parts: an object found at this depth (the record's own
    /// members are depth 1) is kept whole as one JSON-string field at that key.
    #[serde(deserialize_with = "de::count")]
    pub max_depth: usize,
    /// At most this many flat fields per record; the rest of the record is kept as one
    /// JSON-string field (see docs/FLATTENING.md).
    #[serde(deserialize_with = "de::count")]
    pub max_fields: usize,
    /// Past this many bytes of decompressed data, reading stops with a limit error.
    #[serde(deserialize_with = "de::count")]
    pub max_decompressed_bytes: u64,
    /// A single record (or unreadable stretch) larger than this is an error entry.
    #[serde(deserialize_with = "de::count")]
    pub max_record_bytes: usize,
    /// Stop at the first bad record instead of emitting an error entry for it.
    #[serde(deserialize_with = "de::flag")]
    pub strict: bool,
    /// A record that fails to parse is salvaged (src/salvage.rs, docs/INPUTS.md): what can be
    /// read is kept, the damage is kept as raw text and the record marked (flat `event.salvaged`;
    /// the `ecs` and `ocsf` marks in docs/PROFILES.md). Default off in the library (a program
    /// takes partial records only when it asks; the CLI, the viewer and the Fluent Bit filters
    /// turn it on); ignored with `strict`, which stops at the damaged record.
    #[serde(deserialize_with = "de::flag")]
    pub salvage: bool,
    /// Change tracking across the records of a log or stream (src/track, docs/SCHEMA.md
    /// "Change tracking"): `cloudfront.change.*` on every record that carries a CloudFront
    /// configuration. Default on; needs `enrich`. One-record calls (`transform`) never track.
    #[serde(deserialize_with = "de::flag")]
    pub track: bool,
    /// Change tracking keeps the last configuration of at most this many resources (least
    /// recently used evicted first; also at most 32 MiB of stored text). Default 10,000.
    #[serde(deserialize_with = "de::count")]
    pub track_max_resources: usize,
    /// MaxMind-format databases (`.mmdb`) to look `source.ip` up in (src/geoip.rs): a City or
    /// Country database gives `source.geo.*`, an ASN database `source.as.*`; with several, each
    /// key comes from the first that has it. Empty (the default): no lookups. An enrichment, so
    /// it needs `enrich`. In the options text: a handle or an array of handles of databases
    /// loaded into the instance (`geoip::load`).
    #[serde(deserialize_with = "geoip_de::handles")]
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    pub geoip: alloc::vec::Vec<crate::GeoIp>,
    /// A CloudTrail digest file yields one document per log file it lists (`file.path`,
    /// `file.hash.sha256`...) instead of being skipped (src/split.rs). Default off.
    #[serde(deserialize_with = "de::flag")]
    pub digests: bool,
    /// Sigma rules evaluated on each record (src/detect, docs/DETECTIONS.md): one rule or an
    /// array of rules, each the JSON form of a Sigma rule's YAML. Matches are written in the flat
    /// profile as `rule.id`, `rule.name`, `rule.level` and `threat.technique.id`. Default none
    /// (no cost). A rule the engine cannot evaluate is an option error naming it.
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    pub rules: crate::Rules,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            profile: Profile::Flat,
            enrich: true,
            arrays: Arrays::Keep,
            separator: '.',
            max_depth: 32,
            max_fields: 10_000,
            max_decompressed_bytes: 1 << 30,
            max_record_bytes: 64 << 20,
            strict: false,
            salvage: false,
            track: true,
            track_max_resources: crate::track::DEFAULT_MAX_RESOURCES,
            geoip: alloc::vec::Vec::new(),
            digests: false,
            rules: crate::Rules::default(),
        }
    }
}

impl Options {
    pub fn validate(&self) -> Result<()> {
        if self.separator == '~' || self.separator == '"' || self.separator == '\\' || self.separator.is_control() {
            // Control characters (C0, DEL, C1 such as U+0085) are refused, as documented.
            return Err(Error::new(
                ErrorKind::Option,
                "separator must be one printable character other than '~', '\"' and '\\' ('~' is the key escape character)",
            ));
        }
        if self.separator.is_ascii_digit() {
            // Array indices are written in digits (`arrays: "index"`), so `items.10` with
            // separator '1' could not be told apart from other paths.
            return Err(Error::new(ErrorKind::Option, "separator must not be a digit (array indices are written in digits)"));
        }
        if self.max_fields < 2 {
            return Err(Error::new(ErrorKind::Option, "maxFields must be at least 2"));
        }
        if self.max_depth < 1 {
            return Err(Error::new(ErrorKind::Option, "maxDepth must be at least 1"));
        }
        if self.max_record_bytes < 1024 {
            return Err(Error::new(ErrorKind::Option, "maxRecordBytes must be at least 1024"));
        }
        if self.digests && self.profile == Profile::Ocsf {
            return Err(Error::new(ErrorKind::Option, "digests: OCSF 1.1.0 has no class for a digest's log files; use the flat or ecs profile"));
        }
        if !self.geoip.is_empty() && !self.enrich {
            return Err(Error::new(ErrorKind::Option, "geoip is an enrichment: it needs enrich (enrich: false turns every lookup off)"));
        }
        Ok(())
    }

    pub fn parse_profile(s: &str) -> Result<Profile> {
        if let Some(p) = Profile::ALL.iter().find(|p| p.as_str() == s) {
            return Ok(*p);
        }
        // `"flat", "ecs" or "ocsf"`
        let mut names = String::new();
        for (i, p) in Profile::ALL.iter().enumerate() {
            names.push_str(if i == 0 { "" } else if i + 1 == Profile::ALL.len() { " or " } else { ", " });
            names.push_str(&alloc::format!("{:?}", p.as_str()));
        }
        Err(Error::new(ErrorKind::Option, alloc::format!("unknown profile {s:?}: expected {names}")))
    }

    pub fn parse_arrays(s: &str) -> Result<Arrays> {
        match s {
            "keep" => Ok(Arrays::Keep),
            "index" => Ok(Arrays::Index),
            _ => Err(Error::new(ErrorKind::Option, alloc::format!("unknown arrays mode {s:?}: expected \"keep\" or \"index\""))),
        }
    }

    /// Reads options from JSON text with the JS option names (camelCase; `null` means the
    /// default) through [`Options`]' Deserialize, and validates them. Errors name the option and
    /// what it must be.
    pub fn from_json(text: &str) -> Result<Options> {
        let b = text.as_bytes();
        let start = json::skip_ws(b, 0);
        if b.get(start) != Some(&b'{') || json::skip_value(b, start, 0).map(|e| json::skip_ws(b, e)) != Ok(b.len()) {
            return Err(opt_err(String::from("options must be an object")));
        }
        // `null` means the default: such members are left out (serde would read null as the
        // option's value). Options texts are a few dozen bytes.
        let mut kept = String::with_capacity(text.len());
        kept.push('{');
        for (k, v) in json::members(b) {
            if v != b"null" {
                if kept.len() > 1 {
                    kept.push(',');
                }
                // Slices of `text` at JSON token boundaries: valid UTF-8.
                kept.push('"');
                kept.push_str(core::str::from_utf8(k).unwrap_or_default());
                kept.push_str("\":");
                kept.push_str(core::str::from_utf8(v).unwrap_or_default());
            }
        }
        kept.push('}');
        Options::read(&mut serde_json::Deserializer::from_str(&kept))
    }

    /// Reads and validates options from a serde deserializer (JSON text, a JS object), with the
    /// error messages every entry point gives.
    pub(crate) fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Options>
    where
        D::Error: core::fmt::Display,
    {
        let o: Options = serde_path_to_error::deserialize(d).map_err(|e| {
            let at = e.path().to_string();
            opt_err(message(&at, &e.into_inner().to_string()))
        })?;
        o.validate()?;
        Ok(o)
    }

    /// [`read`](Self::read) for a deserializer whose caller knows the option being read when an
    /// error comes (`at`: the JS object's members, read one by one), without serde_path_to_error.
    #[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
    pub(crate) fn read_at<'de, D: Deserializer<'de>>(d: D, at: impl FnOnce() -> String) -> Result<Options>
    where
        D::Error: core::fmt::Display,
    {
        let o = Options::deserialize(d).map_err(|e| opt_err(message(&at(), &e.to_string())))?;
        o.validate()?;
        Ok(o)
    }

    /// The separator as UTF-8 bytes.
    pub(crate) fn sep_bytes(&self, buf: &mut [u8; 4]) -> usize {
        self.separator.encode_utf8(buf).len()
    }
}

fn opt_err(msg: String) -> Error {
    Error::new(ErrorKind::Option, msg)
}

/// The message of an error met while reading the option at `at`. The readers in [`de`] say what
/// a value "must be": the option's name goes in front. serde's own messages (an unknown or
/// repeated option) name it themselves. The formats' decorations come off: serde_json's position
/// (in the options text, not the user's input) and serde-wasm-bindgen's JS `Error: `.
fn message(at: &str, inner: &str) -> String {
    let mut m = inner.strip_prefix("Error: ").unwrap_or(inner);
    if let Some(i) = m.rfind(" at line ") {
        if m[i + 9..].split(" column ").all(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit())) {
            m = &m[..i];
        }
    }
    if m.starts_with("must ") || m.starts_with("is ") {
        alloc::format!("{at} {m}")
    } else if let Some(rest) = m.strip_prefix("unknown field") {
        alloc::format!("unknown option{rest}")
    } else if let Some(rest) = m.strip_prefix("duplicate field") {
        alloc::format!("duplicate option{rest}")
    } else {
        String::from(m)
    }
}

/// Readers for [`Options`]' fields, one per kind of value. Anything else gets a "must be ..."
/// message (whatever the format's own was), which [`message`] prefixes with the option's name.
pub(crate) mod de {
    use alloc::string::String;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer};

    pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        bool::deserialize(d).map_err(|_| D::Error::custom("must be true or false"))
    }

    /// A non-negative integer, as u64 or usize ("is too large" past the target's usize).
    pub fn count<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<T, D::Error> {
        let n = u64::deserialize(d).map_err(|_| D::Error::custom("must be a non-negative integer"))?;
        T::try_from(n).map_err(|_| D::Error::custom("is too large"))
    }

    /// A string of Unicode text (a JSON lone surrogate escape is not).
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        String::deserialize(d).map_err(|_| D::Error::custom("must be a string of Unicode text"))
    }

    pub fn separator<'de, D: Deserializer<'de>>(d: D) -> Result<char, D::Error> {
        let s = text(d)?;
        let mut it = s.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(D::Error::custom("must be exactly one character")),
        }
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Profile, D::Error> {
        Options::parse_profile(&de::text(d)?).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

/// `geoip`: the handle of a database loaded into the instance (`geoip::load`), or an array of them.
pub(crate) mod geoip_de {
    use alloc::vec::Vec;
    use core::fmt;
    use serde::de::{Error as _, SeqAccess, Visitor};
    use serde::Deserializer;

    const MUST: &str = "must be a loaded database's handle or an array of them";

    fn one<E: serde::de::Error>(n: f64) -> Result<crate::GeoIp, E> {
        if !(n >= 0.0 && n <= u32::MAX as f64 && n.fract() == 0.0) {
            return Err(E::custom(MUST));
        }
        crate::geoip::loaded(n as u32).map_err(|e| E::custom(e.message()))
    }

    struct Handles;
    impl<'de> Visitor<'de> for Handles {
        type Value = Vec<crate::GeoIp>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(MUST)
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
            if n > u64::from(u32::MAX) {
                return Err(E::custom(MUST));
            }
            one(n as f64).map(|db| alloc::vec![db])
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
            if n < 0 { Err(E::custom(MUST)) } else { self.visit_u64(n as u64) }
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Self::Value, E> {
            one(n).map(|db| alloc::vec![db])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(n) = seq.next_element::<f64>()? {
                out.push(one(n)?);
            }
            Ok(out)
        }
    }

    pub fn handles<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<crate::GeoIp>, D::Error> {
        d.deserialize_any(Handles).map_err(|e| {
            let m = alloc::string::ToString::to_string(&e);
            if m.starts_with("geoip") { D::Error::custom(m) } else { D::Error::custom(MUST) }
        })
    }
}
impl<'de> Deserialize<'de> for Arrays {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Arrays, D::Error> {
        Options::parse_arrays(&de::text(d)?).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::{Arrays, Options, Profile};
    use alloc::string::{String, ToString};

    /// The options read from `text`, or the error's display text.
    fn read(text: &str) -> Result<Options, String> {
        Options::from_json(text).map_err(|e| e.to_string())
    }

    fn ok(f: impl FnOnce(&mut Options)) -> Result<Options, String> {
        let mut o = Options::default();
        f(&mut o);
        Ok(o)
    }

    fn err(msg: &str) -> Result<Options, String> {
        Err(alloc::format!("option: {msg}"))
    }

    #[test]
    fn options_from_json() {
        crate::table_test!(read, [
            ("empty object", "{}", ok(|_| {})),
            ("whitespace around", " \n{ } \t", ok(|_| {})),
            ("null is the default", r#"{"profile":null,"maxDepth":null,"separator":null}"#, ok(|_| {})),
            ("every option", r#"{"profile":"ocsf","enrich":false,"arrays":"index","separator":"/","maxDepth":3,"maxFields":9,"maxDecompressedBytes":4096,"maxRecordBytes":2048,"strict":true,"salvage":true,"track":false,"trackMaxResources":7}"#,
                ok(|o| { o.profile = Profile::Ocsf; o.enrich = false; o.arrays = Arrays::Index; o.separator = '/'; o.max_depth = 3; o.max_fields = 9; o.max_decompressed_bytes = 4096; o.max_record_bytes = 2048; o.strict = true; o.salvage = true; o.track = false; o.track_max_resources = 7; })),
            ("track not a bool", r#"{"track":"no"}"#, err("track must be true or false")),
            ("ecs profile", r#"{"profile":"ecs"}"#, ok(|o| o.profile = Profile::Ecs)),
            ("escaped key", r#"{"st\u0072ict":true}"#, ok(|o| o.strict = true)),
            ("non-ASCII separator", r#"{"separator":"\u00b7"}"#, ok(|o| o.separator = '\u{b7}')),
            ("not an object", "[]", err("options must be an object")),
            ("not JSON", "{", err("options must be an object")),
            ("trailing text", "{} x", err("options must be an object")),
            ("empty text", "", err("options must be an object")),
            ("unknown option", r#"{"profil":"ecs"}"#, err("unknown option `profil`, expected one of `profile`, `enrich`, `arrays`, `separator`, `maxDepth`, `maxFields`, `maxDecompressedBytes`, `maxRecordBytes`, `strict`, `salvage`, `track`, `trackMaxResources`, `geoip`, `digests`, `rules`")),
            ("repeated option", r#"{"strict":true,"strict":false}"#, err("duplicate option `strict`")),
            ("separator not a string", r#"{"separator":1}"#, err("separator must be a string of Unicode text")),
            ("arrays not a string", r#"{"arrays":true}"#, err("arrays must be a string of Unicode text")),
            ("maxFields a string", r#"{"maxFields":"9"}"#, err("maxFields must be a non-negative integer")),
            ("unknown profile", r#"{"profile":"csv"}"#, err(r#"unknown profile "csv": expected "flat", "ecs" or "ocsf""#)),
            ("profile not a string", r#"{"profile":1}"#, err("profile must be a string of Unicode text")),
            ("unknown arrays mode", r#"{"arrays":"flat"}"#, err(r#"unknown arrays mode "flat": expected "keep" or "index""#)),
            ("enrich not a bool", r#"{"enrich":"yes"}"#, err("enrich must be true or false")),
            ("strict not a bool", r#"{"strict":1}"#, err("strict must be true or false")),
            ("negative number", r#"{"maxDepth":-1}"#, err("maxDepth must be a non-negative integer")),
            ("fraction", r#"{"maxFields":2.5}"#, err("maxFields must be a non-negative integer")),
            ("exponent", r#"{"maxRecordBytes":1e4}"#, err("maxRecordBytes must be a non-negative integer")),
            ("beyond u64", r#"{"maxDecompressedBytes":18446744073709551616}"#, err("maxDecompressedBytes must be a non-negative integer")),
            ("two-character separator", r#"{"separator":"::"}"#, err("separator must be exactly one character")),
            ("empty separator", r#"{"separator":""}"#, err("separator must be exactly one character")),
            ("lone surrogate separator", r#"{"separator":"\ud800"}"#, err("separator must be a string of Unicode text")),
            ("validated: tilde separator", r#"{"separator":"~"}"#, err("separator must be one printable character other than '~', '\"' and '\\' ('~' is the key escape character)")),
            ("validated: digit separator", r#"{"separator":"1"}"#, err("separator must not be a digit (array indices are written in digits)")),
            ("validated: maxFields", r#"{"maxFields":1}"#, err("maxFields must be at least 2")),
            ("validated: maxDepth", r#"{"maxDepth":0}"#, err("maxDepth must be at least 1")),
            ("validated: maxRecordBytes", r#"{"maxRecordBytes":1023}"#, err("maxRecordBytes must be at least 1024")),
            ("digests", r#"{"digests":true}"#, ok(|o| o.digests = true)),
            ("digests with ocsf", r#"{"digests":true,"profile":"ocsf"}"#, err("digests: OCSF 1.1.0 has no class for a digest's log files; use the flat or ecs profile")),
            ("digests not a bool", r#"{"digests":"yes"}"#, err("digests must be true or false")),
            ("geoip not a handle", r#"{"geoip":"/tmp/x.mmdb"}"#, err("geoip must be a loaded database's handle or an array of them")),
            ("geoip handle never loaded", r#"{"geoip":4000000000}"#, err("geoip: no database is loaded as 4000000000 (load the .mmdb file's bytes first)")),
        ]);
    }

    /// Boundaries of each check, one row each (the message says which option and why).
    #[test]
    fn validate_table() {
        let check = |o: Options| o.validate().map_err(|e| e.to_string());
        let with = |f: fn(&mut Options)| {
            let mut o = Options::default();
            f(&mut o);
            o
        };
        let valid: Result<(), String> = Ok(());
        let refused = |m: &str| -> Result<(), String> { Err(m.into()) };
        let sep = "option: separator must be one printable character other than '~', '\"' and '\\' ('~' is the key escape character)";
        let digit = "option: separator must not be a digit (array indices are written in digits)";
        crate::table_test!(check, [
            ("defaults", with(|_| {}), valid),
            ("slash separator", with(|o| o.separator = '/'), valid),
            ("non-ASCII separator", with(|o| o.separator = '\u{b7}'), valid),
            ("tilde separator", with(|o| o.separator = '~'), refused(sep)),
            ("quote separator", with(|o| o.separator = '"'), refused(sep)),
            ("backslash separator", with(|o| o.separator = '\\'), refused(sep)),
            ("C0 control separator", with(|o| o.separator = '\n'), refused(sep)),
            ("DEL separator", with(|o| o.separator = '\u{7f}'), refused(sep)),
            ("C1 control separator", with(|o| o.separator = '\u{85}'), refused(sep)),
            ("digit separator", with(|o| o.separator = '0'), refused(digit)),
            ("maxFields 2", with(|o| o.max_fields = 2), valid),
            ("maxFields 1", with(|o| o.max_fields = 1), refused("option: maxFields must be at least 2")),
            ("maxDepth 1", with(|o| o.max_depth = 1), valid),
            ("maxDepth 0", with(|o| o.max_depth = 0), refused("option: maxDepth must be at least 1")),
            ("maxRecordBytes 1024", with(|o| o.max_record_bytes = 1024), valid),
            ("maxRecordBytes 1023", with(|o| o.max_record_bytes = 1023), refused("option: maxRecordBytes must be at least 1024")),
        ]);
    }

    #[test]
    fn profile_names() {
        for (i, p) in Profile::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i, "{p:?}: ALL is in declaration order (Fluent Bit indexes its engines by it)");
            assert_eq!(Options::parse_profile(p.as_str()).ok(), Some(*p));
        }
    }

    /// The JS types, the CLI's help and the Lambda handler name the core's profiles.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn js_lists_the_profiles() {
        let read = |path: &str| std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect(path);
        let names: alloc::vec::Vec<&str> = Profile::ALL.iter().map(|p| p.as_str()).collect();
        let union = names.iter().map(|n| alloc::format!("'{n}'")).collect::<alloc::vec::Vec<_>>().join(" | ");
        for (path, want) in [
            ("js/index.d.ts", alloc::format!("profile?: {union};")),
            ("js/lambda.d.ts", alloc::format!("readonly profile: {union};")),
            ("js/cli.mjs", alloc::format!("--profile {}", names.join("|"))),
            ("js/lambda.mjs", alloc::format!("[{}]", names.iter().map(|n| alloc::format!("'{n}'")).collect::<alloc::vec::Vec<_>>().join(", "))),
        ] {
            assert!(read(path).contains(&want), "{path} does not list the profiles as `{want}`");
        }
    }

    /// `geoip` names loaded databases by handle, alone or in an array; it needs enrichment.
    #[test]
    fn geoip_handles() {
        let city = crate::geoip::load(crate::geoip::writer::city()).unwrap();
        let asn = crate::geoip::load(crate::geoip::writer::asn()).unwrap();
        let one = read(&alloc::format!(r#"{{"geoip":{city}}}"#)).unwrap();
        assert_eq!(one.geoip, [crate::geoip::loaded(city).unwrap()]);
        let two = read(&alloc::format!(r#"{{"geoip":[{city},{asn}]}}"#)).unwrap();
        assert_eq!(two.geoip.iter().map(|d| d.database_type()).collect::<alloc::vec::Vec<_>>(), ["Test-City", "Test-ASN"]);
        assert_eq!(read(&alloc::format!(r#"{{"geoip":{city},"enrich":false}}"#)), err("geoip is an enrichment: it needs enrich (enrich: false turns every lookup off)"));
        assert_eq!(read(&alloc::format!(r#"{{"geoip":[{city},"x"]}}"#)), err("geoip[1] must be a loaded database's handle or an array of them"));
    }
}
