//! The `ocsf` profile (see issue: output profiles). Placeholder until implemented: writes the flat profile.

use alloc::vec::Vec;

use crate::enrich::Facts;
use crate::fields::Fields;
use crate::options::Options;

pub(crate) fn write(record: &[u8], fields: &Fields<'_>, facts: Option<&Facts<'_>>, opts: &Options, out: &mut Vec<u8>) {
    let _ = (record, fields, facts, opts, out);
    todo!("ocsf profile")
}
