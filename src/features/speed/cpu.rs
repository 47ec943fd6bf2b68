//! libvmaf's `speed_chroma` feature (SpEED, "spatial efficient entropic
//! differencing", on the U and V planes): scores `speed_chroma_u`,
//! `speed_chroma_v` and `speed_chroma_uv`. Scalar CPU reference.
//!
//! Per chroma plane, for the reference and for the distorted picture:
//!
//! 1. samples become floats centred on zero (`sample / 2^(depth-8) - 128`);
//! 2. optional prescale of the plane (nearest, bilinear, bicubic or Lanczos-4);
//! 3. a 9-tap Gaussian anti-alias blur (σ = 3.6), decimation by 16 in each
//!    direction, then local mean subtraction with a 3-tap Gaussian (σ = 0.6);
//! 4. the band is cut into 5x5 blocks; the 25x25 covariance matrix of all 5x5
//!    neighbourhoods (a Gaussian scale mixture model) gives, through its
//!    eigenvalues and the solution of `K X = Y` (Y: each block's 25 samples as a
//!    column), a per-block variance estimate `s` and entropy
//!    `Σ_k log2(λ_k s + σ_nn) + log2(2πe)`;
//! 5. the frame score is the mean over blocks of
//!    `|h_ref log2(1 + s_ref) - h_dis log2(1 + s_mix)|`, blocks whose two
//!    entropies are both below the neural-noise floor counting 0.
//!
//! The feature is purely spatial: nothing is carried from one frame to the next
//! (the struct only keeps buffers and the filters built at construction).
//!
//! Exactness: the arithmetic follows libvmaf's C operation for operation —
//! single precision where it uses `float`, promotion to `f64` exactly where C
//! promotes (`float * double`, double literals, `sqrt`/`log2`/`exp` taking and
//! returning `double`, then rounding back to `float` on assignment), the same
//! accumulation orders, and no fused multiply-add (libvmaf is built without FMA
//! contraction). The reference is libvmaf's plain C path (its AVX2/AVX-512
//! convolution and covariance kernels round differently).

use std::fmt;
use std::str::FromStr;

/// Side of the square blocks the band is cut into (and of the neighbourhoods
/// whose covariance is modelled).
const BLOCK_SIZE: usize = 5;
/// The band analysed is the fourth dyadic scale: a decimation by `2^4`.
const NUM_SCALES: u32 = 4;
/// Threshold for "zero" in the eigenvalue iteration, the regularity test and the
/// back-substitution pivots (a `double` in C: float operands are promoted).
const EIGENVALUE_EPS: f64 = 1e-6;
/// Cap on implicit QR sweeps; libvmaf only warns when it is reached.
const EIGENVALUE_MAX_ITERS: usize = 500;
/// `log2(2πe)` as the C compiler folds `log2(2 * M_PI * M_E)`:
/// 0x1.06073a671183dp+2, spelt as bits so that no compile-time folding here can
/// differ in the last place.
const LOG2_2PI_E: f64 = f64::from_bits(0x4010_6073_a671_183d);
/// libvmaf's `ALMOST_EQUAL(prescale, 1.0)`: prescales this close to 1 skip the
/// resampling step (but still size the picture with `prescale`).
const PRESCALE_IDENTITY_TOLERANCE: f64 = 1.0e-3;

/// Kernel scales libvmaf accepts (`valid_kernelscales`, single precision as the
/// C table holds them).
const VALID_KERNELSCALES: [f32; 21] = [
    1.0,
    1.0 / 2.0,
    3.0 / 2.0,
    2.0,
    2.0 / 3.0,
    24.0 / 10.0,
    360.0 / 97.0,
    4.0 / 3.0,
    3.5 / 3.0,
    3.75 / 3.0,
    4.25 / 3.0,
    5.0 / 3.0,
    3.0,
    1.0 / 2.25,
    1.4746,
    1.54,
    1.6,
    1.06667,
    0.711111,
    0.740740,
    1.111111,
];

// ---------------------------------------------------------------------------
// Options and errors
// ---------------------------------------------------------------------------

/// How the plane is resampled when `prescale` is not 1 (libvmaf's
/// `speed_prescale_method`, alias `psm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrescaleMethod {
    /// Top-left sample of the source cell (libvmaf's default).
    Nearest,
    /// Bilinear between the four nearest samples, centre-aligned, mirrored at
    /// the edges (used by libvmaf's v1 models with prescale 0.6 and 0.5).
    Bilinear,
    /// Keys cubic convolution, a = -0.75, 4x4 taps.
    Bicubic,
    /// Lanczos window a = 4, 8x8 taps (9x9 evaluated), normalised by the weight sum.
    Lanczos4,
}

impl PrescaleMethod {
    /// The name libvmaf's option string uses.
    pub fn as_str(self) -> &'static str {
        match self {
            PrescaleMethod::Nearest => "nearest",
            PrescaleMethod::Bilinear => "bilinear",
            PrescaleMethod::Bicubic => "bicubic",
            PrescaleMethod::Lanczos4 => "lanczos4",
        }
    }
}

impl FromStr for PrescaleMethod {
    type Err = SpeedError;

    /// Exact, case-sensitive names, as libvmaf compares them with `strcmp`.
    fn from_str(s: &str) -> Result<Self, SpeedError> {
        match s {
            "nearest" => Ok(PrescaleMethod::Nearest),
            "bilinear" => Ok(PrescaleMethod::Bilinear),
            "bicubic" => Ok(PrescaleMethod::Bicubic),
            "lanczos4" => Ok(PrescaleMethod::Lanczos4),
            other => Err(SpeedError::InvalidPrescaleMethod(other.to_string())),
        }
    }
}

/// Options as libvmaf names them (defaults = libvmaf's defaults). Every one of
/// them can change the score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeedChromaOptions {
    /// `speed_max_val` (`mxv`), 0..=1000, default 1000: reported scores are
    /// clipped to at most this.
    pub max_val: f64,
    /// `speed_nn_floor` (`nnf`), 0..=1, default 0: the entropy floor is that of
    /// a flat block with noise `(1 + nn_floor) * sigma_nn`.
    pub nn_floor: f64,
    /// `speed_sigma_nn` (`snn`), 0.1..=2, default 0.29: neural-noise standard
    /// deviation added to every eigen-variance.
    pub sigma_nn: f64,
    /// `speed_weight_var_mode` (`wvm`), 0..=6, default 0: which variances weight
    /// the two entropies (5 = reference for the reference side, 0.75·ref +
    /// 0.25·dis for the distorted side).
    pub weight_var_mode: i32,
    /// `speed_prescale` (`ps`), 0.1..=4, default 1: resampling factor applied to
    /// the chroma plane before filtering.
    pub prescale: f64,
    /// `speed_prescale_method` (`psm`), default nearest.
    pub prescale_method: PrescaleMethod,
    /// `speed_kernelscale` (`ks`), 0.1..=4 and one of libvmaf's listed scales,
    /// default 1: widens both Gaussian filters.
    pub kernelscale: f64,
}

impl Default for SpeedChromaOptions {
    fn default() -> Self {
        SpeedChromaOptions {
            max_val: 1000.0,
            nn_floor: 0.0,
            sigma_nn: 0.29,
            weight_var_mode: 0,
            prescale: 1.0,
            prescale_method: PrescaleMethod::Nearest,
            kernelscale: 1.0,
        }
    }
}

/// Conditions under which libvmaf refuses (or cannot define) the feature.
#[derive(Debug, Clone, PartialEq)]
pub enum SpeedError {
    /// After prescaling and decimation by 16 there is not one whole 5x5 block
    /// in some direction. libvmaf: "SpEED: image too small, operating width or
    /// height is 0".
    ImageTooSmall {
        operating_width: usize,
        operating_height: usize,
    },
    /// A numeric option outside libvmaf's option table range (or not a number).
    OptionOutOfRange {
        name: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    /// `speed_kernelscale` within range but not one of libvmaf's valid scales.
    InvalidKernelscale(f64),
    /// A `speed_prescale_method` name libvmaf does not know.
    InvalidPrescaleMethod(String),
    /// libvmaf converts samples for 8, 10, 12 and 16 bits only (other depths
    /// read 16-bit samples as bytes there).
    UnsupportedBitDepth(u8),
    /// A prescale within 1e-3 of 1 is not applied by libvmaf, yet it still sizes
    /// the picture from it; when that size exceeds the plane libvmaf reads
    /// uninitialised memory, so there is no defined score.
    UndefinedPrescale {
        prescale: f64,
        width: usize,
        height: usize,
    },
    /// A chroma plane of zero width or height.
    EmptyPlane,
}

impl fmt::Display for SpeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpeedError::ImageTooSmall {
                operating_width,
                operating_height,
            } => write!(
                f,
                "SpEED: image too small, operating width or height is 0 \
                 (operating size {operating_width}x{operating_height}, blocks of {BLOCK_SIZE})"
            ),
            SpeedError::OptionOutOfRange {
                name,
                value,
                min,
                max,
            } => write!(f, "SpEED: option {name} = {value} outside [{min}, {max}]"),
            SpeedError::InvalidKernelscale(k) => write!(f, "invalid speed_kernelscale {k}"),
            SpeedError::InvalidPrescaleMethod(m) => write!(
                f,
                "Invalid scale method {m}. Supported scale methods: [nearest, bilinear, bicubic, lanczos4]"
            ),
            SpeedError::UnsupportedBitDepth(b) => write!(
                f,
                "SpEED: bit depth {b} unsupported (8, 10, 12 or 16 bits only)"
            ),
            SpeedError::UndefinedPrescale {
                prescale,
                width,
                height,
            } => write!(
                f,
                "SpEED: prescale {prescale} is treated as 1 but sizes the {width}x{height} plane larger; undefined"
            ),
            SpeedError::EmptyPlane => write!(f, "SpEED: empty chroma plane"),
        }
    }
}

