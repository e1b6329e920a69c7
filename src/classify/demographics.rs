//! Demographic dimensions: the age band from the birthday (bands in the rules), and the stated
//! ones read as recorded (gender; income, education and occupation once the customer record has
//! them).
//!
//! Age bands are the shop's own, so their keys are made from the bounds (`under_25`, `25_34`,
//! `55_plus`) and interned: a class key must live as long as the counts that name it.

use super::Classed;
use super::birthday::age_on;
use super::member_rules::DemographicRules;
use super::reason::Arg;
use crate::intern::Sym;
use chrono::NaiveDate;

/// The class of a customer without a birthday.
pub const UNKNOWN_AGE: &str = "unknown";

/// The band keys of `bands` (the ages each band after the first begins at), youngest first.
pub fn band_keys(bands: &[u32]) -> Vec<&'static str> {
    let mut keys = Vec::with_capacity(bands.len() + 1);
    match (bands.first(), bands.last()) {
        (Some(first), Some(last)) => {
            keys.push(format!("under_{first}"));
            keys.extend(bands.windows(2).map(|w| format!("{}_{}", w[0], w[1] - 1)));
            keys.push(format!("{last}_plus"));
        }
        _ => keys.push("all_ages".to_string()),
    }
    keys.iter().map(|k| Sym::new(k).as_str()).collect()
}

/// The band key of `age` under the rules' bands.
pub fn band_key(age: Option<u32>, rules: &DemographicRules) -> &'static str {
    let Some(age) = age else { return UNKNOWN_AGE };
    let at = rules.age_bands.partition_point(|b| *b <= age);
    match rules.band_keys.get(at) {
        Some(key) => key,
        // Rules not read through `Rules::from_toml` have no keys made yet.
        None => band_keys(&rules.age_bands).get(at).copied().unwrap_or(UNKNOWN_AGE),
    }
}

/// Where a band key sorts: by the age it begins at, unknown last.
pub fn band_rank(key: &str) -> u32 {
    if key.starts_with("under_") {
        return 0;
    }
    key.split('_').next().and_then(|n| n.parse().ok()).unwrap_or(u32::MAX)
}

/// A band key's English name: "under 25", "25–34", "55+".
pub fn band_label(key: &str) -> String {
    if let Some(hi) = key.strip_prefix("under_") {
        return format!("under {hi}");
    }
    if let Some(lo) = key.strip_suffix("_plus") {
        return format!("{lo}+");
    }
    match key.split_once('_') {
        Some((lo, hi)) if lo.parse::<u32>().is_ok() => format!("{lo}–{hi}"),
        _ => key.to_string(),
    }
}

/// The age band on `today` from the birthday.
pub fn age_band(
    birthday: Option<NaiveDate>,
    rules: &DemographicRules,
    today: NaiveDate,
) -> Classed<&'static str> {
    let age = birthday.and_then(|b| age_on(b, today));
    let key = band_key(age, rules);
    // The band's name is made only when the reason is written.
    let class = || Arg::Class { key, name: Sym::new(&band_label(key)).as_str() };
    match age {
        Some(a) => Classed::new(key, reason!("{} — {} years old", class(), a)),
        None => Classed::new(key, reason!("{} — no birthday recorded", class())),
    }
}

/// A stated field (income, education, occupation) as a class: as recorded, spaces tidied; None
/// when nothing is recorded.
///
/// The hook for the customer fields: `Summary::from_history` passes each field's text here.
pub fn stated(text: &str) -> Option<Sym> {
    let tidy = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!tidy.is_empty()).then(|| Sym::new(&tidy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Rules;
    use crate::classify::testkit::day;

    #[test]
    fn bands_from_the_rules_at_their_bounds() {
        let rules = |toml: &str| Rules::from_toml(toml).unwrap().demographics;
        let r = rules("");
        let key = |a| band_key(Some(a), &r);
        assert_eq!(
            [key(0), key(24), key(25), key(34), key(35), key(54), key(55), key(99)],
            ["under_25", "under_25", "25_34", "25_34", "35_44", "45_54", "55_plus", "55_plus"]
        );
        assert_eq!(band_key(None, &r), "unknown");
        assert_eq!(band_key(Some(40), &rules("[demographics]\nage_bands = []")), "all_ages");
        assert_eq!(band_key(Some(40), &rules("[demographics]\nage_bands = [30]")), "30_plus");
        assert_eq!(band_key(Some(20), &rules("[demographics]\nage_bands = [30]")), "under_30");
        // Rules made otherwise than by reading them still give the keys.
        let bare = DemographicRules { age_bands: vec![25, 35], band_keys: Vec::new() };
        assert_eq!(band_key(Some(30), &bare), "25_34");
        let mut keys = vec!["55_plus", "unknown", "25_34", "under_25", "35_44"];
        keys.sort_by_key(|k| band_rank(k));
        assert_eq!(keys, ["under_25", "25_34", "35_44", "55_plus", "unknown"]);
        assert_eq!(
            [band_label("under_25"), band_label("25_34"), band_label("55_plus")],
            ["under 25", "25–34", "55+"]
        );
    }

    #[test]
    fn the_band_moves_on_the_birthday_itself() {
        let r = Rules::default();
        let b = Some(day(1999, 12, 31));
        assert_eq!(age_band(b, &r.demographics, day(2024, 12, 30)).class, "under_25");
        let got = age_band(b, &r.demographics, day(2024, 12, 31));
        assert_eq!(got.class, "25_34");
        assert_eq!(got.reason, "25–34 — 25 years old");
        // Born on 29 February: 25 on 28 February of a year without one.
        let leap = Some(day(2000, 2, 29));
        assert_eq!(age_band(leap, &r.demographics, day(2025, 2, 27)).class, "under_25");
        assert_eq!(age_band(leap, &r.demographics, day(2025, 2, 28)).class, "25_34");
        let none = age_band(None, &r.demographics, day(2025, 2, 28));
        assert_eq!(
            (none.class, none.reason.to_string().as_str()),
            ("unknown", "unknown — no birthday recorded")
        );
        // A birthday typed in the future gives no age.
        assert_eq!(age_band(Some(day(2030, 1, 1)), &r.demographics, day(2025, 2, 28)).class, "unknown");
    }

    #[test]
    fn stated_fields_are_classes_as_recorded() {
        assert_eq!(stated("  本科 ").map(Sym::as_str), Some("本科"));
        assert_eq!(stated("teacher   (primary)").map(Sym::as_str), Some("teacher (primary)"));
        assert_eq!(stated("   "), None);
    }
}
