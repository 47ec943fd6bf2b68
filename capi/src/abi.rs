//! libvmaf 3.x's public C interface: its types, laid out as libvmaf's headers lay
//! them out, and its functions, with libvmaf's return codes (0, or `-EINVAL` /
//! `-ENOMEM`) and ownership rules. `include/libvmaf/libvmaf.h` is generated from
//! this file (tests/header.rs keeps it so); tests/layout.rs checks every struct's
//! size and offsets against those of libvmaf's own headers.
//!
//! Enumerations are passed as `int`, as C passes them, and checked here: a Rust
//! enum read from a value C wrote would be undefined behaviour for any value
//! outside it.
//!
//! Every function returns an error for a NULL pointer, for a context or model
//! already closed or destroyed, and for a picture this library did not allocate,
//! instead of reading it. Each runs under `catch_unwind`: a panic inside becomes
//! `-EINVAL` with a message, never an abort of the caller.
//!
//! # Safety
//!
//! Every function here has libvmaf's contract, stated once for all: each pointer
//! argument is NULL or points to valid, initialised memory of its C type for the
//! duration of the call (strings NUL-terminated), out-pointers to writable storage;
//! a context or model is used by one thread at a time. Handles this library gave out
//! are checked against its own records before use, so a closed context, a destroyed
//! model or a foreign picture is an error, not undefined behaviour.

#![allow(non_camel_case_types, reason = "libvmaf's C names, kept as the header spells them")]
#![allow(clippy::missing_safety_doc, reason = "one contract for every function, libvmaf's: the module's # Safety section")]

use std::any::TypeId;
use std::collections::HashSet;
use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, PoisonError};

use tinyvmaf_gpu::compat::spec::{ModelSource, ModelSpec};
use tinyvmaf_gpu::output::libvmaf::LibvmafFormat;

use crate::context::{Config, Context, Failed, Model};
use crate::picture;

/// `-EINVAL`, libvmaf's answer to a bad argument or a failed call.
const EINVAL: c_int = -22;

/// The API version this library implements (libvmaf's `version.h`).
pub const VMAF_API_VERSION_MAJOR: c_int = 3;
pub const VMAF_API_VERSION_MINOR: c_int = 2;
pub const VMAF_API_VERSION_PATCH: c_int = 0;

#[repr(C)]
pub enum VmafLogLevel {
    VMAF_LOG_LEVEL_NONE = 0,
    VMAF_LOG_LEVEL_ERROR,
    VMAF_LOG_LEVEL_WARNING,
    VMAF_LOG_LEVEL_INFO,
    VMAF_LOG_LEVEL_DEBUG,
}

#[repr(C)]
pub enum VmafOutputFormat {
    VMAF_OUTPUT_FORMAT_NONE = 0,
    VMAF_OUTPUT_FORMAT_XML,
    VMAF_OUTPUT_FORMAT_JSON,
    VMAF_OUTPUT_FORMAT_CSV,
    VMAF_OUTPUT_FORMAT_SUB,
}

#[repr(C)]
pub enum VmafPoolingMethod {
    VMAF_POOL_METHOD_UNKNOWN = 0,
    VMAF_POOL_METHOD_MIN,
    VMAF_POOL_METHOD_MAX,
    VMAF_POOL_METHOD_MEAN,
    VMAF_POOL_METHOD_HARMONIC_MEAN,
    VMAF_POOL_METHOD_NB,
}

#[repr(C)]
pub enum VmafPixelFormat {
    VMAF_PIX_FMT_UNKNOWN = 0,
    VMAF_PIX_FMT_YUV420P,
    VMAF_PIX_FMT_YUV422P,
    VMAF_PIX_FMT_YUV444P,
    VMAF_PIX_FMT_YUV400P,
}

#[repr(C)]
pub enum VmafModelFlags {
    VMAF_MODEL_FLAGS_DEFAULT = 0,
    VMAF_MODEL_FLAG_DISABLE_CLIP = 1,
    VMAF_MODEL_FLAG_ENABLE_TRANSFORM = 2,
    VMAF_MODEL_FLAG_DISABLE_TRANSFORM = 4,
}

#[repr(C)]
pub enum VmafModelCollectionScoreType {
    VMAF_MODEL_COLLECTION_SCORE_UNKNOWN = 0,
    VMAF_MODEL_COLLECTION_SCORE_BOOTSTRAP,
}

