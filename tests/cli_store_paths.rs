//! Where databases are and are not (issue 13, points 5 and 6): read commands never create a
//! database on a mistyped path, and a backup or salvage never lands inside the database.

mod common;
use common::*;

const TODAY: &str = "2024-06-30";

#[test]
fn read_commands_on_a_path_with_no_database_exit_2_and_create_nothing() {
    let s = Scratch::new();
    let missing = s.dir.path().join("shop-typo");
    let nested = s.dir.path().join("missing").join("dir").join("db");
    let backup = s.dir.path().join("b.kehubak");
    let salvaged = s.dir.path().join("salvaged");
    let commands: [&[&str]; 9] = [
        &["segments"],
        &["show", "M1"],
        &["export", "--kind", "customers"],
        &["export", "--kind", "classes"],
        &["check"],
        &["audit"],
        &["fit"],
        &["backup", backup.to_str().unwrap()],
        &["salvage", "--out", salvaged.to_str().unwrap()],
    ];
    for db in [&missing, &nested] {
        for args in commands {
            let out = kehu_at(db, TODAY, args);
            let text = format!("{}{}", stdout(&out), stderr(&out));
            assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
            assert!(text.contains(&format!("no kehu database at {}", db.display())), "{args:?}: {text}");
            assert!(!db.exists(), "{args:?} created {}", db.display());
        }
    }
    assert!(!s.dir.path().join("missing").exists() && !backup.exists());
    assert!(!salvaged.exists());
    // The commands that do create one still do.
    ok(kehu_at(&missing, TODAY, &["demo", "--customers", "5"]));
    assert!(ok(kehu_at(&missing, TODAY, &["check"])).ends_with("clean\n"));
}

#[test]
fn a_backup_or_salvage_inside_the_database_is_refused_and_the_database_kept() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "40", "--seed", "3"]));
    let before = ok(s.kehu(TODAY, &["export", "--kind", "purchases"]));
    for inside in ["db", "conf", "journal/x.kehubak", "new.kehubak"] {
        let target = s.db().join(inside);
        let out = s.kehu(TODAY, &["backup", target.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{inside}: {}", stderr(&out));
        assert!(stderr(&out).contains("inside the database directory"), "{inside}: {}", stderr(&out));
    }
    let out = s.kehu(TODAY, &["salvage", "--out", s.db().join("again").to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!s.db().join("again").exists() && !s.db().join("new.kehubak").exists());
    assert!(ok(s.kehu(TODAY, &["check"])).ends_with("clean\n"));
    assert_eq!(ok(s.kehu(TODAY, &["export", "--kind", "purchases"])), before);
    // Beside it is fine.
    let beside = s.dir.path().join("beside.kehubak");
    assert!(ok(s.kehu(TODAY, &["backup", beside.to_str().unwrap()])).starts_with("backed up"));
}
