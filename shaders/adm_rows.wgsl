// ADM pass 3: the per-row sums of one scale, one workgroup per row of the score
// region; WG_SIZE invocations stride the row, `workgroup_sum_u64` adds their partials,
// and invocation 0 adds each rounded row sum into its u64/i64 total of this scale in
// `totals`. CPU twin: `features::adm::adm_rows` (the host then runs `adm_den_finish`,
// `adm_cm_finish` and `adm_aim_finish` on the same totals). Per sample:
// - Denominator, per reference detail band (h, v, d): |o|³ (scales 1..3 with the
//   rounding steps of `AdmShifts`); each row rounded by `den_row` bits, at
//   `result_offset`.
// - Masking threshold of the DLM: thr = Σ_bands (Σ_3x3 csf_f − csf_f[centre] +
//   |csf_a[centre]|/15) over the CSF of the additive bands, neighbours mirrored
//   -1 -> 1, n -> n-1 (`thr`, below); stored in `thr` (for the pass-level tests).
// - DLM numerator, per restored band r (h, v, d): x = r·rfactor, x = max(|x| − thr, 0),
//   rnd(rnd(x², s2)·x, s3); each row rounded by `cm_row` bits, at `result_offset + 6`.
// - AIM's numerator: the same with the additive bands a, and the threshold of the CSF
//   of the restored bands, at `aim_offset`.
//
// Exactness: every value is a u64 (lo, hi) pair, every sum a pair addition modulo
// 2^64 like the CPU's `wrapping_add` (order-free), every shift a pair shift.
// - Denominator, scale 0: m = |o| ≤ 2^15, m² ≤ 2^30 (u32), m³ < 2^46
//   (`mul_u32_wide`). Scales 1..3: m = |o| ≤ 2^31, m² < 2^62 (`mul_u32_wide`),
//   + 2^den_sq cannot wrap; sq · m is taken modulo 2^64 like `wrapping_mul` (lo·m
//   wide, + hi·m in the high word).
// - Threshold, scale 0: i32 with wrap-around as on the CPU (8738·|csf_a| + 2048 < 2^29,
//   then `as i16`). Scales 1..3: 286331153·|csf_a| < 2^61 as an exact pair, − 2^31
//   (`ADM_S123_FLT_ADD`), `>> 32` = the high word as i32. The sums are i32 with
//   wrap-around on the CPU (`wrapping_add`), and WGSL i32 addition wraps the same way.
// - Numerators: x at scale 0 in i32 with wrap-around as on the CPU (`wrapping_mul`,
//   `wrapping_abs`, `wrapping_shl`, `wrapping_sub`); scales 1..3 rf (Q32) × r is an
//   exact pair below 2^63, `>> 28` its arithmetic shift, `as i32` its low word. Then
//   0 ≤ x < 2^31; x² < 2^62 (`mul_u32_wide`), rounded and shifted as a pair, `as i32`
//   = low word; xsq·x: i32 × i32, an exact pair (`mul_i32_wide`); + rounding,
//   arithmetic shift. The row's `(inner + add) >> s` is a pair add and arithmetic shift.
// - Totals: the lo word's atomic add returns the old value, whose wrap gives the carry
//   into the hi word; each row's carry is right whatever the order of rows, so the
//   total is the sum modulo 2^64 (the buffer is cleared by `AdmPlan::encode`).

// `AdmParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: AdmParams;
@group(0) @binding(1) var<storage, read> ref_bands: array<i32>;
@group(0) @binding(2) var<storage, read> r_in: array<i32>;
@group(0) @binding(3) var<storage, read> a_in: array<i32>;
@group(0) @binding(4) var<storage, read> csf: array<i32>;
@group(0) @binding(5) var<storage, read_write> thr_out: array<i32>;
@group(0) @binding(6) var<storage, read_write> totals: array<atomic<u32>>;

fn atomic_add_u64(i: u32, v: vec2<u32>) {
    let old = atomicAdd(&totals[i], v.x);
    let carry = select(0u, 1u, old + v.x < old);
    atomicAdd(&totals[i + 1u], v.y + carry);
}

// The masking thresholds at (i, j): x over the CSF of the additive bands (csf
// planes 0..5: csf_a h, v, d, then csf_f h, v, d), y over that of the restored bands
// (planes 6..11). Both in one loop: as two calls, lavapipe's code for this pass ran
// three times slower than with one.
fn thr(i: u32, j: u32) -> vec2<i32> {
    let w = params.width;
    let h = params.height;
    let n = w * h;
    let idx = i * w + j;
    let rows = array<u32, 3>(select(i - 1u, min(1u, h - 1u), i == 0u), i, select(i + 1u, h - 1u, i + 1u >= h));
    let cols = array<u32, 3>(select(j - 1u, min(1u, w - 1u), j == 0u), j, select(j + 1u, w - 1u, j + 1u >= w));
    let minus_2_31 = neg_i64(vec2<u32>(ADM_S123_FLT_SUB, 0u));
    let aim = 6u * n;
    var sum = vec2<i32>(0, 0);
    for (var b = 0u; b < 3u; b++) {
        let f = (3u + b) * n;
        var s = vec2<i32>(0, 0);
        for (var r = 0u; r < 3u; r++) {
            for (var c = 0u; c < 3u; c++) {
                let k = f + rows[r] * w + cols[c];
                s += vec2<i32>(csf[k], csf[aim + k]);
            }
        }
        s -= vec2<i32>(csf[f + idx], csf[aim + f + idx]);
        let ca = vec2<i32>(csf[b * n + idx], csf[aim + b * n + idx]);
        var centre: vec2<i32>;
        if (params.scale == 0u) {
            let c = (ADM_S0_ONE_BY_15 * abs(ca) + 2048) >> vec2<u32>(12u);
            centre = vec2<i32>(trunc_i16(c.x), trunc_i16(c.y));
        } else {
            let x = add_u64(mul_u32_wide(ADM_S123_ONE_BY_15, u32(abs(ca.x))), minus_2_31).y;
            let y = add_u64(mul_u32_wide(ADM_S123_ONE_BY_15, u32(abs(ca.y))), minus_2_31).y;
            centre = vec2<i32>(i32(x), i32(y));
        }
        sum += s + centre;
    }
    return sum;
}

