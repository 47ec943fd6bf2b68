//! Getting a device, kept apart from using one: which API (an explicit choice, else
//! `WGPU_BACKEND`, else all), which adapter (an index into [`list_adapters`], else
//! wgpu's high-performance pick), and the [`GpuContext`] the passes run on. A machine
//! without an adapter yields [`GpuError::NoAdapter`], never a panic.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::GpuError;
use super::kernel::{Kernel, Pass, ShaderOptions};

/// Pipelines, built once per pass and context.
#[derive(Default)]
pub(crate) struct KernelCache(Mutex<HashMap<&'static str, Arc<Kernel>>>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded map stays consistent even if a holder panicked.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl GpuContext {
    /// The pipeline of `pass`, built on first use.
    pub(crate) fn kernel(&self, pass: &'static Pass) -> Result<Arc<Kernel>, GpuError> {
        if let Some(k) = lock(&self.kernels.0).get(pass.name) {
            return Ok(Arc::clone(k));
        }
        // Built outside the lock: two threads may both build it once; one wins.
        let built = Arc::new(Kernel::build(&self.device, pass, self.shader)?);
        Ok(Arc::clone(lock(&self.kernels.0).entry(pass.name).or_insert(built)))
    }
}

/// Devices this process has opened (successful [`GpuContext::new`] calls): 1 in a
/// GPU run, whatever scores and models it computes.
static DEVICES_OPENED: AtomicUsize = AtomicUsize::new(0);

/// How many GPU devices this process has opened.
pub fn devices_opened() -> usize {
    DEVICES_OPENED.load(Ordering::Relaxed)
}

impl AsRef<wgpu::Device> for GpuContext {
    fn as_ref(&self) -> &wgpu::Device {
        &self.device
    }
}

/// A graphics API the user can pin; `None` in [`DeviceOptions`] means
/// `WGPU_BACKEND` when set, else every API wgpu was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuApi {
    Vulkan,
    Metal,
    Dx12,
    Gl,
}

impl GpuApi {
    fn backends(self) -> wgpu::Backends {
        match self {
            GpuApi::Vulkan => wgpu::Backends::VULKAN,
            GpuApi::Metal => wgpu::Backends::METAL,
            GpuApi::Dx12 => wgpu::Backends::DX12,
            GpuApi::Gl => wgpu::Backends::GL,
        }
    }
}

/// Which adapter to open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceOptions {
    /// An explicit API; it overrides `WGPU_BACKEND`.
    pub api: Option<GpuApi>,
    /// Index into [`list_adapters`] (same options, same order); `None` lets wgpu pick
    /// the high-performance adapter (`WGPU_POWER_PREF` can change that).
    pub adapter: Option<usize>,
    /// Compute the shaders' 64-bit integers as u32 pairs even where the adapter has
    /// `SHADER_INT64` (the path of adapters without it; `TINYVMAF_GPU_INT64=0` does
    /// the same). Both give the same results; tests run both.
    pub int64_off: bool,
}

/// [`GpuContext::facts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DeviceFacts {
    /// The device has `SHADER_INT64`; the shaders use it (`int64_used`) unless
    /// `TINYVMAF_GPU_INT64=0` or `DeviceOptions::int64_off`.
    pub int64: bool,
    pub int64_used: bool,
    /// Subgroup operations (`SUBGROUP`); no pass uses them yet.
    pub subgroups: bool,
    /// GPU timestamps (`TIMESTAMP_QUERY`).
    pub timestamps: bool,
}

/// One line of `tinyvmaf-gpu devices`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AdapterSummary {
    pub index: usize,
    pub name: String,
    /// `vulkan`, `metal`, `dx12`, `gl`, …
    pub backend: String,
    /// `discrete`, `integrated`, `virtual`, `cpu` or `other`.
    pub device_type: String,
    pub driver: String,
}

impl AdapterSummary {
    fn new(index: usize, info: &wgpu::AdapterInfo) -> Self {
        let device_type = match info.device_type {
            wgpu::DeviceType::DiscreteGpu => "discrete",
            wgpu::DeviceType::IntegratedGpu => "integrated",
            wgpu::DeviceType::VirtualGpu => "virtual",
            wgpu::DeviceType::Cpu => "cpu",
            wgpu::DeviceType::Other => "other",
        };
        let driver = [info.driver.as_str(), info.driver_info.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        AdapterSummary {
            index,
            name: info.name.clone(),
            backend: info.backend.to_str().to_owned(),
            device_type: device_type.to_owned(),
            driver,
        }
    }
}

fn instance(options: &DeviceOptions) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    if let Some(api) = options.api {
        desc.backends = api.backends();
    }
    wgpu::Instance::new(desc)
}

fn backends_name(options: &DeviceOptions) -> String {
    match options.api {
        Some(api) => format!("{api:?}").to_lowercase(),
        None => match std::env::var("WGPU_BACKEND") {
            Ok(v) => format!("WGPU_BACKEND={v}"),
            Err(_) => "all".to_owned(),
        },
    }
}

/// Every adapter the chosen APIs expose, in the order `DeviceOptions::adapter` indexes.
pub fn list_adapters(options: &DeviceOptions) -> Vec<AdapterSummary> {
    let adapters = pollster::block_on(instance(options).enumerate_adapters(wgpu::Backends::all()));
    adapters.iter().enumerate().map(|(i, a)| AdapterSummary::new(i, &a.get_info())).collect()
}

