//! CAMBI (Contrast Aware Multiscale Banding Index), scalar CPU reference.
//!
//! CAMBI is a no-reference banding detector: it looks only at the luma plane of
//! the distorted picture. The pipeline for one frame:
//!
//! 1. Convert the luma to 10 bits (shift up for 8/9-bit, rounded shift down
//!    for deeper inputs), optionally nearest-neighbour downscaling to the
//!    encoding resolution. Inputs that were encoded below 10 bits get a 2x2
//!    box "anti-dithering" filter, so dither noise does not hide bands.
//! 2. Spatial mask: a pixel takes part only if, in the 7x7 neighbourhood
//!    around it, more than `mask_index` pixels have a zero derivative (equal
//!    to their right and bottom neighbours). Bands live in flat regions; this
//!    excludes texture.
//! 3. For five scales (each half the size of the previous one; with the
//!    high-resolution speed-up the first scale is already halved): a 3x3 mode
//!    filter, then for every masked pixel a "contrast value" computed from the
//!    histogram of masked 10-bit values in a `window x window` square around
//!    it. For a pixel of value `v` and every luma difference `d` that is below
//!    the visibility threshold at `v`, the value is
//!    `weight[d] * p(v) * p(v±d) / (p(v) + p(v±d))`, the larger neighbour
//!    count winning; the pixel keeps the maximum over `d`.
//! 4. Each scale is pooled as the mean of its top-k contrast values; the frame
//!    score is the scale-weighted sum (16, 8, 4, 2, 1) divided by the number
//!    of pixels in the window, clipped to `max_val`.
//!
//! The arithmetic deliberately mirrors libvmaf's reference implementation so
//! that scores are bit-identical: integer histograms and counts, `f32`
//! contrast values (an `f32` product times an `f32` reciprocal taken from a
//! table whose entries are `1/i` rounded to nine significant decimal digits
//! and then to `f32` — not always the correctly rounded `1.0f32 / i`), a
//! particular Hoare-style selection whose element order fixes the order of the
//! sequential `f64` top-k sum, and `f64` luminance/threshold math evaluated
//! only while building the per-size state. No multiply-add is ever fused.
//!
//! The per-frame state lives in [`Cambi`]; libvmaf keeps no information from
//! one frame to the next, and neither does this module: every buffer is fully
//! rewritten (over the area that is later read) before it is used.

use std::fmt;

// ---------------------------------------------------------------------------
// Constants (libvmaf's defaults and fixed tables)
// ---------------------------------------------------------------------------

const DEFAULT_TOPK: f64 = 0.6;
const DEFAULT_WINDOW_SIZE: u16 = 65;
const DEFAULT_TVI_THRESHOLD: f64 = 0.019;
const DEFAULT_VIS_LUM_THRESHOLD: f64 = 0.0;
const DEFAULT_MAX_LOG_CONTRAST: u16 = 2;
const DEFAULT_MAX_VAL: f64 = 1000.0;
const DEFAULT_HIGH_RES_SPEEDUP: i32 = 0;

/// Below this size in *both* dimensions the banding model is not defined.
const MIN_WIDTH_HEIGHT: usize = 216;

/// Pixel counts above which each high-resolution speed-up setting applies.
const SPEEDUP_THRESHOLD_1080P: usize = 1920 * 1080;
const SPEEDUP_THRESHOLD_1440P: usize = 2560 * 1440;
const SPEEDUP_THRESHOLD_2160P: usize = 3840 * 2160;

const NUM_SCALES: usize = 5;
/// Coarser scales see wider bands; finer scales are weighted more.
const SCALE_WEIGHTS: [i32; NUM_SCALES] = [16, 8, 4, 2, 1];

/// Supra-threshold contrast response: weight for a luma step of `d + 1`.
const CONTRAST_WEIGHTS: [i32; 32] = [
    1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
];

/// Side of the square used by the spatial (flatness) mask.
const MASK_FILTER_SIZE: usize = 7;

/// Number of entries in the reciprocal table used by the contrast values; a
/// window's pixel count must stay below it.
const RECIPROCAL_LUT_SIZE: usize = 4226;

/// All processing happens on 10-bit limited-range samples: [64, 940].
const WORKING_BIT_DEPTH: u32 = 10;
const LIMITED_FOOT_10BIT: i32 = 16 << (WORKING_BIT_DEPTH - 8);
const LIMITED_HEAD_10BIT: i32 = 235 << (WORKING_BIT_DEPTH - 8);

/// Picture buffers are laid out like libvmaf's: rows padded to a multiple of
/// 32 samples. The layout matters only for degenerate geometries in which
/// the window is wider than a downscaled picture, where the reference reads
/// a few samples past the row's end; keeping the same layout keeps those
/// reads identical.
const ROW_ALIGN: usize = 32;
/// Extra rows (zeroed) so that the same degenerate reads past the last row
/// (at most half a window, i.e. 32 rows) stay inside the buffer.
const MIN_BUFFER_ROWS: usize = 64;

// ---------------------------------------------------------------------------
// Options and errors
// ---------------------------------------------------------------------------

/// Electro-optical transfer function used to turn 10-bit code values into
/// luminance when deriving the visibility thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CambiEotf {
    /// ITU-R BT.1886 (gamma 2.4, 0.01 to 300 cd/m²). libvmaf's default.
    Bt1886,
    /// SMPTE ST 2084 (PQ).
    Pq,
}

impl CambiEotf {
    /// Parses libvmaf's option value (`"bt1886"` or `"pq"`).
    pub fn from_name(name: &str) -> Result<Self, CambiError> {
        match name {
            "bt1886" => Ok(CambiEotf::Bt1886),
            "pq" => Ok(CambiEotf::Pq),
            other => Err(CambiError::UnknownEotf(other.to_string())),
        }
    }

    /// libvmaf's name for this EOTF.
    pub fn name(self) -> &'static str {
        match self {
            CambiEotf::Bt1886 => "bt1886",
            CambiEotf::Pq => "pq",
        }
    }

    /// Luminance in cd/m² for a normalized code value in [0, 1].
    fn luminance(self, v: f64) -> f64 {
        match self {
            CambiEotf::Bt1886 => {
                const GAMMA: f64 = 2.4;
                const L_WHITE: f64 = 300.0;
                const L_BLACK: f64 = 0.01;
                let white_root = L_WHITE.powf(1.0 / GAMMA);
                let black_root = L_BLACK.powf(1.0 / GAMMA);
                let a = (white_root - black_root).powf(GAMMA);
                let b = black_root / (white_root - black_root);
                let shifted = v + b;
                a * (if shifted > 0.0 { shifted } else { 0.0 }).powf(GAMMA)
            }
            CambiEotf::Pq => {
                const M1: f64 = 0.1593017578125;
                const M2: f64 = 78.84375;
                const C1: f64 = 0.8359375;
                const C2: f64 = 18.8515625;
                const C3: f64 = 18.6875;
                let num = v.powf(1.0 / M2) - C1;
                let num_clipped = if num > 0.0 { num } else { 0.0 };
                let den = C2 - C3 * v.powf(1.0 / M2);
                10000.0 * (num_clipped / den).powf(1.0 / M1)
            }
        }
    }
}

/// Options as libvmaf names them (defaults = libvmaf's defaults).
///
/// libvmaf exposes two spellings for the pooling ratio and the EOTF:
/// `cambi_topk` is used unless `topk` differs from its default 0.6, and
/// `cambi_eotf` is used when it differs from its default `bt1886`, otherwise
/// `eotf`. Both pairs are kept so option names map one to one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CambiOptions {
    /// `enc_width` (180..=7680): resolution the content was encoded at. The
    /// picture is nearest-neighbour downscaled to it (never upscaled). Used
    /// only together with `enc_height`.
    pub enc_width: Option<usize>,
    /// `enc_height` (150..=7680).
    pub enc_height: Option<usize>,
    /// `enc_bitdepth` (6..=16): bit depth the content was encoded at; below
    /// 10 the anti-dithering filter runs. Defaults to the input bit depth.
    pub enc_bitdepth: Option<u8>,
    /// `src_width` (320..=7680). Only meaningful in full-reference mode
    /// (not implemented here), but libvmaf validates the geometry it implies
    /// in every mode, so it is accepted and checked.
    pub src_width: Option<usize>,
    /// `src_height` (200..=4320). See `src_width`.
    pub src_height: Option<usize>,
    /// `window_size` (15..=127): window side at 4K; scaled with resolution.
    pub window_size: u16,
    /// `topk` (0.0001..=1.0): fraction of pixels pooled per scale.
    pub topk: f64,
    /// `cambi_topk` (0.0001..=1.0): alias of `topk`, see above.
    pub cambi_topk: f64,
    /// `tvi_threshold` (0.0001..=1.0): luminance step ΔL is visible when
    /// ΔL > tvi_threshold · L.
    pub tvi_threshold: f64,
    /// `cambi_vis_lum_threshold` (0..=300 cd/m²): darker steps are ignored.
    /// When it is so high that it lies above every visibility threshold
    /// (above about 84 cd/m² with the default BT.1886 and `tvi_threshold`), no step
    /// can count and every score is 0. (libvmaf's C code computes a negative
    /// histogram band size there, wraps it, and indexes before its histogram
    /// buffer, usually crashing; 0 is the value it reaches when it survives.)
    pub vis_lum_threshold: f64,
    /// `max_log_contrast` (0..=5): largest luma step considered is
    /// 2^max_log_contrast 10-bit code values.
    pub max_log_contrast: u16,
    /// `eotf`.
    pub eotf: CambiEotf,
    /// `cambi_eotf`: alias of `eotf`, see above.
    pub cambi_eotf: CambiEotf,
    /// `cambi_high_res_speedup` (0..=2160): 1080, 1440 or 2160 halve the
    /// picture after the spatial mask when the encoding resolution has at
    /// least that many pixels (1920x1080, 2560x1440, 3840x2160); any other
    /// value disables the speed-up.
    pub high_res_speedup: i32,
    /// `cambi_max_val` (0..=1000): scores are clipped to this value.
    pub max_val: f64,
}

