// 64-bit integer arithmetic on (lo, hi) u32 pairs: the helpers every adapter runs
// (core WGSL has no 64-bit integers). Prepended to each pass after
// shaders/common.wgsl by `features::prelude::wgsl_prelude` where the device has no
// `SHADER_INT64` (or `TINYVMAF_GPU_INT64=0`); shaders/w64_native.wgsl defines the
// same functions with native u64 and i64. A vec2<u32> (x = low word, y = high word)
// holds the two's-complement bits of an i64 or a u64. CPU twins, property-tested
// against native i64/u64 arithmetic: `features::wide`.

// A 64-bit unsigned value as (lo, hi) u32 words: the sum with carry.
fn add_u64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

// The difference modulo 2^64.
fn sub_u64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let borrow = select(0u, 1u, a.x < b.x);
    return vec2<u32>(a.x - b.x, a.y - b.y - borrow);
}

// -a modulo 2^64.
fn neg_i64(a: vec2<u32>) -> vec2<u32> {
    let lo = ~a.x + 1u;
    return vec2<u32>(lo, ~a.y + select(0u, 1u, lo == 0u));
}

// The full product of two u32, from 16-bit halves: each partial product is below 2^32,
// `mid` below 3·2^16, and the high word below 2^32 because the product is below 2^64.
fn mul_u32_wide(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    return vec2<u32>((mid << 16u) | (p00 & 0xffffu), a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}

// The i64 product of two i32: the product of the bit patterns is
// a·b + 2^32·(b·[a < 0] + a·[b < 0]) modulo 2^64; subtract the excess from the high word.
fn mul_i32_wide(a: i32, b: i32) -> vec2<u32> {
    var p = mul_u32_wide(u32(a), u32(b));
    if (a < 0) {
        p.y -= u32(b);
    }
    if (b < 0) {
        p.y -= u32(a);
    }
    return p;
}

// The i64 product of a u32 and an i32 (same correction, one term).
fn mul_u32_i32_wide(a: u32, b: i32) -> vec2<u32> {
    var p = mul_u32_wide(a, u32(b));
    if (b < 0) {
        p.y -= a;
    }
    return p;
}

// Logical right shift; 0 for s >= 64 (WGSL shifts only take amounts below 32).
fn shr_u64(a: vec2<u32>, s: u32) -> vec2<u32> {
    if (s == 0u) {
        return a;
    }
    if (s < 32u) {
        return vec2<u32>((a.x >> s) | (a.y << (32u - s)), a.y >> s);
    }
    if (s < 64u) {
        return vec2<u32>(a.y >> (s - 32u), 0u);
    }
    return vec2<u32>(0u, 0u);
}

// Arithmetic right shift of an i64 by s < 64 (Rust's `>>` on i64).
fn shr_i64(a: vec2<u32>, s: u32) -> vec2<u32> {
    let hi = i32(a.y);
    if (s == 0u) {
        return a;
    }
    if (s < 32u) {
        return vec2<u32>((a.x >> s) | (a.y << (32u - s)), u32(hi >> s));
    }
    return vec2<u32>(u32(hi >> (s - 32u)), u32(hi >> 31u));
}

// Left shift modulo 2^64; 0 for s >= 64.
fn shl_u64(a: vec2<u32>, s: u32) -> vec2<u32> {
    if (s == 0u) {
        return a;
    }
    if (s < 32u) {
        return vec2<u32>(a.x << s, (a.y << s) | (a.x >> (32u - s)));
    }
    if (s < 64u) {
        return vec2<u32>(0u, a.x << (s - 32u));
    }
    return vec2<u32>(0u, 0u);
}

fn lt_u64(a: vec2<u32>, b: vec2<u32>) -> bool {
    return a.y < b.y || (a.y == b.y && a.x < b.x);
}

fn lt_i64(a: vec2<u32>, b: vec2<u32>) -> bool {
    let ah = i32(a.y);
    let bh = i32(b.y);
    return ah < bh || (ah == bh && a.x < b.x);
}