/// `VmafConfiguration`, passed by value to `vmaf_init`.
#[repr(C)]
pub struct VmafConfiguration {
    /// A `VmafLogLevel`.
    pub log_level: c_int,
    /// 0: no thread pool (one thread); N: N threads.
    pub n_threads: c_uint,
    /// Score every N-th picture (0 and 1: all).
    pub n_subsample: c_uint,
    /// Not used: the CPU features have one implementation whatever the CPU.
    pub cpumask: u64,
    /// Any bit set: this context's features run on the CPU.
    pub gpumask: u64,
}

/// `VmafModelConfig`.
#[repr(C)]
pub struct VmafModelConfig {
    /// The model's name in logs and scores (NULL: `vmaf`).
    pub name: *const c_char,
    /// `VmafModelFlags`, or-ed.
    pub flags: u64,
}

/// `VmafPicture`: filled by `vmaf_picture_alloc`; the caller writes the samples
/// (`data`, `stride` bytes a row; above 8 bits, 16-bit words in the machine's byte
/// order).
#[repr(C)]
pub struct VmafPicture {
    /// A `VmafPixelFormat`.
    pub pix_fmt: c_int,
    pub bpc: c_uint,
    pub w: [c_uint; 3],
    pub h: [c_uint; 3],
    pub stride: [isize; 3],
    pub data: [*mut c_void; 3],
    /// This library's handle on the buffer.
    pub r#ref: *mut VmafRef,
    pub r#priv: *mut c_void,
}

/// The bootstrap statistics of a model collection's pooled score.
#[repr(C)]
pub struct VmafModelCollectionScore {
    /// A `VmafModelCollectionScoreType`.
    pub r#type: c_int,
    pub bootstrap: VmafBootstrapScore,
}

/// libvmaf declares these three structs inline, unnamed; the layout is the same.
#[repr(C)]
pub struct VmafBootstrapScore {
    pub bagging_score: f64,
    pub stddev: f64,
    pub ci: VmafBootstrapCi,
}

#[repr(C)]
pub struct VmafBootstrapCi {
    pub p95: VmafBootstrapInterval,
}

#[repr(C)]
pub struct VmafBootstrapInterval {
    pub lo: f64,
    pub hi: f64,
}

/// `VmafPictureConfiguration` (for callers' declarations; the preallocation calls
/// are not provided).
#[repr(C)]
pub struct VmafPictureConfiguration {
    pub pic_params: VmafPictureParams,
    pub pic_cnt: c_uint,
}

#[repr(C)]
pub struct VmafPictureParams {
    pub w: c_uint,
    pub h: c_uint,
    pub bpc: c_uint,
    /// A `VmafPixelFormat`.
    pub pix_fmt: c_int,
}

/// Opaque: a scoring context.
pub struct VmafContext {
    inner: Context,
}

/// Opaque: a loaded model.
pub struct VmafModel {
    inner: Model,
}

/// Opaque: a model collection (the bootstrap models), scored as one.
pub struct VmafModelCollection {
    inner: Model,
}

/// Opaque: feature options, `key=value` in the order set.
pub struct VmafFeatureDictionary {
    entries: Vec<(String, String)>,
}

/// Opaque: a picture buffer's handle.
pub struct VmafRef {
    _private: [u8; 0],
}

/// libvmaf's log level, set by the last `vmaf_init` (errors until then).
static LOG_LEVEL: AtomicI32 = AtomicI32::new(1);

fn error(message: &str) -> c_int {
    if LOG_LEVEL.load(Ordering::Relaxed) >= 1 {
        eprintln!("libvmaf ERROR {message}");
    }
    EINVAL
}

/// Runs a call's body, turning its error or a panic into `-EINVAL`.
fn guard(body: impl FnOnce() -> Result<(), Failed>) -> c_int {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => 0,
        Ok(Err(message)) => error(&message),
        Err(_) => error("internal error (a panic), reported as -EINVAL"),
    }
}

/// Live handles by address and type, so that one used after `vmaf_close` /
/// `*_destroy`, or passed where another kind is expected, is refused.
static LIVE: Mutex<Option<HashSet<(usize, TypeId)>>> = Mutex::new(None);

fn live(f: impl FnOnce(&mut HashSet<(usize, TypeId)>) -> bool) -> bool {
    let mut guard = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    f(guard.get_or_insert_with(HashSet::new))
}

