//! Self-contained golden test: synthetic clips (generated in `fixture_gen`)
//! against values produced by libvmaf's own scalar C sources (f85a8536),
//! stored in `fixture_golden.txt`. Covers odd sizes, 8/10/12/16-bit,
//! 4:2:0/4:2:2/4:4:4 and extreme (0 / max) content. Needs no external files.

mod fixture_gen;

use std::collections::BTreeMap;

use tinyvmaf_gpu::features::{adm, motion, vif};
use tinyvmaf_gpu::io::{FrameSource, Y4mReader};

#[test]
fn synthetic_fixtures_match_libvmaf_c() {
    let mut golden: BTreeMap<(String, usize, String), f64> = BTreeMap::new();
    for line in include_str!("fixture_golden.txt").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        golden.insert(
            (f[0].to_string(), f[1].parse().unwrap(), f[2].to_string()),
            f[3].parse().unwrap(),
        );
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for fx in fixture_gen::fixtures() {
        let mut r = Y4mReader::new(std::io::Cursor::new(fx.y4m_ref)).unwrap();
        let mut d = Y4mReader::new(std::io::Cursor::new(fx.y4m_dist)).unwrap();
        let bpc = r.info().bit_depth;
        let mut prev: Option<tinyvmaf_gpu::io::Plane> = None;
        let mut i = 0usize;
        while let (Some(a), Some(b)) = (r.next_frame().unwrap(), d.next_frame().unwrap()) {
            let (ry, dy) = (&a.planes[0], &b.planes[0]);
            let mut got: Vec<(String, f64)> = Vec::new();
            for (egl, sfx) in [(100.0, ""), (1.0, "_egl_1")] {
                let v = vif::compute_vif(ry, dy, bpc, egl);
                let (a2, s) = adm::compute_adm(ry, dy, bpc, egl);
                for k in 0..4 {
                    got.push((
                        format!("VMAF_integer_feature_vif_scale{k}_score{sfx}"),
                        v[k],
                    ));
                    got.push((format!("integer_adm_scale{k}{sfx}"), s[k]));
                }
                got.push((format!("VMAF_integer_feature_adm2_score{sfx}"), a2));
            }
            let m = prev
                .as_ref()
                .map_or(0.0, |p| motion::compute_motion_sad(p, ry, bpc));
            got.push(("VMAF_integer_feature_motion_sad_score".into(), m));
            for (k, v) in got {
                match golden.get(&(fx.name.to_string(), i, k.clone())) {
                    Some(&g) if g == v => checked += 1,
                    Some(&g) => failures.push(format!(
                        "{} frame {i} {k}: ours {v:.17e} libvmaf {g:.17e}",
                        fx.name
                    )),
                    None => failures.push(format!("{} frame {i} {k}: no golden value", fx.name)),
                }
            }
            prev = Some(ry.clone());
            i += 1;
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{} mismatches", failures.len());
    assert_eq!(checked, golden.len(), "every golden value must be checked");
}

/// Writes the fixture pairs as Y4M files into `$FIXTURE_OUT` (run by hand when
/// regenerating `fixture_golden.txt`, see tests/fixture_gen/REGENERATE.md).
#[test]
#[ignore = "writes files; run with FIXTURE_OUT=DIR cargo test --test fixture -- --ignored"]
fn write_fixture_clips() {
    let dir = std::path::PathBuf::from(std::env::var_os("FIXTURE_OUT").expect("set FIXTURE_OUT"));
    std::fs::create_dir_all(&dir).unwrap();
    for fx in fixture_gen::fixtures() {
        std::fs::write(dir.join(format!("{}.ref.y4m", fx.name)), &fx.y4m_ref).unwrap();
        std::fs::write(dir.join(format!("{}.dist.y4m", fx.name)), &fx.y4m_dist).unwrap();
    }
}
