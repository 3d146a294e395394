//! Label files: a CSV table that says which recording has which valence.
//!
//! Two layouts are read:
//!
//! - **Static**: one row per clip, a *file column* naming the clip and a
//!   *label column* with its valence (`song_id,mean_valence` in emoMusic's
//!   `static_annotations.csv`).
//! - **Dynamic**: one row per clip, a file column, and one column per
//!   instant named by its time: `sample_15000ms`, `15000ms`, `15.5s`, … (the
//!   layout of DEAM's and emoMusic's `valence_cont_average.csv`). Empty or
//!   `NaN` cells are instants without a label.
//!
//! The columns are named by flags or found by name: the first of
//! [`FILE_COLUMNS`] for the file and of [`LABEL_COLUMNS`] for the label,
//! compared on lower-case letters and digits only (so `musicId` and
//! `music_ID` are `music_id`, and `Valence(mean)` is `valence_mean`). A file
//! whose header has two or more time columns and no label column named by a
//! flag is dynamic. An optional group column (song, artist, …) keeps related
//! clips on one side of every train/validation split.
//!
//! Rows whose label does not parse as a finite number are reported as
//! problems, by row number, not silently dropped.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

/// File-column names tried, in order, when `--file-column` is not given.
pub const FILE_COLUMNS: &[&str] = &[
    "file",
    "filename",
    "file_name",
    "path",
    "audio",
    "clip",
    "song_id",
    "music_id",
    "track_id",
    "song",
    "track",
    "stem",
    "name",
    "id",
];

/// Label-column names tried, in order, when `--label-column` is not given.
pub const LABEL_COLUMNS: &[&str] = &[
    "valence",
    "mean_valence",
    "valence_mean",
    "v_mean",
    "label",
    "y",
    "target",
];

/// Which columns to use; `None` means find them by name.
#[derive(Debug, Clone, Default)]
pub struct LabelOptions {
    /// The column naming the clip.
    pub file_column: Option<String>,
    /// The column with the (static) label.
    pub label_column: Option<String>,
    /// The column with the group (song, artist) of each clip.
    pub group_column: Option<String>,
}

/// What the rows hold.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelValues {
    /// One valence for the whole clip.
    Static(f32),
    /// Valence at instants: `(time in seconds, value)`, in time order.
    Dynamic(Vec<(f64, f32)>),
}

/// One clip's labels.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRow {
    /// Row number in the file (the header is row 1).
    pub row: usize,
    /// The file column's value, trimmed.
    pub key: String,
    /// The group column's value, if there is a group column.
    pub group: Option<String>,
    /// The labels.
    pub values: LabelValues,
}

/// The layout of a label file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelLayout {
    /// One label per clip.
    Static,
    /// Labels at instants.
    Dynamic,
}

/// A row that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Row number in the file (the header is row 1).
    pub row: usize,
    /// What is wrong.
    pub message: String,
}

/// A parsed label file.
#[derive(Debug, Clone)]
pub struct LabelTable {
    /// Layout found.
    pub layout: LabelLayout,
    /// The file column used.
    pub file_column: String,
    /// The label column used (static layout), or a description of the time columns.
    pub label_column: String,
    /// The group column used, if any.
    pub group_column: Option<String>,
    /// Usable rows, in file order.
    pub rows: Vec<LabelRow>,
    /// Rows that were not usable.
    pub problems: Vec<RowProblem>,
}

/// Parses a time column name (`sample_15000ms`, `15000ms`, `15.5s`,
/// `t_15.5s`) into seconds.
pub fn parse_time_column(name: &str) -> Option<f64> {
    let n = name.trim().to_ascii_lowercase();
    let digits_start = n.find(|c: char| c.is_ascii_digit())?;
    let prefix = &n[..digits_start];
    if !(prefix.is_empty() || prefix.ends_with('_') || prefix.ends_with('-')) {
        return None;
    }
    let rest = &n[digits_start..];
    let (num, scale) = if let Some(v) = rest.strip_suffix("ms") {
        (v, 1e-3)
    } else if let Some(v) = rest.strip_suffix('s') {
        (v, 1.0)
    } else {
        return None;
    };
    let v: f64 = num.parse().ok()?;
    v.is_finite().then_some(v * scale)
}

