//! Two `kehu serve` processes on one PostgreSQL database, as two branches of a chain: an
//! operator on one server records a purchase and the operator on the other sees it without a
//! key pressed; the command line's change (an import) reaches both; neither server leaves a
//! marker or a socket anywhere, and a server without `--host-key` is refused in words.

mod common;
#[path = "../src/store/pg/testkit.rs"]
#[allow(dead_code)]
mod pg;
mod serve_harness;
mod tmux;

use common::*;
use serve_harness::*;
use std::path::Path;
use tmux::wait_file;

#[test]
fn two_servers_on_one_database_show_each_others_sales_and_the_command_line_s() {
    if !have_ssh() {
        return;
    }
    let Some(server) = pg::Pg::get("serve_postgres") else { return };
    let db = server.database("serve_chain");
    let url = Path::new(&db.url);
    let (s, keys, alice, bob, _) = shop();
    // The same demo shop, on the server.
    let out = kehu_at(url, TODAY, &["demo", "--customers", "200", "--seed", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Without a host key there is nowhere to keep one.
    let refused = kehu_at(url, TODAY, &["serve", "--authorized-keys", keys.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("needs --host-key FILE"), "{}", stderr(&refused));

    let one = Server::start_on(url, &s, &keys, &[], &[], s.dir.path().join("one.log"));
    let mut two = Server::start_on(url, &s, &keys, &[], &[], s.dir.path().join("two.log"));
    let (exit_a, exit_b) = (s.dir.path().join("exit-a"), s.dir.path().join("exit-b"));
    let a = one.console("branch-a", &alice, &exit_a, 100, 30);
    let b = two.console("branch-b", &bob, &exit_b, 100, 30);
    for t in [&a, &b] {
        t.wait_for("the list", |s| s.contains("200 customers") && s.contains("lifecycle"));
    }
    two.wait_log("Bob's login", |l| l.contains("Bob logged in"));

    // B watches Ben Chen, who has never bought; A, on the other server, sells to him.
    b.send(&["/"]);
    b.literal("Ben Chen");
    b.wait_for("Ben Chen in B", |s| row(s, "Ben Chen").is_some_and(|r| r.contains("never")));
    a.send(&["/"]);
    a.literal("Ben Chen");
    a.wait_for("the search in A", |s| s.contains("found: Ben Chen"));
    a.send(&["Enter"]);
    a.wait_for("Ben Chen's detail", |s| s.contains("Ben Chen  #") && s.contains("Classes"));
    a.send(&["p"]);
    a.wait_for("the purchase form", |s| s.contains("Record purchase"));
    a.literal("2500");
    a.send(&["Enter"]);
    a.wait_for("the save", |s| s.contains("saved Ben Chen"));
    let after = b.wait_for("the sale on the other server", |s| s.contains("alice changed Ben Chen"));
    let r = row(&after, "Ben Chen").unwrap();
    assert!(r.contains("silver") && r.contains("active") && r.contains("2,500"), "{after}");

    // The command line writes to the database itself (no server holds it): both servers show it.
    let sale = s.file("sale.csv", "customer_id,date,amount\n1,2024-06-30,77.70\n");
    let out = kehu_at(url, TODAY, &["import", "--kind", "purchases", sale.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // An import is a change of the whole shop: each server reads it again, every console
    // takes the new load.
    let mut one = one;
    for server in [&mut one, &mut two] {
        server.wait_log("the shop read again", |l| l.contains("changed the whole shop: reading it again"));
    }
    b.wait_for("the new load in B", |s| s.contains("200 customers loaded"));

    // (Esc and q sent together would read as Alt-q: each Esc is waited for on the screen.)
    a.send(&["Escape"]);
    a.wait_for("A back on the list", |s| !s.contains("Classes"));
    b.send(&["Escape"]);
    b.wait_for("B's search closed", |s| !s.contains("found:"));
    for (t, exit) in [(&a, &exit_a), (&b, &exit_b)] {
        t.send(&["q"]);
        assert_eq!(wait_file(exit).trim(), "EXIT=0");
    }
    for log in [one.stop(), two.stop()] {
        assert!(log.contains("stopping") && !log.contains("panicked"), "{log}");
    }
    assert!(
        !std::env::current_dir().unwrap().join("postgresql:").exists(),
        "no directory named after the URL"
    );
}