/// Boxes a handle and remembers it.
fn handle<T: 'static>(value: T) -> *mut T {
    let ptr = Box::into_raw(Box::new(value));
    live(|l| l.insert((ptr as usize, TypeId::of::<T>())));
    ptr
}

/// The handle's object, if `ptr` is a live handle.
fn get<'a, T: 'static>(ptr: *mut T, what: &str) -> Result<&'a mut T, Failed> {
    if ptr.is_null() {
        return Err(format!("{what} is NULL"));
    }
    if !live(|l| l.contains(&(ptr as usize, TypeId::of::<T>()))) {
        return Err(format!("{what} was closed or destroyed, or is not one this library created"));
    }
    // SAFETY: `ptr` came from `Box::into_raw` in `handle` for a `T` and is still
    // registered with `T`'s type, so it points to a live `T`; libvmaf's contract (one thread per context and
    // model at a time) makes this the only reference while the call runs.
    Ok(unsafe { &mut *ptr })
}

/// Forgets a handle and frees its object.
fn destroy<T: 'static>(ptr: *mut T, what: &str) -> Result<(), Failed> {
    get(ptr, what)?;
    live(|l| l.remove(&(ptr as usize, TypeId::of::<T>())));
    // SAFETY: registered until the line above, so `ptr` is a `Box<T>` not yet freed,
    // and no other handle to it remains.
    drop(unsafe { Box::from_raw(ptr) });
    Ok(())
}

/// A C string argument as UTF-8.
fn text<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Failed> {
    if ptr.is_null() {
        return Err(format!("{what} is NULL"));
    }
    // SAFETY: the caller passes a NUL-terminated string, as libvmaf requires; it is
    // only read, during this call.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str().map_err(|_| format!("{what} is not UTF-8"))
}

/// Writes through an out-pointer after checking it.
fn put<T>(out: *mut T, value: T, what: &str) -> Result<(), Failed> {
    if out.is_null() {
        return Err(format!("{what} is NULL"));
    }
    // SAFETY: non-NULL, and the caller passes a pointer to writable storage for a `T`
    // (libvmaf's contract for out-parameters); `write` does not read the old value.
    unsafe { out.write(value) };
    Ok(())
}

/// Reads a by-pointer struct argument after checking it.
fn read<T>(ptr: *const T, what: &str) -> Result<T, Failed> {
    if ptr.is_null() {
        return Err(format!("{what} is NULL"));
    }
    // SAFETY: non-NULL, and the caller passes a pointer to an initialised `T`; every
    // field of the structs read this way is valid for any bit pattern.
    Ok(unsafe { ptr.read() })
}

fn pool_method(method: c_int) -> Result<fn(&tinyvmaf_gpu::pooling::Pooled) -> f64, Failed> {
    Ok(match method {
        1 => |p| p.min,
        2 => |p| p.max,
        3 => |p| p.mean,
        4 => |p| p.harmonic_mean,
        _ => return Err(format!("pooling method {method} is not one of libvmaf's (1 to 4)")),
    })
}

/// The values of `column` at frames `low..=high`, pooled.
fn pooled(frames: &[u64], column: &[f64], method: c_int, low: c_uint, high: c_uint) -> Result<f64, Failed> {
    if low > high {
        return Err(format!("index_low {low} is above index_high {high}"));
    }
    let pool = pool_method(method)?;
    let picked: Vec<f64> = frames
        .iter()
        .zip(column)
        .filter(|(f, _)| (u64::from(low)..=u64::from(high)).contains(f))
        .map(|(_, v)| *v)
        .collect();
    let pooled = tinyvmaf_gpu::pooling::pool(&picked).ok_or_else(|| format!("no scored picture between {low} and {high}"))?;
    Ok(pool(&pooled))
}

/// The value of `column` at picture `index`.
fn at_index(frames: &[u64], column: &[f64], index: c_uint) -> Result<f64, Failed> {
    frames
        .iter()
        .position(|f| *f == u64::from(index))
        .map(|i| column[i])
        .ok_or_else(|| format!("no score at picture {index} (not read, or left out by n_subsample)"))
}

