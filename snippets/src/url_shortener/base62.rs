//! Base62: writing an integer with the 62 characters that are safe in a URL path.
//!
//! Shown in "Design a URL Shortener" (`book/src/designs/url-shortener.md`), stage 2.
//!
//! In: a `u64` to encode, or a short code to decode.
//! Out: the shortest base62 string for the number (`0-9`, then `a-z`, then `A-Z`), or the
//! number a code stands for, with an error for an empty code, a character outside the
//! alphabet, a redundant leading zero, or a value that does not fit in 64 bits.

use std::fmt;

/// The 62 digits in order of value: `0`–`9` are 0–9, `a`–`z` are 10–35, `A`–`Z` are 36–61.
pub const ALPHABET: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The longest code a `u64` needs: 62¹⁰ < 2⁶⁴ ≤ 62¹¹, so 11 characters.
pub const MAX_LEN: usize = 11;

// region: encode
/// The shortest base62 code for `n`.
///
/// ```
/// use snippets::url_shortener::base62::encode;
///
/// assert_eq!(encode(0), "0");
/// assert_eq!(encode(61), "Z");
/// assert_eq!(encode(3_844), "100"); // 62²
/// ```
pub fn encode(mut n: u64) -> String {
    let mut digits = Vec::with_capacity(MAX_LEN);
    loop {
        digits.push(ALPHABET[(n % 62) as usize]);
        n /= 62;
        if n == 0 {
            break;
        }
    }
    digits.reverse(); // least significant digit came out first
    String::from_utf8(digits).expect("the alphabet is ASCII")
}
// endregion: encode

/// Why a code does not decode to a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The code has no characters.
    Empty,
    /// A character that is not in [`ALPHABET`], at this byte offset.
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its byte offset in the code.
        at: usize,
    },
    /// A `0` before other digits: [`encode`] never writes one, so accepting it would give
    /// one number two codes.
    LeadingZero,
    /// The value is larger than `u64::MAX`.
    Overflow,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "empty code"),
            DecodeError::InvalidChar { ch, at } => {
                write!(f, "{ch:?} at byte {at} is not a base62 digit")
            }
            DecodeError::LeadingZero => write!(f, "a code does not start with 0"),
            DecodeError::Overflow => write!(f, "code is too large for 64 bits"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The value of one base62 digit, or `None` for any other byte.
const fn digit_value(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u64),
        b'a'..=b'z' => Some((b - b'a') as u64 + 10),
        b'A'..=b'Z' => Some((b - b'A') as u64 + 36),
        _ => None,
    }
}

