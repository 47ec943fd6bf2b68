//! Reader error handling and no-panic robustness of readers and features.

use tinyvmaf_gpu::features::{adm, motion, psnr, vif};
use tinyvmaf_gpu::io::{
    ChromaFormat, Frame, FrameSource, IoError, Plane, VideoInfo, Y4mReader, YuvReader,
};

fn y4m(header: &str, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut v = header.as_bytes().to_vec();
    v.push(b'\n');
    for f in frames {
        v.extend_from_slice(b"FRAME\n");
        v.extend_from_slice(f);
    }
    v
}

fn open(bytes: Vec<u8>) -> Result<Y4mReader<std::io::Cursor<Vec<u8>>>, IoError> {
    Y4mReader::new(std::io::Cursor::new(bytes))
}

#[test]
fn reads_frames_and_params() {
    // 4x2 4:2:0 8-bit: 8 + 2 + 2 bytes
    let f0: Vec<u8> = (0..12).collect();
    let f1: Vec<u8> = (100..112).collect();
    let mut bytes = y4m(
        "YUV4MPEG2 W4 H2 F30000:1001 Ip A1:1 C420jpeg XYSCSS=420JPEG",
        &[f0],
    );
    bytes.extend_from_slice(b"FRAME Ixyz XFOO=1\n");
    bytes.extend_from_slice(&f1);
    let mut r = open(bytes).unwrap();
    assert_eq!(
        *r.info(),
        VideoInfo {
            width: 4,
            height: 2,
            chroma: ChromaFormat::Yuv420,
            bit_depth: 8
        }
    );
    let a = r.next_frame().unwrap().unwrap();
    assert_eq!(a.planes[0].data, (0..8).collect::<Vec<u16>>());
    assert_eq!(a.planes[1].data, vec![8, 9]);
    assert_eq!(a.planes[2].data, vec![10, 11]);
    let b = r.next_frame().unwrap().unwrap();
    assert_eq!(b.planes[0].data[0], 100);
    assert!(r.next_frame().unwrap().is_none());
    assert!(r.next_frame().unwrap().is_none());
}

#[test]
fn high_bit_depth_little_endian_and_out_of_range_passthrough() {
    // 2x2 4:4:4 16-bit -> 12 samples
    let mut f = Vec::new();
    for i in 0..12u16 {
        f.extend_from_slice(&(i * 1000 + 7).to_le_bytes());
    }
    let mut r = open(y4m("YUV4MPEG2 W2 H2 C444p16", &[f])).unwrap();
    assert_eq!(r.info().bit_depth, 16);
    let fr = r.next_frame().unwrap().unwrap();
    assert_eq!(fr.planes[2].data, vec![8007, 9007, 10007, 11007]);

    // 10-bit raw yuv with a sample above 1023 is passed through unchanged
    let mut raw = Vec::new();
    for i in 0..6u16 {
        raw.extend_from_slice(&(if i == 0 { 0xFFFF } else { i }).to_le_bytes());
    }
    let mut y = YuvReader::new(std::io::Cursor::new(raw), 2, 2, "yuv420p10le").unwrap();
    let fr = y.next_frame().unwrap().unwrap();
    assert_eq!(fr.planes[0].data[0], 0xFFFF);
    assert!(y.next_frame().unwrap().is_none());
}

#[test]
fn all_colorspaces_parse() {
    for (tag, chroma, depth) in [
        ("420", ChromaFormat::Yuv420, 8),
        ("420jpeg", ChromaFormat::Yuv420, 8),
        ("420paldv", ChromaFormat::Yuv420, 8),
        ("420mpeg2", ChromaFormat::Yuv420, 8),
        ("422", ChromaFormat::Yuv422, 8),
        ("444", ChromaFormat::Yuv444, 8),
        ("420p10", ChromaFormat::Yuv420, 10),
        ("422p10", ChromaFormat::Yuv422, 10),
        ("444p10", ChromaFormat::Yuv444, 10),
        ("420p12", ChromaFormat::Yuv420, 12),
        ("422p12", ChromaFormat::Yuv422, 12),
        ("444p12", ChromaFormat::Yuv444, 12),
        ("420p16", ChromaFormat::Yuv420, 16),
        ("422p16", ChromaFormat::Yuv422, 16),
        ("444p16", ChromaFormat::Yuv444, 16),
    ] {
        let r = open(y4m(&format!("YUV4MPEG2 W6 H4 C{tag}"), &[])).unwrap();
        assert_eq!(
            (r.info().chroma, r.info().bit_depth),
            (chroma, depth),
            "{tag}"
        );
    }
    // no C tag: 4:2:0 8-bit
    assert_eq!(
        open(y4m("YUV4MPEG2 W6 H4", &[])).unwrap().info().chroma,
        ChromaFormat::Yuv420
    );
    for fmt in [
        "yuv420p",
        "yuv422p",
        "yuv444p",
        "yuv420p10le",
        "yuv422p10le",
        "yuv444p10le",
        "yuv420p12le",
        "yuv422p12le",
        "yuv444p12le",
        "yuv420p16le",
        "yuv422p16le",
        "yuv444p16le",
    ] {
        YuvReader::new(std::io::Cursor::new(Vec::new()), 8, 8, fmt).unwrap();
    }
}