/// A model string from `VmafModelConfig`.
fn model_spec(cfg: *mut VmafModelConfig, source: ModelSource) -> Result<(ModelSpec, bool), Failed> {
    let cfg = read(cfg, "the model configuration")?;
    let name = if cfg.name.is_null() { "vmaf".to_owned() } else { text(cfg.name, "the model name")?.to_owned() };
    let spec = ModelSpec {
        source,
        name,
        disable_clip: cfg.flags & 1 != 0,
        enable_transform: cfg.flags & 2 != 0,
        overrides: Vec::new(),
    };
    Ok((spec, cfg.flags & 4 != 0))
}

fn load(cfg: *mut VmafModelConfig, source: ModelSource) -> Result<Model, Failed> {
    let (spec, disable_transform) = model_spec(cfg, source)?;
    Model::load(spec, disable_transform)
}

/// Loads a model into `*model`.
fn load_into(model: *mut *mut VmafModel, cfg: *mut VmafModelConfig, source: ModelSource) -> Result<(), Failed> {
    if model.is_null() {
        return Err("the model pointer is NULL".into());
    }
    let loaded = load(cfg, source)?;
    put(model, handle(VmafModel { inner: loaded }), "the model pointer")
}

/// Takes the dictionary (libvmaf frees it in the calls that take one).
fn take_dictionary(dict: *mut VmafFeatureDictionary) -> Result<Vec<(String, String)>, Failed> {
    if dict.is_null() {
        return Ok(Vec::new());
    }
    let entries = std::mem::take(&mut get(dict, "the feature dictionary")?.entries);
    destroy(dict, "the feature dictionary")?;
    Ok(entries)
}

// ---- Contexts ----

/// Creates a context. Returns 0, or `-EINVAL` (`vmaf` NULL, or a GPU was required
/// with `TINYVMAF_BACKEND=gpu` and none works).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_init(vmaf: *mut *mut VmafContext, cfg: VmafConfiguration) -> c_int {
    guard(|| {
        LOG_LEVEL.store(cfg.log_level, Ordering::Relaxed);
        if vmaf.is_null() {
            return Err("vmaf_init: the context pointer is NULL".into());
        }
        crate::backend::get()?;
        let config = Config { log_level: cfg.log_level, n_threads: cfg.n_threads, n_subsample: cfg.n_subsample, gpumask: cfg.gpumask };
        put(vmaf, handle(VmafContext { inner: Context::new(config) }), "the context pointer")
    })
}

