//! The store's contract, run on every backend: each test below is one function over a
//! [`Backend`], and [`both!`] makes it a test on sled and a test on PostgreSQL (skipped, saying
//! so, where no PostgreSQL can be started; CI requires it).

use super::pg::PgStore;
use super::pg::testkit::{Pg, TestDb};
use super::trees::TreeId;
use super::{SledStore, Store, StoreError};
use crate::domain::{Customer, Interaction, InteractionKind, Phone};
use crate::store::ChangeSet;
use crate::store::keys::id_key;
use crate::store::test_support::{day, new_customer, new_purchase};
use tempfile::TempDir;

/// A database of one backend, for one test.
pub(crate) trait Backend {
    /// The store.
    fn store(&self) -> &dyn Store;
    /// Every entry of tree `t`, under the store: what its indexes and chunks hold.
    fn dump(&self, t: TreeId) -> Vec<(Vec<u8>, Vec<u8>)>;
    /// Closes the store and opens the database again.
    fn reopen(&mut self);
}

/// A database directory.
pub(crate) struct OnSled {
    dir: TempDir,
    store: Option<SledStore>,
}

impl OnSled {
    pub fn new() -> OnSled {
        let dir = TempDir::new().unwrap();
        let store = Some(SledStore::open(dir.path()).unwrap());
        OnSled { dir, store }
    }
}

impl Backend for OnSled {
    fn store(&self) -> &dyn Store {
        self.store.as_ref().unwrap()
    }
    fn dump(&self, t: TreeId) -> Vec<(Vec<u8>, Vec<u8>)> {
        let s = self.store.as_ref().unwrap();
        s.tree(t).iter().map(|r| r.unwrap()).map(|(k, v)| (k.to_vec(), v.to_vec())).collect()
    }
    fn reopen(&mut self) {
        self.store = None;
        self.store = Some(SledStore::open(self.dir.path()).unwrap());
    }
}

/// A database on the test server, dropped at the end.
pub(crate) struct OnPg {
    store: Option<PgStore>,
    db: TestDb,
}

impl OnPg {
    /// A new database, or `None` where there is no PostgreSQL (said on stderr).
    pub fn new(test: &str) -> Option<OnPg> {
        let db = Pg::get(test)?.database(test);
        let store = Some(PgStore::open(&db.url).unwrap());
        Some(OnPg { store, db })
    }

    /// The test's database.
    pub fn db(&self) -> &TestDb {
        &self.db
    }

    /// The database's URL, for a second store on it (another process, as far as it knows).
    pub fn url(&self) -> &str {
        &self.db.url
    }
}

impl Backend for OnPg {
    fn store(&self) -> &dyn Store {
        self.store.as_ref().unwrap()
    }
    fn dump(&self, t: TreeId) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.store.as_ref().unwrap().dump(t)
    }
    fn reopen(&mut self) {
        self.store = None;
        self.store = Some(PgStore::open(&self.db.url).unwrap());
    }
}

/// Makes each named function a test on sled and a test on PostgreSQL.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod on_sled {
            $(#[test] fn $name() { super::$name(&mut super::OnSled::new()) })*
        }
        mod on_postgres {
            $(#[test] fn $name() {
                if let Some(mut b) = super::OnPg::new(stringify!($name)) { super::$name(&mut b) }
            })*
        }
    };
}

both!(
    new_customer_gets_id_revision_and_index_entries,
    update_moves_ref_and_phone_index_entries,
    households_share_a_phone_and_numbers_do_not_prefix_match,
    duplicate_ref_is_refused_and_nothing_written,
    stale_revision_is_refused,
    purchase_for_missing_customer_is_refused,
    history_is_sorted_by_date_then_id,
    apply_writes_everything_and_for_each_history_merges_in_id_order,
    apply_with_a_bad_record_writes_nothing,
    apply_checks_ref_uniqueness_within_the_set_and_upserts,
    ids_are_never_reused,
    reopen_keeps_everything,
    indexes_agree_with_records_after_merge_and_delete,
    branches_are_kept_and_make_the_home_branch,
);