impl std::error::Error for SpeedError {}

/// Chroma subsampling of the picture, to derive the chroma plane size libvmaf
/// works on from the luma size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChromaSubsampling {
    Yuv420,
    Yuv422,
    Yuv444,
}

impl ChromaSubsampling {
    /// libvmaf's chroma plane size: luma size shifted right (truncating), so an
    /// odd luma width drops the last chroma column of a 4:2:x file.
    pub fn chroma_size(self, luma_width: usize, luma_height: usize) -> (usize, usize) {
        match self {
            ChromaSubsampling::Yuv420 => (luma_width >> 1, luma_height >> 1),
            ChromaSubsampling::Yuv422 => (luma_width >> 1, luma_height),
            ChromaSubsampling::Yuv444 => (luma_width, luma_height),
        }
    }
}

/// One frame's scores, already clipped to `max_val` (as libvmaf reports them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeedChromaScores {
    pub u: f64,
    pub v: f64,
    pub uv: f64,
}

// ---------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------

/// Sizes derived once from the plane size and the prescale.
#[derive(Debug, Clone, PartialEq)]
struct Geometry {
    /// Chroma plane as converted.
    original_width: usize,
    original_height: usize,
    /// After prescaling: `(int)(size * prescale + 0.5)`.
    scaled_width: usize,
    scaled_height: usize,
    /// Row stride and row count of the working frame buffers (large enough for
    /// either the original or the scaled picture).
    alloc_width: usize,
    alloc_height: usize,
    /// Size of the decimated band (scaled size >> 4).
    operating_width: usize,
    operating_height: usize,
    block_size: usize,
    /// Operating size rounded down to whole blocks.
    truncated_width: usize,
    truncated_height: usize,
    blocks_horizontal: usize,
    blocks_vertical: usize,
    num_blocks: usize,
    /// `block_size²`: the dimension of the covariance matrix.
    elements_in_block: usize,
    /// Number of neighbourhood positions per direction the covariance averages.
    submatrix_width: usize,
    submatrix_height: usize,
}

impl Geometry {
    fn new(width: usize, height: usize, prescale: f64) -> Result<Self, SpeedError> {
        // `(int)(size_t * double + 0.5)`: truncation toward zero.
        let scaled_height = (height as f64 * prescale + 0.5) as i64 as usize;
        let scaled_width = (width as f64 * prescale + 0.5) as i64 as usize;
        let operating_height = scaled_height >> NUM_SCALES;
        let operating_width = scaled_width >> NUM_SCALES;
        let geometry = Self::from_operating(
            operating_width,
            operating_height,
            BLOCK_SIZE,
            width,
            height,
            scaled_width,
            scaled_height,
        );
        if geometry.truncated_height == 0 || geometry.truncated_width == 0 {
            return Err(SpeedError::ImageTooSmall {
                operating_width,
                operating_height,
            });
        }
        Ok(geometry)
    }

    /// The block layout of an operating band (also used directly by the tests,
    /// which exercise the estimator with other block sizes as libvmaf's do).
    fn from_operating(
        operating_width: usize,
        operating_height: usize,
        block_size: usize,
        original_width: usize,
        original_height: usize,
        scaled_width: usize,
        scaled_height: usize,
    ) -> Self {
        let truncated_width = operating_width / block_size * block_size;
        let truncated_height = operating_height / block_size * block_size;
        let blocks_horizontal = truncated_width / block_size;
        let blocks_vertical = truncated_height / block_size;
        Geometry {
            original_width,
            original_height,
            scaled_width,
            scaled_height,
            alloc_width: original_width.max(scaled_width),
            alloc_height: original_height.max(scaled_height),
            operating_width,
            operating_height,
            block_size,
            truncated_width,
            truncated_height,
            blocks_horizontal,
            blocks_vertical,
            num_blocks: blocks_horizontal * blocks_vertical,
            elements_in_block: block_size * block_size,
            submatrix_width: (truncated_width + 1).saturating_sub(block_size),
            submatrix_height: (truncated_height + 1).saturating_sub(block_size),
        }
    }
}

// ---------------------------------------------------------------------------
// Gaussian filters (built at construction, as libvmaf does at every frame from
// the same inputs)
// ---------------------------------------------------------------------------

/// C's `round_up_to_odd(float)`: `ceil` (in double), bumped to the next odd.
fn round_up_to_odd(f: f32) -> i32 {
    let ceiling = (f as f64).ceil() as i32;
    if ceiling % 2 == 0 {
        ceiling + 1
    } else {
        ceiling
    }
}

/// `vif_get_filter_size`: `2^(4-scale) + 1` taps times the kernel scale, odd,
/// at least 3.
fn filter_size(scale: u32, kernelscale: f32) -> usize {
    let n = (1i32 << (4 - scale)) + 1;
    round_up_to_odd(n as f32 * kernelscale).max(3) as usize
}

/// Gaussian density as libvmaf evaluates it: exponent in double (the `-0.5`
/// literal promotes it), `exp` rounded to float, normaliser `1 / (σ√(2π))`
/// in double rounded to float, their float quotient.
fn gaussian_pdf(x: f32, mean: f32, stdev: f32) -> f32 {
    let d = (x - mean) as f64;
    let s = stdev as f64;
    let num = (-0.5 * d / s * d / s).exp() as f32;
    let den = (1.0 / (s * (2.0 * std::f64::consts::PI).sqrt())) as f32;
    num / den
}

/// Odd-length Gaussian, normalised by its float sum.
fn gaussian_kernel(size: usize, stdev: f32) -> Vec<f32> {
    debug_assert!(size % 2 == 1);
    let half = (size as i32 - 1) / 2;
    let mut out = vec![0f32; size];
    let mut sum = 0f32;
    for (i, tap) in out.iter_mut().enumerate() {
        *tap = gaussian_pdf((i as i32 - half) as f32, 0.0, stdev);
        sum += *tap;
    }
    for tap in &mut out {
        *tap /= sum;
    }
    out
}

/// Band filter of the fourth scale (`vif_get_filter(…, 4, ks)`): 3 taps at
/// kernel scale 1, σ = taps / 5 in float.
fn band_filter(kernelscale: f32) -> Vec<f32> {
    let size = filter_size(NUM_SCALES, kernelscale);
    gaussian_kernel(size, size as f32 / 5.0f32)
}

/// Anti-alias filter before the 16x decimation (`speed_get_antialias_filter`):
/// the size of the scale-1 filter (9 taps at kernel scale 1) with σ widened by
/// `sqrt(4)`; σ is computed in double, `/ 5.0f` promoted, then rounded to float.
fn antialias_filter(kernelscale: f32) -> Vec<f32> {
    let size = filter_size(1, kernelscale);
    let stdev = ((NUM_SCALES as f64).sqrt() * size as f64 / (5.0f32 as f64)) as f32;
    gaussian_kernel(size, stdev)
}

fn kernelscale_is_valid(kernelscale: f32) -> bool {
    VALID_KERNELSCALES
        .iter()
        .any(|&k| ((kernelscale - k).abs() as f64) < 1e-3)
}

// ---------------------------------------------------------------------------
// Resampling (prescale)
// ---------------------------------------------------------------------------

/// libvmaf's `mirror`, in float: reflect about 0 and about `right`.
fn mirror(i: f32, left: f32, right: f32) -> f32 {
    if i < left {
        -i
    } else if i > right {
        2.0 * right - i
    } else {
        i
    }
}

/// Source coordinate of an output sample's centre: `(x + 0.5) * ratio - 0.5`,
/// evaluated in double (the literals promote) and rounded to float.
fn source_coordinate(x: usize, ratio: f32) -> f32 {
    ((x as f64 + 0.5) * ratio as f64 - 0.5) as f32
}

/// Per output column of a bilinear resampling: the two source columns and the
/// fractional weight (depends only on the widths, so built once).
#[derive(Debug, Clone, PartialEq)]
struct BilinearColumns {
    x1: Vec<usize>,
    x2: Vec<usize>,
    dx: Vec<f32>,
}

impl BilinearColumns {
    fn new(src_w: usize, dst_w: usize) -> Self {
        let ratio_x = src_w as f32 / dst_w as f32;
        let right = (src_w as i32 - 1) as f32;
        let mut cols = BilinearColumns {
            x1: Vec::with_capacity(dst_w),
            x2: Vec::with_capacity(dst_w),
            dx: Vec::with_capacity(dst_w),
        };
        for x in 0..dst_w {
            let xx = source_coordinate(x, ratio_x);
            let x1 = mirror((xx as f64).floor() as f32, 0.0, right) as i32;
            let x2 = mirror((xx as f64).ceil() as f32, 0.0, right) as i32;
            cols.x1.push(x1 as usize);
            cols.x2.push(x2 as usize);
            // Weight relative to the mirrored column, as libvmaf does.
            cols.dx.push(xx - x1 as f32);
        }
        cols
    }
}

/// Geometry of one resampling call; `src` and `dst` share the row stride.
struct Resample<'a> {
    src: &'a [f32],
    src_w: usize,
    src_h: usize,
    stride: usize,
    dst_w: usize,
    dst_h: usize,
}

