//! `source.address`, `source.ip`: where the call came from. sourceIPAddress also holds service
//! names (`cloudformation.amazonaws.com`), `AWS Internal`, and comma-separated lists (a proxy
//! chain); `source.ip` is written only for a real IPv4/IPv6 address, checked by a hand-written
//! parser so that nothing address-like but wrong reaches a field typed `ip` downstream.

use alloc::borrow::Cow;
use alloc::string::String;

use super::{Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

pub(crate) static SOURCE: Enricher = Enricher {
    name: "source",
    summary: "The caller's address as given, and as an IP when it is one.",
    reads: &[F::SourceIp],
    uses: &[],
    writes: &[
        Key { name: "source.address", meaning: "sourceIPAddress as given (an IP, a service host name or `AWS Internal`)" },
        Key { name: "source.ip", meaning: "sourceIPAddress when it is an IPv4 or IPv6 address; the first address of a comma-separated list" },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "an IPv4 address",
            record: r#"{"eventVersion":"1.08","sourceIPAddress":"192.0.2.10"}"#,
            expect: &[("source.address", r#""192.0.2.10""#), ("source.ip", r#""192.0.2.10""#)],
        },
        Example {
            title: "a proxy chain gives its first address",
            record: r#"{"eventVersion":"1.08","sourceIPAddress":"81.2.69.142, 192.168.10.10"}"#,
            expect: &[("source.address", r#""81.2.69.142, 192.168.10.10""#), ("source.ip", r#""81.2.69.142""#)],
        },
        Example {
            title: "a service is an address but not an IP",
            record: r#"{"eventVersion":"1.08","sourceIPAddress":"cloudformation.amazonaws.com"}"#,
            expect: &[("source.address", r#""cloudformation.amazonaws.com""#), ("source.ip", "null")],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    let Some(addr) = fields.text(F::SourceIp) else { return };
    // Borrowed from the record when the address is (no allocation per record).
    facts.source_ip = first_ip(&addr).map(|ip| match &addr {
        Cow::Borrowed(whole) => Cow::Borrowed(sub(whole, ip)),
        Cow::Owned(_) => Cow::Owned(String::from(ip)),
    });
    facts.source_address = Some(addr);
}

/// The first element of a comma-separated list, if it is an IP address.
fn first_ip(s: &str) -> Option<&str> {
    // The text before the first comma (a byte search: `split(',')` ran a char searcher).
    let first = s.as_bytes().iter().position(|&c| c == b',').map_or(s, |i| &s[..i]).trim();
    (is_ipv4(first) || is_ipv6(first)).then_some(first)
}

/// `part` (a slice of `whole`'s text) as a slice of `whole` itself, with its lifetime.
fn sub<'a>(whole: &'a str, part: &str) -> &'a str {
    let at = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    whole.get(at..at + part.len()).unwrap_or_default()
}

/// Dotted decimal with four octets 0–255 and no leading zeros (`010` is ambiguous: octal or not).
/// One pass over the bytes (it runs for every record).
pub(crate) fn is_ipv4(s: &str) -> bool {
    let (mut parts, mut v, mut digits, mut lead0) = (0, 0u32, 0, false);
    for &c in s.as_bytes().iter().chain(core::iter::once(&b'.')) {
        if c == b'.' {
            if digits == 0 || v > 255 || (lead0 && digits > 1) {
                return false;
            }
            parts += 1;
            (v, digits) = (0, 0);
        } else if c.is_ascii_digit() {
            if digits == 0 {
                lead0 = c == b'0';
            }
            digits += 1;
            if digits > 3 {
                return false;
            }
            v = v * 10 + u32::from(c - b'0');
        } else {
            return false;
        }
    }
    parts == 4
}

/// RFC 4291 text form: eight groups of 1–4 hex digits, one `::` standing for one or more zero
/// groups, and an optional dotted IPv4 tail counting as two groups. No zone ids or brackets.
pub(crate) fn is_ipv6(s: &str) -> bool {
    if s.len() < 2 || !s.contains(':') {
        return false;
    }
    let (head, tail, compressed) = match s.split_once("::") {
        Some((h, t)) => {
            if t.contains("::") {
                return false;
            }
            (h, t, true)
        }
        None => (s, "", false),
    };
    let mut groups = 0;
    for (side, text) in [(0, head), (1, tail)] {
        if text.is_empty() {
            continue;
        }
        let parts: alloc::vec::Vec<&str> = text.split(':').collect();
        for (i, p) in parts.iter().enumerate() {
            let last_overall = i + 1 == parts.len() && (side == 1 || !compressed);
            if p.contains('.') {
                // An IPv4 tail only at the very end.
                if !last_overall || !is_ipv4(p) {
                    return false;
                }
                groups += 2;
            } else if p.is_empty() || p.len() > 4 || !p.bytes().all(|c| c.is_ascii_hexdigit()) {
                return false;
            } else {
                groups += 1;
            }
        }
    }
    if compressed {
        groups <= 7
    } else {
        groups == 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_table() {
        crate::table_test!(first_ip, [
            ("v4", "192.0.2.1", Some("192.0.2.1")),
            ("v4 max", "255.255.255.255", Some("255.255.255.255")),
            ("v4 256", "256.1.1.1", None::<&str>),
            ("v4 leading zero", "01.2.3.4", None::<&str>),
            ("v4 zero ok", "0.0.0.0", Some("0.0.0.0")),
            ("v4 three parts", "1.2.3", None::<&str>),
            ("v4 five parts", "1.2.3.4.5", None::<&str>),
            ("v4 empty part", "1..3.4", None::<&str>),
            ("v4 leading zero later", "1.02.3.4", None::<&str>),
            ("v4 four digits", "1.2.3.1000", None::<&str>),
            ("v4 trailing dot", "1.2.3.4.", None::<&str>),
            ("v4 zero last", "1.2.3.0", Some("1.2.3.0")),
            ("v4 sign", "+1.2.3.4", None::<&str>),
            ("list", "81.2.69.142, 192.168.10.10", Some("81.2.69.142")),
            ("list of garbage first", "AWS Internal, 1.2.3.4", None::<&str>),
            ("service", "cloudformation.amazonaws.com", None::<&str>),
            ("internal", "AWS Internal", None::<&str>),
            ("v6 full", "2001:0db8:0000:0000:0000:ff00:0042:8329", Some("2001:0db8:0000:0000:0000:ff00:0042:8329")),
            ("v6 compressed", "2001:db8::ff00:42:8329", Some("2001:db8::ff00:42:8329")),
            ("v6 loopback", "::1", Some("::1")),
            ("v6 unspecified", "::", Some("::")),
            ("v6 trailing ::", "fe80::", Some("fe80::")),
            ("v6 v4 tail", "::ffff:192.0.2.128", Some("::ffff:192.0.2.128")),
            ("v6 full v4 tail", "0:0:0:0:0:ffff:192.0.2.128", Some("0:0:0:0:0:ffff:192.0.2.128")),
            ("v6 two ::", "1::2::3", None::<&str>),
            ("v6 too many groups", "1:2:3:4:5:6:7:8:9", None::<&str>),
            ("v6 too few groups", "1:2:3:4:5:6:7", None::<&str>),
            ("v6 :: with eight groups", "1:2:3:4::5:6:7:8", None::<&str>),
            ("v6 group too long", "12345::", None::<&str>),
            ("v6 not hex", "g::1", None::<&str>),
            ("v6 v4 in the middle", "::1.2.3.4:1", None::<&str>),
            ("v6 zone id", "fe80::1%eth0", None::<&str>),
            ("v6 bracketed", "[::1]", None::<&str>),
            ("v6 lone colon start", ":1:2:3:4:5:6:7", None::<&str>),
            ("v6 triple colon", ":::", None::<&str>),
            ("empty", "", None::<&str>),
            ("non-ASCII", "１.２.３.４", None::<&str>),
        ]);
    }

    /// The one-pass `is_ipv4` agrees with the plain definition (split on dots, four octets of 1-3
    /// digits, 0-255, no leading zero) on every string of up to 8 characters over digits, dots
    /// and a letter.
    #[test]
    fn ipv4_as_defined() {
        fn reference(s: &str) -> bool {
            let parts: Vec<&str> = s.split('.').collect();
            parts.len() == 4
                && parts.iter().all(|p| {
                    let b = p.as_bytes();
                    !b.is_empty() && b.len() <= 3 && b.iter().all(u8::is_ascii_digit) && !(b.len() > 1 && b[0] == b'0') && p.parse::<u32>().is_ok_and(|v| v <= 255)
                })
        }
        let alphabet = [b'0', b'1', b'2', b'5', b'6', b'.', b'a'];
        let mut s = Vec::new();
        let mut count = 0;
        for len in 0..=8u32 {
            for mut k in 0..alphabet.len().pow(len) {
                s.clear();
                for _ in 0..len {
                    s.push(alphabet[k % alphabet.len()]);
                    k /= alphabet.len();
                }
                let text = core::str::from_utf8(&s).unwrap();
                assert_eq!(is_ipv4(text), reference(text), "{text}");
                count += usize::from(reference(text));
            }
        }
        assert!(count > 1000, "{count}");
    }
}
