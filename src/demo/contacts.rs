//! Contacts with a customer: thank-you calls, reminders, messages, visits, events, feedback and
//! complaints, timed against their purchases.

use super::personas::{Buy, Persona};
use super::rng::Rng;
use crate::domain::{ComplaintType, InteractionKind, Severity};

/// Staff who log contacts.
pub const OPERATORS: &[&str] = &["小王", "李娜", "陈静", "张伟", "刘洋", "周敏", "赵磊", "Amy"];

/// One planned contact, `ago` days before today.
#[derive(Debug, Clone, Copy)]
pub struct Contact {
    pub ago: u32,
    pub kind: InteractionKind,
    pub text: &'static str,
    /// 1..=5, feedback only.
    pub rating: Option<u8>,
    /// Type, severity and resolved flag, complaints only.
    pub complaint: Option<(ComplaintType, Severity, bool)>,
    /// Days after the contact that someone should follow up.
    pub follow_up: Option<u32>,
    pub operator: &'static str,
}

const CALLS: &[&str] = &[
    "回访：了解产品使用情况",
    "提醒奶粉快用完，询问是否备货",
    "会员日活动电话通知",
    "回访：对上次购买满意",
    "电话未接通，稍后再联系",
    "Called about the new stock arriving",
];
const THANKS_CALL: &[&str] = &["首次购买感谢回访，介绍会员积分", "新会员欢迎电话，讲解使用方法"];
const THANKS_SMS: &[&str] = &["感谢首次购买，欢迎加入会员", "新会员使用指南已发送"];
const SMS: &[&str] = &[
    "会员日短信：全场满299减50",
    "生日祝福及生日优惠券",
    "新品到店通知",
    "积分即将到期提醒",
    "久未到店，送上回归优惠券",
];
const EMAILS: &[&str] = &["Monthly newsletter", "电子发票已发送"];
const VISITS: &[&str] = &["到店咨询，未购买", "带宝宝到店称体重", "到店试用护肤品", "到店退换货咨询"];
const EVENTS: &[&str] = &[
    "参加育儿讲座",
    "参加亲子手工活动",
    "参加会员日沙龙",
    "新品试吃会",
    "Attended the baby-massage workshop",
];
const NOTES: &[&str] = &["客户要求不要在工作日上午打电话", "已加企业微信", "收货地址已更新"];
/// Feedback text by rating 1..=5.
const FEEDBACK: [&[&str]; 5] = [
    &["非常不满意，商品有破损", "Very unhappy: wrong item delivered twice"],
    &["等待时间太长", "店员不够耐心"],
    &["一般，价格偏高", "还行，品类不够多"],
    &["总体满意，希望多些优惠", "Good service, parking is hard"],
    &["服务很好，店员很专业", "送货很快，包装好", "Very happy with the advice"],
];
const COMPLAINTS: [(ComplaintType, &str); 6] = [
    (ComplaintType::Quality, "奶粉罐有凹陷，要求换货"),
    (ComplaintType::Quality, "衣服洗后褪色"),
    (ComplaintType::Service, "店员态度不好"),
    (ComplaintType::Delivery, "快递延误三天"),
    (ComplaintType::Price, "刚买完就降价，要求补差价"),
    (ComplaintType::Other, "停车不方便"),
];
/// How often each complaint above comes up.
const COMPLAINT_WEIGHTS: [u32; 6] = [30, 10, 20, 20, 12, 8];