impl Default for CambiOptions {
    fn default() -> Self {
        CambiOptions {
            enc_width: None,
            enc_height: None,
            enc_bitdepth: None,
            src_width: None,
            src_height: None,
            window_size: DEFAULT_WINDOW_SIZE,
            topk: DEFAULT_TOPK,
            cambi_topk: DEFAULT_TOPK,
            tvi_threshold: DEFAULT_TVI_THRESHOLD,
            vis_lum_threshold: DEFAULT_VIS_LUM_THRESHOLD,
            max_log_contrast: DEFAULT_MAX_LOG_CONTRAST,
            eotf: CambiEotf::Bt1886,
            cambi_eotf: CambiEotf::Bt1886,
            high_res_speedup: DEFAULT_HIGH_RES_SPEEDUP,
            max_val: DEFAULT_MAX_VAL,
        }
    }
}

impl CambiOptions {
    /// Checks every option against the range libvmaf's option parser
    /// enforces. NaN is rejected (libvmaf's comparisons would let it through
    /// and then compute nonsense).
    pub fn validate(&self) -> Result<(), CambiError> {
        fn check(option: &'static str, value: f64, min: f64, max: f64) -> Result<(), CambiError> {
            if value >= min && value <= max {
                Ok(())
            } else {
                Err(CambiError::OptionOutOfRange {
                    option,
                    value,
                    min,
                    max,
                })
            }
        }
        check("cambi_max_val", self.max_val, 0.0, 1000.0)?;
        if let Some(v) = self.enc_width {
            check("enc_width", v as f64, 180.0, 7680.0)?;
        }
        if let Some(v) = self.enc_height {
            check("enc_height", v as f64, 150.0, 7680.0)?;
        }
        if let Some(v) = self.enc_bitdepth {
            check("enc_bitdepth", v as f64, 6.0, 16.0)?;
        }
        if let Some(v) = self.src_width {
            check("src_width", v as f64, 320.0, 7680.0)?;
        }
        if let Some(v) = self.src_height {
            check("src_height", v as f64, 200.0, 4320.0)?;
        }
        check("window_size", self.window_size as f64, 15.0, 127.0)?;
        check("topk", self.topk, 0.0001, 1.0)?;
        check("cambi_topk", self.cambi_topk, 0.0001, 1.0)?;
        check("tvi_threshold", self.tvi_threshold, 0.0001, 1.0)?;
        check("cambi_vis_lum_threshold", self.vis_lum_threshold, 0.0, 300.0)?;
        check("max_log_contrast", self.max_log_contrast as f64, 0.0, 5.0)?;
        check("cambi_high_res_speedup", self.high_res_speedup as f64, 0.0, 2160.0)?;
        Ok(())
    }

    /// The pooling ratio libvmaf actually uses.
    fn effective_topk(&self) -> f64 {
        if self.topk != DEFAULT_TOPK {
            self.topk
        } else {
            self.cambi_topk
        }
    }

    /// The EOTF libvmaf actually uses.
    fn effective_eotf(&self) -> CambiEotf {
        if self.cambi_eotf != CambiEotf::Bt1886 {
            self.cambi_eotf
        } else {
            self.eotf
        }
    }
}

/// Why CAMBI refuses a configuration or a picture (the cases in which
/// libvmaf's CAMBI fails, plus misuse of this API).
#[derive(Debug, Clone, PartialEq)]
pub enum CambiError {
    /// An option is outside the range libvmaf accepts.
    OptionOutOfRange {
        option: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    /// An EOTF name other than `bt1886` or `pq`.
    UnknownEotf(String),
    /// Input bit depth outside 8..=16.
    UnsupportedBitDepth(u8),
    /// A zero-sized picture.
    EmptyPicture { width: usize, height: usize },
    /// The (encoding) resolution is below 216 in both dimensions.
    PictureTooSmall { width: usize, height: usize },
    /// The source resolution (`src_width`/`src_height`, default: the input
    /// size) is below 216 in both dimensions.
    SourceTooSmall { width: usize, height: usize },
    /// Source and encoding resolutions are scaled in opposite directions
    /// (one wider and shorter than the other).
    SourceAspectMismatch {
        src_width: usize,
        src_height: usize,
        enc_width: usize,
        enc_height: usize,
    },
    /// The resolution-adjusted window covers too many pixels for the
    /// reciprocal table (window side must stay below 66).
    WindowTooLarge { window_size: u16 },
    /// The luma slice has the wrong number of samples.
    LumaLength { expected: usize, got: usize },
    /// A sample exceeds the largest value of the declared bit depth.
    SampleOutOfRange { value: u16, bit_depth: u8 },
}

impl fmt::Display for CambiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CambiError::OptionOutOfRange {
                option,
                value,
                min,
                max,
            } => {
                write!(f, "cambi: option {option}={value} is outside [{min}, {max}]")
            }
            CambiError::UnknownEotf(name) => {
                write!(f, "cambi: unknown EOTF \"{name}\" (expected \"bt1886\" or \"pq\")")
            }
            CambiError::UnsupportedBitDepth(bd) => {
                write!(f, "cambi: unsupported bit depth {bd} (expected 8 to 16)")
            }
            CambiError::EmptyPicture { width, height } => {
                write!(f, "cambi: empty picture {width}x{height}")
            }
            CambiError::PictureTooSmall { width, height } => write!(
                f,
                "cambi: resolution {width}x{height} is too small \
                 (at least one dimension must be {MIN_WIDTH_HEIGHT} or more)"
            ),
            CambiError::SourceTooSmall { width, height } => write!(
                f,
                "cambi: source resolution {width}x{height} is too small \
                 (at least one dimension must be {MIN_WIDTH_HEIGHT} or more)"
            ),
            CambiError::SourceAspectMismatch {
                src_width,
                src_height,
                enc_width,
                enc_height,
            } => write!(
                f,
                "cambi: source resolution {src_width}x{src_height} and encoding resolution \
                 {enc_width}x{enc_height} are scaled in opposite directions"
            ),
            CambiError::WindowTooLarge { window_size } => {
                write!(f, "cambi: window_size {window_size} too large for reciprocal LUT")
            }
            CambiError::LumaLength { expected, got } => {
                write!(f, "cambi: luma plane has {got} samples, expected {expected}")
            }
            CambiError::SampleOutOfRange { value, bit_depth } => write!(
                f,
                "cambi: invalid input, sample {value} exceeds the maximum of a {bit_depth}-bit format"
            ),
        }
    }
}

impl std::error::Error for CambiError {}

// ---------------------------------------------------------------------------
// Visibility thresholds (evaluated once, at construction)
// ---------------------------------------------------------------------------

/// Luminance of a 10-bit limited-range code value (clipped to the range).
fn code_value_luminance(sample: i32, eotf: CambiEotf) -> f64 {
    let clipped = sample.clamp(LIMITED_FOOT_10BIT, LIMITED_HEAD_10BIT);
    let normalized = (clipped - LIMITED_FOOT_10BIT) as f64 / (LIMITED_HEAD_10BIT - LIMITED_FOOT_10BIT) as f64;
    eotf.luminance(normalized)
}

