//! How far a long piece of work has come, told to whoever shows it.
//!
//! The store (backups, restores, `check`), the demo generator and the importer report through
//! [`Progress`]; only the command line draws it, on a terminal's stderr (`cli::progress`), so
//! they know nothing of terminals. Everything else passes [`QUIET`].

/// What a stage counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Things: customers, rows, entries.
    Items,
    /// Bytes of a file.
    Bytes,
    /// Nothing to count (one transaction, a fit): only that it runs, and for how long.
    Nothing,
}

/// Receives the progress of long work: stages, each with how much of it is done.
pub trait Progress: Sync {
    /// A stage begins (ending the one before): what it does, its size when known in advance.
    fn stage(&self, what: &str, total: Option<u64>, unit: Unit);
    /// `n` more units of the current stage are done.
    fn advance(&self, n: u64);
    /// The work is over (or pauses for a message): nothing is shown until the next stage.
    fn done(&self);
    /// Whether anyone sees it: work that costs something only to know a total may skip it.
    fn shown(&self) -> bool;
}

/// Progress nobody sees.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&self, _: &str, _: Option<u64>, _: Unit) {}
    fn advance(&self, _: u64) {}
    fn done(&self) {}
    fn shown(&self) -> bool {
        false
    }
}

/// The progress of work that nobody watches.
pub const QUIET: &Quiet = &Quiet;