// region: decode
/// The number that `code` stands for: the inverse of [`encode`].
///
/// ```
/// use snippets::url_shortener::base62::{decode, DecodeError};
///
/// assert_eq!(decode("100"), Ok(3_844));
/// assert_eq!(decode("lYGhA16ahyf"), Ok(u64::MAX));
/// assert_eq!(decode("lYGhA16ahyg"), Err(DecodeError::Overflow));
/// assert_eq!(decode("ab-c"), Err(DecodeError::InvalidChar { ch: '-', at: 2 }));
/// ```
pub fn decode(code: &str) -> Result<u64, DecodeError> {
    if code.is_empty() {
        return Err(DecodeError::Empty);
    }
    if code.len() > 1 && code.starts_with('0') {
        return Err(DecodeError::LeadingZero);
    }
    let mut n: u64 = 0;
    for (at, ch) in code.char_indices() {
        let digit = u8::try_from(ch)
            .ok()
            .and_then(digit_value)
            .ok_or(DecodeError::InvalidChar { ch, at })?;
        n = n
            .checked_mul(62)
            .and_then(|n| n.checked_add(digit))
            .ok_or(DecodeError::Overflow)?;
    }
    Ok(n)
}
// endregion: decode

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_shortener::test_rng::SplitMix64;

    #[test]
    fn alphabet_is_62_distinct_url_safe_characters_in_value_order() {
        for (value, &b) in ALPHABET.iter().enumerate() {
            assert!(b.is_ascii_alphanumeric());
            assert_eq!(digit_value(b), Some(value as u64));
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 62);
        // Every other byte is rejected.
        let accepted = (0..=u8::MAX).filter(|&b| digit_value(b).is_some()).count();
        assert_eq!(accepted, 62);
    }

    #[test]
    fn fixed_vectors() {
        let p6 = 62u64.pow(6);
        let p7 = 62u64.pow(7);
        let vectors: [(u64, &str); 11] = [
            (0, "0"),
            (1, "1"),
            (9, "9"),
            (10, "a"),
            (61, "Z"),
            (62, "10"),
            (125, "21"),
            (3_844, "100"),
            (p6, "1000000"),
            (p7 - 1, "ZZZZZZZ"),
            (u64::MAX, "lYGhA16ahyf"),
        ];
        for (n, code) in vectors {
            assert_eq!(encode(n), code, "encode({n})");
            assert_eq!(decode(code), Ok(n), "decode({code:?})");
        }
        assert_eq!(p6, 56_800_235_584);
        assert_eq!(p7, 3_521_614_606_208);
        assert_eq!(encode(u64::MAX).len(), MAX_LEN);
    }

    #[test]
    fn round_trips_at_every_power_of_62_and_its_neighbours() {
        let mut edges = vec![0, 1, 61, 62, 3_843, 3_844, u64::MAX - 1, u64::MAX];
        // 62^1 .. 62^10 all fit in a u64; 62^11 does not.
        assert!(62u64.checked_pow(11).is_none());
        for k in 1..=10 {
            let p = 62u64.pow(k);
            edges.extend([p - 1, p, p + 1]);
            // 62^k is the first number that needs k + 1 digits.
            assert_eq!(encode(p - 1).len(), k as usize);
            assert_eq!(encode(p).len(), k as usize + 1);
        }
        for n in edges {
            assert_eq!(decode(&encode(n)), Ok(n), "n = {n}");
        }
    }

    #[test]
    fn round_trips_on_random_values_of_every_size() {
        let mut rng = SplitMix64::new(0x5eed);
        for i in 0..200_000 {
            // Shift by a varying amount so short codes are tested as often as long ones.
            let n = rng.next_u64() >> (i % 64);
            let code = encode(n);
            assert!(code.len() <= MAX_LEN);
            assert_eq!(decode(&code), Ok(n), "n = {n}, code = {code}");
        }
    }

    #[test]
    fn encoding_preserves_order_among_codes_of_equal_length() {
        // Not needed by the shortener, but it is what makes "ZZZZZZZ" the largest 7-char code.
        let mut rng = SplitMix64::new(7);
        for _ in 0..10_000 {
            let (a, b) = (rng.next_u64() % 62u64.pow(7), rng.next_u64() % 62u64.pow(7));
            let (ca, cb) = (encode(a), encode(b));
            if ca.len() == cb.len() {
                let by_value = |c: &str| {
                    c.bytes()
                        .map(|b| digit_value(b).unwrap())
                        .collect::<Vec<_>>()
                };
                assert_eq!(a.cmp(&b), by_value(&ca).cmp(&by_value(&cb)));
            }
        }
    }

    #[test]
    fn rejects_empty_and_invalid_characters() {
        assert_eq!(decode(""), Err(DecodeError::Empty));
        assert_eq!(
            decode("-"),
            Err(DecodeError::InvalidChar { ch: '-', at: 0 })
        );
        assert_eq!(
            decode("abc/"),
            Err(DecodeError::InvalidChar { ch: '/', at: 3 })
        );
        assert_eq!(
            decode("a b"),
            Err(DecodeError::InvalidChar { ch: ' ', at: 1 })
        );
        assert_eq!(
            decode("aé"),
            Err(DecodeError::InvalidChar { ch: 'é', at: 1 })
        );
        assert_eq!(
            decode("ab_c"),
            Err(DecodeError::InvalidChar { ch: '_', at: 2 })
        );
    }

    #[test]
    fn rejects_leading_zeros_so_each_number_has_one_code() {
        assert_eq!(decode("0"), Ok(0));
        assert_eq!(decode("00"), Err(DecodeError::LeadingZero));
        assert_eq!(decode("0abc"), Err(DecodeError::LeadingZero));
    }

    #[test]
    fn rejects_values_past_u64_max() {
        assert_eq!(decode("lYGhA16ahyg"), Err(DecodeError::Overflow)); // u64::MAX + 1
        assert_eq!(decode("ZZZZZZZZZZZ"), Err(DecodeError::Overflow)); // 11 chars, 62^11 - 1
        assert_eq!(decode("100000000000"), Err(DecodeError::Overflow)); // 12 chars
        assert_eq!(decode(&"Z".repeat(40)), Err(DecodeError::Overflow));
    }

    #[test]
    fn errors_explain_themselves() {
        assert_eq!(
            DecodeError::InvalidChar { ch: '-', at: 2 }.to_string(),
            "'-' at byte 2 is not a base62 digit"
        );
        assert_eq!(
            DecodeError::Overflow.to_string(),
            "code is too large for 64 bits"
        );
    }
}