/// Is a step of `diff` code values above `sample` visible (Weber-like test)?
fn step_is_visible(sample: i32, diff: i32, tvi_threshold: f64, eotf: CambiEotf) -> bool {
    let mean = code_value_luminance(sample, eotf);
    let stepped = code_value_luminance(sample + diff, eotf);
    stepped - mean > tvi_threshold * mean
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bisect {
    TooSmall,
    Correct,
    TooBig,
}

/// Classifies `sample` against the threshold we search for: the largest code
/// value at which the step is still visible.
fn classify_threshold(sample: i32, diff: i32, tvi_threshold: f64, eotf: CambiEotf) -> Bisect {
    if !step_is_visible(sample, diff, tvi_threshold, eotf) {
        return Bisect::TooBig;
    }
    if step_is_visible(sample + 1, diff, tvi_threshold, eotf) {
        return Bisect::TooSmall;
    }
    Bisect::Correct
}

/// Largest 10-bit code value at which a step of `diff` is visible; the
/// visibility test is monotone, so a bisection finds it. Returns 0 when no
/// step is visible and 1023 when every step is.
fn visibility_threshold_for_diff(diff: i32, tvi_threshold: f64, eotf: CambiEotf) -> i32 {
    let max_code = (1 << WORKING_BIT_DEPTH) - 1;
    let mut low = LIMITED_FOOT_10BIT;
    let mut high = LIMITED_HEAD_10BIT - diff - 1;

    match classify_threshold(low, diff, tvi_threshold, eotf) {
        Bisect::TooBig => return 0,
        Bisect::Correct => return low,
        Bisect::TooSmall => {}
    }
    match classify_threshold(high, diff, tvi_threshold, eotf) {
        Bisect::TooSmall => return max_code,
        Bisect::Correct => return high,
        Bisect::TooBig => {}
    }
    loop {
        let mid = low + (high - low) / 2;
        match classify_threshold(mid, diff, tvi_threshold, eotf) {
            Bisect::TooBig => high = mid,
            Bisect::TooSmall => low = mid,
            Bisect::Correct => return mid,
        }
    }
}

/// Smallest code value whose luminance reaches `threshold` (0 when even
/// black does): steps starting darker than this are not counted. The search
/// ends at the head of the range at the latest, since the luminance there
/// (300 cd/m² for BT.1886, 10000 for PQ) is at least the option's maximum.
fn visibility_luma_threshold(threshold: f64, eotf: CambiEotf) -> u16 {
    let mut sample = LIMITED_FOOT_10BIT;
    while code_value_luminance(sample, eotf) < threshold && sample < 0xFFFF {
        sample += 1;
    }
    if sample == LIMITED_FOOT_10BIT {
        0
    } else {
        sample as u16
    }
}

/// Scales the 4K window side to the processing resolution (weight
/// `(w + h) / (3840 + 2160)`, in libvmaf's integer form), halves it for the
/// speed-up, and makes it odd.
fn adjust_window_size(window_size: u16, width: usize, height: usize, high_res_speedup: bool) -> u16 {
    let scaled = (window_size as u32).wrapping_mul((width as u32).wrapping_add(height as u32)) / 375;
    let mut adjusted = (scaled >> 4) as u16;
    if high_res_speedup {
        adjusted = ((adjusted as u32 + 1) >> 1) as u16;
    }
    adjusted | 1
}

/// `ceil(log2(n))`, with 0 for 0.
fn ceil_log2(n: u32) -> u16 {
    if n == 0 {
        return 0;
    }
    let mut rest = n - 1;
    let mut bits = 0u16;
    while rest > 0 {
        rest >>= 1;
        bits += 1;
    }
    bits
}

/// How many zero-derivative pixels a `filter_size²` neighbourhood needs (more
/// than this) for its centre to count as flat; larger pictures need more.
fn mask_index(width: usize, height: usize, filter_size: u16) -> u16 {
    let shifted_area = ((width >> 6) as u32).wrapping_mul((height >> 6) as u32);
    let fs = filter_size as i32;
    ((fs * fs + 3 * (ceil_log2(shifted_area) as i32 - 11) - 1) >> 1) as u16
}

/// Number of pixels in a window (the side rounded to odd).
fn pixels_in_window(window_size: u16) -> u16 {
    let odd = 2 * (window_size >> 1) + 1;
    odd.wrapping_mul(odd)
}

/// The reciprocal table: entry `i` is `1/i` written with nine significant
/// decimal digits, then rounded to `f32` (entry 0 is 0). This is how the
/// reference table was produced; for 42 of its entries the result differs by
/// one ulp from `1.0f32 / i as f32`, and contrast values depend on it.
fn build_reciprocal_table() -> Vec<f32> {
    let mut table = Vec::with_capacity(RECIPROCAL_LUT_SIZE);
    table.push(0.0f32);
    for i in 1..RECIPROCAL_LUT_SIZE {
        let nine_digits = format!("{:.8e}", 1.0f64 / i as f64);
        table.push(nine_digits.parse::<f32>().expect("formatted float parses"));
    }
    table
}

// ---------------------------------------------------------------------------
// Picture preparation
// ---------------------------------------------------------------------------

/// Converts a packed luma plane (`in_w` x `in_h`, `bit_depth` bits) to 10 bits
/// at `out_w` x `out_h` (which must not exceed the input) into `dst` with row
/// stride `dst_stride`. Deeper inputs are shifted down with rounding (so a
/// 12/16-bit full-scale sample becomes 1024); shallower ones shifted up.
/// Downscaling picks the nearest sample using libvmaf's `f32` stepping.
fn convert_to_10bit(
    src: &[u16],
    in_w: usize,
    in_h: usize,
    bit_depth: u8,
    dst: &mut [u16],
    dst_stride: usize,
    out_w: usize,
    out_h: usize,
) {
    let bd = bit_depth as u32;
    let convert = |x: u16| -> u16 {
        if bd >= 10 {
            let shift = bd - 10;
            let rounding = if shift == 0 { 0 } else { 1u32 << (shift - 1) };
            ((x as u32 + rounding) >> shift) as u16
        } else {
            ((x as u32) << (10 - bd)) as u16
        }
    };

    if in_w == out_w && in_h == out_h {
        for row in 0..out_h {
            let src_row = &src[row * in_w..(row + 1) * in_w];
            let dst_row = &mut dst[row * dst_stride..row * dst_stride + out_w];
            for (d, &s) in dst_row.iter_mut().zip(src_row) {
                *d = convert(s);
            }
        }
        return;
    }

    // Sample centres of the output grid mapped into the input, in f32, with
    // the half-pixel offset computed in f64 and rounded back (as the
    // reference's mixed float/double expression does).
    let ratio_x = in_w as f32 / out_w as f32;
    let ratio_y = in_h as f32 / out_h as f32;
    let start_x = ((ratio_x / 2.0) as f64 - 0.5) as f32;
    let start_y = ((ratio_y / 2.0) as f64 - 0.5) as f32;

    let mut y = start_y;
    for row in 0..out_h {
        let src_y = ((y as f64 + 0.5) as i32 as usize).min(in_h - 1);
        let mut x = start_x;
        for col in 0..out_w {
            let src_x = ((x as f64 + 0.5) as i32 as usize).min(in_w - 1);
            dst[row * dst_stride + col] = convert(src[src_y * in_w + src_x]);
            x += ratio_x;
        }
        y += ratio_y;
    }
}

/// 2x2 box average (bottom/right edges: 2-tap), in place, for content encoded
/// below 10 bits: it smooths dithering so that the banding it masks is seen.
fn anti_dithering_filter(data: &mut [u16], stride: usize, width: usize, height: usize) {
    for i in 0..height - 1 {
        let (top, bottom) = data.split_at_mut((i + 1) * stride);
        let top = &mut top[i * stride..];
        for j in 0..width - 1 {
            let sum = top[j] as u32 + top[j + 1] as u32 + bottom[j] as u32 + bottom[j + 1] as u32;
            top[j] = (sum >> 2) as u16;
        }
        let j = width - 1;
        top[j] = ((top[j] as u32 + bottom[j] as u32) >> 1) as u16;
    }
    let last = &mut data[(height - 1) * stride..];
    for j in 0..width - 1 {
        last[j] = ((last[j] as u32 + last[j + 1] as u32) >> 1) as u16;
    }
}

// ---------------------------------------------------------------------------
// Spatial mask
// ---------------------------------------------------------------------------

/// One row of the zero-derivative map: 1 where a pixel equals its right and
/// bottom neighbours (a missing neighbour counts as equal).
fn zero_derivative_row(image: &[u16], stride: usize, width: usize, height: usize, row: usize, out: &mut [u16]) {
    let line = &image[row * stride..row * stride + width];
    let below = if row + 1 < height {
        Some(&image[(row + 1) * stride..(row + 1) * stride + width])
    } else {
        None
    };
    for col in 0..width {
        let p = line[col];
        let flat_h = col == width - 1 || p == line[col + 1];
        let flat_v = match below {
            None => true,
            Some(b) => p == b[col],
        };
        out[col] = (flat_h && flat_v) as u16;
    }
}

/// Writes the flatness mask (0/1) for the `width` x `height` picture: a pixel
/// is 1 when the number of zero-derivative pixels in the
/// `MASK_FILTER_SIZE`-square centred on it (outside the picture counts 0)
/// exceeds `threshold`. The box sum is exact integer arithmetic, computed with
/// sliding column sums.
fn spatial_mask(
    image: &[u16],
    mask: &mut [u16],
    stride: usize,
    width: usize,
    height: usize,
    threshold: u16,
    derivative: &mut [u16],
    column_sums: &mut [u32],
) {
    let pad = MASK_FILTER_SIZE >> 1;
    let threshold = threshold as u32;
    let column_sums = &mut column_sums[..width];
    let derivative = &mut derivative[..width];
    column_sums.fill(0);
    for row in 0..pad.min(height) {
        zero_derivative_row(image, stride, width, height, row, derivative);
        for (s, &d) in column_sums.iter_mut().zip(derivative.iter()) {
            *s += d as u32;
        }
    }
    for row in 0..height {
        if row + pad < height {
            zero_derivative_row(image, stride, width, height, row + pad, derivative);
            for (s, &d) in column_sums.iter_mut().zip(derivative.iter()) {
                *s += d as u32;
            }
        }
        if row > pad {
            zero_derivative_row(image, stride, width, height, row - pad - 1, derivative);
            for (s, &d) in column_sums.iter_mut().zip(derivative.iter()) {
                *s -= d as u32;
            }
        }
        let out = &mut mask[row * stride..row * stride + width];
        let mut window: u32 = column_sums[..pad.min(width)].iter().sum();
        for col in 0..width {
            if col + pad < width {
                window += column_sums[col + pad];
            }
            if col > pad {
                window -= column_sums[col - pad - 1];
            }
            out[col] = (window > threshold) as u16;
        }
    }
}

// ---------------------------------------------------------------------------
// Per-scale filtering
// ---------------------------------------------------------------------------

/// Keeps every other sample in both directions, in place (the top-left
/// `width` x `height` area receives the result; the rest is left as is).
fn decimate(data: &mut [u16], stride: usize, width: usize, height: usize) {
    for i in 0..height {
        for j in 0..width {
            data[i * stride + j] = data[(2 * i) * stride + 2 * j];
        }
    }
}

#[inline]
fn min3(a: u16, b: u16, c: u16) -> u16 {
    if a <= b && a <= c {
        a
    } else if b <= c {
        b
    } else {
        c
    }
}

/// Most frequent of three values; the smallest when all differ.
#[inline]
fn mode3(a: u16, b: u16, c: u16) -> u16 {
    if a == b || a == c {
        a
    } else if b == c {
        b
    } else {
        min3(a, b, c)
    }
}

/// Separable 3x3 mode filter, in place, removing isolated pixels that would
/// otherwise create spurious "bands". Horizontal pass on each row (edge
/// columns unchanged), then a vertical pass over the horizontally filtered
/// rows, written to rows 1..height-1 (first and last rows unchanged). A
/// three-row ring buffer holds the horizontally filtered rows.
fn filter_mode(data: &mut [u16], stride: usize, width: usize, height: usize, ring: &mut [u16]) {
    let mut slot = 0;
    for i in 0..height {
        {
            let line = &data[i * stride..i * stride + width];
            let out = &mut ring[slot * width..(slot + 1) * width];
            out[0] = line[0];
            for j in 1..width.saturating_sub(1) {
                out[j] = mode3(line[j - 1], line[j], line[j + 1]);
            }
            out[width - 1] = line[width - 1];
        }
        if i > 1 {
            let dst = &mut data[(i - 1) * stride..(i - 1) * stride + width];
            for j in 0..width {
                dst[j] = mode3(ring[j], ring[width + j], ring[2 * width + j]);
            }
        }
        slot = if slot + 1 == 3 { 0 } else { slot + 1 };
    }
}

// ---------------------------------------------------------------------------
// Contrast values
// ---------------------------------------------------------------------------

/// Parameters of the contrast-value stage, fixed at construction.
struct ContrastParams<'a> {
    /// Luma steps considered: 1..=num_diffs.
    num_diffs: u16,
    /// Per step: the largest (value + num_diffs) at which it is visible.
    tvi_for_diff: &'a [u16],
    /// Steps must reach above this code value.
    vlt_luma: u16,
    /// Per step: contrast weight.
    diff_weights: &'a [i32],
    /// Histograms keep only values in [band_base, band_base + band_size):
    /// values outside can never contribute to a nonzero contrast value.
    band_base: u16,
    band_size: u16,
    reciprocal: &'a [f32],
}

