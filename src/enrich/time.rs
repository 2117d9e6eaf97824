//! `@timestamp`: eventTime as RFC 3339 UTC, and `Facts::epoch_ms` for profiles that want numbers.
//!
//! Also the date normaliser other enrichers use for the dates CloudTrail copies from API
//! responses (`May 6, 2014 6:00:32 PM`) and from session contexts (`20131102T010628Z`).
//! Hand-written (no date crate): a civil-date ↔ day-count conversion and three small parsers.

use alloc::format;
use alloc::string::String;

use super::{Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

pub(crate) static TIME: Enricher = Enricher {
    name: "time",
    summary: "eventTime as an RFC 3339 UTC timestamp (and epoch milliseconds for the nested profiles).",
    reads: &[F::EventTime],
    uses: &[],
    writes: &[Key {
        name: "@timestamp",
        meaning: "eventTime as RFC 3339 UTC (`2014-05-06T18:00:32Z`); a fraction is kept, an offset is converted to UTC",
    }],
    failures: &["eventTime present but not a date in a recognised form: `time: unrecognised eventTime \"...\"` in enrich.errors, no @timestamp"],
    examples: &[
        Example {
            title: "a usual eventTime",
            record: r#"{"eventTime":"2014-05-06T18:00:32Z"}"#,
            expect: &[("@timestamp", r#""2014-05-06T18:00:32Z""#)],
        },
        Example {
            title: "an offset is converted to UTC, the fraction kept",
            record: r#"{"eventTime":"2024-02-29T23:30:00.250+01:00"}"#,
            expect: &[("@timestamp", r#""2024-02-29T22:30:00.250Z""#)],
        },
        Example {
            title: "an impossible date is reported, not guessed",
            record: r#"{"eventTime":"2023-02-30T00:00:00Z"}"#,
            expect: &[("@timestamp", "null"), ("enrich.errors", r#"["time: unrecognised eventTime \"2023-02-30T00:00:00Z\""]"#)],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    let Some(raw) = fields.text(F::EventTime) else { return };
    match parse(&raw) {
        Some(t) => {
            facts.epoch_ms = Some(t.epoch_ms());
            facts.timestamp = Some(if is_canonical(&raw) { String::from(&*raw) } else { t.to_rfc3339() });
        }
        None => facts.errors.push(format!("time: unrecognised eventTime {:?}", clip(&raw))),
    }
}

/// True for `YYYY-MM-DDTHH:MM:SSZ` exactly, once `parse` has accepted it (so the digits are a
/// valid date and time): what `to_rfc3339` would write is then the text itself. Nearly every
/// eventTime has this form, and formatting it again was ~560 instructions a record.
fn is_canonical(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20 && b[10] == b'T' && b[19] == b'Z'
}

/// The first 64 characters of an attacker-controlled value, for error notes.
fn clip(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A point in time: whole seconds since the Unix epoch plus the fraction digits as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Instant<'s> {
    pub secs: i64,
    /// Fraction-of-second digits (at most 9), without the dot; empty when none.
    pub frac: &'s str,
}

impl Instant<'_> {
    pub(crate) fn epoch_ms(self) -> i64 {
        let mut ms = 0i64;
        for c in self.frac.bytes().chain(core::iter::repeat(b'0')).take(3) {
            ms = ms * 10 + i64::from(c - b'0');
        }
        self.secs.saturating_mul(1000).saturating_add(ms)
    }

    pub(crate) fn to_rfc3339(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss) = (rem / 3600, rem / 60 % 60, rem % 60);
        // Written digit by digit: `format!` cost more than the rest of enrichment put together
        // on a profile of CloudFront records (one call per record).
        let mut out = String::with_capacity(21 + self.frac.len());
        if !(0..=9999).contains(&y) {
            return format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}{}{}Z", if self.frac.is_empty() { "" } else { "." }, self.frac);
        }
        // `YYYY-MM-DDTHH:MM:SS` as bytes, then one append (pushing `char`s cost ~500 instructions).
        let mut b = *b"0000-00-00T00:00:00";
        for (at, v, width) in [(0, y, 4), (5, m, 2), (8, d, 2), (11, hh, 2), (14, mm, 2), (17, ss, 2)] {
            put_digits(&mut b[at..at + width], v);
        }
        out.push_str(core::str::from_utf8(&b).unwrap_or_default());
        if !self.frac.is_empty() {
            out.push('.');
            out.push_str(self.frac);
        }
        out.push('Z');
        out
    }
}

/// Writes `v` (0 <= v < 10^len) as exactly `digits.len()` decimal digits.
fn put_digits(digits: &mut [u8], mut v: i64) {
    for d in digits.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Parses any date form CloudTrail writes: RFC 3339 (`2014-05-06T18:00:32Z`, with a fraction or
/// an offset; no zone means UTC), the compact form (`20131102T010628Z`) and the response form
/// (`May 6, 2014 6:00:32 PM`, UTC). None for anything else or an impossible date.
pub(crate) fn parse(s: &str) -> Option<Instant<'_>> {
    let s = s.trim();
    // Nearly every eventTime: its own RFC 3339 form, read at fixed places.
    if let Some(secs) = parse_canonical(s) {
        return Some(Instant { secs, frac: "" });
    }
    parse_rfc3339(s).or_else(|| parse_compact(s)).or_else(|| parse_response(s))
}

/// Normalises a date in any form `parse` accepts to RFC 3339 UTC.
pub(crate) fn to_rfc3339(s: &str) -> Option<String> {
    parse(s).map(|t| if is_canonical(s) { String::from(s) } else { t.to_rfc3339() })
}

/// A cursor over ASCII bytes with the few reads the parsers need.
struct Cur<'s> {
    s: &'s str,
    i: usize,
}

impl<'s> Cur<'s> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// Exactly `n` digits.
    fn digits(&mut self, n: usize) -> Option<i64> {
        let b = self.s.as_bytes().get(self.i..self.i + n)?;
        let mut v = 0i64;
        for &c in b {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        self.i += n;
        Some(v)
    }
    /// One to `max` digits.
    fn some_digits(&mut self, max: usize) -> Option<i64> {
        let start = self.i;
        let mut v = 0i64;
        while let Some(c) = self.peek().filter(u8::is_ascii_digit) {
            if self.i - start == max {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
            self.i += 1;
        }
        (self.i > start).then_some(v)
    }
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
}

fn parse_rfc3339(s: &str) -> Option<Instant<'_>> {
    let mut c = Cur { s, i: 0 };
    let y = c.digits(4)?;
    c.eat(b'-').then_some(())?;
    let mo = c.digits(2)?;
    c.eat(b'-').then_some(())?;
    let d = c.digits(2)?;
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let h = c.digits(2)?;
    c.eat(b':').then_some(())?;
    let mi = c.digits(2)?;
    c.eat(b':').then_some(())?;
    let se = c.digits(2)?;
    let mut frac = "";
    if c.eat(b'.') {
        let start = c.i;
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.i += 1;
        }
        let n = c.i - start;
        if n == 0 || n > 9 {
            return None;
        }
        frac = &s[start..c.i];
    }
    let offset = if c.done() || c.eat(b'Z') || c.eat(b'z') {
        0
    } else {
        let sign = if c.eat(b'+') {
            1
        } else if c.eat(b'-') {
            -1
        } else {
            return None;
        };
        let oh = c.digits(2)?;
        c.eat(b':');
        let om = c.digits(2)?;
        if oh > 23 || om > 59 {
            return None;
        }
        sign * (oh * 3600 + om * 60)
    };
    if !c.done() {
        return None;
    }
    let secs = epoch_secs(y, mo, d, h, mi, se)?;
    Some(Instant { secs: secs - offset, frac })
}

/// `YYYY-MM-DDTHH:MM:SSZ` exactly (what `parse_rfc3339` reads from it, without its cursor: the
/// form of nearly every eventTime, ~450 instructions a record the general way).
fn parse_canonical(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let mut c = Cur { s, i: 0 };
    let mut num = |at: usize, n: usize| {
        c.i = at;
        c.digits(n)
    };
    epoch_secs(num(0, 4)?, num(5, 2)?, num(8, 2)?, num(11, 2)?, num(14, 2)?, num(17, 2)?)
}

fn parse_compact(s: &str) -> Option<Instant<'_>> {
    let mut c = Cur { s, i: 0 };
    let (y, mo, d) = (c.digits(4)?, c.digits(2)?, c.digits(2)?);
    c.eat(b'T').then_some(())?;
    let (h, mi, se) = (c.digits(2)?, c.digits(2)?, c.digits(2)?);
    c.eat(b'Z').then_some(())?;
    c.done().then_some(())?;
    Some(Instant { secs: epoch_secs(y, mo, d, h, mi, se)?, frac: "" })
}

/// Month abbreviations as the Java date formatter behind old CloudFront responses writes them.
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn parse_response(s: &str) -> Option<Instant<'_>> {
    // `May 6, 2014 6:00:32 PM`
    let mon = s.get(..3)?;
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i64 + 1;
    let mut c = Cur { s, i: 3 };
    c.eat(b' ').then_some(())?;
    let d = c.some_digits(2)?;
    c.eat(b',').then_some(())?;
    c.eat(b' ').then_some(())?;
    let y = c.digits(4)?;
    c.eat(b' ').then_some(())?;
    let h12 = c.some_digits(2)?;
    c.eat(b':').then_some(())?;
    let mi = c.digits(2)?;
    c.eat(b':').then_some(())?;
    let se = c.digits(2)?;
    c.eat(b' ').then_some(())?;
    let pm = match s.get(c.i..)? {
        "AM" | "am" => false,
        "PM" | "pm" => true,
        _ => return None,
    };
    if !(1..=12).contains(&h12) {
        return None;
    }
    let h = h12 % 12 + if pm { 12 } else { 0 };
    Some(Instant { secs: epoch_secs(y, mo, d, h, mi, se)?, frac: "" })
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

/// Seconds since the epoch for a valid civil date and time; None when a part is out of range.
fn epoch_secs(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm, proleptic Gregorian).
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
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Option<String> {
        to_rfc3339(s)
    }

    fn ms(s: &str) -> Option<i64> {
        parse(s).map(|t| t.epoch_ms())
    }

    /// `@timestamp` and `to_rfc3339` (other dates) are what `Instant::to_rfc3339` writes for
    /// every date, whether they take the canonical-form shortcut or not (its near misses included).
    #[test]
    fn timestamp_is_the_normal_form() {
        let mut times: Vec<String> = [
            "2014-05-06T18:00:32Z", "2014-05-06t18:00:32Z", "2014-05-06 18:00:32Z", "2014-05-06T18:00:32z",
            "2014-05-06T18:00:32", "2014-05-06T18:00:3Z", "2024-02-29T23:30:00.250+01:00", "2024-02-29T23:30:00.2Z",
            " 2014-05-06T18:00:32Z", "2014-05-06T18:00:32Z ", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
            "20131102T010628Z", "May 6, 2014 6:00:32 PM",
        ]
        .map(String::from)
        .to_vec();
        for (i, y) in [1970, 2000, 2023, 2024, 2100].into_iter().enumerate() {
            for m in 1..=12 {
                times.push(format!("{y:04}-{m:02}-{:02}T{:02}:{:02}:{:02}Z", 1 + (m * 7 + i) % 28, (m * 5) % 24, (m * 13) % 60, (m * 17 + i) % 60));
            }
        }
        for t in &times {
            let rec = format!("{{\"eventTime\":{}}}", serde_json::to_string(t).unwrap());
            let fields = Fields::capture(rec.as_bytes());
            let mut facts = Facts::default();
            run(&fields, &mut facts);
            let want = parse(t).map(|p| p.to_rfc3339());
            assert_eq!(facts.timestamp, want, "{t}");
            assert_eq!(to_rfc3339(t), want, "{t}");
        }
    }

    #[test]
    fn normalise_table() {
        crate::table_test!(norm, [
            ("plain Z", "2014-05-06T18:00:32Z", Some(String::from("2014-05-06T18:00:32Z"))),
            ("lower z and t", "2014-05-06t18:00:32z", Some(String::from("2014-05-06T18:00:32Z"))),
            ("fraction kept", "2021-01-01T00:00:00.123456Z", Some(String::from("2021-01-01T00:00:00.123456Z"))),
            ("no zone is UTC", "2021-01-01T00:00:00", Some(String::from("2021-01-01T00:00:00Z"))),
            ("negative offset crosses midnight", "2021-12-31T23:00:00-02:00", Some(String::from("2022-01-01T01:00:00Z"))),
            ("offset without colon", "2021-01-01T01:00:00+0100", Some(String::from("2021-01-01T00:00:00Z"))),
            ("leap day", "2024-02-29T12:00:00Z", Some(String::from("2024-02-29T12:00:00Z"))),
            ("not a leap year", "2023-02-29T12:00:00Z", None::<String>),
            ("1900 is not leap", "1900-02-29T00:00:00Z", None::<String>),
            ("2000 is leap", "2000-02-29T00:00:00Z", Some(String::from("2000-02-29T00:00:00Z"))),
            ("month 13", "2021-13-01T00:00:00Z", None::<String>),
            ("hour 24", "2021-01-01T24:00:00Z", None::<String>),
            ("ten fraction digits", "2021-01-01T00:00:00.1234567890Z", None::<String>),
            ("empty fraction", "2021-01-01T00:00:00.Z", None::<String>),
            ("trailing junk", "2021-01-01T00:00:00Zjunk", None::<String>),
            ("compact", "20131102T010628Z", Some(String::from("2013-11-02T01:06:28Z"))),
            ("compact without Z", "20131102T010628", None::<String>),
            ("response PM", "May 6, 2014 6:00:32 PM", Some(String::from("2014-05-06T18:00:32Z"))),
            ("response 12 AM is midnight", "Jan 1, 2020 12:00:00 AM", Some(String::from("2020-01-01T00:00:00Z"))),
            ("response 12 PM is noon", "Dec 31, 2019 12:59:59 PM", Some(String::from("2019-12-31T12:59:59Z"))),
            ("response hour 13", "May 6, 2014 13:00:32 PM", None::<String>),
            ("response unknown month", "Foo 6, 2014 6:00:32 PM", None::<String>),
            ("non-ASCII does not panic", "Mé 6, 2014", None::<String>),
            ("empty", "", None::<String>),
            ("epoch number", "1399399232", None::<String>),
            ("before 1970", "1969-12-31T23:59:59Z", Some(String::from("1969-12-31T23:59:59Z"))),
        ]);
    }

    #[test]
    fn epoch_ms_table() {
        crate::table_test!(ms, [
            ("epoch", "1970-01-01T00:00:00Z", Some(0i64)),
            ("doc example", "2014-05-06T18:00:32Z", Some(1_399_399_232_000i64)),
            ("millis from fraction", "1970-01-01T00:00:01.5Z", Some(1500i64)),
            ("sub-millis dropped", "1970-01-01T00:00:00.0009Z", Some(0i64)),
            ("before epoch", "1969-12-31T23:59:59.5Z", Some(-500i64)),
        ]);
    }

    #[test]
    fn civil_round_trip() {
        // Every day over eight centuries maps back to itself.
        for z in -200_000..200_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn months_are_in_calendar_order() {
        assert_eq!(MONTHS.len(), 12);
        assert_eq!(MONTHS[4], "May");
    }
}
