//! Which strings the shortener can hand out: generated codes in bands by length, and custom
//! aliases in a part of the namespace no generated code can ever reach.
//!
//! Shown in "Design a URL Shortener" (`book/src/designs/url-shortener.md`), stage 6 and
//! "At 10 times the load".
//!
//! In: an ID from the shared counter, which keeps counting past 62⁷ when the 7-character
//! codes run out; or an alias a user asks for.
//! Out: the ID's code, scrambled *within the ID's band*: IDs below 62⁷ get the same 1- to
//! 7-character codes as before the migration, and IDs from 62⁷ up to 62⁸ get codes of exactly
//! 8 characters, so the two bands cannot collide. For an alias: whether it is allowed. A
//! permitted alias contains a `-` or is longer than any generated code, so it is never
//! a string the scramble could produce.

use super::base62;
use super::scramble::Scrambler;
use std::fmt;

/// The longest alias accepted, in characters; it fits the `VARCHAR(16)` code column.
pub const MAX_ALIAS_LEN: usize = 16;

/// Generated codes, one keyed permutation per band of lengths.
///
/// The first band is `0..62^first_len`, whose codes have 1 to `first_len` characters (base62
/// writes no leading zeros). Each later band `62^(len-1)..62^len` holds exactly the
/// `len`-character codes, and its scramble maps the band onto itself, so a code's length
/// says which band, and so which permutation, it came from.
#[derive(Debug, Clone)]
pub struct CodeSpace {
    /// `(start, scrambler)` per band, in order; band `i` ends where band `i + 1` starts.
    bands: Vec<(u64, Scrambler)>,
    end: u64,
    max_len: usize,
}

impl CodeSpace {
    /// Codes of up to `max_len` characters; the first band is the one in use since launch.
    /// The first band's scramble uses `key` itself, so its codes match
    /// `Scrambler::new(62^first_len, key)`.
    pub fn new(first_len: u32, max_len: u32, key: u64) -> CodeSpace {
        assert!(1 <= first_len && first_len <= max_len && max_len <= 10);
        assert!(
            (max_len as usize) < MAX_ALIAS_LEN,
            "aliases need lengths of their own"
        );
        let mut bands = vec![(0, Scrambler::new(62u64.pow(first_len), key))];
        for len in first_len + 1..=max_len {
            let (start, end) = (62u64.pow(len - 1), 62u64.pow(len));
            let band_key = key ^ u64::from(len).rotate_right(8); // a different key per band
            bands.push((start, Scrambler::new(end - start, band_key)));
        }
        CodeSpace {
            bands,
            end: 62u64.pow(max_len),
            max_len: max_len as usize,
        }
    }

    /// The code for `id`, or `None` once every code of `max_len` characters is used.
    pub fn code(&self, id: u64) -> Option<String> {
        if id >= self.end {
            return None;
        }
        let (start, scrambler) = self.bands.iter().rev().find(|(start, _)| id >= *start)?;
        Some(base62::encode(start + scrambler.scramble(id - start)))
    }
}

/// Why an alias was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AliasError {
    /// Empty, or longer than [`MAX_ALIAS_LEN`].
    Length(usize),
    /// A character outside `0-9 a-z A-Z -`.
    InvalidChar {
        /// The character.
        ch: char,
        /// Its position, counted in characters.
        at: usize,
    },
    /// Pure base62 of a length the generator uses: one day a generated code could be it.
    GeneratedNamespace,
}

impl fmt::Display for AliasError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AliasError::Length(n) => {
                write!(f, "an alias has 1 to {MAX_ALIAS_LEN} characters, not {n}")
            }
            AliasError::InvalidChar { ch, at } => {
                write!(f, "{ch:?} at position {at} is not a letter, a digit or '-'")
            }
            AliasError::GeneratedNamespace => {
                write!(
                    f,
                    "this alias could be a generated code: add a '-' or make it longer"
                )
            }
        }
    }
}

impl std::error::Error for AliasError {}

