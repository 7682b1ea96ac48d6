//! The `pacesim` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use pacesim::simulate::{self, Options};

/// See Cargo.toml: the many small allocations of a run are cheaper there.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "pacesim",
    version,
    about = "Deterministic simulation testbed for Pacemaker/Corosync clusters"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// What-if analysis of a CIB, as crm_simulate does it.
    Simulate(Box<SimulateArgs>),
    /// Run a scenario on the simulated cluster and check its expectations
    /// (exit 0: all hold, 1: one does not, 2: the file is wrong). The
    /// scenario format is documented in docs/scenario-format.md.
    #[command(
        after_help = "Scenario format: docs/scenario-format.md (every key, fault and expectation, with examples)."
    )]
    Run(RunArgs),
    /// Run a scenario once per seed, in parallel, and sum up: checks held,
    /// event delays, failing seeds (exit 0: every run holds, 1: one does
    /// not, 2: bad file or options). `sweep merge A.json B.json ...` joins
    /// the reports of shards.
    Sweep(SweepArgs),
    /// Failover what-if analysis: each fault on each node under each
    /// combination of settings, over seeds; outages, placements, fencing.
    WhatIf(WhatIfArgs),
    /// Print a CIB file's status as `CIB_file=FILE crm_mon -1` (Pacemaker
    /// 2.1.5) prints it; the same text `run --status-at` prints for the
    /// DC's CIB.
    Status(StatusArgs),
    /// Print the JSON Schema of the scenario format (for editors: save it
    /// with `pacesim schema > pacesim.schema.json` and point Taplo at it).
    Schema,
}