/// Records keep their branch through a commit and a reopen, the points a sale earns take its
/// branch, and the kept summaries (what a console starts from) name the home branch.
fn branches_are_kept_and_make_the_home_branch(b: &mut dyn Backend) {
    let id = {
        let s = b.store();
        let c = s.put_customer(new_customer("王芳", Some("M1"), None)).unwrap();
        for (n, branch) in ["东门店", "西门店", "西门店"].into_iter().enumerate() {
            let mut p = new_purchase(c.id, day(1, 1 + n as u32), 100);
            (p.branch, p.points) = (branch.into(), 10);
            s.add_purchase(p).unwrap();
        }
        let mut call = Interaction::new(c.id, day(2, 1), InteractionKind::Call, "").unwrap();
        call.branch = "南门店".into();
        s.add_interaction(call).unwrap();
        c.id
    };
    b.reopen();
    let s = b.store();
    let h = s.history(id).unwrap().unwrap();
    let sold: Vec<&str> = h.purchases.iter().map(|p| p.branch.as_str()).collect();
    assert_eq!(sold, ["东门店", "西门店", "西门店"]);
    assert_eq!(h.interactions[0].branch, "南门店");
    assert_eq!(h.ledger.len(), 3, "each sale earned its points");
    for e in &h.ledger {
        let sale = h.purchases.iter().find(|p| Some(p.id) == e.purchase).expect("a sale's entry");
        assert_eq!(e.branch, sale.branch, "entry #{}", e.id);
    }
    let mut homes = Vec::new();
    s.summaries_until(&mut |sum| {
        homes.push(sum.branch.to_string());
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(homes, ["西门店"]);
}

fn phone(s: &str) -> Phone {
    Phone::parse(s).unwrap()
}

/// Every index entry, to compare before and after a refused edit.
fn index_dump(b: &dyn Backend) -> Vec<(Vec<u8>, Vec<u8>)> {
    [b.dump(TreeId::IdxRef), b.dump(TreeId::IdxPhone)].concat()
}

fn new_customer_gets_id_revision_and_index_entries(b: &dyn Backend) {
    let s = b.store();
    let c = s.put_customer(new_customer("Li Na", Some("M1"), Some("13812345678"))).unwrap();
    assert_eq!((c.id, c.revision), (1, 1));
    assert_eq!(s.customer(1).unwrap().unwrap(), c);
    assert_eq!(s.id_by_ref("M1").unwrap(), Some(1));
    assert_eq!(s.ids_by_phone(&phone("13812345678")).unwrap(), vec![1]);
    assert_eq!(s.customer_count().unwrap(), 1);
}

fn update_moves_ref_and_phone_index_entries(b: &dyn Backend) {
    let s = b.store();
    let mut c = s.put_customer(new_customer("Li Na", Some("M1"), Some("13812345678"))).unwrap();
    c.set_reference("M2").unwrap();
    c.set_phone("13900000000").unwrap();
    let c = s.put_customer(c).unwrap();
    assert_eq!(c.revision, 2);
    assert_eq!(s.id_by_ref("M1").unwrap(), None);
    assert_eq!(s.id_by_ref("M2").unwrap(), Some(c.id));
    assert!(s.ids_by_phone(&phone("13812345678")).unwrap().is_empty());
    assert_eq!(s.ids_by_phone(&phone("13900000000")).unwrap(), vec![c.id]);

    let mut c = c;
    c.reference = None;
    c.phone = None;
    s.put_customer(c).unwrap();
    assert!(index_dump(b).is_empty());
}

fn households_share_a_phone_and_numbers_do_not_prefix_match(b: &dyn Backend) {
    let s = b.store();
    let a = s.put_customer(new_customer("A", None, Some("010-1234567"))).unwrap();
    let b = s.put_customer(new_customer("B", None, Some("010-1234567"))).unwrap();
    let c = s.put_customer(new_customer("C", None, Some("010-12345678"))).unwrap();
    assert_eq!(s.ids_by_phone(&phone("0101234567")).unwrap(), vec![a.id, b.id]);
    assert_eq!(s.ids_by_phone(&phone("01012345678")).unwrap(), vec![c.id]);
}

fn duplicate_ref_is_refused_and_nothing_written(b: &dyn Backend) {
    let s = b.store();
    let first = s.put_customer(new_customer("A", Some("M1"), Some("13812345678"))).unwrap();
    let other = s.put_customer(new_customer("B", Some("M2"), None)).unwrap();
    let before = index_dump(b);
    let err = s.put_customer(new_customer("C", Some("M1"), Some("13900000000"))).unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicateRef { ref reference, owner } if reference == "M1" && owner == first.id)
    );
    let mut moved = other.clone();
    moved.set_reference("M1").unwrap();
    assert!(matches!(s.put_customer(moved), Err(StoreError::DuplicateRef { .. })));
    assert_eq!(s.customer_count().unwrap(), 2);
    assert_eq!(index_dump(b), before);
    assert_eq!(s.customer(other.id).unwrap().unwrap(), other);
}

