//! Runs one scenario N times as a sweep runs it, single-threaded, for a
//! profiler (`valgrind --tool=callgrind`, `perf record`):
//! `cargo run --release --example profile_runs -- FILE N`.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let s = pacesim::scenario::load(std::path::Path::new(&a[1])).expect("scenario");
    let p = pacesim::runner::prepare(&s).expect("prepares");
    let n: u64 = a.get(2).and_then(|n| n.parse().ok()).unwrap_or(10);
    let mut steps = 0;
    for seed in 1..=n {
        steps += pacesim::runner::sweep::run_seed(&p, seed).steps;
    }
    println!("{n} runs, {steps} steps");
}
