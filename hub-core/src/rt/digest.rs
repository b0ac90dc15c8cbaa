//! The hash behind the sim's state digests: 128 bits in two lanes, each a splitmix64 chain.
//! Nothing here reaches a trace or a report; a digest only decides whether a state was seen.

/// `splitmix64`'s finalizer: a bijection on `u64` that spreads every input bit.
const fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fold `x` into `h`. Order matters: `mix(mix(h, a), b) != mix(mix(h, b), a)` in general.
pub(crate) const fn mix(h: u128, x: u128) -> u128 {
    let (a, b) = (h as u64, (h >> 64) as u64);
    let (xl, xh) = (x as u64, (x >> 64) as u64);
    let a2 = splitmix(a.wrapping_mul(0x243f_6a88_85a3_08d3) ^ xl ^ xh.rotate_left(32));
    let b2 = splitmix(b.wrapping_mul(0x1319_8a2e_0370_7345) ^ xh ^ xl.rotate_left(21) ^ a2);
    (b2 as u128) << 64 | a2 as u128
}

/// What a primitive's result was, as one observation: `what` tagged with its kind.
pub(crate) const fn tagged(tag: Tag, what: u128) -> u128 {
    mix(tag as u128, what)
}

/// Kinds of observation and of digest entries, so equal payloads of different kinds differ.
#[derive(Clone, Copy, Debug)]
#[repr(u8)]
pub(crate) enum Tag {
    Received = 1,
    RecvClosed,
    Sent,
    SendClosed,
    NotReady,
    SelectCase,
    SelectDefault,
    IsClosed,
    Len,
    Now,
    Choose,
    Spawned,
    Created,
    Locked,
    Timer,
    Sleep,
    Task,
    Object,
    Clock,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_lanes_matter() {
        let h = mix(mix(0, 1), 2);
        assert_ne!(h, mix(mix(0, 2), 1));
        assert_ne!(h as u64, (h >> 64) as u64);
        assert_ne!(mix(0, 1 << 64), mix(0, 1));
    }
}
