//! What went wrong, per file, while building a dataset: the problems that
//! are skipped and counted (or, with `--strict`, fail the build).

use std::collections::BTreeMap;
use std::fmt;

/// The kinds of problem a dataset build reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// A label row names a file that is not there.
    MissingAudio,
    /// A label row names several files.
    AmbiguousLabel,
    /// A label row that cannot be used (no number, empty key).
    BadLabelRow,
    /// Two label rows name the same file.
    DuplicateLabel,
    /// A file that cannot be read or decoded.
    UnreadableAudio,
    /// A clip shorter than one statistics window.
    TooShort,
    /// A clip without a label row.
    Unlabelled,
    /// A clip with dynamic labels none of whose windows lies inside the labelled span.
    NoLabelledWindow,
    /// An array item that cannot be used.
    BadItem,
}

impl ProblemKind {
    /// A short plural description, for summaries.
    pub fn describe(self) -> &'static str {
        match self {
            ProblemKind::MissingAudio => "labels without audio",
            ProblemKind::AmbiguousLabel => "labels naming several files",
            ProblemKind::BadLabelRow => "unusable label rows",
            ProblemKind::DuplicateLabel => "duplicate labels",
            ProblemKind::UnreadableAudio => "unreadable audio files",
            ProblemKind::TooShort => "clips shorter than one window",
            ProblemKind::Unlabelled => "audio without labels",
            ProblemKind::NoLabelledWindow => "clips with no window inside the labelled span",
            ProblemKind::BadItem => "unusable array items",
        }
    }
}

/// One problem, about one file or row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Its kind.
    pub kind: ProblemKind,
    /// The file or row it is about.
    pub subject: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// All problems of one build.
#[derive(Debug, Clone, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records a problem.
    pub fn push(
        &mut self,
        kind: ProblemKind,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(Problem {
            kind,
            subject: subject.into(),
            message: message.into(),
        });
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Counts per kind, in a fixed order.
    pub fn counts(&self) -> BTreeMap<ProblemKind, u64> {
        let mut c = BTreeMap::new();
        for p in &self.0 {
            *c.entry(p.kind).or_insert(0) += 1;
        }
        c
    }

    /// Counts per kind as `(description, count)` pairs.
    pub fn described_counts(&self) -> Vec<(String, u64)> {
        self.counts()
            .into_iter()
            .map(|(k, n)| (k.describe().to_string(), n))
            .collect()
    }

    /// One line: `3 labels without audio, 1 unreadable audio file…`.
    pub fn summary_line(&self) -> String {
        self.described_counts()
            .into_iter()
            .map(|(d, n)| format!("{n} {d}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The problems as lines, at most `per_kind` of each kind followed by a
    /// count of the rest.
    pub fn lines(&self, per_kind: usize) -> Vec<String> {
        let mut out = Vec::new();
        for (kind, n) in self.counts() {
            for p in self.0.iter().filter(|p| p.kind == kind).take(per_kind) {
                out.push(format!("skipped {p}"));
            }
            if n as usize > per_kind {
                out.push(format!(
                    "… and {} more {}",
                    n as usize - per_kind,
                    kind.describe()
                ));
            }
        }
        out
    }
}
