//! The comparison grid (`eval --target … --ref …`) for people: one row per case, one
//! column per cell, the rows where the cells disagree first; then each cell's pass
//! rate, errors, cost and latency, with the cell to look at first marked. JSON, JSONL,
//! JUnit and HTML list the cells as runs (see [`CellRun`]).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;

use unicode_width::UnicodeWidthStr;

use super::{Run, ms, percent, usd};
use promptwright_core::grid::{Standing, best, column};
use promptwright_core::runner::StoredRun;
use promptwright_core::store::{CaseResult, RunRecord, Status, Summary};
use promptwright_core::workspace::Price;

/// A cell's run and the prompt version it ran.
pub struct CellRun {
    pub reference: String,
    pub run: StoredRun,
}

impl Run for CellRun {
    fn record(&self) -> &RunRecord {
        &self.run.record
    }
    fn each_case(&self, f: &mut dyn FnMut(&CaseResult) -> io::Result<()>) -> io::Result<()> {
        self.run.each_case(f)
    }
    fn reference(&self) -> Option<&str> {
        Some(&self.reference)
    }
}

/// What a grid cell shows of a case: `PASS 1.00`, `FAIL 3/5`.
#[derive(Clone, PartialEq)]
struct Mark {
    status: Status,
    text: String,
}

fn mark(c: &CaseResult) -> Mark {
    let word = match c.status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Error => "ERR ",
    };
    let detail = if c.samples.is_empty() {
        format!("{:.2}", c.score)
    } else {
        c.fraction_label()
    };
    Mark {
        status: c.status,
        text: format!("{word} {detail}"),
    }
}

fn label(cell: &CellRun) -> String {
    let r = cell.record();
    format!("{} · {}/{}", cell.reference, r.provider, r.model)
}

/// A row: the case, its mark in every cell (`None`: not run there), whether they differ.
type GridRow = (String, Vec<Option<Mark>>, bool);

/// The cells read once: the rows in plan order with the disagreeing ones first, and
/// where each cell stands.
struct Grid {
    rows: Vec<GridRow>,
    standings: Vec<Standing>,
}

impl Grid {
    /// `prices`: each cell's model's price (from `[pricing]`), for what its answers
    /// cost cached or not.
    fn read(cells: &[CellRun], prices: &[Option<Price>]) -> io::Result<Grid> {
        let mut order: Vec<(String, String)> = Vec::new();
        let mut marks: HashMap<(String, String), Vec<Option<Mark>>> = HashMap::new();
        let mut standings = Vec::with_capacity(cells.len());
        for (i, cell) in cells.iter().enumerate() {
            let price = prices.get(i).copied().flatten();
            let mut list_cost = 0.0;
            cell.each_case(&mut |c| {
                list_cost += promptwright_core::grid::list_cost(c, price);
                let key = (c.suite.clone(), c.id.clone());
                let row = marks.entry(key.clone()).or_insert_with(|| {
                    order.push(key);
                    vec![None; cells.len()]
                });
                row[i] = Some(mark(c));
                Ok(())
            })?;
            standings.push(Standing::of(&cell.record().summary, list_cost));
        }
        let mut rows: Vec<GridRow> = order
            .into_iter()
            .map(|key| {
                let row = marks.remove(&key).unwrap_or_default();
                let first = row.first().cloned().flatten().map(|m| m.status);
                let differ = row.iter().any(|m| m.as_ref().map(|m| m.status) != first);
                (format!("{}/{}", key.0, key.1), row, differ)
            })
            .collect();
        // Stable: plan order within each group.
        rows.sort_by_key(|(_, _, differ)| !differ);
        Ok(Grid { rows, standings })
    }

    /// Each cell's summary rows: title and value per cell.
    fn summary_rows(&self, cells: &[CellRun]) -> Vec<(&'static str, Vec<String>)> {
        let summaries: Vec<&Summary> = cells.iter().map(|c| &c.record().summary).collect();
        let each = |f: &dyn Fn(&Summary) -> String| summaries.iter().map(|s| f(s)).collect();
        vec![
            ("pass rate", each(&|s| percent(s.pass_rate))),
            ("errors", each(&|s| s.errors.to_string())),
            ("cost", each(&|s| usd(s.cost_usd))),
            (
                "at list price",
                self.standings.iter().map(|s| usd(s.cost_usd)).collect(),
            ),
            ("p50 latency", each(&|s| ms(s.p50_latency_ms))),
            ("p95 latency", each(&|s| ms(s.p95_latency_ms))),
        ]
    }
}

const CELL: usize = 11;