impl Resample<'_> {
    fn copy_if_same_size(&self, dst: &mut [f32]) -> bool {
        if self.src_w == self.dst_w && self.src_h == self.dst_h {
            for y in 0..self.dst_h {
                let row = y * self.stride;
                dst[row..row + self.dst_w].copy_from_slice(&self.src[row..row + self.dst_w]);
            }
            true
        } else {
            false
        }
    }

    fn nearest(&self, dst: &mut [f32]) {
        if self.copy_if_same_size(dst) {
            return;
        }
        let ratio_x = self.src_w as f32 / self.dst_w as f32;
        let ratio_y = self.src_h as f32 / self.dst_h as f32;
        for y in 0..self.dst_h {
            for x in 0..self.dst_w {
                let sy = (y as f32 * ratio_y) as i32 as usize;
                let sx = (x as f32 * ratio_x) as i32 as usize;
                dst[y * self.stride + x] = self.src[sy * self.stride + sx];
            }
        }
    }

    fn bilinear(&self, cols: &BilinearColumns, dst: &mut [f32]) {
        if self.copy_if_same_size(dst) {
            return;
        }
        let ratio_y = self.src_h as f32 / self.dst_h as f32;
        let bottom = (self.src_h as i32 - 1) as f32;
        for y in 0..self.dst_h {
            let yy = source_coordinate(y, ratio_y);
            let y1 = mirror((yy as f64).floor() as f32, 0.0, bottom) as i32;
            let y2 = mirror((yy as f64).ceil() as f32, 0.0, bottom) as i32;
            let dy = yy - y1 as f32;
            let r1 = &self.src[y1 as usize * self.stride..];
            let r2 = &self.src[y2 as usize * self.stride..];
            let drow = &mut dst[y * self.stride..];
            for x in 0..self.dst_w {
                let (x1, x2, dx) = (cols.x1[x], cols.x2[x], cols.dx[x]);
                drow[x] = (1.0 - dy) * (1.0 - dx) * r1[x1]
                    + (1.0 - dy) * dx * r1[x2]
                    + dy * (1.0 - dx) * r2[x1]
                    + dy * dx * r2[x2];
            }
        }
    }

    /// Every destination sample from `at(source x, source y)` (pixel centres
    /// mapped as libvmaf maps them).
    fn each_sample(&self, dst: &mut [f32], at: fn(&Self, f32, f32) -> f32) {
        if self.copy_if_same_size(dst) {
            return;
        }
        let ratio_x = self.src_w as f32 / self.dst_w as f32;
        let ratio_y = self.src_h as f32 / self.dst_h as f32;
        for y in 0..self.dst_h {
            let yy = source_coordinate(y, ratio_y);
            for x in 0..self.dst_w {
                let xx = source_coordinate(x, ratio_x);
                dst[y * self.stride + x] = at(self, xx, yy);
            }
        }
    }

    fn bicubic(&self, dst: &mut [f32]) {
        self.each_sample(dst, Self::bicubic_at);
    }

    fn bicubic_at(&self, x: f32, y: f32) -> f32 {
        fn kernel(t: f32) -> f32 {
            let a = -0.75f32;
            let t = if t < 0.0 { -t } else { t };
            if t < 1.0 {
                ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
            } else if t < 2.0 {
                (((t - 5.0) * t + 8.0) * t - 4.0) * a
            } else {
                0.0
            }
        }
        let x0 = (x as f64).floor() as i32;
        let y0 = (y as f64).floor() as i32;
        let dx = x - x0 as f32;
        let dy = y - y0 as f32;
        let mut wx = [0f32; 4];
        let mut wy = [0f32; 4];
        for i in -1i32..=2 {
            wx[(i + 1) as usize] = kernel(i as f32 - dx);
            wy[(i + 1) as usize] = kernel(i as f32 - dy);
        }
        let right = (self.src_w as i32 - 1) as f32;
        let bottom = (self.src_h as i32 - 1) as f32;
        let mut value = 0f32;
        for j in -1i32..=2 {
            for i in -1i32..=2 {
                let xi = mirror((x0 + i) as f32, 0.0, right) as i32 as usize;
                let yi = mirror((y0 + j) as f32, 0.0, bottom) as i32 as usize;
                let weight = wx[(i + 1) as usize] * wy[(j + 1) as usize];
                value += self.src[yi * self.stride + xi] * weight;
            }
        }
        value
    }

    fn lanczos4(&self, dst: &mut [f32]) {
        self.each_sample(dst, Self::lanczos4_at);
    }

    fn lanczos4_at(&self, x: f32, y: f32) -> f32 {
        /// `a·sin(πx)·sin(πx/a) / (π²x²)` in double (`M_PI` promotes), rounded
        /// to float.
        fn kernel(x: f32, a: f32) -> f32 {
            use std::f64::consts::PI;
            if x == 0.0 {
                return 1.0;
            }
            if x > -a && x < a {
                let xd = x as f64;
                let ad = a as f64;
                return (ad * (PI * xd).sin() * (PI * xd / ad).sin() / (PI * PI * xd * xd)) as f32;
            }
            0.0
        }
        const A: i32 = 4;
        let x0 = (x as f64).floor() as i32;
        let y0 = (y as f64).floor() as i32;
        let dx = x - x0 as f32;
        let dy = y - y0 as f32;
        let mut wx = [0f32; 9];
        let mut wy = [0f32; 9];
        for i in -A..=A {
            wx[(i + A) as usize] = kernel(i as f32 - dx, A as f32);
            wy[(i + A) as usize] = kernel(i as f32 - dy, A as f32);
        }
        let right = (self.src_w as i32 - 1) as f32;
        let bottom = (self.src_h as i32 - 1) as f32;
        let mut value = 0f32;
        let mut weight_sum = 0f32;
        for iy in -A..=A {
            for ix in -A..=A {
                let weight = wx[(ix + A) as usize] * wy[(iy + A) as usize];
                weight_sum += weight;
                let xi = mirror((x0 + ix) as f32, 0.0, right) as i32 as usize;
                let yi = mirror((y0 + iy) as f32, 0.0, bottom) as i32 as usize;
                value += self.src[yi * self.stride + xi] * weight;
            }
        }
        value / weight_sum
    }
}

// ---------------------------------------------------------------------------
// Separable filtering and decimation
// ---------------------------------------------------------------------------

/// Whole-sample symmetric reflection used by libvmaf's float filters
/// (`-i` before the start, `2n - i - 2` past the end).
fn reflect(i: isize, n: isize) -> usize {
    (if i < 0 {
        -i
    } else if i >= n {
        2 * n - i - 2
    } else {
        i
    }) as usize
}

/// `vif_filter1d_s` (its portable path): per output row, the vertical pass into
/// a row buffer, then the horizontal pass; float accumulation from tap 0.
fn filter_separable(
    f: &[f32],
    src: &[f32],
    dst: &mut [f32],
    row: &mut [f32],
    w: usize,
    h: usize,
    stride: usize,
) {
    let half = (f.len() / 2) as isize;
    for i in 0..h {
        for j in 0..w {
            let mut acc = 0f32;
            for (fi, &c) in f.iter().enumerate() {
                let ii = reflect(i as isize - half + fi as isize, h as isize);
                acc += c * src[ii * stride + j];
            }
            row[j] = acc;
        }
        for j in 0..w {
            let mut acc = 0f32;
            for (fj, &c) in f.iter().enumerate() {
                let jj = reflect(j as isize - half + fj as isize, w as isize);
                acc += c * row[jj];
            }
            dst[i * stride + j] = acc;
        }
    }
}

// ---------------------------------------------------------------------------
// Linear algebra on small square float matrices (row-major)
// ---------------------------------------------------------------------------

/// `get_sign`: zero counts as positive.
fn sign(x: f32) -> f32 {
    if x >= 0.0 {
        1.0
    } else {
        -1.0
    }
}

/// `sqrt(x*x + y*y)`: the sum in float, the root in double, rounded to float.
fn hypot_f32(x: f32, y: f32) -> f32 {
    ((x * x + y * y) as f64).sqrt() as f32
}

/// Euclidean norm: float sum of float squares, root in double.
fn vector_norm(x: &[f32]) -> f32 {
    let mut sum = 0f32;
    for &v in x {
        sum += v * v;
    }
    (sum as f64).sqrt() as f32
}

/// `dst = x · y` for row-major `rows x inner` and `inner x cols` matrices,
/// accumulated in float over the inner index in order.
fn matrix_mul(dst: &mut [f32], x: &[f32], y: &[f32], rows: usize, inner: usize, cols: usize) {
    dst[..rows * cols].fill(0.0);
    for i in 0..rows {
        for k in 0..inner {
            let xik = x[i * inner + k];
            for j in 0..cols {
                dst[i * cols + j] += xik * y[k * cols + j];
            }
        }
    }
}

/// Householder vector of column `col` below `start` (adapted from GSL's
/// `gsl_linalg_householder_transform`): on return the column holds
/// `v / (alpha - beta)` with its first entry replaced by `beta`; returns `tau`.
fn householder_column(a: &mut [f32], n: usize, col: usize, start: usize) -> f32 {
    if n - start == 1 {
        return 0.0;
    }
    let mut sum = 0f32;
    for i in start + 1..n {
        let v = a[i * n + col];
        sum += v * v;
    }
    let xnorm = (sum as f64).sqrt() as f32;
    if xnorm == 0.0 {
        return 0.0;
    }
    let alpha = a[start * n + col];
    let beta = -sign(alpha) * hypot_f32(alpha, xnorm);
    let tau = (beta - alpha) / beta;
    let s = alpha - beta;
    if s != 0.0 {
        for i in start..n {
            a[i * n + col] /= s;
        }
        a[start * n + col] = beta;
    }
    tau
}

