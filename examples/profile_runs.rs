//! Runs one scenario N times as a sweep runs it, single-threaded, for a
//! profiler (`valgrind --tool=callgrind`, `perf record`) or a quick timing:
//!
//!     cargo run --release --example profile_runs -- FILE [N]
//!     cargo run --release --example profile_runs -- soak [N]
//!
//! `soak` is the bench's hour on three nodes with a fault a minute
//! (`runner::soak`); `soak-toml` prints that scenario's file.
/// As the `pacesim` binary runs.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let file = a.get(1).map_or("soak", String::as_str);
    if file == "soak-toml" {
        // The soak scenario as a file, for `pacesim run --trace`.
        print!("{}", pacesim::runner::soak::toml(60, 1));
        return;
    }
    let s = if file == "soak" {
        let text = pacesim::runner::soak::toml(60, 1);
        pacesim::scenario::parse(&text, std::path::Path::new("soak.toml")).expect("soak")
    } else {
        pacesim::scenario::load(std::path::Path::new(file)).expect("scenario")
    };
    let p = pacesim::runner::prepare(&s).expect("prepares");
    let n: u64 = a.get(2).and_then(|n| n.parse().ok()).unwrap_or(10);
    let started = std::time::Instant::now();
    let mut steps = 0;
    for seed in 1..=n {
        steps += pacesim::runner::sweep::run_seed(&p, seed).steps;
    }
    let each = started.elapsed().as_secs_f64() / n as f64;
    println!(
        "{n} runs, {steps} steps, {:.2} ms a run, {:.0}x real time",
        each * 1000.0,
        s.duration.as_nanos() as f64 / 1e9 / each
    );
}
