#![no_main]

use libfuzzer_sys::fuzz_target;

// What is checked lives in src/harness.rs, shared with tests/fuzz_regressions.rs.
fuzz_target!(|data: &[u8]| tinyvmaf_gpu_fuzz::harness::vmaf_cli(data));