fn stale_revision_is_refused(b: &dyn Backend) {
    let s = b.store();
    let v1 = s.put_customer(new_customer("A", Some("M1"), None)).unwrap();
    let mut mine = v1.clone();
    let mut theirs = v1.clone();
    theirs.notes = "theirs".into();
    let saved = s.put_customer(theirs).unwrap();
    mine.set_reference("M9").unwrap();
    let err = s.put_customer(mine).unwrap_err();
    assert!(matches!(err, StoreError::Stale { id, expected: 1, found: 2 } if id == v1.id), "{err:?}");
    assert_eq!(s.customer(v1.id).unwrap().unwrap(), saved);
    assert_eq!(s.id_by_ref("M9").unwrap(), None);
}

fn purchase_for_missing_customer_is_refused(b: &dyn Backend) {
    let s = b.store();
    let err = s.add_purchase(new_purchase(42, day(1, 1), 10)).unwrap_err();
    assert!(matches!(err, StoreError::NoSuchCustomer(42)));
    let i = Interaction::new(0, day(1, 1), InteractionKind::Call, "").unwrap();
    assert!(matches!(s.add_interaction(i), Err(StoreError::NoSuchCustomer(0))));
    assert!(b.dump(TreeId::Purchases).is_empty() && b.dump(TreeId::Interactions).is_empty());
}

fn history_is_sorted_by_date_then_id(b: &dyn Backend) {
    let s = b.store();
    let c = s.put_customer(new_customer("A", None, None)).unwrap();
    let late = s.add_purchase(new_purchase(c.id, day(3, 1), 1)).unwrap();
    let early_b = s.add_purchase(new_purchase(c.id, day(1, 1), 2)).unwrap();
    let early_a = s.add_purchase(new_purchase(c.id, day(1, 1), 3)).unwrap();
    let call =
        s.add_interaction(Interaction::new(c.id, day(2, 1), InteractionKind::Call, "x").unwrap()).unwrap();
    let h = s.history(c.id).unwrap().unwrap();
    let ids: Vec<u64> = h.purchases.iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![early_b.id, early_a.id, late.id]);
    assert_eq!(h.interactions, vec![call]);
    assert_eq!(s.history(999).unwrap(), None);
}

fn change_set(s: &dyn Store, customers: usize, purchases_each: usize) -> ChangeSet {
    let first = s.allocate_ids(customers as u64).unwrap();
    let mut set = ChangeSet::default();
    for n in 0..customers {
        let mut c = new_customer(&format!("C{n}"), Some(&format!("R{n}")), Some("13812345678"));
        c.id = first + n as u64;
        for k in 0..purchases_each {
            set.purchases.push(new_purchase(c.id, day(1 + (k % 12) as u32, 1), k as i64));
        }
        set.customers.push(c);
    }
    set
}