impl CodeSpace {
    /// Accepts an alias only where no generated code can be: it must contain a `-`, which
    /// base62 never writes, or be longer than the longest generated code.
    pub fn check_alias(&self, alias: &str) -> Result<(), AliasError> {
        let len = alias.chars().count();
        if len == 0 || len > MAX_ALIAS_LEN {
            return Err(AliasError::Length(len));
        }
        if let Some((at, ch)) = alias
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(AliasError::InvalidChar { ch, at });
        }
        if !alias.contains('-') && len <= self.max_len {
            return Err(AliasError::GeneratedNamespace);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_shortener::test_rng::SplitMix64;
    use std::collections::{BTreeSet, HashSet};

    #[test]
    fn bands_never_collide_and_keep_their_lengths_exhaustively() {
        // A small copy of the real layout: codes of up to 2 characters, then exactly 3.
        for key in [0, 7, 0xfeed] {
            let space = CodeSpace::new(2, 3, key);
            let mut seen = HashSet::new();
            for id in 0..62u64.pow(3) {
                let code = space.code(id).unwrap();
                let len = code.len();
                if id < 62 * 62 {
                    assert!(len <= 2, "key {key}: id {id} -> {code}");
                } else {
                    assert_eq!(len, 3, "key {key}: id {id} -> {code}");
                }
                assert!(seen.insert(code.clone()), "key {key}: {code} issued twice");
                assert_eq!(
                    space.check_alias(&code),
                    Err(AliasError::GeneratedNamespace),
                    "key {key}: {code} would be accepted as an alias"
                );
            }
            assert_eq!(seen.len(), 62usize.pow(3)); // every code of up to 3 characters
            assert_eq!(space.code(62u64.pow(3)), None);
        }
    }

    #[test]
    fn scrambling_the_whole_larger_range_would_collide_with_old_codes() {
        // The tempting migration: one permutation of 0..62^3 for the new IDs. One output in
        // 62 is below 62^2, and every such output is the code of an old ID, so about
        // 62^2 × 61/62 ≈ 3,782 new IDs get a code that is already taken.
        let old = Scrambler::new(62u64.pow(2), 7);
        let naive = Scrambler::new(62u64.pow(3), 7);
        let old_codes: HashSet<String> = (0..62u64.pow(2))
            .map(|id| base62::encode(old.scramble(id)))
            .collect();
        let clashes = (62u64.pow(2)..62u64.pow(3))
            .filter(|&id| old_codes.contains(&base62::encode(naive.scramble(id))))
            .count();
        assert!((3_000..=3_844).contains(&clashes), "{clashes} clashes");
    }

    #[test]
    fn the_real_layout_keeps_old_codes_and_gives_new_ids_eight_characters() {
        let key = 0x5eed;
        let space = CodeSpace::new(7, 8, key);
        let launch = Scrambler::new(62u64.pow(7), key);
        let seven = 62u64.pow(7);
        let mut rng = SplitMix64::new(11);
        let mut ids: BTreeSet<u64> = (seven - 1_000..seven + 1_000).collect();
        ids.extend((0..20_000).map(|_| rng.next_u64() % 62u64.pow(8)));
        let mut seen = HashSet::new();
        for id in ids {
            let code = space.code(id).unwrap();
            if id < seven {
                assert_eq!(
                    code,
                    base62::encode(launch.scramble(id)),
                    "old code changed"
                );
                assert!(code.len() <= 7);
            } else {
                assert_eq!(code.len(), 8, "id {id} -> {code}");
            }
            assert!(seen.insert(code.clone()), "{code} issued twice");
            assert_eq!(
                space.check_alias(&code),
                Err(AliasError::GeneratedNamespace)
            );
        }
    }

    #[test]
    fn aliases_are_checked_for_length_characters_and_namespace() {
        let space = CodeSpace::new(7, 8, 1);
        assert_eq!(space.check_alias("spring-sale"), Ok(()));
        assert_eq!(space.check_alias("a-b"), Ok(()));
        assert_eq!(space.check_alias("springsale"), Ok(())); // 10 characters
        assert_eq!(space.check_alias("abcdefghi"), Ok(())); // 9: longer than any code
        assert_eq!(
            space.check_alias("launch"),
            Err(AliasError::GeneratedNamespace)
        );
        assert_eq!(
            space.check_alias("abcdefgh"),
            Err(AliasError::GeneratedNamespace)
        );
        assert_eq!(
            space.check_alias("wp_login"),
            Err(AliasError::InvalidChar { ch: '_', at: 2 })
        );
        assert_eq!(space.check_alias(""), Err(AliasError::Length(0)));
        assert_eq!(
            space.check_alias("a-very-long-alias"),
            Err(AliasError::Length(17))
        );
        assert_eq!(
            space.check_alias("café-menu"),
            Err(AliasError::InvalidChar { ch: 'é', at: 3 })
        );
    }
}
