//! The customer's records as the detail view lists them, and the cursor over them: purchases
//! and returns, interactions, and (when shown) the changes the audit log holds about them.

use super::super::widgets::{fit, pad_to, safe};
use crate::change::AuditEntry;
use crate::domain::{History, Interaction, Money, Purchase, net_purchases};
use crate::i18n::{self, Lang, tr_dyn_in, tr_in, trf_in};
use chrono::NaiveDate;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// One record the cursor can stand on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pick<'a> {
    /// A purchase or a return.
    Purchase(&'a Purchase),
    /// An interaction.
    Interaction(&'a Interaction),
    /// An entry of the audit log.
    Change(&'a AuditEntry),
}

/// The records in the order the view lists them: purchases newest first, interactions newest
/// first, then the changes newest first.
pub fn picks<'a>(h: &'a History, changes: Option<&'a [AuditEntry]>) -> Vec<Pick<'a>> {
    let mut out: Vec<Pick> = h.purchases.iter().rev().map(Pick::Purchase).collect();
    out.extend(h.interactions.iter().rev().map(Pick::Interaction));
    out.extend(changes.unwrap_or_default().iter().rev().map(Pick::Change));
    out
}

/// Lines of the records, with the line index of the picked one.
pub struct Records {
    /// The lines.
    pub lines: Vec<Line<'static>>,
    /// Where the picked record's line is among them.
    pub picked: Option<usize>,
    /// The line of each record, in [`picks`] order.
    pub at: Vec<usize>,
}

/// The purchases, interactions and changes sections in `lang`; `pick` highlights one record;
/// phones in the changes are masked when `hide_phone`, as the screen masks the customer's.
pub fn lines(
    h: &History,
    changes: Option<&[AuditEntry]>,
    pick: Option<usize>,
    hide_phone: bool,
    width: usize,
    lang: Lang,
) -> Records {
    let mut out = Vec::new();
    let mut picked = None;
    let mut at = Vec::new();
    let mut n = 0usize;
    let mut push = |out: &mut Vec<Line<'static>>, text: String, dim: bool| {
        let mut style = Style::new();
        if dim {
            style = style.add_modifier(Modifier::DIM);
        }
        if pick == Some(n) {
            style = style.add_modifier(Modifier::REVERSED);
            picked = Some(out.len());
        }
        at.push(out.len());
        out.push(Line::from(Span::styled(fit(&text, width), style)));
        n += 1;
    };
    let net: Money = net_purchases(&h.purchases).iter().map(|p| p.amount).sum();
    let counted = net_purchases(&h.purchases).len();
    out.push(heading(&trf_in(lang, "Purchases ({}, {} in all)", &[&counted, &i18n::money(lang, net)])));
    for p in h.purchases.iter().rev() {
        push(&mut out, purchase_line(p, lang), p.void.is_some());
    }
    out.push(Line::default());
    out.push(heading(&trf_in(lang, "Interactions ({})", &[&h.interactions.len()])));
    for i in h.interactions.iter().rev() {
        push(&mut out, interaction_line(i, lang), i.void.is_some());
    }
    if let Some(changes) = changes {
        out.push(Line::default());
        out.push(heading(&trf_in(lang, "Changes ({})", &[&changes.len()])));
        for e in changes.iter().rev() {
            push(&mut out, change_line(e, hide_phone, lang), false);
        }
    }
    Records { lines: out, picked, at }
}

fn heading(s: &str) -> Line<'static> {
    Line::from(Span::styled(s.to_string(), Style::new().add_modifier(Modifier::BOLD)))
}

/// "  2024-03-05  ¥12.00  ×1   store tea  #7": one purchase or return, as listed in `lang`.
pub fn purchase_line(p: &Purchase, lang: Lang) -> String {
    let day = |d: NaiveDate| i18n::date(lang, d);
    let promo = if p.promo { tr_in(lang, " promo") } else { "" };
    let channel = i18n::class_label(lang, "top_channel", p.channel.key()).unwrap_or(p.channel.key());
    let mut line = match p.refund_of {
        Some(of) => format!(
            "  {}  -{}  ×{:<3} {} #{of}",
            day(p.date),
            i18n::money(lang, p.amount),
            p.quantity,
            tr_in(lang, "RETURN of")
        ),
        None => format!(
            "  {}  {}  ×{:<3} {} {}{promo}{}",
            day(p.date),
            i18n::money(lang, p.amount),
            p.quantity,
            channel,
            safe(&p.category),
            super::super::till::payment_note(p.payment, lang)
        ),
    };
    line += &format!("  #{}", p.id);
    // In a chain, where it was sold: a return is made at the till of one branch or another.
    if !p.branch.is_empty() {
        line += &format!(" @{}", safe(&p.branch));
    }
    if let Some(v) = &p.void {
        line += &trf_in(lang, "  VOID ({}, {})", &[&safe(&v.reason), &safe(&v.by)]);
    }
    line
}

