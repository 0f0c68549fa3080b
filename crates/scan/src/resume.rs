//! Resumable scans: checkpoints of how far a shard's walk got.
//!
//! Hosts are probed concurrently and finish out of order, so "the last host done" says
//! nothing. [`Progress`] tracks the positions in flight and keeps the *low-water mark*: the
//! lowest position below which every host is done. A [`Checkpoint`] stores that mark plus the
//! few positions above it that already finished (at most the hosts that overtook the slowest
//! one in flight), so a resumed walk ([`crate::shard::ShardWalk::resume`]) repeats nothing and
//! loses nothing. A host counts as done only when the caller says so, i.e. after its record was
//! written, and hosts in flight when a scan stops are simply probed again on resume.
//!
//! Checkpoints are JSON, written atomically (a temporary file in the same directory, then a
//! rename), every K hosts and at exit. A process killed hard (SIGKILL, power loss) repeats at
//! most the hosts finished since the last checkpoint.

use crate::shard::{Shard, StartAt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Format version of [`Checkpoint`].
pub const CHECKPOINT_VERSION: u32 = 1;

/// Largest checkpoint file read (bytes); a bigger one is refused as not ours.
const MAX_CHECKPOINT_BYTES: u64 = 64 << 20;

/// What a resumable scan has finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Format version ([`CHECKPOINT_VERSION`]).
    pub version: u32,
    /// Permutation seed of the scan.
    pub seed: u64,
    /// Shard of the scan.
    pub shard: Shard,
    /// Hash of the target set and ports (hex), so a checkpoint is never applied to others.
    pub spec_hash: String,
    /// Every position below this one is done (or holds no target).
    pub position: u64,
    /// Positions at or above `position` that are already done.
    pub done_beyond: Vec<u64>,
    /// Hosts done so far, over all runs.
    pub completed: u64,
    /// Hosts in this shard (for progress display).
    pub total: u64,
    /// True when the whole shard is done.
    pub finished: bool,
    /// Length in bytes of the JSON Lines output file when this checkpoint was written (its
    /// records are exactly the hosts done). A resumed run cuts the file back to this length,
    /// dropping records a hard kill left after the checkpoint, which it then probes again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<u64>,
}

/// Why a checkpoint cannot be read, written or used.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    /// Reading or writing failed.
    #[error("checkpoint {path}: {source}")]
    Io {
        /// The checkpoint file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a checkpoint of this version.
    #[error("checkpoint {path} is not a camguard checkpoint: {reason}")]
    Malformed {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The checkpoint belongs to another scan.
    #[error("checkpoint {path} belongs to another scan: {what} differs (checkpoint: {theirs}, this scan: {ours}); use the same targets, ports, excludes, --seed and --shard, or another --resume file")]
    Mismatch {
        /// The checkpoint file.
        path: PathBuf,
        /// Which field differs.
        what: &'static str,
        /// The checkpoint's value.
        theirs: String,
        /// This scan's value.
        ours: String,
    },
}

impl Checkpoint {
    /// Read a checkpoint; `Ok(None)` when the file does not exist yet.
    pub fn load(path: &Path) -> Result<Option<Self>, ResumeError> {
        let io = |source| ResumeError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut std::io::Read::take(file, MAX_CHECKPOINT_BYTES + 1),
            &mut text,
        )
        .map_err(io)?;
        let malformed = |reason: String| ResumeError::Malformed {
            path: path.to_path_buf(),
            reason,
        };
        if text.len() as u64 > MAX_CHECKPOINT_BYTES {
            return Err(malformed("larger than 64 MiB".into()));
        }
        let cp: Checkpoint = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
        if cp.version != CHECKPOINT_VERSION {
            return Err(malformed(format!("version {}", cp.version)));
        }
        Ok(Some(cp))
    }

    /// Write atomically: a temporary file beside `path`, synced, then renamed over it.
    pub fn save(&self, path: &Path) -> Result<(), ResumeError> {
        let io = |source| ResumeError::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "checkpoint".into());
        let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            serde_json::to_writer_pretty(&mut f, self)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }

    /// Check that this checkpoint belongs to the scan described by the arguments.
    pub fn check(
        &self,
        path: &Path,
        seed: u64,
        shard: Shard,
        spec_hash: &str,
    ) -> Result<(), ResumeError> {
        let mismatch = |what, theirs: String, ours: String| ResumeError::Mismatch {
            path: path.to_path_buf(),
            what,
            theirs,
            ours,
        };
        if self.seed != seed {
            return Err(mismatch("seed", self.seed.to_string(), seed.to_string()));
        }
        if self.shard != shard {
            return Err(mismatch("shard", self.shard.to_string(), shard.to_string()));
        }
        if self.spec_hash != spec_hash {
            return Err(mismatch(
                "target/port specification",
                self.spec_hash.clone(),
                spec_hash.to_string(),
            ));
        }
        Ok(())
    }

    /// Where a walk resumes from this checkpoint.
    pub fn start(&self) -> StartAt {
        StartAt {
            position: self.position,
            done_beyond: self
                .done_beyond
                .iter()
                .copied()
                .filter(|&p| p >= self.position)
                .collect(),
        }
    }
}

