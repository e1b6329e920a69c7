//! Two consoles on one PostgreSQL database, in real terminals (tmux), as two tills of a chain:
//! a purchase rung up on one shows on the other without a key pressed there, and the two
//! editing one customer at once end in the conflict dialog, not in one overwriting the other.

mod common;
#[path = "../src/store/pg/testkit.rs"]
#[allow(dead_code)]
mod pg;
mod tmux;

use common::*;
use std::path::Path;
use tmux::{Tmux, wait_file};

const DAY: &str = "2024-06-30";

/// A console on `url` as operator `user`, at 80x24; its exit status lands in `exit`.
fn till(name: &str, url: &str, user: &str, dir: &Path) -> (Tmux, std::path::PathBuf) {
    let (t, exit) = console(name, url, user, "", dir);
    t.wait_for("the list", |s| {
        s.contains("30 customers") && s.contains("lifecycle") && !s.contains("loading")
    });
    (t, exit)
}

/// A console on `url` as operator `user` at `branch` (blank: head office), at 80x24, once its
/// shop is loaded; its exit status lands in `exit`.
fn console(name: &str, url: &str, user: &str, branch: &str, dir: &Path) -> (Tmux, std::path::PathBuf) {
    let exit = dir.join(format!("exit-{name}"));
    let branch = if branch.is_empty() { String::new() } else { format!("--branch '{branch}'") };
    let cmd = format!(
        "env -u KEHU_DB -u KEHU_TODAY -u KEHU_RULES -u KEHU_BRANCH KEHU_CONFIG={cfg} TERM=xterm-256color USER={user} '{bin}' --db '{url}' --as-of {DAY} {branch}; echo EXIT=$? > '{exit}'; sleep 60",
        cfg = dir.join("no-config.toml").display(),
        bin = env!("CARGO_BIN_EXE_kehu"),
        exit = exit.display(),
    );
    let t = Tmux::start(name, &cmd, 80, 24);
    t.wait_for("the shop loaded", |s| s.contains("30 customers") && !s.contains("loading"));
    (t, exit)
}

