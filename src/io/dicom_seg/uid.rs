//! New UIDs for derived objects, under the `2.25` root (a UUID-sized integer, PS3.5 B.2).
//!
//! No random source is needed (none is available in every browser build): the 128-bit value
//! is a hash of what makes the object unique (source series, time of analysis, content, role),
//! so the same export of the same analysis gives the same UIDs and different ones differ.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// A `2.25.<decimal>` UID from the given seed parts and a role ("series", "instance", ...).
pub fn derived_uid(seed: &[&[u8]], role: &str) -> String {
    let half = |salt: u64| {
        let mut h = DefaultHasher::new();
        salt.hash(&mut h);
        role.hash(&mut h);
        for part in seed {
            part.hash(&mut h);
        }
        h.finish()
    };
    let value = (u128::from(half(0x5eed_0001)) << 64) | u128::from(half(0x5eed_0002));
    // A leading zero digit is not allowed; `{}` of a u128 never has one.
    format!("2.25.{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_valid_and_distinct() {
        let a = derived_uid(&[b"1.2.3", b"t"], "series");
        let b = derived_uid(&[b"1.2.3", b"t"], "instance");
        assert_ne!(a, b);
        assert_eq!(a, derived_uid(&[b"1.2.3", b"t"], "series"));
        for u in [a, b] {
            assert!(u.len() <= 64);
            assert!(u.chars().all(|c| c.is_ascii_digit() || c == '.'));
        }
    }
}