/// Window histograms: `histograms[(v - band_base) * width + col]` counts the
/// masked pixels of value `v` in the window around column `col` of the
/// current row.
struct WindowHistograms<'a> {
    counts: &'a mut [u16],
    width: usize,
    band_base: u16,
    band_size: u16,
}

impl WindowHistograms<'_> {
    /// Histogram row of a sample if it is masked and in the tracked band.
    #[inline]
    fn band_row(&self, image: &[u16], mask: &[u16], index: usize) -> Option<usize> {
        if mask[index] == 0 {
            return None;
        }
        let row = image[index].wrapping_sub(self.band_base);
        if row >= self.band_size {
            None
        } else {
            Some(row as usize)
        }
    }

    /// Columns whose window contains column `col`.
    #[inline]
    fn span(&self, col: usize, pad: usize) -> (usize, usize) {
        (col.saturating_sub(pad), (col + pad + 1).min(self.width))
    }

    #[inline]
    fn add(&mut self, row: usize, lo: usize, hi: usize) {
        let base = row * self.width;
        for c in &mut self.counts[base + lo..base + hi] {
            *c = c.wrapping_add(1);
        }
    }

    #[inline]
    fn remove(&mut self, row: usize, lo: usize, hi: usize) {
        let base = row * self.width;
        for c in &mut self.counts[base + lo..base + hi] {
            *c = c.wrapping_sub(1);
        }
    }

    /// Columns visited when a picture row enters or leaves the window. When
    /// the picture is narrower than half a window this runs past its right
    /// edge (reading the row padding), as the reference does.
    #[inline]
    fn columns(&self, pad: usize) -> usize {
        self.width.max(pad)
    }

    /// Adds (or removes) every masked in-band pixel of picture row `y`.
    fn update_row(&mut self, image: &[u16], mask: &[u16], stride: usize, y: usize, pad: usize, adding: bool) {
        for col in 0..self.columns(pad) {
            if let Some(row) = self.band_row(image, mask, y * stride + col) {
                let (lo, hi) = self.span(col, pad);
                if adding {
                    self.add(row, lo, hi);
                } else {
                    self.remove(row, lo, hi);
                }
            }
        }
    }

    /// Moves the window down one row: removes row `leaving`, adds row
    /// `entering`. Equal in-band values on both sides cancel and are skipped.
    fn slide(&mut self, image: &[u16], mask: &[u16], stride: usize, leaving: usize, entering: usize, pad: usize) {
        for col in 0..self.columns(pad) {
            let out = self.band_row(image, mask, leaving * stride + col);
            let inn = self.band_row(image, mask, entering * stride + col);
            if out.is_some() && out == inn {
                continue;
            }
            let (lo, hi) = self.span(col, pad);
            if let Some(row) = out {
                self.remove(row, lo, hi);
            }
            if let Some(row) = inn {
                self.add(row, lo, hi);
            }
        }
    }
}

/// Contrast value of one pixel from its window histogram column: for each
/// visible step `d`, `weight · p0 · p1 / (p0 + p1)` where `p0` counts the
/// pixel's value and `p1` the larger of the counts at `value ± d`; the
/// maximum over steps. `f32` throughout, the division through the table.
#[inline]
fn contrast_value(counts: &[u16], width: usize, col: usize, sample: u16, params: &ContrastParams) -> f32 {
    let num_diffs = params.num_diffs as i32;
    let value = sample as i32 + num_diffs;
    let compact = value - (params.band_base as i32 + num_diffs);
    if compact < 0 || compact >= params.band_size as i32 {
        return 0.0;
    }
    let p0 = counts[compact as usize * width + col] as i32;
    let mut best = 0.0f32;
    for d in 0..num_diffs {
        let step = d + 1;
        if value <= params.tvi_for_diff[d as usize] as i32 && value + step > params.vlt_luma as i32 {
            let above = compact + step;
            let below = compact - step;
            let p1 = counts[above as usize * width + col] as i32;
            let p2 = if below >= 0 {
                counts[below as usize * width + col] as i32
            } else {
                0
            };
            let weight = params.diff_weights[d as usize];
            let neighbour = if p1 > p2 { p1 } else { p2 };
            let val = (weight * p0 * neighbour) as f32 * params.reciprocal[(neighbour + p0) as usize];
            if val > best {
                best = val;
            }
        }
    }
    best
}

