//! The timeline of one run (`pacesim run --html`): a lane per node along
//! virtual time, faults, checks and fencing on rows of their own, and the
//! script that zooms into a time window.

use super::*;

pub(super) fn ms(t: Instant) -> u64 {
    t.as_nanos() / 1_000_000
}

pub(super) const LEFT: f64 = 150.0;
/// The most fencing labels shown at once.
pub(super) const MAX_LABELS: usize = 12;
pub(super) const WIDTH: f64 = 1100.0;
/// Room right of the time axis's end, so that a marker at the last instant
/// (a `converged` check, a fault at the end) is drawn whole, not halved.
pub(super) const END_MARGIN: f64 = 8.0;
pub(super) const ROW: f64 = 14.0;

/// Colours, one per state (also the legend).
pub(super) const C_OFF: &str = "#9e9e9e";
pub(super) const C_BOOT: &str = "#f2c94c";
pub(super) const C_UP: &str = "#cfe8cf";
pub(super) const C_HALT: &str = "#5d4037";
pub(super) const C_STACK: &str = "#6fbf73";
pub(super) const C_KILLED: &str = "#e57373";
pub(super) const C_PAUSED: &str = "#90caf9";
pub(super) const C_QUORATE: &str = "#2e7d32";
pub(super) const C_DC: &str = "#f9a825";
pub(super) const C_STARTED: &str = "#4e79a7";
pub(super) const C_PROMOTED: &str = "#8e24aa";

struct Svg {
    /// The plot's items (laid out by time).
    plot: String,
    /// The left column's labels.
    left: String,
    end_ms: u64,
}

impl Svg {
    fn x(&self, t: u64) -> f64 {
        t as f64 * WIDTH / self.end_ms.max(1) as f64
    }

    /// A span from `a` to `b` (ms) on row `y`.
    fn span(&mut self, a: u64, b: u64, y: f64, h: f64, fill: &str, title: &str) {
        let (x0, x1) = (self.x(a), self.x(b));
        let _ = writeln!(
            self.plot,
            "<rect data-a=\"{a}\" data-b=\"{b}\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{fill}\"><title>{}</title></rect>",
            (x1 - x0).max(0.5),
            esc(title)
        );
    }

    /// A marker at `a` (ms): a shape drawn around (0, 0), moved to row `y`.
    fn mark(&mut self, a: u64, y: f64, shape: &str, title: &str) {
        let _ = writeln!(
            self.plot,
            "<g data-a=\"{a}\" data-y=\"{y:.1}\" transform=\"translate({:.1},{y:.1})\">{shape}<title>{}</title></g>",
            self.x(a),
            esc(title)
        );
    }

    fn label(&mut self, y: f64, text: &str, class: &str) {
        let _ = writeln!(
            self.left,
            "<text x=\"6\" y=\"{:.1}\" class=\"{class}\">{}</text>",
            y + ROW - 3.0,
            esc(text)
        );
    }
}

/// Spans of a change list up to `end`: (from, to, value).
pub(super) fn spans<T: Clone>(c: &[(Instant, T)], end: u64) -> Vec<(u64, u64, T)> {
    let mut out = Vec::new();
    for (i, (t, v)) in c.iter().enumerate() {
        let b = c.get(i + 1).map_or(end, |(n, _)| ms(*n)).min(end);
        let a = ms(*t).min(end);
        if b > a {
            out.push((a, b, v.clone()));
        }
    }
    out
}

pub(super) fn at(t: u64) -> String {
    format!("{}.{:03}s", t / 1000, t % 1000)
}

/// When an expectation is judged, for its marker: a point expectation at
/// its instant, an event at its first sighting (else the end), `converged`
/// at the end.
pub(super) fn expect_at(e: &Expect, o: &Outcome, end: u64) -> u64 {
    match e {
        Expect::Point { at, .. } => at.as_millis(),
        Expect::Converged { .. } => end,
        Expect::Event { event, .. } => {
            let want = match event {
                Event::Fenced(n) => crate::runner::Seen::Fenced(n.clone()),
                Event::Recovered(r) => crate::runner::Seen::Recovered(r.value.clone()),
                Event::Elected(n) => crate::runner::Seen::Elected(n.clone()),
            };
            o.seen
                .iter()
                .find(|(_, s)| *s == want)
                .map_or(end, |(t, _)| ms(*t))
        }
    }
}

