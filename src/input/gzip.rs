//! Gzip (RFC 1952) found by its magic bytes, inflated incrementally with a hard limit on the
//! decompressed size, so a gzip bomb stops with a clear error instead of eating memory.
//! Concatenated members are read one after another, as `gzip -d` does.

use alloc::boxed::Box;
use alloc::format;
use alloc::vec::Vec;

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use crate::error::{Error, ErrorKind, Result};

pub(crate) const MAGIC: [u8; 2] = [0x1f, 0x8b];

pub(crate) fn is_gzip(b: &[u8]) -> bool {
    b.len() >= 2 && b[..2] == MAGIC
}

enum Phase {
    Header,
    Body,
    Trailer,
    /// Between members: more input must be another member (or zero padding).
    Between,
}

pub(crate) struct Gunzip {
    state: Box<InflateState>,
    phase: Phase,
    /// Header or trailer bytes gathered across chunks.
    pending: Vec<u8>,
    total_in: u64,
    total_out: u64,
    limit: u64,
    /// The current member: its number (from 1), where it starts in the input, and the CRC32 and
    /// size of what it has inflated so far, checked against its trailer.
    member: u64,
    member_at: u64,
    crc: crc32fast::Hasher,
    member_out: u64,
    /// An error found after some output of the same call: that output is handed on first and
    /// the error comes from the next call (or `finish`), so a reader sees the same records
    /// before it whatever the chunking.
    failed: Option<Error>,
}

impl Gunzip {
    pub(crate) fn new(limit: u64) -> Gunzip {
        Gunzip {
            state: InflateState::new_boxed(DataFormat::Raw),
            phase: Phase::Header,
            pending: Vec::new(),
            total_in: 0,
            total_out: 0,
            limit,
            member: 0,
            member_at: 0,
            crc: crc32fast::Hasher::new(),
            member_out: 0,
            failed: None,
        }
    }