/// Householder reduction of a symmetric matrix to tridiagonal form (adapted
/// from GSL's `gsl_linalg_symmtd_decomp`); `a` is destroyed. Returns the
/// diagonal and the subdiagonal.
fn tridiagonalize(a: &mut [f32], n: usize) -> (Vec<f32>, Vec<f32>) {
    let mut v = vec![0f32; n];
    let mut x = vec![0f32; n];
    for i in 0..n.saturating_sub(2) {
        let tau = householder_column(a, n, i, i + 1);
        for j in i + 1..n {
            v[j] = a[j * n + i];
        }
        if tau != 0.0 {
            let s = i + 1;
            a[s * n + i] = v[s];
            v[s] = 1.0;
            // x = tau · A v (on rows/columns s..n)
            for r in s..n {
                x[r] = 0.0;
                for c in s..n {
                    x[r] += tau * a[r * n + c] * v[c];
                }
            }
            // x -= ½ tau (x·v) v; the -0.5 literal makes the factor a double.
            let mut xv = 0f32;
            for r in s..n {
                xv += x[r] * v[r];
            }
            let alpha = (-0.5 * tau as f64 * xv as f64) as f32;
            for r in s..n {
                x[r] += alpha * v[r];
            }
            // A -= x vᵀ + v xᵀ
            for r in s..n {
                for c in s..n {
                    a[r * n + c] -= x[r] * v[c] + v[r] * x[c];
                }
            }
        }
    }
    let d = (0..n).map(|i| a[i * n + i]).collect();
    let sd = (0..n.saturating_sub(1))
        .map(|i| a[(i + 1) * n + i])
        .collect();
    (d, sd)
}

/// Zero subdiagonal entries negligible against their diagonal neighbours (the
/// comparison is in double: `1e-6` is a double literal).
fn chop_small_elements(d: &[f32], sd: &mut [f32], n: usize) {
    for i in 0..n - 1 {
        if (sd[i].abs() as f64) < EIGENVALUE_EPS * ((d[i].abs() + d[i + 1].abs()) as f64) {
            sd[i] = 0.0;
        }
    }
}

/// Wilkinson shift: the eigenvalue of the trailing 2x2 block closer to its
/// last diagonal entry.
fn trailing_eigenvalue(d: &[f32], sd: &[f32], n: usize) -> f32 {
    let ta = d[n - 2];
    let tb = d[n - 1];
    let tab = sd[n - 2];
    let dt = ((ta - tb) as f64 / 2.0) as f32;
    if dt > 0.0 {
        tb - tab * (tab / (dt + hypot_f32(dt, tab)))
    } else if dt == 0.0 {
        tb - tab.abs()
    } else {
        tb + tab * (tab / (-dt + hypot_f32(dt, tab)))
    }
}

/// Givens rotation `(c, s)` zeroing `b` against `a`; `1 / sqrt(1 + t²)` is taken
/// in double and rounded once to float.
fn givens(a: f32, b: f32) -> (f32, f32) {
    if b == 0.0 {
        (1.0, 0.0)
    } else if b.abs() > a.abs() {
        let t = -a / b;
        let s1 = (1.0 / ((1.0 + t * t) as f64).sqrt()) as f32;
        (s1 * t, s1)
    } else {
        let t = -b / a;
        let c1 = (1.0 / ((1.0 + t * t) as f64).sqrt()) as f32;
        (c1, c1 * t)
    }
}

/// One implicit symmetric QR sweep with Wilkinson shift on an unreduced
/// tridiagonal block (GSL's `qrstep`, without eigenvectors).
fn qr_step(d: &mut [f32], sd: &mut [f32], n: usize) {
    let mut mu = trailing_eigenvalue(d, sd, n);
    if EIGENVALUE_EPS * (mu.abs() as f64) > ((d[0].abs() + sd[0].abs()) as f64) {
        mu = 0.0;
    }

    let mut x = d[0] - mu;
    let mut z = sd[0];

    let mut bk = 0f32;
    let mut zk = 0f32;

    let mut ap = d[0];
    let mut bp = sd[0];
    let mut aq = d[1];

    if n == 2 {
        let (c, s) = givens(x, z);
        let ap1 = c * (c * ap - s * bp) + s * (s * aq - c * bp);
        let bp1 = c * (s * ap + c * bp) - s * (s * bp + c * aq);
        let aq1 = s * (s * ap + c * bp) + c * (s * bp + c * aq);
        d[0] = ap1;
        sd[0] = bp1;
        d[1] = aq1;
        return;
    }

    let mut bq = sd[1];

    for k in 0..n - 1 {
        let (c, s) = givens(x, z);

        // G' T G
        let bk1 = c * bk - s * zk;

        let ap1 = c * (c * ap - s * bp) + s * (s * aq - c * bp);
        let bp1 = c * (s * ap + c * bp) - s * (s * bp + c * aq);
        let zp1 = -s * bq;

        let aq1 = s * (s * ap + c * bp) + c * (s * bp + c * aq);
        let bq1 = c * bq;

        let ak = ap1;
        bk = bp1;
        zk = zp1;

        ap = aq1;
        bp = bq1;

        if k < n - 2 {
            aq = d[k + 2];
        }
        if k < n - 3 {
            bq = sd[k + 2];
        }

        d[k] = ak;
        if k > 0 {
            sd[k - 1] = bk1;
        }
        if k < n - 2 {
            sd[k + 1] = bp;
        }

        x = bk;
        z = zk;
    }

    d[n - 1] = ap;
    sd[n - 2] = bk;
}

/// Eigenvalues of a symmetric tridiagonal matrix by implicit QR, deflating
/// from the bottom (adapted from GSL's `gsl_eigen_symm`). Unsorted: the order
/// matters, since the entropies are accumulated in it.
fn tridiagonal_eigenvalues(d: &mut [f32], sd: &mut [f32]) {
    let n = d.len();
    chop_small_elements(d, sd, n);
    let mut b = n - 1;
    let mut iter = 0;
    while b > 0 && iter < EIGENVALUE_MAX_ITERS {
        if sd[b - 1] == 0.0 {
            b -= 1;
            continue;
        }
        // Largest unreduced block (a..=b) ending at b.
        let mut a = b - 1;
        while a > 0 {
            if sd[a - 1] == 0.0 {
                break;
            }
            a -= 1;
        }
        let block = b - a + 1;
        qr_step(&mut d[a..], &mut sd[a..], block);
        chop_small_elements(&d[a..], &mut sd[a..], block);
        iter += 1;
    }
    // Non-convergence after the cap only draws a warning in libvmaf: the
    // diagonal is used as it stands.
}

/// Eigenvalues of the symmetric `n x n` matrix `a` (row-major, full storage).
fn symmetric_eigenvalues(a: &[f32], n: usize) -> Vec<f32> {
    if n == 1 {
        return vec![a[0]];
    }
    let mut work = a[..n * n].to_vec();
    let (mut d, mut sd) = tridiagonalize(&mut work, n);
    tridiagonal_eigenvalues(&mut d, &mut sd);
    d
}

/// Solves `A X = B` (`A`: `n x n`, `B`: `n x cols`) by Householder QR as
/// libvmaf does: explicit reflector matrices multiplied in, `R = Qᵀ A`, then
/// back-substitution on `R X = Qᵀ B`. Returns `false` (leaving `x`
/// unspecified) when a pivot of `R` is below 1e-6 in magnitude.
fn solve_linear_system(a: &[f32], n: usize, b: &[f32], cols: usize, x: &mut [f32]) -> bool {
    let a = &a[..n * n];
    // `qt` accumulates H_{n-2} … H_0 (= Qᵀ); `z` is A reduced step by step.
    let mut qt = vec![0f32; n * n];
    for i in 0..n {
        qt[i * n + i] = 1.0;
    }
    let mut z = a.to_vec();
    let mut reflector = vec![0f32; n * n];
    let mut product = vec![0f32; n * n];
    let mut v = vec![0f32; n];

    for k in 0..n - 1 {
        // Keep only the trailing minor of z; identity outside it.
        for i in 0..n {
            for j in 0..n {
                if i < k || j < k {
                    z[i * n + j] = if i == j { 1.0 } else { 0.0 };
                }
            }
        }
        for i in 0..n {
            v[i] = z[i * n + k];
        }
        let norm = vector_norm(&v);
        // The sign comes from the original matrix's diagonal, not from z.
        v[k] += sign(a[k * n + k]) * norm;
        let vnorm = vector_norm(&v);
        for e in v.iter_mut() {
            *e /= vnorm;
        }
        // H = I - 2 v vᵀ
        for i in 0..n {
            for j in 0..n {
                reflector[i * n + j] = -2.0 * v[i] * v[j];
            }
        }
        for i in 0..n {
            reflector[i * n + i] += 1.0;
        }
        matrix_mul(&mut product, &reflector, &z, n, n, n);
        z.copy_from_slice(&product);
        matrix_mul(&mut product, &reflector, &qt, n, n, n);
        qt.copy_from_slice(&product);
    }

    let mut r = vec![0f32; n * n];
    matrix_mul(&mut r, &qt, a, n, n, n);
    let mut qtb = vec![0f32; n * cols];
    matrix_mul(&mut qtb, &qt, b, n, n, cols);

    for i in (0..n).rev() {
        let pivot = r[i * n + i];
        if (pivot.abs() as f64) < EIGENVALUE_EPS {
            return false;
        }
        for j in 0..cols {
            let mut t = qtb[i * cols + j];
            for k in i + 1..n {
                t -= x[k * cols + j] * r[i * n + k];
            }
            x[i * cols + j] = t / pivot;
        }
    }
    true
}

