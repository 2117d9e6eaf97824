//! ISO 8601 timestamps as the nested profiles need them: RFC 3339 UTC text for ECS date fields,
//! epoch milliseconds for OCSF `*_time` fields.
//!
//! Accepted: `2014-05-06T18:00:32Z`, with a fraction (`.123456Z`), with an offset (`+02:00`,
//! `-0500`), with a space instead of `T`, and the basic form CloudTrail uses in some session
//! contexts (`20131102T010628Z`). A missing zone means UTC. Anything else is `None`: a profile
//! then leaves the field out rather than write a date an index would reject.

use alloc::string::String;

/// A parsed instant: seconds since the epoch, and the fraction's digits (at most 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Instant {
    pub secs: i64,
    pub nanos: u32,
    frac_digits: u8,
}

impl Instant {
    pub(crate) fn epoch_ms(self) -> i64 {
        self.secs.saturating_mul(1000).saturating_add((self.nanos / 1_000_000) as i64)
    }

    /// RFC 3339 in UTC; the fraction keeps the digits the input had.
    pub(crate) fn to_rfc3339(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let mut s = alloc::format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
        if self.frac_digits > 0 {
            let frac = alloc::format!("{:09}", self.nanos);
            s.push('.');
            s.push_str(frac.get(..self.frac_digits as usize).unwrap_or(&frac));
        }
        s.push('Z');
        s
    }
}

pub(crate) fn parse(s: &str) -> Option<Instant> {
    let b = s.trim().as_bytes();
    let mut p = Cursor { b, i: 0 };
    let year = p.digits(4)?;
    let extended = p.eat(b'-');
    let month = p.digits(2)?;
    if extended && !p.eat(b'-') {
        return None;
    }
    let day = p.digits(2)?;
    if !(p.eat(b'T') || p.eat(b't') || p.eat(b' ')) {
        return None;
    }
    let hour = p.digits(2)?;
    if extended && !p.eat(b':') {
        return None;
    }
    let minute = p.digits(2)?;
    if extended && !p.eat(b':') {
        return None;
    }
    let second = p.digits(2)?;
    let (mut nanos, mut frac_digits) = (0u32, 0u8);
    if p.eat(b'.') || p.eat(b',') {
        let start = p.i;
        while let Some(c) = p.peek().filter(u8::is_ascii_digit) {
            if p.i - start < 9 {
                nanos = nanos * 10 + (c - b'0') as u32;
                frac_digits += 1;
            }
            p.i += 1;
        }
        if p.i == start {
            return None;
        }
        for _ in frac_digits..9 {
            nanos *= 10;
        }
    }
    let offset = match p.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            p.i += 1;
            0
        }
        Some(c @ (b'+' | b'-')) => {
            p.i += 1;
            let oh = p.digits(2)?;
            p.eat(b':');
            let om = p.digits(2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if c == b'-' {
                -o
            } else {
                o
            }
        }
        Some(_) => return None,
    };
    if p.i != b.len() {
        return None;
    }
    // 23:59:60 (a leap second) is accepted and lands on the next minute's first second.
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(Instant { secs, nanos, frac_digits })
}

/// RFC 3339 UTC text for an ISO 8601 timestamp, if it parses.
pub(crate) fn to_rfc3339(s: &str) -> Option<String> {
    parse(s).map(|t| t.to_rfc3339())
}

/// Epoch milliseconds for an ISO 8601 timestamp, if it parses.
pub(crate) fn to_epoch_ms(s: &str) -> Option<i64> {
    parse(s).map(|t| t.epoch_ms())
}

struct Cursor<'b> {
    b: &'b [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn digits(&mut self, n: usize) -> Option<i64> {
        let d = self.b.get(self.i..self.i + n)?;
        if !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(d.iter().fold(0i64, |v, c| v * 10 + (c - b'0') as i64))
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_ms_table() {
        crate::table_test!(to_epoch_ms, [
            ("epoch", "1970-01-01T00:00:00Z", Some(0i64)),
            ("cloudtrail", "2014-05-06T18:00:32Z", Some(1_399_399_232_000i64)),
            ("fraction truncated to ms", "2014-05-06T18:00:32.9876Z", Some(1_399_399_232_987i64)),
            ("offset", "2014-05-06T20:00:32+02:00", Some(1_399_399_232_000i64)),
            ("offset without colon", "2014-05-06T13:00:32-0500", Some(1_399_399_232_000i64)),
            ("basic form", "20131102T010628Z", Some(1_383_354_388_000i64)),
            ("no zone is UTC", "2014-05-06 18:00:32", Some(1_399_399_232_000i64)),
            ("leap day", "2024-02-29T00:00:00Z", Some(1_709_164_800_000i64)),
            ("before epoch", "1969-12-31T23:59:59Z", Some(-1000i64)),
            ("not a leap year", "2023-02-29T00:00:00Z", None::<i64>),
            ("month 13", "2014-13-01T00:00:00Z", None::<i64>),
            ("trailing junk", "2014-05-06T18:00:32Zx", None::<i64>),
            ("date only", "2014-05-06", None::<i64>),
            ("console style", "May 6, 2014 6:00:32 PM", None::<i64>),
            ("empty fraction", "2014-05-06T18:00:32.Z", None::<i64>),
            ("multibyte", "2014-05-06T18:00:32\u{e9}", None::<i64>),
            ("empty", "", None::<i64>),
        ]);
    }

    #[test]
    fn rfc3339_table() {
        crate::table_test!(to_rfc3339, [
            ("as is", "2014-05-06T18:00:32Z", Some("2014-05-06T18:00:32Z".to_string())),
            ("fraction kept", "2014-05-06T18:00:32.120Z", Some("2014-05-06T18:00:32.120Z".to_string())),
            ("basic form", "20131102T010628Z", Some("2013-11-02T01:06:28Z".to_string())),
            ("offset to UTC across midnight", "2014-05-06T01:00:00+02:00", Some("2014-05-05T23:00:00Z".to_string())),
            ("lowercase", "2014-05-06t18:00:32z", Some("2014-05-06T18:00:32Z".to_string())),
            ("bad", "yesterday", None::<String>),
        ]);
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_468i64, -1, 0, 1, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{days}");
        }
    }
}
