//! Options shared by every entry point, with their defaults and validation.

use crate::error::{Error, ErrorKind, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Flat dotted keys for every field, plus enrichment keys beside them (the default).
    Flat,
    /// A nested Elastic Common Schema document, as Elastic's `aws.cloudtrail` data stream has it.
    Ecs,
    /// An OCSF 1.x event (API Activity, Authentication or Account Change).
    Ocsf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrays {
    /// Arrays stay arrays; objects inside them are flattened by the same rules.
    Keep,
    /// Array elements get index keys: `origins.items.0.id`.
    Index,
}


#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub profile: Profile,
    pub enrich: bool,
    pub arrays: Arrays,
    /// One character joining the keys of a path. Default `.`.
    pub separator: char,
    /// Flat keys have at most this many parts: an object found at this depth (the record's own
    /// members are depth 1) is kept whole as one JSON-string field at that key.
    pub max_depth: usize,
    /// At most this many flat fields per record; the rest of the record is kept as one
    /// JSON-string field (see docs/FLATTENING.md).
    pub max_fields: usize,
    /// Past this many bytes of decompressed data, reading stops with a limit error.
    pub max_decompressed_bytes: u64,
    /// A single record (or unreadable stretch) larger than this is an error entry.
    pub max_record_bytes: usize,
    /// Stop at the first bad record instead of emitting an error entry for it.
    pub strict: bool,
    /// A record that fails to parse is salvaged (src/salvage.rs, docs/INPUTS.md): what can be
    /// read is kept, the damage is kept as raw text and marked (`event.salvaged`). Default off
    /// (a damaged record is an error entry, as before); only with the flat profile and without
    /// `strict` (which stops at the damaged record).
    pub salvage: bool,
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
        Ok(())
    }

    pub fn parse_profile(s: &str) -> Result<Profile> {
        match s {
            "flat" => Ok(Profile::Flat),
            "ecs" => Ok(Profile::Ecs),
            "ocsf" => Ok(Profile::Ocsf),
            _ => Err(Error::new(ErrorKind::Option, alloc::format!("unknown profile {s:?}: expected \"flat\", \"ecs\" or \"ocsf\""))),
        }
    }

    pub fn parse_arrays(s: &str) -> Result<Arrays> {
        match s {
            "keep" => Ok(Arrays::Keep),
            "index" => Ok(Arrays::Index),
            _ => Err(Error::new(ErrorKind::Option, alloc::format!("unknown arrays mode {s:?}: expected \"keep\" or \"index\""))),
        }
    }

    /// The separator as UTF-8 bytes.
    pub(crate) fn sep_bytes(&self, buf: &mut [u8; 4]) -> usize {
        self.separator.encode_utf8(buf).len()
    }
}
