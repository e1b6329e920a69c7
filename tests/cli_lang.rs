//! `--lang zh` through the real binary: human-readable output in Chinese, files in English keys.

mod common;
use common::*;

const TODAY: &str = "2026-11-25";

#[test]
fn chinese_segments_and_english_exports() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "200", "--seed", "3"]));
    let zh = ok(s.kehu(TODAY, &["--lang", "zh", "segments"]));
    assert!(zh.contains("生命周期") && zh.contains("活跃度") && zh.contains("冠军客户"), "{zh}");
    assert!(zh.contains("2026年11月25日"), "{zh}");
    let en = ok(s.kehu(TODAY, &["--lang", "en", "segments"]));
    assert!(en.contains("lifecycle") && !en.contains("生命周期"), "{en}");
    let csv = ok(s.kehu(TODAY, &["--lang", "zh", "export", "--kind", "classes"]));
    let (header, rows) = parse_csv(&csv);
    assert!(header.iter().any(|h| h == "lifecycle"), "{header:?}");
    let at = header.iter().position(|h| h == "activity").unwrap();
    for r in &rows {
        assert!(["active", "sleeping", "churned", "never"].contains(&r[at].as_str()), "{r:?}");
    }
    let json = ok(s.kehu(TODAY, &["--lang", "zh", "segments", "--json"]));
    assert!(json.contains("\"lifecycle\"") && !json.contains("生命周期"), "JSON keeps English keys");
}