    /// Inflates `input`, appending to `out`.
    pub(crate) fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.push_some(input, out, usize::MAX).map(|_| ())
    }

    /// Inflates from `input` until it is used up or `out` has grown by about `max_out` bytes;
    /// returns how much input was used. Lets a caller bound the memory one chunk can take.
    pub(crate) fn push_some(&mut self, input: &[u8], out: &mut Vec<u8>, max_out: usize) -> Result<usize> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let out_start = out.len();
        let mut rest = input;
        match self.push_raw(&mut rest, out, max_out) {
            Ok(()) => Ok(input.len() - rest.len()),
            Err(e) => {
                self.failed = Some(e.clone());
                if out.len() > out_start {
                    Ok(input.len() - rest.len())
                } else {
                    Err(e)
                }
            }
        }
    }

    fn push_raw(&mut self, input: &mut &[u8], out: &mut Vec<u8>, max_out: usize) -> Result<()> {
        let out_start = out.len();
        while !input.is_empty() && out.len() - out_start < max_out {
            match self.phase {
                Phase::Header => {
                    // Gather bytes until the whole header is known, then drop it. Only the
                    // header's own bytes are consumed: the loop goes on with the body (no
                    // recursion, so 100,000 tiny members in one chunk cannot overflow the stack).
                    let prev = self.pending.len();
                    if prev == 0 {
                        self.member += 1;
                        self.member_at = self.total_in;
                    }
                    let take = input.len().min(64 << 10);
                    self.pending.extend_from_slice(&input[..take]);
                    match header_len(&self.pending) {
                        Ok(Some(n)) => {
                            *input = input.get(n.saturating_sub(prev)..).unwrap_or(&[]);
                            self.total_in += n as u64;
                            self.pending.clear();
                            self.phase = Phase::Body;
                            self.state.reset(DataFormat::Raw);
                            self.crc = crc32fast::Hasher::new();
                            self.member_out = 0;
                        }
                        Ok(None) => {
                            *input = &input[take..];
                            if self.pending.len() > 1 << 20 {
                                return Err(self.err("gzip header longer than 1 MiB"));
                            }
                        }
                        Err(msg) => return Err(self.err(msg)),
                    }
                }
                Phase::Body => {
                    let mut buf = [0u8; 32 << 10];
                    let r = inflate(&mut self.state, input, &mut buf, MZFlush::None);
                    *input = &input[r.bytes_consumed..];
                    self.total_in += r.bytes_consumed as u64;
                    self.total_out += r.bytes_written as u64;
                    if self.total_out > self.limit {
                        // Exactly the first `limit` bytes go on (then the error), whatever the
                        // chunking, so what a reader sees before the error does not depend on it.
                        let keep = r.bytes_written - (self.total_out - self.limit) as usize;
                        out.extend_from_slice(&buf[..keep]);
                        return Err(Error::new(
                            ErrorKind::Limit,
                            format!("decompressed data exceeds maxDecompressedBytes ({} bytes); raise the limit to read this input", self.limit),
                        ));
                    }
                    self.crc.update(&buf[..r.bytes_written]);
                    self.member_out += r.bytes_written as u64;
                    out.extend_from_slice(&buf[..r.bytes_written]);
                    match r.status {
                        Ok(MZStatus::StreamEnd) => self.phase = Phase::Trailer,
                        Ok(_) => {}
                        Err(MZError::Buf) => {}
                        Err(_) => return Err(self.err("corrupt deflate data")),
                    }
                }
                Phase::Trailer => {
                    let need = 8 - self.pending.len();
                    let take = need.min(input.len());
                    self.pending.extend_from_slice(&input[..take]);
                    *input = &input[take..];
                    self.total_in += take as u64;
                    if self.pending.len() == 8 {
                        let t = &self.pending;
                        let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
                        let size = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
                        let got = core::mem::replace(&mut self.crc, crc32fast::Hasher::new()).finalize();
                        // ISIZE is the member's size modulo 2^32 (RFC 1952).
                        if crc != got || size != self.member_out as u32 {
                            let what = if crc != got { "CRC32" } else { "ISIZE (length)" };
                            return Err(Error::new(
                                ErrorKind::Input,
                                format!(
                                    "gzip: member {} (starting at compressed byte {}) fails its {what} check: the data is corrupt",
                                    self.member, self.member_at
                                ),
                            )
                            .at_offset(self.member_at));
                        }
                        self.pending.clear();
                        self.phase = Phase::Between;
                    }
                }
                Phase::Between => {
                    if input[0] == 0 {
                        // Zero padding after the last member (some tools pad blocks).
                        let n = input.iter().take_while(|&&c| c == 0).count();
                        *input = &input[n..];
                        self.total_in += n as u64;
                    } else {
                        self.phase = Phase::Header;
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks the stream ended at a member boundary.
    pub(crate) fn finish(&self) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match self.phase {
            Phase::Between => Ok(()),
            Phase::Header if self.pending.is_empty() => Ok(()),
            // One byte after a member cannot be told apart from a member's start before its
            // second byte: it is trailing data (a whole bad header says so when it arrives).
            Phase::Header if self.member > 1 && self.pending.len() < 2 => Err(Error::new(
                ErrorKind::Input,
                format!("gzip: {} byte(s) of trailing data after member {}, not a gzip member", self.pending.len(), self.member - 1),
            )
            .at_offset(self.member_at)),
            _ => Err(self.err("truncated gzip data (the stream ends inside a member)")),
        }
    }

    #[cold]
    fn err(&self, msg: &str) -> Error {
        Error::new(ErrorKind::Input, format!("gzip: {msg}")).at_offset(self.total_in)
    }
}

/// The length of a complete gzip header at the start of `h`, None if more bytes are needed.
fn header_len(h: &[u8]) -> core::result::Result<Option<usize>, &'static str> {
    if h.len() < 10 {
        if h.len() >= 2 && h[..2] != MAGIC {
            return Err("not a gzip member (bad magic bytes)");
        }
        return Ok(None);
    }
    if h[..2] != MAGIC {
        return Err("not a gzip member (bad magic bytes)");
    }
    if h[2] != 8 {
        return Err("unsupported compression method (only deflate)");
    }
    let flags = h[3];
    let mut i = 10;
    if flags & 4 != 0 {
        if h.len() < i + 2 {
            return Ok(None);
        }
        i += 2 + u16::from_le_bytes([h[i], h[i + 1]]) as usize;
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            match h.get(i..).and_then(|s| memchr::memchr(0, s)) {
                Some(p) => i += p + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & 2 != 0 {
        i += 2;
    }
    if h.len() < i {
        return Ok(None);
    }
    Ok(Some(i))
}

/// Inflates a whole buffer (all members).
pub(crate) fn gunzip_all(input: &[u8], limit: u64) -> Result<Vec<u8>> {
    let mut g = Gunzip::new(limit);
    let mut out = Vec::with_capacity(input.len() * 4);
    g.push(input, &mut out)?;
    g.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::deflate::compress_to_vec;

    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut v = alloc::vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        v.extend_from_slice(&compress_to_vec(data, 6));
        v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v
    }

    #[test]
    fn inflates_members_in_any_chunking() {
        let mut two = gzip(b"hello ");
        two.extend_from_slice(&gzip(b"world"));
        for size in [1, 3, 7, 1000] {
            let mut g = Gunzip::new(1 << 20);
            let mut out = Vec::new();
            for c in two.chunks(size) {
                g.push(c, &mut out).unwrap();
            }
            g.finish().unwrap();
            assert_eq!(out, b"hello world");
        }
    }

    #[test]
    fn truncated_and_bomb_are_errors() {
        let z = gzip(&[b'a'; 10_000]);
        assert!(gunzip_all(&z[..z.len() / 2], 1 << 20).unwrap_err().message().contains("truncated"));
        let e = gunzip_all(&z, 1000).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit);
    }
}