/// Contrast values of picture row `y` (unmasked pixels keep 0).
fn contrast_row(
    hist: &WindowHistograms,
    image: &[u16],
    mask: &[u16],
    stride: usize,
    y: usize,
    c_values: &mut [f32],
    params: &ContrastParams,
) {
    let width = hist.width;
    let out = &mut c_values[y * width..(y + 1) * width];
    for col in 0..width {
        let index = y * stride + col;
        if mask[index] != 0 {
            out[col] = contrast_value(hist.counts, width, col, image[index], params);
        }
    }
}

/// Contrast values for a `width` x `height` picture (row stride `stride`)
/// into `c_values[..width * height]` (dense rows), sliding a `window_size`
/// square of histograms down the picture. The row schedule (prime half a
/// window, grow, slide, shrink) is the reference's; for pictures shorter than
/// a window it revisits rows, and that is reproduced too.
fn compute_contrast_values(
    image: &[u16],
    mask: &[u16],
    stride: usize,
    width: usize,
    height: usize,
    window_size: u16,
    params: &ContrastParams,
    histograms: &mut [u16],
    c_values: &mut [f32],
) {
    let pad = (window_size >> 1) as usize;
    let h = height as isize;
    let p = pad as isize;
    c_values[..width * height].fill(0.0);
    let counts = &mut histograms[..width * params.band_size as usize];
    counts.fill(0);
    let mut hist = WindowHistograms {
        counts,
        width,
        band_base: params.band_base,
        band_size: params.band_size,
    };

    for y in 0..pad {
        hist.update_row(image, mask, stride, y, pad, true);
    }
    for i in 0..=p {
        if i + p < h {
            hist.update_row(image, mask, stride, (i + p) as usize, pad, true);
        }
        if i < h {
            contrast_row(&hist, image, mask, stride, i as usize, c_values, params);
        }
    }
    for i in (p + 1)..(h - p) {
        hist.slide(image, mask, stride, (i - p - 1) as usize, (i + p) as usize, pad);
        contrast_row(&hist, image, mask, stride, i as usize, c_values, params);
    }
    for i in (h - p)..h {
        if i > p {
            hist.update_row(image, mask, stride, (i - p - 1) as usize, pad, false);
        }
        if i >= 0 {
            contrast_row(&hist, image, mask, stride, i as usize, c_values, params);
        }
    }
}

// ---------------------------------------------------------------------------
// Pooling
// ---------------------------------------------------------------------------

/// Partially orders `arr` (descending) so that the `k` largest values come
/// first, using the reference's Hoare-style selection with `arr[k]` as pivot.
/// The exact element order matters: the top-k mean is summed sequentially.
fn quick_select(arr: &mut [f32], k: usize) {
    let n = arr.len();
    if n == k {
        return;
    }
    let k = k as isize;
    let mut left: isize = 0;
    let mut right: isize = n as isize - 1;
    while left < right {
        let pivot = arr[k as usize];
        let mut i = left;
        let mut j = right;
        loop {
            while arr[i as usize] > pivot {
                i += 1;
            }
            while arr[j as usize] < pivot {
                j -= 1;
            }
            if i <= j {
                arr.swap(i as usize, j as usize);
                i += 1;
                j -= 1;
            }
            if i > j {
                break;
            }
        }
        if j < k {
            left = i;
        }
        if k < i {
            right = j;
        }
    }
}

/// Mean of the top `topk` fraction (at least one element) of `c_values`.
fn spatial_pooling(c_values: &mut [f32], topk: f64) -> f64 {
    let n = c_values.len() as i32;
    let k = ((topk * n as f64) as i32).clamp(1, n.max(1)) as usize;
    quick_select(c_values, k);
    let mut sum = 0.0f64;
    for &v in &c_values[..k] {
        sum += v as f64;
    }
    sum / k as f64
}

// ---------------------------------------------------------------------------
// The extractor
// ---------------------------------------------------------------------------

/// Reusable per-size state (buffers, LUTs computed at init) so per-frame work
/// allocates nothing large.
pub struct Cambi {
    in_width: usize,
    in_height: usize,
    in_bit_depth: u8,
    enc_width: usize,
    enc_height: usize,
    anti_dither: bool,
    high_res_speedup: bool,
    window_size: u16,
    topk: f64,
    max_val: f64,
    mask_index: u16,
    num_diffs: u16,
    tvi_for_diff: Vec<u16>,
    diff_weights: Vec<i32>,
    vlt_luma: u16,
    band_base: u16,
    /// `None` when the visibility band is empty (luminance floor above every
    /// visibility threshold): then no pixel can score and every frame is 0,
    /// so the per-frame work is skipped.
    band_size: Option<u16>,
    reciprocal: Vec<f32>,
    stride: usize,
    image: Vec<u16>,
    mask: Vec<u16>,
    histograms: Vec<u16>,
    c_values: Vec<f32>,
    mode_ring: Vec<u16>,
    derivative_row: Vec<u16>,
    mask_column_sums: Vec<u32>,
}

impl fmt::Debug for Cambi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cambi")
            .field("in_width", &self.in_width)
            .field("in_height", &self.in_height)
            .field("in_bit_depth", &self.in_bit_depth)
            .field("enc_width", &self.enc_width)
            .field("enc_height", &self.enc_height)
            .field("window_size", &self.window_size)
            .field("high_res_speedup", &self.high_res_speedup)
            .finish_non_exhaustive()
    }
}

impl Cambi {
    pub fn new(width: usize, height: usize, bit_depth: u8, options: &CambiOptions) -> Result<Self, CambiError> {
        options.validate()?;
        if !(8..=16).contains(&bit_depth) {
            return Err(CambiError::UnsupportedBitDepth(bit_depth));
        }
        if width == 0 || height == 0 {
            return Err(CambiError::EmptyPicture { width, height });
        }

        // Encoding resolution: both given or neither; never above the input
        // (an encode that was upscaled is measured at its own resolution).
        let (mut enc_width, mut enc_height) = match (options.enc_width, options.enc_height) {
            (Some(w), Some(h)) => (w, h),
            _ => (width, height),
        };
        if enc_height > height || enc_width > width {
            enc_width = width;
            enc_height = height;
        }
        let (src_width, src_height) = match (options.src_width, options.src_height) {
            (Some(w), Some(h)) => (w, h),
            _ => (width, height),
        };
        if enc_width < MIN_WIDTH_HEIGHT && enc_height < MIN_WIDTH_HEIGHT {
            return Err(CambiError::PictureTooSmall {
                width: enc_width,
                height: enc_height,
            });
        }
        if src_width < MIN_WIDTH_HEIGHT && src_height < MIN_WIDTH_HEIGHT {
            return Err(CambiError::SourceTooSmall {
                width: src_width,
                height: src_height,
            });
        }
        if (src_width > enc_width && src_height < enc_height) || (src_width < enc_width && src_height > enc_height) {
            return Err(CambiError::SourceAspectMismatch {
                src_width,
                src_height,
                enc_width,
                enc_height,
            });
        }

        let enc_pixels = enc_width * enc_height;
        let high_res_speedup = match options.high_res_speedup {
            1080 => enc_pixels >= SPEEDUP_THRESHOLD_1080P,
            1440 => enc_pixels >= SPEEDUP_THRESHOLD_1440P,
            2160 => enc_pixels >= SPEEDUP_THRESHOLD_2160P,
            _ => false,
        };

        let num_diffs: u16 = 1 << options.max_log_contrast;
        let diff_weights: Vec<i32> = CONTRAST_WEIGHTS[..num_diffs as usize].to_vec();

        let eotf = options.effective_eotf();
        // Thresholds are stored shifted by num_diffs, the offset at which the
        // contrast stage compares sample values.
        let tvi_for_diff: Vec<u16> = (1..=num_diffs as i32)
            .map(|diff| {
                let t = visibility_threshold_for_diff(diff, options.tvi_threshold, eotf);
                (t as u16).wrapping_add(num_diffs)
            })
            .collect();
        let vlt_luma = visibility_luma_threshold(options.vis_lum_threshold, eotf);

        let window_size = adjust_window_size(options.window_size, enc_width, enc_height, high_res_speedup);
        let src_window_size = adjust_window_size(options.window_size, src_width, src_height, high_res_speedup);
        let max_window = window_size.max(src_window_size);
        if (max_window as usize) * (max_window as usize) >= RECIPROCAL_LUT_SIZE {
            return Err(CambiError::WindowTooLarge {
                window_size: max_window,
            });
        }

        // Only values in [band_base, last visible threshold] can feed a
        // nonzero contrast value (as the centre value or as a neighbour one
        // step away), so histograms track just that band.
        let band_low = vlt_luma as i32 - 3 * num_diffs as i32 + 1;
        let band_base: u16 = if band_low > 0 { band_low as u16 } else { 0 };
        let band_extent = tvi_for_diff[num_diffs as usize - 1] as i32 + 1 - band_base as i32;
        let band_size = if band_extent > 0 {
            Some(band_extent as u16)
        } else {
            None
        };

        let stride = (enc_width + ROW_ALIGN - 1) & !(ROW_ALIGN - 1);
        let rows = enc_height.max(MIN_BUFFER_ROWS);
        let histogram_len = enc_width * band_size.map_or(0, |s| s as usize);

        Ok(Cambi {
            in_width: width,
            in_height: height,
            in_bit_depth: bit_depth,
            enc_width,
            enc_height,
            anti_dither: options.enc_bitdepth.unwrap_or(bit_depth) < 10,
            high_res_speedup,
            window_size,
            topk: options.effective_topk(),
            max_val: options.max_val,
            mask_index: mask_index(enc_width, enc_height, MASK_FILTER_SIZE as u16),
            num_diffs,
            tvi_for_diff,
            diff_weights,
            vlt_luma,
            band_base,
            band_size,
            reciprocal: build_reciprocal_table(),
            stride,
            image: vec![0; stride * rows],
            mask: vec![0; stride * rows],
            histograms: vec![0; histogram_len],
            c_values: vec![0.0; enc_width * enc_height],
            mode_ring: vec![0; 3 * enc_width],
            derivative_row: vec![0; enc_width],
            mask_column_sums: vec![0; enc_width],
        })
    }

