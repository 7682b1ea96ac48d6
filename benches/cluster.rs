//! One hour of virtual time on three nodes with a fault every minute
//! (`runner::soak`), every invariant checked after every event. The figure
//! of merit is virtual time over real time: 3,600 s divided by the time per
//! iteration.

use criterion::{criterion_group, criterion_main, Criterion};

use pacesim::runner::{self, soak, RunOptions};

fn hour_of_faults(c: &mut Criterion) {
    let text = soak::toml(60, 1);
    let s = pacesim::scenario::parse(&text, std::path::Path::new("soak.toml")).expect("valid");
    let mut g = c.benchmark_group("cluster");
    g.sample_size(10);
    g.bench_function("one hour, three nodes, a fault a minute", |b| {
        b.iter(|| {
            let o = runner::run(
                &s,
                RunOptions {
                    seed: None,
                    trace: Some(sim::TraceConfig {
                        sink: sim::TraceSink::Off,
                        bodies: false,
                    }),
                    ..Default::default()
                },
            )
            .expect("runs");
            assert!(o.passed(), "{}", runner::text(&o));
            o.steps
        })
    });
    g.finish();
}

criterion_group!(benches, hour_of_faults);
criterion_main!(benches);