// ---------------------------------------------------------------------------
// Gaussian scale mixture parameters per block
// ---------------------------------------------------------------------------

/// Per-block results of the estimator for one picture.
#[derive(Debug, Clone, Default, PartialEq)]
struct BlockStats {
    entropies: Vec<f32>,
    variances: Vec<f32>,
}

/// Buffers of the estimator, sized by the geometry.
#[derive(Debug, Clone)]
struct Estimator {
    cov: Vec<f32>,
    means: Vec<f32>,
    independent: Vec<f32>,
    solution: Vec<f32>,
}

impl Estimator {
    fn new(g: &Geometry) -> Self {
        let n = g.elements_in_block;
        Estimator {
            cov: vec![0f32; n * n],
            means: vec![0f32; n],
            independent: vec![0f32; n * g.num_blocks],
            solution: vec![0f32; n * g.num_blocks],
        }
    }

    /// Covariance matrix of the `block²` neighbourhood positions over every
    /// placement of a block inside the truncated band: means as float sums
    /// divided by the count, centred products summed in double, stored as float.
    fn covariance(&mut self, g: &Geometry, data: &[f32], stride: usize) {
        let b = g.block_size;
        let (sw, sh) = (g.submatrix_width, g.submatrix_height);
        let count = sw * sh;
        for r in 0..b {
            for c in 0..b {
                let mut sum = 0f32;
                for i in 0..sh {
                    let row = &data[(r + i) * stride + c..];
                    for &v in &row[..sw] {
                        sum += v;
                    }
                }
                self.means[r * b + c] = sum / count as f32;
            }
        }
        let n = g.elements_in_block;
        for xi in 0..n {
            for yi in 0..=xi {
                let (rx, cx) = (xi / b, xi % b);
                let (ry, cy) = (yi / b, yi % b);
                let mx = self.means[rx * b + cx] as f64;
                let my = self.means[ry * b + cy] as f64;
                let mut acc = 0f64;
                for i in 0..sh {
                    let row_x = &data[(rx + i) * stride + cx..][..sw];
                    let row_y = &data[(ry + i) * stride + cy..][..sw];
                    for (&vx, &vy) in row_x.iter().zip(row_y) {
                        acc += (vx as f64 - mx) * (vy as f64 - my);
                    }
                }
                let cov = (acc / count as f64) as f32;
                self.cov[xi * n + yi] = cov;
                self.cov[yi * n + xi] = cov;
            }
        }
    }

    /// Right-hand side `Y`: row `p` (a position inside the block) holds that
    /// position's sample of every block, blocks in raster order.
    fn independent_term(&mut self, g: &Geometry, data: &[f32], stride: usize) {
        let b = g.block_size;
        for si in 0..b {
            for sj in 0..b {
                let out_row = si * b + sj;
                for bi in 0..g.blocks_vertical {
                    for bj in 0..g.blocks_horizontal {
                        let out_col = bi * g.blocks_horizontal + bj;
                        self.independent[out_row * g.num_blocks + out_col] =
                            data[(bi * b + si) * stride + bj * b + sj];
                    }
                }
            }
        }
    }

    /// libvmaf's `est_params`: fills `out` and returns `false` when the
    /// covariance matrix was singular (an eigenvalue below 1e-6, or a tiny QR
    /// pivot); the variances are then 0 and the entropies those of pure noise.
    fn estimate(
        &mut self,
        g: &Geometry,
        data: &[f32],
        stride: usize,
        sigma_nn: f32,
        out: &mut BlockStats,
    ) -> bool {
        let n = g.elements_in_block;
        let nb = g.num_blocks;

        self.covariance(g, data, stride);
        let eigenvalues = symmetric_eigenvalues(&self.cov, n);
        self.independent_term(g, data, stride);

        // C tests `eigenvalue < 1e-6` for singularity, which a NaN passes.
        let regular = eigenvalues
            .iter()
            .all(|&l| l.is_nan() || l as f64 >= EIGENVALUE_EPS);
        let solved =
            regular && solve_linear_system(&self.cov, n, &self.independent, nb, &mut self.solution);
        if !solved {
            self.solution.fill(0.0);
        }

        // s_j = Σ_p X[p][j] · Y[p][j] / block², summed over p in order.
        let denominator = n as f32;
        for (x, &y) in self.solution.iter_mut().zip(&self.independent) {
            *x = (*x * y) / denominator;
        }
        for p in 1..n {
            for j in 0..nb {
                self.solution[j] += self.solution[p * nb + j];
            }
        }
        let variances = &self.solution[..nb];

        // h_j = Σ_k [log2(λ_k s_j + σ_nn) + log2(2πe)], k in eigenvalue order;
        // each term in double, the running sum stored as float.
        out.entropies.clear();
        out.entropies.resize(nb, 0.0);
        for &lambda in &eigenvalues {
            let l = if lambda < 0.0 { 0.0 } else { lambda };
            for (h, &s) in out.entropies.iter_mut().zip(variances) {
                *h = (*h as f64 + (((l * s + sigma_nn) as f64).log2() + LOG2_2PI_E)) as f32;
            }
        }
        out.variances.clear();
        out.variances.extend_from_slice(variances);
        solved
    }
}

/// libvmaf's `get_speed_score`: mean over blocks of the weighted entropy
/// difference; blocks where both entropies are below that of a flat block with
/// noise `(1 + nn_floor) σ_nn` count 0.
fn pooled_score(
    reference: &BlockStats,
    distorted: &BlockStats,
    elements_in_block: usize,
    sigma_nn: f32,
    nn_floor: f32,
    weight_var_mode: i32,
) -> f32 {
    let num_blocks = reference.entropies.len();
    let base_entropy = (elements_in_block as f64
        * ((((1.0 + nn_floor) * sigma_nn) as f64).log2() + LOG2_2PI_E))
        as f32;
    let mut score = 0f32;
    for i in 0..num_blocks {
        let (hr, hd) = (reference.entropies[i], distorted.entropies[i]);
        if hr < base_entropy && hd < base_entropy {
            continue;
        }
        let (vr, vd) = (reference.variances[i], distorted.variances[i]);
        // log2 of a float sum (`1 + v`) or of a double mix (double literals).
        let log_ref = ((1.0 + vr) as f64).log2();
        let log_dis = ((1.0 + vd) as f64).log2();
        let log_mean = (1.0 + (vr + vd) as f64 / 2.0).log2();
        let (weight_ref, weight_dis) = match weight_var_mode {
            0 => (log_ref, log_dis),
            1 => (log_ref, log_ref),
            2 => (log_dis, log_dis),
            3 => (log_mean, log_mean),
            4 => (log_ref, log_mean),
            5 => (
                log_ref,
                (1.0 + (0.75 * vr as f64 + 0.25 * vd as f64)).log2(),
            ),
            6 => (
                log_ref,
                (1.0 + (0.25 * vr as f64 + 0.75 * vd as f64)).log2(),
            ),
            _ => unreachable!("weight_var_mode validated at construction"),
        };
        let spatial_ref = (hr as f64 * weight_ref) as f32;
        let spatial_dis = (hd as f64 * weight_dis) as f32;
        score += (spatial_ref - spatial_dis).abs();
    }
    score / num_blocks as f32
}

// ---------------------------------------------------------------------------
// The feature
// ---------------------------------------------------------------------------

/// Per-size state: geometry, filters and bilinear table computed at
/// construction, working buffers. Holds no information between frames.
pub struct SpeedChroma {
    geometry: Geometry,
    bit_depth: u8,
    /// `sigma_nn` and `nn_floor` as the C passes them: `double` options
    /// narrowed to `float` parameters.
    sigma_nn: f32,
    nn_floor: f32,
    max_val: f64,
    weight_var_mode: i32,
    /// `None` when the prescale is within 1e-3 of 1 (no resampling).
    prescale_method: Option<PrescaleMethod>,
    bilinear: Option<BilinearColumns>,
    antialias: Vec<f32>,
    band: Vec<f32>,
    frame_ref: Vec<f32>,
    frame_dis: Vec<f32>,
    scratch_a: Vec<f32>,
    scratch_b: Vec<f32>,
    row: Vec<f32>,
    estimator: Estimator,
    stats_ref: BlockStats,
    stats_dis: BlockStats,
}

fn check_range(name: &'static str, value: f64, min: f64, max: f64) -> Result<(), SpeedError> {
    if value.is_nan() || value < min || value > max {
        Err(SpeedError::OptionOutOfRange {
            name,
            value,
            min,
            max,
        })
    } else {
        Ok(())
    }
}

