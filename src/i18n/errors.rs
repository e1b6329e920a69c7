//! Validation errors in the interface language: the domain words them in English (for files
//! and logs); staff at a Chinese till read them in Chinese.

use super::{Lang, current};
use crate::domain::DomainError;

/// The error as the current language words it (the command line's).
pub fn domain_error(e: &DomainError) -> String {
    domain_error_in(current(), e)
}

/// The error as `lang` words it.
pub fn domain_error_in(lang: Lang, e: &DomainError) -> String {
    match lang {
        Lang::En => e.to_string(),
        Lang::Zh => zh(e),
    }
}

fn zh(e: &DomainError) -> String {
    match e {
        DomainError::Phone(s) => {
            format!("电话 {s:?} 无效（应为 11 位手机号如 13812345678、带区号的座机或 +国家码号码）")
        }
        DomainError::Email(s) => format!("邮箱 {s:?} 无效（应为 name@domain.tld）"),
        DomainError::Date(s) => format!("日期 {s:?} 无效（应为 YYYY-MM-DD、YYYYMMDD 或 YYYY/M/D）"),
        DomainError::DateRange(s) => format!("日期 {s} 不在 1900–2100 年之间"),
        DomainError::Amount(s) => {
            format!("金额 {s:?} 无效（小数点后最多两位，如 12.50；逗号只用于三位分节，如 1,234.50）")
        }
        DomainError::NegativeAmount(s) => format!("金额 {s} 不能为负"),
        DomainError::Quantity(s) => format!("数量 {s:?} 应为不小于 1 的整数"),
        DomainError::Rating(s) => format!("评分 {s:?} 应为 1 到 5 的整数"),
        DomainError::EmptyName => "姓名不能为空".into(),
        DomainError::TooLong { field, len, max } => format!("{field} 太长（{len} 个字符，最多 {max}）"),
        DomainError::UnknownKey { what, value, expected } => {
            format!("{} {value:?} 不是以下之一：{expected}", crate::domain::error_words(what))
        }
        DomainError::Invalid(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_chinese_wording() {
        let cases = [
            DomainError::Phone("123".into()),
            DomainError::Email("x".into()),
            DomainError::Date("x".into()),
            DomainError::DateRange("1800-01-01".into()),
            DomainError::Amount("x".into()),
            DomainError::NegativeAmount("-1.00".into()),
            DomainError::Quantity("0".into()),
            DomainError::Rating("6".into()),
            DomainError::EmptyName,
            DomainError::TooLong { field: "name", len: 101, max: 100 },
            DomainError::UnknownKey { what: "Source", value: "x".into(), expected: "a, b".into() },
        ];
        for e in cases {
            let text = zh(&e);
            assert!(text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{e:?}: {text}");
            assert_ne!(text, e.to_string());
        }
    }
}
