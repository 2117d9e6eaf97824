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
    facts.source_ip = first_ip(&addr).map(|ip| Cow::Owned(String::from(ip)));
    facts.source_address = Some(addr);
}

/// The first element of a comma-separated list, if it is an IP address.
fn first_ip(s: &str) -> Option<&str> {
    let first = s.split(',').next()?.trim();
    (is_ipv4(first) || is_ipv6(first)).then_some(first)
}

/// Dotted decimal with four octets 0–255 and no leading zeros (`010` is ambiguous: octal or not).
pub(crate) fn is_ipv4(s: &str) -> bool {
    let mut n = 0;
    for part in s.split('.') {
        n += 1;
        if n > 4 || !is_octet(part) {
            return false;
        }
    }
    n == 4
}

fn is_octet(p: &str) -> bool {
    let b = p.as_bytes();
    if b.is_empty() || b.len() > 3 || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
        return false;
    }
    b.iter().fold(0u32, |v, &c| v * 10 + u32::from(c - b'0')) <= 255
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
}
