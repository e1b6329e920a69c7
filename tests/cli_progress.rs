//! Long commands show their progress on stderr when it is a terminal, and only then: through a
//! pipe (scripts, logs, these tests' own runs) `demo`, `import`, `backup`, `restore`, `check`
//! and `fit` write exactly what they wrote before; in a pseudo-terminal (tmux) `kehu demo`
//! shows a progress line with its count, rate and time left while it runs, and clears it.

mod common;
mod tmux;
use common::*;
use std::time::{Duration, Instant};
use tmux::Tmux;

const DAY: &str = "2024-06-30";

/// Whether `text` holds anything a progress bar draws: a carriage return, an escape sequence,
/// or its words.
fn drawn(text: &str) -> bool {
    text.contains('\r') || text.contains('\u{1b}') || text.contains("ETA") || text.contains("/s ·")
}

#[test]
fn through_a_pipe_stderr_stays_as_it_was() {
    let s = Scratch::new();
    let demo = s.kehu(DAY, &["demo", "--customers", "300", "--seed", "5"]);
    assert!(stdout(&demo).starts_with("created 300 customers"), "{}", stdout(&demo));
    assert_eq!(stderr(&demo), "", "demo");

    let good = s.file("sales.csv", "ref,date,amount\nP1,2024-06-01,12.50\nP2,2024-06-02,3.00\n");
    let import = s.kehu(DAY, &["import", "--kind", "purchases", "--create-missing", good.to_str().unwrap()]);
    assert!(stdout(&import).contains("imported"), "{}", stdout(&import));
    assert_eq!(stderr(&import), "", "import");

    // A refused file: its stderr is the bad rows and the verdict, nothing drawn between them.
    let bad = s.file("bad.csv", "ref,date,amount\nP1,2024-06-01,12.50\nP2,someday,3.00\n");
    let refused = s.kehu(DAY, &["import", "--kind", "purchases", bad.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    let said = stderr(&refused);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 2, "{said}");
    assert!(lines[0].starts_with("line 3: "), "{said}");
    assert!(lines[1].ends_with("refused: 1 bad row(s); nothing was imported"), "{said}");
    assert!(!drawn(&said), "{said:?}");

    let fit = s.kehu(DAY, &["fit"]);
    assert!(stdout(&fit).starts_with("BG/NBD fitted on"), "{}", stdout(&fit));
    assert_eq!(stderr(&fit), "", "fit");

    let check = s.kehu(DAY, &["check"]);
    assert!(stdout(&check).ends_with("clean\n"), "{}", stdout(&check));
    assert_eq!(stderr(&check), "", "check");

    let file = s.dir.path().join("shop.kehubak");
    let backup = s.kehu(DAY, &["backup", file.to_str().unwrap()]);
    assert!(stdout(&backup).starts_with("backed up"), "{}", stdout(&backup));
    assert_eq!(stderr(&backup), "", "backup");

    let restored = s.dir.path().join("restored");
    let restore = kehu_at(&restored, DAY, &["restore", file.to_str().unwrap()]);
    assert!(stdout(&restore).starts_with("restored"), "{}", stdout(&restore));
    assert_eq!(stderr(&restore), "", "restore");
}

#[test]
fn in_a_terminal_demo_shows_its_progress_while_it_runs() {
    let s = Scratch::new();
    let exit = s.dir.path().join("exit");
    let cmd = format!(
        "env -u KEHU_DB -u KEHU_TODAY -u KEHU_RULES TERM=xterm-256color '{bin}' --db '{db}' --as-of {DAY} demo --customers 20000 --seed 3; echo EXIT=$? > '{exit}'; sleep 120",
        bin = env!("CARGO_BIN_EXE_kehu"),
        db = s.db().display(),
        exit = exit.display(),
    );
    let t = Tmux::start("progress", &cmd, 100, 10);
    let progress = |line: &str| {
        line.contains("demo shop: customers") && line.contains("/20,000") && line.contains("ETA")
    };
    let running = t.wait_for("a progress line", |s| s.lines().any(progress));
    // Seen while it ran: the command's own line is not there yet.
    assert!(!running.contains("created 20000 customers"), "{running}");
    let line = running.lines().find(|l| progress(l)).expect("the progress line");
    assert!(line.contains("/s"), "the rate: {line}");

    // It ends well, and the progress line is gone, the result in its place. A debug build
    // on a shared machine takes a while: the deadline is generous, the polling is not.
    let end = Instant::now() + Duration::from_secs(300);
    let done = loop {
        if std::fs::read_to_string(&exit).is_ok_and(|e| e.ends_with('\n')) {
            break t.screen();
        }
        assert!(Instant::now() < end, "kehu demo did not end; screen:\n{}", t.screen());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(std::fs::read_to_string(&exit).unwrap().trim(), "EXIT=0", "{done}");
    assert!(done.contains("created 20000 customers"), "{done}");
    assert!(!done.lines().any(progress), "the progress line is cleared: {done}");
}
