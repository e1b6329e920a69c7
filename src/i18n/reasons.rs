//! Chinese renderings of the classifier's reasons. The classifier writes its reasons in English
//! from stable templates; rather than thread the language through every dimension, the templates
//! are matched here and rewritten, numbers kept. A phrase the table does not know stays English.

use super::{Lang, class_label};

/// English templates (`{}` is a figure, a date or a name) and their Chinese order.
/// The "no …" ones come first: `{}` would otherwise take "no" for a figure.
const TEMPLATES: &[(&str, &str)] = &[
    ("nothing spent in the last {} days", "近{}天无消费"),
    ("no purchase in the last {} days", "近{}天无购买"),
    ("no event attended in the last {} days", "近{}天未参加活动"),
    ("{} purchases in the last {} days", "近{1}天购买{0}次"),
    ("{} purchase in the last {} days", "近{1}天购买{0}次"),
    ("{} events attended in the last {} days", "近{1}天参加活动{0}次"),
    ("{} event attended in the last {} days", "近{1}天参加活动{0}次"),
    ("{} spent in the last {} days", "近{1}天消费{0}"),
    ("last purchase {} days ago", "上次购买在{}天前"),
    ("first purchase {} days ago", "首次购买在{}天前"),
    ("customer for {} days", "成为客户{}天"),
    ("{} days as a customer", "成为客户满{}天"),
    ("{} of the {} purchases needed", "仅{}次购买，需{}次"),
    ("{} of {} purchases on promotion", "{1}次购买中{0}次为促销"),
    ("{} purchases of {}", "{1}次购买中占{0}次"),
    ("{} purchase of {}", "{1}次购买中占{0}次"),
    ("{} of {} spent", "消费{0}，共{1}"),
    ("{} open major and {} open minor complaints", "{}个未解决重大投诉和{}个未解决一般投诉"),
    ("{} open major complaints", "{}个未解决重大投诉"),
    ("{} open major complaint", "{}个未解决重大投诉"),
    ("{} open minor complaints", "{}个未解决一般投诉"),
    ("{} open minor complaint", "{}个未解决一般投诉"),
    ("latest rating {} on {}", "{1}最近评分{0}"),
    ("{} complaints resolved, the last on {}", "已解决{0}个投诉，最近一次在{1}"),
    ("{} complaint resolved on {}", "{1}已解决{0}个投诉"),
    ("no answer on {}, call back on {}", "{0}未接通，约定{1}回电"),
    ("referred {} customers", "推荐了{}位客户"),
    ("referred {} customer", "推荐了{}位客户"),
    ("{} days since the last purchase", "距上次购买{}天"),
    ("a unit lasts {} days", "每件可用{}天"),
    ("usually bought every {}", "通常每{}天购买"),
    ("usually every {}", "通常每{}天"),
    ("none in the last {} days", "近{}天无购买"),
    ("{} purchases expected", "预计购买{}次"),
    ("{} purchase days", "{}个购买日"),
    ("{} purchase day", "{}个购买日"),
    ("{} purchases", "{}次购买"),
    ("{} purchase", "{}次购买"),
    ("{} days ago", "{}天前"),
    ("{} over the next 12 months", "未来12个月{}"),
    ("discounted {}% a year", "年折现率{}%"),
    ("{} points", "{}积分"),
    ("{} to under {}", "{}至不足{}"),
    ("was due {}", "应于{}补货"),
    ("due {}", "{}到期"),
    ("under {}", "不足{}"),
];

/// Fixed phrases, rewritten after the templates (longest first where one contains another).
const PHRASES: &[(&str, &str)] = &[
    ("churned (no purchase for over the sleeping period)", "已流失（超过沉睡期未购买）"),
    ("frequency high and active", "高频且活跃"),
    ("loyal needs", "成为忠诚客户还需"),
    ("high frequency", "高频"),
    ("activity active", "活跃"),
    ("no purchase with a category", "无带品类的购买"),
    ("no purchase yet", "尚无购买"),
    ("has not referred anyone", "尚未推荐他人"),
    ("no rating given", "尚无评分"),
    ("R↑ as recent as average or more", "R↑ 近度不低于平均"),
    ("R↓ less recent than average", "R↓ 近度低于平均"),
    ("F↑ above the mean", "F↑ 高于平均"),
    ("F↓ not above the mean", "F↓ 不高于平均"),
    ("M↑ above the mean", "M↑ 高于平均"),
    ("M↓ not above the mean", "M↓ 不高于平均"),
    ("overdue for their rhythm", "已超出购买节奏"),
    ("the last one today", "最近一次在今天"),
    ("none since yesterday", "昨天以来无购买"),
    ("no repeat yet to judge by", "尚无复购可判断"),
    ("at the population's order value: no repeat purchase yet", "按总体客单价估算：尚无复购"),
    ("on promotion", "为促销"),
    ("open complaint logged on", "未解决投诉，记录于"),
    (" and ", "和"),
    (" — ", " — "),
];

/// `text`, a reason of `dimension` (its key), in `lang`.
pub fn reason(lang: Lang, dimension: &str, text: &str) -> String {
    if lang == Lang::En {
        return text.to_string();
    }
    let (head, rest) = match text.split_once(" — ") {
        Some((h, r)) => (Some(h), r),
        None => (None, text),
    };
    let mut out = String::new();
    if let Some(h) = head {
        out.push_str(&head_zh(lang, dimension, h));
        out.push_str(" — ");
    }
    out.push_str(&rewrite(rest));
    out
}

