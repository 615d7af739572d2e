//! A keyed bijective scramble of the ID space, so that consecutive IDs give unrelated codes.
//!
//! Shown in "Design a URL Shortener" (`book/src/designs/url-shortener.md`), stage 3.
//!
//! In: a domain size `n` (such as 62⁷, the number of 7-character codes), a 64-bit key, and an
//! ID below `n`.
//! Out: another number below `n`. Each key gives a permutation of `0..n`: distinct IDs get
//! distinct outputs, and [`Scrambler::unscramble`] undoes [`Scrambler::scramble`].
//!
//! How: a four-round Feistel network over the smallest even number of bits that covers `n`,
//! with cycle-walking to stay inside `0..n`. This hides the order of IDs from casual
//! enumeration; it is not encryption, because its round function is not a cryptographic PRF.

/// Number of Feistel rounds. Luby and Rackoff showed that four rounds of a random round
/// function give a strong pseudorandom permutation; with our cheap round function they
/// only mix well.
const ROUNDS: usize = 4;

/// A keyed permutation of `0..domain`.
#[derive(Debug, Clone)]
pub struct Scrambler {
    domain: u64,
    half_bits: u32,
    keys: [u64; ROUNDS],
}

/// The SplitMix64 finaliser: a fast, well-mixing map from 64 bits to 64 bits.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Scrambler {
    /// A permutation of `0..domain`, chosen by `key`.
    ///
    /// ```
    /// use snippets::url_shortener::scramble::Scrambler;
    ///
    /// let s = Scrambler::new(62u64.pow(7), 0x5eed);
    /// let code_ids: Vec<u64> = (1000..1003).map(|id| s.scramble(id)).collect();
    /// assert!(code_ids.iter().all(|&x| x < 62u64.pow(7)));
    /// assert_eq!(s.unscramble(code_ids[0]), 1000);
    /// ```
    pub fn new(domain: u64, key: u64) -> Scrambler {
        assert!(
            domain >= 2,
            "a permutation of fewer than two values hides nothing"
        );
        let bits = u64::BITS - (domain - 1).leading_zeros(); // bits needed for domain - 1
        let half_bits = bits.div_ceil(2);
        let keys = std::array::from_fn(|round| mix(key.wrapping_add(round as u64 + 1)));
        Scrambler {
            domain,
            half_bits,
            keys,
        }
    }

    /// The number of values being permuted.
    pub fn domain(&self) -> u64 {
        self.domain
    }

    fn mask(&self) -> u64 {
        (1u64 << self.half_bits) - 1
    }

    /// The round function: any function of the key and one half works, bijective or not.
    fn round(&self, round: usize, half: u64) -> u64 {
        mix(half ^ self.keys[round]) & self.mask()
    }

    // region: feistel
    /// One pass of the Feistel network over `2 × half_bits` bits: a bijection on that
    /// power-of-two range, because each round can be undone by knowing the key.
    fn feistel(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x >> self.half_bits, x & self.mask());
        for round in 0..ROUNDS {
            (left, right) = (right, left ^ self.round(round, right));
        }
        (left << self.half_bits) | right
    }

    fn feistel_inverse(&self, y: u64) -> u64 {
        let (mut left, mut right) = (y >> self.half_bits, y & self.mask());
        for round in (0..ROUNDS).rev() {
            (left, right) = (right ^ self.round(round, left), left);
        }
        (left << self.half_bits) | right
    }

    /// The scrambled value of `id`, also below the domain.
    ///
    /// Cycle-walking: the Feistel range is up to four times larger than the domain, so
    /// re-apply it until the value lands back inside. Following a permutation's cycle
    /// from an inside value always returns inside, and no two inside values can land on
    /// the same one.
    pub fn scramble(&self, id: u64) -> u64 {
        assert!(
            id < self.domain,
            "id {id} is outside the domain {}",
            self.domain
        );
        let mut x = self.feistel(id);
        while x >= self.domain {
            x = self.feistel(x);
        }
        x
    }
    // endregion: feistel

    /// The ID that [`scramble`](Self::scramble) maps to `code_id`.
    pub fn unscramble(&self, code_id: u64) -> u64 {
        assert!(
            code_id < self.domain,
            "value {code_id} is outside the domain {}",
            self.domain
        );
        let mut x = self.feistel_inverse(code_id);
        while x >= self.domain {
            x = self.feistel_inverse(x);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_shortener::test_rng::SplitMix64;

    /// Checks that `s` permutes its whole domain and that `unscramble` inverts it.
    fn assert_bijection(s: &Scrambler) {
        let n = s.domain();
        let mut hit = vec![false; n as usize];
        for id in 0..n {
            let y = s.scramble(id);
            assert!(y < n, "domain {n}: {id} -> {y} escaped");
            assert!(!hit[y as usize], "domain {n}: two IDs map to {y}");
            hit[y as usize] = true;
            assert_eq!(s.unscramble(y), id);
        }
        assert!(hit.iter().all(|&h| h)); // every value is reached exactly once
    }

    #[test]
    fn is_a_bijection_on_small_domains_of_every_shape() {
        // Powers of two, powers of 62, primes, and sizes just above a power of four,
        // where cycle-walking does the most work.
        for n in [
            2, 3, 5, 62, 100, 257, 1_000, 1_025, 3_844, 4_096, 65_537, 238_328,
        ] {
            for key in [0, 1, 0xdead_beef] {
                assert_bijection(&Scrambler::new(n, key));
            }
        }
    }

    #[test]
    fn round_trips_on_the_seven_character_domain() {
        let s = Scrambler::new(62u64.pow(7), 0x1234_5678);
        assert_eq!(s.half_bits, 21); // 62^7 needs 42 bits
        let mut rng = SplitMix64::new(3);
        for _ in 0..100_000 {
            let id = rng.next_u64() % s.domain();
            let y = s.scramble(id);
            assert!(y < s.domain());
            assert_eq!(s.unscramble(y), id);
        }
        for id in [0, 1, s.domain() - 1] {
            assert_eq!(s.unscramble(s.scramble(id)), id);
        }
    }

    #[test]
    fn is_deterministic_for_a_key_and_differs_between_keys() {
        let a = Scrambler::new(62u64.pow(7), 1);
        let a_again = Scrambler::new(62u64.pow(7), 1);
        let b = Scrambler::new(62u64.pow(7), 2);
        let first: Vec<u64> = (0..1_000).map(|id| a.scramble(id)).collect();
        let again: Vec<u64> = (0..1_000).map(|id| a_again.scramble(id)).collect();
        let other: Vec<u64> = (0..1_000).map(|id| b.scramble(id)).collect();
        assert_eq!(first, again);
        let same = first.iter().zip(&other).filter(|(x, y)| x == y).count();
        assert!(same < 5, "keys 1 and 2 agree on {same} of 1,000 IDs");
    }

    #[test]
    fn consecutive_ids_give_scattered_outputs() {
        let s = Scrambler::new(62u64.pow(7), 99);
        let outputs: Vec<u64> = (0..10_000).map(|id| s.scramble(id)).collect();
        // No two consecutive IDs land next to each other ...
        assert!(outputs.windows(2).all(|w| w[0].abs_diff(w[1]) > 1));
        // ... and the outputs cover the domain rather than a corner of it: each of 16
        // equal slices of 0..62^7 receives between 1/32 and 1/8 of them.
        let mut slices = [0u32; 16];
        for &y in &outputs {
            slices[(y / s.domain().div_ceil(16)) as usize] += 1;
        }
        assert!(
            slices.iter().all(|&c| (312..=1_250).contains(&c)),
            "{slices:?}"
        );
    }

    #[test]
    fn cycle_walking_takes_few_steps_on_average() {
        // 2^42 / 62^7 ≈ 1.25, so about 1.25 Feistel passes per ID on average.
        let s = Scrambler::new(62u64.pow(7), 5);
        let mut passes = 0u64;
        for id in 0..100_000 {
            let mut x = s.feistel(id);
            passes += 1;
            while x >= s.domain() {
                x = s.feistel(x);
                passes += 1;
            }
        }
        let mean = passes as f64 / 100_000.0;
        assert!((1.15..1.35).contains(&mean), "mean passes {mean}");
    }

    #[test]
    #[should_panic(expected = "outside the domain")]
    fn rejects_ids_outside_the_domain() {
        Scrambler::new(100, 1).scramble(100);
    }
}
