//! Property: any valid Y4M stream (random geometry, chroma format, bit depth, frame
//! count, samples and FRAME parameters) reads back frame-exact.

use proptest::prelude::*;
use tinyvmaf_gpu::io::{ChromaFormat, FrameSource, VideoInfo, Y4mReader};

/// A valid stream: its header fields and, per frame, its three planes.
#[derive(Debug, Clone)]
struct Stream {
    info: VideoInfo,
    frames: Vec<[Vec<u16>; 3]>,
    frame_params: Vec<String>,
}

fn stream() -> impl Strategy<Value = Stream> {
    let chroma = prop_oneof![Just(ChromaFormat::Yuv420), Just(ChromaFormat::Yuv422), Just(ChromaFormat::Yuv444)];
    (1usize..40, 1usize..24, chroma, prop_oneof![Just(8u8), Just(10), Just(12), Just(16)], 0usize..4)
        .prop_flat_map(|(w, h, chroma, depth, n)| {
            let info = VideoInfo::new(w, h, chroma, depth).unwrap();
            let max = (1u32 << depth) - 1;
            let plane = |p: usize| {
                let (pw, ph) = info.plane_dims(p);
                proptest::collection::vec(0..=max as u16, pw * ph)
            };
            let frame = (plane(0), plane(1), plane(2)).prop_map(|(y, u, v)| [y, u, v]);
            let param = prop_oneof![Just(String::new()), Just(" Ip".to_owned()), Just(" XCOLORRANGE=FULL".to_owned())];
            (proptest::collection::vec(frame, n), proptest::collection::vec(param, n))
                .prop_map(move |(frames, frame_params)| Stream { info, frames, frame_params })
        })
}

fn tag(info: &VideoInfo) -> String {
    let c = match info.chroma {
        ChromaFormat::Yuv420 => "420",
        ChromaFormat::Yuv422 => "422",
        ChromaFormat::Yuv444 => "444",
    };
    match info.bit_depth {
        8 if info.chroma == ChromaFormat::Yuv420 => "420jpeg".to_owned(),
        8 => c.to_owned(),
        d => format!("{c}p{d}"),
    }
}

fn encode(s: &Stream) -> Vec<u8> {
    let mut out = format!("YUV4MPEG2 W{} H{} F30000:1001 It A1:1 C{} XYSCSS=X\n", s.info.width, s.info.height, tag(&s.info))
        .into_bytes();
    for (planes, param) in s.frames.iter().zip(&s.frame_params) {
        out.extend_from_slice(format!("FRAME{param}\n").as_bytes());
        for plane in planes {
            for &v in plane {
                if s.info.bit_depth == 8 {
                    out.push(v as u8);
                } else {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
    }
    out
}

/// `bytes` read as Y4M give `s`'s geometry and frames, and nothing more.
fn reads_back(bytes: Vec<u8>, s: &Stream) -> Result<(), TestCaseError> {
    let mut reader = Y4mReader::new(std::io::Cursor::new(bytes)).unwrap();
    prop_assert_eq!(reader.info(), &s.info);
    for (i, planes) in s.frames.iter().enumerate() {
        let frame = reader.next_frame().unwrap().unwrap_or_else(|| panic!("frame {i} missing"));
        for p in 0..3 {
            prop_assert_eq!(&frame.planes[p].data, &planes[p], "frame {} plane {}", i, p);
        }
    }
    prop_assert!(reader.next_frame().unwrap().is_none());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn valid_y4m_round_trips_frame_exact(s in stream()) {
        reads_back(encode(&s), &s)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// What `io::y4m::y4m_bytes` writes (the clips `bench --write-clips` times whole
    /// commands on) reads back frame-exact.
    #[test]
    fn written_y4m_reads_back_frame_exact(s in stream()) {
        let frames = s.frames.iter().map(|planes| {
            let mut frame = tinyvmaf_gpu::io::Frame::new(s.info);
            for (plane, data) in frame.planes.iter_mut().zip(planes) {
                plane.data.clone_from(data);
            }
            frame
        });
        reads_back(tinyvmaf_gpu::io::y4m::y4m_bytes(&s.info, frames), &s)?;
    }
}
