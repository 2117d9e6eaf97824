//! The gzip layers: gzip input inflated in bounded steps, one or two layers deep.

use super::{Sink, Splitter};
use crate::error::Result;
use crate::input::gzip::{self, Gunzip};

impl Splitter {
    /// Gzip input: every layer inflates at most `GZ_STEP` bytes at a time and hands them on, so
    /// one chunk of a highly compressed log (or a `.gz` compressed again, which gets a second
    /// layer) never needs more than that much memory at once, and the output can stop at the
    /// budget between steps.
    pub(super) fn feed_gzip(&mut self, fin: bool, sink: &mut Sink<'_>) -> Result<bool> {
        const GZ_STEP: usize = 1 << 20;
        // Bytes in `buf` not yet run through the state machine since they arrived.
        let mut fresh = self.paused || fin;
        loop {
            if fresh {
                let all_in = self.in_start == self.pending_in.len() && self.mid_start == self.mid.len() && self.gz_checked;
                let last = fin && all_in;
                if last {
                    if let Some(g) = &self.gz {
                        g.finish()?;
                    }
                    if let Some(g) = &self.gz_inner {
                        g.finish()?;
                    }
                }
                if last || self.paused || self.base + ((self.buf.len() - self.start) as u64) >= self.retry_at {
                    self.drain_buf(last, sink)?;
                    if self.paused {
                        return Ok(true);
                    }
                }
                if all_in {
                    return Ok(false);
                }
            }
            // Inflate one step: the second layer from what the first gave, else the first.
            fresh = true;
            if let (Some(inner), true) = (&mut self.gz_inner, self.mid_start < self.mid.len()) {
                let used = inner.push_some(&self.mid[self.mid_start..], &mut self.buf, GZ_STEP)?;
                self.mid_start += used;
                if self.mid_start == self.mid.len() {
                    self.mid.clear();
                    self.mid_start = 0;
                }
                continue;
            }
            if self.in_start < self.pending_in.len() {
                let mut out = core::mem::take(&mut self.gz_out);
                out.clear();
                let r = match &mut self.gz {
                    Some(g) => g.push_some(&self.pending_in[self.in_start..], &mut out, GZ_STEP),
                    None => Ok(self.pending_in.len() - self.in_start),
                };
                match r {
                    Ok(used) => self.in_start += used,
                    Err(e) => {
                        self.gz_out = out;
                        return Err(e);
                    }
                }
                if self.gz_inner.is_some() || !self.gz_checked {
                    self.mid.extend_from_slice(&out);
                } else {
                    self.buf.extend_from_slice(&out);
                }
                self.gz_out = out;
            }
            if !self.gz_checked {
                // Decide on a second layer from the first two bytes the first layer yields.
                let exhausted = self.in_start == self.pending_in.len();
                if self.mid.len() - self.mid_start >= 2 || (fin && exhausted) {
                    self.gz_checked = true;
                    if gzip::is_gzip(&self.mid[self.mid_start..]) {
                        self.gz_inner = Some(Gunzip::new(self.engine.opts.max_decompressed_bytes));
                    } else {
                        self.buf.extend_from_slice(&self.mid[self.mid_start..]);
                        self.mid.clear();
                        self.mid_start = 0;
                    }
                } else if exhausted {
                    return Ok(false);
                }
            }
        }
    }
}
