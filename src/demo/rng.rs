//! The demo generator's random numbers.

/// SplitMix64 (Steele, Lea & Flood 2014), written out here rather than taken from `rand`:
/// a demo shop is only reproducible from its seed if the stream is bit-for-bit stable, and
/// `rand`'s generators and distributions are free to change between versions. SplitMix64 is
/// ten lines, passes BigCrush, and needs no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a bijective scramble of 64 bits.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator seeded with `seed` (the test harnesses' streams).
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A generator for one independent stream of a seed (one per customer), so that a
    /// customer's records do not depend on how the shop is cut into chunks.
    pub fn stream(seed: u64, stream: u64) -> Rng {
        Rng(mix(seed ^ mix(stream.wrapping_add(GOLDEN))))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// A number in `0..n` (0 when `n` is 0), by Lemire's multiply-shift; the bias is below
    /// 2⁻³² for the small `n` used here and, unlike rejection, costs one draw every time.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo { lo } else { lo + self.below(u64::from(hi - lo) + 1) as u32 }
    }

    /// True with probability `per_mille`/1000; integers keep the stream free of float rounding.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// An index into `weights`, each drawn in proportion to its weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// One element of a non-empty static table.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // First outputs of SplitMix64 seeded with 0 (the reference C implementation):
        // any change to the stream would silently change every demo shop.
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(r.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn ranges_stay_in_bounds_and_reach_both_ends() {
        let mut r = Rng::stream(7, 1);
        let (mut lo, mut hi) = (false, false);
        for _ in 0..10_000 {
            let x = r.range(3, 9);
            assert!((3..=9).contains(&x));
            lo |= x == 3;
            hi |= x == 9;
        }
        assert!(lo && hi);
        assert_eq!(r.range(5, 5), 5);
        assert_eq!(r.range(5, 2), 5);
    }

    #[test]
    fn weighted_respects_zero_weights_and_proportions() {
        let mut r = Rng::stream(1, 2);
        let mut n = [0u32; 3];
        for _ in 0..10_000 {
            n[r.weighted(&[1, 0, 3])] += 1;
        }
        assert_eq!(n[1], 0);
        assert!((2_200..2_800).contains(&n[0]), "{n:?}");
    }

    #[test]
    fn streams_differ() {
        assert_ne!(Rng::stream(1, 0).next_u64(), Rng::stream(1, 1).next_u64());
        assert_ne!(Rng::stream(1, 0).next_u64(), Rng::stream(2, 0).next_u64());
    }
}
