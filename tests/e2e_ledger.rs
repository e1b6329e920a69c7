//! The till's member accounts in the real binary, in a real pseudo-terminal (tmux) at 80x24:
//! a member's card is scanned, `b` tops up 500 and the rules' bonus makes the balance 550
//! (充500送50); a purchase of 120 paid from the balance leaves 430; `R` redeems points; a return
//! of that purchase puts the money back on the balance and takes its points back. In English and
//! in Chinese; the command line then reads the same ledger, and `kehu check` finds it whole.

mod common;
mod tmux;
use common::*;
use tmux::{Tmux, wait_file};

const DAY: &str = "2024-06-30";

/// One member, card 88000001, who bought 200.00 in cash on June 1st (200 points).
fn shop() -> Scratch {
    let s = Scratch::new();
    let c = s.file("c.csv", "ref,name,phone\n88000001,王小明,13900000001\n88000002,Li Lei,13900000002\n");
    ok(s.kehu(DAY, &["import", "--kind", "customers", c.to_str().unwrap()]));
    let p = s.file("p.csv", "ref,date,amount,payment\n88000001,2024-06-01,200.00,cash\n");
    ok(s.kehu(DAY, &["import", "--kind", "purchases", p.to_str().unwrap()]));
    s
}

/// The console over `s` at 80x24 in tmux as operator `till`, in `lang`.
fn console(s: &Scratch, name: &str, lang: &str) -> (Tmux, std::path::PathBuf) {
    let cfg = s.file("config.toml", "");
    let exit = s.dir.path().join(format!("exit-{name}"));
    let cmd = format!(
        "env -u KEHU_DB -u KEHU_TODAY -u KEHU_RULES KEHU_CONFIG={cfg} TERM=xterm-256color USER=till '{bin}' --db '{db}' --as-of {DAY} --lang {lang}; echo EXIT=$? > '{exit}'; sleep 60",
        cfg = cfg.display(),
        bin = env!("CARGO_BIN_EXE_kehu"),
        db = s.db().display(),
        exit = exit.display(),
    );
    let t = Tmux::start(name, &cmd, 80, 24);
    t.wait_for("the list", |s| s.contains("88000001") || s.contains("王小明"));
    (t, exit)
}

/// What `kehu ledger` says of the member's balances.
fn balances(s: &Scratch) -> String {
    let out = ok(s.kehu(DAY, &["ledger", "88000001"]));
    out.lines().nth(1).unwrap_or_default().to_string()
}

