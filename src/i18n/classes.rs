//! Display names of dimensions and classes. Keys (`high`, `champions`…) stay English in files,
//! rules and settings; only what the screen and the human-readable CLI show is translated.

use super::Lang;

/// The name of a dimension (by its key, e.g. `lifecycle`) to show.
pub fn dimension_label(lang: Lang, dimension: &str) -> &'static str {
    if let Some(names) = super::members::field(dimension) {
        return super::members::pick(names, lang);
    }
    let (en, zh) = match dimension {
        "frequency" => ("frequency", "购买频次"),
        "value" => ("value", "消费价值"),
        "activity" => ("activity", "活跃度"),
        "lifecycle" => ("lifecycle", "生命周期"),
        "rfm" => ("rfm", "RFM分群"),
        "rfm8" => ("rfm8", "RFM八类"),
        "tier" => ("tier", "会员等级"),
        "price_sensitivity" | "price sensitivity" => ("price sensitivity", "价格敏感度"),
        "top_category" | "top category" => ("top category", "偏好品类"),
        "top_channel" | "top channel" => ("top channel", "偏好渠道"),
        "satisfaction" => ("satisfaction", "满意度"),
        "advocacy" => ("advocacy", "推荐"),
        "engagement" => ("engagement", "参与度"),
        "region" => ("region", "地区"),
        "area_type" => ("area type", "区域类型"),
        "source" => ("source", "来源"),
        "contact" => ("contact", "联系偏好"),
        "tags" => ("tags", "标签"),
        "p_alive" | "p(alive)" => ("p(alive)", "存活概率"),
        "next 90 days" => ("next 90 days", "未来90天"),
        "churn risk" => ("churn risk", "流失风险"),
        "12-month value" => ("12-month value", "12个月价值"),
        "replenishment" => ("replenishment", "补货"),
        // Member level, demographics and life stage.
        "benefits" => ("benefits", "会员权益"),
        "gender" => ("gender", "性别"),
        "age_band" | "age band" => ("age band", "年龄段"),
        "birthday_month" | "birthday month" => ("birth month", "生日月份"),
        "child_stage" | "child stage" => ("child stage", "孩子阶段"),
        "formula_stage" | "formula stage" => ("formula stage", "奶粉段数"),
        "income" => ("income", "收入"),
        "education" => ("education", "学历"),
        "occupation" => ("occupation", "职业"),
        "branch" => ("branch", "门店"),
        _ => return super::tr_in(lang, "unknown"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// A level's benefits (the rules' words, translated where they are the built-in ones), joined
/// as `lang` lists things.
pub fn benefits_text(lang: Lang, benefits: &[String]) -> String {
    let sep = if lang == Lang::Zh { "，" } else { ", " };
    benefits
        .iter()
        .map(|b| super::tr_dyn_in(lang, b.trim()))
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

/// The name of class `key` of `dimension` to show; open classes (a region, a category) and
/// unknown keys come back as `None`, to be shown as recorded.
pub fn class_label(lang: Lang, dimension: &str, key: &str) -> Option<&'static str> {
    // Rows name some dimensions as words ("price sensitivity", "p(alive)"), keys as keys.
    let dimension = match dimension {
        "price sensitivity" => "price_sensitivity",
        "top category" => "top_category",
        "top channel" => "top_channel",
        "p(alive)" => "p_alive",
        "area type" => "area_type",
        "age band" => "age_band",
        "birthday month" => "birthday_month",
        "child stage" => "child_stage",
        "formula stage" => "formula_stage",
        d => d,
    };
    if let Some(names) = super::members::label(dimension, key) {
        return Some(super::members::pick(names, lang));
    }
    if dimension == "age_band" {
        return age_band_label(lang, key);
    }
    let zh = match (dimension, key) {
        ("frequency" | "value", "high") => {
            if dimension == "value" {
                "高价值"
            } else {
                "高频"
            }
        }
        ("frequency" | "value", "medium") => {
            if dimension == "value" {
                "中价值"
            } else {
                "中频"
            }
        }
        ("frequency" | "value", "low") => {
            if dimension == "value" {
                "低价值"
            } else {
                "低频"
            }
        }
        ("frequency" | "value", "none") => "无",
        ("activity", "active") => "活跃",
        ("activity", "sleeping") => "沉睡",
        ("activity", "churned") => "流失",
        ("activity", "never") => "从未购买",
        ("lifecycle", "potential") => "潜在",
        ("lifecycle", "new") => "新客户",
        ("lifecycle", "mature") => "成熟",
        ("lifecycle", "loyal") => "忠诚",
        ("lifecycle", "lost") => "流失",
        ("tier", "normal") => "普通",
        ("tier", "silver") => "银卡",
        ("tier", "gold") => "金卡",
        ("price_sensitivity", "high") => "高",
        ("price_sensitivity", "medium") => "中",
        ("price_sensitivity", "low") => "低",
        ("price_sensitivity", "unknown") => "未知",
        ("satisfaction", "satisfied") => "满意",
        ("satisfaction", "neutral") => "一般",
        ("satisfaction", "dissatisfied") => "不满意",
        ("satisfaction", "unknown") => "未知",
        ("advocacy", "advocate") => "推荐者",
        ("advocacy", "none") => "—",
        ("engagement", "high") => "高",
        ("engagement", "low") => "低",
        ("engagement", "none") => "无",
        ("rfm", "champions") => "冠军客户",
        ("rfm", "loyal") => "忠诚客户",
        ("rfm", "potential_loyalist") => "潜在忠诚",
        ("rfm", "new_customers") => "新客户",
        ("rfm", "promising") => "有潜力",
        ("rfm", "need_attention") => "需要关注",
        ("rfm", "about_to_sleep") => "即将沉睡",
        ("rfm", "at_risk") => "有流失风险",
        ("rfm", "cant_lose_them") => "不能失去",
        ("rfm", "hibernating") => "休眠",
        ("rfm8", "important_value") => "重要价值",
        ("rfm8", "important_develop") => "重要发展",
        ("rfm8", "important_keep") => "重要保持",
        ("rfm8", "important_retain") => "重要挽留",
        ("rfm8", "general_value") => "一般价值",
        ("rfm8", "general_develop") => "一般发展",
        ("rfm8", "general_keep") => "一般保持",
        ("rfm8", "general_retain") => "一般挽留",
        ("p_alive", "high") => "≥ 0.8",
        ("p_alive", "medium") => "0.5–0.8",
        ("p_alive", "low") => "< 0.5",
        ("p_alive", "unknown") => "尚无模型",
        ("rfm" | "rfm8" | "top_channel" | "p_alive", "none") => "未购买",
        ("top_category", "none") => "无",
        ("top_channel", "store") => "门店",
        ("top_channel", "online") => "网店",
        ("top_channel", "phone") => "电话",
        ("top_channel", "other") => "其他",
        ("area_type", "unknown") | ("source", "unknown") => "未知",
        ("area_type", "urban") => "城市",
        ("area_type", "suburban") => "城郊",
        ("area_type", "rural") => "农村",
        ("source", "organic") => "自然到店",
        ("source", "paid") => "广告",
        ("source", "social") => "社交媒体",
        ("source", "referral") => "转介绍",
        ("source", "store") => "门店",
        ("source", "other") => "其他",
        ("contact", "phone") => "电话",
        ("contact", "sms") => "短信",
        ("contact", "email") => "邮件",
        ("contact", "wechat") => "微信",
        ("contact", "none") => "不联系",
        ("gender", "unknown") => "未知",
        ("gender", "female") => "女",
        ("gender", "male") => "男",
        ("gender", "other") => "其他",
        ("birthday_month", "this_month") => "本月",
        ("birthday_month", "next_month") => "下月",
        ("birthday_month", "later") => "其他月份",
        ("birthday_month", "unknown") => "未知",
        ("child_stage", "infant") => "婴儿",
        ("child_stage", "toddler") => "幼儿",
        ("child_stage", "preschool") => "学龄前",
        ("child_stage", "school_age") => "学龄",
        ("child_stage" | "formula_stage", "none") => "无",
        ("formula_stage", "stage_1") => "1段",
        ("formula_stage", "stage_2") => "2段",
        ("formula_stage", "stage_3") => "3段",
        (_, "(none)") => "（无）",
        _ => return None,
    };
    Some(if lang == Lang::Zh { zh } else { english(dimension, key)? })
}

/// The English display name: RFM segments by their proper names, the rest by key.
fn english(dimension: &str, key: &str) -> Option<&'static str> {
    use crate::classify::RfmSegment;
    if dimension == "rfm"
        && let Ok(s) = key.parse::<RfmSegment>()
    {
        return Some(s.label());
    }
    if dimension == "rfm8"
        && let Ok(s) = key.parse::<crate::classify::Rfm8>()
    {
        return Some(s.label());
    }
    if dimension == "p_alive"
        && let Ok(b) = key.parse::<crate::classify::AliveBucket>()
    {
        return Some(b.label());
    }
    if dimension == "birthday_month"
        && let Ok(b) = key.parse::<crate::classify::BirthdayMonth>()
    {
        return Some(b.label());
    }
    if dimension == "child_stage"
        && let Ok(s) = key.parse::<crate::classify::ChildStage>()
    {
        return Some(s.label());
    }
    if dimension == "formula_stage"
        && let Ok(s) = key.parse::<crate::classify::FormulaStage>()
    {
        return Some(s.label());
    }
    // Return the key as a `&'static str` by finding it among the fixed keys.
    STATIC_KEYS.iter().copied().find(|k| *k == key)
}

/// Every fixed class key, so an English label can be returned as `&'static str`.
const STATIC_KEYS: &[&str] = &[
    "high",
    "medium",
    "low",
    "none",
    "active",
    "sleeping",
    "churned",
    "never",
    "potential",
    "new",
    "mature",
    "loyal",
    "lost",
    "normal",
    "silver",
    "gold",
    "unknown",
    "satisfied",
    "neutral",
    "dissatisfied",
    "advocate",
    "important_value",
    "important_develop",
    "important_keep",
    "important_retain",
    "general_value",
    "general_develop",
    "general_keep",
    "general_retain",
    "store",
    "online",
    "phone",
    "other",
    "urban",
    "suburban",
    "rural",
    "organic",
    "paid",
    "social",
    "referral",
    "sms",
    "email",
    "wechat",
    "(none)",
    "female",
    "male",
];

/// An age band (a key such as `25_34`, made from the rules' bounds) as `lang` names it:
/// "25–34" / "25–34岁", "under 25" / "25岁以下", "55+" / "55岁及以上"; interned, since the
/// bands are the shop's own.
fn age_band_label(lang: Lang, key: &str) -> Option<&'static str> {
    use crate::intern::Sym;
    if key == "unknown" {
        return Some(if lang == Lang::Zh { "未知" } else { "unknown" });
    }
    let label = match lang {
        Lang::En => crate::classify::band_label(key),
        Lang::Zh => {
            if let Some(hi) = key.strip_prefix("under_") {
                format!("{hi}岁以下")
            } else if let Some(lo) = key.strip_suffix("_plus") {
                format!("{lo}岁及以上")
            } else if key == "all_ages" {
                "所有年龄".to_string()
            } else {
                let (lo, hi) = key.split_once('_')?;
                format!("{lo}–{hi}岁")
            }
        }
    };
    Some(Sym::new(&label).as_str())
}
