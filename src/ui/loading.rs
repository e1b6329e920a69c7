//! Start-up loading: the console is drawn before the data is in. The runtime's loader first
//! sends the customer records ([`Action::CustomersLoaded`]: the list and the search work), then
//! everything classified ([`Action::Loaded`]). Meanwhile keys are kept (a search typed early
//! runs when the customers arrive, a scanned card opens then), and every edit, and every view
//! that needs the classes, is refused with "still loading": nothing is changed on partial data.

use super::action::{Action, Effect};
use super::app::{App, AppInit, View};
use super::model::Model;
use crate::classify::{Classifier, Rules};
use crate::dedupe::DuplicateIndex;
use crate::domain::{Customer, History};
use crate::i18n::{Lang, tr_in, trf_in};
use chrono::NaiveDate;

/// Everything the console shows, read and classified: what the loader hands over at the end.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Every customer's classes and the segment counts.
    pub classifier: Classifier,
    /// The customer rows (with their facts from `classifier`) and the search index; None when
    /// the loader sent them already ([`Action::CustomersLoaded`]): those rows then take their
    /// classes from `classifier` (reading and holding every customer twice cost a 100,000-customer
    /// shop ~100 MB at its peak).
    pub model: Option<Model>,
    /// The likely duplicates among the same customers; None while they are still being judged
    /// ([`Action::DuplicatesFound`] follows): at a million customers judging takes longer than
    /// classifying, and the classes should not wait for it.
    pub dupes: Option<DuplicateIndex>,
    /// What the operator should know about the load (e.g. why there are no predictions).
    pub note: Option<String>,
    /// Another session's load, passed on by `kehu serve`: the shop is installed by its owner and
    /// a fit, if one is needed, is asked for by the session that loaded.
    pub elsewhere: bool,
}

/// Customers a shop needs before the model is fitted without being asked: fewer give
/// parameters no one should act on (and `R` still fits on demand).
const AUTO_FIT_MIN_CUSTOMERS: usize = 50;

impl Loaded {
    /// The same load as a follower takes it (see `shop.rs`): its owner installs the shop, so
    /// the copy each session would hold until it handled it is left out.
    pub fn for_follower(&self) -> Loaded {
        Loaded {
            classifier: Classifier::new(self.classifier.rules().clone(), self.classifier.today()),
            model: None,
            dupes: self.dupes.as_ref().map(|_| DuplicateIndex::default()),
            note: self.note.clone(),
            elsewhere: true,
        }
    }
}

impl PartialEq for Loaded {
    /// Only the same load is equal (`Action` is `PartialEq`; comparing two shops is never wanted).
    fn eq(&self, other: &Loaded) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Loaded {
    /// The rows, search and duplicate indexes of `customers`, classified by `classifier`.
    pub fn new(customers: Vec<Customer>, classifier: Classifier) -> Loaded {
        let dupes = DuplicateIndex::build(&customers);
        let model = Model::build(customers, Some(&classifier));
        Loaded { classifier, model: Some(model), dupes: Some(dupes), note: None, elsewhere: false }
    }

    /// From whole histories (tests and small shops), classified with `rules` as of `today`.
    pub fn from_histories(histories: &[History], rules: Rules, today: NaiveDate) -> Loaded {
        let classifier = Classifier::from_histories(rules, today, histories);
        Loaded::new(histories.iter().map(|h| h.customer.clone()).collect(), classifier)
    }
}

/// How far start-up loading has got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loading {
    /// Customers in the database, once counted.
    pub total: Option<u64>,
    /// Histories read so far.
    pub read: u64,
    /// Whether the customer records are in (list and search work; classes are not).
    pub searchable: bool,
    /// Whether loading stopped on an error (the status line says which).
    pub failed: bool,
    /// A card scanned before the customers were in; it opens when they are.
    pub scan: Option<String>,
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

impl Loading {
    /// Percent of the histories read (0 until the customers are counted).
    pub fn percent(&self) -> u64 {
        match self.total {
            Some(t) if t > 0 => (self.read.min(t) * 100) / t,
            _ => 0,
        }
    }

    /// The status line's words for the load in `lang`, e.g. "loading 100,000 customers… 42%".
    pub fn text(&self, lang: Lang) -> String {
        match (self.failed, self.searchable, self.total) {
            (true, _, _) => tr_in(lang, "not loaded").into(),
            (false, false, None) => tr_in(lang, "loading customers…").into(),
            (false, false, Some(n)) => {
                trf_in(lang, "loading {} customers… {}%", &[&grouped(n), &self.percent()])
            }
            (false, true, _) => trf_in(lang, "classes loading… {}%", &[&self.percent()]),
        }
    }
}

impl App {
    /// An App to draw at once while the runtime loads the data: the list's frame (header, no
    /// rows) and a status line with the progress, until [`Action::Loaded`] arrives.
    pub fn loading(init: AppInit) -> App {
        let mut app = App::new(init);
        app.view = View::List;
        app.loading = Some(Loading::default());
        app
    }

    /// How far loading has got; None once everything is in.
    pub fn loading_state(&self) -> Option<&Loading> {
        self.loading.as_ref()
    }

    /// Whether the customer records are in (always, once loaded).
    pub fn searchable(&self) -> bool {
        self.loading.as_ref().is_none_or(|l| l.searchable)
    }

    pub(super) fn on_progress(&mut self, read: u64, total: u64) -> Vec<Effect> {
        if let Some(l) = self.loading.as_mut() {
            l.read = read;
            l.total = Some(total);
        }
        vec![]
    }