/// An open device and the pipelines built on it (once per pass). One per process,
/// shared by the feature passes, burn's wgpu runtime and the int8 dequantization; it is
/// `Send + Sync`, and calls that use the same per-resolution buffers take turns.
pub struct GpuContext {
    instance: wgpu::Instance,
    adapter: wgpu::Adapter,
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    summary: AdapterSummary,
    pub(crate) kernels: KernelCache,
    /// What the shaders may use on this device (the same for every pass).
    shader: ShaderOptions,
    /// Errors no error scope caught (wgpu's default handler would panic on them).
    uncaptured: Arc<Mutex<Vec<String>>>,
}

impl std::fmt::Debug for GpuContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuContext").field("adapter", &self.summary).finish_non_exhaustive()
    }
}

impl GpuContext {
    /// Opens the adapter `options` describe.
    pub fn new(options: &DeviceOptions) -> Result<Self, GpuError> {
        let instance = instance(options);
        let no_adapter = |reason: Option<String>| GpuError::NoAdapter { backends: backends_name(options), reason };
        let (index, adapter) = match options.adapter {
            Some(index) => {
                let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
                if adapters.is_empty() {
                    return Err(no_adapter(None));
                }
                let count = adapters.len();
                if index >= count {
                    return Err(GpuError::AdapterIndex { index, count });
                }
                (index, adapters.swap_remove(index))
            }
            None => {
                let request = wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::from_env()
                        .unwrap_or(wgpu::PowerPreference::HighPerformance),
                    ..Default::default()
                };
                let adapter = pollster::block_on(instance.request_adapter(&request))
                    .map_err(|e| no_adapter(Some(e.to_string())))?;
                (0, adapter)
            }
        };
        let info = adapter.get_info();
        let mut summary = AdapterSummary::new(index, &info);
        if options.adapter.is_none() {
            // Report the index `list_adapters` gives this adapter, when it can be found.
            let all = list_adapters(options);
            if let Some(same) = all.iter().find(|a| a.name == summary.name && a.backend == summary.backend) {
                summary.index = same.index;
            }
        }
        // What cubecl (burn's wgpu runtime) requests, so burn can later share this
        // device; minus the experimental features, which need an `unsafe` opt-in.
        let features = adapter.features()
            - wgpu::Features::MAPPABLE_PRIMARY_BUFFERS
            - wgpu::Features::all_experimental_mask();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("tinyvmaf-gpu"),
            required_features: features,
            required_limits: adapter.limits(),
            memory_hints: wgpu::MemoryHints::MemoryUsage,
            ..Default::default()
        }))
        .map_err(|source| GpuError::RequestDevice { adapter: info.name.clone(), source })?;
        DEVICES_OPENED.fetch_add(1, Ordering::Relaxed);
        let uncaptured = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&uncaptured);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut errors) = sink.lock() {
                errors.push(e.to_string());
            }
        }));
        let int64_off = options.int64_off || std::env::var_os("TINYVMAF_GPU_INT64").is_some_and(|v| v == "0");
        let shader = ShaderOptions { int64: device.features().contains(wgpu::Features::SHADER_INT64) && !int64_off };
        Ok(GpuContext {
            instance,
            adapter,
            device,
            queue,
            summary,
            kernels: KernelCache::default(),
            shader,
            uncaptured,
        })
    }

    /// What the shaders use on this device: native 64-bit integers or u32 pairs.
    pub fn shader_options(&self) -> ShaderOptions {
        self.shader
    }

    /// What this device offers that matters to throughput (benchmark reports).
    pub fn facts(&self) -> DeviceFacts {
        let features = self.device.features();
        DeviceFacts {
            int64: features.contains(wgpu::Features::SHADER_INT64),
            int64_used: self.shader.int64,
            subgroups: features.contains(wgpu::Features::SUBGROUP),
            timestamps: features.contains(wgpu::Features::TIMESTAMP_QUERY),
        }
    }

    /// The adapter this context runs on.
    pub fn adapter_summary(&self) -> &AdapterSummary {
        &self.summary
    }

    /// Destroys the device, as a driver reset or a lost eGPU would: every later use of
    /// this context fails. For fault-injection tests of the CPU fallback.
    pub fn lose_device(&self) {
        self.device.destroy();
    }

    /// The raw wgpu objects, for sharing this device with burn
    /// (`burn::tensor::wgpu::WgpuSetup`).
    pub fn wgpu_parts(&self) -> (&wgpu::Instance, &wgpu::Adapter, &wgpu::Device, &wgpu::Queue) {
        (&self.instance, &self.adapter, &self.device, &self.queue)
    }

    /// Runs `f` inside validation and out-of-memory error scopes and turns anything
    /// they (or the uncaptured-error handler) caught into [`GpuError::Device`].
    pub(crate) fn checked<T>(
        &self,
        pass: &'static str,
        f: impl FnOnce() -> Result<T, GpuError>,
    ) -> Result<T, GpuError> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let result = f();
        let errors = [pollster::block_on(validation.pop()), pollster::block_on(oom.pop())];
        let result = result?;
        let mut messages: Vec<String> = errors.into_iter().flatten().map(|e| e.to_string()).collect();
        if let Ok(mut uncaptured) = self.uncaptured.lock() {
            messages.append(&mut uncaptured);
        }
        if messages.is_empty() { Ok(result) } else { Err(GpuError::Device { pass, message: messages.join("; ") }) }
    }
}
