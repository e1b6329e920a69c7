//! `--db postgres://…` through the real binary: kehu makes the schema once and then serves a
//! shop from PostgreSQL as from a directory — every process on its own connection, each seeing
//! what the others saved; commands that work on a directory only (salvage) refuse in
//! words, and serve without a host key; a server that is not there, a database that does not exist and a newer schema are
//! named. Never a directory named after the URL.

mod common;
#[path = "../src/store/pg/testkit.rs"]
#[allow(dead_code)]
mod pg;

use common::*;
use std::path::Path;

const TODAY: &str = "2024-06-30";

fn run(url: &str, args: &[&str]) -> std::process::Output {
    kehu_at(Path::new(url), TODAY, args)
}

/// What the command said, on both streams (`check` reports on stdout, refusals too).
fn said(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout))
}

#[test]
fn a_shop_on_postgresql_is_filled_read_checked_and_shared_by_processes() {
    let Some(server) = pg::Pg::get("cli_postgres") else { return };
    let db = server.database("cli_shop");
    let cwd = std::env::current_dir().unwrap();

    let out = run(&db.url, &["demo", "--customers", "120"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(stdout(&out).contains("created 120 customers"), "{}", said(&out));

    // Other processes, each on a connection of its own, read what the first saved.
    let out = run(&db.url, &["segments"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(stdout(&out).starts_with("120 customers as of 2024-06-30"), "{}", said(&out));
    let out = run(&db.url, &["export", "--kind", "customers"]);
    assert_eq!(stdout(&out).lines().count(), 121, "a header and 120 customers");
    let out = run(&db.url, &["show", "#1"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));

    // The same answers as the same shop in a directory.
    let dir = tempfile::TempDir::new().unwrap();
    let local = dir.path().join("db");
    assert!(kehu_at(&local, TODAY, &["demo", "--customers", "120"]).status.success());
    for args in [&["segments"][..], &["export", "--kind", "classes"], &["show", "#1"]] {
        let (on_pg, on_dir) = (run(&db.url, args), kehu_at(&local, TODAY, args));
        assert_eq!(stdout(&on_pg), stdout(&on_dir), "{args:?}");
    }

    let out = run(&db.url, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(stdout(&out).contains("clean"), "{}", said(&out));

    // What works on a directory only says so.
    let out = run(&db.url, &["salvage", "--out", dir.path().join("salvaged").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("is a PostgreSQL database; this command works on a database directory only"));
    let keys = dir.path().join("authorized_keys");
    std::fs::write(&keys, "").unwrap();
    let out = run(&db.url, &["serve", "--authorized-keys", keys.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    assert!(said(&out).contains("needs --host-key FILE"), "{}", said(&out));
    assert!(!said(&out).contains("panicked"));

    assert!(!cwd.join("postgresql:").exists(), "no directory named after the URL");
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    let version: i32 = c.query_one("SELECT version FROM kehu_schema", &[]).unwrap().get(0);
    assert_eq!(version, 2, "tables, then records with their branch");
    let tables: i64 = c
        .query_one("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'kehu\\_%'", &[])
        .unwrap()
        .get(0);
    assert_eq!(tables, 16, "kehu_schema and one table per tree");
}

#[test]
fn a_newer_schema_a_missing_database_and_no_server_are_named() {
    let Some(server) = pg::Pg::get("cli_postgres") else { return };
    let db = server.database("cli_refusals");
    assert_eq!(run(&db.url, &["segments"]).status.code(), Some(0), "an empty shop");
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();

    // A newer kehu's schema: refused in words, left as it was.
    c.execute("UPDATE kehu_schema SET version = 99", &[]).unwrap();
    let out = run(&db.url, &["segments"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("newer kehu (schema 99"), "{}", said(&out));
    let version: i32 = c.query_one("SELECT version FROM kehu_schema", &[]).unwrap().get(0);
    assert_eq!(version, 99);

    // A database that does not exist, a server that is not there: named, not a panic.
    let missing = format!("{}_missing", db.url);
    let err = said(&run(&missing, &["segments"]));
    assert!(err.contains("cannot connect to PostgreSQL") && err.contains("does not exist"), "{err}");
    let err = said(&run("postgresql://nobody:secret@127.0.0.1:1/x", &["segments"]));
    assert!(err.contains("cannot connect to PostgreSQL at postgresql://nobody@127.0.0.1:1/x"), "{err}");
    assert!(!err.contains("secret"), "the password is never printed: {err}");
}
