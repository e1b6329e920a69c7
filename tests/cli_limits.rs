//! Figures out of range are refused before anything is written, each with its bounds: the
//! number of SSH consoles, the idle limit, and points redeemed (never negative).

mod common;
use common::*;

const TODAY: &str = "2024-06-30";

/// Runs `kehu` and expects a refusal naming `flag` (clap's usage error: exit 2).
fn refused(s: &Scratch, args: &[&str], flag: &str) -> String {
    let out = s.kehu(TODAY, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?} was not refused: {err}");
    assert!(err.contains(flag), "{args:?}: the refusal does not name {flag}: {err}");
    err
}

#[test]
fn serve_refuses_session_counts_and_idle_limits_out_of_bounds() {
    let s = Scratch::new();
    let keys = s.file("keys", "");
    let k = keys.to_str().unwrap();
    for n in ["0", "18446744073709551615", "100000"] {
        let err = refused(&s, &["serve", "--authorized-keys", k, "--max-sessions", n], "--max-sessions");
        assert!(err.contains("1..=256") || err.contains("1 to 256"), "{err}");
    }
    for d in ["0s", "0", "169h", "99999999999999999h", "100000000h", "18446744073709551615"] {
        let err = refused(&s, &["serve", "--authorized-keys", k, "--idle", d], "--idle");
        assert!(err.contains("between 1s and 7d (168h)"), "{d}: {err}");
    }
}

#[test]
fn negative_points_redeemed_are_refused_with_their_line() {
    let s = Scratch::new();
    let file = s.file("c.csv", "ref,name,points_redeemed\nA1,Li,100\nA2,Wang,-500\n");
    let out = s.kehu(TODAY, &["import", "--kind", "customers", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "negative points were taken: {err}{}", stdout(&out));
    assert!(err.contains("line 3:") && err.contains("points_redeemed"), "{err}");
    assert!(err.contains("negative"), "{err}");
    let listed = s.kehu(TODAY, &["export", "--kind", "customers"]);
    assert!(listed.status.code() == Some(2) || parse_csv(&stdout(&listed)).1.is_empty(), "half imported");
}
