//! Chinese renderings of the classifier's reasons. A reason is a template and its arguments (see
//! [`crate::classify::Reason`]); its template is looked up in [`TEMPLATES`] and filled with the
//! arguments put into words: a class by its name in the dimension the reason is shown under, a
//! word of the interface by the interface's table, a nested part by this table again, anything
//! else as it is. Nothing is parsed, so a figure is never mistaken for a word nor the other way
//! round; a template missing here reads in English (the sweep in `tests/zh_words.rs` fails on
//! any the classifier uses).

use super::{Lang, class_label, fill, tr_dyn_in};
use crate::classify::Reason;
use crate::classify::reason::Arg;
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

/// Every English template of a reason (or of a part of one) and its Chinese; `{0}`, `{1}`… where
/// Chinese orders the arguments otherwise.
const TEMPLATES: &[(&str, &str)] = &[
    // The class and what it rests on.
    ("{} — {}", "{} — {}"),
    ("{} — {} (≥ {})", "{} — {}（≥ {}）"),
    ("{} — {} (≤ {})", "{} — {}（≤ {}）"),
    ("{} — {} (> {})", "{} — {}（> {}）"),
    ("{} — {} ({}–{})", "{} — {}（{}–{}）"),
    ("{} — {} (1–{})", "{} — {}（1–{}）"),
    ("{} — {} ({} to under {})", "{} — {}（{}至不足{}）"),
    ("{} — {} (under {})", "{} — {}（不足{}）"),
    ("{} — {}, ≥ {}%", "{} — {}，≥ {}%"),
    ("{} — {}, {}% to under {}%", "{} — {}，{}%至不足{}%"),
    ("{} — {}, under {}%", "{} — {}，不足{}%"),
    ("{} — {} (latest rating {} on {})", "{0} — {1}（{3}最近评分{2}）"),
    ("{} — no purchase yet", "{} — 尚无购买"),
    ("{} — no purchase in the last {} days", "{} — 近{}天无购买"),
    ("{} — nothing spent in the last {} days", "{} — 近{}天无消费"),
    ("{} — no event attended in the last {} days", "{} — 近{}天未参加活动"),
    ("{} — no purchase with a category", "{} — 无带品类的购买"),
    ("{} — no rating given", "{} — 尚无评分"),
    ("{} — has not referred anyone", "{} — 尚未推荐他人"),
    ("{} — referred {} customer", "{} — 推荐了{}位客户"),
    ("{} — referred {} customers", "{} — 推荐了{}位客户"),
    ("{} — {} of the {} purchases needed", "{} — 仅{}次购买，需{}次"),
    ("{} — {} of {} spent ({}%)", "{} — 消费{}，共{}（{}%）"),
    ("{} — {} purchase of {}", "{0} — {2}次购买中占{1}次"),
    ("{} — {} purchases of {}", "{0} — {2}次购买中占{1}次"),
    ("{} — churned (no purchase for over the sleeping period)", "{} — 已流失（超过沉睡期未购买）"),
    ("{} — first purchase {} days ago (≤ {})", "{} — 首次购买在{}天前（≤ {}）"),
    ("{} — customer for {} days (≥ {}), frequency high and active", "{} — 成为客户{}天（≥ {}），高频且活跃"),
    ("{} — customer for {} days; loyal needs {}", "{} — 成为客户{}天；成为忠诚客户还需{}"),
    (
        "{} — R {} (last purchase {} days ago), F {} ({} purchases)",
        "{} — R {}（上次购买在{}天前），F {}（{}次购买）",
    ),
    ("{} — {} ({} days ago), {} ({} purchases), {} ({})", "{} — {}（{}天前），{}（{}次购买），{}（{}）"),
    ("R{} F{} M{} · {}", "R{} F{} M{} · {}"),
    ("{} · {} points", "{} · {}积分"),
    // The figures.
    ("{} purchase in the last {} days", "近{1}天购买{0}次"),
    ("{} purchases in the last {} days", "近{1}天购买{0}次"),
    ("{} spent in the last {} days", "近{1}天消费{0}"),
    ("{} event attended in the last {} days", "近{1}天参加活动{0}次"),
    ("{} events attended in the last {} days", "近{1}天参加活动{0}次"),
    ("last purchase {} days ago", "上次购买在{}天前"),
    ("{} days as a customer", "成为客户满{}天"),
    ("high frequency", "高频"),
    ("activity active", "活跃"),
    ("{} of {} purchases on promotion ({}%)", "{1}次购买中{0}次为促销（{2}%）"),
    ("R↑ as recent as average or more", "R↑ 近度不低于平均"),
    ("R↓ less recent than average", "R↓ 近度低于平均"),
    ("F↑ above the mean", "F↑ 高于平均"),
    ("F↓ not above the mean", "F↓ 不高于平均"),
    ("M↑ above the mean", "M↑ 高于平均"),
    ("M↓ not above the mean", "M↓ 不高于平均"),
    // Feedback and complaints.
    ("latest rating {} on {}", "{1}最近评分{0}"),
    ("{} open major complaint", "{}个未解决重大投诉"),
    ("{} open major complaints", "{}个未解决重大投诉"),
    ("{} open minor complaint", "{}个未解决一般投诉"),
    ("{} open minor complaints", "{}个未解决一般投诉"),
    ("{} open major and {} open minor complaints", "{}个未解决重大投诉和{}个未解决一般投诉"),
    ("1 complaint resolved on {}", "{}已解决1个投诉"),
    ("{} complaints resolved, the last on {}", "已解决{0}个投诉，最近一次在{1}"),
    ("open complaint logged on {}", "未解决投诉，记录于{}"),
    // Agreed follow-ups.
    ("follow-up agreed on {} for {} ({}), no contact since", "{0}约定{1}跟进（{2}），此后未联系"),
    ("no answer on {}, call back on {}", "{0}未接通，约定{1}回电"),
    // The model's figures.
    ("P(alive) {} — {}, {}, usually every {}", "存活概率 {} — {}，{}，通常每{}天"),
    ("P(alive) {} — {}, {}; no repeat yet to judge by", "存活概率 {} — {}，{}；尚无复购可判断"),
    ("{} purchase", "{}次购买"),
    ("{} purchases", "{}次购买"),
    ("{} purchase day", "{}个购买日"),
    ("{} purchase days", "{}个购买日"),
    ("the last one today", "最近一次在今天"),
    ("none since yesterday", "昨天以来无购买"),
    ("none in the last {} days", "近{}天无购买"),
    ("{} purchases expected", "预计购买{}次"),
    ("low — {}% chance of no purchase in the next 90 days", "低 — 未来90天不再购买的可能 {}%"),
    ("medium — {}% chance of no purchase in the next 90 days", "中 — 未来90天不再购买的可能 {}%"),
    ("high — {}% chance of no purchase in the next 90 days", "高 — 未来90天不再购买的可能 {}%"),
    ("{} over the next 12 months (discounted {}% a year)", "未来12个月{}（年折现率{}%）"),
    (
        "{} over the next 12 months (discounted {}% a year), at the population's order value: no repeat purchase yet",
        "未来12个月{}（年折现率{}%），按总体客单价估算：尚无复购",
    ),
    // Replenishment.
    ("due {} — a unit lasts {} days, usually bought every {}", "{}到期 — 每件可用{}天，通常每{}天购买"),
    (
        "due {} — {}: a unit lasts {} days, usually bought every {}",
        "{}到期 — {}: 每件可用{}天，通常每{}天购买",
    ),
    (
        "overdue for their rhythm — {} days since the last purchase, usually every {} (> {}×); was due {}",
        "已超出购买节奏 — 距上次购买{}天，通常每{}天（> {}×）；应于{}补货",
    ),
    (
        "overdue for their rhythm — {}: {} days since the last purchase, usually every {} (> {}×); was due {}",
        "已超出购买节奏 — {}: 距上次购买{}天，通常每{}天（> {}×）；应于{}补货",
    ),
    // Member levels.
    ("{} until {} — reached {} on {} (≥ {})", "{0}至{1} — {3}达到{2}（≥ {4}）"),
    ("{} until {} — {} spent in the {} days to {} (≥ {})", "{0}至{1} — 截至{4}的{3}天消费{2}（≥ {5}）"),
    ("{} until {}", "{}至{}"),
    ("{} until {} — {} more by then keeps it", "{0}至{1} — 到期前再消费{2}即可保级"),
    // Birthdays and age.
    ("{} — no birthday recorded", "{} — 未记录生日"),
    ("{} — birthday {}", "{} — 生日{}"),
    ("birthday on {}", "{}生日"),
    ("birthday on {}: {}", "{}生日：{}"),
    ("{} — {} years old", "{} — {}岁"),
    // A child's life stage and formula stage.
    ("{} — no child's birthday recorded", "{} — 未记录孩子生日"),
    ("{} — due on {}", "{} — 预产期{}"),
    ("{} — {} months old (born {})", "{0} — {1}个月大（{2}出生）"),
    ("{} — {} years old (born {})", "{0} — {1}岁（{2}出生）"),
    ("{} — {} months old (under {} months)", "{} — {}个月大（不足{}个月）"),
    ("{} — {} months old ({} to under {} months)", "{} — {}个月大（{}至不足{}个月）"),
    ("{} — {} months old ({} months or more)", "{} — {}个月大（{}个月及以上）"),
    ("baby turns {} months today: suggest stage {}", "宝宝今天满{}个月：推荐{}段"),
    ("baby turns {} months tomorrow: suggest stage {}", "宝宝明天满{}个月：推荐{}段"),
    ("baby turns {} months in {} days ({}): suggest stage {}", "宝宝{1}天后（{2}）满{0}个月：推荐{3}段"),
    // Parts joined.
    ("{}, {}", "{}，{}"),
    ("{}; {}", "{}；{}"),
];

