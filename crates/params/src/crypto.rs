//! Randomness the parameters and secrets services share (sealing is `squall_auth::Sealer`).

/// A uniformly random index below `n` (rejection sampling, so no index is favoured).
pub(crate) fn random_below(n: usize) -> usize {
    assert!(n > 0 && n <= u32::MAX as usize, "a non-empty choice");
    let n = n as u32;
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).expect("the operating system's random source is available");
        let v = u32::from_le_bytes(b);
        if v < zone {
            return (v % n) as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_indices_stay_in_range() {
        for n in [1, 2, 3, 94] {
            assert!((0..200).all(|_| random_below(n) < n));
        }
    }
}