/// "  2024-03-05  call      asked about refills": one interaction, as listed in `lang`.
pub fn interaction_line(i: &Interaction, lang: Lang) -> String {
    let day = |d: NaiveDate| i18n::date(lang, d);
    let mut extra = String::new();
    if let Some(r) = i.rating {
        extra += &trf_in(lang, " rating {}", &[&r.get()]);
    }
    if let Some(cp) = &i.complaint {
        // "open" is also the help's word for Enter, so the complaint state has its own message.
        let state = if cp.resolved {
            tr_in(lang, "resolved")
        } else {
            tr_in(lang, "open complaint").trim_end_matches(" complaint")
        };
        extra += &format!(" {} {} {state}", tr_in(lang, cp.kind.key()), tr_in(lang, cp.severity.key()));
        if let Some(r) = &cp.resolution {
            extra += &trf_in(lang, " on {} by {}", &[&day(r.on), &safe(&r.by)]);
            if !r.note.is_empty() {
                extra += &format!(": {}", safe(&r.note));
            }
        }
    }
    if !i.reached() {
        extra += &format!(" {}", tr_in(lang, "NO ANSWER"));
    }
    if let Some(fu) = i.follow_up {
        extra += &trf_in(lang, " follow-up {}", &[&day(fu)]);
    }
    let mut line =
        format!("  {}  {}{extra}  {}", day(i.date), pad_to(tr_in(lang, i.kind.key()), 9), safe(&i.text));
    // Who logged it: the phone worker calling back wants to know who spoke to them last.
    if !i.operator.is_empty() {
        line += &format!("  — {}", safe(&i.operator));
    }
    line += &format!("  #{}", i.id);
    if !i.branch.is_empty() {
        line += &format!(" @{}", safe(&i.branch));
    }
    if let Some(v) = &i.void {
        line += &trf_in(lang, "  VOID ({}, {})", &[&safe(&v.reason), &safe(&v.by)]);
    }
    line
}

/// "2026-12-01 14:02 ann edit customer  name 王小明 → 王晓明"; phones masked when `hide_phone`.
fn change_line(e: &AuditEntry, hide_phone: bool, lang: Lang) -> String {
    // Masked before the fields are named in `lang`: the mask looks for `phone`.
    let shown = |fields: &str| {
        let words = consent_words(fields, lang);
        field_names(&if hide_phone { masked_phone(&words) } else { words }, lang)
    };
    let diff = field_diff(&shown(&e.before), &shown(&e.after));
    format!(
        "  {}  {}  {}  {}",
        e.when.format("%Y-%m-%d %H:%M"),
        safe(&e.operator),
        safe(&i18n::change_what(lang, &e.what)),
        safe(&diff)
    )
}

/// A before/after JSON object with each consent answer in words ("no · 2024-06-30 · till",
/// in `lang`) and its field named as the detail view names it ("sms consent"); the rest as is.
fn consent_words(fields: &str, lang: Lang) -> String {
    use crate::domain::ChannelConsent;
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(fields) else {
        return fields.to_string();
    };
    if !m.keys().any(|k| k.starts_with("consent_")) {
        return fields.to_string();
    }
    let class = |dim: &str, key: &'static str| i18n::class_label(lang, dim, key).unwrap_or(key);
    let out: serde_json::Map<String, serde_json::Value> = m
        .into_iter()
        .map(|(k, v)| {
            match (k.strip_prefix("consent_"), serde_json::from_value::<ChannelConsent>(v.clone())) {
                (Some(channel), Ok(c)) => {
                    let mut text = class("consent", c.answer.key()).to_string();
                    if let Some(d) = c.on {
                        text += &format!(
                            " · {} · {}",
                            i18n::date(lang, d),
                            class("consent_source", c.source.key())
                        );
                    }
                    let name = format!("{} {}", tr_dyn_in(lang, channel), tr_in(lang, "consent"));
                    (name, serde_json::Value::String(text))
                }
                _ => (k, v),
            }
        })
        .collect();
    serde_json::Value::Object(out).to_string()
}

