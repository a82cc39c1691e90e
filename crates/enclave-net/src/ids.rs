//! Deterministic ids: UUID-shaped names and short suffixes derived from uids by hashing, so
//! that the same Kubernetes object always gets the same NSX id (no randomness, no clock).

/// FNV-1a over 128 bits: stable across platforms and releases (unlike `std`'s hasher).
fn fnv1a_128(parts: &[&str]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A separator byte no uid contains keeps ("ab","c") apart from ("a","bc").
            hash ^= 0xff;
            hash = hash.wrapping_mul(PRIME);
        }
        for byte in part.bytes() {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    // FNV spreads a change only towards the high bits: finish with a full avalanche so that
    // uids differing in their last character give unrelated ids.
    let mut low = hash as u64;
    let mut high = (hash >> 64) as u64;
    low = fmix64(low ^ high.rotate_left(29));
    high = fmix64(high ^ low);
    low = fmix64(low ^ high);
    (u128::from(high) << 64) | u128::from(low)
}

/// MurmurHash3's 64-bit finalizer.
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// A UUID-shaped id (version 8, "custom") derived from `parts`.
pub(crate) fn derived_uuid(parts: &[&str]) -> String {
    let mut value = fnv1a_128(parts);
    value &= !(0xf_u128 << 76);
    value |= 0x8_u128 << 76;
    value &= !(0x3_u128 << 62);
    value |= 0x2_u128 << 62;
    // Written digit by digit: this runs for every pod of every rebuild.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for digit in 0..32 {
        if matches!(digit, 8 | 12 | 16 | 20) {
            id.push('-');
        }
        let nibble = (value >> (124 - 4 * digit)) & 0xf;
        id.push(char::from(HEX[nibble as usize]));
    }
    id
}

/// A short lowercase suffix (`len` letters) derived from `parts`, like the random five
/// letters NCP appends to LB pool ids, but stable.
pub(crate) fn derived_suffix(parts: &[&str], len: usize) -> String {
    let mut value = fnv1a_128(parts);
    (0..len)
        .map(|_| {
            let letter = b'a' + (value % 26) as u8;
            value /= 26;
            char::from(letter)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_distinct() {
        let a = derived_uuid(&["tier1", "uid-1"]);
        assert_eq!(a, derived_uuid(&["tier1", "uid-1"]));
        assert_ne!(a, derived_uuid(&["tier1", "uid-2"]));
        assert_ne!(derived_uuid(&["ab", "c"]), derived_uuid(&["a", "bc"]));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
        assert_eq!(derived_suffix(&["x"], 5).len(), 5);
        assert!(
            derived_suffix(&["x"], 5)
                .bytes()
                .all(|b| b.is_ascii_lowercase())
        );
    }
}