// Band b's reference |o|³ term of the denominator.
fn den_term(o: i32) -> vec2<u32> {
    if (params.scale == 0u) {
        let m = u32(abs(trunc_i16(o)));
        return mul_u32_wide(m * m, m);
    }
    let m = u32(abs(o));
    let sq = shr_u64(add_u64(mul_u32_wide(m, m), vec2<u32>(1u << params.den_sq, 0u)), params.den_sq);
    var cube = mul_u32_wide(sq.x, m);
    cube.y += sq.y * m;
    return shr_u64(add_u64(cube, vec2<u32>(half_round_u32(params.den_cub), 0u)), params.den_cub);
}

// Band b's numerator term of the masked value v against threshold t.
fn cm_term(b: u32, v: i32, t: i32) -> vec2<u32> {
    let s0 = params.scale == 0u;
    let scub = select(params.cm_cub_hv, params.cm_cub_d, b == 2u);
    var sq_shift = 30u;
    var x: i32;
    if (s0) {
        sq_shift = ADM_S0_CM_SQ_SHIFT[b];
        x = max(abs(v * adm_s0_rf(params, b)) - (t << ADM_S0_CM_THR_SHIFT[b]), 0);
    } else {
        x = i32(shr_i64(add_u64(mul_u32_i32_wide(adm_rf32(params, b), v), vec2<u32>(1u << 27u, 0u)), 28u).x);
        x = max(abs(x) - t, 0);
    }
    let xsq = i32(shr_u64(add_u64(mul_u32_wide(u32(x), u32(x)), vec2<u32>(1u << (sq_shift - 1u), 0u)), sq_shift).x);
    return shr_i64(add_u64(mul_i32_wide(xsq, x), vec2<u32>(half_round_u32(scub), 0u)), scub);
}

// One band's three terms at one sample: denominator, DLM numerator, AIM numerator.
struct Terms {
    den: vec2<u32>,
    dlm: vec2<u32>,
    aim: vec2<u32>,
}

fn band_terms(b: u32, n: u32, idx: u32, t_dlm: i32, t_aim: i32) -> Terms {
    let den = den_term(ref_bands[(b + 1u) * n + idx]);
    return Terms(den, cm_term(b, r_in[b * n + idx], t_dlm), cm_term(b, a_in[b * n + idx], t_aim));
}

fn add_terms(s: Terms, t: Terms) -> Terms {
    return Terms(add_u64(s.den, t.den), add_u64(s.dlm, t.dlm), add_u64(s.aim, t.aim));
}

// The workgroup's sum of `v`, rounded by `shift` bits (arithmetically if `signed`),
// added into the total at word `at`. Called from uniform control flow.
fn add_row(lid: u32, v: vec2<u32>, at: u32, shift: u32, signed: bool) {
    let total = add_u64(workgroup_sum_u64(lid, v), vec2<u32>(half_round_u32(shift), 0u));
    if (lid == 0u) {
        atomic_add_u64(at, select(shr_u64(total, shift), shr_i64(total, shift), signed));
    }
    // Every invocation has read the sum before the next call overwrites it.
    workgroupBarrier();
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    // `row` is uniform across the workgroup, so every invocation reaches the barriers.
    // Named sums per band, not an array: a function-scope array indexed at run time
    // lives in memory (see `VifParams::taps`).
    let row = params.score_top + wid.x;
    let w = params.width;
    let n = w * params.height;
    var h: Terms;
    var v: Terms;
    var d: Terms;
    for (var j = params.score_left + lid; j < params.score_right; j += WG_SIZE) {
        let idx = row * w + j;
        let t = thr(row, j);
        let t_dlm = t.x;
        let t_aim = t.y;
        thr_out[idx] = t_dlm;
        h = add_terms(h, band_terms(0u, n, idx, t_dlm, t_aim));
        v = add_terms(v, band_terms(1u, n, idx, t_dlm, t_aim));
        d = add_terms(d, band_terms(2u, n, idx, t_dlm, t_aim));
    }
    let at = params.result_offset;
    add_row(lid, h.den, at, params.den_row, false);
    add_row(lid, v.den, at + 2u, params.den_row, false);
    add_row(lid, d.den, at + 4u, params.den_row, false);
    add_row(lid, h.dlm, at + 6u, params.cm_row, true);
    add_row(lid, v.dlm, at + 8u, params.cm_row, true);
    add_row(lid, d.dlm, at + 10u, params.cm_row, true);
    add_row(lid, h.aim, params.aim_offset, params.cm_row, true);
    add_row(lid, v.aim, params.aim_offset + 2u, params.cm_row, true);
    add_row(lid, d.aim, params.aim_offset + 4u, params.cm_row, true);
}