/// The Chinese names of the record fields the audit log keeps under their stored (English)
/// names: customers', purchases' and interactions'.
const FIELD_NAMES_ZH: &[(&str, &str)] = &[
    ("id", "编号"),
    ("name", "姓名"),
    ("reference", "卡号"),
    ("phone", "电话"),
    ("email", "邮箱"),
    ("gender", "性别"),
    ("birthday", "生日"),
    ("province", "省份"),
    ("city", "城市"),
    ("area", "区域"),
    ("source", "来源"),
    ("referrer", "推荐人"),
    ("contact", "联系方式"),
    ("tags", "标签"),
    ("notes", "备注"),
    ("custom", "自定义字段"),
    ("points_redeemed", "已兑换积分"),
    ("child_birthday", "孩子生日"),
    ("income", "收入"),
    ("education", "学历"),
    ("occupation", "职业"),
    ("date", "日期"),
    ("amount", "金额"),
    ("quantity", "数量"),
    ("category", "品类"),
    ("channel", "渠道"),
    ("promo", "促销"),
    ("refund_of", "退货原单"),
    ("void", "作废"),
    ("payment", "支付方式"),
    ("points", "积分"),
    ("kind", "类型"),
    ("text", "内容"),
    ("rating", "评分"),
    ("complaint_type", "投诉类型"),
    ("severity", "严重程度"),
    ("resolved", "解决"),
    ("follow_up", "跟进日期"),
    ("operator", "经办人"),
    ("outcome", "结果"),
];

/// A before/after JSON object with each field named in `lang` (the log keeps the stored names;
/// a name it does not know stays as recorded).
fn field_names(fields: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return fields.to_string();
    }
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(fields) else {
        return fields.to_string();
    };
    let out: serde_json::Map<String, serde_json::Value> = m
        .into_iter()
        .map(|(k, v)| match FIELD_NAMES_ZH.iter().find(|(en, _)| *en == k) {
            Some((_, zh)) => ((*zh).to_string(), v),
            None => (k, v),
        })
        .collect();
    serde_json::Value::Object(out).to_string()
}

/// A before/after JSON object with its `phone` masked (`138****5678`); other text as it is.
fn masked_phone(fields: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(fields) {
        Ok(serde_json::Value::Object(mut m)) => {
            if let Some(serde_json::Value::String(p)) = m.get_mut("phone") {
                *p = super::super::floor::mask_phone(p);
            }
            serde_json::Value::Object(m).to_string()
        }
        _ => fields.to_string(),
    }
}

/// "name 王小明 → 王晓明, tags vip → —": the fields of a before/after pair of JSON objects.
pub fn field_diff(before: &str, after: &str) -> String {
    let object = |s: &str| match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let (was, now) = (object(before), object(after));
    let text = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let mut keys: Vec<&String> = now.keys().chain(was.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.iter()
        .map(|k| match (was.contains_key(*k), now.contains_key(*k)) {
            (true, true) => format!("{k} {} → {}", text(was.get(*k)), text(now.get(*k))),
            (false, _) => format!("{k} {}", text(now.get(*k))),
            (true, false) => format!("{k} {} → —", text(was.get(*k))),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_reads_in_chinese_with_the_phone_still_masked() {
        let mut e = AuditEntry::now("ann", 7, "correct purchase", String::new(), String::new());
        e.before = r#"{"amount":"12.00","category":"snacks","phone":"13812345678"}"#.into();
        e.after = r#"{"amount":"10.00","category":"snacks","phone":"13912345678"}"#.into();
        let zh = change_line(&e, true, Lang::Zh);
        assert!(zh.contains("金额 12.00 → 10.00") && zh.contains("电话 138****5678 → 139****5678"), "{zh}");
        assert!(!zh.contains("13812345678") && !zh.contains("amount"), "{zh}");
        let en = change_line(&e, true, Lang::En);
        assert!(en.contains("amount 12.00 → 10.00") && en.contains("phone 138****5678"), "{en}");
    }

    #[test]
    fn a_diff_names_each_field_once() {
        let d = field_diff(r#"{"name":"王小明","tags":["vip"]}"#, r#"{"name":"王晓明","tags":[]}"#);
        assert_eq!(d, r#"name 王小明 → 王晓明, tags ["vip"] → []"#);
        assert_eq!(field_diff("", r#"{"amount":"12.00"}"#), "amount 12.00");
        assert_eq!(field_diff("not json", ""), "");
        let masked = masked_phone(r#"{"name":"王小明","phone":"13812345678"}"#);
        assert_eq!(field_diff("", &masked), "name 王小明, phone 138****5678");
    }
}