#[test]
fn top_up_500_pay_120_from_the_balance_redeem_and_return_it() {
    let s = shop();
    let (t, exit) = console(&s, "ledger-en", "en");
    // The scanner types the card and Enter: the member's detail, their balances in its header.
    t.send(&["88000001", "Enter"]);
    t.wait_for("the balances in the header", |s| s.contains("ref 88000001") && s.contains("200 points"));

    t.send(&["b"]);
    t.wait_for("the top-up prompt", |s| s.contains("top up (stored value 0.00):"));
    t.literal("500");
    t.send(&["Enter"]);
    t.wait_for("the bonus and the new balance, asked", |s| {
        s.contains("Top up 500.00") && s.contains("bonus 50.00") && s.contains("stored value 0.00 → 550.00")
    });
    t.send(&["y"]);
    t.wait_for("550 on the balance", |s| s.contains("stored value 550.00") && s.contains("topped up 500.00"));

    // A purchase of 120.00 paid from the balance: amount, Tab to Payment, → to stored value.
    t.send(&["p"]);
    t.wait_for("the purchase form", |s| s.contains("Record purchase") && s.contains("Payment"));
    t.literal("120");
    t.send(&["Tab", "Right", "Right", "Right"]);
    t.wait_for("stored value chosen", |s| s.contains("[stored value]"));
    t.send(&["Enter"]);
    t.wait_for("430 left, 320 points", |s| s.contains("stored value 430.00") && s.contains("320 points"));

    t.send(&["R"]);
    t.wait_for("the redemption prompt", |s| s.contains("redeem points (320 to use)"));
    t.literal("100");
    t.send(&["Enter"]);
    t.wait_for("what they take off and the new balance, asked", |s| {
        s.contains("Redeem 100 points (1.00 off)") && s.contains("points 320 → 220")
    });
    t.send(&["y"]);
    t.wait_for("220 points", |s| s.contains("220 points · stored value 430.00"));

    // The 120.00 comes back: the newest record is that sale; r offers all of it.
    t.send(&["Tab"]);
    t.wait_for("the record cursor", |s| s.contains("x void"));
    t.send(&["r"]);
    t.wait_for("the return prompt", |s| s.contains("return of 120.00"));
    t.send(&["Enter"]);
    t.wait_for("the return", |s| s.contains("returned 120.00"));
    // Tab leaves the records, g goes back to the top of the card: the money is back on the
    // balance, the points taken back.
    t.send(&["Tab", "g"]);
    t.wait_for("550 and 100 points", |s| s.contains("100 points · stored value 550.00"));
    // 5: the day's close counts the top-up, the payment, the money given back, the points.
    t.send(&["5"]);
    let line = |s: &str, label: &str| {
        s.lines()
            .find(|l| l.trim_start().starts_with(label))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let close = t.wait_for("the day's close", |s| line(s, "stored value owed at close").is_some());
    assert_eq!(line(&close, "top-ups").as_deref(), Some("top-ups 1 500.00"), "{close}");
    assert_eq!(line(&close, "top-up bonus given").as_deref(), Some("top-up bonus given 50.00"), "{close}");
    assert_eq!(line(&close, "paid from stored value").as_deref(), Some("paid from stored value 120.00"));
    assert_eq!(
        line(&close, "given back to stored value").as_deref(),
        Some("given back to stored value 120.00")
    );
    assert_eq!(
        line(&close, "stored value owed at close").as_deref(),
        Some("stored value owed at close 550.00")
    );
    assert_eq!(line(&close, "points redeemed").as_deref(), Some("points redeemed 100"), "{close}");
    t.send(&["q"]);
    assert_eq!(wait_file(&exit).trim(), "EXIT=0");

    assert_eq!(balances(&s), "points 100 · stored value 550.00");
    let ledger = ok(s.kehu(DAY, &["ledger", "88000001"]));
    for kind in ["topup", "bonus", "pay", "redeem", "return"] {
        assert!(ledger.contains(kind), "{kind}: {ledger}");
    }
    let check = s.kehu(DAY, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    let audit = ok(s.kehu(DAY, &["audit", "--customer", "88000001"]));
    assert!(audit.contains("till") && audit.contains("top-up") && audit.contains("redeem points"), "{audit}");
}

#[test]
fn the_chinese_till_tops_up_and_redeems() {
    let s = shop();
    let (t, exit) = console(&s, "ledger-zh", "zh");
    t.send(&["88000001", "Enter"]);
    t.wait_for("积分在页头", |s| s.contains("88000001") && s.contains("200 积分"));
    t.send(&["b"]);
    t.wait_for("充值提示", |s| s.contains("充值（储值余额 ¥0.00）"));
    t.literal("500");
    t.send(&["Enter"]);
    t.wait_for("赠送与新余额", |s| s.contains("赠送 ¥50.00") && s.contains("储值 ¥0.00 → ¥550.00"));
    t.send(&["y"]);
    t.wait_for("储值 550", |s| s.contains("储值 ¥550.00"));
    t.send(&["R"]);
    t.wait_for("兑换提示", |s| s.contains("兑换积分（可用 200）"));
    t.literal("50 奶瓶");
    t.send(&["Enter"]);
    t.wait_for("兑换确认", |s| s.contains("奶瓶") && s.contains("积分 200 → 150"));
    t.send(&["y"]);
    t.wait_for("剩余 150", |s| s.contains("150 积分 · 储值 ¥550.00"));
    t.send(&["5"]);
    t.wait_for("日结", |s| {
        s.lines().any(|l| l.trim_start().starts_with("日终储值余额") && l.trim_end().ends_with("550.00"))
            && s.lines().any(|l| l.trim_start().starts_with("积分兑换") && l.trim_end().ends_with(" 50"))
    });
    t.send(&["q"]);
    assert_eq!(wait_file(&exit).trim(), "EXIT=0");
    assert_eq!(balances(&s), "points 150 · stored value 550.00");
}
