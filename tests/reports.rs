//! The reports people look at: `--html` (run, sweep, what-if) and
//! `--status-at`. The HTML is checked as bytes (deterministic, small,
//! self-contained) and, when Chromium is installed, rendered headless:
//! every node has a lane, no script error, the screenshot is not blank.
//! `--status-at` is compared with `crm_mon -1` on the DC's CIB when
//! `crm_mon` is installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use pacesim::runner;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reports");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn pacesim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pacesim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("pacesim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const AP: &str = "scenarios/active-passive-power-loss.toml";

fn run_html(file: &str, out: &Path) -> String {
    let (code, _, err) = pacesim(&["run", file, "--html", out.to_str().unwrap()]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    std::fs::read_to_string(out).unwrap()
}

/// Nothing from the network or another file: no URL but the SVG
/// namespace, no `src=`/`href=` attributes.
fn assert_self_contained(html: &str) {
    let stripped = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!stripped.contains("http://") && !stripped.contains("https://"));
    assert!(!html.contains(" src=") && !html.contains(" href="));
    assert!(html.starts_with("<!DOCTYPE html>"));
}

#[test]
fn run_html_is_deterministic_and_has_a_lane_per_node() {
    let a = run_html(AP, &tmp("ap-a.html"));
    let b = run_html(AP, &tmp("ap-b.html"));
    assert_eq!(a, b, "same seed, same bytes");
    assert_self_contained(&a);
    for n in ["node1", "node2"] {
        assert!(a.contains(&format!("data-node=\"{n}\"")), "lane of {n}");
    }
    // The fault, the fencing arrow (device and result), the checks.
    assert!(a.contains("FAULT power_off"));
    assert!(
        a.contains("asks fence-pdu to reboot node1"),
        "fencing arrow"
    );
    assert!(a.contains("PASS fenced node1 within 40s"));
    // The text report is unchanged by --html.
    let (_, with, _) = pacesim(&["run", AP, "--html", tmp("ap-c.html").to_str().unwrap()]);
    let (_, without, _) = pacesim(&["run", AP]);
    assert_eq!(with, without);
}

#[test]
fn an_hour_with_a_fault_a_minute_stays_well_under_3_mb() {
    let f = tmp("soak-60.toml");
    std::fs::write(&f, runner::soak::toml(60, 1)).unwrap();
    let html = run_html(f.to_str().unwrap(), &tmp("soak-60.html"));
    eprintln!("soak (60 min, a fault a minute): {} bytes", html.len());
    assert!(html.len() < 3_000_000, "{} bytes", html.len());
    for n in ["node1", "node2", "node3"] {
        assert!(html.contains(&format!("data-node=\"{n}\"")));
    }
}