/// Closes a context (waiting for its work) and frees it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_close(vmaf: *mut VmafContext) -> c_int {
    guard(|| destroy(vmaf, "the context"))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_use_features_from_model(vmaf: *mut VmafContext, model: *mut VmafModel) -> c_int {
    guard(|| {
        let model = &get(model, "the model")?.inner;
        get(vmaf, "the context")?.inner.use_model(model)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_use_features_from_model_collection(
    vmaf: *mut VmafContext,
    model_collection: *mut VmafModelCollection,
) -> c_int {
    guard(|| {
        let model = &get(model_collection, "the model collection")?.inner;
        get(vmaf, "the context")?.inner.use_model(model)
    })
}

/// Adds a feature extractor with options; takes `opts_dict` (freed, even on error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_use_feature(
    vmaf: *mut VmafContext,
    feature_name: *const c_char,
    opts_dict: *mut VmafFeatureDictionary,
) -> c_int {
    guard(|| {
        let options = take_dictionary(opts_dict)?;
        let name = text(feature_name, "the feature name")?;
        get(vmaf, "the context")?.inner.use_feature(name, options)
    })
}

/// Reads a pair of pictures and releases them (on error they stay the caller's, as
/// in libvmaf); two NULL pictures flush the context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_read_pictures(
    vmaf: *mut VmafContext,
    r#ref: *mut VmafPicture,
    dist: *mut VmafPicture,
    index: c_uint,
) -> c_int {
    guard(|| {
        let ctx = &mut get(vmaf, "the context")?.inner;
        match (r#ref.is_null(), dist.is_null()) {
            (true, true) => return ctx.flush(),
            (true, false) | (false, true) => return Err("vmaf_read_pictures: one picture is NULL (both NULL flushes)".into()),
            (false, false) => {}
        }
        // As in libvmaf, the pictures stay the caller's when the read fails, and are
        // released once read.
        let key = |pic: *mut VmafPicture, what: &str| read(pic, what).map(|p| p.r#ref as usize);
        let (ref_key, dist_key) = (key(r#ref, "the reference picture")?, key(dist, "the distorted picture")?);
        let frame = |k: usize, what: &str| picture::frame(k).map_err(|e| format!("vmaf_read_pictures: {what}: {e}"));
        let reference = frame(ref_key, "the reference picture")?;
        let distorted = frame(dist_key, "the distorted picture")?;
        ctx.read(reference, distorted, u64::from(index))?;
        picture::release(ref_key);
        picture::release(dist_key);
        put(r#ref, zeroed_picture(), "the reference picture")?;
        put(dist, zeroed_picture(), "the distorted picture")
    })
}

fn zeroed_picture() -> VmafPicture {
    VmafPicture {
        pix_fmt: 0,
        bpc: 0,
        w: [0; 3],
        h: [0; 3],
        stride: [0; 3],
        data: [std::ptr::null_mut(); 3],
        r#ref: std::ptr::null_mut(),
        r#priv: std::ptr::null_mut(),
    }
}

/// A model's score at one picture (after the flush).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_score_at_index(vmaf: *mut VmafContext, model: *mut VmafModel, score: *mut f64, index: c_uint) -> c_int {
    guard(|| {
        let model = &get(model, "the model")?.inner;
        let ctx = &mut get(vmaf, "the context")?.inner;
        let (_, values) = ctx.model_scores(model, false)?.swap_remove(0);
        put(score, at_index(ctx.frame_numbers()?, &values, index)?, "the score pointer")
    })
}

/// A model's score pooled over pictures `index_low..=index_high` (after the flush);
/// the model's per-picture scores then appear in the log.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_score_pooled(
    vmaf: *mut VmafContext,
    model: *mut VmafModel,
    pool_method: c_int,
    score: *mut f64,
    index_low: c_uint,
    index_high: c_uint,
) -> c_int {
    guard(|| {
        let model = &get(model, "the model")?.inner;
        let ctx = &mut get(vmaf, "the context")?.inner;
        let (_, values) = ctx.model_scores(model, false)?.swap_remove(0);
        put(score, pooled(ctx.frame_numbers()?, &values, pool_method, index_low, index_high)?, "the score pointer")
    })
}

/// The scored frames and a feature's column, by libvmaf's key.
fn feature_column(vmaf: *mut VmafContext, feature_name: *const c_char) -> Result<(Vec<u64>, Vec<f64>), Failed> {
    let ctx = &mut get(vmaf, "the context")?.inner;
    let name = text(feature_name, "the feature name")?;
    let log = ctx.log()?;
    let column = log.column(name).ok_or_else(|| format!("no feature {name} in this context"))?;
    Ok((log.frame_numbers.clone(), column))
}

/// A feature's value at one picture, by libvmaf's key (`integer_adm2`, `psnr_y`, …).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_feature_score_at_index(
    vmaf: *mut VmafContext,
    feature_name: *const c_char,
    score: *mut f64,
    index: c_uint,
) -> c_int {
    guard(|| {
        let name = text(feature_name, "the feature name")?;
        let value = get(vmaf, "the context")?.inner.feature_at(name, u64::from(index))?;
        put(score, value, "the score pointer")
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_feature_score_pooled(
    vmaf: *mut VmafContext,
    feature_name: *const c_char,
    pool_method: c_int,
    score: *mut f64,
    index_low: c_uint,
    index_high: c_uint,
) -> c_int {
    guard(|| {
        let (frames, column) = feature_column(vmaf, feature_name)?;
        put(score, pooled(&frames, &column, pool_method, index_low, index_high)?, "the score pointer")
    })
}

/// Picks one value of a score column (at an index, or pooled over a range).
type Pick<'a> = &'a dyn Fn(&[u64], &[f64]) -> Result<f64, Failed>;

/// The bootstrap statistics of a collection's scores, pooled.
fn collection_score(
    vmaf: *mut VmafContext,
    model_collection: *mut VmafModelCollection,
    pick: Pick,
) -> Result<VmafModelCollectionScore, Failed> {
    let model = &get(model_collection, "the model collection")?.inner;
    let ctx = &mut get(vmaf, "the context")?.inner;
    let scores = ctx.model_scores(model, true)?;
    let frames = ctx.frame_numbers()?;
    let stat = |suffix: &str| -> Result<f64, Failed> {
        let name = format!("{}{suffix}", model.spec.name);
        let (_, values) = scores.iter().find(|(n, _)| *n == name).ok_or_else(|| format!("{} is not a model collection", model.spec.name))?;
        pick(frames, values)
    };
    Ok(VmafModelCollectionScore {
        r#type: VmafModelCollectionScoreType::VMAF_MODEL_COLLECTION_SCORE_BOOTSTRAP as c_int,
        bootstrap: VmafBootstrapScore {
            bagging_score: stat("_bagging")?,
            stddev: stat("_stddev")?,
            ci: VmafBootstrapCi { p95: VmafBootstrapInterval { lo: stat("_ci_p95_lo")?, hi: stat("_ci_p95_hi")? } },
        },
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_score_at_index_model_collection(
    vmaf: *mut VmafContext,
    model_collection: *mut VmafModelCollection,
    score: *mut VmafModelCollectionScore,
    index: c_uint,
) -> c_int {
    guard(|| {
        let s = collection_score(vmaf, model_collection, &|frames, values| at_index(frames, values, index))?;
        put(score, s, "the score pointer")
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_score_pooled_model_collection(
    vmaf: *mut VmafContext,
    model_collection: *mut VmafModelCollection,
    pool_method: c_int,
    score: *mut VmafModelCollectionScore,
    index_low: c_uint,
    index_high: c_uint,
) -> c_int {
    guard(|| {
        let s = collection_score(vmaf, model_collection, &|frames, values| pooled(frames, values, pool_method, index_low, index_high))?;
        put(score, s, "the score pointer")
    })
}

/// Writes the log (libvmaf's layout for `fmt`) to `output_path`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_write_output(vmaf: *mut VmafContext, output_path: *const c_char, fmt: c_int) -> c_int {
    guard(|| {
        let ctx = &mut get(vmaf, "the context")?.inner;
        let path = text(output_path, "the output path")?;
        let format = match fmt {
            1 => LibvmafFormat::Xml,
            2 => LibvmafFormat::Json,
            3 => LibvmafFormat::Csv,
            4 => LibvmafFormat::Sub,
            other => return Err(format!("output format {other} is not one of libvmaf's (1 to 4)")),
        };
        ctx.write_output(path.as_ref(), format)
    })
}

/// libvmaf's version this library stands in for.
#[unsafe(no_mangle)]
pub extern "C" fn vmaf_version() -> *const c_char {
    c"3.2.0".as_ptr()
}

// ---- Pictures ----

/// Allocates a zeroed picture (rows aligned to 32 samples). Returns `-EINVAL` for a
/// NULL picture, an unknown format, a depth outside 8–16 or a size of 0 or above
/// 16384.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_picture_alloc(pic: *mut VmafPicture, pix_fmt: c_int, bpc: c_uint, w: c_uint, h: c_uint) -> c_int {
    guard(|| {
        let format = u32::try_from(pix_fmt).unwrap_or(0);
        let (key, planes, g) = picture::alloc(format, bpc, w, h).map_err(|e| format!("vmaf_picture_alloc: {e}"))?;
        let filled = VmafPicture {
            pix_fmt,
            bpc,
            w: g.w,
            h: g.h,
            // At most 2 x 16384 rounded up: far inside isize.
            stride: g.stride.map(|s| s as isize),
            data: planes.map(|p| p.cast::<c_void>()),
            r#ref: key as *mut VmafRef,
            r#priv: std::ptr::null_mut(),
        };
        put(pic, filled, "the picture").inspect_err(|_| {
            picture::release(key);
        })
    })
}

/// Releases a picture this library allocated and clears it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_picture_unref(pic: *mut VmafPicture) -> c_int {
    guard(|| {
        let key = read(pic, "the picture")?.r#ref as usize;
        if !picture::release(key) {
            return Err("vmaf_picture_unref: a picture this library did not allocate, or one released already".into());
        }
        put(pic, zeroed_picture(), "the picture")
    })
}

// ---- Models ----

/// Loads a built-in model by libvmaf's version name (`vmaf_v0.6.1`, …).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_model_load(model: *mut *mut VmafModel, cfg: *mut VmafModelConfig, version: *const c_char) -> c_int {
    guard(|| load_into(model, cfg, ModelSource::Version(text(version, "the model version")?.to_owned())))
}

/// Loads a model from a libvmaf model file: one of libvmaf's own JSON files for
/// the models this library has (recognised by content).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_model_load_from_path(model: *mut *mut VmafModel, cfg: *mut VmafModelConfig, path: *const c_char) -> c_int {
    guard(|| load_into(model, cfg, ModelSource::Path(text(path, "the model path")?.to_owned())))
}

/// Sets options of one of the model's features (`adm`, `vif`, `motion`, …); takes
/// `opts_dict` (freed, even on error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_model_feature_overload(
    model: *mut VmafModel,
    feature_name: *const c_char,
    opts_dict: *mut VmafFeatureDictionary,
) -> c_int {
    guard(|| {
        let options = take_dictionary(opts_dict)?;
        let feature = text(feature_name, "the feature name")?;
        get(model, "the model")?.inner.overload(feature, &options)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_model_destroy(model: *mut VmafModel) {
    // libvmaf's destroy returns nothing; a bad handle is said on stderr.
    let _ = guard(|| destroy(model, "the model"));
}

fn load_collection(
    model: *mut *mut VmafModel,
    model_collection: *mut *mut VmafModelCollection,
    cfg: *mut VmafModelConfig,
    source: ModelSource,
) -> Result<(), Failed> {
    if model.is_null() || model_collection.is_null() {
        return Err("the model or model collection pointer is NULL".into());
    }
    let collection = load(cfg, source)?;
    if collection.loaded.outputs() < 2 {
        return Err(format!("{} is not a model collection (bootstrap model)", collection.loaded.id));
    }
    let main = Model::load(collection.spec.clone(), collection.disable_transform)?;
    put(model, handle(VmafModel { inner: main }), "the model pointer")?;
    put(model_collection, handle(VmafModelCollection { inner: collection }), "the model collection pointer")
}

/// Loads a bootstrap model (`vmaf_b_v0.6.3`): `model` its main model, scored as a
/// model, and `model_collection` the whole, scored with its statistics.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_model_collection_load(
    model: *mut *mut VmafModel,
    model_collection: *mut *mut VmafModelCollection,
    cfg: *mut VmafModelConfig,
    version: *const c_char,
) -> c_int {
    guard(|| load_collection(model, model_collection, cfg, ModelSource::Version(text(version, "the model version")?.to_owned())))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_model_collection_load_from_path(
    model: *mut *mut VmafModel,
    model_collection: *mut *mut VmafModelCollection,
    cfg: *mut VmafModelConfig,
    path: *const c_char,
) -> c_int {
    guard(|| load_collection(model, model_collection, cfg, ModelSource::Path(text(path, "the model path")?.to_owned())))
}

/// Overloads a feature's options in the collection and in `model`; takes `opts_dict`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_model_collection_feature_overload(
    model: *mut VmafModel,
    model_collection: *mut *mut VmafModelCollection,
    feature_name: *const c_char,
    opts_dict: *mut VmafFeatureDictionary,
) -> c_int {
    guard(|| {
        let options = take_dictionary(opts_dict)?;
        let feature = text(feature_name, "the feature name")?;
        let collection = read(model_collection, "the model collection pointer")?;
        get(collection, "the model collection")?.inner.overload(feature, &options)?;
        get(model, "the model")?.inner.overload(feature, &options)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_model_collection_destroy(model_collection: *mut VmafModelCollection) {
    let _ = guard(|| destroy(model_collection, "the model collection"));
}

// ---- Feature dictionaries ----

/// Sets `key` to `val` (a key set again keeps its place and takes the new value),
/// creating the dictionary when `*dict` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_feature_dictionary_set(dict: *mut *mut VmafFeatureDictionary, key: *const c_char, val: *const c_char) -> c_int {
    guard(|| {
        let key = text(key, "the key")?.to_owned();
        let val = text(val, "the value")?.to_owned();
        let current = read(dict, "the dictionary pointer")?;
        let d = if current.is_null() {
            let created = handle(VmafFeatureDictionary { entries: Vec::new() });
            put(dict, created, "the dictionary pointer")?;
            created
        } else {
            current
        };
        let entries = &mut get(d, "the dictionary")?.entries;
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = val,
            None => entries.push((key, val)),
        }
        Ok(())
    })
}

/// Frees a dictionary and sets `*dict` to NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmaf_feature_dictionary_free(dict: *mut *mut VmafFeatureDictionary) -> c_int {
    guard(|| {
        let d = read(dict, "the dictionary pointer")?;
        destroy(d, "the dictionary")?;
        put(dict, std::ptr::null_mut(), "the dictionary pointer")
    })
}