/// The primitives ever active anywhere, in id order.
pub(super) fn prims_of(story: &Story) -> Vec<String> {
    let mut v: Vec<String> = story
        .lanes
        .iter()
        .flat_map(|l| l.rsc.iter())
        .filter(|(_, c)| c.iter().any(|(_, a)| a.is_some()))
        .map(|(r, _)| r.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `pacesim run FILE --html OUT`: the timeline of one run (the outcome
/// must have been run with `story` kept).
pub fn timeline(expects: &[Expect], o: &Outcome) -> String {
    let empty = Story::default();
    let story = o.story.as_ref().unwrap_or(&empty);
    let names = &story.names;
    let end = o.duration.as_millis().max(1);
    let mut g = Svg {
        plot: String::new(),
        left: String::new(),
        end_ms: end,
    };
    let prims = prims_of(story);
    let mut y = 22.0; // below the axis
                      // Cluster-wide rows: faults, checks.
    let faults_y = y;
    g.label(y, "faults", "lab");
    for f in &o.schedule {
        let (who, what) = f.fault.describe(names);
        let t = f.at.as_millis();
        let title = format!("{} {who}: FAULT {what} (line {})", at(t), f.line);
        g.mark(
            t,
            faults_y + ROW / 2.0,
            "<path d=\"M0,-6L5,5H-5Z\" fill=\"#d84315\"/>",
            &title,
        );
    }
    y += ROW + 4.0;
    let checks_y = y;
    g.label(y, "checks", "lab");
    for (i, v) in o.verdicts.iter().enumerate() {
        let t = expects.get(i).map_or(end, |e| expect_at(e, o, end));
        let fill = if v.pass { "#2e7d32" } else { "#c62828" };
        let title = format!(
            "{} {} {} (line {}): {}",
            at(t),
            if v.pass { "PASS" } else { "FAIL" },
            v.what,
            v.line,
            v.observed
        );
        g.mark(
            t,
            checks_y + ROW / 2.0,
            &format!("<path d=\"M0,-6L6,0L0,6L-6,0Z\" fill=\"{fill}\"/>"),
            &title,
        );
    }
    for viol in &o.violations {
        let t = ms(viol.at);
        let title = format!(
            "{} VIOLATION {}: {}",
            at(t),
            viol.invariant.name(),
            viol.detail
        );
        g.mark(
            t,
            checks_y + ROW / 2.0,
            "<path d=\"M-5,-5L5,5M5,-5L-5,5\" stroke=\"#c62828\" stroke-width=\"2.5\"/>",
            &title,
        );
    }
    y += ROW + 10.0;
    // One lane per node.
    let mut lane_y = Vec::new();
    for (i, lane) in story.lanes.iter().enumerate() {
        let name = &names[i];
        let top = y;
        let rows = 4 + prims.len();
        let height = 18.0 + rows as f64 * ROW + 6.0;
        let _ = writeln!(
            g.left,
            "<rect x=\"0\" y=\"{top:.1}\" width=\"{}\" height=\"{height:.1}\" fill=\"{}\"/>",
            LEFT + WIDTH,
            if i % 2 == 0 { "#fafafa" } else { "#f0f4f8" }
        );
        let _ = writeln!(
            g.left,
            "<text x=\"6\" y=\"{:.1}\" class=\"lab node\" data-node=\"{}\" style=\"font-size:13px\">{}</text>",
            top + 14.0,
            esc(name),
            esc(name)
        );
        y += 18.0;
        lane_y.push(y);
        // power
        g.label(y, "power", "");
        for (a, b, p) in spans(&lane.power, end) {
            let (fill, word) = match p {
                Some(Power::Off) | None => (C_OFF, "power off"),
                Some(Power::Booting) => (C_BOOT, "booting"),
                Some(Power::Up) => (C_UP, "up"),
                Some(Power::Halted) => (C_HALT, "halted (crashed)"),
            };
            g.span(
                a,
                b,
                y + 2.0,
                ROW - 4.0,
                fill,
                &format!("{} {name}: {word} (until {})", at(a), at(b)),
            );
        }
        y += ROW;
        g.label(y, "stack", "");
        for (a, b, s) in spans(&lane.stack, end) {
            let (fill, word) = match s {
                Some(Stack::Up) => (C_STACK, "cluster stack running"),
                Some(Stack::Paused) => (C_PAUSED, "paused"),
                Some(Stack::Killed) => (C_KILLED, "cluster stack killed"),
                Some(Stack::Down) | None => continue,
            };
            g.span(
                a,
                b,
                y + 2.0,
                ROW - 4.0,
                fill,
                &format!("{} {name}: {word} (until {})", at(a), at(b)),
            );
        }
        y += ROW;
        g.label(y, "membership", "");
        for (a, b, r) in spans(&lane.ring, end) {
            let Some((seq, members)) = r else { continue };
            let full = members.len() == names.len();
            let fill = if full {
                "#80cbc4"
            } else if seq % 2 == 0 {
                "#ffcc80"
            } else {
                "#ffb74d"
            };
            let title = format!(
                "{} {name}: membership [{}] (ring {seq}) until {}",
                at(a),
                members.join(" "),
                at(b)
            );
            g.span(a, b, y + 2.0, ROW - 4.0, fill, &title);
            let _ = writeln!(
                g.plot,
                "<line data-a=\"{a}\" data-b=\"{a}\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#555\"/>",
                g.x(a),
                y + 1.0,
                y + ROW - 1.0
            );
        }
        y += ROW;
        g.label(y, "quorum, DC", "");
        for (a, b, q) in spans(&lane.quorate, end) {
            if q {
                g.span(
                    a,
                    b,
                    y + 2.0,
                    4.0,
                    C_QUORATE,
                    &format!("{} {name}: quorate (until {})", at(a), at(b)),
                );
            }
        }
        for (a, b, dc) in spans(&lane.dc, end) {
            if dc {
                g.span(
                    a,
                    b,
                    y + 7.0,
                    6.0,
                    C_DC,
                    &format!("{} {name}: DC (until {})", at(a), at(b)),
                );
            }
        }
        y += ROW;
        for p in &prims {
            g.label(y, p, "");
            if let Some(c) = lane.rsc.get(p) {
                for (a, b, act) in spans(c, end) {
                    let (fill, word) = match act {
                        Some(Activity::Started) => (C_STARTED, "active"),
                        Some(Activity::Promoted) => (C_PROMOTED, "promoted"),
                        None => continue,
                    };
                    g.span(
                        a,
                        b,
                        y + 2.0,
                        ROW - 4.0,
                        fill,
                        &format!("{} {name}: {p} {word} (until {})", at(a), at(b)),
                    );
                }
            }
            for (t, r) in &lane.failed {
                if r == p {
                    let t = ms(*t);
                    g.mark(
                        t,
                        y + ROW / 2.0,
                        "<path d=\"M-4,-4L4,4M4,-4L-4,4\" stroke=\"#c62828\" stroke-width=\"2\"/>",
                        &format!("{} {name}: {p} failed (injected)", at(t)),
                    );
                }
            }
            y += ROW;
        }
        y += 6.0;
    }
    // Fencing arrows, from the asking node's lane to the target's; a run
    // of the same failing attempt (retries) is one arrow, counted.
    let mut runs: Vec<(&crate::runner::story::Fencing, Option<Instant>, usize)> = Vec::new();
    for f in &story.fencing {
        if let Some(last) = runs.last_mut() {
            let p = last.0;
            let same = p.from == f.from
                && p.target == f.target
                && p.device == f.device
                && p.action == f.action
                && p.result == f.result
                && f.result != "OK";
            if same {
                last.1 = f.done;
                last.2 += 1;
                continue;
            }
        }
        runs.push((f, f.done, 1));
    }
    // Labels only where they can be read: a dozen at most in view (the
    // script re-decides on zoom); the arrows' titles always tell.
    let hide = if runs.len() > MAX_LABELS {
        " style=\"display:none\""
    } else {
        ""
    };
    for (f, done, count) in runs {
        let (Some(from_y), Some(to)) = (lane_y.get(f.from), f.target) else {
            continue;
        };
        let Some(to_y) = lane_y.get(to) else { continue };
        let a = ms(f.at);
        let b = done.map_or(end, ms).max(a);
        let ok = f.result == "OK";
        let times = if count > 1 {
            format!(" ({count} attempts)")
        } else {
            String::new()
        };
        let colour = if ok { "#37474f" } else { "#c62828" };
        let title = format!(
            "{} {} asks {} to {} {} (outlet {}): {}{times} at {}",
            at(a),
            names.get(f.from).map_or("?", |s| s.as_str()),
            f.device,
            f.action,
            names.get(to).map_or("?", |s| s.as_str()),
            f.outlet,
            f.result,
            at(b)
        );
        let (y1, y2) = (from_y + 7.0, to_y + 7.0);
        let _ = writeln!(
            g.plot,
            "<g class=\"fence\"><line data-a=\"{a}\" data-b=\"{b}\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y1:.1}\" y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"2\"{} marker-end=\"url(#{})\"/><title>{}</title></g>",
            g.x(a),
            g.x(b),
            if ok { "" } else { " stroke-dasharray=\"4 2\"" },
            if ok { "arrow" } else { "arrowbad" },
            esc(&title)
        );
        let label = format!("{} {}: {}{times}", f.device, f.action, f.result);
        // A success is labelled at its arrow's head, a failure at its
        // tail (a success often follows a failure closely).
        let (lx, ly) = if ok {
            (b, (y1 + y2) / 2.0)
        } else {
            (a, y1 - 4.0)
        };
        let _ = writeln!(
            g.plot,
            "<text class=\"flab\" data-a=\"{lx}\" data-dx=\"4\" x=\"{:.1}\" y=\"{ly:.1}\" fill=\"{colour}\"{hide}>{}<title>{}</title></text>",
            g.x(lx) + 4.0,
            esc(&label),
            esc(&title)
        );
    }
    for fd in &story.fenced {
        let Some(by_y) = lane_y.get(fd.by) else {
            continue;
        };
        if !names.contains(&fd.target) {
            continue;
        }
        let a = ms(fd.at);
        let title = format!(
            "{} {}: fenced {} by {}",
            at(a),
            names[fd.by],
            fd.target,
            fd.devices.join(", ")
        );
        g.mark(
            a,
            by_y + ROW + 7.0,
            "<circle r=\"3.5\" fill=\"#37474f\"/>",
            &title,
        );
    }
    let total_h = y + 4.0;
    // The axis (re-drawn by the script on zoom).
    let mut axis = String::new();
    for (t, x) in ticks(0, end, WIDTH) {
        let _ = write!(
            axis,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"14\" y2=\"{total_h:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"11\"{}>{}</text>",
            // A label at the axis's end is written leftwards from its tick.
            if x > WIDTH - 40.0 { x - 2.0 } else { x + 2.0 },
            if x > WIDTH - 40.0 { " text-anchor=\"end\"" } else { "" },
            esc(&tick_label(t))
        );
    }
    let mut body = String::new();
    let failed = o.all_verdicts().filter(|v| !v.pass).count();
    let _ = writeln!(
        body,
        "<h1>{} <span class=\"{}\">{}</span></h1>\n<div>seed {} · {} of virtual time · {} faults · {} checks, {} failed</div>",
        esc(&o.name),
        if o.passed() { "pass" } else { "fail" },
        if o.passed() { "PASS" } else { "FAIL" },
        o.seed,
        o.duration,
        o.schedule.len(),
        o.all_verdicts().count(),
        failed
    );
    let _ = writeln!(
        body,
        "<div class=\"ctl\">window from <input id=\"t0\" type=\"number\" min=\"0\" step=\"any\" value=\"0\"> s to <input id=\"t1\" type=\"number\" min=\"0\" step=\"any\" value=\"{}\"> s \
<button id=\"apply\">show</button><button id=\"all\">whole run</button><button id=\"zin\">zoom in</button><button id=\"zout\">zoom out</button><button id=\"left\">&#9664;</button><button id=\"right\">&#9654;</button> <small>(or drag across the plot to zoom; hover any item for its trace line)</small></div>",
        end as f64 / 1000.0
    );
    let _ = writeln!(
        body,
        "<svg id=\"tl\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{total_h:.0}\" data-end=\"{end}\">\n\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10Z\" fill=\"#37474f\"/></marker>\
<marker id=\"arrowbad\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10Z\" fill=\"#c62828\"/></marker></defs>\n\
{}<svg id=\"plot\" x=\"{LEFT}\" y=\"0\" width=\"{}\" data-w=\"{WIDTH}\" height=\"{total_h:.0}\"><g id=\"axis\">{axis}</g>\n{}</svg></svg>",
        LEFT + WIDTH + END_MARGIN + 10.0,
        g.left,
        WIDTH + END_MARGIN,
        g.plot
    );
    let sw =
        |c: &str, w: &str| format!("<span><i class=\"sw\" style=\"background:{c}\"></i>{w}</span>");
    let _ = writeln!(
        body,
        "<div class=\"legend\">{}{}{}{}{}{}{}{}{}{}{}{}<span>&#9650; fault</span><span class=\"pass\">&#9670; check held</span><span class=\"fail\">&#9670; check failed, &#10005; violation</span><span>&#10230; fencing (dashed: failed)</span></div>",
        sw(C_OFF, "off"),
        sw(C_BOOT, "booting"),
        sw(C_UP, "up"),
        sw(C_HALT, "halted"),
        sw(C_STACK, "stack running"),
        sw(C_KILLED, "stack killed"),
        sw(C_PAUSED, "paused"),
        sw("#80cbc4", "full membership"),
        sw("#ffb74d", "partial membership"),
        sw(C_QUORATE, "quorate"),
        sw(C_DC, "DC"),
        sw(C_STARTED, "active") + &sw(C_PROMOTED, "promoted"),
    );
    body.push_str("<h2>Checks</h2>\n<table><tr><th></th><th>expected</th><th>observed</th></tr>\n");
    for v in o.all_verdicts() {
        let _ = writeln!(
            body,
            "<tr><td class=\"{}\">{}</td><td>{}{}</td><td>{}</td></tr>",
            if v.pass { "pass" } else { "fail" },
            if v.pass { "PASS" } else { "FAIL" },
            esc(&v.what),
            if v.line > 0 {
                format!(" (line {})", v.line)
            } else {
                String::new()
            },
            esc(&v.observed)
        );
    }
    body.push_str("</table>\n");
    page(&format!("pacesim run: {}", o.name), &body, TIMELINE_JS)
}

pub(super) fn ticks(t0: u64, t1: u64, width: f64) -> Vec<(u64, f64)> {
    let span = (t1 - t0).max(1) as f64;
    let want = 10.0;
    let raw = span / want;
    let steps: [u64; 16] = [
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000,
    ];
    let step = steps
        .iter()
        .copied()
        .find(|s| *s as f64 >= raw)
        .unwrap_or(600_000);
    let mut out = Vec::new();
    let mut t = t0.div_ceil(step) * step;
    while t <= t1 {
        out.push((t, (t - t0) as f64 * width / span));
        t += step;
    }
    out
}

pub(super) fn tick_label(t: u64) -> String {
    if t.is_multiple_of(60_000) && t > 0 {
        format!("{}m", t / 60_000)
    } else if t > 60_000 && t.is_multiple_of(1000) {
        format!("{}m{}s", t / 60_000, (t % 60_000) / 1000)
    } else if t.is_multiple_of(1000) {
        format!("{}s", t / 1000)
    } else {
        format!("{}.{:03}s", t / 1000, t % 1000)
    }
}

/// Re-lays every item with `data-a` for the window [t0, t1] (ms).
pub(super) const TIMELINE_JS: &str = r#"(function(){try{
var svg=document.getElementById('tl'),plot=document.getElementById('plot'),axis=document.getElementById('axis');
var END=+svg.getAttribute('data-end'),W=+plot.getAttribute('data-w'),H=+plot.getAttribute('height');
var i0=document.getElementById('t0'),i1=document.getElementById('t1'),win=[0,END];
var NS='http://www.w3.org/2000/svg';
function X(t){return (t-win[0])*W/(win[1]-win[0]);}
function lab(t){return t%60000==0&&t>0?(t/60000)+'m':(t>60000&&t%1000==0?Math.floor(t/60000)+'m'+(t%60000)/1000+'s':(t%1000==0?(t/1000)+'s':(t/1000).toFixed(3)+'s'));}
function draw(){
 var els=plot.querySelectorAll('[data-a]');
 for(var k=0;k<els.length;k++){var e=els[k],a=+e.getAttribute('data-a'),b=e.getAttribute('data-b');
  if(e.tagName=='g'){e.setAttribute('transform','translate('+X(a).toFixed(1)+','+e.getAttribute('data-y')+')');}
  else if(e.tagName=='rect'){var x0=Math.max(-10,X(a)),x1=Math.min(W+10,X(+b));e.setAttribute('x',x0.toFixed(1));e.setAttribute('width',Math.max(0.5,x1-x0).toFixed(1));if(x1<0||x0>W)e.setAttribute('width','0');}
  else if(e.tagName=='line'){e.setAttribute('x1',X(a).toFixed(1));e.setAttribute('x2',X(+b).toFixed(1));}
  else if(e.tagName=='text'){e.setAttribute('x',(X(a)+(+e.getAttribute('data-dx')||0)).toFixed(1));}}
 while(axis.firstChild)axis.removeChild(axis.firstChild);
 var span=win[1]-win[0],st=[1,2,5,10,20,50,100,200,500,1000,2000,5000,10000,30000,60000,300000,600000],s=600000;
 for(var j=0;j<st.length;j++){if(st[j]>=span/10){s=st[j];break;}}
 for(var t=Math.ceil(win[0]/s)*s;t<=win[1];t+=s){var x=X(t),l=document.createElementNS(NS,'line');
  l.setAttribute('x1',x);l.setAttribute('x2',x);l.setAttribute('y1',14);l.setAttribute('y2',H);l.setAttribute('stroke','#ddd');axis.appendChild(l);
  var tx=document.createElementNS(NS,'text');var e=x>W-40;tx.setAttribute('x',e?x-2:x+2);if(e)tx.setAttribute('text-anchor','end');tx.setAttribute('y',11);tx.textContent=lab(t);axis.appendChild(tx);}
 var fl=plot.querySelectorAll('.flab'),vis=0;
 for(var q=0;q<fl.length;q++){var fa=+fl[q].getAttribute('data-a');if(fa>=win[0]&&fa<=win[1])vis++;}
 for(var q=0;q<fl.length;q++){fl[q].style.display=vis<=12?'':'none';}
 i0.value=(win[0]/1000).toFixed(3);i1.value=(win[1]/1000).toFixed(3);}
function set(a,b){a=Math.max(0,a);b=Math.min(END,b);if(b-a<10)b=a+10;win=[a,b];draw();}
document.getElementById('apply').onclick=function(){set(1000*i0.value,1000*i1.value);};
document.getElementById('all').onclick=function(){set(0,END);};
document.getElementById('zin').onclick=function(){var c=(win[0]+win[1])/2,h=(win[1]-win[0])/4;set(c-h,c+h);};
document.getElementById('zout').onclick=function(){var c=(win[0]+win[1])/2,h=win[1]-win[0];set(c-h,c+h);};
document.getElementById('left').onclick=function(){var d=(win[1]-win[0])/2;set(win[0]-d,win[1]-d);};
document.getElementById('right').onclick=function(){var d=(win[1]-win[0])/2;set(win[0]+d,win[1]+d);};
var down=null;function T(ev){var r=plot.getBoundingClientRect();return win[0]+(ev.clientX-r.left)*(win[1]-win[0])/W;}
plot.addEventListener('mousedown',function(ev){down=T(ev);});
plot.addEventListener('mouseup',function(ev){if(down===null)return;var u=T(ev);if(Math.abs(u-down)>(win[1]-win[0])/200)set(Math.min(u,down),Math.max(u,down));down=null;});
document.documentElement.setAttribute('data-ready','1');
}catch(e){document.documentElement.setAttribute('data-script-error',String(e));}})();"#;
