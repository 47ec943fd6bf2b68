//! libvmaf's `speed_chroma`: SpEED's spatial entropy difference of the U and V
//! planes (`speed_chroma_u`, `speed_chroma_v`, `speed_chroma_uv`). CPU only (both
//! backends compute it on the host, as they do PSNR).

pub mod cpu;

pub use cpu::{ChromaSubsampling, PrescaleMethod, SpeedChroma, SpeedChromaOptions, SpeedChromaScores, SpeedError};

use super::name::{self, KeyOption};

/// The three log keys libvmaf gives the scores with these options (U, V, UV).
pub fn keys(o: &SpeedChromaOptions) -> [String; 3] {
    let d = SpeedChromaOptions::default();
    ["speed_chroma_u", "speed_chroma_v", "speed_chroma_uv"].map(|base| {
        name::key(
            base,
            vec![
                KeyOption::double("speed_kernelscale", "ks", o.kernelscale, d.kernelscale),
                KeyOption::double("speed_prescale", "ps", o.prescale, d.prescale),
                KeyOption::string("speed_prescale_method", "psm", o.prescale_method.as_str(), d.prescale_method.as_str()),
                KeyOption::double("speed_sigma_nn", "snn", o.sigma_nn, d.sigma_nn),
                KeyOption::double("speed_nn_floor", "nnf", o.nn_floor, d.nn_floor),
                KeyOption::double("speed_max_val", "mxv", o.max_val, d.max_val),
                KeyOption::int("speed_weight_var_mode", "wvm", i64::from(o.weight_var_mode), i64::from(d.weight_var_mode)),
            ],
        )
    })
}

/// Sets one option by libvmaf's name (or alias) from its text, as `--feature
/// speed_chroma=NAME=VALUE:…` gives it; ranges are checked by [`SpeedChroma::new`].
pub fn set_option(o: &mut SpeedChromaOptions, option: &str, value: &str) -> Result<(), String> {
    let number = || value.parse::<f64>().map_err(|_| format!("speed_chroma option {option}: {value:?} is not a number"));
    match option {
        "speed_kernelscale" | "ks" => o.kernelscale = number()?,
        "speed_prescale" | "ps" => o.prescale = number()?,
        "speed_prescale_method" | "psm" => o.prescale_method = value.parse().map_err(|e: SpeedError| e.to_string())?,
        "speed_sigma_nn" | "snn" => o.sigma_nn = number()?,
        "speed_nn_floor" | "nnf" => o.nn_floor = number()?,
        "speed_max_val" | "mxv" => o.max_val = number()?,
        "speed_weight_var_mode" | "wvm" => {
            o.weight_var_mode = value.parse().map_err(|_| format!("speed_chroma option {option}: {value:?} is not an integer"))?
        }
        _ => return Err(format!("speed_chroma has no option {option:?}")),
    }
    Ok(())
}

/// The scores of one frame pair (U and V planes, at the luma size's chroma size),
/// with a fresh state: the feature keeps nothing from frame to frame.
pub fn speed_chroma(
    r: &crate::io::Frame,
    d: &crate::io::Frame,
    options: &SpeedChromaOptions,
) -> Result<SpeedChromaScores, SpeedError> {
    let mut state = state(&r.info, options)?;
    // A Y4M chroma row of an odd-width picture is one sample longer than libvmaf's
    // chroma width: the plane's own width is the stride.
    let stride = r.planes[1].width;
    Ok(state.score_with_stride(&r.planes[1].data, &r.planes[2].data, &d.planes[1].data, &d.planes[2].data, stride))
}

/// The state for pictures of `info`, or libvmaf's reason to refuse them.
pub fn state(info: &crate::io::VideoInfo, options: &SpeedChromaOptions) -> Result<SpeedChroma, SpeedError> {
    let subsampling = match info.chroma {
        crate::io::ChromaFormat::Yuv420 => ChromaSubsampling::Yuv420,
        crate::io::ChromaFormat::Yuv422 => ChromaSubsampling::Yuv422,
        crate::io::ChromaFormat::Yuv444 => ChromaSubsampling::Yuv444,
    };
    let (w, h) = subsampling.chroma_size(info.width, info.height);
    SpeedChroma::new(w, h, info.bit_depth, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_as_libvmaf_logs_them() {
        let mut v1 = SpeedChromaOptions::default();
        for (option, value) in [("speed_max_val", "45"), ("nnf", "0.1"), ("speed_sigma_nn", "0.19"), ("wvm", "5")] {
            set_option(&mut v1, option, value).unwrap();
        }
        assert_eq!(keys(&v1)[2], "speed_chroma_uv_mxv_45_nnf_0.1_snn_0.19_wvm_5");
        set_option(&mut v1, "speed_prescale", "0.6").unwrap();
        set_option(&mut v1, "speed_prescale_method", "bilinear").unwrap();
        assert_eq!(keys(&v1)[0], "speed_chroma_u_mxv_45_nnf_0.1_ps_0.6_psm_bilinear_snn_0.19_wvm_5");
        assert_eq!(keys(&SpeedChromaOptions::default()), ["speed_chroma_u", "speed_chroma_v", "speed_chroma_uv"]);
        assert!(set_option(&mut v1, "psm", "cubic").is_err());
    }
}
