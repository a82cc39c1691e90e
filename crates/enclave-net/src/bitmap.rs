//! A fixed-size bit set with a wrapping search for a clear bit (free addresses and subnets).

/// A set of `len` bits, all clear at first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bitmap {
    words: Vec<u64>,
    len: u64,
}

impl Bitmap {
    pub(crate) fn new(len: u64) -> Self {
        let words = usize::try_from(len.div_ceil(64)).unwrap_or(usize::MAX / 8);
        Bitmap {
            words: vec![0; words],
            len,
        }
    }

    pub(crate) fn get(&self, bit: u64) -> bool {
        usize::try_from(bit / 64)
            .ok()
            .and_then(|word| self.words.get(word))
            .is_some_and(|word| word & (1 << (bit % 64)) != 0)
    }

    pub(crate) fn set(&mut self, bit: u64, value: bool) {
        if bit >= self.len {
            return;
        }
        if let Some(word) = usize::try_from(bit / 64)
            .ok()
            .and_then(|word| self.words.get_mut(word))
        {
            if value {
                *word |= 1 << (bit % 64);
            } else {
                *word &= !(1 << (bit % 64));
            }
        }
    }

    /// The first clear bit in `from..to` (bounded by the length), skipping full words.
    pub(crate) fn first_clear_in(&self, from: u64, to: u64) -> Option<u64> {
        let to = to.min(self.len);
        let mut bit = from;
        while bit < to {
            let word = self.words.get(usize::try_from(bit / 64).ok()?)?;
            let shifted = !word >> (bit % 64);
            if shifted == 0 {
                bit = (bit / 64 + 1) * 64;
                continue;
            }
            let found = bit + u64::from(shifted.trailing_zeros());
            return (found < to).then_some(found);
        }
        None
    }

    /// The first clear bit in `lo..hi` at or after `start`, wrapping around to `lo`.
    pub(crate) fn first_clear_wrapping(&self, lo: u64, hi: u64, start: u64) -> Option<u64> {
        let start = start.clamp(lo, hi);
        self.first_clear_in(start, hi)
            .or_else(|| self.first_clear_in(lo, start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_clear_bits() {
        let mut bits = Bitmap::new(200);
        for bit in 0..150 {
            bits.set(bit, true);
        }
        assert_eq!(bits.first_clear_in(0, 200), Some(150));
        assert_eq!(bits.first_clear_in(0, 150), None);
        bits.set(3, false);
        assert_eq!(bits.first_clear_wrapping(0, 150, 10), Some(3));
        assert_eq!(bits.first_clear_wrapping(0, 200, 10), Some(150));
        assert_eq!(bits.first_clear_wrapping(0, 200, 190), Some(190));
        bits.set(500, true);
        assert!(!bits.get(500));
        assert_eq!(Bitmap::new(0).first_clear_in(0, 10), None);
    }
}
