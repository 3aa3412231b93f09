//! Which variant of each part a contact gets.

/// Which variant of a part a contact gets: the same for the same handle on every machine
/// and every run, so the preview shows exactly what is sent, even after a restart or from
/// another operator's desktop. FNV-1a is fixed by its spec; std's `DefaultHasher` may change
/// between Rust releases and `RandomState` is seeded per process.
pub(super) fn variant_for(handle: &str, part: usize, variants: usize) -> usize {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let handle = handle.trim();
    let handle = handle.strip_prefix('@').unwrap_or(handle);
    let mut hash = FNV_OFFSET;
    let bytes = handle
        .bytes()
        .map(|b| b.to_ascii_lowercase())
        .chain([0xff])
        .chain((part as u64).to_le_bytes());
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    // FNV's low bits follow the input's low bits (the prime is odd), so mix before reducing:
    // murmur3's finaliser, then a multiply-shift that uses the high bits.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^= hash >> 33;
    ((u128::from(hash) * variants as u128) >> 64) as usize
}
