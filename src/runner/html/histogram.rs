//! The small histograms of the sweep and what-if pages, on a log axis when
//! the samples spread widely.

use super::*;

/// Histogram bins of some delays (ms): a log axis when they spread over
/// more than a factor of 20, else a linear one. (lower edge, upper edge,
/// count).
pub(super) fn bins(samples: &[u64], n: usize) -> (bool, Vec<(f64, f64, usize)>) {
    let (Some(&min), Some(&max)) = (samples.iter().min(), samples.iter().max()) else {
        return (false, Vec::new());
    };
    let lo = (min as f64).max(1.0);
    let hi = (max as f64).max(lo + 1.0);
    let log = hi / lo > 20.0;
    let edge = |i: usize| {
        let f = i as f64 / n as f64;
        if log {
            lo * (hi / lo).powf(f)
        } else {
            min as f64 + (max as f64 + 1.0 - min as f64) * f
        }
    };
    let mut out: Vec<(f64, f64, usize)> = (0..n).map(|i| (edge(i), edge(i + 1), 0)).collect();
    for &s in samples {
        let v = s as f64;
        let i = if log {
            let f = ((v.max(lo)).ln() - lo.ln()) / (hi.ln() - lo.ln());
            (f * n as f64) as usize
        } else {
            ((v - min as f64) / (max as f64 + 1.0 - min as f64) * n as f64) as usize
        };
        out[i.min(n - 1)].2 += 1;
    }
    (log, out)
}

pub(super) fn histogram(samples: &[u64], w: f64, h: f64, n: usize, axis: bool) -> String {
    let (log, b) = bins(samples, n);
    let top = b.iter().map(|x| x.2).max().unwrap_or(1).max(1) as f64;
    let bw = w / n.max(1) as f64;
    let pad = if axis { 16.0 } else { 0.0 };
    let mut s = format!(
        "<svg class=\"hist\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{:.0}\">",
        h + pad
    );
    for (i, (a, bb, c)) in b.iter().enumerate() {
        let bh = *c as f64 / top * h;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#4e79a7\"><title>{} to {} ms: {c} runs</title></rect>",
            i as f64 * bw + 0.5,
            h - bh,
            (bw - 1.0).max(0.5),
            a.round(),
            bb.round()
        );
    }
    if axis {
        if let (Some(f), Some(l)) = (b.first(), b.last()) {
            let _ = write!(
                s,
                "<text x=\"0\" y=\"{:.0}\">{} ms</text><text x=\"{w:.0}\" y=\"{:.0}\" text-anchor=\"end\">{} ms{}</text>",
                h + 12.0,
                f.0.round(),
                h + 12.0,
                l.1.round(),
                if log { " (log axis)" } else { "" }
            );
        }
    }
    s.push_str("</svg>");
    s
}

pub(super) fn secs(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}
