//! The `pacesim` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use pacesim::simulate::{self, Options};

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
    /// (exit 0: all hold, 1: one does not, 2: the file is wrong).
    Run(RunArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The scenario (TOML, SCENARIO-FORMAT v1).
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
}

#[derive(clap::Args)]
struct SimulateArgs {
    /// The CIB to read.
    #[arg(short = 'x', long = "xml-file")]
    xml_file: Option<PathBuf>,
    /// Compute the transition, execute it and show the revised status.
    #[arg(short = 'S', long = "simulate")]
    simulate: bool,
    /// Compute and execute the transition, showing the actions only.
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
    }
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
            }),
            Err(e) => {
                eprintln!("pacesim: cannot write the trace {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    let outcome = match runner::run(
        &scenario,
        runner::RunOptions {
            seed: args.seed,
            trace,
        },
    ) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("pacesim: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", runner::text(&outcome));
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
