//! The exact inverse of flattening: splits keys on the separator, undoes the `~1`/`~0` escapes,
//! rebuilds nested objects in first-seen key order, unflattens objects inside arrays, and merges
//! `~overflow` back. Keys such as `__proto__` are plain data here and in the JSON text produced.

use alloc::string::String;
use alloc::vec::Vec;
use std::collections::HashMap;

use crate::error::{Error, ErrorKind, Result};
use crate::flatten::OVERFLOW_KEY;
use crate::json::{self, skip_ws};
use crate::options::{Arrays, Options};

enum Node<'a> {
    Obj(Obj<'a>),
    /// A raw JSON value; `nested` when it came from `~overflow` (already in nested form).
    Leaf { raw: &'a [u8], nested: bool },
}

#[derive(Default)]
struct Obj<'a> {
    // Keys are WTF-8 (json::unescape_wtf8): a lone surrogate stays distinct from U+FFFD.
    members: Vec<(Vec<u8>, Node<'a>)>,
    index: HashMap<Vec<u8>, usize>,
}

impl<'a> Obj<'a> {
    fn slot(&mut self, key: &[u8]) -> &mut Node<'a> {
        let i = match self.index.get(key) {
            Some(&i) => i,
            None => {
                self.members.push((key.to_vec(), Node::Obj(Obj::default())));
                self.index.insert(key.to_vec(), self.members.len() - 1);
                self.members.len() - 1
            }
        };
        &mut self.members[i].1
    }

    fn child(&mut self, key: &[u8]) -> &mut Obj<'a> {
        let slot = self.slot(key);
        if !matches!(slot, Node::Obj(_)) {
            // A value and a subtree at one path: the later one wins.
            *slot = Node::Obj(Obj::default());
        }
        match slot {
            Node::Obj(o) => o,
            Node::Leaf { .. } => unreachable!(),
        }
    }
}

pub(crate) fn unflatten(flat: &[u8], opts: &Options) -> Result<String> {
    opts.validate()?;
    let start = skip_ws(flat, 0);
    if flat.get(start) != Some(&b'{') {
        return Err(Error::new(ErrorKind::Record, "unflatten takes a flat JSON object"));
    }
    let end = json::skip_value(flat, start, 0).map_err(|f| Error::from_fail(f, flat, 0))?;
    if skip_ws(flat, end) != flat.len() {
        return Err(Error::new(ErrorKind::Syntax, "unexpected data after the flat object").at_offset(end as u64));
    }
    core::str::from_utf8(flat).map_err(|_| Error::new(ErrorKind::Syntax, "invalid UTF-8"))?;
    let overflow_text;
    let mut root = Obj::default();
    let mut sep = [0u8; 4];
    let sep = opts.separator.encode_utf8(&mut sep).as_bytes().to_vec();
    let mut overflow = None;
    for (rk, v) in json::members(&flat[start..end]) {
        let key = json::unescape_wtf8(rk).unwrap_or_default();
        if key == OVERFLOW_KEY.as_bytes() {
            overflow = Some(v);
            continue;
        }
        let segs = split_key(&key, &sep);
        if segs.len() > json::MAX_NESTING {
            return Err(too_deep());
        }
        let mut obj = &mut root;
        for s in &segs[..segs.len() - 1] {
            obj = obj.child(s);
        }
        *obj.slot(&segs[segs.len() - 1]) = leaf(v, false);
    }
    if let Some(v) = overflow {
        overflow_text = json::as_str(v).ok_or_else(|| Error::new(ErrorKind::Record, "~overflow must be a JSON string"))?.into_owned();
        let o = overflow_text.as_bytes();
        let os = skip_ws(o, 0);
        let oe = json::skip_value(o, os, 0).map_err(|f| Error::from_fail(f, o, 0))?;
        // Its text is one object (the fields that did not fit): anything else would be dropped.
        if o.get(os) != Some(&b'{') {
            return Err(Error::new(ErrorKind::Record, "~overflow must hold a JSON object"));
        }
        if skip_ws(o, oe) != o.len() {
            return Err(Error::new(ErrorKind::Syntax, "unexpected data after the object in ~overflow").at_offset(oe as u64));
        }
        merge(&mut root, o);
    }
    let mut out = Vec::with_capacity(flat.len());
    write_obj(&root, opts.arrays == Arrays::Index, &sep, &mut out, 0).map_err(|TooDeep| too_deep())?;
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// A key split into more parts than the nesting limit would build (and recurse over) a tree
/// deeper than any record may be: `a.a.a...` with 200,000 parts overflowed the stack.
struct TooDeep;

#[cold]
fn too_deep() -> Error {
    Error::new(ErrorKind::Limit, "a flat key has more parts than the nesting limit of 512 levels")
}

fn leaf(v: &[u8], nested: bool) -> Node<'_> {
    Node::Leaf { raw: v, nested }
}

