//! `kehu migrate` between a directory and PostgreSQL, and `backup` / `restore` on PostgreSQL:
//! a shop moved there and back answers as it did, is checked clean, and keeps its changes;
//! a destination that holds anything, a damaged source and a damaged backup are refused with
//! nothing written.

mod common;
#[path = "../src/store/pg/testkit.rs"]
#[allow(dead_code)]
mod pg;

use common::*;
use std::path::Path;
use std::process::Output;

const TODAY: &str = "2024-06-30";

fn on(db: &str, args: &[&str]) -> Output {
    kehu_at(Path::new(db), TODAY, args)
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout))
}

fn migrate(from: &str, to: &str) -> Output {
    on(from, &["migrate", "--from", from, "--to", to])
}

/// What a shop answers: its segments, every customer's classes, one customer whole.
fn answers(db: &str) -> Vec<String> {
    [&["segments"][..], &["export", "--kind", "classes"], &["export", "--kind", "customers"], &["show", "#1"]]
        .iter()
        .map(|args| {
            let out = on(db, args);
            assert!(out.status.success(), "{args:?} on {db}: {}", said(&out));
            stdout(&out)
        })
        .collect()
}

fn clean(db: &str) {
    let out = on(db, &["check"]);
    assert!(out.status.success() && stdout(&out).contains("clean"), "check on {db}: {}", said(&out));
}

#[test]
fn a_shop_moved_to_postgresql_and_back_answers_as_before_and_keeps_what_was_done_there() {
    let Some(server) = pg::Pg::get("cli_moving") else { return };
    let dir = tempfile::TempDir::new().unwrap();
    let home = dir.path().join("shop");
    let home = home.to_str().unwrap();
    assert!(on(home, &["demo", "--customers", "150", "--seed", "3"]).status.success());
    let before = answers(home);

    let chain = server.database("moving_there");
    let out = migrate(home, &chain.url);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(stdout(&out).contains("counted and summed again there: equal"), "{}", said(&out));
    assert_eq!(answers(&chain.url), before, "the same shop on PostgreSQL");
    clean(&chain.url);

    // A day on PostgreSQL: a sale imported there.
    let sale = dir.path().join("sale.csv");
    std::fs::write(&sale, "customer_id,date,amount\n1,2024-06-30,88.80\n").unwrap();
    let out = on(&chain.url, &["import", "--kind", "purchases", sale.to_str().unwrap()]);
    assert!(out.status.success(), "{}", said(&out));
    let after = answers(&chain.url);
    assert_ne!(after, before);

    // And back into a new directory: the sale came along, and the directory is whole.
    let back = dir.path().join("back");
    let back = back.to_str().unwrap();
    let out = migrate(&chain.url, back);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(answers(back), after);
    assert!(answers(back)[3].contains("88.80"), "{}", answers(back)[3]);
    clean(back);
    // The directory takes edits and the journal as any other.
    let out = on(back, &["import", "--kind", "purchases", sale.to_str().unwrap()]);
    assert!(out.status.success(), "{}", said(&out));
    clean(back);

    // A backup of the PostgreSQL shop restores into a directory and into another database.
    let file = dir.path().join("chain.kehubak");
    let out = on(&chain.url, &["backup", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let restored = dir.path().join("restored");
    let restored = restored.to_str().unwrap();
    assert_eq!(on(restored, &["restore", file.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(answers(restored), after);
    clean(restored);
    let other = server.database("moving_restored");
    let out = on(&other.url, &["restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(answers(&other.url), after);
    clean(&other.url);
}

#[test]
fn occupied_destinations_damaged_sources_and_damaged_backups_are_refused_with_nothing_written() {
    let Some(server) = pg::Pg::get("cli_moving") else { return };
    let dir = tempfile::TempDir::new().unwrap();
    let home = dir.path().join("shop");
    let home = home.to_str().unwrap();
    assert!(on(home, &["demo", "--customers", "40", "--seed", "5"]).status.success());
    let chain = server.database("moving_refusals");
    assert_eq!(migrate(home, &chain.url).status.code(), Some(0));
    let there = answers(&chain.url);

    // Into a database that holds a shop, or a directory that holds anything: refused.
    let out = migrate(home, &chain.url);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("already holds a shop") && said(&out).contains("nothing was written"));
    assert_eq!(answers(&chain.url), there);
    let out = migrate(&chain.url, home);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("is not empty"), "{}", said(&out));
    let out = migrate(home, dir.path().join("x").to_str().unwrap());
    assert!(said(&out).contains("both are directories"), "{}", said(&out));
    let file = dir.path().join("shop.kehubak");
    assert!(on(home, &["backup", file.to_str().unwrap()]).status.success());
    let out = on(&chain.url, &["restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("already holds a shop"), "{}", said(&out));

    // A record changed behind kehu's back on the server: the move is refused, no directory made.
    let mut admin = postgres::Client::connect(&chain.url, postgres::NoTls).unwrap();
    let (k, mut v): (Vec<u8>, Vec<u8>) = admin
        .query_one("SELECT k, v FROM kehu_customers ORDER BY k LIMIT 1", &[])
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    let mid = v.len() / 2;
    v[mid] ^= 0x01;
    admin.execute("UPDATE kehu_customers SET v = $2 WHERE k = $1", &[&k, &v]).unwrap();
    let out_dir = dir.path().join("from-damaged");
    let out = migrate(&chain.url, out_dir.to_str().unwrap());
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("do not add up"), "{}", said(&out));
    assert!(!out_dir.exists() && !dir.path().join("from-damaged.moving").exists());

    // A damaged backup into an empty database: refused, the database still empty.
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    let bad = dir.path().join("bad.kehubak");
    std::fs::write(&bad, bytes).unwrap();
    let empty = server.database("moving_empty");
    let out = on(&empty.url, &["restore", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let mut c = postgres::Client::connect(&empty.url, postgres::NoTls).unwrap();
    let n: i64 = c.query_one("SELECT count(*) FROM kehu_customers", &[]).unwrap().get(0);
    assert_eq!(n, 0, "nothing restored");
    // And the same backup whole goes in.
    let out = on(&empty.url, &["restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
}

#[test]
fn a_shop_born_on_postgresql_restores_and_moves_into_a_directory_that_opens_whole() {
    let Some(server) = pg::Pg::get("cli_moving") else { return };
    let born = server.database("moving_born");
    assert!(on(&born.url, &["demo", "--customers", "30", "--seed", "9"]).status.success());
    let there = answers(&born.url);
    let dir = tempfile::TempDir::new().unwrap();

    // Its backup, restored into a directory: the directory records its format and is whole.
    let file = dir.path().join("born.kehubak");
    assert!(on(&born.url, &["backup", file.to_str().unwrap()]).status.success());
    let restored = dir.path().join("restored");
    let out = on(restored.to_str().unwrap(), &["restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    clean(restored.to_str().unwrap());
    assert_eq!(answers(restored.to_str().unwrap()), there);

    // Moved into a directory named with a trailing slash: made beside it, never inside.
    let moved = format!("{}/", dir.path().join("moved").display());
    let out = migrate(&born.url, &moved);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(!Path::new(&moved).join(".moving").exists() && !dir.path().join("moved.moving").exists());
    clean(&moved);
    assert_eq!(answers(&moved), there);
}