/// The class that opens a reason: a key, an RFM segment's English name, or a figure.
fn head_zh(lang: Lang, dimension: &str, head: &str) -> String {
    if let Some(l) = class_label(lang, dimension, head) {
        return l.to_string();
    }
    // "R3 F2 M1 · About to Sleep": the scores stay, the segment's name is translated.
    if let Some((scores, name)) = head.rsplit_once(" · ") {
        return format!("{scores} · {}", head_zh(lang, dimension, name));
    }
    if let Some(s) = crate::classify::Rfm8::ALL.iter().find(|s| s.label() == head) {
        return class_label(lang, "rfm8", s.key()).unwrap_or(head).to_string();
    }
    if let Some(s) = crate::classify::RfmSegment::ALL.iter().find(|s| s.label() == head) {
        return class_label(lang, "rfm", s.key()).unwrap_or(head).to_string();
    }
    if let Some(p) = head.strip_prefix("P(alive) ") {
        return format!("{} {p}", super::tr_in(lang, "P(alive)"));
    }
    if let Some(d) = head.strip_prefix("due ") {
        return format!("{d}到期");
    }
    rewrite(head)
}

/// Rewrites every template and phrase found in `s`.
pub(super) fn rewrite(s: &str) -> String {
    let mut s = s.to_string();
    for (en, zh) in TEMPLATES {
        s = replace_template(&s, en, zh);
    }
    for (en, zh) in PHRASES {
        s = s.replace(en, zh);
    }
    s.replace(" (", "（").replace(')', "）").replace(", ", "，").replace("; ", "；")
}

/// One capture: a run of characters that are not spaces or clause punctuation.
fn is_word(c: char) -> bool {
    !c.is_whitespace() && !"(),;（），；".contains(c)
}

/// Replaces each occurrence of `template` in `s` (each `{}` one word) by `zh` filled in.
fn replace_template(s: &str, template: &str, zh: &str) -> String {
    let lits: Vec<&str> = template.split("{}").collect();
    let mut out = String::new();
    let mut pos = 0;
    'scan: while pos <= s.len() {
        let mut start = pos;
        // Try every start where the template could begin.
        while start < s.len() {
            if let Some((end, caps)) = match_at(s, start, &lits) {
                out.push_str(&s[pos..start]);
                let args: Vec<&dyn std::fmt::Display> =
                    caps.iter().map(|c| c as &dyn std::fmt::Display).collect();
                out.push_str(&super::fill(zh, &args));
                pos = end;
                continue 'scan;
            }
            start += s[start..].chars().next().map_or(1, char::len_utf8);
        }
        break;
    }
    out.push_str(&s[pos.min(s.len())..]);
    out
}

/// Matches the literals `lits` (with one word between each) at `start` of `s`.
fn match_at<'a>(s: &'a str, start: usize, lits: &[&str]) -> Option<(usize, Vec<&'a str>)> {
    // A template starts at a word boundary: "due {}" is not the end of "overdue for".
    let before = s[..start].chars().next_back();
    let opens_word = lits[0].chars().next().is_none_or(char::is_alphanumeric);
    if opens_word && before.is_some_and(|c| c.is_alphanumeric() || (lits[0].is_empty() && is_word(c))) {
        return None;
    }
    let mut at = start;
    let mut caps = Vec::new();
    for (i, lit) in lits.iter().enumerate() {
        if i > 0 {
            let word_len: usize = s[at..].chars().take_while(|c| is_word(*c)).map(char::len_utf8).sum();
            // Non-greedy: the shortest word after which the next literal follows.
            let mut found = None;
            let mut end = at;
            for c in s[at..at + word_len].chars() {
                end += c.len_utf8();
                if s[end..].starts_with(lit) && (!lit.is_empty() || end == at + word_len) {
                    found = Some(end);
                    break;
                }
            }
            let end = found?;
            // Captures are figures, dates and amounts: "no purchase" is not "{} purchase".
            if !s[at..end].contains(|c: char| c.is_ascii_digit()) {
                return None;
            }
            caps.push(&s[at..end]);
            at = end;
        }
        if !s[at..].starts_with(lit) {
            return None;
        }
        at += lit.len();
    }
    Some((at, caps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_is_not_a_figure_and_a_word_is_not_split() {
        let zh = |dim, t| reason(Lang::Zh, dim, t);
        assert_eq!(rewrite("no event attended in the last 365 days"), "近365天未参加活动");
        assert_eq!(rewrite("no purchase in the last 90 days"), "近90天无购买");
        assert_eq!(rewrite("3 events attended in the last 365 days"), "近365天参加活动3次");
        let overdue = zh("replenish", "overdue for their rhythm — 68 days since the last purchase");
        assert_eq!(overdue, "已超出购买节奏 — 距上次购买68天");
        assert_eq!(rewrite("due 2026-12-01"), "2026-12-01到期");
        assert_eq!(rewrite("no purchase with a category"), "无带品类的购买");
        assert_eq!(
            rewrite("churned (no purchase for over the sleeping period)"),
            "已流失（超过沉睡期未购买）"
        );
        assert_eq!(zh("rfm", "R3 F2 M1 · About to Sleep — 2 purchases"), "R3 F2 M1 · 即将沉睡 — 2次购买");
        assert_eq!(zh("price sensitivity", "low — 1 purchase"), "低 — 1次购买");
        assert_eq!(zh("next 90 days", "2.49 purchases expected"), "预计购买2.49次");
        assert_eq!(
            zh("p(alive)", "P(alive) 0.31 — 5 purchases, none in the last 240 days, usually every 30"),
            "存活概率 0.31 — 5次购买，近240天无购买，通常每30天"
        );
    }
}
