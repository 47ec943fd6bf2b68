//! libvmaf's `cambi`: the banding index of the distorted picture's luma (no
//! reference). CPU only (both backends compute it on the host, as they do PSNR).

pub mod cpu;

pub use cpu::{Cambi, CambiEotf, CambiError, CambiOptions};

use super::name::{self, KeyOption};

/// The log key libvmaf gives the score with these options (`cambi`, or e.g.
/// `cambi_hrs_1080_cmxv_17_vlt_0.06`).
pub fn key(o: &CambiOptions) -> String {
    let d = CambiOptions::default();
    let size = |v: Option<usize>| v.map_or(0, |v| v as i64);
    name::key(
        "cambi",
        vec![
            KeyOption::double("cambi_max_val", "cmxv", o.max_val, d.max_val),
            KeyOption::int("enc_width", "encw", size(o.enc_width), 0),
            KeyOption::int("enc_height", "ench", size(o.enc_height), 0),
            KeyOption::int("enc_bitdepth", "encbd", o.enc_bitdepth.map_or(0, i64::from), 0),
            KeyOption::int("src_width", "srcw", size(o.src_width), 0),
            KeyOption::int("src_height", "srch", size(o.src_height), 0),
            KeyOption::int("window_size", "ws", i64::from(o.window_size), i64::from(d.window_size)),
            KeyOption::double("topk", "topk", o.topk, d.topk),
            KeyOption::double("cambi_topk", "ctpk", o.cambi_topk, d.cambi_topk),
            KeyOption::double("tvi_threshold", "tvit", o.tvi_threshold, d.tvi_threshold),
            KeyOption::double("cambi_vis_lum_threshold", "vlt", o.vis_lum_threshold, d.vis_lum_threshold),
            KeyOption::int("max_log_contrast", "mlc", i64::from(o.max_log_contrast), i64::from(d.max_log_contrast)),
            KeyOption::string("eotf", "eotf", o.eotf.name(), d.eotf.name()),
            KeyOption::string("cambi_eotf", "ceot", o.cambi_eotf.name(), d.cambi_eotf.name()),
            KeyOption::int("cambi_high_res_speedup", "hrs", i64::from(o.high_res_speedup), i64::from(d.high_res_speedup)),
        ],
    )
}

/// Sets one option by libvmaf's name (or alias) from its text, as `--feature
/// cambi=NAME=VALUE:…` gives it; the whole set is checked by [`CambiOptions::validate`].
pub fn set_option(o: &mut CambiOptions, option: &str, value: &str) -> Result<(), String> {
    let number = || value.parse::<f64>().map_err(|_| format!("cambi option {option}: {value:?} is not a number"));
    let int = || value.parse::<i64>().map_err(|_| format!("cambi option {option}: {value:?} is not an integer"));
    let size = || -> Result<Option<usize>, String> { Ok(usize::try_from(int()?).ok().filter(|&v| v > 0)) };
    let narrow = |v: i64| -> Result<u16, String> { u16::try_from(v).map_err(|_| format!("cambi option {option}: {v} is out of range")) };
    match option {
        "cambi_max_val" | "cmxv" => o.max_val = number()?,
        "enc_width" | "encw" => o.enc_width = size()?,
        "enc_height" | "ench" => o.enc_height = size()?,
        "enc_bitdepth" | "encbd" => o.enc_bitdepth = u8::try_from(int()?).ok().filter(|&v| v > 0),
        "src_width" | "srcw" => o.src_width = size()?,
        "src_height" | "srch" => o.src_height = size()?,
        "window_size" | "ws" => o.window_size = narrow(int()?)?,
        "topk" => o.topk = number()?,
        "cambi_topk" | "ctpk" => o.cambi_topk = number()?,
        "tvi_threshold" | "tvit" => o.tvi_threshold = number()?,
        "cambi_vis_lum_threshold" | "vlt" => o.vis_lum_threshold = number()?,
        "max_log_contrast" | "mlc" => o.max_log_contrast = narrow(int()?)?,
        "eotf" => o.eotf = CambiEotf::from_name(value).map_err(|e| e.to_string())?,
        "cambi_eotf" | "ceot" => o.cambi_eotf = CambiEotf::from_name(value).map_err(|e| e.to_string())?,
        "cambi_high_res_speedup" | "hrs" => o.high_res_speedup = i32::try_from(int()?).map_err(|e| e.to_string())?,
        _ => return Err(format!("cambi has no option {option:?}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_as_libvmaf_logs_them() {
        assert_eq!(key(&CambiOptions::default()), "cambi");
        let mut v1 = CambiOptions::default();
        for (option, value) in [("cambi_high_res_speedup", "1080"), ("cmxv", "17"), ("cambi_vis_lum_threshold", "0.06")] {
            set_option(&mut v1, option, value).unwrap();
        }
        assert_eq!(key(&v1), "cambi_hrs_1080_cmxv_17_vlt_0.06");
        let mut enc = CambiOptions::default();
        set_option(&mut enc, "enc_bitdepth", "8").unwrap();
        assert_eq!(key(&enc), "cambi_encbd_8");
        assert!(set_option(&mut enc, "window", "3").unwrap_err().contains("no option"));
        assert!(set_option(&mut enc, "topk", "many").unwrap_err().contains("not a number"));
    }
}