/// A column name reduced to lower-case letters and digits, so that
/// `musicId`, `music_ID` and `music id` meet, as do `Valence(mean)` and
/// `valence_mean`.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn find_column(
    headers: &[String],
    wanted: Option<&str>,
    candidates: &[&str],
    what: &str,
) -> Result<Option<usize>> {
    if let Some(w) = wanted {
        return headers
            .iter()
            .position(|h| h == w)
            .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(w)))
            .map(Some)
            .ok_or_else(|| {
                anyhow!(
                    "no {what} column named {w:?} (columns: {})",
                    headers.join(", ")
                )
            });
    }
    let normalised: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
    Ok(candidates.iter().find_map(|c| {
        let c = normalise(c);
        normalised.iter().position(|h| *h == c)
    }))
}

fn parse_value(cell: &str) -> Option<f32> {
    let v: f64 = cell.trim().parse().ok()?;
    v.is_finite().then_some(v as f32)
}

/// Reads a label file (CSV with a header row).
pub fn read_labels(path: &Path, opts: &LabelOptions) -> Result<LabelTable> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header row", path.display()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let ctx = |e: anyhow::Error| e.context(path.display().to_string());
    let file_col = find_column(&headers, opts.file_column.as_deref(), FILE_COLUMNS, "file")
        .map_err(ctx)?
        .ok_or_else(|| {
            anyhow!(
                "{}: no file column found (tried {}); name it with --file-column (columns: {})",
                path.display(),
                FILE_COLUMNS.join(", "),
                headers.join(", ")
            )
        })?;
    let group_col = match &opts.group_column {
        Some(g) => find_column(&headers, Some(g), &[], "group").map_err(ctx)?,
        None => None,
    };
    let time_cols: Vec<(usize, f64)> = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != file_col)
        .filter_map(|(i, h)| parse_time_column(h).map(|t| (i, t)))
        .collect();
    let label_col = if opts.label_column.is_none() && time_cols.len() >= 2 {
        None
    } else {
        Some(
            find_column(&headers, opts.label_column.as_deref(), LABEL_COLUMNS, "label")
                .map_err(ctx)?
                .ok_or_else(|| {
                    anyhow!(
                        "{}: no label column found (tried {}) and no time columns such as sample_15000ms; \
                         name it with --label-column (columns: {})",
                        path.display(),
                        LABEL_COLUMNS.join(", "),
                        headers.join(", ")
                    )
                })?,
        )
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record =
            record.with_context(|| format!("{}: row {row} is not valid CSV", path.display()))?;
        let cell = |c: usize| record.get(c).unwrap_or("").trim();
        let key = cell(file_col).to_string();
        if key.is_empty() {
            problems.push(RowProblem {
                row,
                message: "the file column is empty".into(),
            });
            continue;
        }
        let group = group_col.map(|g| cell(g).to_string());
        let values = match label_col {
            Some(c) => match parse_value(cell(c)) {
                Some(v) => LabelValues::Static(v),
                None => {
                    problems.push(RowProblem {
                        row,
                        message: format!("{key}: label {:?} is not a finite number", cell(c)),
                    });
                    continue;
                }
            },
            None => {
                let mut points: Vec<(f64, f32)> = Vec::new();
                for &(c, t) in &time_cols {
                    let text = cell(c);
                    if text.is_empty() || text.eq_ignore_ascii_case("nan") {
                        continue;
                    }
                    match parse_value(text) {
                        Some(v) => points.push((t, v)),
                        None => problems.push(RowProblem {
                            row,
                            message: format!("{key}: label {text:?} at {} is not a number; that instant is skipped", headers[c]),
                        }),
                    }
                }
                if points.is_empty() {
                    problems.push(RowProblem {
                        row,
                        message: format!("{key}: no labels in any time column"),
                    });
                    continue;
                }
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                LabelValues::Dynamic(points)
            }
        };
        rows.push(LabelRow {
            row,
            key,
            group,
            values,
        });
    }
    let label_column = match label_col {
        Some(c) => headers[c].clone(),
        None => {
            let (first, last) = (
                time_cols.iter().map(|t| t.1).fold(f64::INFINITY, f64::min),
                time_cols
                    .iter()
                    .map(|t| t.1)
                    .fold(f64::NEG_INFINITY, f64::max),
            );
            format!(
                "{} time columns from {first} s to {last} s",
                time_cols.len()
            )
        }
    };
    Ok(LabelTable {
        layout: if label_col.is_some() {
            LabelLayout::Static
        } else {
            LabelLayout::Dynamic
        },
        file_column: headers[file_col].clone(),
        label_column,
        group_column: group_col.map(|g| headers[g].clone()),
        rows,
        problems,
    })
}

