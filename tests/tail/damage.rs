//! The damage one tail-damage trial does to the last 1 MiB of sled's files: a truncation of
//! `db`, a bit flip near its end, or a truncation or bit flip of the newest snapshot.

use super::MIB;
use crate::common::dbfiles::newest_snapshot;
use kehu::demo::rng::Rng;
use std::path::{Path, PathBuf};

/// The kinds of damage, in the order of the summary.
pub const KINDS: [&str; 3] = ["db truncated", "db bit flip", "snapshot damaged"];

/// One damage, decided from the trial number alone, so that it can be applied again.
#[derive(Debug, Clone, Copy)]
pub enum Damage {
    /// Cut this many bytes off the end of `db`.
    Truncate(u64),
    /// Flip bit `bit` of the byte this far before the end of `db` (1 = the last byte).
    Flip { back: u64, bit: u8 },
    /// Truncate the newest snapshot, cutting this share (per million) of it.
    SnapTruncate(u64),
    /// Flip bit `bit` of the newest snapshot's byte at this share (per million) of its length.
    SnapFlip { at: u64, bit: u8 },
}

impl Damage {
    pub fn of_trial(trial: u64) -> Damage {
        let mut rng = Rng::new(0x7A11_0000 + trial);
        match (trial / 2) % 5 {
            // Fixed cases first: the one byte and whole MiB, then 4 KiB and 64 KiB (cuts
            // of about 1 to 10 KiB end sled's log inside a record it still points to).
            0 | 1 if trial < 2 => Damage::Truncate(1),
            0 | 1 if trial < 4 => Damage::Truncate(MIB),
            0 | 1 if trial < 12 => Damage::Truncate(4 << 10),
            0 | 1 if trial < 14 => Damage::Truncate(64 << 10),
            // Sizes spread evenly over the orders of magnitude from 1 B to 1 MiB.
            0 | 1 => {
                let scale = rng.below(21);
                Damage::Truncate(1 + rng.below(1 << scale))
            }
            2 | 3 => Damage::Flip { back: 1 + rng.below(MIB), bit: rng.below(8) as u8 },
            _ if rng.below(2) == 0 => Damage::SnapTruncate(1 + rng.below(1_000_000)),
            _ => Damage::SnapFlip { at: rng.below(1_000_000), bit: rng.below(8) as u8 },
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Damage::Truncate(_) => KINDS[0],
            Damage::Flip { .. } => KINDS[1],
            Damage::SnapTruncate(_) | Damage::SnapFlip { .. } => KINDS[2],
        }
    }

    /// Applies the damage to the database in `db`; returns what was done, with offsets.
    pub fn apply(self, db: &Path) -> String {
        match self {
            Damage::Truncate(cut) => {
                let file = db.join("db");
                let len = std::fs::metadata(&file).expect("db").len();
                let to = len.saturating_sub(cut);
                let f = std::fs::OpenOptions::new().write(true).open(&file).expect("open db");
                f.set_len(to).expect("truncate db");
                format!("truncate -s {to} db   (was {len}: {} byte(s) cut)", len - to)
            }
            Damage::Flip { back, bit } => {
                let file = db.join("db");
                let mut bytes = std::fs::read(&file).expect("read db");
                let at = bytes.len().saturating_sub(back as usize);
                bytes[at] ^= 1 << bit;
                std::fs::write(&file, &bytes).expect("write db");
                format!("db: bit {bit} of byte {at} flipped (of {}, {back} from the end)", bytes.len())
            }
            Damage::SnapTruncate(share) => {
                let file = snapshot(db);
                let len = std::fs::metadata(&file).expect("snap").len();
                let to = len - (len * share / 1_000_000).max(1).min(len);
                let f = std::fs::OpenOptions::new().write(true).open(&file).expect("open snap");
                f.set_len(to).expect("truncate snap");
                format!("truncate -s {to} {}   (was {len})", file.file_name().unwrap().to_string_lossy())
            }
            Damage::SnapFlip { at, bit } => {
                let file = snapshot(db);
                let mut bytes = std::fs::read(&file).expect("read snap");
                let at = (bytes.len() as u64 * at / 1_000_000) as usize;
                bytes[at] ^= 1 << bit;
                std::fs::write(&file, &bytes).expect("write snap");
                format!(
                    "{}: bit {bit} of byte {at} flipped (of {})",
                    file.file_name().unwrap().to_string_lossy(),
                    bytes.len()
                )
            }
        }
    }
}

/// The newest of sled's snapshots, which every shop has.
fn snapshot(db: &Path) -> PathBuf {
    newest_snapshot(db).expect("sled wrote a snapshot")
}
