//! The report's pictures, drawn as inline SVG: bars per suite, the latency histogram
//! with p50/p95 marked, and the pass-rate trend over released versions. Colours come
//! from the page's style (classes), so light and dark both read.

use std::fmt::Write as _;

use super::esc;

const WIDTH: f64 = 420.0;
const LABEL: f64 = 150.0;
const ROW: f64 = 22.0;
/// More bars than this would make a picture nobody reads; the table has them all.
const MAX_BARS: usize = 40;

/// One horizontal bar: its label, its length as a share of the longest (0..=1), and the
/// number written beside it.
pub struct Bar {
    pub label: String,
    pub share: f64,
    pub value: String,
}

fn short(label: &str) -> String {
    if label.chars().count() > 26 {
        let cut: String = label.chars().take(25).collect();
        format!("{cut}…")
    } else {
        label.to_string()
    }
}

/// Horizontal bars, one per row. `class` picks the bar colour.
pub fn bars(title: &str, bars: &[Bar], class: &str) -> String {
    let shown = &bars[..bars.len().min(MAX_BARS)];
    let more = bars.len() - shown.len();
    let height = ROW * (shown.len() + usize::from(more > 0)) as f64 + 8.0;
    let track = WIDTH - LABEL - 70.0;
    let mut s = open(title, height);
    for (i, b) in shown.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let len = (b.share.clamp(0.0, 1.0) * track).max(if b.share > 0.0 { 1.0 } else { 0.0 });
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{ty}\">{label}</text>\
             <rect class=\"track\" x=\"{LABEL}\" y=\"{y}\" width=\"{track}\" height=\"14\" rx=\"2\"/>\
             <rect class=\"{class}\" x=\"{LABEL}\" y=\"{y}\" width=\"{len:.1}\" height=\"14\" rx=\"2\"/>\
             <text x=\"{vx}\" y=\"{ty}\">{value}</text>",
            ty = y + 11.0,
            label = esc(&short(&b.label)),
            vx = LABEL + track + 6.0,
            value = esc(&b.value),
        );
    }
    if more > 0 {
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\">and {more} more (see the table)</text>",
            4.0 + ROW * shown.len() as f64 + 11.0
        );
    }
    s.push_str("</svg>");
    s
}

fn open(title: &str, height: f64) -> String {
    format!(
        "<svg viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title)
    )
}

/// The latency histogram: 24 bins from 0 to the slowest answer, p50 and p95 as lines.
pub fn latency(latencies: &[u64], p50: Option<u64>, p95: Option<u64>) -> String {
    const BINS: usize = 24;
    const H: f64 = 120.0;
    const TOP: f64 = 18.0;
    let title = "Latency distribution";
    let Some(&max) = latencies.iter().max() else {
        let mut s = open(title, 30.0);
        s.push_str("<text x=\"0\" y=\"18\">no answers to time</text></svg>");
        return s;
    };
    let span = max.max(1) as f64;
    let mut counts = [0usize; BINS];
    for &l in latencies {
        let bin = ((l as f64 / span) * BINS as f64) as usize;
        counts[bin.min(BINS - 1)] += 1;
    }
    let tallest = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let step = WIDTH / BINS as f64;
    let base = TOP + H;
    let mut s = open(title, base + 20.0);
    for (i, &n) in counts.iter().enumerate() {
        let h = n as f64 / tallest * H;
        let _ = write!(
            s,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{n}</title></rect>",
            i as f64 * step + 1.0,
            base - h,
            step - 2.0,
        );
    }
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"0\" y1=\"{base}\" x2=\"{WIDTH}\" y2=\"{base}\"/>\
         <text x=\"0\" y=\"{ly}\">0</text><text x=\"{WIDTH}\" y=\"{ly}\" text-anchor=\"end\">{}</text>",
        super::super::ms(Some(max)),
        ly = base + 14.0,
    );
    for (name, class, v, dy) in [("p50", "p50", p50, 10.0), ("p95", "p95", p95, 10.0)] {
        if let Some(v) = v {
            let x = (v as f64 / span * WIDTH).clamp(1.0, WIDTH - 1.0);
            let anchor = if x > WIDTH * 0.7 { "end" } else { "start" };
            let tx = if anchor == "end" { x - 4.0 } else { x + 4.0 };
            let ty = if name == "p95" { dy + 2.0 } else { dy + 14.0 };
            let _ = write!(
                s,
                "<line class=\"{class}\" x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{base}\"/>\
                 <text x=\"{tx:.1}\" y=\"{ty}\" text-anchor=\"{anchor}\">{name} {}</text>",
                super::super::ms(Some(v))
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// One point of the pass-rate trend.
pub struct Point {
    pub label: String,
    pub rate: f64,
    /// Not released yet (the gate's draft): drawn in another colour.
    pub draft: bool,
}

/// Pass rate (0–100%) across versions, oldest left.
pub fn trend(points: &[Point]) -> String {
    const H: f64 = 110.0;
    const TOP: f64 = 14.0;
    const LEFT: f64 = 36.0;
    let title = "Pass rate across released versions";
    if points.is_empty() {
        let mut s = open(title, 30.0);
        s.push_str("<text x=\"0\" y=\"18\">no released versions yet</text></svg>");
        return s;
    }
    let base = TOP + H;
    let mut s = open(title, base + 22.0);
    for (y, label) in [(TOP, "100%"), (TOP + H / 2.0, "50%"), (base, "0%")] {
        let _ = write!(
            s,
            "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{y}\" x2=\"{WIDTH}\" y2=\"{y}\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text>",
            LEFT - 4.0,
            y + 4.0
        );
    }
    let inner = WIDTH - LEFT - 20.0;
    let x = |i: usize| {
        if points.len() == 1 {
            LEFT + inner / 2.0
        } else {
            LEFT + 10.0 + inner * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |r: f64| base - r.clamp(0.0, 1.0) * H;
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.rate)))
        .collect();
    let _ = write!(
        s,
        "<polyline class=\"line\" points=\"{}\"/>",
        path.join(" ")
    );
    // Labels thin out so they never overlap: about one per 40 px.
    let every = (points.len() as f64 / (inner / 40.0)).ceil().max(1.0) as usize;
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            s,
            "<circle class=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"><title>{} {:.1}%</title></circle>",
            if p.draft { "draft" } else { "dot" },
            x(i),
            y(p.rate),
            esc(&p.label),
            p.rate * 100.0
        );
        if i % every == 0 || i == points.len() - 1 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x(i),
                base + 16.0,
                esc(&p.label)
            );
        }
    }
    s.push_str("</svg>");
    s
}
