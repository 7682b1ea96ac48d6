//! The reports people look at: `--html` (run, sweep, what-if) and
//! `--status-at`. The HTML is checked as bytes (deterministic, small,
//! self-contained) and, when Chromium is installed, rendered headless:
//! every node has a lane, no script error, the screenshot is not blank.
//! `--status-at` is compared with `crm_mon -1` on the DC's CIB when
//! `crm_mon` is installed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use pacesim::runner;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What `CIB_file=PATH crm_mon -1` prints for `cib`, written to `path`.
fn crm_mon_of(cib: &pacesim::cib::Cib, path: &std::path::Path) -> String {
    std::fs::write(path, cib.to_xml()).unwrap();
    let out = Command::new("crm_mon")
        .arg("-1")
        .env("CIB_file", path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
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
    let theirs = crm_mon_of(&cib, &tmp(&format!("{name}.xml")));
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

/// Every scenario at a quarter, half and three quarters of its run and at
/// its end: `--status-at`'s crm_mon text (the library call the command
/// prints) equals `crm_mon -1` on the DC's CIB written out at that instant.
#[test]
fn crm_mon_agrees_on_every_scenario_at_several_instants() {
    if Command::new("crm_mon").arg("--version").output().is_err() {
        eprintln!("SKIPPED: crm_mon not installed (apt-get install pacemaker-cli-utils)");
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut compared = 0;
    let mut failures = Vec::new();
    for file in &files {
        let s = pacesim::scenario::load(file).unwrap();
        let p = runner::prepare(&s).unwrap();
        let end = s.duration;
        let at: Vec<sim::Duration> = [1, 2, 3, 4]
            .iter()
            .map(|k| sim::Duration::from_nanos(end.as_nanos() / 4 * k))
            .collect();
        let o = p.simulate_with(
            s.seed,
            &p.schedule(s.seed),
            None,
            runner::Keep::default(),
            &at,
        );
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        for snap in &o.snapshots {
            let Some(cib) = &snap.cib else { continue };
            let cib = runner::status::with_dc_properties(cib);
            let theirs = crm_mon_of(&cib, &tmp(&format!("{stem}-{}.xml", snap.at.as_nanos())));
            let ours = runner::status::crm_mon(&cib, runner::status::epoch_of(snap.at));
            compared += 1;
            if normalise_status(&ours) != normalise_status(&theirs) {
                failures.push(format!(
                    "{stem} at {}:\nours:\n{ours}\ncrm_mon:\n{theirs}",
                    snap.at
                ));
            }
        }
    }
    eprintln!(
        "--status-at = crm_mon -1 on the DC's CIB: {}/{compared} (scenario, instant) pairs",
        compared - failures.len()
    );
    assert!(compared >= files.len() * 3, "{compared} comparisons");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The wall clock crm_mon reads is not ours: "Last updated" left out.
fn normalise_status(s: &str) -> Vec<String> {
    s.lines()
        .filter(|l| !l.contains("Last updated:"))
        .map(|l| l.trim_end().to_string())
        .collect()
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

/// The x of every item whose title contains `needle`, after the script
/// laid the page out (`translate(x,` of a marker, `x1` of an arrow).
fn xs_of(dom: &str, needle: &str) -> Vec<f64> {
    let re = regex::Regex::new(
        r#"<g data-a="[^"]*" data-y="[^"]*" transform="translate\(([-0-9.]+),[^"]*">(?:<[^t][^>]*>|<path[^>]*>|</path>)*<title>([^<]*)</title>|<g class="fence"><line data-a="[^"]*" data-b="[^"]*" x1="([-0-9.]+)" x2="([-0-9.]+)"[^>]*>(?:</line>)?<title>([^<]*)</title>"#,
    )
    .unwrap();
    re.captures_iter(dom)
        .filter_map(|c| {
            let (x, title) = match (c.get(1), c.get(3)) {
                (Some(x), _) => (x.as_str(), c.get(2)?.as_str()),
                (None, Some(x1)) => (x1.as_str(), c.get(5)?.as_str()),
                _ => return None,
            };
            title.contains(needle).then(|| x.parse().ok()).flatten()
        })
        .collect()
}

/// Every file of `scenarios/`: its `--html` rendered headless has a lane
/// per node, and every fault, fencing request and expectation drawn
/// within the plot; the sizes are printed (the README's table).
#[test]
fn every_scenario_timeline_renders_with_everything_visible() {
    let browser = chromium();
    if browser.is_none() {
        eprintln!("SKIPPED (browser part): Chromium not installed (apt-get install chromium)");
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let blank = browser.as_deref().map(blank_size);
    let width_re = regex::Regex::new(r#"<svg id="tl"[^>]* width="([0-9.]+)""#).unwrap();
    let mut table = String::from(
        "| scenario | nodes | faults | fencing | checks | HTML bytes | screenshot bytes |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for file in &files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let page = tmp(&format!("scenario-{stem}.html"));
        let html = run_html(file.to_str().unwrap(), &page);
        assert_self_contained(&html);
        let s = pacesim::scenario::load(file).unwrap();
        let o = runner::run(
            &s,
            runner::RunOptions {
                story: true,
                ..runner::RunOptions::default()
            },
        )
        .unwrap();
        let story = o.story.as_ref().unwrap();
        let faults: Vec<String> = o
            .schedule
            .iter()
            .map(|f| format!("FAULT {} (line {})", f.fault.describe(&s.nodes).1, f.line))
            .collect();
        let checks: Vec<String> = o
            .verdicts
            .iter()
            .map(|v| {
                format!(
                    "{} {} (line {})",
                    if v.pass { "PASS" } else { "FAIL" },
                    v.what,
                    v.line
                )
            })
            .collect();
        let fences: Vec<String> = story
            .fencing
            .iter()
            .filter_map(|f| {
                let to = s.nodes.get(f.target?)?;
                Some(format!("asks {} to {} {to}", f.device, f.action))
            })
            .collect();
        let (dom, shot) = match &browser {
            Some(b) => {
                let (dom, errors, size) = render(b, &page, &format!("scenario-{stem}"));
                assert!(errors.is_empty(), "{stem}: script errors: {errors:?}");
                assert!(dom.contains("data-ready=\"1\""), "{stem}: the script ran");
                let blank = blank.unwrap();
                assert!(
                    size > 4 * blank,
                    "{stem}: screenshot {size} B vs blank {blank} B"
                );
                (dom, size.to_string())
            }
            None => (html.clone(), "-".into()),
        };
        let width: f64 = width_re
            .captures(&dom)
            .and_then(|c| c[1].parse().ok())
            .expect("the timeline's width");
        for n in &s.nodes {
            assert!(
                dom.contains(&format!("data-node=\"{n}\"")),
                "{stem}: lane of {n}"
            );
        }
        for what in faults.iter().chain(&checks).chain(&fences) {
            let needle = if browser.is_some() {
                dom_esc(what)
            } else {
                runner::html::esc(what)
            };
            let xs = xs_of(&dom, &needle);
            assert!(!xs.is_empty(), "{stem}: `{what}` is not drawn");
            assert!(
                xs.iter().any(|x| (0.0..=width + 0.5).contains(x)),
                "{stem}: `{what}` drawn outside the plot (x {xs:?}, width {width})"
            );
        }
        let _ = writeln!(
            table,
            "| {stem} | {} | {} | {} | {} | {} | {shot} |",
            s.nodes.len(),
            faults.len(),
            fences.len(),
            checks.len(),
            html.len()
        );
    }
    println!("{table}");
}

/// Text as Chromium serialises it in `--dump-dom` (quotes left as they are).
fn dom_esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
