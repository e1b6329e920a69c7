//! The sled trees of a kehu database, by name and by number.
//!
//! The number is what the journal records (one byte per write), so it is part of the journal's
//! layout: never renumber a tree, add new ones at the end.

use super::StoreResult;
use super::scan::io;

/// One tree of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum TreeId {
    Customers = 0,
    /// Purchase chunks (see [`super::chunks`]).
    Purchases = 1,
    /// Interaction chunks.
    Interactions = 2,
    IdxRef = 3,
    IdxPhone = 4,
    Settings = 5,
    Meta = 6,
    Audit = 7,
    /// Member numbers and phones of merged-away customers → the survivor (`r:REF`, `p:PHONE`).
    Former = 8,
    /// Pairs marked "not a duplicate" (smaller id BE ++ larger id BE → nothing).
    NotDuplicates = 9,
    /// Campaigns by name (UTF-8) → the campaign (see [`super::campaigns`]).
    Campaigns = 10,
    // Member accounts (see `super::ledger`).
    /// Points and stored-value entries, in chunks like purchases.
    Ledger = 11,
    /// Idempotency keys given by a till or a script → the id of the first record they saved.
    LedgerKeys = 12,
    /// Kept derived data: each customer's digest (see [`super::digests`]). Not a tree of
    /// records: outside [`TreeId::ALL`], so neither journaled, summed nor backed up — it is
    /// rebuilt from the records whenever it may be behind them.
    Digests = 13,
    /// Kept derived figures of the whole shop (see [`super::kept`]), under the same rules.
    Kept = 14,
}

impl TreeId {
    /// Every tree, in number order (the order of [`Trees::all`] and of backups).
    pub const ALL: [TreeId; 13] = [
        TreeId::Customers,
        TreeId::Purchases,
        TreeId::Interactions,
        TreeId::IdxRef,
        TreeId::IdxPhone,
        TreeId::Settings,
        TreeId::Meta,
        TreeId::Audit,
        TreeId::Former,
        TreeId::NotDuplicates,
        TreeId::Campaigns,
        TreeId::Ledger,
        TreeId::LedgerKeys,
    ];

    /// The trees of kept derived data, after the trees of records.
    pub const KEPT: [TreeId; 2] = [TreeId::Digests, TreeId::Kept];

    /// The sled tree's name.
    pub fn name(self) -> &'static str {
        match self {
            TreeId::Customers => "customers",
            TreeId::Purchases => "purchase_chunks",
            TreeId::Interactions => "interaction_chunks",
            TreeId::IdxRef => "idx_ref",
            TreeId::IdxPhone => "idx_phone",
            TreeId::Settings => "settings",
            TreeId::Meta => "meta",
            TreeId::Audit => "audit",
            TreeId::Former => "idx_former",
            TreeId::NotDuplicates => "not_duplicates",
            TreeId::Campaigns => "campaigns",
            TreeId::Ledger => "ledger_chunks",
            TreeId::LedgerKeys => "idx_ledger_key",
            TreeId::Digests => "digests",
            TreeId::Kept => "kept",
        }
    }

    /// The tree of a stored number; `None` for a number no tree has (damage).
    pub fn from_number(n: u8) -> Option<TreeId> {
        TreeId::ALL.get(n as usize).copied()
    }

    /// The tree of a sled name, if kehu has one by that name.
    pub fn from_name(name: &str) -> Option<TreeId> {
        TreeId::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// Every tree of an open database, indexed by [`TreeId`].
#[derive(Clone)]
pub(crate) struct Trees {
    all: Vec<sled::Tree>,
}

impl Trees {
    /// Opens (creating when missing) every tree of `db`, the kept ones included.
    pub fn open(db: &sled::Db) -> StoreResult<Trees> {
        let all = TreeId::ALL
            .iter()
            .chain(&TreeId::KEPT)
            .map(|t| db.open_tree(t.name()).map_err(io))
            .collect::<StoreResult<_>>()?;
        Ok(Trees { all })
    }

    /// One tree.
    pub fn get(&self, t: TreeId) -> &sled::Tree {
        &self.all[t as usize]
    }

    /// Every tree in number order (the kept ones last), for a transaction over all of them.
    pub fn all(&self) -> Vec<&sled::Tree> {
        self.all.iter().collect()
    }
}

impl std::ops::Index<TreeId> for Trees {
    type Output = sled::Tree;
    fn index(&self, t: TreeId) -> &sled::Tree {
        self.get(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_round_trip() {
        for (n, t) in TreeId::ALL.into_iter().enumerate() {
            assert_eq!(t as usize, n);
            assert_eq!(TreeId::from_number(n as u8), Some(t));
            assert_eq!(TreeId::from_name(t.name()), Some(t));
        }
        assert_eq!(TreeId::from_number(13), None);
    }
}
