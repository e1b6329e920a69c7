//! Corrections in the real binary, in a real pseudo-terminal (tmux), on a 30-customer demo shop
//! (issue 14's "done when"): `p 99999999` asks, and voiding it gives the classes back; half of
//! a sale comes back and spend drops by that much; a resolved complaint leaves the queue; a
//! merge is taken back with `u`; a scan of a merged-away card opens the survivor.

mod common;
mod tmux;
use common::*;
use tmux::{Tmux, wait_file};

const DAY: &str = "2024-06-30";

/// A demo shop of 30 customers.
fn shop() -> Scratch {
    let s = Scratch::new();
    ok(s.kehu(DAY, &["demo", "--customers", "30", "--seed", "7"]));
    s
}

/// The console over `s` at 80x24 in tmux (as operator `till`); the command line cannot open
/// the database until it quits.
fn console(s: &Scratch, name: &str) -> (Tmux, std::path::PathBuf) {
    console_with(s, name, "")
}

/// [`console`] with a config file holding `config`.
fn console_with(s: &Scratch, name: &str, config: &str) -> (Tmux, std::path::PathBuf) {
    let cfg = s.file("config.toml", config);
    let exit = s.dir.path().join("exit");
    let cmd = format!(
        "env -u KEHU_DB -u KEHU_TODAY -u KEHU_RULES KEHU_CONFIG={cfg} TERM=xterm-256color USER=till '{bin}' --db '{db}' --as-of {DAY}; echo EXIT=$? > '{exit}'; sleep 60",
        cfg = cfg.display(),
        bin = env!("CARGO_BIN_EXE_kehu"),
        db = s.db().display(),
        exit = exit.display(),
    );
    let t = Tmux::start(name, &cmd, 80, 24);
    t.wait_for("the list", |s| {
        s.contains("30 customers") && s.contains("lifecycle") && !s.contains("loading")
    });
    (t, exit)
}

/// Quits and waits for exit status 0.
fn quit(t: &Tmux, exit: &std::path::Path) {
    t.send(&["q"]);
    assert_eq!(wait_file(exit).trim(), "EXIT=0");
}

/// Columns of one customer's row of `export --kind classes`.
fn classes(s: &Scratch, reference: &str, columns: &[&str]) -> Vec<String> {
    let (header, rows) = parse_csv(&ok(s.kehu(DAY, &["export", "--kind", "classes"])));
    let r = header.iter().position(|h| h == "ref").unwrap();
    let row = rows.into_iter().find(|row| row[r] == reference).expect("the customer");
    columns.iter().map(|c| row[header.iter().position(|h| h == c).unwrap()].clone()).collect()
}

/// The scanner: a card number and Enter in one burst.
fn scan(t: &Tmux, card: &str) {
    t.send(&[card, "Enter"]);
}

#[test]
fn the_till_asks_about_99999999_and_a_void_gives_the_classes_back() {
    let s = shop();
    let cols = ["tier", "value", "spend_total", "spend_365", "purchases"];
    let before = classes(&s, "20000006", &cols);
    let (t, exit) = console(&s, "till");
    scan(&t, "20000006");
    t.wait_for("Jack Wong's detail", |s| s.contains("ref 20000006") && s.contains("Fields"));
    t.send(&["p"]);
    t.wait_for("the purchase form", |s| s.contains("Record purchase"));
    t.literal("99999999");
    t.send(&["Enter"]);
    t.wait_for("the till's question", |s| s.contains("check the amount") && s.contains("99999999.00"));
    t.send(&["y"]);
    t.wait_for("saved, gold", |s| s.contains("saved Jack Wong") && s.contains("gold"));

    // Tab: the cursor on the newest record, the purchase just made; x voids it.
    t.send(&["Tab"]);
    t.wait_for("the record cursor", |s| s.contains("x void"));
    t.send(&["x"]);
    t.wait_for("the reason prompt", |s| s.contains("void: why?"));
    t.literal("typed one 9 too many");
    t.send(&["Enter"]);
    t.wait_for("the void", |s| s.contains("voided purchase of 99999999.00"));
    quit(&t, &exit);
    assert_eq!(classes(&s, "20000006", &cols), before, "the classes are what they were");
    let show = ok(s.kehu(DAY, &["show", "20000006"]));
    assert!(show.contains("VOID (typed one 9 too many, till"), "{show}");
}

#[test]
fn half_a_sale_comes_back_and_spend_drops_by_that_much() {
    let s = shop();
    let spend = |s: &Scratch| -> f64 { classes(s, "20000006", &["spend_total"])[0].parse().unwrap() };
    let before = spend(&s);
    let (t, exit) = console(&s, "refund");
    scan(&t, "20000006");
    t.wait_for("Jack Wong's detail", |s| s.contains("ref 20000006") && s.contains("Fields"));
    // The newest record is the sale of 70.50 (2 items); r offers all of it, 35.25 and 1 come back.
    t.send(&["Tab"]);
    t.wait_for("the record cursor", |s| s.contains("x void"));
    t.send(&["r"]);
    t.wait_for("the return prompt", |s| s.contains("return of 70.50") && s.contains("70.50 2"));
    t.send(&["C-u"]);
    t.literal("35.25 1");
    t.send(&["Enter"]);
    t.wait_for("the return", |s| s.contains("returned 35.25"));
    quit(&t, &exit);
    assert!((before - spend(&s) - 35.25).abs() < 0.001, "{before} → {}", spend(&s));
    let show = ok(s.kehu(DAY, &["show", "20000006"]));
    assert!(show.contains("RETURN"), "{show}");
}

