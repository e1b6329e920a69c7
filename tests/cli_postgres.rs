//! `--db postgres://…` through the real binary (issue 19, first step): kehu connects, makes the
//! schema once, and says plainly that it does not serve records from PostgreSQL yet; a server
//! that is not there, a database that does not exist and a newer schema are named in words.
//! Never a directory named after the URL, which is what kehu did before.

mod common;
#[path = "../src/store/pg/testkit.rs"]
#[allow(dead_code)]
mod pg;

use common::*;
use std::path::Path;

const TODAY: &str = "2026-11-25";

fn run(url: &str, args: &[&str]) -> std::process::Output {
    kehu_at(Path::new(url), TODAY, args)
}

#[test]
fn a_postgresql_url_gets_its_schema_and_a_plain_refusal_never_a_directory() {
    let Some(server) = pg::Pg::get("cli_postgres") else { return };
    let db = server.database("cli");
    let cwd = std::env::current_dir().unwrap();
    for args in [&["segments"][..], &["show", "M1"], &["check"]] {
        let out = run(&db.url, args);
        // `check` reports on stdout (its refusals too), the others on stderr.
        let err = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("is ready (kehu schema 1)") && err.contains("use a database directory"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(!cwd.join("postgresql:").exists(), "no directory named after the URL");
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    let version: i32 = c.query_one("SELECT version FROM kehu_schema", &[]).unwrap().get(0);
    assert_eq!(version, 1);
    let tables: i64 = c
        .query_one("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'kehu\\_%'", &[])
        .unwrap()
        .get(0);
    assert_eq!(tables, 16, "kehu_schema and one table per tree");

    // A newer kehu's schema: refused in words, left as it was.
    c.execute("UPDATE kehu_schema SET version = 99", &[]).unwrap();
    let out = run(&db.url, &["segments"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("newer kehu (schema 99"), "{err}");

    // A database that does not exist, a server that is not there: named, not a panic.
    let missing = format!("{}_missing", db.url);
    let err = String::from_utf8_lossy(&run(&missing, &["segments"]).stderr).to_string();
    assert!(err.contains("cannot connect to PostgreSQL") && err.contains("does not exist"), "{err}");
    let err = String::from_utf8_lossy(&run("postgresql://nobody:secret@127.0.0.1:1/x", &["segments"]).stderr)
        .to_string();
    assert!(err.contains("cannot connect to PostgreSQL at postgresql://nobody@127.0.0.1:1/x"), "{err}");
    assert!(!err.contains("secret"), "the password is never printed: {err}");
}