    /// The resolution-adjusted window side (odd) used at every scale.
    pub fn window_size(&self) -> u16 {
        self.window_size
    }

    /// Whether the high-resolution speed-up is in effect for this size.
    pub fn high_res_speedup(&self) -> bool {
        self.high_res_speedup
    }

    /// One frame's CAMBI score from the DISTORTED picture's luma plane
    /// (samples as u16, row-major, `width*height`, at `bit_depth` bits,
    /// 8..=16). Fails, as libvmaf does, when a sample exceeds the bit depth's
    /// maximum.
    pub fn score(&mut self, luma: &[u16]) -> Result<f64, CambiError> {
        let expected = self.in_width * self.in_height;
        if luma.len() != expected {
            return Err(CambiError::LumaLength {
                expected,
                got: luma.len(),
            });
        }
        if self.in_bit_depth < 16 {
            let max = ((1u32 << self.in_bit_depth) - 1) as u16;
            if let Some(&value) = luma.iter().find(|&&v| v > max) {
                return Err(CambiError::SampleOutOfRange {
                    value,
                    bit_depth: self.in_bit_depth,
                });
            }
        }

        let band_size = match self.band_size {
            Some(size) => size,
            // No pixel can be in a visible band: every contrast value is 0.
            None => return Ok(self.clip(0.0)),
        };

        let stride = self.stride;
        let (enc_w, enc_h) = (self.enc_width, self.enc_height);
        convert_to_10bit(
            luma,
            self.in_width,
            self.in_height,
            self.in_bit_depth,
            &mut self.image,
            stride,
            enc_w,
            enc_h,
        );
        if self.anti_dither {
            anti_dithering_filter(&mut self.image, stride, enc_w, enc_h);
        }

        spatial_mask(
            &self.image,
            &mut self.mask,
            stride,
            enc_w,
            enc_h,
            self.mask_index,
            &mut self.derivative_row,
            &mut self.mask_column_sums,
        );

        let params = ContrastParams {
            num_diffs: self.num_diffs,
            tvi_for_diff: &self.tvi_for_diff,
            vlt_luma: self.vlt_luma,
            diff_weights: &self.diff_weights,
            band_base: self.band_base,
            band_size,
            reciprocal: &self.reciprocal,
        };

        let mut scores = [0.0f64; NUM_SCALES];
        let (mut w, mut h) = (enc_w, enc_h);
        for (scale, score) in scores.iter_mut().enumerate() {
            if scale > 0 || self.high_res_speedup {
                w = (w + 1) >> 1;
                h = (h + 1) >> 1;
                decimate(&mut self.image, stride, w, h);
                decimate(&mut self.mask, stride, w, h);
            }
            filter_mode(&mut self.image, stride, w, h, &mut self.mode_ring);
            compute_contrast_values(
                &self.image,
                &self.mask,
                stride,
                w,
                h,
                self.window_size,
                &params,
                &mut self.histograms,
                &mut self.c_values,
            );
            *score = spatial_pooling(&mut self.c_values[..w * h], self.topk);
        }

        let mut weighted = 0.0f64;
        for (score, &weight) in scores.iter().zip(SCALE_WEIGHTS.iter()) {
            weighted += score * weight as f64;
        }
        let score = weighted / pixels_in_window(self.window_size) as f64;
        Ok(self.clip(score))
    }

