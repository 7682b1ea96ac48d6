//! Which nodes a scenario's runs elect, seed by seed: to choose a seed whose
//! first DC is the one a scenario's expectations assume, and to see how
//! the first DC spreads over seeds (the election's age is a seeded stand-in
//! for CPU time, `controller::CpuTime`).
//!
//!     cargo run --release --example dc_by_seed -- FILE [SEEDS]
//!
//! Prints one line per seed (every election won, in order, with its time),
//! then how often each node was the first DC. SEEDS is a count (1..N) or an
//! inclusive range A..B; 20 unless given.

use std::collections::BTreeMap;

use pacesim::runner::{self, Keep};

/// As the `pacesim` binary runs.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write as _;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let Some(file) = a.get(1) else {
        eprintln!("usage: dc_by_seed FILE [SEEDS]");
        std::process::exit(2);
    };
    let s = match pacesim::scenario::load(std::path::Path::new(file)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dc_by_seed: {e}");
            std::process::exit(2);
        }
    };
    let p = match runner::prepare(&s) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("dc_by_seed: {e}");
            std::process::exit(2);
        }
    };
    // Written with errors checked, so that a closed pipe (`| head`) ends
    // the listing quietly instead of panicking.
    let mut stdout = std::io::stdout().lock();
    let seeds = match a.get(2).map(String::as_str) {
        Some(r) if r.contains("..") => {
            let (lo, hi) = r.split_once("..").expect("A..B");
            lo.parse().expect("A")..=hi.parse().expect("B")
        }
        Some(n) => 1..=n.parse().expect("a count"),
        None => 1..=20,
    };
    let mut first: BTreeMap<String, u64> = BTreeMap::new();
    let mut runs = 0;
    for seed in seeds {
        let schedule = p.schedule(seed);
        let keep = Keep {
            timeline: false,
            availability: false,
            story: true,
        };
        let o = p.simulate(seed, &schedule, None, keep);
        let story = o.story.as_ref().expect("story kept");
        let elected = story.elected();
        let line: Vec<String> = elected
            .iter()
            .map(|(t, n)| format!("{n}@{:.1}s", t.as_nanos() as f64 / 1e9))
            .collect();
        if writeln!(stdout, "seed {seed}: {}", line.join(" ")).is_err() {
            return;
        }
        let name = elected.first().map_or("none", |(_, n)| n);
        *first.entry(name.to_string()).or_default() += 1;
        runs += 1;
    }
    for (name, n) in &first {
        let share = 100.0 * *n as f64 / runs as f64;
        if writeln!(stdout, "first DC {name}: {n} of {runs} ({share:.0} %)").is_err() {
            return;
        }
    }
}