/// The label for a window whose samples span `[start_s, end_s)` seconds,
/// under the dynamic alignment rule: the window must lie inside the labelled
/// span (`first instant ≤ start_s` and `end_s ≤ last instant`), and its label
/// is the one whose instant is nearest the window's centre (the earlier one
/// on a tie). `points` must be sorted by time.
pub fn label_for_window(points: &[(f64, f32)], start_s: f64, end_s: f64) -> Option<f32> {
    let (first, last) = (points.first()?.0, points.last()?.0);
    // A microsecond of slack absorbs the rounding of times like 15000 ms.
    if start_s < first - 1e-6 || end_s > last + 1e-6 {
        return None;
    }
    let centre = 0.5 * (start_s + end_s);
    let mut best = points[0];
    for &p in points {
        if (p.0 - centre).abs() < (best.0 - centre).abs() {
            best = p;
        }
    }
    Some(best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_columns() {
        assert_eq!(parse_time_column("sample_15000ms"), Some(15.0));
        assert_eq!(parse_time_column("15500ms"), Some(15.5));
        assert_eq!(parse_time_column("t_2.5s"), Some(2.5));
        assert_eq!(parse_time_column("song_id"), None);
        assert_eq!(parse_time_column("mean_valence"), None);
        assert_eq!(parse_time_column("v2s"), None);
    }

    #[test]
    fn columns_are_found_by_their_letters_and_digits() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let pmemo = h(&["musicId", "Arousal(mean)", "Valence(mean)"]);
        assert_eq!(
            find_column(&pmemo, None, FILE_COLUMNS, "file").unwrap(),
            Some(0)
        );
        assert_eq!(
            find_column(&pmemo, None, LABEL_COLUMNS, "label").unwrap(),
            Some(2)
        );
        let gioelson = h(&["", "music_ID", "valence(mean)", "arousal(mean)"]);
        assert_eq!(
            find_column(&gioelson, None, FILE_COLUMNS, "file").unwrap(),
            Some(1)
        );
        assert_eq!(
            find_column(&gioelson, None, LABEL_COLUMNS, "label").unwrap(),
            Some(2)
        );
        assert_eq!(
            find_column(&gioelson, None, &["nothing"], "label").unwrap(),
            None
        );
        assert!(find_column(&gioelson, Some("Valence"), &[], "label").is_err());
    }

    #[test]
    fn window_alignment() {
        let pts: Vec<(f64, f32)> = (0..5).map(|i| (10.0 + 0.5 * i as f64, i as f32)).collect();
        // Inside [10, 12]: centre 11.1 is nearest 11.0 (index 2).
        assert_eq!(label_for_window(&pts, 10.2, 12.0), Some(2.0));
        // Tie at 10.75 between 10.5 and 11.0: the earlier.
        assert_eq!(label_for_window(&pts, 10.0, 11.5), Some(1.0));
        assert_eq!(label_for_window(&pts, 9.9, 11.0), None);
        assert_eq!(label_for_window(&pts, 11.0, 12.1), None);
    }
}
