//! Fuzzes the extract stage: arbitrary bytes in, text or a typed error out, and never a
//! panic, a hang or unbounded memory. Run from the repository root with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz extract`.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use paperdex::extract::{extract_bytes, Limits};

fuzz_target!(|data: &[u8]| {
    // Tighter bounds than the defaults keep each run short enough for the fuzzer's timeout.
    let limits = Limits {
        max_stream_bytes: 8 << 20,
        time_budget: Duration::from_secs(2),
        ..Limits::default()
    };
    let _ = extract_bytes(data, &limits);
});
