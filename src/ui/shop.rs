//! The customers' side of a console — the classifier, the rows with their search keys, the
//! duplicate index — apart from what one operator looks at (views, forms, cursor).
//!
//! A console alone owns its shop. The sessions of `kehu serve` follow one shop: the server's base
//! console writes every change into it once and each session only reads it, so twenty operators
//! cost one copy of the shop, not twenty. A follower's `App::update` refreshes its own views from
//! the shop and never writes it; writes go through [`Shop::write`], which a follower does not
//! get — the one place that decides who may change the shared data.
//!
//! Reads take the lock recursively (a frame reads the shop in many places at once, and a plain
//! read lock would deadlock behind a waiting writer); a write waits for frames in progress,
//! which take well under a millisecond (an edit holds the write lock about as long; a new day
//! ~60 ms at 100,000 customers).

use super::Model;
use crate::classify::Classifier;
use crate::dedupe::DuplicateIndex;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::sync::Arc;

/// What the shop holds.
#[derive(Debug, Clone)]
pub struct ShopData {
    /// Every customer's classes, the population and the follow-up queue.
    pub clf: Classifier,
    /// The customer rows and the search keys.
    pub model: Model,
    /// The likely duplicates.
    pub dupes: DuplicateIndex,
}

/// A console's handle on its shop: the owner's (writes) or a follower's (reads only).
pub struct Shop {
    data: Arc<RwLock<ShopData>>,
    writes: bool,
}

/// The shop as read for one statement or one frame.
pub type ShopRead<'a> = RwLockReadGuard<'a, ShopData>;

impl Shop {
    /// A shop of its own.
    pub fn new(data: ShopData) -> Shop {
        Shop { data: Arc::new(RwLock::new(data)), writes: true }
    }

    /// Reads the shop (recursively: see the module's note).
    pub fn read(&self) -> ShopRead<'_> {
        self.data.read_recursive()
    }

    /// Writes the shop; None for a follower, whose owner writes every change.
    pub fn write(&mut self) -> Option<RwLockWriteGuard<'_, ShopData>> {
        self.writes.then(|| self.data.write())
    }

    /// Whether this handle writes the shop.
    pub fn writes(&self) -> bool {
        self.writes
    }

    /// A handle on the same shop that only reads it.
    pub fn follower(&self) -> Shop {
        Shop { data: Arc::clone(&self.data), writes: false }
    }

    /// Whether two handles are on the same shop.
    pub fn same_as(&self, other: &Shop) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }
}

impl Clone for Shop {
    /// An owner's clone is a shop of its own (a copy: tests and benchmarks compare consoles); a
    /// follower's clone follows the same shop.
    fn clone(&self) -> Shop {
        if self.writes { Shop::new(self.read().clone()) } else { self.follower() }
    }
}

impl std::fmt::Debug for Shop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shop")
            .field("writes", &self.writes)
            .field("customers", &self.read().model.len())
            .finish()
    }
}

/// Frees a shop that was replaced (a new load) off the caller's thread when it is large:
/// freeing 100,000 customers' small allocations takes about a second, which inside the shop's
/// write lock and the server's hub would hold up every session.
pub(crate) fn discard(old: ShopData) {
    const SMALL: usize = 10_000;
    if old.model.len() <= SMALL {
        return;
    }
    // When no thread can be started the shop is freed here (the closure is dropped with it).
    let _ = std::thread::Builder::new().name("kehu-free".into()).spawn(move || drop(old));
}
