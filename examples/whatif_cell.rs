//! Prints one what-if cell as the v1 scenario that reproduces it:
//! `cargo run --release --example whatif_cell -- FILE FAULT NODE SEED`.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let s = pacesim::scenario::load(std::path::Path::new(&a[1])).expect("scenario");
    let o = pacesim::runner::whatif::Options {
        at: "2m".into(),
        for_: "5m".into(),
        faults: a[2].clone(),
        nodes: Some(a[3].clone()),
        with: vec![],
        set: vec![],
        seeds: 1,
        jobs: 1,
    };
    let plan = pacesim::runner::whatif::plan(&s, &o).expect("plan");
    print!(
        "{}",
        pacesim::runner::whatif::cell_scenario(&plan, 0, a[4].parse().expect("seed"))
            .expect("text")
    );
}