#[test]
fn truncated_frame_reports_frame_and_missing_bytes() {
    let full: Vec<u8> = vec![1; 12];
    let mut bytes = y4m("YUV4MPEG2 W4 H2 C420jpeg", &[full]);
    bytes.extend_from_slice(b"FRAME\n");
    bytes.extend_from_slice(&[0; 5]); // 7 of 12 bytes missing
    let mut r = open(bytes).unwrap();
    r.next_frame().unwrap().unwrap();
    let e = r.next_frame().unwrap_err();
    assert!(
        matches!(
            e,
            IoError::TruncatedFrame {
                frame: 1,
                missing: 7,
                expected: 12
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("frame 1") && e.to_string().contains("7 of 12"),
        "{e}"
    );

    let mut y = YuvReader::new(std::io::Cursor::new(vec![0u8; 20]), 4, 2, "yuv420p").unwrap();
    y.next_frame().unwrap().unwrap();
    assert!(matches!(
        y.next_frame(),
        Err(IoError::TruncatedFrame {
            frame: 1,
            missing: 4,
            ..
        })
    ));
}

#[test]
fn bad_headers() {
    assert!(matches!(
        open(b"GARBAGE W4 H2\n".to_vec()),
        Err(IoError::BadHeader(_))
    ));
    assert!(matches!(open(Vec::new()), Err(IoError::BadHeader(_))));
    assert!(matches!(
        open(b"YUV4MPEG2 W4 Hx\n".to_vec()),
        Err(IoError::BadHeader(_))
    ));
    assert!(matches!(
        open("YUV4MPEG2 W4 H2 \u{e9}\n".as_bytes().to_vec()),
        Err(IoError::BadHeader(_))
    ));
    assert!(matches!(
        open(b"YUV4MPEG2 W4\n".to_vec()),
        Err(IoError::MissingGeometry(_))
    ));
    assert!(matches!(
        open(b"YUV4MPEG2 H4\n".to_vec()),
        Err(IoError::MissingGeometry(_))
    ));
    assert!(matches!(
        open(b"YUV4MPEG2 W0 H4\n".to_vec()),
        Err(IoError::ZeroGeometry { .. })
    ));
    assert!(matches!(
        open(b"YUV4MPEG2 W100000 H100000\n".to_vec()),
        Err(IoError::GeometryTooLarge { .. })
    ));
    assert!(matches!(
        open(b"YUV4MPEG2 W99999999999999999999999 H2\n".to_vec()),
        Err(IoError::GeometryTooLarge { .. }) | Err(IoError::BadHeader(_))
    ));
    assert!(matches!(
        open(b"YUV4MPEG2 W16385 H2\n".to_vec()),
        Err(IoError::GeometryTooLarge { .. })
    ));
    assert!(matches!(
        open(b"YUV4MPEG2 W4 H2 C411\n".to_vec()),
        Err(IoError::UnsupportedColorspace(_))
    ));
    assert!(matches!(
        open(b"YUV4MPEG2 W4 H2 Cmono\n".to_vec()),
        Err(IoError::UnsupportedColorspace(_))
    ));
    assert!(matches!(
        open(b"YUV4MPEG2 W4 H2 C420p9\n".to_vec()),
        Err(IoError::UnsupportedColorspace(_))
    ));
    let mut long = b"YUV4MPEG2 W4 H2 X".to_vec();
    long.extend(std::iter::repeat_n(b'a', 10_000));
    assert!(matches!(open(long), Err(IoError::HeaderTooLong { .. })));
    // bad frame marker
    let mut r = open(b"YUV4MPEG2 W4 H2\nFRAMX\n".to_vec()).unwrap();
    assert!(matches!(
        r.next_frame(),
        Err(IoError::BadFrameMarker { frame: 0, .. })
    ));
    assert!(matches!(
        YuvReader::new(std::io::Cursor::new(Vec::new()), 4, 4, "rgb24"),
        Err(IoError::UnknownPixelFormat(_))
    ));
    assert!(matches!(
        YuvReader::new(std::io::Cursor::new(Vec::new()), 0, 4, "yuv420p"),
        Err(IoError::ZeroGeometry { .. })
    ));
}

/// Deterministic pseudo-random generator for the fuzz-style tests.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn mutated_streams_never_panic() {
    let f: Vec<u8> = (0..48).map(|i| i as u8).collect();
    let base = y4m(
        "YUV4MPEG2 W8 H4 F25:1 Ip A1:1 C420jpeg",
        &[f.clone(), f.clone(), f],
    );
    let mut rng = Lcg(42);
    for _ in 0..3000 {
        let mut b = base.clone();
        for _ in 0..(1 + rng.next() % 4) {
            let i = (rng.next() as usize) % b.len();
            match rng.next() % 3 {
                0 => b[i] = rng.next() as u8,
                1 => b.truncate(i),
                _ => b.insert(i, b"0123456789 WHC\n"[(rng.next() % 15) as usize]),
            }
            if b.is_empty() {
                break;
            }
        }
        if let Ok(mut r) = open(b) {
            for _ in 0..5 {
                match r.next_frame() {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }
    }
}

fn random_plane(rng: &mut Lcg, w: usize, h: usize, max: u32) -> Plane {
    Plane {
        width: w,
        height: h,
        data: (0..w * h)
            .map(|_| (rng.next() as u32 % (max + 1)) as u16)
            .collect(),
    }
}

#[test]
fn features_never_panic_on_small_or_odd_sizes() {
    let mut rng = Lcg(7);
    let sizes = (1..=20).chain([31, 33, 47, 63, 65]);
    for w in sizes.clone() {
        for h in [1usize, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33] {
            for bpc in [8u8, 10, 16] {
                // include out-of-range samples for the depth
                let max = if rng.next().is_multiple_of(4) {
                    65535
                } else {
                    (1u32 << bpc) - 1
                };
                let a = random_plane(&mut rng, w, h, max);
                let b = random_plane(&mut rng, w, h, max);
                let _ = vif::compute_vif(&a, &b, bpc, 100.0);
                let _ = adm::compute_adm(&a, &b, bpc, 100.0);
                let _ = adm::compute_adm(&a, &b, bpc, 1.0);
                let _ = motion::compute_motion_sad(&a, &b, bpc);
            }
        }
        // malformed planes (data shorter than width*height) and odd bit depths
        let bad = Plane {
            width: w,
            height: 9,
            data: vec![1; w],
        };
        let ok = random_plane(&mut rng, w, 9, 255);
        for bpc in [0u8, 1, 9, 17, 255] {
            let _ = vif::compute_vif(&bad, &ok, bpc, 100.0);
            let _ = adm::compute_adm(&ok, &bad, bpc, 100.0);
            let _ = motion::compute_motion_sad(&bad, &ok, bpc);
            let _ = vif::compute_vif(&ok, &ok, bpc, 100.0);
            let _ = adm::compute_adm(&ok, &ok, bpc, 100.0);
        }
        let info = VideoInfo::new(w, 5, ChromaFormat::Yuv420, 8).unwrap();
        let (x, y) = (Frame::new(info), Frame::new(info));
        let p = psnr::compute_psnr(&x, &y);
        assert_eq!(p, [60.0; 3]);
    }
}

#[test]
fn identical_frames_give_unit_scores() {
    let mut rng = Lcg(3);
    let a = random_plane(&mut rng, 64, 48, 255);
    let v = vif::compute_vif(&a, &a, 8, 100.0);
    let (adm2, s) = adm::compute_adm(&a, &a, 8, 100.0);
    for x in v.iter().chain(&s).chain([&adm2]) {
        assert!((x - 1.0).abs() < 1e-3, "{x}");
    }
    assert_eq!(motion::compute_motion_sad(&a, &a, 8), 0.0);
}

#[test]
fn motion2_follows_libvmafs_rule() {
    let mut rng = Lcg(11);
    let frames: Vec<Plane> = (0..5)
        .map(|_| random_plane(&mut rng, 32, 24, 255))
        .collect();
    let raw: Vec<f64> = (0..5)
        .map(|i| {
            if i == 0 {
                0.0
            } else {
                motion::compute_motion_sad(&frames[i - 1], &frames[i], 8)
            }
        })
        .collect();
    let m2 = motion::motion2(&raw);
    assert_eq!(m2[0], 0.0);
    for i in 1..4 {
        assert_eq!(m2[i], raw[i].min(raw[i + 1]));
    }
    assert_eq!(m2[4], raw[4]);
    // a single frame gives motion2 = 0
    assert_eq!(motion::motion2(&raw[..1]), vec![0.0]);
}

#[test]
fn huge_announced_frame_on_short_input_is_cheap() {
    // 16384x16384 4:4:4 16-bit announces a 1.5 GiB frame; only 10 bytes exist.
    let mut b = b"YUV4MPEG2 W16384 H16384 C444p16\nFRAME\n".to_vec();
    b.extend_from_slice(&[0; 10]);
    let mut r = open(b).unwrap();
    match r.next_frame() {
        Err(IoError::TruncatedFrame {
            frame: 0,
            missing,
            expected,
        }) => {
            assert_eq!(expected, 16384 * 16384 * 3 * 2);
            assert_eq!(missing, expected - 10);
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// A Y4M header with a Windows line ending is named as such (it used to be reported as
/// an "unsupported colorspace '420jpeg'", the CR riding on the last tag).
#[test]
fn crlf_header_is_named() {
    match open(b"YUV4MPEG2 W4 H2 F25:1 C420jpeg\r\n".to_vec()) {
        Err(IoError::BadHeader(message)) => assert!(message.contains("ends in CR"), "{message}"),
        other => panic!("{:?}", other.map(|_| ())),
    }
}