fn table() -> &'static HashMap<&'static str, &'static str> {
    static T: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    T.get_or_init(|| TEMPLATES.iter().copied().collect())
}

/// Every reason template with its Chinese rendering.
pub fn reason_templates() -> &'static [(&'static str, &'static str)] {
    TEMPLATES
}

/// `r`, a reason shown under `dimension` (its key or its row's name), in `lang`.
pub fn reason(lang: Lang, dimension: &str, r: &Reason) -> String {
    match lang {
        Lang::En => r.to_string(),
        Lang::Zh => render(lang, dimension, r),
    }
}

fn render(lang: Lang, dimension: &str, r: &Reason) -> String {
    let template = table().get(r.template()).copied().unwrap_or(r.template());
    let args: Vec<String> = r.args().iter().map(|a| arg(lang, dimension, a)).collect();
    let shown: Vec<&dyn Display> = args.iter().map(|a| a as &dyn Display).collect();
    fill(template, &shown)
}

fn arg(lang: Lang, dimension: &str, a: &Arg) -> String {
    match a {
        Arg::Text(t) => t.clone(),
        Arg::Class { key, name } => class_label(lang, dimension, key).unwrap_or(name).to_string(),
        Arg::Word(w) => tr_dyn_in(lang, w).to_string(),
        Arg::Reason(r) => render(lang, dimension, r),
        Arg::Phrase(p) => tr_dyn_in(lang, p).to_string(),
    }
}