#[test]
fn a_resolved_complaint_leaves_the_queue() {
    let s = shop();
    let (t, exit) = console(&s, "resolve");
    // "· 12 due" on the status line.
    let due = |screen: &str| -> usize {
        screen
            .match_indices(" due")
            .find_map(|(at, _)| screen[..at].rsplit(' ').next()?.parse().ok())
            .expect("the count")
    };
    t.send(&["3"]);
    // The queue is drawn first and filled once the shop is loaded: she is in it then.
    let queue = t.wait_for("her complaint due", |s| s.contains(" due") && s.contains("谢雨慧"));
    let before = due(&queue);
    // Her phone, scanned; the cursor to her complaint (the newest of her interactions).
    scan(&t, "13670794460");
    t.wait_for("her detail", |s| s.contains("谢雨慧") && s.contains("Classes"));
    t.send(&["Tab"]);
    t.wait_for("the record cursor", |s| s.contains("x void"));
    // Her purchases come first, then her interactions: from the oldest record (G) up to the
    // complaint, asking `o` on each until the prompt opens.
    t.send(&["G"]);
    for _ in 0..30 {
        t.send(&["o"]);
        let s = t.wait_for("an answer to o", |s| {
            s.contains("resolved: how?") || s.contains("select an open complaint")
        });
        if s.contains("resolved: how?") {
            break;
        }
        t.send(&["k"]);
    }
    t.wait_for("the resolve prompt", |s| s.contains("resolved: how?"));
    t.literal("refunded, apologised");
    t.send(&["Enter"]);
    t.wait_for("resolved", |s| s.contains("resolved the complaint of 2023-01-25"));
    t.send(&["3"]);
    let after = t.wait_for("the follow-ups again", |s| s.contains(" due") && !s.contains("谢雨慧"));
    assert_eq!(due(&after), before - 1, "{after}");
    quit(&t, &exit);
    let show = ok(s.kehu(DAY, &["show", "13670794460"]));
    assert!(show.contains("refunded, apologised"), "{show}");
}

#[test]
fn a_merge_is_taken_back_and_a_merged_card_opens_the_survivor() {
    let s = shop();
    // The lines under the "Purchases (…)" and "Interactions (…)" headings.
    let records = |s: &Scratch, r: &str| -> usize {
        let shown = ok(s.kehu(DAY, &["show", r]));
        let mut n = 0;
        let mut inside = false;
        for line in shown.lines() {
            if line.starts_with("Purchases (") || line.starts_with("Interactions (") {
                inside = true;
            } else if line.trim().is_empty() {
                inside = false;
            } else if inside {
                n += 1;
            }
        }
        n
    };
    let (mia, jenny) = (records(&s, "M0000125"), records(&s, "M0000219"));
    assert!(mia > 0 && jenny > 0);
    // Member cards here carry a letter: the scanner is told so.
    let (t, exit) = console_with(&s, "merge", "card_pattern = \"alphanumeric\"\n");
    // Mia Brown and Jenny Lam share a phone: the duplicates view pairs them.
    t.send(&["4"]);
    t.wait_for("the pair", |s| s.contains("Mia Brown") && s.contains("Jenny Lam"));
    t.send(&["Enter"]);
    t.wait_for("the merge popup", |s| s.contains("merge"));
    t.send(&["Enter"]);
    t.wait_for("the merge question", |s| s.contains("confirm merge"));
    t.send(&["y"]);
    t.wait_for("merged", |s| s.contains("merged #219 into #125"));

    // Jenny's card now leads to Mia.
    scan(&t, "M0000219");
    t.wait_for("the survivor", |s| {
        s.contains("card M0000219 was merged into #125") && s.contains("ref M0000125")
    });

    // u: both come back, each with their own records.
    t.send(&["u"]);
    t.wait_for("the unmerge", |s| s.contains("took back: merge #219 into #125"));
    // (The scanner ignores the same card twice within 2 s, a double read: search for it.)
    t.send(&["1", "/"]);
    t.wait_for("the search line", |s| s.contains("found:"));
    t.literal("M0000219");
    t.wait_for("the query", |s| s.contains("/ M0000219") || s.contains("found: M0000219"));
    t.send(&["Enter"]);
    t.wait_for("Jenny again", |s| s.contains("ref M0000219") && s.contains("Jenny Lam"));
    quit(&t, &exit);
    assert_eq!((records(&s, "M0000125"), records(&s, "M0000219")), (mia, jenny));
}
