//! `tinyvmaf-gpu devices`: the GPU adapters wgpu can open, with the index
//! `DeviceOptions::adapter` takes, and the CPU's vector level. No adapter is not an error: the command says so and
//! exits 0 (the CPU path still works).

use tinyvmaf_gpu::gpu::{self, DeviceOptions};
use tinyvmaf_gpu::simd::{self, Level};

use super::CliResult;
use super::args::DevicesArgs;

pub fn run(args: DevicesArgs) -> CliResult {
    let options = DeviceOptions { api: args.gpu_api.map(Into::into), adapter: None, ..Default::default() };
    let adapters = gpu::list_adapters(&options);
    let simd = simd::current().level();
    let available: Vec<&str> = Level::available().iter().map(|l| l.name()).collect();
    if args.json {
        let doc = serde_json::json!({
            "adapters": adapters,
            "cpu": { "simd": simd.name(), "simd_available": available },
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let name_width = adapters.iter().map(|a| a.name.len()).max().unwrap_or(4).max(4);
        if !adapters.is_empty() {
            println!("{:<5}  {:<name_width$}  {:<7}  {:<10}  DRIVER", "INDEX", "NAME", "BACKEND", "TYPE");
        }
        for a in &adapters {
            println!(
                "{:<5}  {:<name_width$}  {:<7}  {:<10}  {}",
                a.index, a.name, a.backend, a.device_type, a.driver
            );
        }
        println!("CPU: {simd} vector code (this CPU runs {}; {} forces one)", available.join(", "), simd::ENV);
    }
    if adapters.is_empty() {
        let api = args.gpu_api.map_or_else(
            || std::env::var("WGPU_BACKEND").map_or("any API".to_owned(), |v| format!("WGPU_BACKEND={v}")),
            |a| format!("{a:?}"),
        );
        eprintln!("no GPU adapter found ({api}); GPU features are unavailable, the CPU path still works");
    }
    Ok(())
}
