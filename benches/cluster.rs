//! The cluster's speed, as sweeps use it (trace off, no timeline):
//! - one hour of virtual time on three nodes with a fault every minute
//!   (`runner::soak`), every invariant checked after every event; the
//!   figure of merit is virtual time over real time, 3,600 s divided by the
//!   time per iteration;
//! - one seed of the two-node power-loss scenario, as `pacesim sweep` runs
//!   it; runs a minute on two cores = 2 × 60 s divided by the time per
//!   iteration.

use criterion::{criterion_group, criterion_main, Criterion};

use pacesim::runner::{self, soak, Keep};

/// As the `pacesim` binary runs (see Cargo.toml).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn hour_of_faults(c: &mut Criterion) {
    let text = soak::toml(60, 1);
    let s = pacesim::scenario::parse(&text, std::path::Path::new("soak.toml")).expect("valid");
    let p = runner::prepare(&s).expect("prepares");
    let mut g = c.benchmark_group("cluster");
    g.sample_size(10);
    g.bench_function("one hour, three nodes, a fault a minute", |b| {
        b.iter(|| {
            let o = p.simulate(1, &p.schedule(1), None, Keep::default());
            assert!(o.passed());
            o.steps
        })
    });
    g.finish();
}

fn sweep_run(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/active-passive-power-loss.toml");
    let s = pacesim::scenario::load(&path).expect("valid");
    let p = runner::prepare(&s).expect("prepares");
    let mut g = c.benchmark_group("sweep");
    g.sample_size(30);
    let mut seed = 0;
    g.bench_function("one seed of the two-node power-loss scenario", |b| {
        b.iter(|| {
            seed += 1;
            let o = runner::sweep::run_seed(&p, seed);
            assert!(o.passed());
            o.steps
        })
    });
    g.finish();
}

criterion_group!(benches, hour_of_faults, sweep_run);
criterion_main!(benches);
