//! The real binary in a real pseudo-terminal (tmux): import the CDNOW sample, start the
//! console at 80x24, search a ref, open the detail, go to segments, shrink to 20x5 and back,
//! quit with `q`, exit status 0; and on a demo shop, record a purchase with `p`, the amount and
//! Enter; a card scanner's burst opens the member from the segments view. Every wait polls the screen against a deadline.

mod common;
mod tmux;
use common::*;
use kehu::store::Store;
use tmux::{Tmux, wait_file};

const TODAY: &str = "1998-06-30";

#[test]
fn console_in_a_real_terminal() {
    let s = Scratch::new();
    let file = s.file("cdnow.csv", &cdnow_csv());
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", "--create-missing", file.to_str().unwrap()]));
    let kept = || {
        let store = kehu::store::SledStore::open(&s.db()).unwrap();
        store.kept_segments().unwrap().map(|k| (k.stamp, k.customers, store.last_change().unwrap()))
    };
    assert_eq!(kept(), None, "an import keeps no segment counts");
    let exit = s.dir.path().join("exit");
    let cmd = format!(
        "env -u KEHU_DB -u KEHU_TODAY -u KEHU_RULES KEHU_CONFIG={cfg} TERM=xterm-256color '{bin}' --db '{db}' --as-of {TODAY}; echo EXIT=$? > '{exit}'; sleep 60",
        cfg = s.dir.path().join("no-config.toml").display(),
        bin = env!("CARGO_BIN_EXE_kehu"),
        db = s.db().display(),
        exit = exit.display(),
    );
    let t = Tmux::start("cdnow", &cmd, 80, 24);
    // The first frame is the list's (its header), drawn while the database may still be loading:
    // a search typed at once is kept and runs when the customers are in.
    t.wait_for("the first frame", |s| s.contains("lifecycle"));
    t.send(&["/"]);
    t.wait_for("the search line", |s| s.contains("found:"));
    t.literal("C00004");
    t.wait_for("the search result", |s| {
        s.contains("/ 1 found: C00004") || s.lines().nth(2).is_some_and(|l| l.contains("C00004"))
    });
    t.wait_for("the classes loaded", |s| s.contains("2357 customers") && !s.contains("loading"));
    t.send(&["Enter"]);
    let detail = t.wait_for("the detail view", |s| s.contains("ref C00004") && s.contains("Classes"));
    assert!(detail.contains("lifecycle"), "{detail}");

    // Segments.
    t.send(&["2"]);
    t.wait_for("segments", |s| s.contains("◀ lifecycle ▶"));

    // Shrink to 20x5 and back: it draws at both sizes and keeps its state.
    t.resize(20, 5);
    t.wait_for("the 20x5 screen", |s| {
        let lines: Vec<&str> = s.lines().collect();
        lines.len() <= 5 && lines.iter().all(|l| l.chars().count() <= 20) && s.contains("kehu")
    });
    t.resize(80, 24);
    t.wait_for("segments again at 80x24", |s| s.contains("◀ lifecycle ▶") && s.contains("2357 customers"));

    t.send(&["q"]);
    assert_eq!(wait_file(&exit).trim(), "EXIT=0");
    // The console made today's backup beside the database.
    let backup = s.dir.path().join("db.backups").join(format!("kehu-{TODAY}.kehubak"));
    assert!(backup.exists(), "no daily backup at {}", backup.display());
    kehu::store::verify_backup(&backup).expect("the daily backup verifies");
    // The console classified the whole shop: it left the segment counts for the next reader,
    // stamped with the database's last change (the model it fitted and stored) and its day.
    let (stamp, customers, last) = kept().expect("the console keeps the segment counts");
    assert_eq!((stamp.change, stamp.today.to_string(), customers), (last, TODAY.to_string(), 2357));
}