/// Deep-merges a nested object (overflow text) into `obj`. Overflow keys are original keys.
fn merge<'a>(obj: &mut Obj<'a>, nested: &'a [u8]) {
    for (rk, v) in json::members(nested) {
        let key = json::unescape_wtf8(rk).unwrap_or_default();
        if v.first() == Some(&b'{') && !is_empty_obj(v) {
            // Only descend when the flat part already holds this path as an object, or when
            // the value itself is an object: merging keeps both halves.
            merge(obj.child(&key), v);
        } else {
            *obj.slot(&key) = leaf(v, true);
        }
    }
}

fn is_empty_obj(v: &[u8]) -> bool {
    v.first() == Some(&b'{') && skip_ws(v, 1) < v.len() && v[skip_ws(v, 1)] == b'}'
}

/// Splits a flat key into decoded segments: `~1` is the separator, `~0` is `~`.
fn split_key(key: &[u8], sep: &[u8]) -> Vec<Vec<u8>> {
    let mut segs = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < key.len() {
        if key[i..].starts_with(sep) {
            segs.push(core::mem::take(&mut cur));
            i += sep.len();
        } else if key[i] == b'~' && i + 1 < key.len() && (key[i + 1] == b'0' || key[i + 1] == b'1') {
            if key[i + 1] == b'0' {
                cur.push(b'~');
            } else {
                cur.extend_from_slice(sep);
            }
            i += 2;
        } else {
            cur.push(key[i]);
            i += 1;
        }
    }
    segs.push(cur);
    segs
}

/// `depth` is the nesting level of what is written (the root object is 0).
fn write_obj(obj: &Obj<'_>, index_arrays: bool, sep: &[u8], out: &mut Vec<u8>, depth: usize) -> core::result::Result<(), TooDeep> {
    // In index mode, an object whose keys are exactly 0..n is an array; never the root, which is
    // a record and so an object (`{"0.e":3}` came back as `[{"e":3}]`).
    if index_arrays && depth > 0 && !obj.members.is_empty() && obj.members.iter().enumerate().all(|(n, (k, _))| is_index(k, n)) {
        out.push(b'[');
        for (n, (_, v)) in obj.members.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            write_node(v, index_arrays, sep, out, depth + 1)?;
        }
        out.push(b']');
        return Ok(());
    }
    out.push(b'{');
    for (n, (k, v)) in obj.members.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.push(b'"');
        json::write_wtf8_content(out, k);
        out.extend_from_slice(b"\":");
        write_node(v, index_arrays, sep, out, depth + 1)?;
    }
    out.push(b'}');
    Ok(())
}

fn is_index(k: &[u8], n: usize) -> bool {
    // Digits only: `usize::from_str` would also take "+1".
    !k.is_empty()
        && k.iter().all(u8::is_ascii_digit)
        && (k == b"0" || !k.starts_with(b"0"))
        && core::str::from_utf8(k).ok().and_then(|k| k.parse::<usize>().ok()) == Some(n)
}

fn write_node(v: &Node<'_>, index_arrays: bool, sep: &[u8], out: &mut Vec<u8>, depth: usize) -> core::result::Result<(), TooDeep> {
    match v {
        Node::Obj(o) => write_obj(o, index_arrays, sep, out, depth),
        Node::Leaf { raw, nested: true } => {
            json::write_compact(out, raw);
            Ok(())
        }
        Node::Leaf { raw, nested: false } => write_value(raw, index_arrays, sep, out, depth),
    }
}

/// A value from the flat document: arrays may hold flattened objects, which are unflattened.
fn write_value(raw: &[u8], index_arrays: bool, sep: &[u8], out: &mut Vec<u8>, depth: usize) -> core::result::Result<(), TooDeep> {
    if depth > json::MAX_NESTING {
        return Err(TooDeep);
    }
    match raw.first() {
        Some(b'[') => {
            out.push(b'[');
            for (n, el) in json::elements(raw).enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_value(el, index_arrays, sep, out, depth + 1)?;
            }
            out.push(b']');
            Ok(())
        }
        Some(b'{') => {
            let mut obj = Obj::default();
            for (rk, v) in json::members(raw) {
                let key = json::unescape_wtf8(rk).unwrap_or_default();
                let segs = split_key(&key, sep);
                if depth + segs.len() > json::MAX_NESTING {
                    return Err(TooDeep);
                }
                let mut o = &mut obj;
                for s in &segs[..segs.len() - 1] {
                    o = o.child(s);
                }
                *o.slot(&segs[segs.len() - 1]) = leaf(v, false);
            }
            write_obj(&obj, index_arrays, sep, out, depth)
        }
        _ => {
            out.extend_from_slice(raw);
            Ok(())
        }
    }
}
