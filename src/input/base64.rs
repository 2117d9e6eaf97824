//! Standard base64 (with or without padding), for CloudWatch Logs `awslogs.data`.

use alloc::vec::Vec;

pub(crate) fn decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes() {
        crate::table_test!(|s: &str| super::decode(s.as_bytes()), [
            ("padded", "aGVsbG8=", Some(b"hello".to_vec())),
            ("unpadded", "aGVsbG8", Some(b"hello".to_vec())),
            ("empty", "", Some(alloc::vec::Vec::<u8>::new())),
            ("bad", "a$b", None::<alloc::vec::Vec<u8>>),
        ]);
    }
}