#[test]
fn point_of_sale_in_a_real_terminal() {
    const DAY: &str = "2024-06-30";
    let s = Scratch::new();
    ok(s.kehu(DAY, &["demo", "--customers", "30", "--seed", "7"]));
    let exit = s.dir.path().join("exit");
    let cmd = format!(
        "env -u KEHU_DB -u KEHU_TODAY -u KEHU_RULES KEHU_CONFIG={cfg} TERM=xterm-256color USER=till '{bin}' --db '{db}' --as-of {DAY}; echo EXIT=$? > '{exit}'; sleep 60",
        cfg = s.dir.path().join("no-config.toml").display(),
        bin = env!("CARGO_BIN_EXE_kehu"),
        db = s.db().display(),
        exit = exit.display(),
    );
    let t = Tmux::start("pos", &cmd, 80, 24);
    t.wait_for("the list", |s| {
        s.contains("30 customers") && s.contains("lifecycle") && !s.contains("loading")
    });

    // p, the amount, Enter: the purchase of the selected row is stored.
    t.send(&["p"]);
    t.wait_for("the purchase form", |s| s.contains("Record purchase") && s.contains("Amount"));
    t.literal("12.50");
    t.wait_for("the amount typed", |s| s.contains("12.50"));
    t.send(&["Enter"]);
    t.wait_for("the status to say saved", |s| s.contains("│ saved ") && !s.contains("Record purchase"));

    // The detail shows the new purchase, dated today.
    t.send(&["Enter"]);
    t.wait_for("the detail view", |s| s.contains("Classes") && s.contains("12 months"));
    // Two pages down: the fields, then the classes with their reasons wrapped whole.
    t.send(&["NPage"]);
    t.wait_for("the classes", |s| s.contains("satisfaction"));
    // Down a page at a time (the fields and the account come first) until the new purchase.
    let line = format!("{DAY}  12.50");
    for _ in 0..4 {
        t.send(&["NPage"]);
        if t.wait_for("the detail to move", |s| s.contains("Purchases (") || s.contains("Account"))
            .contains(&line)
        {
            break;
        }
    }
    let detail = t.wait_for("the purchases", |s| s.contains("Purchases (") && s.contains(&line));
    assert!(detail.contains(&line), "{detail}");

    // The duplicates view answers on 4; q quits.
    t.send(&["4"]);
    t.wait_for("the duplicates view", |s| s.contains("pairs") || s.contains("no likely duplicates"));
    t.send(&["q"]);
    assert_eq!(wait_file(&exit).trim(), "EXIT=0");

    // The console kept its classes at quit, its purchase included: the next start takes them
    // (stamped with the purchase's change), and they equal a fresh classification.
    let store = kehu::store::SledStore::open(&s.db()).unwrap();
    let kept = store.kept_classes().unwrap().expect("the console keeps its classes at quit");
    assert_eq!((kept.stamp.change, kept.entries.len()), (store.last_change().unwrap(), 30));
    drop(store);
    let check = ok(s.kehu(DAY, &["check"]));
    assert!(check.contains("kept classes") && check.ends_with("clean\n"), "{check}");
}

#[test]
fn a_card_scan_opens_the_member_in_a_real_terminal() {
    const DAY: &str = "2024-06-30";
    let s = Scratch::new();
    ok(s.kehu(DAY, &["demo", "--customers", "30", "--seed", "7"]));
    let cfg = s.file("config.toml", "ascii_borders = true\n");
    let exit = s.dir.path().join("exit");
    let cmd = format!(
        "env -u KEHU_DB -u KEHU_TODAY -u KEHU_RULES KEHU_CONFIG={cfg} TERM=xterm-256color '{bin}' --db '{db}' --as-of {DAY}; echo EXIT=$? > '{exit}'; sleep 60",
        cfg = cfg.display(),
        bin = env!("CARGO_BIN_EXE_kehu"),
        db = s.db().display(),
        exit = exit.display(),
    );
    let t = Tmux::start("scan", &cmd, 80, 24);
    let list = t.wait_for("the list", |s| {
        s.contains("30 customers") && s.contains("lifecycle") && !s.contains("loading")
    });
    assert!(list.contains("****"), "phones are masked: {list}");
    t.send(&["2"]);
    t.wait_for("segments", |s| s.contains("◀ lifecycle ▶"));

    // The scanner: the card and Enter in one write, as fast as a scanner types.
    t.send(&["20000006", "Enter"]);
    t.wait_for("the member's detail", |s| s.contains("ref 20000006") && s.contains("Fields"));
    // The same card again at once is a double read: nothing changes, and no key leaked through.
    t.send(&["20000006", "Enter"]);
    t.send(&["Escape"]);
    t.wait_for("back on segments", |s| s.contains("◀ lifecycle ▶"));
    t.send(&["1"]);
    t.wait_for("the list", |s| s.contains("lifecycle") && !s.contains("◀"));
    t.send(&["q"]);
    assert_eq!(wait_file(&exit).trim(), "EXIT=0");
}
