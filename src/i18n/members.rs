//! Display names of the member fields' values: consent answers and sources, income bands and
//! education. Keys stay English in files and on the command line.

use super::Lang;

/// The (English, Chinese) name of `key` of `field` (`consent`, `consent_source`, `income`,
/// `education`), if it is one of theirs.
pub(super) fn label(field: &str, key: &str) -> Option<(&'static str, &'static str)> {
    Some(match (field, key) {
        ("consent", "yes") => ("yes", "同意"),
        ("consent", "no") => ("no", "不同意"),
        ("consent" | "consent_source" | "income" | "education", "unknown") => ("unknown", "未知"),
        ("consent_source", "form") => ("form", "表单"),
        ("consent_source", "import") => ("import", "导入"),
        ("consent_source", "till") => ("till", "收银台"),
        ("consent_source", "wechat") => ("wechat", "微信"),
        ("consent_source", "phone") => ("phone", "电话"),
        ("consent_source", "sms") => ("sms", "短信"),
        ("consent_source", "email") => ("email", "邮件"),
        ("consent_source", "other") => ("other", "其他"),
        ("income", "under_3k") => ("<3k", "3千以下"),
        ("income", "3k_5k") => ("3k-5k", "3千–5千"),
        ("income", "5k_10k") => ("5k-10k", "5千–1万"),
        ("income", "10k_20k") => ("10k-20k", "1万–2万"),
        ("income", "over_20k") => (">20k", "2万以上"),
        ("education", "primary") => ("primary", "小学及以下"),
        ("education", "junior_high") => ("junior high", "初中"),
        ("education", "senior_high") => ("senior high", "高中/中专"),
        ("education", "college") => ("college", "大专"),
        ("education", "bachelor") => ("bachelor", "本科"),
        ("education", "master") => ("master", "硕士"),
        ("education", "doctorate") => ("doctorate", "博士"),
        _ => return None,
    })
}

/// The name of a member field (`income`, `education`, `occupation`, `consent`,
/// `child_birthday`), if it is one.
pub(super) fn field(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "income" => ("income", "收入"),
        "education" => ("education", "学历"),
        "occupation" => ("occupation", "职业"),
        "consent" => ("consent", "联系许可"),
        "child_birthday" => ("child's birthday", "孩子生日"),
        _ => return None,
    })
}

/// `label` in `lang`.
pub(super) fn pick((en, zh): (&'static str, &'static str), lang: Lang) -> &'static str {
    if lang == Lang::Zh { zh } else { en }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Consent, ConsentSource, Education, Income};

    #[test]
    fn every_value_has_both_names() {
        let keys = Consent::ALL.iter().map(|k| ("consent", k.key()));
        let keys = keys.chain(ConsentSource::ALL.iter().map(|k| ("consent_source", k.key())));
        let keys = keys.chain(Income::ALL.iter().map(|k| ("income", k.key())));
        for (field, key) in keys.chain(Education::ALL.iter().map(|k| ("education", k.key()))) {
            let (en, zh) = label(field, key).unwrap_or_else(|| panic!("{field}/{key}"));
            assert!(en.is_ascii() && !zh.is_ascii(), "{field}/{key}");
        }
    }
}
