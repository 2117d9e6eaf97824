//! The top / array / tail states of the splitter, and the pieces of a value too large for
//! maxRecordBytes (`oversized`, `big`).

use alloc::format;

use super::{peek_first_key, ArrayKind, BigScan, Peek, Sink, Splitter, State, Step};
use crate::error::{Error, ErrorKind, Result};
use crate::input::unit;
use crate::json::{self, skip_ws, Code, Fail};

impl Splitter {
    /// Nothing could be decided within maxRecordBytes + 1 bytes from `q`. A value (a record, or
    /// any element) is cut into limit entries as `big` scans it; an unreadable stretch gives its
    /// first maxRecordBytes bytes as one entry and the search for the next record goes on. The
    /// entries together hold all of the text, and memory stays bounded. Returns where to go on.
    pub(super) fn oversized(&mut self, d: &[u8], q: usize, sink: &mut Sink<'_>) -> Result<usize> {
        let limit = self.engine.opts.max_record_bytes;
        let in_array = match self.state {
            State::Array { kind, .. } => Some(kind),
            State::Resync { in_array, .. } => in_array,
            _ => None,
        };
        if let State::Top | State::Array { .. } = self.state {
            if self.state == State::Top {
                self.note_top_unit(d[q], &[]);
            }
            self.state = State::Big { in_array, scan: BigScan::default() };
            return Ok(q);
        }
        let (from, first) = match self.state {
            State::Resync { from, .. } => (from, self.pending_error.is_some()),
            _ => (1, true),
        };
        let e = match self.pending_error.take() {
            Some(e) => Error::new(e.kind(), format!("{} (an unreadable stretch longer than maxRecordBytes, {limit} bytes: this entry holds its first {limit} bytes, the next ones the rest)", e.message()))
                .with_position(e.line(), e.column()),
            None if first => Error::new(ErrorKind::Syntax, format!("unreadable data longer than maxRecordBytes ({limit} bytes), in pieces")),
            None => Error::new(ErrorKind::Limit, format!("continued: more of the unreadable stretch above (cut every maxRecordBytes, {limit} bytes)")),
        };
        let at = self.base + q as u64;
        self.bad(e.at_offset(at), &d[q..q + limit], sink)?;
        self.pending_error = Some(Error::new(ErrorKind::Limit, format!("continued: the rest of the unreadable stretch above (cut every maxRecordBytes, {limit} bytes)")));
        self.state = State::Resync { in_array, from: from.saturating_sub(limit).max(1) };
        Ok(q + limit)
    }

