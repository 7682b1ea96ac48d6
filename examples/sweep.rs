//! A seed sweep of the soak scenario (`runner::soak`): one hour on three
//! nodes with a fault a minute, per seed, optionally with message loss.
//!
//!     cargo run --release --example sweep -- SEEDS [LOSS]
//!
//! Prints every invariant violation and how many seeds had one.

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let loss: f64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    let mut bad = 0;
    for seed in 1..=n {
        let mut text = pacesim::runner::soak::toml(60, seed);
        text = text.replace(
            "[cluster]\n",
            &format!("[network]\nloss = {loss}\n\n[cluster]\n"),
        );
        let s = pacesim::scenario::parse(&text, std::path::Path::new("soak.toml")).unwrap();
        let o = pacesim::runner::run(&s, Default::default()).unwrap();
        if !o.passed() {
            bad += 1;
            for v in o.invariants.iter().filter(|v| !v.pass) {
                println!("seed {seed}: {}: {}", v.what, v.observed);
            }
        }
    }
    println!("{bad} of {n} seeds violated an invariant");
}