#[derive(clap::Args)]
struct StatusArgs {
    /// The CIB to read.
    file: PathBuf,
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct SweepArgs {
    #[command(subcommand)]
    merge: Option<SweepSub>,
    /// The scenario (TOML; see docs/scenario-format.md).
    file: Option<PathBuf>,
    /// How many seeds (1..N), or an inclusive range A..B.
    #[arg(long, default_value = "100")]
    seeds: String,
    /// Threads (default: every core). The report does not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only the seeds at positions K, K+N, ... of the list (1 <= K <= N).
    #[arg(long)]
    shard: Option<String>,
    /// Writes the report as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Writes the report as one self-contained HTML file.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Shrinks each failing seed's faults (at most 5) into DIR/seed-S.toml.
    #[arg(long)]
    shrink: Option<PathBuf>,
}

#[derive(Subcommand)]
enum SweepSub {
    /// Joins the --json reports of a sweep's shards into one.
    Merge {
        /// The shards' reports.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Writes the merged report as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct WhatIfArgs {
    /// The scenario whose cluster and invariants to take.
    file: PathBuf,
    /// When the fault strikes.
    #[arg(long, default_value = "2m")]
    at: String,
    /// How long the run goes on after it.
    #[arg(long = "for", default_value = "5m")]
    for_: String,
    /// The faults (power_off, crash, kill_stack, isolate, pause[:D],
    /// stop_cluster, standby, resource_fail).
    #[arg(long, default_value = "power_off,crash,kill_stack,isolate")]
    faults: String,
    /// The nodes (default: every node).
    #[arg(long)]
    nodes: Option<String>,
    /// A background fault in every cell, as one v1 fault:
    /// 'fence_device=fence-pdu fail=unreachable', 'at=2m5s link=node1,node2 loss=0.5'.
    #[arg(long = "with")]
    with: Vec<String>,
    /// Vary a setting: KEY=V1,V2,... (totem.token, quorum.NAME,
    /// network.latency, network.loss, node_boot, agents.AGENT.OP,
    /// property.NAME, rsc_defaults.NAME, ...).
    #[arg(long)]
    set: Vec<String>,
    /// Seeds per cell.
    #[arg(long, default_value = "20")]
    seeds: u64,
    /// Threads (default: every core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Writes the cells as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Writes the cell table as one self-contained HTML file.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Writes a scenario file reproducing a violation of each cell here.
    #[arg(long)]
    keep: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The scenario (TOML; see docs/scenario-format.md).
    file: PathBuf,
    /// Overrides the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Writes every event as JSON lines.
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Writes a JUnit XML report.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Writes the run's timeline as one self-contained HTML file.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Prints the cluster at virtual time T as `crm_mon -1` shows it, then
    /// the ground truth where it differs (repeatable).
    #[arg(long = "status-at", value_name = "T")]
    status_at: Vec<String>,
}

#[derive(clap::Args)]
struct SimulateArgs {
    /// The CIB to read.
    #[arg(short = 'x', long = "xml-file")]
    xml_file: Option<PathBuf>,
    /// Compute the transition, execute it and show the revised status.
    #[arg(short = 'S', long = "simulate")]
    simulate: bool,
    /// Compute the transition and show what the cluster would do (its
    /// Transition Summary); nothing is executed.
    #[arg(short = 'R', long = "run")]
    run: bool,
    /// Show allocation scores.
    #[arg(short = 's', long = "show-scores")]
    show_scores: bool,
    /// Print only essential output (with -s, the scores alone).
    #[arg(short = 'Q', long = "quiet")]
    quiet: bool,
    /// Save the transition graph as dot.
    #[arg(short = 'D', long = "save-dotfile")]
    save_dotfile: Option<PathBuf>,
    /// Save the transition graph as XML.
    #[arg(short = 'G', long = "save-graph")]
    save_graph: Option<PathBuf>,
    /// Save the CIB, as modified by the injections, to a file.
    #[arg(short = 'O', long = "save-output")]
    save_output: Option<PathBuf>,
    /// Bring a node online.
    #[arg(short = 'u', long = "node-up")]
    node_up: Vec<String>,
    /// Take a node offline.
    #[arg(short = 'd', long = "node-down")]
    node_down: Vec<String>,
    /// Mark a node as failed.
    #[arg(short = 'f', long = "node-fail")]
    node_fail: Vec<String>,
    /// Inject an operation result: rsc_task_interval@node=rc.
    #[arg(short = 'i', long = "op-inject")]
    op_inject: Vec<String>,
    /// Make an action fail while executing: rsc_task_interval@node=rc.
    #[arg(short = 'F', long = "op-fail")]
    op_fail: Vec<String>,
    /// Set quorum: true or false.
    #[arg(short = 'q', long = "quorum")]
    quorum: Option<String>,
    /// The date and time to use (ISO 8601).
    #[arg(short = 't', long = "set-datetime")]
    set_datetime: Option<String>,
    /// Run every CIB in a directory in one process and print the time each took.
    #[arg(short = 'P', long = "profile")]
    profile: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Simulate(args) => simulate_cmd(*args),
        Command::Run(args) => run_cmd(args),
        Command::Sweep(args) => sweep_cmd(args),
        Command::WhatIf(args) => whatif_cmd(args),
        Command::Status(args) => status_cmd(args),
        Command::Schema => {
            let schema = pacesim::scenario::keys::schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("a JSON value prints")
            );
            ExitCode::SUCCESS
        }
    }
}

fn status_cmd(args: StatusArgs) -> ExitCode {
    let cib = match pacesim::cib::load(&args.file) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    // crm_mon stamps "Last updated" with the wall clock and evaluates
    // rules at it; so does this front end (the library never reads a clock).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    print!("{}", pacesim::runner::status::crm_mon(&cib, now));
    ExitCode::SUCCESS
}