#[test]
fn two_tills_on_one_database_see_each_others_sales_and_conflict_instead_of_overwriting() {
    let Some(server) = pg::Pg::get("e2e_postgres") else { return };
    let db = server.database("e2e_tills");
    let out = kehu_at(Path::new(&db.url), DAY, &["demo", "--customers", "30", "--seed", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tempfile::TempDir::new().unwrap();
    let (one, one_exit) = till("till-one", &db.url, "till1", dir.path());
    let (two, two_exit) = till("till-two", &db.url, "till2", dir.path());
    // Both list the same shop in the same order: the first row is one customer on both.
    let first_row = |t: &Tmux| t.screen().lines().nth(2).unwrap_or_default().to_string();
    assert_eq!(first_row(&one), first_row(&two));

    // A purchase on till one…
    one.send(&["p"]);
    one.wait_for("the purchase form", |s| s.contains("Record purchase") && s.contains("Amount"));
    one.literal("12.50");
    one.wait_for("the amount typed", |s| s.contains("12.50"));
    one.send(&["Enter"]);
    one.wait_for("the sale saved", |s| s.contains("│ saved ") && !s.contains("Record purchase"));
    // …is said on till two, where nobody pressed a key, and is in its detail.
    two.wait_for("the other till's sale", |s| s.contains("till1 changed"));
    two.send(&["Enter"]);
    two.wait_for("the detail view", |s| s.contains("Classes") && s.contains("12 months"));
    two.send(&["NPage"]);
    two.wait_for("the classes", |s| s.contains("satisfaction"));
    let line = format!("{DAY}  12.50");
    for _ in 0..4 {
        two.send(&["NPage"]);
        if two
            .wait_for("the detail to move", |s| s.contains("Purchases (") || s.contains("Account"))
            .contains(&line)
        {
            break;
        }
    }
    two.wait_for("the sale in the detail", |s| s.contains(&line));
    two.send(&["Escape"]);

    // Both open the same customer's form; one saves, then the other: the conflict dialog.
    for t in [&one, &two] {
        t.send(&["e"]);
        t.wait_for("the edit form", |s| s.contains("Edit customer"));
    }
    one.send(&["End"]);
    one.literal(" one");
    one.send(&["C-s"]);
    one.wait_for("till one's edit saved", |s| s.contains("│ saved ") && !s.contains("Edit customer"));
    two.send(&["End"]);
    two.literal(" two");
    two.send(&["C-s"]);
    let conflict = two.wait_for("the conflict", |s| s.contains("changed this customer meanwhile"));
    assert!(conflict.contains("till1"), "{conflict}");

    // Till two keeps what it typed until it says otherwise; then both quit.
    two.send(&["Escape"]);
    two.wait_for("the form kept", |s| s.contains("your edit is kept") && s.contains("Grace Smith two"));
    two.send(&["Escape"]);
    two.wait_for("asked before discarding", |s| s.contains("Discard changes?"));
    two.send(&["y"]);
    two.wait_for("the list again", |s| !s.contains("Edit customer") && s.contains("Grace Smith one"));
    for (t, exit) in [(&one, &one_exit), (&two, &two_exit)] {
        t.send(&["q"]);
        assert_eq!(wait_file(exit).trim(), "EXIT=0", "{}", t.screen());
    }
    // The stored name is till one's: nothing of till two's overwrote it.
    let out = kehu_at(Path::new(&db.url), DAY, &["show", "20000001"]);
    assert!(stdout(&out).contains("Grace Smith one") && !stdout(&out).contains("two"), "{}", stdout(&out));
    let out = kehu_at(Path::new(&db.url), DAY, &["check"]);
    assert!(out.status.success() && stdout(&out).contains("clean"), "{}", stdout(&out));
}

/// A branch's till and head office on one database: the branch browses only its own customers
/// (none yet in a shop from before branches), `B` shows the chain, a sale there is told to head
/// office at once and is stored with the branch, and the customer is the branch's from then on.
#[test]
fn a_branch_sells_to_the_chain_and_head_office_sees_where() {
    let Some(server) = pg::Pg::get("e2e_postgres") else { return };
    let db = server.database("e2e_branches");
    let out = kehu_at(Path::new(&db.url), DAY, &["demo", "--customers", "30", "--seed", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tempfile::TempDir::new().unwrap();
    let (east, east_exit) = console("till-east", &db.url, "till1", "东门店", dir.path());
    let (office, office_exit) = console("office", &db.url, "boss", "", dir.path());
    east.wait_for("the branch's empty list", |s| {
        s.contains("东门店") && s.contains("nobody has bought at this branch yet")
    });
    east.send(&["B"]);
    east.wait_for("every branch", |s| s.contains("every branch") && s.contains("Grace Smith"));
    east.send(&["p"]);
    east.wait_for("the purchase form", |s| s.contains("Record purchase") && s.contains("Amount"));
    east.literal("12.50");
    east.wait_for("the amount typed", |s| s.contains("12.50"));
    east.send(&["Enter"]);
    east.wait_for("the sale saved", |s| s.contains("│ saved ") && !s.contains("Record purchase"));
    office.wait_for("the branch's sale", |s| s.contains("till1 changed"));
    east.send(&["B"]);
    east.wait_for("the branch's own customer", |s| s.contains("东门店 only") && s.contains("Grace Smith"));
    assert!(east.screen().contains("1 shown"), "{}", east.screen());
    for (t, exit) in [(&east, &east_exit), (&office, &office_exit)] {
        t.send(&["q"]);
        assert_eq!(wait_file(exit).trim(), "EXIT=0", "{}", t.screen());
    }
    let out = kehu_at(Path::new(&db.url), DAY, &["export", "--kind", "purchases"]);
    let text = stdout(&out);
    let sold: Vec<&str> = text.lines().filter(|l| l.contains("12.50")).collect();
    assert!(sold.len() == 1 && sold[0].ends_with(",东门店"), "{sold:?}");
    let out = kehu_at(Path::new(&db.url), DAY, &["check"]);
    assert!(out.status.success() && stdout(&out).contains("clean"), "{}", stdout(&out));
}

#[test]
fn the_server_dropping_every_connection_is_said_and_a_typed_form_is_kept_and_saved() {
    let Some(server) = pg::Pg::get("e2e_postgres") else { return };
    let db = server.database("e2e_dropped");
    let out = kehu_at(Path::new(&db.url), DAY, &["demo", "--customers", "30", "--seed", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tempfile::TempDir::new().unwrap();
    let (t, exit) = till("till-dropped", &db.url, "till1", dir.path());

    // A sale half typed when the server ends every connection (a restart, an administrator).
    t.send(&["p"]);
    t.wait_for("the purchase form", |s| s.contains("Record purchase") && s.contains("Amount"));
    t.literal("33.30");
    t.wait_for("the amount typed", |s| s.contains("33.30"));
    assert!(db.end_other_connections() >= 1, "the console had connections to end");
    // Said on the status line, then heard again; the form and what was typed stay.
    t.wait_for("reconnecting said", |s| s.contains("reconnecting to the database"));
    t.wait_for("reconnected said", |s| s.contains("reconnected to the database") && s.contains("33.30"));
    // The sale is saved on a new connection and is in the database.
    t.send(&["Enter"]);
    t.wait_for("the sale saved", |s| s.contains("│ saved ") && !s.contains("Record purchase"));
    t.send(&["q"]);
    assert_eq!(wait_file(&exit).trim(), "EXIT=0", "{}", t.screen());
    let out = kehu_at(Path::new(&db.url), DAY, &["show", "20000001"]);
    assert!(stdout(&out).contains("33.30"), "{}", stdout(&out));
}