    /// A value too large for maxRecordBytes, starting at `p`: scans it leniently (strings and
    /// brackets; at top level a line that starts with `{` or `[` ends it, as in `resync`) and
    /// reports it in pieces of at most maxRecordBytes.
    pub(super) fn big(&mut self, d: &[u8], p: usize, in_array: Option<ArrayKind>, mut scan: BigScan, fin: bool, sink: &mut Sink<'_>) -> Result<Step> {
        let limit = self.engine.opts.max_record_bytes;
        let stop = d.len().min(p + limit);
        let mut i = p + scan.scanned;
        let mut end = None;
        while i < stop {
            let c = d[i];
            if in_array.is_none() && c == b'\n' && (i > p || scan.part > 0) {
                match d.get(i + 1) {
                    Some(b'{' | b'[') => {
                        end = Some(i);
                        break;
                    }
                    None if !fin => break,
                    _ => {}
                }
            }
            if scan.in_str {
                if scan.esc {
                    scan.esc = false;
                } else if c == b'\\' {
                    scan.esc = true;
                } else if c == b'"' {
                    scan.in_str = false;
                    if scan.depth == 0 {
                        end = Some(i + 1);
                        break;
                    }
                }
            } else {
                match c {
                    b'"' => scan.in_str = true,
                    b'{' | b'[' => scan.depth += 1,
                    b'}' | b']' if scan.depth == 0 => {
                        end = Some(i);
                        break;
                    }
                    b'}' | b']' => {
                        scan.depth -= 1;
                        if scan.depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    b',' if scan.depth == 0 => {
                        end = Some(i);
                        break;
                    }
                    c if scan.depth == 0 && json::is_ws(c) && (i > p || scan.part > 0) => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        let done = match end {
            Some(e) => Some(e),
            None if i == p + limit => None,
            None if fin && i == d.len() => Some(i),
            None => {
                scan.scanned = i - p;
                self.state = State::Big { in_array, scan };
                return Ok(Step::Wait(p));
            }
        };
        let cut = done.unwrap_or(p + limit);
        let at = self.base + p as u64;
        if cut > p {
            let e = if scan.part == 0 {
                Error::new(ErrorKind::Limit, format!("record larger than maxRecordBytes ({limit} bytes): its text is in this entry and the next ones, cut every {limit} bytes"))
            } else {
                let last = if done.is_some() { ", the last" } else { "" };
                Error::new(ErrorKind::Limit, format!("continued: part {} of the record larger than maxRecordBytes above{last}", scan.part + 1))
            };
            self.bad(e.at_offset(at), &d[p..cut], sink)?;
        }
        if done.is_some() {
            self.state = match in_array {
                Some(kind) => State::Array { kind, comma: true },
                None => State::Top,
            };
        } else {
            self.state = State::Big { in_array, scan: BigScan { scanned: 0, part: scan.part + 1, ..scan } };
        }
        Ok(Step::Go(cut))
    }

    pub(super) fn top(&mut self, d: &[u8], mut p: usize, fin: bool, sink: &mut Sink<'_>) -> Result<Step> {
        p = skip_ws(d, p);
        if self.base + p as u64 == 0 {
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            if d.starts_with(BOM) {
                p = skip_ws(d, 3);
            } else if !fin && !d.is_empty() && d.len() < 3 && BOM.starts_with(d) {
                // The first chunk ends inside the byte order mark.
                return Ok(Step::Wait(0));
            }
        }
        let Some(&c) = d.get(p) else {
            return Ok(Step::Wait(p));
        };
        match c {
            b'[' => {
                self.top_units += 1;
                // The format comes from the elements: records (Array) or wrappers (EventBridge...).
                self.top_array = true;
                self.state = State::Array { kind: ArrayKind::Plain, comma: false };
                Ok(Step::Go(p + 1))
            }
            b'{' => {
                match peek_first_key(d, p) {
                    Peek::More if !fin => return Ok(Step::Wait(p)),
                    Peek::Key(k, q) if d.get(q) == Some(&b'[') && (k == b"Records" || k == b"Events") => {
                        self.top_units += 1;
                        let kind = if k == b"Records" { ArrayKind::Records } else { ArrayKind::Lookup };
                        self.detect_records_array(kind);
                        self.state = State::Array { kind, comma: false };
                        return Ok(Step::Go(q + 1));
                    }
                    Peek::Key(k, _) if !unit::is_wrapper_key(k) => {
                        // The common NDJSON case: a record; the engine's pass delimits it.
                        return self.record_at(d, p, fin, None, sink);
                    }
                    _ => {}
                }
                match json::skip_value(d, p, 0) {
                    Ok(e) => {
                        self.top_units += 1;
                        self.unit(&d[p..e], self.base + p as u64, 0, sink)?;
                        Ok(Step::Go(e))
                    }
                    Err(f) => self.broken(d, p, f, fin, None, sink),
                }
            }
            _ => self.broken(d, p, Fail { code: Code::ExpectedValue, at: p }, fin, None, sink),
        }
    }

    pub(super) fn array(&mut self, d: &[u8], p: usize, kind: ArrayKind, comma: bool, fin: bool, sink: &mut Sink<'_>) -> Result<Step> {
        let p = skip_ws(d, p);
        let Some(&c) = d.get(p) else {
            if fin {
                let e = Error::from_fail(Fail { code: Code::Eof, at: p }, d, self.base).in_record(self.records + self.errors);
                self.bad(
                    Error::new(ErrorKind::Syntax, format!("{} (the log ends inside its records array)", e.message()))
                        .at_offset(self.base + p as u64),
                    &[],
                    sink,
                )?;
                self.state = State::Top;
                return Ok(Step::Go(p));
            }
            return Ok(Step::Wait(p));
        };
        if c == b']' {
            self.state = if kind == ArrayKind::Plain { State::Top } else { State::Tail };
            return Ok(Step::Go(p + 1));
        }
        if comma {
            if c == b',' {
                self.state = State::Array { kind, comma: false };
                return Ok(Step::Go(p + 1));
            }
            return self.broken(d, p, Fail { code: Code::ExpectedCommaOrBracket, at: p }, fin, Some(kind), sink);
        }
        self.state = State::Array { kind, comma: true };
        // Records arrays hold records; lookup-events arrays hold wrappers; a plain array holds
        // either, told apart by the first key.
        let record = match kind {
            ArrayKind::Records => true,
            ArrayKind::Lookup => false,
            ArrayKind::Plain => c == b'{' && !matches!(peek_first_key(d, p), Peek::Key(k, _) if unit::is_wrapper_key(k)),
        };
        if record {
            return self.record_at(d, p, fin, Some(kind), sink);
        }
        match json::skip_value(d, p, 1) {
            Ok(e) => {
                self.unit(&d[p..e], self.base + p as u64, 0, sink)?;
                Ok(Step::Go(e))
            }
            Err(f) => {
                self.state = State::Array { kind, comma: false };
                self.broken(d, p, f, fin, Some(kind), sink)
            }
        }
    }

    /// The fast path: one record straight from the buffer.
    pub(super) fn record_at(&mut self, d: &[u8], p: usize, fin: bool, in_array: Option<ArrayKind>, sink: &mut Sink<'_>) -> Result<Step> {
        match self.engine.record_at(d, p) {
            Ok(e) if e - p > self.engine.opts.max_record_bytes => {
                // Complete, one byte over the limit: reported in pieces as a record that does
                // not end within the limit is, so the output does not depend on chunking.
                if in_array.is_none() {
                    self.note_top_unit(d[p], &[]);
                }
                self.state = State::Big { in_array, scan: BigScan::default() };
                Ok(Step::Go(p))
            }
            Ok(e) => {
                self.detect_record(in_array, &d[p..e]);
                self.records += 1;
                self.emit_record(sink);
                Ok(Step::Go(e))
            }
            Err(f) => {
                if let Some(kind) = in_array {
                    self.state = State::Array { kind, comma: false };
                }
                self.broken(d, p, f, fin, in_array, sink)
            }
        }
    }

    /// After the records array of a top-level object: its closing `}`, and for lookup-events
    /// output the `NextToken` member, may follow. Anything else (another member, or the rest of a
    /// record cut short by a stray `]`) becomes a bad stretch with its raw text instead of being
    /// skipped, so nothing is dropped silently. Each decision waits until the bytes it reads are
    /// all there, so it does not depend on how the input was chunked.
    pub(super) fn tail(&mut self, d: &[u8], p: usize, fin: bool, sink: &mut Sink<'_>) -> Result<Step> {
        let p = skip_ws(d, p);
        let mut q = p;
        loop {
            match d.get(q) {
                None => return Ok(Step::Wait(p)),
                Some(b'}') => {
                    self.state = State::Top;
                    return Ok(Step::Go(q + 1));
                }
                Some(b',') => {
                    let k = skip_ws(d, q + 1);
                    let value_end = match json::scan_string(d, k) {
                        Ok((kend, _)) if &d[k + 1..kend - 1] == b"NextToken" => {
                            let c = skip_ws(d, kend);
                            match d.get(c) {
                                None => Err(Fail { code: Code::Eof, at: c }),
                                Some(b':') => json::skip_value(d, skip_ws(d, c + 1), 1),
                                Some(_) => Err(Fail { code: Code::AfterRecords, at: q }),
                            }
                        }
                        Err(f) if f.code == Code::Eof || k >= d.len() => Err(Fail { code: Code::Eof, at: d.len() }),
                        _ => Err(Fail { code: Code::AfterRecords, at: q }),
                    };
                    match value_end {
                        Ok(e) => q = skip_ws(d, e),
                        Err(f) if f.code == Code::Eof && !fin => return Ok(Step::Wait(p)),
                        Err(_) => return self.broken(d, q, Fail { code: Code::AfterRecords, at: q }, fin, None, sink),
                    }
                }
                Some(_) => return self.broken(d, q, Fail { code: Code::AfterRecords, at: q }, fin, None, sink),
            }
        }
    }
}