impl SpeedChroma {
    /// `width` x `height` is the size of each chroma plane as libvmaf sees it:
    /// the luma size shifted right by the subsampling, truncating (see
    /// [`ChromaSubsampling::chroma_size`]; for odd luma sizes that is one less
    /// than a Y4M file's chroma plane, whose last column/row is then ignored —
    /// pass the file's row length to [`SpeedChroma::score_with_stride`]).
    /// `bit_depth` is 8, 10, 12 or 16.
    pub fn new(
        width: usize,
        height: usize,
        bit_depth: u8,
        options: &SpeedChromaOptions,
    ) -> Result<Self, SpeedError> {
        check_range("speed_kernelscale", options.kernelscale, 0.1, 4.0)?;
        check_range("speed_prescale", options.prescale, 0.1, 4.0)?;
        check_range("speed_sigma_nn", options.sigma_nn, 0.1, 2.0)?;
        check_range("speed_nn_floor", options.nn_floor, 0.0, 1.0)?;
        check_range("speed_max_val", options.max_val, 0.0, 1000.0)?;
        check_range(
            "speed_weight_var_mode",
            options.weight_var_mode as f64,
            0.0,
            6.0,
        )?;
        if !matches!(bit_depth, 8 | 10 | 12 | 16) {
            return Err(SpeedError::UnsupportedBitDepth(bit_depth));
        }
        if width == 0 || height == 0 {
            return Err(SpeedError::EmptyPlane);
        }

        let geometry = Geometry::new(width, height, options.prescale)?;

        let kernelscale = options.kernelscale as f32;
        if !kernelscale_is_valid(kernelscale) {
            return Err(SpeedError::InvalidKernelscale(options.kernelscale));
        }

        let resample = (options.prescale - 1.0).abs() >= PRESCALE_IDENTITY_TOLERANCE;
        if !resample
            && (geometry.scaled_width > geometry.original_width
                || geometry.scaled_height > geometry.original_height)
        {
            return Err(SpeedError::UndefinedPrescale {
                prescale: options.prescale,
                width,
                height,
            });
        }
        let prescale_method = resample.then_some(options.prescale_method);
        let bilinear = (prescale_method == Some(PrescaleMethod::Bilinear))
            .then(|| BilinearColumns::new(geometry.original_width, geometry.scaled_width));

        let frame_len = geometry.alloc_width * geometry.alloc_height;
        Ok(SpeedChroma {
            bit_depth,
            sigma_nn: options.sigma_nn as f32,
            nn_floor: options.nn_floor as f32,
            max_val: options.max_val,
            weight_var_mode: options.weight_var_mode,
            prescale_method,
            bilinear,
            antialias: antialias_filter(kernelscale),
            band: band_filter(kernelscale),
            frame_ref: vec![0f32; frame_len],
            frame_dis: vec![0f32; frame_len],
            scratch_a: vec![0f32; frame_len],
            scratch_b: vec![0f32; frame_len],
            row: vec![0f32; geometry.alloc_width],
            estimator: Estimator::new(&geometry),
            stats_ref: BlockStats::default(),
            stats_dis: BlockStats::default(),
            geometry,
        })
    }

    /// Width of the chroma planes expected.
    pub fn width(&self) -> usize {
        self.geometry.original_width
    }

    /// Height of the chroma planes expected.
    pub fn height(&self) -> usize {
        self.geometry.original_height
    }

    /// Size of the decimated band the blocks are cut from.
    pub fn operating_size(&self) -> (usize, usize) {
        (
            self.geometry.operating_width,
            self.geometry.operating_height,
        )
    }

    /// One frame: reference and distorted U and V planes, `width() x height()`
    /// samples each, row-major without padding.
    pub fn score(
        &mut self,
        ref_u: &[u16],
        ref_v: &[u16],
        dist_u: &[u16],
        dist_v: &[u16],
    ) -> SpeedChromaScores {
        let stride = self.geometry.original_width;
        self.score_with_stride(ref_u, ref_v, dist_u, dist_v, stride)
    }

    /// As [`SpeedChroma::score`], for planes whose rows are `stride >= width()`
    /// samples apart (only the top-left `width() x height()` is read).
    ///
    /// When exactly one of U and V has a singular covariance matrix (in its
    /// reference or distorted picture), `uv` takes the other channel's score,
    /// as libvmaf imputes it; a channel where only one of the two pictures is
    /// singular scores 0.
    pub fn score_with_stride(
        &mut self,
        ref_u: &[u16],
        ref_v: &[u16],
        dist_u: &[u16],
        dist_v: &[u16],
        stride: usize,
    ) -> SpeedChromaScores {
        let (w, h) = (self.geometry.original_width, self.geometry.original_height);
        assert!(stride >= w, "stride {stride} below plane width {w}");
        let needed = (h - 1) * stride + w;
        for plane in [ref_u, ref_v, dist_u, dist_v] {
            assert!(
                plane.len() >= needed,
                "chroma plane has {} samples, needs {needed}",
                plane.len()
            );
        }

        let (score_u, failed_u) = self.channel(ref_u, dist_u, stride);
        let (score_v, failed_v) = self.channel(ref_v, dist_v, stride);

        let score_uv = if failed_u && !failed_v {
            score_v
        } else if failed_v && !failed_u {
            score_u
        } else {
            ((score_u + score_v) as f64 / 2.0) as f32
        };

        // `MIN(float score, double max_val)`: compared and returned as double.
        let clip = |s: f32| {
            let s = s as f64;
            if s < self.max_val {
                s
            } else {
                self.max_val
            }
        };
        SpeedChromaScores {
            u: clip(score_u),
            v: clip(score_v),
            uv: clip(score_uv),
        }
    }

    /// One channel (libvmaf's `speed_extract_score`): the score and whether
    /// either picture's covariance matrix was singular.
    fn channel(&mut self, reference: &[u16], distorted: &[u16], stride: usize) -> (f32, bool) {
        let (mut frame, mut stats) = (std::mem::take(&mut self.frame_ref), std::mem::take(&mut self.stats_ref));
        let ok_ref = self.picture(reference, stride, &mut frame, &mut stats);
        (self.frame_ref, self.stats_ref) = (frame, stats);
        let (mut frame, mut stats) = (std::mem::take(&mut self.frame_dis), std::mem::take(&mut self.stats_dis));
        let ok_dis = self.picture(distorted, stride, &mut frame, &mut stats);
        (self.frame_dis, self.stats_dis) = (frame, stats);

        let score = if ok_ref != ok_dis {
            // Only one picture numerically unusable: report 0 rather than an
            // inflated difference.
            0.0
        } else {
            pooled_score(
                &self.stats_ref,
                &self.stats_dis,
                self.geometry.elements_in_block,
                self.sigma_nn,
                self.nn_floor,
                self.weight_var_mode,
            )
        };
        (score, !(ok_ref && ok_dis))
    }

    /// Samples to float, centred: `sample / 2^(depth-8) - 128` (the division by
    /// a power of two in float, so exact).
    /// One picture's block statistics, in `frame` and `stats` (the state's own
    /// buffers, lent while `self` is borrowed); `false` when its covariance matrix is
    /// singular.
    fn picture(&mut self, plane: &[u16], stride: usize, frame: &mut [f32], stats: &mut BlockStats) -> bool {
        self.load(plane, stride, frame);
        self.filter_and_decimate(frame);
        self.estimate(frame, stats)
    }

