// 64-bit integer arithmetic with native u64 and i64 (`SHADER_INT64`): the same
// functions as shaders/w64_pairs.wgsl, on the same (lo, hi) vec2<u32> values, with
// the same results (two's complement, modulo 2^64 where the pairs wrap). Appended by
// `features::prelude::wgsl_prelude` where the device has `SHADER_INT64`, unless
// `TINYVMAF_GPU_INT64=0`. Tests run every pass both ways on the same inputs.

fn w64_u(a: vec2<u32>) -> u64 {
    return (u64(a.y) << 32u) | u64(a.x);
}

fn w64_i(a: vec2<u32>) -> i64 {
    return bitcast<i64>(w64_u(a));
}

fn w64_of(v: u64) -> vec2<u32> {
    return vec2<u32>(u32(v & 0xfffffffflu), u32(v >> 32u));
}

fn w64_of_i(v: i64) -> vec2<u32> {
    return w64_of(bitcast<u64>(v));
}

fn add_u64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    return w64_of(w64_u(a) + w64_u(b));
}

fn sub_u64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    return w64_of(w64_u(a) - w64_u(b));
}

fn neg_i64(a: vec2<u32>) -> vec2<u32> {
    return w64_of(0lu - w64_u(a));
}

fn mul_u32_wide(a: u32, b: u32) -> vec2<u32> {
    return w64_of(u64(a) * u64(b));
}

fn mul_i32_wide(a: i32, b: i32) -> vec2<u32> {
    return w64_of_i(i64(a) * i64(b));
}

fn mul_u32_i32_wide(a: u32, b: i32) -> vec2<u32> {
    return w64_of_i(i64(a) * i64(b));
}

// 0 for s >= 64, as the pairs give (a native shift takes amounts below 64 only).
fn shr_u64(a: vec2<u32>, s: u32) -> vec2<u32> {
    if (s >= 64u) {
        return vec2<u32>(0u, 0u);
    }
    return w64_of(w64_u(a) >> s);
}

// For s < 64, as the pairs.
fn shr_i64(a: vec2<u32>, s: u32) -> vec2<u32> {
    return w64_of_i(w64_i(a) >> min(s, 63u));
}

fn shl_u64(a: vec2<u32>, s: u32) -> vec2<u32> {
    if (s >= 64u) {
        return vec2<u32>(0u, 0u);
    }
    return w64_of(w64_u(a) << s);
}

fn lt_u64(a: vec2<u32>, b: vec2<u32>) -> bool {
    return w64_u(a) < w64_u(b);
}

fn lt_i64(a: vec2<u32>, b: vec2<u32>) -> bool {
    return w64_i(a) < w64_i(b);
}