#[test]
fn bad_report_options_exit_2_with_a_message() {
    let (code, _, err) = pacesim(&["run", AP, "--status-at", "99h"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--status-at 99h") && err.contains("after the end"),
        "{err}"
    );
    let (code, _, err) = pacesim(&["run", AP, "--status-at", "soon"]);
    assert_eq!(code, 2);
    assert!(err.contains("--status-at soon"), "{err}");
    let (code, _, err) = pacesim(&["run", AP, "--html", "/nonexistent/dir/t.html"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot write /nonexistent/dir/t.html"),
        "{err}"
    );
    let (code, _, err) = pacesim(&[
        "sweep",
        AP,
        "--seeds",
        "1",
        "--html",
        "/nonexistent/dir/s.html",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot write"), "{err}");
}

#[test]
fn status_at_shows_crm_mon_and_the_ground_truth() {
    // node1 loses power at 60s; at 62s the DC (node2) has not yet seen it
    // go: its CIB still has vip on node1, which the ground truth denies.
    let (code, out, err) = pacesim(&["run", AP, "--status-at", "30s", "--status-at", "62s"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("Cluster Summary:").count(), 2, "{out}");
    assert!(out.contains("=== status at 30.000s ==="));
    assert!(out.contains("* Current DC: node"), "{out}");
    assert!(out.contains("Node List:") && out.contains("Active Resources:"));
    let at62 = out.split("=== status at 62.000s ===").nth(1).unwrap();
    assert!(at62.contains("Node node1: powered off"), "{at62}");
    // The text report before the status blocks is the plain run's.
    let (_, plain, _) = pacesim(&["run", AP]);
    assert!(out.starts_with(&plain));
}

/// The DC's CIB at an instant, through the library.
fn dc_cib(file: &str, at: &str) -> (Vec<String>, runner::status::Snapshot) {
    let s = pacesim::scenario::load(&root().join(file)).unwrap();
    let p = runner::prepare(&s).unwrap();
    let t = pacesim::scenario::parse_duration(at).unwrap();
    let o = p.simulate_with(
        s.seed,
        &p.schedule(s.seed),
        None,
        runner::Keep::default(),
        &[t],
    );
    (s.nodes.clone(), o.snapshots[0].clone())
}

fn crm_mon_oracle(name: &str, file: &str, at: &str) {
    if Command::new("crm_mon").arg("--version").output().is_err() {
        eprintln!("SKIPPED: crm_mon not installed (apt-get install pacemaker-cli-utils)");
        return;
    }
    let (_, snap) = dc_cib(file, at);
    let cib = runner::status::with_dc_properties(&snap.cib.expect("a DC"));
    let path = tmp(&format!("{name}.xml"));
    std::fs::write(&path, cib.to_xml()).unwrap();
    let out = Command::new("crm_mon")
        .arg("-1")
        .env("CIB_file", &path)
        .output()
        .unwrap();
    let theirs = String::from_utf8_lossy(&out.stdout).into_owned();
    let ours = runner::status::crm_mon(&cib, runner::status::epoch_of(snap.at));
    if name.starts_with("faults") {
        assert!(ours.contains("Failed Resource Actions:"), "{ours}");
    }
    // The wall clock crm_mon reads is not ours.
    let norm = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.contains("Last updated:"))
            .map(|l| l.trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        norm(&ours),
        norm(&theirs),
        "\nours:\n{ours}\ncrm_mon:\n{theirs}"
    );
}

#[test]
fn crm_mon_agrees_active_passive_after_failover() {
    crm_mon_oracle("ap-90s", AP, "90s");
}

#[test]
fn crm_mon_agrees_promotable_pair() {
    crm_mon_oracle("promotable-2m", "scenarios/promotable-pair.toml", "2m");
}

#[test]
fn crm_mon_agrees_n_to_n_clone() {
    crm_mon_oracle("clone-2m", "scenarios/n-to-n-clone.toml", "2m");
}

#[test]
fn crm_mon_agrees_with_failed_actions() {
    // web's monitor failed on node1 at 7m.
    crm_mon_oracle(
        "faults-7m30s",
        "scenarios/active-passive-faults.toml",
        "7m30s",
    );
}

// ---------------------------------------------------------------- browser

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
        .map(PathBuf::from)
}

/// Renders a page headless: (DOM after scripts ran, console errors, PNG size).
fn render(browser: &Path, page: &Path, name: &str) -> (String, Vec<String>, u64) {
    let profile = tmp(&format!("chromium-profile-{name}"));
    let _ = std::fs::remove_dir_all(&profile);
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1300,900",
    ];
    let url = format!("file://{}", page.display());
    let dom = Command::new(browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let errors: Vec<String> = String::from_utf8_lossy(&dom.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("Error")))
        .map(str::to_string)
        .collect();
    let png = tmp(&format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    let _ = std::fs::remove_dir_all(&profile);
    let shot = Command::new(browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let size = std::fs::metadata(&png).unwrap().len();
    (
        String::from_utf8_lossy(&dom.stdout).into_owned(),
        errors,
        size,
    )
}

/// A blank page's screenshot size on this browser: a drawn report's PNG
/// must be several times larger (a blank PNG compresses to almost nothing).
fn blank_size(browser: &Path) -> u64 {
    let p = tmp("blank.html");
    std::fs::write(&p, "<!DOCTYPE html><html><body></body></html>").unwrap();
    render(browser, &p, "blank").2
}

#[test]
fn reports_render_in_a_real_browser() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: Chromium not installed (apt-get install chromium)");
        return;
    };
    let blank = blank_size(&browser);
    // run: the four-node N+1 file (partitions, fencing, failures).
    let timeline = tmp("timeline.html");
    run_html("scenarios/n-plus-one.toml", &timeline);
    let (dom, errors, size) = render(&browser, &timeline, "timeline");
    assert!(errors.is_empty(), "script errors: {errors:?}");
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script ran to its end"
    );
    assert!(!dom.contains("data-script-error=\""));
    for n in ["node1", "node2", "node3", "node4"] {
        assert!(dom.contains(&format!("data-node=\"{n}\"")), "lane of {n}");
    }
    assert!(
        size > 4 * blank,
        "timeline screenshot {size} B vs blank {blank} B"
    );
    // sweep
    let sweep = tmp("sweep.html");
    let (code, _, err) = pacesim(&[
        "sweep",
        "scenarios/explore-two-node.toml",
        "--seeds",
        "6",
        "--jobs",
        "1",
        "--html",
        sweep.to_str().unwrap(),
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let (dom, errors, size) = render(&browser, &sweep, "sweep");
    assert!(errors.is_empty(), "script errors: {errors:?}");
    assert!(dom.contains("Checks (runs in which each held)"));
    assert!(
        size > 2 * blank,
        "sweep screenshot {size} B vs blank {blank} B"
    );
    // what-if
    let whatif = tmp("whatif.html");
    let (code, _, err) = pacesim(&[
        "what-if",
        AP,
        "--faults",
        "power_off,kill_stack",
        "--set",
        "totem.token=1s,10s",
        "--seeds",
        "3",
        "--jobs",
        "1",
        "--html",
        whatif.to_str().unwrap(),
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let (dom, errors, size) = render(&browser, &whatif, "whatif");
    assert!(errors.is_empty(), "script errors: {errors:?}");
    assert!(dom.contains("totem.token=10s") && dom.contains("kill_stack"));
    assert!(
        size > 2 * blank,
        "what-if screenshot {size} B vs blank {blank} B"
    );
}