    fn clip(&self, score: f64) -> f64 {
        if score < self.max_val {
            score
        } else {
            self.max_val
        }
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn default_params<'a>(tvi: &'a [u16], weights: &'a [i32], lut: &'a [f32], vlt: u16) -> ContrastParams<'a> {
        let num_diffs = tvi.len() as u16;
        let low = vlt as i32 - 3 * num_diffs as i32 + 1;
        let band_base = if low > 0 { low as u16 } else { 0 };
        let band_size = (tvi[tvi.len() - 1] as i32 + 1 - band_base as i32) as u16;
        ContrastParams {
            num_diffs,
            tvi_for_diff: tvi,
            vlt_luma: vlt,
            diff_weights: weights,
            band_base,
            band_size,
            reciprocal: lut,
        }
    }

    /// Packs a small row-major picture into a padded buffer.
    fn padded(pixels: &[u16], width: usize, height: usize) -> (Vec<u16>, usize) {
        let stride = (width + ROW_ALIGN - 1) & !(ROW_ALIGN - 1);
        let mut buf = vec![0u16; stride * height.max(MIN_BUFFER_ROWS)];
        for y in 0..height {
            buf[y * stride..y * stride + width].copy_from_slice(&pixels[y * width..(y + 1) * width]);
        }
        (buf, stride)
    }

    #[test]
    fn reciprocal_table_matches_reference_rounding() {
        let lut = build_reciprocal_table();
        assert_eq!(lut.len(), RECIPROCAL_LUT_SIZE);
        assert_eq!(lut[0], 0.0);
        assert_eq!(lut[1], 1.0);
        assert_eq!(lut[4], 0.25);
        // Entries where the nine-digit decimal rounds to a different f32
        // than the correctly rounded reciprocal.
        assert_eq!(lut[82].to_bits(), 0x3c47ce0d);
        assert_ne!(lut[82], 1.0f32 / 82.0);
        assert_eq!(lut[83].to_bits(), 0x3c4565c9);
        assert_eq!(lut[244].to_bits(), 0x3b864b8b);
        assert_eq!(lut[504].to_bits(), 0x3b020820);
        assert_eq!(lut[510].to_bits(), 0x3b008080);
    }

    #[test]
    fn visibility_thresholds_match_known_values() {
        let eotf = CambiEotf::Bt1886;
        assert_eq!(visibility_threshold_for_diff(1, 0.019, eotf), 178);
        assert_eq!(visibility_threshold_for_diff(2, 0.019, eotf), 305);
        assert_eq!(visibility_threshold_for_diff(3, 0.019, eotf), 432);
        assert_eq!(visibility_threshold_for_diff(4, 0.019, eotf), 559);
        assert!(step_is_visible(178, 1, 0.019, eotf));
        assert!(!step_is_visible(179, 1, 0.019, eotf));
        assert_eq!(classify_threshold(177, 1, 0.019, eotf), Bisect::TooSmall);
        assert_eq!(classify_threshold(178, 1, 0.019, eotf), Bisect::Correct);
        assert_eq!(classify_threshold(179, 1, 0.019, eotf), Bisect::TooBig);
        assert_eq!(visibility_luma_threshold(0.0, eotf), 0);
        assert_eq!(visibility_luma_threshold(0.06, eotf), 78);
        // The top of the range reaches the largest allowed threshold, so the
        // search always ends.
        assert!(code_value_luminance(LIMITED_HEAD_10BIT, eotf) >= 300.0);
        assert!(visibility_luma_threshold(300.0, eotf) <= LIMITED_HEAD_10BIT as u16);
    }

    #[test]
    fn window_and_mask_sizes_follow_resolution() {
        assert_eq!(adjust_window_size(63, 3840, 2160, false), 63);
        assert_eq!(adjust_window_size(63, 1920, 1080, false), 31);
        assert_eq!(adjust_window_size(63, 320, 180, false), 5);
        assert_eq!(adjust_window_size(63, 6000, 4000, false), 105);
        assert_eq!(adjust_window_size(63, 3840, 2160, true), 33);
        assert_eq!(adjust_window_size(65, 1920, 1080, true), 17);
        assert_eq!(mask_index(3840, 2160, 7), 24);
        assert_eq!(mask_index(1980, 1080, 7), 21);
        assert_eq!(mask_index(320, 180, 7), 13);
        assert_eq!(mask_index(6000, 4000, 7), 27);
        assert_eq!(mask_index(960, 540, 5), 6);
        assert_eq!(pixels_in_window(62), 3969);
        assert_eq!(pixels_in_window(65), 4225);
    }

    #[test]
    fn bit_depth_conversion_and_downscale() {
        let pic = [1u16, 2, 0, 100, 0, 2, 0, 100, 0, 2, 0, 100, 4, 2, 0, 100];
        let mut out = vec![0u16; 64];
        convert_to_10bit(&pic, 4, 4, 10, &mut out, 32, 2, 2);
        assert_eq!([out[0], out[1], out[32], out[33]], [2, 100, 2, 100]);
        convert_to_10bit(&pic, 4, 4, 16, &mut out, 32, 2, 2);
        assert_eq!([out[0], out[1], out[32], out[33]], [0, 2, 0, 2]);
        convert_to_10bit(&pic, 4, 4, 12, &mut out, 32, 2, 2);
        assert_eq!([out[0], out[1], out[32], out[33]], [1, 25, 1, 25]);
        convert_to_10bit(&pic, 4, 4, 9, &mut out, 32, 2, 2);
        assert_eq!([out[0], out[1], out[32], out[33]], [4, 200, 4, 200]);
        convert_to_10bit(&pic, 4, 4, 8, &mut out, 32, 2, 2);
        assert_eq!([out[0], out[1], out[32], out[33]], [8, 400, 8, 400]);
        // Rounded shift can reach 1024 from a full-scale deep sample.
        convert_to_10bit(&[65535], 1, 1, 16, &mut out, 32, 1, 1);
        assert_eq!(out[0], 1024);
    }

    #[test]
    fn anti_dithering_averages_2x2() {
        let pic = [1u16, 2, 0, 100, 0, 2, 0, 100, 0, 2, 0, 100, 4, 2, 0, 100];
        let expected = [1u16, 1, 50, 100, 1, 1, 50, 100, 2, 1, 50, 100, 3, 1, 50, 100];
        let (mut buf, stride) = padded(&pic, 4, 4);
        anti_dithering_filter(&mut buf, stride, 4, 4);
        for y in 0..4 {
            assert_eq!(&buf[y * stride..y * stride + 4], &expected[y * 4..y * 4 + 4]);
        }
    }

    #[test]
    fn mode_filter_removes_isolated_pixels() {
        let w = 5;
        let mut pic = vec![0u16; 25];
        pic[w + 2] = 1;
        pic[2 * w + 2] = 1;
        pic[w + 3] = 1;
        pic[3 * w + 3] = 1;
        let mut ring = vec![0u16; 3 * w];
        // The filtered picture and the sum of its 5x5 samples.
        let mut filtered = |pic: &[u16]| {
            let (mut buf, stride) = padded(pic, 5, 5);
            filter_mode(&mut buf, stride, 5, 5, &mut ring);
            let sum: u32 = (0..5).flat_map(|y| (0..5).map(move |x| (y, x))).map(|(y, x)| buf[y * stride + x] as u32).sum();
            (buf, stride, sum)
        };
        assert_eq!(filtered(&pic).2, 0);

        pic[3 * w + 4] = 1;
        let (buf, stride, sum) = filtered(&pic);
        assert_eq!(sum, 1);
        assert_eq!(buf[3 * stride + 3], 0);
        assert_eq!(buf[2 * stride + 3], 1);
    }

    #[test]
    fn mode3_picks_majority_or_minimum() {
        assert_eq!(mode3(5, 5, 1), 5);
        assert_eq!(mode3(1, 7, 7), 7);
        assert_eq!(mode3(9, 3, 9), 9);
        assert_eq!(mode3(9, 3, 4), 3);
    }

    #[test]
    fn spatial_mask_counts_flat_neighbourhoods() {
        // A constant picture is flat everywhere; the 7x7 count at a corner is
        // 16 (4x4 inside the picture), in the middle 49.
        let (image, stride) = padded(&vec![7u16; 20 * 20], 20, 20);
        let mut mask = vec![0u16; image.len()];
        let mut deriv = vec![0u16; 20];
        let mut sums = vec![0u32; 20];
        spatial_mask(&image, &mut mask, stride, 20, 20, 15, &mut deriv, &mut sums);
        assert!((0..20).all(|y| (0..20).all(|x| mask[y * stride + x] == 1)));
        spatial_mask(&image, &mut mask, stride, 20, 20, 16, &mut deriv, &mut sums);
        assert_eq!(mask[0], 0);
        assert_eq!(mask[3 * stride + 3], 1);
        spatial_mask(&image, &mut mask, stride, 20, 20, 48, &mut deriv, &mut sums);
        assert_eq!(mask[10 * stride + 10], 1);
        spatial_mask(&image, &mut mask, stride, 20, 20, 49, &mut deriv, &mut sums);
        assert_eq!(mask[10 * stride + 10], 0);

        // A checkerboard has no zero derivatives except at the last pixel.
        let checker: Vec<u16> = (0..400).map(|i| ((i / 20 + i % 20) % 2) as u16).collect();
        let (image, stride) = padded(&checker, 20, 20);
        spatial_mask(&image, &mut mask, stride, 20, 20, 0, &mut deriv, &mut sums);
        let on: usize = (0..20)
            .map(|y| (0..20).filter(|&x| mask[y * stride + x] == 1).count())
            .sum();
        assert_eq!(on, 16); // the 4x4 block whose window holds pixel (19, 19)
    }

    #[test]
    fn contrast_values_match_reference_example() {
        // 4x4 picture, window 3, thresholds for the four default steps,
        // no luminance floor (libvmaf's own test case and values).
        let image = [1u16, 2, 0, 100, 0, 2, 0, 100, 0, 2, 0, 100, 4, 2, 0, 100];
        let mask = [1u16, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
        let expected = [
            0.6666667f32,
            2.0,
            0.0,
            0.0,
            2.4,
            3.4285715,
            2.4,
            0.0,
            2.6666667,
            3.75,
            3.0,
            0.0,
            2.0,
            2.4,
            2.0,
            0.0,
        ];
        let tvi = [178u16, 305, 432, 559];
        let weights = [1, 2, 3, 4];
        let lut = build_reciprocal_table();
        let params = default_params(&tvi, &weights, &lut, 0);
        let (img, stride) = padded(&image, 4, 4);
        let (msk, _) = padded(&mask, 4, 4);
        let mut hist = vec![0u16; 4 * params.band_size as usize];
        let mut c = vec![0f32; 16];
        compute_contrast_values(&img, &msk, stride, 4, 4, 3, &params, &mut hist, &mut c);
        for (got, want) in c.iter().zip(expected.iter()) {
            assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        }
    }

    #[test]
    fn contrast_value_of_one_histogram_column() {
        // One histogram column holding count i for compact value i. Sample 2
        // sits at compact index 2 (band starts at 0); the contrast stage
        // compares sample + num_diffs = 4 against the thresholds.
        let counts = [0u16, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        let lut = build_reciprocal_table();
        let tvi = [4u16, 5];
        let params = ContrastParams {
            num_diffs: 2,
            tvi_for_diff: &tvi,
            vlt_luma: 0,
            diff_weights: &[1, 2],
            band_base: 0,
            band_size: 10,
            reciprocal: &lut,
        };
        // max(1*2*3/5, 2*2*4/6)
        assert!((contrast_value(&counts, 1, 0, 2, &params) - 2.6666667).abs() < 1e-6);
        let params = ContrastParams {
            diff_weights: &[4, 5],
            ..params
        };
        assert!((contrast_value(&counts, 1, 0, 2, &params) - 6.6666667).abs() < 1e-6);
        // Above every visibility threshold.
        assert_eq!(contrast_value(&counts, 1, 0, 4, &params), 0.0);
        // Both steps end at or below the luminance floor.
        let params = ContrastParams { vlt_luma: 7, ..params };
        assert_eq!(contrast_value(&counts, 1, 0, 2, &params), 0.0);
    }

    #[test]
    fn pooling_takes_top_k() {
        let base = [0f32, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 7.0, 8.0, 9.0, 6.0, 11.0];
        assert_eq!(spatial_pooling(&mut base.clone(), 0.0), 11.0);
        assert_eq!(spatial_pooling(&mut base.clone(), 0.1), 11.0);
        assert_eq!(spatial_pooling(&mut base.clone(), 0.2), 10.5);
        assert_eq!(spatial_pooling(&mut base.clone(), 1.0), 5.5);

        let mut arr = base;
        quick_select(&mut arr, 5);
        assert_eq!(arr[5], 6.0);
        assert!(arr[..5].iter().all(|&v| v >= 6.0));
        assert!(arr[6..].iter().all(|&v| v <= 6.0));
    }

    /// 8-bit picture: a horizontal staircase of `step`-code-value bands, each
    /// `band` pixels wide.
    fn staircase(width: usize, height: usize, start: u16, step: u16, band: usize) -> Vec<u16> {
        let mut pic = vec![0u16; width * height];
        for y in 0..height {
            for x in 0..width {
                pic[y * width + x] = start + step * (x / band) as u16;
            }
        }
        pic
    }

    #[test]
    fn flat_picture_scores_zero() {
        let (w, h) = (320, 240);
        let mut cambi = Cambi::new(w, h, 8, &CambiOptions::default()).unwrap();
        assert_eq!(cambi.score(&vec![100u16; w * h]).unwrap(), 0.0);
        let mut cambi = Cambi::new(w, h, 10, &CambiOptions::default()).unwrap();
        assert_eq!(cambi.score(&vec![400u16; w * h]).unwrap(), 0.0);
    }

    #[test]
    fn visible_staircase_scores_and_repeats() {
        let (w, h) = (320, 240);
        let mut cambi = Cambi::new(w, h, 8, &CambiOptions::default()).unwrap();
        // Dark gradient with one-code-value (8-bit) steps: classic banding.
        let bands = staircase(w, h, 30, 1, 16);
        let first = cambi.score(&bands).unwrap();
        assert!(first > 0.0, "staircase should band, got {first}");
        // No state carries over between frames.
        let flat = vec![100u16; w * h];
        assert_eq!(cambi.score(&flat).unwrap(), 0.0);
        assert_eq!(cambi.score(&bands).unwrap(), first);

        // Steps far above the visibility threshold are edges, not bands.
        let edges = staircase(w, h, 20, 20, 32);
        let edge_score = cambi.score(&edges).unwrap();
        assert!(edge_score < first, "{edge_score} vs {first}");

        // The clip applies.
        let opts = CambiOptions {
            max_val: first / 2.0,
            ..CambiOptions::default()
        };
        let mut clipped = Cambi::new(w, h, 8, &opts).unwrap();
        assert_eq!(clipped.score(&bands).unwrap(), first / 2.0);

        // A luminance floor above the whole picture removes the banding.
        let opts = CambiOptions {
            vis_lum_threshold: 200.0,
            ..CambiOptions::default()
        };
        let mut floored = Cambi::new(w, h, 8, &opts).unwrap();
        assert_eq!(floored.score(&bands).unwrap(), 0.0);
    }

    #[test]
    fn ten_bit_input_encoded_at_eight_bits_matches_eight_bit_input() {
        // The same staircase at 10 bits with enc_bitdepth 8 goes through the
        // same anti-dithering as the 8-bit input and must score identically;
        // without enc_bitdepth the filter is skipped and the score changes.
        let (w, h) = (320, 240);
        let bands8 = staircase(w, h, 30, 1, 16);
        let bands10: Vec<u16> = bands8.iter().map(|&v| v << 2).collect();
        let mut c8 = Cambi::new(w, h, 8, &CambiOptions::default()).unwrap();
        let opts = CambiOptions {
            enc_bitdepth: Some(8),
            ..CambiOptions::default()
        };
        let mut c10 = Cambi::new(w, h, 10, &opts).unwrap();
        let s8 = c8.score(&bands8).unwrap();
        assert_eq!(s8, c10.score(&bands10).unwrap());
        let mut plain10 = Cambi::new(w, h, 10, &CambiOptions::default()).unwrap();
        assert_ne!(s8, plain10.score(&bands10).unwrap());
    }

    #[test]
    fn speedup_applies_only_at_high_resolution() {
        let opts = CambiOptions {
            high_res_speedup: 1080,
            ..CambiOptions::default()
        };
        let c = Cambi::new(1920, 1080, 8, &opts).unwrap();
        assert!(c.high_res_speedup());
        assert_eq!(c.window_size(), 17);
        let c = Cambi::new(1280, 720, 8, &opts).unwrap();
        assert!(!c.high_res_speedup());
        assert_eq!(c.window_size(), 21 | 1);
        let opts = CambiOptions {
            high_res_speedup: 1000,
            ..CambiOptions::default()
        };
        assert!(!Cambi::new(1920, 1080, 8, &opts).unwrap().high_res_speedup());
    }

    #[test]
    fn option_and_size_errors() {
        let ok = CambiOptions::default();
        assert!(matches!(
            Cambi::new(
                320,
                240,
                8,
                &CambiOptions {
                    window_size: 14,
                    ..ok
                }
            ),
            Err(CambiError::OptionOutOfRange {
                option: "window_size",
                ..
            })
        ));
        assert!(matches!(
            Cambi::new(
                320,
                240,
                8,
                &CambiOptions {
                    topk: 0.0,
                    ..ok
                }
            ),
            Err(CambiError::OptionOutOfRange { option: "topk", .. })
        ));
        assert!(matches!(
            Cambi::new(
                320,
                240,
                8,
                &CambiOptions {
                    tvi_threshold: f64::NAN,
                    ..ok
                }
            ),
            Err(CambiError::OptionOutOfRange {
                option: "tvi_threshold",
                ..
            })
        ));
        assert!(matches!(
            Cambi::new(
                320,
                240,
                8,
                &CambiOptions {
                    max_log_contrast: 6,
                    ..ok
                }
            ),
            Err(CambiError::OptionOutOfRange {
                option: "max_log_contrast",
                ..
            })
        ));
        assert!(matches!(
            Cambi::new(
                320,
                240,
                8,
                &CambiOptions {
                    max_val: 1000.5,
                    ..ok
                }
            ),
            Err(CambiError::OptionOutOfRange {
                option: "cambi_max_val",
                ..
            })
        ));
        assert!(matches!(
            Cambi::new(
                320,
                240,
                8,
                &CambiOptions {
                    enc_width: Some(100),
                    enc_height: Some(200),
                    ..ok
                }
            ),
            Err(CambiError::OptionOutOfRange {
                option: "enc_width",
                ..
            })
        ));
        assert_eq!(CambiEotf::from_name("pq"), Ok(CambiEotf::Pq));
        assert_eq!(
            CambiEotf::from_name("srgb"),
            Err(CambiError::UnknownEotf("srgb".into()))
        );
        assert_eq!(
            Cambi::new(320, 240, 7, &ok).unwrap_err(),
            CambiError::UnsupportedBitDepth(7)
        );
        assert_eq!(
            Cambi::new(320, 240, 17, &ok).unwrap_err(),
            CambiError::UnsupportedBitDepth(17)
        );
        assert_eq!(
            Cambi::new(96, 64, 8, &ok).unwrap_err(),
            CambiError::PictureTooSmall { width: 96, height: 64 }
        );
        // One dimension of 216 or more is enough.
        assert!(Cambi::new(216, 64, 8, &ok).is_ok());
        // Encoding size is capped at the input size, then checked.
        let opts = CambiOptions {
            enc_width: Some(200),
            enc_height: Some(150),
            ..ok
        };
        assert_eq!(
            Cambi::new(320, 240, 8, &opts).unwrap_err(),
            CambiError::PictureTooSmall {
                width: 200,
                height: 150
            }
        );
        let opts = CambiOptions {
            src_width: Some(400),
            src_height: Some(200),
            ..ok
        };
        assert!(matches!(
            Cambi::new(320, 240, 8, &opts),
            Err(CambiError::SourceAspectMismatch { .. })
        ));
        // 65 * (6000) / 375 >> 4 = 65 is the largest window; 127 at 4K is not.
        let opts = CambiOptions {
            window_size: 127,
            ..ok
        };
        assert_eq!(
            Cambi::new(3840, 2160, 8, &opts).unwrap_err(),
            CambiError::WindowTooLarge { window_size: 127 }
        );
        assert!(Cambi::new(3840, 2160, 8, &ok).is_ok());

        let mut c = Cambi::new(320, 240, 10, &ok).unwrap();
        assert_eq!(
            c.score(&[0u16; 5]).unwrap_err(),
            CambiError::LumaLength {
                expected: 76800,
                got: 5
            }
        );
        let mut pic = vec![512u16; 320 * 240];
        pic[1000] = 1024;
        assert_eq!(
            c.score(&pic).unwrap_err(),
            CambiError::SampleOutOfRange {
                value: 1024,
                bit_depth: 10
            }
        );
        let msg = CambiError::WindowTooLarge { window_size: 127 }.to_string();
        assert!(msg.contains("127"));
    }
}