/// The grid as text, at least `width` columns wide (more when the cells need it).
pub fn table(
    cells: &[CellRun],
    prices: &[Option<Price>],
    bar: Option<f64>,
    width: usize,
) -> io::Result<String> {
    let mut out = String::new();
    let Some(first) = cells.first() else {
        return Ok(out);
    };
    let grid = Grid::read(cells, prices)?;
    let rows = &grid.rows;
    let _ = writeln!(
        out,
        "{} · {} cells · {} of {} cases differ between them",
        first.record().prompt,
        cells.len(),
        rows.iter().filter(|r| r.2).count(),
        rows.len()
    );
    for (i, cell) in cells.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:<3}{}  run {}",
            column(i),
            label(cell),
            cell.record().run_id
        );
    }
    let name_width = width
        .saturating_sub(2 + cells.len() * (CELL + 1))
        .clamp(16, 48);
    let pad = |s: &str, w: usize| {
        let used = s.width();
        if used >= w {
            let cut: String = s.chars().take(w.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            format!("{s}{}", " ".repeat(w - used))
        }
    };
    out.push('\n');
    let _ = write!(out, "  {}", pad("case", name_width));
    for i in 0..cells.len() {
        let _ = write!(out, " {:<CELL$}", column(i));
    }
    out.push('\n');
    for (name, marks, differs) in rows {
        let flag = if *differs { "≠ " } else { "  " };
        let _ = write!(out, "{flag}{}", pad(name, name_width));
        for m in marks {
            let text = m.as_ref().map_or("–", |m| m.text.as_str());
            let _ = write!(out, " {text:<CELL$}");
        }
        out.push('\n');
    }
    out.push('\n');
    for (title, values) in grid.summary_rows(cells) {
        let _ = write!(out, "  {}", pad(title, name_width));
        for v in values {
            let _ = write!(out, " {v:<CELL$}");
        }
        out.push('\n');
    }
    let _ = write!(out, "  {}", pad("", name_width));
    let chosen = best(&grid.standings, bar);
    for i in 0..cells.len() {
        let _ = write!(
            out,
            " {:<CELL$}",
            if Some(i) == chosen { "▲ best" } else { "" }
        );
    }
    out.push('\n');
    let _ = writeln!(out, "  {}", best_line(cells, bar, chosen));
    for (i, cell) in cells.iter().enumerate() {
        if !cell.record().complete {
            let _ = writeln!(out, "  {} is INCOMPLETE", column(i));
        }
    }
    // Cells are padded to their column; a line ends where its text does.
    Ok(out
        .lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect())
}

/// Why the best cell is the best, or that none reaches the bar.
fn best_line(cells: &[CellRun], bar: Option<f64>, chosen: Option<usize>) -> String {
    match (chosen, bar) {
        (Some(i), Some(bar)) => format!(
            "best: {} ({}), the cheapest cell at list price with a pass rate of at least {} ([gate] min_pass_rate)",
            column(i),
            label(&cells[i]),
            percent(bar)
        ),
        (Some(i), None) => format!(
            "best: {} ({}), the cheapest at list price of the cells with the top pass rate, {}",
            column(i),
            label(&cells[i]),
            percent(cells[i].record().summary.pass_rate)
        ),
        (None, Some(bar)) => format!(
            "no cell reaches a pass rate of {} ([gate] min_pass_rate)",
            percent(bar)
        ),
        (None, None) => "no cell has cases".to_string(),
    }
}

/// The grid for a pull request: a legend, the cases (disagreeing first), the summary.
pub fn markdown(
    cells: &[CellRun],
    prices: &[Option<Price>],
    bar: Option<f64>,
) -> io::Result<String> {
    let grid = Grid::read(cells, prices)?;
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from("## promptwright comparison\n\n");
    for (i, c) in cells.iter().enumerate() {
        let _ = writeln!(out, "- **{}**: `{}`", column(i), cell(&label(c)));
    }
    out.push_str("\n| case |");
    for i in 0..cells.len() {
        let _ = write!(out, " {} |", column(i));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(cells.len()));
    out.push('\n');
    for (name, marks, differs) in &grid.rows {
        let flag = if *differs { " ≠" } else { "" };
        let _ = write!(out, "| `{}`{flag} |", cell(name));
        for m in marks {
            let _ = write!(out, " {} |", m.as_ref().map_or("–", |m| m.text.as_str()));
        }
        out.push('\n');
    }
    let chosen = best(&grid.standings, bar);
    out.push_str("\n| | ");
    out.push_str(
        &(0..cells.len())
            .map(|i| {
                let star = if Some(i) == chosen { " ▲ best" } else { "" };
                format!("{}{star}", column(i))
            })
            .collect::<Vec<_>>()
            .join(" | "),
    );
    out.push_str(" |\n|---|");
    out.push_str(&"---:|".repeat(cells.len()));
    out.push('\n');
    for (title, values) in grid.summary_rows(cells) {
        let _ = write!(out, "| {title} |");
        for v in values {
            let _ = write!(out, " {v} |");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "\n{}", best_line(cells, bar, chosen));
    Ok(out)
}
