//! `--html OUT`: the reports people look at, each one self-contained HTML
//! file (inline CSS and SVG, one small inline script; nothing fetched), so
//! it works from a mail attachment.
//!
//! - [`timeline`] (`pacesim run`): a lane per node along virtual time —
//!   power, stack, membership ring, quorum and DC, each primitive's active
//!   spans (promoted in another colour), failures; faults and expectations
//!   on rows of their own; fencing as arrows from the asking node to its
//!   target. Drawn from the typed spans of `story.rs`; every item's
//!   `<title>` is its trace line. A time-window control re-lays the items
//!   (`data-a`/`data-b`: start and end in ms) for hour-long runs.
//! - [`sweep`]: pass counts per check, delay histograms per event, failing
//!   seeds with the command that reproduces each.
//! - [`whatif`]: the cells coloured by outage, each cell's distribution in
//!   its `<title>` and a small histogram inside.
//!
//! Output is a pure function of its input: same seed, same bytes.

mod histogram;
mod sweep_report;
mod timeline;
mod whatif_grid;

pub use sweep_report::sweep;
pub use timeline::timeline;
pub use whatif_grid::whatif;

use histogram::{histogram, secs};

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sim::Instant;

use crate::executor::Activity;
use crate::scenario::{Event, Expect};

use super::story::{Power, Stack, Story};
use super::sweep::Report;
use super::whatif::{Cell, Plan};
use super::Outcome;

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const CSS: &str = "body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222}\
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:18px 0 6px}\
.pass{color:#1a7f37}.fail{color:#c62828}code{background:#f3f3f3;padding:1px 4px}\
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#f6f6f6}.ctl{margin:8px 0}.ctl input{width:80px}.ctl button{margin-left:4px}\
.legend span{display:inline-block;margin-right:12px}.sw{display:inline-block;width:12px;height:10px;margin-right:3px;vertical-align:middle}\
svg text{font:11px system-ui,sans-serif}.lab{font-weight:600}";

fn page(title: &str, body: &str, script: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"generator\" content=\"pacesim\"><title>{}</title><style>{CSS}</style></head>\n<body>\n{body}",
        esc(title)
    );
    if !script.is_empty() {
        let _ = writeln!(s, "<script>{script}</script>");
    }
    s.push_str("</body></html>\n");
    s
}