fn apply_writes_everything_and_for_each_history_merges_in_id_order(b: &dyn Backend) {
    let s = b.store();
    let mut set = change_set(s, 5, 3);
    set.customers[2].reference = None;
    set.interactions
        .push(Interaction::new(set.customers[4].id, day(5, 5), InteractionKind::Visit, "").unwrap());
    set.purchases.retain(|p| p.customer != set.customers[1].id);
    s.apply(set.clone(), "test").unwrap();
    let mut seen = Vec::new();
    s.for_each_history(&mut |h| seen.push(h)).unwrap();
    assert_eq!(seen.len(), 5);
    for (h, c) in seen.iter().zip(&set.customers) {
        assert_eq!(h.customer.id, c.id);
        assert_eq!(h.customer.revision, 1);
        assert_eq!(Some(h), s.history(c.id).unwrap().as_ref());
    }
    let counts: Vec<usize> = seen.iter().map(|h| h.purchases.len()).collect();
    assert_eq!(counts, vec![3, 0, 3, 3, 3]);
    assert_eq!(seen[4].interactions.len(), 1);
    assert_eq!(s.ids_by_phone(&phone("13812345678")).unwrap().len(), 5);
    assert_eq!(s.id_by_ref("R3").unwrap(), Some(set.customers[3].id));
    // The purchases had id 0: they got fresh ids, distinct and above every customer id.
    let mut ids: Vec<u64> = seen.iter().flat_map(|h| h.purchases.iter().map(|p| p.id)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    assert!(ids[0] > set.customers[4].id);
}

fn apply_with_a_bad_record_writes_nothing(b: &dyn Backend) {
    let s = b.store();
    let mut set = change_set(s, 3, 2);
    set.purchases.push(new_purchase(9999, day(1, 1), 5));
    assert!(matches!(s.apply(set.clone(), "test"), Err(StoreError::NoSuchCustomer(9999))));
    assert_eq!(s.customer_count().unwrap(), 0);
    assert!(index_dump(b).is_empty());
    assert!(b.dump(TreeId::Purchases).is_empty());
}

fn apply_checks_ref_uniqueness_within_the_set_and_upserts(b: &dyn Backend) {
    let s = b.store();
    let mut set = change_set(s, 3, 0);
    set.customers[2].reference = Some("R0".into());
    let err = s.apply(set.clone(), "test").unwrap_err();
    assert!(matches!(err, StoreError::DuplicateRef { owner, .. } if owner == set.customers[0].id));
    assert_eq!(s.customer_count().unwrap(), 0);

    set.customers[2].reference = Some("R2".into());
    s.apply(set.clone(), "test").unwrap();
    // An update in a later set: revision 1 as read, ref changed.
    let mut upd = s.customer(set.customers[0].id).unwrap().unwrap();
    upd.reference = Some("R0-new".into());
    s.apply(ChangeSet { customers: vec![upd.clone()], ..ChangeSet::default() }, "test").unwrap();
    assert_eq!(s.id_by_ref("R0").unwrap(), None);
    assert_eq!(s.id_by_ref("R0-new").unwrap(), Some(upd.id));
    assert_eq!(s.customer(upd.id).unwrap().unwrap().revision, 2);
}

fn ids_are_never_reused(b: &dyn Backend) {
    let s = b.store();
    assert_eq!(s.allocate_ids(10).unwrap(), 1);
    assert_eq!(s.put_customer(new_customer("A", None, None)).unwrap().id, 11);
    let mut chosen = new_customer("B", None, None);
    chosen.id = 500;
    s.put_customer(chosen).unwrap();
    assert_eq!(s.allocate_ids(1).unwrap(), 501);
}

fn reopen_keeps_everything(b: &mut dyn Backend) {
    let (c, p) = {
        let s = b.store();
        let c = s.put_customer(new_customer("A", Some("M1"), Some("13812345678"))).unwrap();
        let p = s.add_purchase(new_purchase(c.id, day(1, 1), 9)).unwrap();
        s.set_setting("segments", b"gold").unwrap();
        (c, p)
    };
    b.reopen();
    let s = b.store();
    let h = s.history(c.id).unwrap().unwrap();
    assert_eq!((h.customer, h.purchases), (c.clone(), vec![p.clone()]));
    assert_eq!(s.id_by_ref("M1").unwrap(), Some(c.id));
    assert_eq!(s.setting("segments").unwrap().as_deref(), Some(&b"gold"[..]));
    assert_eq!(s.setting("absent").unwrap(), None);
    assert!(s.allocate_ids(1).unwrap() > p.id);
}

/// The index entries the customer records imply, in the layout of [`index_dump`].
fn implied_index(b: &dyn Backend) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut refs = Vec::new();
    let mut phones = Vec::new();
    for (k, v) in b.dump(TreeId::Customers) {
        let at = crate::store::envelope::At::customer(crate::store::keys::parse_id(&k, "key").unwrap());
        let c: Customer = crate::store::envelope::decode(&v, at).unwrap();
        if let Some(r) = c.reference.filter(|r| !r.is_empty()) {
            refs.push((r.into_bytes(), id_key(c.id).to_vec()));
        }
        if let Some(p) = &c.phone {
            phones.push((crate::store::keys::phone_key(p, c.id), Vec::new()));
        }
    }
    refs.sort();
    phones.sort();
    refs.into_iter().chain(phones).collect()
}

fn indexes_agree_with_records_after_merge_and_delete(b: &dyn Backend) {
    let s = b.store();
    let a = s.put_customer(new_customer("A", Some("M1"), Some("13812345678"))).unwrap();
    let bee = s.put_customer(new_customer("B", Some("M2"), Some("13900000000"))).unwrap();
    s.put_customer(new_customer("C", Some("M3"), Some("13812345678"))).unwrap();
    let e = s.put_customer(new_customer("E", Some("M5"), None)).unwrap();
    s.add_purchase(new_purchase(bee.id, day(1, 2), 5)).unwrap();
    s.add_interaction(Interaction::new(bee.id, day(1, 3), InteractionKind::Call, "x").unwrap()).unwrap();
    let mut survivor = a.clone();
    survivor.reference = bee.reference.clone();
    survivor.phone = bee.phone.clone();
    s.merge(survivor, bee.id).unwrap();
    assert_eq!(index_dump(b), implied_index(b));
    s.delete_customer(e.id, e.revision).unwrap();
    assert_eq!(index_dump(b), implied_index(b));
    let children = [b.dump(TreeId::Purchases), b.dump(TreeId::Interactions)].concat();
    assert!(children.iter().all(|(k, _)| k[..8] == id_key(a.id)));
}