/// Replaces `out` with the contacts of a customer who joined `since` days ago and made `buys`
/// (sorted oldest first).
pub fn plan(rng: &mut Rng, persona: Persona, since: u32, buys: &[Buy], out: &mut Vec<Contact>) {
    out.clear();
    let main_operator = rng.pick(OPERATORS);
    let op = |rng: &mut Rng| if rng.chance(700) { main_operator } else { rng.pick(OPERATORS) };
    let blank = |ago, kind, text, operator| Contact {
        ago,
        kind,
        text,
        rating: None,
        complaint: None,
        follow_up: None,
        operator,
    };
    let when = |rng: &mut Rng| rng.range(0, since);
    let first = buys.first().map(|b| b.ago);

    if let Some(first) = first
        && rng.chance(450)
    {
        let later = rng.range(1, 7);
        if first >= later {
            let (kind, texts) = if rng.chance(600) {
                (InteractionKind::Call, THANKS_CALL)
            } else {
                (InteractionKind::Sms, THANKS_SMS)
            };
            out.push(blank(first - later, kind, rng.pick(texts), op(rng)));
        }
    }
    if persona == Persona::Steady {
        for b in buys {
            if rng.chance(80) && b.ago >= 24 {
                let mut c = blank(b.ago - rng.range(20, 24), InteractionKind::Call, CALLS[1], op(rng));
                c.follow_up = rng.chance(300).then(|| rng.range(3, 10));
                out.push(c);
            }
        }
    }
    if persona == Persona::Prospect && rng.chance(600) {
        let mut c = blank(when(rng), InteractionKind::Call, rng.pick(CALLS), op(rng));
        c.follow_up = rng.chance(400).then(|| rng.range(3, 14));
        out.push(c);
    }
    for _ in 0..rng.weighted(&[40, 30, 20, 10]) {
        out.push(blank(when(rng), InteractionKind::Sms, rng.pick(SMS), op(rng)));
    }
    if rng.chance(150) {
        out.push(blank(when(rng), InteractionKind::Call, rng.pick(CALLS), op(rng)));
    }
    if rng.chance(60) {
        out.push(blank(when(rng), InteractionKind::Email, rng.pick(EMAILS), op(rng)));
    }
    if rng.chance(if persona == Persona::Prospect { 250 } else { 120 }) {
        out.push(blank(when(rng), InteractionKind::Visit, rng.pick(VISITS), op(rng)));
    }
    if rng.chance(40) {
        out.push(blank(when(rng), InteractionKind::Note, rng.pick(NOTES), op(rng)));
    }

    // Events: a few regulars come to everything (engagement high), more come once or twice.
    let high = match persona {
        Persona::HighSpender => 450,
        Persona::Steady => 150,
        Persona::Regular => 50,
        _ => 20,
    };
    let recent = since.min(364);
    let events = if rng.chance(high) {
        rng.range(3, 6)
    } else if rng.chance(180) {
        rng.range(1, 2)
    } else {
        0
    };
    for _ in 0..events {
        out.push(blank(rng.range(0, recent), InteractionKind::Event, rng.pick(EVENTS), op(rng)));
    }
    if since > 365 && rng.chance(100) {
        out.push(blank(rng.range(365, since), InteractionKind::Event, rng.pick(EVENTS), op(rng)));
    }

    if buys.is_empty() {
        return;
    }
    let after_a_purchase = |rng: &mut Rng| {
        let b = buys[rng.below(buys.len() as u64) as usize];
        b.ago.saturating_sub(rng.range(1, 10))
    };
    // Customers who stopped buying are likelier to have been unhappy.
    let unhappy = persona == Persona::Lapsed;
    if rng.chance(350) {
        for _ in 0..rng.range(1, 2) {
            let r = 1 + rng.weighted(if unhappy { &[20, 20, 25, 20, 15] } else { &[4, 6, 15, 35, 40] });
            let mut c =
                blank(after_a_purchase(rng), InteractionKind::Feedback, rng.pick(FEEDBACK[r - 1]), op(rng));
            c.rating = Some(r as u8);
            out.push(c);
        }
    }
    if rng.chance(if unhappy { 180 } else { 70 }) {
        let ago = after_a_purchase(rng);
        let (kind, text) = COMPLAINTS[rng.weighted(&COMPLAINT_WEIGHTS)];
        let severity = if rng.chance(250) { Severity::Major } else { Severity::Minor };
        // Old complaints were mostly dealt with; recent ones are often still open.
        let resolved = rng.chance(if ago > 30 { 850 } else { 400 });
        let mut c = blank(ago, InteractionKind::Complaint, text, op(rng));
        c.complaint = Some((kind, severity, resolved));
        c.follow_up = (!resolved).then(|| rng.range(1, 7));
        out.push(c);
    }
}