fn simulate_cmd(args: SimulateArgs) -> ExitCode {
    if let Some(dir) = &args.profile {
        return match simulate::profile_dir(dir) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pacesim: {e}");
                ExitCode::from(2)
            }
        };
    }
    let Some(file) = &args.xml_file else {
        eprintln!("pacesim: simulate needs -x FILE (or -P DIR)");
        return ExitCode::from(2);
    };
    // crm_simulate reads the wall clock for CIBs without an execution
    // date and for the times it stamps on injected results; so does this
    // front end (the library itself never reads a clock).
    let wall_clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .ok();
    let opts = Options {
        simulate: args.simulate,
        run: args.run,
        show_scores: args.show_scores,
        quiet: args.quiet,
        save_dot: args.save_dotfile,
        save_graph: args.save_graph,
        save_output: args.save_output,
        node_up: args.node_up,
        node_down: args.node_down,
        node_fail: args.node_fail,
        op_inject: args.op_inject,
        op_fail: args.op_fail,
        quorum: args.quorum,
        set_datetime: args.set_datetime,
        wall_clock,
    };
    match simulate::run_file(file, &opts) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pacesim: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_cmd(args: RunArgs) -> ExitCode {
    use pacesim::runner;
    let scenario = match pacesim::scenario::load(&args.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pacesim: {e}");
            return ExitCode::from(2);
        }
    };
    let trace = match &args.trace {
        None => None,
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Some(sim::TraceConfig {
                sink: sim::TraceSink::Writer(Box::new(std::io::BufWriter::new(f))),
                bodies: true,
                step_messages: false,
            }),
            Err(e) => {
                eprintln!("pacesim: cannot write the trace {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    let mut status_at = Vec::new();
    for t in &args.status_at {
        match pacesim::scenario::parse_duration(t) {
            Ok(d) if d <= scenario.duration => status_at.push(d),
            Ok(_) => {
                return fail(format!(
                    "--status-at {t}: after the end of the run ({})",
                    scenario.duration
                ))
            }
            Err(e) => return fail(format!("--status-at {t}: {e}")),
        }
    }
    if let Err(e) = writable(&args.html) {
        return fail(e);
    }
    let outcome = match runner::run(
        &scenario,
        runner::RunOptions {
            seed: args.seed,
            trace,
            story: args.html.is_some(),
            status_at,
        },
    ) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("pacesim: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", runner::text(&outcome));
    for snap in &outcome.snapshots {
        print!("\n{}", runner::status::text(&scenario.nodes, snap));
    }
    if let Some(path) = &args.html {
        let page = runner::html::timeline(&scenario.expects, &outcome);
        if let Err(e) = std::fs::write(path, page) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
    }
    if let Some(path) = &args.junit {
        if let Err(e) = std::fs::write(path, runner::junit(&outcome)) {
            eprintln!("pacesim: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if outcome.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Refuses an `--html` path that cannot be written before the runs start.
fn writable(path: &Option<PathBuf>) -> Result<(), String> {
    match path {
        Some(p) => std::fs::write(p, "").map_err(|e| format!("cannot write {}: {e}", p.display())),
        None => Ok(()),
    }
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("pacesim: {msg}");
    ExitCode::from(2)
}

fn jobs(j: Option<usize>) -> Result<usize, String> {
    match j {
        Some(0) => Err("--jobs 0: at least one thread".into()),
        Some(n) if n > 1024 => Err(format!("--jobs {n}: at most 1024 threads")),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

fn sweep_cmd(args: SweepArgs) -> ExitCode {
    use pacesim::runner::{self, shrink, sweep};
    use std::io::IsTerminal;
    if let Some(SweepSub::Merge { reports, json }) = args.merge {
        let mut parts = Vec::new();
        for path in &reports {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return fail(format!("cannot read {}: {e}", path.display())),
            };
            match serde_json::from_str::<sweep::Report>(&text) {
                Ok(r) => parts.push(r),
                Err(e) => return fail(format!("{}: not a sweep report: {e}", path.display())),
            }
        }
        let merged = match sweep::merge(&parts) {
            Ok(m) => m,
            Err(e) => return fail(e),
        };
        print!("{}", sweep::text(&merged));
        if let Some(path) = json {
            if let Err(e) = std::fs::write(&path, sweep::json(&merged)) {
                return fail(format!("cannot write {}: {e}", path.display()));
            }
        }
        return if merged.passed == merged.runs {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let Some(file) = args.file else {
        return fail("sweep needs a scenario FILE (or `sweep merge A.json ...`)");
    };
    let mut seeds = match sweep::parse_seeds(&args.seeds) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if let Some(sh) = &args.shard {
        match sweep::parse_shard(sh) {
            Ok(k) => seeds = sweep::shard(&seeds, k),
            Err(e) => return fail(e),
        }
    }
    let jobs = match jobs(args.jobs) {
        Ok(j) => j,
        Err(e) => return fail(e),
    };
    let scenario = match pacesim::scenario::load(&file) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let prepared = match runner::prepare(&scenario) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if let Err(e) = writable(&args.html) {
        return fail(e);
    }
    let shown = file.display().to_string();
    let progress = std::io::stderr().is_terminal();
    let report = match sweep::sweep(&prepared, &shown, &seeds, jobs, progress) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    print!("{}", sweep::text(&report));
    if let Some(path) = &args.html {
        if let Err(e) = std::fs::write(path, runner::html::sweep(&report)) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
    }
    if let Some(w) = report.wall_clock {
        eprintln!(
            "{} runs in {:.2} s on {jobs} thread(s): {:.0} runs/s",
            report.runs, w.seconds, w.runs_per_s
        );
    }
    if let Some(path) = &args.json {
        if let Err(e) = std::fs::write(path, sweep::json(&report)) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
    }
    if let Some(dir) = &args.shrink {
        let failing: Vec<&sweep::SeedResult> =
            report.seeds.iter().filter(|s| !s.passed).take(5).collect();
        if !failing.is_empty() {
            println!("\nshrunk:");
        }
        for s in failing {
            // The first failing check, by its words (lines may move).
            let what = s.failed[0]
                .rsplit_once(" (line ")
                .map_or(s.failed[0].as_str(), |(w, _)| w);
            match shrink::shrink(&prepared, s.seed, what) {
                None => println!("  seed {}: {what} did not fail again", s.seed),
                Some(found) => match shrink::write(dir, &prepared, s.seed, &found) {
                    Ok(path) => println!(
                        "  seed {}: {what}: {} faults -> {} ({} runs): {}",
                        s.seed,
                        found.before,
                        found.schedule.len(),
                        found.runs,
                        path.display()
                    ),
                    Err(e) => return fail(e),
                },
            }
        }
    }
    if report.passed == report.runs {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn whatif_cmd(args: WhatIfArgs) -> ExitCode {
    use pacesim::runner::whatif;
    let jobs = match jobs(args.jobs) {
        Ok(j) => j,
        Err(e) => return fail(e),
    };
    let scenario = match pacesim::scenario::load(&args.file) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let opts = whatif::Options {
        at: args.at,
        for_: args.for_,
        faults: args.faults,
        nodes: args.nodes,
        with: args.with,
        set: args.set,
        seeds: args.seeds,
        jobs,
    };
    let plan = match whatif::plan(&scenario, &opts) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if let Err(e) = writable(&args.html) {
        return fail(e);
    }
    let cells = match whatif::run(&plan, &opts) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    print!("{}", whatif::text(&plan, &cells));
    if let Some(path) = &args.html {
        if let Err(e) = std::fs::write(path, pacesim::runner::html::whatif(&plan, &cells)) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
    }
    if let Some(path) = &args.json {
        if let Err(e) = std::fs::write(path, whatif::json(&cells)) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
    }
    if let Some(dir) = &args.keep {
        match whatif::keep(dir, &plan, &cells) {
            Ok(paths) => {
                for p in paths {
                    println!("kept: {}", p.display());
                }
            }
            Err(e) => return fail(e),
        }
    }
    if cells.iter().any(|c| c.violations > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
