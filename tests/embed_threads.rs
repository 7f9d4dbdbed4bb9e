//! `paperdex::embed::init_threads` in a process of its own, since it changes process-wide
//! settings: rayon's global pool keeps every core while candle is told to use one thread.

#[test]
fn batches_get_every_core_and_candle_one_thread() {
    std::env::remove_var("RAYON_NUM_THREADS");
    paperdex::embed::init_threads();
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(rayon::current_num_threads(), cores);
    assert_eq!(std::env::var("RAYON_NUM_THREADS").unwrap(), "1");
    // A second call, as from a second model, changes nothing.
    paperdex::embed::init_threads();
    assert_eq!(rayon::current_num_threads(), cores);
}
