//! The command line beside a running `kehu serve`: the real binary, run while a server holds
//! the database, has the server run its command on the store it holds open (over the control
//! socket, `DIR/kehu.sock`). Reads print what they print when nothing is served, byte for byte;
//! writes are signed by the client's operator and reach the consoles; commands that would
//! replace the database are refused with what to do; hostile clients do not stop the next one.
//! No ssh is needed: only the server process, and for the consoles a hub in this process.

mod common;
mod ui_fixture;
use common::*;
use kehu::serve::control;
use kehu::serve::hub::{Hub, Input};
use kehu::store::{SledStore, Store};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TODAY: &str = "2024-06-30";
/// Longest any wait here takes before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// A running `kehu serve` (no keys: nobody logs in over ssh), killed when dropped.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(s: &Scratch, env: &[(&str, &str)]) -> Server {
        let keys = s.file("authorized_keys", "");
        // Refused when others may write it (as OpenSSH would), whatever the umask.
        std::fs::set_permissions(&keys, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let log = s.dir.path().join("serve.log");
        let child = Command::new(env!("CARGO_BIN_EXE_kehu"))
            .arg("--db")
            .arg(s.db())
            .args(["--as-of", TODAY, "serve", "--listen", "127.0.0.1:0", "--authorized-keys"])
            .arg(&keys)
            .arg("--host-key")
            .arg(s.dir.path().join("host_key"))
            .env("KEHU_CONFIG", s.dir.path().join("no-config.toml"))
            .env_remove("KEHU_DB")
            .env_remove("KEHU_TODAY")
            .env_remove("KEHU_RULES")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start kehu serve");
        let mut server = Server { child, log };
        // The socket is renamed into place once it listens.
        let socket = s.db().join(control::SOCKET);
        server.wait("the control socket", || socket.exists());
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls `ok` until it holds, failing when the server exits or the deadline passes.
    fn wait(&mut self, what: &str, ok: impl Fn() -> bool) {
        let end = Instant::now() + DEADLINE;
        while !ok() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("kehu serve exited ({status}) before {what}:\n{}", self.log());
            }
            assert!(Instant::now() < end, "timed out waiting for {what}; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server with SIGTERM and waits for it; its log.
    fn stop(mut self) -> String {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let end = Instant::now() + DEADLINE;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < end, "kehu serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.log()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `kehu --db DB --as-of TODAY args…` in `cwd` as operator `user`.
fn kehu_in(db: &Path, cwd: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kehu"))
        .arg("--db")
        .arg(db)
        .args(["--as-of", TODAY])
        .args(args)
        .current_dir(cwd)
        .env("USER", user)
        .env("KEHU_CONFIG", cwd.join("no-config.toml"))
        .env_remove("KEHU_DB")
        .env_remove("KEHU_TODAY")
        .env_remove("KEHU_RULES")
        .env_remove("KEHU_LANG")
        .stdin(Stdio::null())
        .output()
        .expect("run kehu")
}

fn run(s: &Scratch, args: &[&str]) -> Output {
    kehu_in(&s.db(), s.dir.path(), "ann", args)
}

/// A demo shop of 120 customers.
fn shop() -> Scratch {
    let s = Scratch::new();
    ok(run(&s, &["demo", "--customers", "120", "--seed", "7"]));
    s
}

/// The first customer's ref in an export.
fn first_ref(export: &str) -> String {
    let (header, rows) = parse_csv(export);
    let at = header.iter().position(|h| h == "ref").unwrap();
    rows[0][at].clone()
}

#[test]
fn reading_commands_print_while_serving_what_they_print_when_nothing_is_served() {
    let s = shop();
    let customers = ok(run(&s, &["export", "--kind", "customers"]));
    let card = first_ref(&customers);
    let reads: Vec<Vec<&str>> = vec![
        vec!["export", "--kind", "customers"],
        vec!["export", "--kind", "purchases", "--format", "json"],
        vec!["export", "--kind", "classes"],
        vec!["show", &card],
        vec!["show", &card, "--json"],
        vec!["segments"],
        vec!["segments", "--dimension", "rfm", "--json"],
    ];
    // Once before, so that a model fitted on first use is stored (and audited) before both.
    for args in &reads {
        ok(run(&s, args));
    }
    let alone: Vec<Output> = reads.iter().map(|a| run(&s, a)).collect();
    let audit_alone = ok(run(&s, &["audit"]));

    // The server's own KEHU_TODAY (its --as-of wins for itself) must not leak into commands.
    let server = Server::start(&s, &[("KEHU_TODAY", "2001-01-01")]);
    for (args, before) in reads.iter().zip(&alone) {
        let served = run(&s, args);
        assert_eq!(served.status.code(), Some(0), "{args:?}: {}", stderr(&served));
        assert!(served.stdout == before.stdout, "{args:?} differs while served:\n{}", stdout(&served));
        assert_eq!(stderr(&served), stderr(before), "{args:?}");
    }
    assert_eq!(ok(run(&s, &["audit"])), audit_alone, "reads changed nothing, served or not");

    // The client's environment counts, not the server's.
    let today_of = |today: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kehu"));
        c.arg("--db")
            .arg(s.db())
            .args(["segments", "--json"])
            .env_remove("KEHU_TODAY")
            .env_remove("KEHU_RULES");
        if let Some(day) = today {
            c.env("KEHU_TODAY", day);
        }
        let json: serde_json::Value = serde_json::from_str(&ok(c.output().unwrap())).unwrap();
        json["today"].as_str().unwrap().to_string()
    };
    assert_eq!(today_of(Some("2024-05-06")), "2024-05-06");
    assert_ne!(today_of(None), "2001-01-01");

    let none = run(&s, &["show", "nobody-has-this-name"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("no customer matches \"nobody-has-this-name\""), "{}", stderr(&none));

    let checked = run(&s, &["check"]);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    assert!(stdout(&checked).ends_with("clean\n"), "{}", stdout(&checked));
    assert!(stderr(&checked).contains("checked by the running kehu serve"), "{}", stderr(&checked));

    // `export --out` with a relative path writes where the client is, not where the server is.
    let out = run(&s, &["export", "--kind", "customers", "--out", "served.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(s.dir.path().join("served.csv")).unwrap(), customers);
    let log = server.stop();
    assert!(log.contains("ann ran `kehu --db"), "the server logs who ran what:\n{log}");
}

#[test]
fn an_import_and_corrections_while_serving_are_signed_by_the_client() {
    let s = shop();
    let server = Server::start(&s, &[]);
    s.file("new.csv", "ref,name,phone\nC9001,Served Ann,13911119001\nC9002,Served Bo,13911119002\n");
    let imported = kehu_in(&s.db(), s.dir.path(), "bo", &["import", "--kind", "customers", "new.csv"]);
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    assert!(stdout(&imported).contains("imported 2 customers created"), "{}", stdout(&imported));
    assert!(
        stderr(&imported).contains("run by the kehu serve holding this database"),
        "{}",
        stderr(&imported)
    );

    let customers = ok(run(&s, &["export", "--kind", "customers"]));
    assert!(customers.contains("C9001,Served Ann") && customers.contains("C9002,Served Bo"), "{customers}");
    let audit = ok(run(&s, &["audit"]));
    let line = audit.lines().find(|l| l.contains("import customers")).expect("the import is audited");
    assert!(line.contains("  bo  (shop)  import customers"), "{line}");
    assert!(line.contains(&s.dir.path().join("new.csv").display().to_string()), "{line}");

    // A correction, and its undo, signed by whoever ran them.
    let purchases = ok(run(&s, &["export", "--kind", "purchases"]));
    let (header, rows) = parse_csv(&purchases);
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    // A sale (no refund_of), not voided.
    let id = rows
        .iter()
        .find(|r| r[at("refund_of")].is_empty() && r[at("voided")].is_empty())
        .map(|r| r[0].clone())
        .unwrap();
    let voided = kehu_in(&s.db(), s.dir.path(), "cy", &["void", "purchase", &id, "--reason", "typo"]);
    assert_eq!(voided.status.code(), Some(0), "{}", stderr(&voided));
    assert!(stdout(&voided).contains(&format!("voided purchase #{id}")), "{}", stdout(&voided));
    let undone = kehu_in(&s.db(), s.dir.path(), "cy", &["undo"]);
    assert_eq!(undone.status.code(), Some(0), "{}", stderr(&undone));
    assert!(stdout(&undone).contains("took back"), "{}", stdout(&undone));
    let audit = ok(run(&s, &["audit"]));
    let signed: Vec<&str> = audit.lines().filter(|l| l.contains("  cy  ")).collect();
    assert_eq!(signed.len(), 2, "{audit}");
    assert!(signed[1].contains("undo"), "{signed:?}");
    drop(server);
}

/// The member accounts beside the server: a top-up and a redemption run by the server are
/// signed by the client, a retry with the same key changes nothing, and `kehu ledger` reads
/// what it reads alone.
#[test]
fn top_ups_redemptions_and_the_ledger_while_serving() {
    let s = shop();
    // The member with the most points (and a card).
    let (header, rows) = parse_csv(&ok(run(&s, &["export", "--kind", "classes"])));
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let best = rows
        .iter()
        .filter(|r| !r[at("ref")].is_empty())
        .max_by_key(|r| r[at("points")].parse::<i64>().unwrap())
        .unwrap();
    let card = best[at("ref")].clone();
    let ledger_alone = ok(run(&s, &["ledger", &card]));
    let summary_alone = ok(run(&s, &["ledger", "--summary"]));
    let server = Server::start(&s, &[]);
    assert_eq!(ok(run(&s, &["ledger", &card])), ledger_alone);
    assert_eq!(ok(run(&s, &["ledger", "--summary"])), summary_alone);
    let topped = kehu_in(&s.db(), s.dir.path(), "dee", &["topup", &card, "500", "--key", "pos-1"]);
    assert_eq!(topped.status.code(), Some(0), "{}", stderr(&topped));
    assert!(stdout(&topped).contains("topped up 500.00 + bonus 50.00"), "{}", stdout(&topped));
    assert!(stderr(&topped).contains("run by the kehu serve"), "{}", stderr(&topped));
    let again = kehu_in(&s.db(), s.dir.path(), "dee", &["topup", &card, "500", "--key", "pos-1"]);
    assert!(stdout(&again).contains("already saved with key pos-1"), "{}", stdout(&again));
    let redeemed = kehu_in(&s.db(), s.dir.path(), "dee", &["points", &card, "--redeem", "1"]);
    assert_eq!(redeemed.status.code(), Some(0), "{}{}", stdout(&redeemed), stderr(&redeemed));
    let audit = ok(run(&s, &["audit"]));
    let signed: Vec<&str> = audit.lines().filter(|l| l.contains("  dee  ")).collect();
    assert_eq!(signed.len(), 2, "{audit}");
    assert!(signed[0].contains("top-up") && signed[1].contains("redeem points"), "{signed:?}");
    let log = server.stop();
    // The server kept the classes it ended with, these changes included, for the next start.
    {
        let store = SledStore::open(&s.db()).unwrap();
        let (stamp, _) = store.kept_classes_stamp().unwrap().expect("classes kept at stop");
        assert_eq!(stamp.change, store.last_change().unwrap(), "kept as of the last change; log:\n{log}");
    }
    let after = ok(run(&s, &["ledger", &card]));
    // The top-up, its bonus and the redemption (and points that had expired, written off).
    assert!(after.lines().count() >= ledger_alone.lines().count() + 3, "{after}");
    assert!(after.contains("topup") && after.contains("bonus") && after.contains("redeem"), "{after}");
    assert_eq!(run(&s, &["check"]).status.code(), Some(0));
}

#[test]
fn commands_that_would_replace_the_database_are_refused_while_serving() {
    let s = shop();
    let backup = s.dir.path().join("shop.kehubak");
    ok(run(&s, &["backup", backup.to_str().unwrap()]));
    let server = Server::start(&s, &[]);
    for args in [vec!["restore", backup.to_str().unwrap()], vec!["demo"], vec!["salvage", "--out", "fresh"]] {
        let refused = run(&s, &args);
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {}", stderr(&refused));
        assert!(stderr(&refused).contains("stop kehu serve first"), "{args:?}: {}", stderr(&refused));
    }
    assert!(!s.dir.path().join("fresh").exists());
    drop(server);
}

/// The reply to a raw connection that sent `bytes`: its first frame.
fn reply_to(socket: &Path, bytes: &[u8]) -> (u8, String) {
    let mut conn = UnixStream::connect(socket).unwrap();
    conn.set_read_timeout(Some(DEADLINE)).unwrap();
    conn.write_all(bytes).unwrap();
    let (tag, body) = control::read_frame(&mut conn).unwrap().expect("a frame");
    (tag, String::from_utf8_lossy(&body).into_owned())
}

#[test]
fn hostile_clients_get_refused_and_the_next_request_runs() {
    let s = shop();
    let segments = ok(run(&s, &["segments"]));
    let _server = Server::start(&s, &[]);
    let socket = s.db().join(control::SOCKET);
    // A connection that says nothing, held open through all that follows.
    let mut silent = UnixStream::connect(&socket).unwrap();

    let (tag, why) = reply_to(&socket, &u32::MAX.to_be_bytes());
    assert_eq!((tag, why.contains("larger than 64 KiB")), (control::REFUSED, true), "{why}");
    let (tag, why) = reply_to(&socket, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(tag, control::REFUSED, "{why}");
    let mut garbage = 12u32.to_be_bytes().to_vec();
    garbage.extend_from_slice(b"\x00\xff{not json}");
    let (tag, why) = reply_to(&socket, &garbage);
    assert_eq!((tag, why.starts_with("malformed request")), (control::REFUSED, true), "{why}");
    // Well formed, but not a command line kehu takes: clap's words, exit 2.
    let mut req = Vec::new();
    let bad = control::Request {
        argv: vec!["kehu".into(), "frobnicate".into()],
        cwd: "/".into(),
        operator: "mallory".into(),
        lang: "en".into(),
        terminal: false,
        env: Default::default(),
    };
    control::write_request(&mut req, &bad).unwrap();
    let (tag, why) = reply_to(&socket, &req);
    assert_eq!(tag, control::ERR, "{why}");
    assert!(why.contains("unrecognized subcommand 'frobnicate'"), "{why}");

    // The next command runs while the silent one is still open.
    assert_eq!(ok(run(&s, &["segments"])), segments);
    // The silent one is told, after the request wait, and closed.
    silent.set_read_timeout(Some(DEADLINE)).unwrap();
    let (tag, body) = control::read_frame(&mut silent).unwrap().expect("a word why");
    assert_eq!(tag, control::REFUSED);
    assert!(String::from_utf8_lossy(&body).contains("no whole request within 5 s"));
    assert_eq!(silent.read(&mut [0; 8]).unwrap(), 0, "then closed");
}

#[test]
fn one_request_more_than_run_at_once_is_told_the_server_is_busy() {
    let s = shop();
    let _server = Server::start(&s, &[]);
    let socket = s.db().join(control::SOCKET);
    // Every place taken by a connection that says nothing (accepted in the order they came).
    let mut silent: Vec<UnixStream> =
        (0..control::AT_ONCE).map(|_| UnixStream::connect(&socket).unwrap()).collect();
    let (tag, why) = reply_to(&socket, b"");
    assert_eq!(tag, control::REFUSED, "{why}");
    assert!(why.contains(&format!("running {} commands already", control::AT_ONCE)), "{why}");
    // Each silent one is told after the request wait and closed, its place given back first.
    for conn in &mut silent {
        conn.set_read_timeout(Some(DEADLINE)).unwrap();
        assert_eq!(control::read_frame(conn).unwrap().map(|f| f.0), Some(control::REFUSED));
        assert_eq!(conn.read(&mut [0; 8]).unwrap(), 0);
    }
    ok(run(&s, &["segments"]));
}

#[test]
fn a_panic_in_a_command_run_for_a_client_ends_that_command_only() {
    let s = shop();
    let card = first_ref(&ok(run(&s, &["export", "--kind", "customers"])));
    let show = ok(run(&s, &["show", &card]));
    let _server = Server::start(&s, &[("KEHU_TEST_PANIC_COMMAND", "segments")]);
    let panicked = run(&s, &["segments"]);
    assert_eq!(panicked.status.code(), Some(70), "{}", stderr(&panicked));
    assert!(stderr(&panicked).contains("internal error in the running kehu serve"), "{}", stderr(&panicked));
    assert_eq!(ok(run(&s, &["show", &card])), show, "the server goes on");
}

/// A hub with one console in this process, and a control socket on its store: the real binary
/// is the client.
#[test]
fn what_the_command_line_changes_through_the_server_reaches_every_console() {
    use ui_fixture::{app_from, init, today};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let store = Arc::new(SledStore::open(&db).unwrap());
    kehu::demo::fill_store(store.as_ref(), 60, 7, today(), "test").unwrap();
    let hub = Arc::new(Hub::new(app_from(init(kehu::tui::all_histories(store.as_ref()).unwrap()))));
    let shared: Arc<dyn Store> = store.clone();
    let _control = control::start(shared, Arc::clone(&hub), &db).unwrap();
    let (tx, inbox) = std::sync::mpsc::channel();
    let mut console = hub.join(1, tx);
    let take = |console: &mut kehu::ui::App| {
        let mut got = Vec::new();
        while let Ok(Input::Remote(a)) = inbox.try_recv() {
            got.push(format!("{a:?}").chars().take(9).collect::<String>());
            console.update(*a);
        }
        got
    };
    let has_ref = |app: &kehu::ui::App, r: &str| {
        app.model()
            .ids()
            .iter()
            .any(|&id| app.model().get(id).is_some_and(|row| row.customer.reference.as_deref() == Some(r)))
    };

    std::fs::write(dir.path().join("new.csv"), "ref,name,phone\nC9001,Served Ann,13911119001\n").unwrap();
    let imported = kehu_in(&db, dir.path(), "bo", &["import", "--kind", "customers", "new.csv"]);
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    // Passed on before the client was answered: no waiting.
    assert_eq!(take(&mut console), ["Loaded(Lo"]);
    assert!(has_ref(&console, "C9001"), "the console shows the imported customer");
    assert!(has_ref(&hub.join(2, std::sync::mpsc::channel().0), "C9001"), "and so does a new session");

    let sale = store.history(1).unwrap().unwrap().purchases.iter().find(|p| p.is_sale()).unwrap().id;
    let profile = |app: &kehu::ui::App| format!("{:?}", app.classifier().profile(1));
    let before = profile(&console);
    let voided = kehu_in(&db, dir.path(), "bo", &["void", "purchase", &sale.to_string(), "--reason", "typo"]);
    assert_eq!(voided.status.code(), Some(0), "{}", stderr(&voided));
    assert_eq!(take(&mut console), ["Committed"]);
    assert_eq!(console.status(), "bo: `kehu void` from the command line");
    assert_ne!(profile(&console), before, "the customer's classes follow the void");
    assert_eq!(profile(&console), profile(&hub.join(3, std::sync::mpsc::channel().0)));

    // A read changes nothing, and sends nothing.
    ok(kehu_in(&db, dir.path(), "bo", &["segments"]));
    assert!(take(&mut console).is_empty());
}

/// Campaign lists and reports run beside the server too: the list is written where the client
/// is, the campaign is recorded signed by the client, and the report reads the same served or not.
#[test]
fn campaign_lists_and_reports_run_beside_the_server_signed_by_the_client() {
    let s = shop();
    let server = Server::start(&s, &[]);
    let args =
        ["export", "--kind", "contacts", "--channel", "sms", "--campaign", "served", "--out", "list.csv"];
    let made = kehu_in(&s.db(), s.dir.path(), "di", &args);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    assert!(stderr(&made).contains("campaign \"served\":"), "{}", stderr(&made));
    let (header, rows) = parse_csv(&std::fs::read_to_string(s.dir.path().join("list.csv")).unwrap());
    assert_eq!(header[3], "phone");
    assert!(!rows.is_empty());
    let served = ok(run(&s, &["campaign", "report", "served"]));
    assert!(served.contains("campaign served") && served.contains("contacted"), "{served}");
    let audit = ok(run(&s, &["audit"]));
    assert!(audit.lines().any(|l| l.contains("  di  (shop)  campaign served")), "{audit}");
    drop(server);
    let alone = ok(run(&s, &["campaign", "report", "served"]));
    assert_eq!(served, alone);
}
