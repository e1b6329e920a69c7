//! The store's rules on both backends: the same changes, through the same code, give the same
//! answers (saved or refused, and why) and leave the same bytes in every tree.

use super::PgTxn;
use super::schema::{self, table};
use super::testkit::Pg;
use crate::change::Change;
use crate::store::test_support::{day, new_customer, new_purchase};
use crate::store::trees::{TreeId, Trees};
use crate::store::txn::Tx;
use crate::store::write::{Prepared, apply};
use std::collections::BTreeMap;

type Dump = BTreeMap<String, Vec<(Vec<u8>, Vec<u8>)>>;

/// Applies `change` in one sled transaction; what it answered, in words.
fn on_sled(trees: &Trees, change: &Change) -> String {
    use sled::Transactional;
    let all = trees.all();
    let out = all[..].transaction(|views| {
        let tx = Tx::new(views);
        apply(&tx, change, &Prepared::default(), "op")
    });
    match out {
        Ok(applied) => format!("{applied:?}"),
        Err(sled::transaction::TransactionError::Abort(e)) => format!("refused: {e}"),
        Err(e) => format!("failed: {e}"),
    }
}

/// Applies `change` in one PostgreSQL transaction, committed when it is saved.
fn on_pg(client: &mut postgres::Client, change: &Change) -> String {
    let pg = PgTxn::new(client.transaction().unwrap());
    let out = apply(&Tx::new(&pg), change, &Prepared::default(), "op");
    match out {
        Ok(applied) => {
            pg.commit().unwrap();
            format!("{applied:?}")
        }
        Err(sled::transaction::ConflictableTransactionError::Abort(e)) => format!("refused: {e}"),
        Err(e) => format!("failed: {e:?}"),
    }
}

fn every_tree() -> Vec<TreeId> {
    TreeId::ALL.iter().chain(&TreeId::KEPT).copied().collect()
}

fn sled_dump(trees: &Trees) -> Dump {
    every_tree()
        .into_iter()
        .map(|t| {
            (
                t.name().to_string(),
                trees[t].iter().map(|kv| kv.unwrap()).map(|(k, v)| (k.to_vec(), v.to_vec())).collect(),
            )
        })
        .collect()
}

fn pg_dump(client: &mut postgres::Client) -> Dump {
    every_tree()
        .into_iter()
        .map(|t| {
            let rows = client.query(&format!("SELECT k, v FROM {} ORDER BY k", table(t)), &[]).unwrap();
            (
                t.name().to_string(),
                rows.iter().map(|r| (r.get::<_, Vec<u8>>(0), r.get::<_, Vec<u8>>(1))).collect(),
            )
        })
        .collect()
}

#[test]
fn the_same_changes_give_the_same_answers_and_the_same_bytes_on_sled_and_postgresql() {
    let Some(server) = Pg::get("store::pg::same_changes") else { return };
    let db = server.database("same_changes");
    let mut client = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    assert_eq!(schema::ensure(&mut client).unwrap(), 0, "a new database gets the schema");
    let sled = sled::Config::new().temporary(true).open().unwrap();
    let trees = Trees::open(&sled).unwrap();

    let mut a = new_customer("张伟", Some("M001"), Some("13812345678"));
    a.id = 1;
    let mut b = new_customer("李娜", Some("M001"), Some("13912345678"));
    b.id = 2;
    let mut stale = a.clone();
    stale.name = "张伟 (old copy)".into();
    let mut moved = a.clone();
    moved.revision = 1;
    moved.set_reference("M002").unwrap();
    let changes = vec![
        Change::SaveCustomer(a.clone()),
        Change::SaveCustomer(b.clone()),
        Change::SaveCustomer(moved),
        Change::SaveCustomer(stale),
        Change::SaveCustomer(b),
        Change::AddPurchase(new_purchase(1, day(6, 1), 120)),
        Change::AddPurchase(new_purchase(9, day(6, 1), 5)),
    ];
    let mut answers = Vec::new();
    for change in &changes {
        let (s, p) = (on_sled(&trees, change), on_pg(&mut client, change));
        assert_eq!(s, p, "the backends answered {change:?} differently");
        answers.push(s);
    }
    assert!(
        answers[1].starts_with("refused") && answers[1].contains("M001"),
        "a held member number: {}",
        answers[1]
    );
    assert!(answers[3].starts_with("refused"), "a stale revision: {}", answers[3]);
    assert!(!answers[4].starts_with("refused"), "M001 free once moved: {}", answers[4]);
    assert!(answers[6].starts_with("refused"), "a purchase of nobody: {}", answers[6]);
    assert_eq!(sled_dump(&trees), pg_dump(&mut client));
}

#[test]
fn the_schema_is_made_once_and_a_newer_one_is_refused_untouched() {
    let Some(server) = Pg::get("store::pg::schema") else { return };
    let db = server.database("schema");
    let url = db.url.clone();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    // Two kehus connecting at once: one makes the schema, the other finds it made.
    let other = std::thread::spawn({
        let url = url.clone();
        move || schema::ensure(&mut postgres::Client::connect(&url, postgres::NoTls).unwrap()).unwrap()
    });
    let here = schema::ensure(&mut client).unwrap();
    let there = other.join().unwrap();
    assert_eq!([here.min(there), here.max(there)], [0, schema::latest()]);
    assert_eq!(schema::ensure(&mut client).unwrap(), schema::latest());

    client.execute("UPDATE kehu_schema SET version = version + 1", &[]).unwrap();
    let err = schema::ensure(&mut client).unwrap_err().to_string();
    assert!(err.contains("newer kehu") && err.contains("upgrade kehu"), "{err}");
    let v: i32 = client.query_one("SELECT version FROM kehu_schema", &[]).unwrap().get(0);
    assert_eq!(v, schema::latest() + 1, "left as it was");
}