    /// The customers without classes: the list and the search over them, a query typed so far
    /// run at once, a card scanned so far opened.
    pub(super) fn on_customers_loaded(&mut self, model: Model) -> Vec<Effect> {
        let Some(l) = self.loading.as_mut().filter(|l| !l.searchable) else { return vec![] };
        l.searchable = true;
        l.total = Some(model.len() as u64);
        let scan = l.scan.take();
        if let Some(mut shop) = self.shop.write() {
            shop.model = model;
        }
        let shop = self.shop.read();
        self.list.rebuild(&shop.model, &shop.clf);
        drop(shop);
        match scan {
            Some(card) => self.on_scan(&card),
            None => vec![],
        }
    }

    /// Everything in: the classes, rows, search and duplicates replace what was shown; the view
    /// (and a search, selection or sort) stays as the operator left it.
    pub(super) fn on_loaded(&mut self, loaded: Loaded) -> Vec<Effect> {
        let scan = self.loading.take().and_then(|l| if l.searchable { None } else { l.scan });
        // Until the pairs are judged, the index is empty and edits are noted for it.
        self.dupes_pending = if loaded.dupes.is_some() { None } else { Some(Vec::new()) };
        self.duplicates.finding = self.dupes_pending.is_some();
        let (today, elsewhere) = (self.today, loaded.elsewhere);
        let mut old = None;
        if let Some(mut shop) = self.shop.write() {
            let shop = &mut *shop;
            let rows_sent = loaded.model.is_none();
            let model = loaded.model.unwrap_or_else(|| std::mem::take(&mut shop.model));
            let dupes = loaded.dupes.unwrap_or_default();
            old = Some(std::mem::replace(shop, super::ShopData { clf: loaded.classifier, model, dupes }));
            if rows_sent {
                shop.model.refresh_classes(&shop.clf);
            }
            // A day that began while the shop was being read wins over the day reading started.
            if today > shop.clf.today() {
                shop.clf.set_today(today);
                shop.model.refresh_facts(&shop.clf);
            }
        }
        if let Some(old) = old {
            super::shop::discard(old);
        }
        self.reset_views();
        self.status = match loaded.note {
            Some(note) => super::Notice::text(note),
            None => crate::notice!("{} customers loaded", self.shop.read().model.len()),
        };
        let mut effects = match scan {
            Some(card) => self.on_scan(&card),
            None => vec![],
        };
        // Data arrived (a demo shop, an import made elsewhere) and nothing predicts yet: fit
        // now rather than show "P(alive) —" until someone thinks of `R`.
        let unfitted = {
            let shop = self.shop.read();
            shop.clf.model().is_none() && shop.model.len() >= AUTO_FIT_MIN_CUSTOMERS
        };
        // The console whose load it is asks (a session's own load in `kehu serve` included: the
        // base that installed it runs no effects).
        if unfitted && !elsewhere {
            let loaded = std::mem::take(&mut self.status);
            self.status = crate::notice!(
                "{} · {}",
                loaded,
                crate::notice!("fitting the P(alive) model on every customer…")
            );
            effects.push(Effect::FitModel);
        }
        effects
    }

    /// The duplicate pairs, judged over the customers as they were read: the customers saved or
    /// merged away since are taken in again.
    pub(super) fn on_duplicates_found(&mut self, mut index: DuplicateIndex) -> Vec<Effect> {
        // A later full load (demo data) brought its own index: this one is out of date.
        let Some(changed) = self.dupes_pending.take() else { return vec![] };
        if let Some(mut shop) = self.shop.write() {
            let shop = &mut *shop;
            for id in changed {
                match shop.model.get(id) {
                    Some(row) => index.upsert(&row.customer),
                    None => {
                        index.remove(id);
                    }
                }
            }
            shop.dupes = index;
        }
        self.duplicates.finding = false;
        self.duplicates.set(self.shop.read().dupes.pairs());
        vec![]
    }

    /// Whether every customer's classes are in (the load finished, or there was nothing to load).
    pub fn classes_in(&self) -> bool {
        self.loading.is_none()
    }

    pub(super) fn on_load_failed(&mut self, msg: String) -> Vec<Effect> {
        if let Some(l) = self.loading.as_mut() {
            l.failed = true;
        }
        self.status = crate::notice!("error: cannot load the database: {}", msg);
        vec![]
    }

    /// A card scanned before the customers are in: kept, and opened when they arrive.
    pub(super) fn hold_scan(&mut self, card: String) -> Vec<Effect> {
        self.status = crate::notice!("card {} scanned; it opens once the customers are read", &card);
        if let Some(l) = self.loading.as_mut() {
            l.scan = Some(card);
        }
        vec![]
    }

    /// Whether `action` must wait for the whole load (an edit, or a view of classes); says so.
    pub(super) fn held_while_loading(&mut self, action: &Action) -> bool {
        if self.loading.is_none() {
            return false;
        }
        let held = matches!(
            action,
            Action::AddCustomer
                | Action::EditCustomer
                | Action::RecordPurchase
                | Action::LogInteraction
                | Action::TagSelected
                | Action::UntagSelected
                | Action::Undo
                | Action::VoidRecord
                | Action::RefundPurchase
                | Action::CorrectRecord
                | Action::ResolveComplaint
                | Action::DeleteCustomer
                | Action::NotDuplicate
                | Action::OpenForm(_)
                | Action::LoadDemo
                | Action::Refit
                | Action::NewSegment
                | Action::OptOut
                | Action::CampaignList
                | Action::RenameSegment
                | Action::DeleteSegment
                | Action::ShowSegments
                | Action::ShowFollowUps
                | Action::ShowDuplicates
                | Action::ShowDayClose
                | Action::PickFilter
        );
        if held {
            self.status = crate::notice!("still loading — this waits until every customer is read");
        }
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(100_000), "100,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