/// Hash of what defines a scan's host set and probes (targets after excludes, and ports), hex.
pub fn spec_hash(targets: &crate::TargetSet, ports: &[u16]) -> String {
    let mut h = crate::targets::Fnv1a(targets.fingerprint());
    for p in ports {
        h.write(&p.to_be_bytes());
    }
    format!("{:016x}", h.0)
}

/// Tracks which positions are in flight and which are done; yields checkpoints.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Positions handed out and not yet done.
    in_flight: BTreeSet<u64>,
    /// Done positions at or above the low-water mark.
    done_beyond: BTreeSet<u64>,
    /// Lowest position the walk has not handed out yet.
    next: u64,
    /// Hosts done, over all runs.
    completed: u64,
}

impl Progress {
    /// Start from a checkpoint (or from scratch with `StartAt::default()` and 0 completed).
    pub fn new(start: &StartAt, completed: u64) -> Self {
        Self {
            in_flight: BTreeSet::new(),
            done_beyond: start.done_beyond.clone(),
            next: start.position,
            completed,
        }
    }

    /// A host at `position` was handed to a prober.
    pub fn dispatched(&mut self, position: u64) {
        self.in_flight.insert(position);
        self.next = self.next.max(position + 1);
    }

    /// The walk has looked at every position below `next` (e.g. skipped values).
    pub fn walked_to(&mut self, next: u64) {
        self.next = self.next.max(next);
    }

    /// The host at `position` is finished and its result is safely written.
    pub fn done(&mut self, position: u64) {
        if self.in_flight.remove(&position) {
            self.done_beyond.insert(position);
            self.completed += 1;
        }
        let mark = self.low_water_mark();
        // Everything below the mark is implied; keep only what lies at or above it.
        while let Some(&first) = self.done_beyond.first() {
            if first < mark {
                self.done_beyond.remove(&first);
            } else {
                break;
            }
        }
    }

    /// The lowest position below which every host is done.
    pub fn low_water_mark(&self) -> u64 {
        self.in_flight.first().copied().unwrap_or(self.next)
    }

    /// Hosts done so far.
    pub fn completed(&self) -> u64 {
        self.completed
    }

    /// Hosts in flight now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The checkpoint for this progress.
    pub fn checkpoint(
        &self,
        seed: u64,
        shard: Shard,
        spec_hash: &str,
        total: u64,
        finished: bool,
    ) -> Checkpoint {
        let position = self.low_water_mark();
        Checkpoint {
            version: CHECKPOINT_VERSION,
            seed,
            shard,
            spec_hash: spec_hash.to_string(),
            position,
            done_beyond: self
                .done_beyond
                .iter()
                .copied()
                .filter(|&p| p >= position)
                .collect(),
            completed: self.completed,
            total,
            finished,
            output_bytes: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_water_mark_waits_for_the_slowest_host() {
        let mut p = Progress::default();
        for pos in 0..5 {
            p.dispatched(pos);
        }
        p.done(1);
        p.done(3);
        p.done(4);
        // Host 0 is still running: nothing below 0 is known done, 1, 3 and 4 are beyond.
        let cp = p.checkpoint(1, Shard::default(), "h", 5, false);
        assert_eq!(cp.position, 0);
        assert_eq!(cp.done_beyond, vec![1, 3, 4]);
        p.done(0);
        let cp = p.checkpoint(1, Shard::default(), "h", 5, false);
        assert_eq!(cp.position, 2);
        assert_eq!(cp.done_beyond, vec![3, 4]);
        p.done(2);
        let cp = p.checkpoint(1, Shard::default(), "h", 5, true);
        assert_eq!((cp.position, cp.done_beyond.len(), cp.completed), (5, 0, 5));
        // A duplicate "done" is not counted twice.
        p.done(2);
        assert_eq!(p.completed(), 5);
    }

    #[test]
    fn skipped_positions_advance_the_mark() {
        let mut p = Progress::default();
        p.dispatched(3);
        p.done(3);
        p.walked_to(9);
        assert_eq!(p.low_water_mark(), 9);
    }

    #[test]
    fn save_is_atomic_and_load_checks_the_scan() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.resume");
        assert_eq!(Checkpoint::load(&path).unwrap(), None);
        let mut p = Progress::default();
        p.dispatched(0);
        p.dispatched(1);
        p.done(1);
        let cp = p.checkpoint(7, Shard { index: 2, count: 3 }, "abc", 10, false);
        cp.save(&path).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["scan.resume"], "no temporary file left behind");
        let back = Checkpoint::load(&path).unwrap().unwrap();
        assert_eq!(back, cp);
        back.check(&path, 7, Shard { index: 2, count: 3 }, "abc")
            .unwrap();
        let err = back
            .check(&path, 8, Shard { index: 2, count: 3 }, "abc")
            .unwrap_err()
            .to_string();
        assert!(err.contains("seed differs"), "{err}");
        let err = back
            .check(&path, 7, Shard { index: 2, count: 3 }, "abd")
            .unwrap_err()
            .to_string();
        assert!(err.contains("target/port specification differs"), "{err}");
        assert_eq!(back.start().position, 0);
        assert_eq!(back.start().done_beyond, [1].into_iter().collect());
    }

    #[test]
    fn garbage_checkpoint_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        for junk in ["", "{", "[]", "{\"version\":99}", "\u{0}\u{ff}"] {
            std::fs::write(&path, junk).unwrap();
            assert!(Checkpoint::load(&path).is_err(), "{junk:?}");
        }
    }
}
