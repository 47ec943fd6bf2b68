//! `--shard I/N`: a stable subset of a manifest for one of N workers. A pair
//! belongs to shard `h mod N`, where `h` is the first 8 bytes of SHA-256 of the
//! pair's id (its UTF-8 bytes), read as a big-endian u64. The hash depends on
//! nothing but the id, so adding pairs to a manifest never moves an earlier pair to
//! another shard, and every machine computes the same split.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad shard {text:?}: expected I/N with whole numbers 0 <= I < N (e.g. 0/16)")]
pub struct ShardError {
    pub text: String,
}

impl std::str::FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ShardError { text: text.to_owned() };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the pair with this id is this shard's.
    pub fn contains(&self, id: &str) -> bool {
        shard_of(id, self.count) == self.index
    }
}

/// The shard (0..count) a pair id belongs to. A `count` of 0 is taken as 1.
pub fn shard_of(id: &str, count: u64) -> u64 {
    let digest = Sha256::digest(id.as_bytes());
    let h = u64::from_be_bytes(digest[..8].try_into().expect("sha256 has 32 bytes"));
    h % count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!("3/16".parse::<Shard>().unwrap(), Shard { index: 3, count: 16 });
        for bad in ["16/16", "1/0", "x/2", "2", "-1/4", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_hash_is_fixed() {
        // Pinned (computed with Python's hashlib) so the split can never change silently.
        assert_eq!(shard_of("pair-0", u64::MAX), 0x7e30128fb1ce7fdc);
        assert_eq!((shard_of("pair-0", 16), shard_of("pair-1", 16), shard_of("a", 16)), (12, 2, 10));
        assert_eq!((shard_of("pair-0", 7), shard_of("pair-1", 7), shard_of("a", 7)), (6, 3, 4));
        assert_eq!(shard_of("pair-0", 1), 0);
    }
}
