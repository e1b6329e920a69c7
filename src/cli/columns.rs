//! Column names as files write them: the English keys of export, any case, and the Chinese
//! names a shop's own spreadsheet gives the same columns.

/// Chinese column names and the column each means. One name means one column whatever the
/// kind of file (日期 is a purchase's or an interaction's date alike).
const CHINESE: &[(&str, &[&str])] = &[
    ("id", &["编号"]),
    ("ref", &["会员号", "会员卡号", "会员编号", "卡号", "会员卡"]),
    ("name", &["姓名", "名字", "客户姓名", "客户名称", "会员姓名"]),
    ("phone", &["手机", "手机号", "手机号码", "电话", "电话号码", "联系电话"]),
    ("email", &["邮箱", "电子邮箱", "电子邮件", "邮件"]),
    ("gender", &["性别"]),
    ("birthday", &["生日", "出生日期"]),
    ("province", &["省份", "省"]),
    ("city", &["城市", "市"]),
    ("area_type", &["地区类型", "区域类型"]),
    ("source", &["来源", "客户来源"]),
    ("referrer", &["推荐人"]),
    ("contact", &["联系方式", "首选联系方式"]),
    ("tags", &["标签"]),
    ("notes", &["备注"]),
    ("points_redeemed", &["已用积分", "已兑换积分"]),
    ("custom", &["自定义"]),
    ("created", &["建档日期", "创建日期", "注册日期", "入会日期"]),
    ("customer_id", &["客户编号", "客户id"]),
    ("date", &["日期", "购买日期", "消费日期", "联系日期"]),
    ("amount", &["金额", "消费金额", "实付金额"]),
    ("quantity", &["数量", "件数"]),
    ("category", &["品类", "类别", "商品类别"]),
    ("channel", &["渠道", "销售渠道"]),
    ("promo", &["促销", "优惠"]),
    ("payment", &["支付方式", "付款方式", "支付"]),
    ("points", &["积分"]),
    ("refund_of", &["退货原单", "原单编号"]),
    ("voided", &["作废"]),
    ("kind", &["类型", "联系类型"]),
    ("text", &["内容"]),
    ("rating", &["评分"]),
    ("complaint_type", &["投诉类型"]),
    ("severity", &["严重程度"]),
    ("resolved", &["已解决"]),
    ("follow_up", &["回访日期", "跟进日期"]),
    ("operator", &["操作员", "经办人"]),
    ("outcome", &["结果"]),
    ("branch", &["门店", "分店", "店铺"]),
    // Members.
    ("consent_sms", &["短信许可", "短信同意", "接收短信"]),
    ("consent_wechat", &["微信许可", "微信同意"]),
    ("consent_phone", &["电话许可", "电话同意"]),
    ("consent_email", &["邮件许可", "邮件同意"]),
    ("child_birthday", &["孩子生日", "宝宝生日", "孩子出生日期", "宝宝出生日期"]),
    ("income", &["收入", "月收入"]),
    ("education", &["学历", "教育程度"]),
    ("occupation", &["职业"]),
];

/// The prefix of a customer's own field's column, in English and in Chinese.
const CUSTOM_PREFIXES: [&str; 2] = ["custom.", "自定义."];

/// The column a header cell names: trimmed, lowercase, a Chinese name as its English key.
pub fn canonical(header: &str) -> String {
    let h = header.trim().trim_start_matches('\u{feff}').trim().to_lowercase();
    if let Some(field) = custom_field(&h) {
        return format!("custom.{}", field.to_lowercase());
    }
    match CHINESE.iter().find(|(_, names)| names.contains(&h.as_str())) {
        Some((key, _)) => key.to_string(),
        None => h,
    }
}

/// The field a `custom.NAME` (or `自定义.NAME`) header names, as written.
pub fn custom_field(header: &str) -> Option<&str> {
    let h = header.trim().trim_start_matches('\u{feff}').trim();
    CUSTOM_PREFIXES
        .iter()
        .find_map(|p| h.get(..p.len()).filter(|start| start.eq_ignore_ascii_case(p)).map(|_| &h[p.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_any_case_and_chinese_names() {
        assert_eq!(canonical(" Amount "), "amount");
        assert_eq!(canonical("\u{feff}会员号"), "ref");
        assert_eq!(canonical("手机号码"), "phone");
        assert_eq!(canonical("客户ID"), "customer_id");
        assert_eq!(canonical("Custom.Size"), "custom.size");
        assert_eq!(canonical("自定义.尺码"), "custom.尺码");
        assert_eq!(custom_field("自定义.尺码"), Some("尺码"));
        assert_eq!(custom_field("CUSTOM.Size"), Some("Size"));
        assert_eq!(custom_field("customer"), None);
        assert_eq!(canonical("wohnort"), "wohnort");
    }

    #[test]
    fn no_chinese_name_means_two_columns() {
        let mut seen = std::collections::HashSet::new();
        for (_, names) in CHINESE {
            for n in *names {
                assert!(seen.insert(*n), "{n} is listed twice");
            }
        }
    }
}
