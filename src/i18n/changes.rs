//! The names of changes in the audit log ("void purchase", "merge #3 into #1") in the
//! interface's language. The log keeps them in English, the language of its stable keys.

use super::Lang;

/// Fixed kinds of change and their Chinese names.
const KINDS: &[(&str, &str)] = &[
    ("add customer", "新增客户"),
    ("edit customer", "编辑客户"),
    ("delete customer", "删除客户"),
    ("purchase", "购买"),
    ("refund", "退货"),
    ("void purchase", "作废购买"),
    ("unvoid purchase", "恢复购买"),
    ("correct purchase", "更正购买"),
    ("remove purchase", "移除购买"),
    ("void interaction", "作废联系记录"),
    ("unvoid interaction", "恢复联系记录"),
    ("resolve complaint", "解决投诉"),
    ("edit interaction", "编辑联系记录"),
    ("remove interaction", "移除联系记录"),
    ("reveal phone", "查看电话"),
    ("undo", "撤销"),
    ("consent", "联系许可"),
    // Member accounts.
    ("top-up", "充值"),
    ("redeem points", "积分兑换"),
    ("expire points", "积分过期"),
    ("adjust account", "调整账户"),
    ("reverse entries", "冲销流水"),
    ("open points ledger", "开立积分账户"),
];

/// Kinds that carry arguments: the English prefix and the Chinese one.
const PREFIXES: &[(&str, &str)] = &[
    ("interaction (", "联系记录（"),
    ("edit customer (", "编辑客户（"),
    ("rename tag ", "标签改名 "),
    ("merge ", "合并 "),
    ("unmerge ", "拆分合并 "),
    ("not a duplicate of ", "并非重复："),
    ("maybe a duplicate of ", "可能重复："),
    ("setting ", "设置 "),
    ("import ", "导入 "),
    ("refused: ", "已拒绝："),
];

/// `what`, the kind of an audit entry, in `lang` (unknown kinds stay as recorded).
pub fn change_what(lang: Lang, what: &str) -> String {
    if lang == Lang::En {
        return what.to_string();
    }
    if let Some((_, zh)) = KINDS.iter().find(|(en, _)| *en == what) {
        return (*zh).to_string();
    }
    for (en, zh) in PREFIXES {
        if let Some(rest) = what.strip_prefix(en) {
            let rest = rest
                .replace(" into ", " → ")
                .replace(" from ", " ← ")
                .replace(" again", "")
                .replace(')', "）");
            let rest = super::tr_dyn_in(lang, rest.trim_end_matches('）')).to_string()
                + if rest.ends_with('）') { "）" } else { "" };
            return format!("{zh}{rest}");
        }
    }
    what.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_the_log_writes_reads_in_chinese() {
        assert_eq!(change_what(Lang::Zh, "void purchase"), "作废购买");
        assert_eq!(change_what(Lang::Zh, "merge #3 into #1"), "合并 #3 → #1");
        assert_eq!(change_what(Lang::Zh, "interaction (call)"), "联系记录（电话）");
        assert_eq!(change_what(Lang::Zh, "not a duplicate of #9"), "并非重复：#9");
        assert_eq!(change_what(Lang::En, "void purchase"), "void purchase");
        assert_eq!(change_what(Lang::Zh, "something new"), "something new");
        assert_eq!(change_what(Lang::Zh, "refused: merge customers"), "已拒绝：合并客户");
    }
}
