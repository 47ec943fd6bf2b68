//! Deterministic synthetic clip pairs for the self-contained fixture test.
//! `write_fixture_clips` in tests/fixture.rs writes the same pairs as files,
//! the Y4Ms that libvmaf's C code was run on to produce the golden values.

pub struct Fixture {
    pub name: &'static str,
    pub y4m_ref: Vec<u8>,
    pub y4m_dist: Vec<u8>,
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
}

/// (name, width, height, colorspace tag, bit depth, frames, stress)
const SPECS: &[(&str, usize, usize, &str, u32, usize, bool)] = &[
    ("odd_67x45_8b_420", 67, 45, "420jpeg", 8, 3, false),
    ("c422_64x40_10b", 64, 40, "422p10", 10, 3, false),
    ("c444_50x34_16b_stress", 50, 34, "444p16", 16, 3, true),
    ("c420_48x48_12b", 48, 48, "420p12", 12, 3, false),
    ("c444_41x37_8b_stress", 41, 37, "444", 8, 3, true),
];

fn chroma_dims(w: usize, h: usize, tag: &str) -> (usize, usize) {
    if tag.starts_with("420") {
        (w.div_ceil(2), h.div_ceil(2))
    } else if tag.starts_with("422") {
        (w.div_ceil(2), h)
    } else {
        (w, h)
    }
}

fn push_sample(out: &mut Vec<u8>, v: u32, bpc: u32) {
    if bpc > 8 {
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else {
        out.push(v as u8);
    }
}

pub fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for (si, &(name, w, h, tag, bpc, frames, stress)) in SPECS.iter().enumerate() {
        let max = (1u32 << bpc) - 1;
        let mut rng = Lcg(0x5eed + si as u64);
        let header = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C{tag}\n");
        let (mut r, mut d) = (header.clone().into_bytes(), header.into_bytes());
        let (cw, ch) = chroma_dims(w, h, tag);
        for t in 0..frames {
            let mut refp = vec![0u32; w * h];
            for y in 0..h {
                for x in 0..w {
                    let base = ((x * 7 + y * 13 + t * 5) % 64) as u32 * (max / 64)
                        + ((x * y + t * 3) % 17) as u32 * (max / 256);
                    let mut v = base + rng.next() % (max / 32 + 1);
                    if stress && (x / 8 + y / 8 + t) % 3 == 0 {
                        v = if (x + y) % 2 == 0 { max } else { 0 };
                    }
                    refp[y * w + x] = v.min(max);
                }
            }
            r.extend_from_slice(b"FRAME\n");
            d.extend_from_slice(b"FRAME\n");
            for y in 0..h {
                for x in 0..w {
                    let a = refp[y * w + x];
                    let b = refp[y * w + (x + 1).min(w - 1)];
                    let c = refp[(y + 1).min(h - 1) * w + x];
                    let n = (rng.next() % (max / 16 + 1)) as i64 - (max / 32) as i64;
                    let dv = (((2 * a + b + c) / 4) as i64 + n).clamp(0, max as i64) as u32;
                    push_sample(&mut r, a, bpc);
                    push_sample(&mut d, dv, bpc);
                }
            }
            for _ in 0..2 * cw * ch {
                push_sample(&mut r, max / 2, bpc);
                push_sample(&mut d, max / 2 + 1, bpc);
            }
        }
        out.push(Fixture {
            name,
            y4m_ref: r,
            y4m_dist: d,
        });
    }
    out
}