    fn load(&self, plane: &[u16], stride: usize, frame: &mut [f32]) {
        let g = &self.geometry;
        let scaler: f32 = match self.bit_depth {
            10 => 4.0,
            12 => 16.0,
            16 => 256.0,
            _ => 1.0,
        };
        for i in 0..g.original_height {
            let src = &plane[i * stride..i * stride + g.original_width];
            let dst = &mut frame[i * g.alloc_width..i * g.alloc_width + g.original_width];
            if self.bit_depth == 8 {
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = s as f32 + -128.0;
                }
            } else {
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = s as f32 / scaler + -128.0;
                }
            }
        }
    }

    /// libvmaf's `filter_and_downscale`: optional prescale, anti-alias blur,
    /// 16x decimation, then subtraction of the 3-tap local mean. The band is
    /// left in the top-left `operating` region of `frame`.
    fn filter_and_decimate(&mut self, frame: &mut [f32]) {
        let g = &self.geometry;
        let stride = g.alloc_width;
        if let Some(method) = self.prescale_method {
            self.scratch_b.copy_from_slice(frame);
            let resample = Resample {
                src: &self.scratch_b,
                src_w: g.original_width,
                src_h: g.original_height,
                stride,
                dst_w: g.scaled_width,
                dst_h: g.scaled_height,
            };
            match method {
                PrescaleMethod::Nearest => resample.nearest(frame),
                PrescaleMethod::Bilinear => {
                    resample.bilinear(self.bilinear.as_ref().expect("bilinear table"), frame)
                }
                PrescaleMethod::Bicubic => resample.bicubic(frame),
                PrescaleMethod::Lanczos4 => resample.lanczos4(frame),
            }
        }

        let blurred = &mut self.scratch_a;
        filter_separable(
            &self.antialias,
            frame,
            blurred,
            &mut self.row,
            g.scaled_width,
            g.scaled_height,
            stride,
        );

        let (dw, dh) = (g.scaled_width / 16, g.scaled_height / 16);
        for i in 0..dh {
            for j in 0..dw {
                frame[i * stride + j] = blurred[(i * 16) * stride + j * 16];
            }
        }

        let local_mean = &mut self.scratch_a;
        filter_separable(&self.band, frame, local_mean, &mut self.row, dw, dh, stride);
        for i in 0..dh {
            for j in 0..dw {
                frame[i * stride + j] -= local_mean[i * stride + j];
            }
        }
    }

    fn estimate(&mut self, frame: &[f32], out: &mut BlockStats) -> bool {
        self.estimator.estimate(
            &self.geometry,
            frame,
            self.geometry.alloc_width,
            self.sigma_nn,
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1_options(prescale: f64) -> SpeedChromaOptions {
        SpeedChromaOptions {
            max_val: 45.0,
            nn_floor: 0.1,
            sigma_nn: 0.19,
            weight_var_mode: 5,
            prescale,
            prescale_method: PrescaleMethod::Bilinear,
            kernelscale: 1.0,
        }
    }

    /// Deterministic textured plane (xorshift noise plus gradients).
    fn textured_plane(w: usize, h: usize, seed: u32, max: u16) -> Vec<u16> {
        let mut state = seed.max(1);
        (0..w * h)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let (x, y) = (i % w, i / w);
                let base = (x * 3 + y * 2) as u32 % (max as u32 / 2 + 1);
                ((base + state % (max as u32 / 2 + 1)) as u16).min(max)
            })
            .collect()
    }

    #[test]
    fn defaults_match_libvmaf() {
        let d = SpeedChromaOptions::default();
        assert_eq!(d.max_val, 1000.0);
        assert_eq!(d.nn_floor, 0.0);
        assert_eq!(d.sigma_nn, 0.29);
        assert_eq!(d.weight_var_mode, 0);
        assert_eq!(d.prescale, 1.0);
        assert_eq!(d.prescale_method, PrescaleMethod::Nearest);
        assert_eq!(d.kernelscale, 1.0);
    }

    #[test]
    fn filters_are_the_expected_gaussians() {
        let aa = antialias_filter(1.0);
        assert_eq!(aa.len(), 9);
        let band = band_filter(1.0);
        assert_eq!(band.len(), 3);
        // Symmetric, normalised, peaked in the middle.
        for f in [&aa, &band] {
            let n = f.len();
            for i in 0..n / 2 {
                assert_eq!(f[i], f[n - 1 - i]);
                assert!(f[i] < f[i + 1]);
            }
            let sum: f32 = f.iter().sum();
            assert!((sum - 1.0).abs() < 1e-6);
        }
        // σ = 0.6: the outer/centre ratio is exp(-1 / (2·0.36)).
        let ratio = band[0] as f64 / band[1] as f64;
        assert!((ratio - (-1.0f64 / 0.72).exp()).abs() < 1e-6);
        // σ = 3.6 for the anti-alias filter: outer tap at distance 4.
        let ratio = aa[0] as f64 / aa[4] as f64;
        assert!((ratio - (-16.0f64 / (2.0 * 3.6 * 3.6)).exp()).abs() < 1e-6);
        // Kernel scale 2 doubles the sizes (odd): 19 and 5 taps.
        assert_eq!(antialias_filter(2.0).len(), 19);
        assert_eq!(band_filter(2.0).len(), 5);
    }

    #[test]
    #[allow(
        clippy::approx_constant,
        reason = "6.28 is a matrix entry from libvmaf's test, not 2π"
    )]
    fn eigenvalues_of_hand_checkable_matrices() {
        // Block diagonal: [[2,1],[1,2]] has eigenvalues 1 and 3; the lone 5.
        let m = [2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0];
        let mut e = symmetric_eigenvalues(&m, 3);
        e.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert!((e[0] - 1.0).abs() < 1e-5, "{e:?}");
        assert!((e[1] - 3.0).abs() < 1e-5, "{e:?}");
        assert!((e[2] - 5.0).abs() < 1e-5, "{e:?}");

        // Tridiagonal Toeplitz 2,-1: eigenvalues 2 - 2cos(kπ/(n+1)).
        let n = 6;
        let mut t = vec![0f32; n * n];
        for i in 0..n {
            t[i * n + i] = 2.0;
            if i + 1 < n {
                t[i * n + i + 1] = -1.0;
                t[(i + 1) * n + i] = -1.0;
            }
        }
        let mut e = symmetric_eigenvalues(&t, n);
        e.sort_by(|a, b| a.partial_cmp(b).unwrap());
        for (k, &l) in e.iter().enumerate() {
            let exact = 2.0 - 2.0 * ((k + 1) as f64 * std::f64::consts::PI / (n + 1) as f64).cos();
            assert!((l as f64 - exact).abs() < 1e-5, "{k}: {l} vs {exact}");
        }

        // libvmaf's own 5x5 test matrix (test_speed_chroma.c).
        let m5 = [
            -6.35, 4.03, 0.32, 0.71, 7.46, 4.03, 4.81, 0.83, -4.55, -0.5, 0.32, 0.83, 3.88, -0.5,
            1.8, 0.71, -4.55, -0.5, 3.36, 6.28, 7.46, -0.5, 1.8, 6.28, -2.14,
        ];
        let mut e = symmetric_eigenvalues(&m5, 5);
        e.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let expected = [-13.129728, -4.471946, 3.282901, 7.276687, 10.602085];
        for (l, x) in e.iter().zip(expected) {
            assert!((l - x).abs() < 1e-4, "{l} vs {x}");
        }
    }

    #[test]
    fn qr_solve_recovers_a_known_solution() {
        // A = [[4,1,0],[1,3,1],[0,1,2]], X = [[1,2],[-1,0],[3,1]] -> B = A X.
        let a = [4.0f32, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 2.0];
        let x_true = [1.0f32, 2.0, -1.0, 0.0, 3.0, 1.0];
        let mut b = [0f32; 6];
        matrix_mul(&mut b, &a, &x_true, 3, 3, 2);
        let mut x = [0f32; 6];
        assert!(solve_linear_system(&a, 3, &b, 2, &mut x));
        for (got, want) in x.iter().zip(x_true) {
            assert!((got - want).abs() < 1e-5, "{x:?}");
        }
        // A singular matrix is refused by the pivot test.
        let s = [1.0f32, 2.0, 2.0, 4.0];
        let mut x = [0f32; 2];
        assert!(!solve_linear_system(&s, 2, &[1.0, 2.0], 1, &mut x));
    }

    #[test]
    fn estimator_matches_libvmaf_unit_test_13x9() {
        // libvmaf's test_est_params_13x9 (block size 3, sigma_nn 0.1).
        let pic: [f32; 117] = [
            7.86, 4.69, 0.91, -1.37, 0.49, 7.36, 3.0, -3.17, -0.6, -0.78, 0.51, 4.93, 0.15, 2.43,
            -0.7, 1.08, -1.0, -1.25, 1.79, -0.3, 2.89, 0.74, -1.69, -1.35, 0.72, -1.65, -2.23,
            -3.72, -0.05, -2.41, -4.17, 0.99, 3.82, 3.13, -2.06, 0.54, 2.9, -0.92, -1.53, -1.84,
            1.57, 3.06, -0.91, -1.19, -0.89, -1.25, -1.14, -2.92, 2.29, 6.61, 0.36, -0.11, -1.45,
            1.21, 2.0, 1.67, -0.31, -1.87, -2.68, -0.12, -3.34, -2.65, 0.81, -0.32, -0.97, 0.74,
            -0.44, -2.7, 4.63, 3.01, 0.78, -1.91, -0.95, -0.89, -0.09, -1.58, 0.78, 1.47, 2.14,
            3.92, -4.08, -4.39, -1.2, 1.87, -1.09, -1.09, 0.52, 1.31, -2.23, -1.49, 0.32, -3.84,
            2.4, 2.1, -2.95, -4.24, 1.5, 0.28, 1.27, 2.29, 1.91, -2.4, -1.36, -1.64, 2.37, 1.27,
            1.86, 7.02, 1.78, -0.72, -2.33, -2.79, -2.4, 0.12, -0.74, 1.12, 0.74,
        ];
        let g = Geometry::from_operating(13, 9, 3, 13, 9, 13, 9);
        assert_eq!(
            (g.num_blocks, g.submatrix_width, g.submatrix_height),
            (12, 10, 7)
        );
        let mut est = Estimator::new(&g);
        let mut out = BlockStats::default();
        assert!(est.estimate(&g, &pic, 13, 0.1, &mut out));
        let expected_entropy: [f64; 12] = [
            62.61018648,
            63.12108021,
            65.8986951,
            55.66976117,
            47.21675636,
            50.25993884,
            59.12113044,
            58.38842338,
            62.19691515,
            61.1713589,
            51.08823474,
            45.50999794,
        ];
        let expected_variance: [f64; 12] = [
            1.6228419, 1.68918131, 2.09931166, 0.93845804, 0.47526583, 0.60855795, 1.23333762,
            1.16401841, 1.57105656, 1.4494503, 0.65059199, 0.41313011,
        ];
        for i in 0..12 {
            assert!(
                (out.entropies[i] as f64 - expected_entropy[i]).abs() < 1e-4,
                "entropy {i}"
            );
            assert!(
                (out.variances[i] as f64 - expected_variance[i]).abs() < 1e-4,
                "variance {i}"
            );
        }
    }

    #[test]
    fn identical_pictures_score_almost_zero() {
        // libvmaf does not give exactly 0 for identical pictures in mode 5: the
        // reference weight is log2 of a float sum, the distorted one log2 of a
        // double mix, so each block leaves a rounding-sized residue.
        let (w, h) = (288, 162);
        let u = textured_plane(w, h, 7, 255);
        let v = textured_plane(w, h, 11, 255);
        let mut speed = SpeedChroma::new(w, h, 8, &v1_options(1.0)).unwrap();
        let s = speed.score(&u, &v, &u, &v);
        for x in [s.u, s.v, s.uv] {
            assert!((0.0..1e-3).contains(&x), "{s:?}");
        }
        // With weight_var_mode 0 both sides are computed identically: exactly 0.
        let opts = SpeedChromaOptions {
            weight_var_mode: 0,
            ..v1_options(1.0)
        };
        let mut speed = SpeedChroma::new(w, h, 8, &opts).unwrap();
        let s = speed.score(&u, &v, &u, &v);
        assert_eq!(
            s,
            SpeedChromaScores {
                u: 0.0,
                v: 0.0,
                uv: 0.0
            }
        );
    }

    #[test]
    fn distortion_raises_the_score_and_max_val_clips() {
        let (w, h) = (288, 162);
        let u = textured_plane(w, h, 3, 255);
        let v = textured_plane(w, h, 5, 255);
        let du: Vec<u16> = u
            .iter()
            .enumerate()
            .map(|(i, &x)| if i % 7 == 0 { 128 } else { x })
            .collect();
        let mut speed = SpeedChroma::new(w, h, 8, &v1_options(1.0)).unwrap();
        let s = speed.score(&u, &v, &du, &v);
        assert!(s.u > 1e-3, "{s:?}");
        assert!(s.v < 1e-3, "{s:?}");
        assert_eq!(s.uv, ((s.u as f32 + s.v as f32) as f64 / 2.0) as f32 as f64);
        // Nothing is carried between frames: the same frame scores the same.
        assert_eq!(speed.score(&u, &v, &du, &v), s);

        let opts = SpeedChromaOptions {
            max_val: s.u / 2.0,
            ..v1_options(1.0)
        };
        let mut clipped = SpeedChroma::new(w, h, 8, &opts).unwrap();
        assert_eq!(clipped.score(&u, &v, &du, &v).u, s.u / 2.0);
    }

    #[test]
    fn flat_channel_is_imputed_from_the_other() {
        // A flat U plane has a zero covariance matrix (singular): U scores 0 and
        // uv takes V's score.
        let (w, h) = (288, 162);
        let flat = vec![100u16; w * h];
        let v = textured_plane(w, h, 9, 255);
        let dv: Vec<u16> = v.iter().map(|&x| x / 2 + 40).collect();
        let mut speed = SpeedChroma::new(w, h, 8, &v1_options(1.0)).unwrap();
        let s = speed.score(&flat, &v, &flat, &dv);
        assert_eq!(s.u, 0.0);
        assert!(s.v > 0.0);
        assert_eq!(s.uv, s.v);
    }

    #[test]
    fn high_bit_depth_is_scaled_to_eight_bit_range() {
        // A 10-bit plane with samples 4x the 8-bit ones gives identical floats.
        let (w, h) = (288, 162);
        let u8p = textured_plane(w, h, 21, 255);
        let v8p = textured_plane(w, h, 23, 255);
        let du8: Vec<u16> = u8p.iter().map(|&x| x.saturating_sub(9)).collect();
        let up10: Vec<u16> = u8p.iter().map(|&x| x * 4).collect();
        let vp10: Vec<u16> = v8p.iter().map(|&x| x * 4).collect();
        let du10: Vec<u16> = du8.iter().map(|&x| x * 4).collect();
        let mut s8 = SpeedChroma::new(w, h, 8, &v1_options(1.0)).unwrap();
        let mut s10 = SpeedChroma::new(w, h, 10, &v1_options(1.0)).unwrap();
        assert_eq!(
            s8.score(&u8p, &v8p, &du8, &v8p),
            s10.score(&up10, &vp10, &du10, &vp10)
        );
    }

    #[test]
    fn too_small_pictures_are_refused() {
        // 320x240 4:2:0 -> 160x120 chroma: fine unscaled (operating 10x7), but
        // prescale 0.6 gives 96x72 -> 6x4 (no whole row of blocks) and 0.5
        // gives 80x60 -> 5x3.
        let (w, h) = ChromaSubsampling::Yuv420.chroma_size(320, 240);
        assert_eq!((w, h), (160, 120));
        assert!(SpeedChroma::new(w, h, 12, &v1_options(1.0)).is_ok());
        let err = SpeedChroma::new(w, h, 12, &v1_options(0.6)).err().unwrap();
        assert_eq!(
            err,
            SpeedError::ImageTooSmall {
                operating_width: 6,
                operating_height: 4
            }
        );
        assert!(err
            .to_string()
            .starts_with("SpEED: image too small, operating width or height is 0"));
        assert!(matches!(
            SpeedChroma::new(w, h, 12, &v1_options(0.5)),
            Err(SpeedError::ImageTooSmall { .. })
        ));
        // 4:2:2 160x240 chroma at 0.5 -> 80x120 -> 5x7: exactly one column of blocks.
        let (w, h) = ChromaSubsampling::Yuv422.chroma_size(320, 240);
        assert!(SpeedChroma::new(w, h, 10, &v1_options(0.5)).is_ok());
        // Just under 5 blocks' worth of decimated samples in one direction.
        assert!(SpeedChroma::new(79, 500, 8, &SpeedChromaOptions::default()).is_err());
        assert!(SpeedChroma::new(80, 80, 8, &SpeedChromaOptions::default()).is_ok());
    }

    #[test]
    fn options_are_validated() {
        let ok = SpeedChromaOptions::default();
        let bad = |o: SpeedChromaOptions| SpeedChroma::new(320, 240, 8, &o).err();
        assert!(matches!(
            bad(SpeedChromaOptions {
                sigma_nn: 0.05,
                ..ok
            }),
            Some(SpeedError::OptionOutOfRange {
                name: "speed_sigma_nn",
                ..
            })
        ));
        assert!(matches!(
            bad(SpeedChromaOptions {
                nn_floor: 1.5,
                ..ok
            }),
            Some(SpeedError::OptionOutOfRange {
                name: "speed_nn_floor",
                ..
            })
        ));
        assert!(matches!(
            bad(SpeedChromaOptions {
                max_val: 1000.5,
                ..ok
            }),
            Some(SpeedError::OptionOutOfRange {
                name: "speed_max_val",
                ..
            })
        ));
        assert!(matches!(
            bad(SpeedChromaOptions {
                weight_var_mode: 7,
                ..ok
            }),
            Some(SpeedError::OptionOutOfRange {
                name: "speed_weight_var_mode",
                ..
            })
        ));
        assert!(matches!(
            bad(SpeedChromaOptions {
                prescale: 4.5,
                ..ok
            }),
            Some(SpeedError::OptionOutOfRange {
                name: "speed_prescale",
                ..
            })
        ));
        assert!(matches!(
            bad(SpeedChromaOptions {
                prescale: f64::NAN,
                ..ok
            }),
            Some(SpeedError::OptionOutOfRange { .. })
        ));
        assert_eq!(
            bad(SpeedChromaOptions {
                kernelscale: 1.3,
                ..ok
            }),
            Some(SpeedError::InvalidKernelscale(1.3))
        );
        assert!(bad(SpeedChromaOptions {
            kernelscale: 1.5,
            ..ok
        })
        .is_none());
        assert!(bad(SpeedChromaOptions {
            kernelscale: 1.0667,
            ..ok
        })
        .is_none());
        assert_eq!(
            SpeedChroma::new(320, 240, 9, &ok).err(),
            Some(SpeedError::UnsupportedBitDepth(9))
        );
        assert_eq!(
            "area".parse::<PrescaleMethod>(),
            Err(SpeedError::InvalidPrescaleMethod("area".into()))
        );
        for m in [
            PrescaleMethod::Nearest,
            PrescaleMethod::Bilinear,
            PrescaleMethod::Bicubic,
            PrescaleMethod::Lanczos4,
        ] {
            assert_eq!(m.as_str().parse::<PrescaleMethod>(), Ok(m));
        }
        // A prescale within 1e-3 of 1 that still enlarges the picture.
        assert!(matches!(
            SpeedChroma::new(
                960,
                540,
                8,
                &SpeedChromaOptions {
                    prescale: 1.0009,
                    ..ok
                }
            ),
            Err(SpeedError::UndefinedPrescale { .. })
        ));
    }

    #[test]
    fn every_prescale_method_runs_and_separates_distortion() {
        let (w, h) = (200, 150);
        let u = textured_plane(w, h, 31, 255);
        let v = textured_plane(w, h, 37, 255);
        let du: Vec<u16> = u.iter().map(|&x| 255 - x).collect();
        for method in [
            PrescaleMethod::Nearest,
            PrescaleMethod::Bilinear,
            PrescaleMethod::Bicubic,
            PrescaleMethod::Lanczos4,
        ] {
            for prescale in [0.6, 1.5] {
                let opts = SpeedChromaOptions {
                    prescale,
                    prescale_method: method,
                    ..SpeedChromaOptions::default()
                };
                let mut s = SpeedChroma::new(w, h, 8, &opts).unwrap();
                let r = s.score(&u, &v, &du, &v);
                assert!(
                    r.u.is_finite() && r.v.is_finite() && r.uv.is_finite(),
                    "{method:?} {prescale}: {r:?}"
                );
                assert!(r.v.abs() < 1e-2, "{method:?} {prescale}: {r:?}");
            }
        }
    }

    #[test]
    fn bilinear_halving_averages_pairs() {
        // Downscaling by 2 samples at x + 0.5 between columns 2x and 2x+1.
        let cols = BilinearColumns::new(8, 4);
        assert_eq!(cols.x1, vec![0, 2, 4, 6]);
        assert_eq!(cols.x2, vec![1, 3, 5, 7]);
        assert!(cols.dx.iter().all(|&d| d == 0.5));
        let src: Vec<f32> = (0..8 * 2).map(|i| i as f32).collect();
        let mut dst = vec![0f32; 8 * 2];
        Resample {
            src: &src,
            src_w: 8,
            src_h: 2,
            stride: 8,
            dst_w: 4,
            dst_h: 1,
        }
        .bilinear(&cols, &mut dst);
        // Rows 0 and 1 averaged too: (x + x+1 + x+8 + x+9) / 4.
        assert_eq!(&dst[..4], &[4.5, 6.5, 8.5, 10.5]);
    }
}
