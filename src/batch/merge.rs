//! `merge`: join the results files of several shards (or runs) into one, and say
//! what is wrong with the set: an id recorded more than once (in two files, or
//! twice in one), and, given the manifest, pairs recorded nowhere.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::manifest::PairSpec;
use super::results::{self, ResultsError};

/// Where one record was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: PathBuf,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub id: String,
    pub places: Vec<Place>,
}

#[derive(Debug, Clone, Default)]
pub struct MergeReport {
    /// One line per id (no newline), in manifest order when a manifest is given,
    /// else in file order. Of duplicates, the first `ok` record is kept (else the first).
    pub lines: Vec<String>,
    pub duplicates: Vec<Duplicate>,
    /// Manifest ids recorded in no file.
    pub missing: Vec<String>,
    /// Recorded ids the manifest does not list.
    pub unknown: Vec<String>,
    /// Ids whose kept record is an error record.
    pub failed: Vec<String>,
    /// Files whose torn last line was ignored, with its size in bytes.
    pub torn: Vec<(PathBuf, u64)>,
}

impl MergeReport {
    /// Whether every pair is recorded exactly once.
    pub fn complete(&self) -> bool {
        self.duplicates.is_empty() && self.missing.is_empty()
    }
}

pub fn merge(inputs: &[PathBuf], manifest: Option<&[PairSpec]>) -> Result<MergeReport, ResultsError> {
    let mut report = MergeReport::default();
    // id → (kept line, ok), and every place it was seen.
    let mut kept: HashMap<String, (String, bool)> = HashMap::new();
    let mut places: HashMap<String, Vec<Place>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for file in inputs {
        let scan = results::read(file)?;
        if scan.torn_bytes > 0 {
            report.torn.push((file.clone(), scan.torn_bytes));
        }
        for r in scan.records {
            places.entry(r.id.clone()).or_default().push(Place { file: file.clone(), line: r.line });
            match kept.get_mut(&r.id) {
                None => {
                    order.push(r.id.clone());
                    kept.insert(r.id, (r.text, r.ok));
                }
                Some(slot) if !slot.1 && r.ok => *slot = (r.text, true),
                Some(_) => {}
            }
        }
    }
    report.duplicates = order
        .iter()
        .filter(|id| places[*id].len() > 1)
        .map(|id| Duplicate { id: id.clone(), places: places[id].clone() })
        .collect();
    if let Some(pairs) = manifest {
        let listed: HashSet<&str> = pairs.iter().map(|p| p.id.as_str()).collect();
        report.missing = pairs.iter().filter(|p| !kept.contains_key(&p.id)).map(|p| p.id.clone()).collect();
        report.unknown = order.iter().filter(|id| !listed.contains(id.as_str())).cloned().collect();
        let known: Vec<String> = pairs.iter().map(|p| p.id.clone()).filter(|id| kept.contains_key(id)).collect();
        order = known.into_iter().chain(report.unknown.iter().cloned()).collect();
    }
    for id in &order {
        let (line, ok) = kept.remove(id).expect("every ordered id was kept");
        if !ok {
            report.failed.push(id.clone());
        }
        report.lines.push(line);
    }
    Ok(report)
}
