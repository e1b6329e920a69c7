//! Who keeps what for the next reader: a process that classified the whole shop leaves its
//! segment counts and everyone's classes in the store (see [`Segmented`] and [`KeptClasses`]),
//! stamped with the change they hold for; the next one takes them while the stamp holds.
//!
//! Everything here is best effort: kept figures are derived data, and failing to keep them only
//! means the next reader classifies afresh.

use super::Context;
use crate::classify::{
    Classifier, ClassifierBuilder, KeptClasses, Segmented, Stamp, model_mark, rules_fingerprint,
};
use crate::store::Store;
use std::collections::HashSet;
use std::ops::ControlFlow;

/// How a whole-shop classification was finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Finished {
    /// Everyone classified, with the stored model (or none).
    Classified,
    /// Everyone classified, with a model fitted and stored by the change at this position.
    Refitted(u64),
    /// Taken from the kept classes (and brought to the day by the new-day pass).
    FromKept,
}

impl Context {
    /// Leaves the segment counts and everyone's classes of a whole-shop classification for the
    /// next reader, stamped with the change they were read at — or with the model this
    /// classification stored, when that was the only change since. Classes taken from those
    /// kept for the same change, day, rules and model are not written again.
    pub(super) fn keep(
        &self,
        store: &dyn Store,
        clf: &Classifier,
        before: u64,
        how: Finished,
        note: Option<String>,
    ) {
        let Ok(now) = store.last_change() else { return };
        let at = match how {
            Finished::Refitted(seq) if seq == now && seq == before + 1 => seq,
            Finished::Classified | Finished::FromKept if now == before => before,
            _ => return,
        };
        let _ = store.keep_segments(&Segmented::of(clf, at, note));
        let stamp = Stamp { change: at, today: clf.today(), rules: rules_fingerprint(clf.rules()) };
        let same = store.kept_classes_stamp().ok().flatten() == Some((stamp, model_mark(clf.model())));
        if !(same && how == Finished::FromKept) {
            let _ = store.keep_classes(&clf.kept_classes(at));
        }
    }

    /// The segment counts kept in the store when they hold for this database's last change,
    /// this day and these rules.
    pub fn kept_segments(&self, store: &dyn Store) -> Option<Segmented> {
        let kept = store.kept_segments().ok()??;
        let now = Stamp {
            change: store.last_change().ok()?,
            today: self.today,
            rules: rules_fingerprint(&self.rules),
        };
        (kept.stamp == now && now.change > 0).then_some(kept)
    }

    /// Everyone's kept classes when they hold for change `before` (what the caller's data was
    /// read at, and still the last change) or an earlier one whose later changes the store can
    /// name (the customers they touched, returned), these rules and this day or an earlier
    /// one; the builder judges the rest (the model, the customers). Past a tenth of the shop
    /// touched, a fresh classification is about as fast: none then.
    pub(super) fn kept_classes_at(
        &self,
        store: &dyn Store,
        before: u64,
    ) -> Option<(KeptClasses, HashSet<u64>)> {
        let (stamp, _) = store.kept_classes_stamp().ok()??;
        let holds = stamp.change <= before
            && stamp.change > 0
            && store.last_change().ok()? == before
            && stamp.rules == rules_fingerprint(&self.rules)
            && stamp.today <= self.today;
        if !holds {
            return None;
        }
        let kept = store.kept_classes().ok()?.filter(|k| k.stamp == stamp)?;
        let changed: HashSet<u64> = if stamp.change == before {
            HashSet::new()
        } else {
            let limit = (kept.entries.len() / 10).max(64);
            store.touched_after(stamp.change, limit).ok()??.into_iter().collect()
        };
        Some((kept, changed))
    }

    /// [`Context::classify`] of a load that began at change `before` (the console's loader):
    /// it takes the kept classes when they hold, and leaves its own as [`Context::load`] does.
    pub fn classify_keeping(
        &self,
        store: &dyn Store,
        builder: ClassifierBuilder,
        before: u64,
    ) -> anyhow::Result<crate::tui::Classified> {
        let (clf, note, how) = self.classify_noting(store, builder, Some(before))?;
        self.keep(store, &clf, before, how, note.clone());
        Ok((clf, note))
    }

    /// A console that quits leaves its classes, its own edits included, for the next start:
    /// only when they are those of the database as it is — every customer's facts in the
    /// classifier equal the store's kept digests, and no change landed meanwhile. Reading the
    /// digests costs about a second at 100,000 customers, after the terminal is restored; a
    /// console that changed nothing finds its classes kept already and reads nothing.
    pub fn keep_at_quit(&self, store: &dyn Store, clf: &Classifier) {
        let Ok(before) = store.last_change() else { return };
        let stamp = Stamp { change: before, today: clf.today(), rules: rules_fingerprint(clf.rules()) };
        if before == 0 || store.kept_classes_stamp().ok().flatten() == Some((stamp, model_mark(clf.model())))
        {
            return;
        }
        // The model in force must be the one a fresh start would put in force: the stored one,
        // still holding for these data (without one, a start would fit one: not known here).
        let stored = super::context::stored_model(store).ok().flatten();
        let in_force = matches!((clf.model(), &stored),
            (Some(m), Some(s)) if m == s && s.holds_for(&clf.fingerprint(), clf.today()));
        if !in_force {
            return;
        }
        let (mut same, mut n) = (true, 0usize);
        let read = store.summaries_until(&mut |s| {
            n += 1;
            same = clf.summary(s.id) == Some(&s);
            if same { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
        });
        if read.is_ok() && same && n == clf.len() && store.last_change().ok() == Some(before) {
            let _ = store.keep_classes(&clf.kept_classes(before));
            let _ = store.keep_segments(&Segmented::of(clf, before, None));
        }
    }
}
