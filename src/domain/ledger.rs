//! A member's two accounts — loyalty points and stored value (储值) — kept as append-only
//! ledgers: every movement is an entry, and a balance is the sum of its account's entries.
//!
//! Points are whole points; stored value is money in fen. A purchase says what it is due on
//! each account (see [`points_due`], [`value_due`]): a sale earns its `points` and, paid from
//! the balance, takes its amount off; a return gives back what its sale took and takes back
//! what its sale earned; a void makes a record due nothing. The store writes the difference as
//! an entry in the same transaction whenever a purchase is added, corrected, voided or taken
//! out, so the entries linked to a purchase always add up to what it is due.

use super::{Money, Purchase};
use crate::keyed_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

keyed_enum! {
    /// How a purchase was paid. Purchases recorded before the ledger say `unknown`.
    #[derive(Default)]
    Payment {
        #[default] Unknown => "unknown", Cash => "cash", Card => "card", Mobile => "mobile",
        StoredValue => "stored_value", Points => "points",
    }
}

impl Payment {
    /// Reads a payment as files and people write it: the English keys, blank for unknown, and
    /// the Chinese words a till uses (现金, 刷卡/银行卡, 移动支付/微信/支付宝, 储值, 积分).
    pub fn parse(s: &str) -> Result<Payment, super::DomainError> {
        let t = s.trim();
        Ok(match t {
            "" => Payment::Unknown,
            "现金" => Payment::Cash,
            "刷卡" | "银行卡" | "卡" => Payment::Card,
            "移动支付" | "微信" | "微信支付" | "支付宝" | "扫码" => Payment::Mobile,
            "储值" | "储值卡" | "余额" => Payment::StoredValue,
            "积分" => Payment::Points,
            other => other.parse()?,
        })
    }
}

keyed_enum! {
    /// The two accounts of a member.
    Account { Points => "points", StoredValue => "stored_value" }
}

keyed_enum! {
    /// What an entry records. The store writes the linked kinds (`earn`, `pay`, `return`,
    /// `void`, `correct`, `remove`) itself with the purchase they belong to; the till writes
    /// the others.
    EntryKind {
        Opening => "opening",
        Earn => "earn",
        Pay => "pay",
        Return => "return",
        Void => "void",
        Correct => "correct",
        Remove => "remove",
        TopUp => "topup",
        Bonus => "bonus",
        Redeem => "redeem",
        Expire => "expire",
        Adjust => "adjust",
        Undo => "undo",
    }
}

/// A store-made idempotency key starts with this; keys given by a till or a script may not.
pub const STORE_KEY: char = '#';
/// Longest idempotency key accepted, in characters.
pub const MAX_KEY: usize = 100;
/// Largest amount one entry may move, in points or fen (a trillion: ten billion yuan), and the
/// largest a balance may reach: a hostile import or adjustment cannot overflow a sum.
pub const MAX_ENTRY: i64 = 1_000_000_000_000;

/// One movement on one account of one member. `id` is assigned by the store (ids are shared
/// with every other record); 0 means "not yet stored".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: u64,
    pub customer: u64,
    pub account: Account,
    pub kind: EntryKind,
    /// Points, or fen for stored value; negative takes off.
    pub amount: i64,
    /// The business day it belongs to (expiry counts from it).
    pub date: NaiveDate,
    /// Its idempotency key as given (`KEY:N`, N its place in the change): the same key saved
    /// again changes nothing. Empty for an entry saved without one (see [`LedgerEntry::key_or_place`]).
    pub key: String,
    /// The purchase it belongs to, for the linked kinds.
    pub purchase: Option<u64>,
    /// Who saved it (the store signs it with the change's operator).
    pub operator: String,
    /// What it was for: a gift, "¥5.00 off", an adjustment's reason.
    pub note: String,
    /// The branch it was taken at (see [`super::branch_name`]); empty when not recorded.
    #[serde(default)]
    pub branch: String,
}

impl LedgerEntry {
    /// The record kind as the store names it.
    pub const KIND_NAME: &'static str = "ledger entry";

    /// An entry of `amount` on `account` of `customer` on `date`, key and note to be set.
    pub fn new(
        customer: u64,
        account: Account,
        kind: EntryKind,
        amount: i64,
        date: NaiveDate,
    ) -> LedgerEntry {
        LedgerEntry {
            id: 0,
            customer,
            account,
            kind,
            amount,
            date,
            key: String::new(),
            purchase: None,
            operator: String::new(),
            note: String::new(),
            branch: String::new(),
        }
    }

    /// Its idempotency key: the one it was saved with, else its place, `#CUSTOMER/NUMBER` (an
    /// entry the store wrote with a purchase, an undo or an opening, which no one retries).
    pub fn key_or_place(&self) -> String {
        if self.key.is_empty() {
            format!("{STORE_KEY}{}/{}", self.customer, self.id)
        } else {
            self.key.clone()
        }
    }

    /// The amount as people read it: `+120 points`, `-¥12.50`.
    pub fn shown(&self) -> String {
        match self.account {
            Account::Points => format!("{:+} points", self.amount),
            Account::StoredValue => {
                let sign = if self.amount < 0 { "-" } else { "+" };
                format!("{sign}{}", Money(self.amount.saturating_abs()))
            }
        }
    }
}

/// A member's balances: points, and stored value in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Balances {
    pub points: i64,
    pub stored: Money,
}

impl Balances {
    /// The sums of `entries` per account.
    pub fn of<'a>(entries: impl IntoIterator<Item = &'a LedgerEntry>) -> Balances {
        let mut b = Balances::default();
        for e in entries {
            b.add(e);
        }
        b
    }

    /// Takes one entry in.
    pub fn add(&mut self, e: &LedgerEntry) {
        match e.account {
            Account::Points => self.points = self.points.saturating_add(e.amount),
            Account::StoredValue => self.stored = Money(self.stored.0.saturating_add(e.amount)),
        }
    }

    /// The balance of one account (points, or fen).
    pub fn get(&self, account: Account) -> i64 {
        match account {
            Account::Points => self.points,
            Account::StoredValue => self.stored.0,
        }
    }
}

/// The points a purchase is due: its own `points` (earned by a sale, spent by a sale paid
/// with points, taken back or given back by a return), none once voided.
pub fn points_due(p: &Purchase) -> i64 {
    if p.void.is_some() { 0 } else { p.points }
}

/// The stored value (fen) a purchase is due: a sale paid from the balance takes its amount
/// off, a return of one gives its amount back; anything else, or voided, nothing.
pub fn value_due(p: &Purchase) -> i64 {
    if p.void.is_some() || p.payment != Payment::StoredValue {
        0
    } else if p.refund_of.is_some() {
        p.amount.0
    } else {
        -p.amount.0
    }
}

/// What a purchase is due on `account`.
pub fn due(p: &Purchase, account: Account) -> i64 {
    match account {
        Account::Points => points_due(p),
        Account::StoredValue => value_due(p),
    }
}

/// The entries a purchase saved as it is adds (what it is due on each account), linked to it,
/// without ids or keys: a return's entries are `return`, a sale's earned points `earn`, what it
/// takes off a balance `pay`.
pub fn added_entries(p: &Purchase) -> Vec<LedgerEntry> {
    let mut out = Vec::new();
    for account in Account::ALL {
        let amount = due(p, *account);
        if amount != 0 {
            let kind = if p.refund_of.is_some() {
                EntryKind::Return
            } else if amount > 0 {
                EntryKind::Earn
            } else {
                EntryKind::Pay
            };
            let mut e = LedgerEntry::new(p.customer, *account, kind, amount, p.date);
            e.purchase = Some(p.id);
            e.branch = p.branch.clone();
            out.push(e);
        }
    }
    out
}

/// Puts the entries one change saves in the order they are kept: by member, then by day, what
/// comes in before what goes out on the same day (a top-up before the sale it pays for), and
/// otherwise as given. Their ids and keys follow this order.
pub fn in_saving_order(entries: &mut [LedgerEntry]) {
    entries.sort_by_key(|e| (e.customer, e.date, e.amount < 0));
}

/// What purchase `p` is due on `account` among its customer's purchases `all`: as [`due`],
/// except that a return of a sale that is voided or no longer stored is due nothing (the sale
/// counts nowhere, and neither does what came back of it).
pub fn due_in(p: &Purchase, all: &[Purchase], account: Account) -> i64 {
    if let Some(of) = p.refund_of
        && !all.iter().any(|s| s.id == of && s.refund_of.is_none() && s.void.is_none())
    {
        return 0;
    }
    due(p, account)
}

/// The points a return of `amount` takes back from `sale` (negative for a sale that earned,
/// positive for one paid with points), `earlier` being the sale's returns so far (not voided):
/// in proportion to the money given back, counted over all its returns together so that a sale
/// returned whole gives back exactly what it earned, never a point more through rounding.
pub fn return_points(sale: &Purchase, earlier: &[Purchase], amount: Money) -> i64 {
    if sale.amount.0 <= 0 || sale.points == 0 {
        return 0;
    }
    let before: i64 =
        earlier.iter().filter(|r| r.void.is_none() && r.refund_of == Some(sale.id)).map(|r| r.amount.0).sum();
    let share = |money: i64| -> i64 {
        let money = i128::from(money.clamp(0, sale.amount.0));
        (i128::from(sale.points) * money / i128::from(sale.amount.0)) as i64
    };
    -(share(before.saturating_add(amount.0)) - share(before))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Void;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
    }

    fn sale(points: i64, payment: Payment) -> Purchase {
        let mut p = Purchase::new(1, day(), Money(12_000), 2).unwrap();
        p.id = 7;
        p.points = points;
        p.payment = payment;
        p
    }

    #[test]
    fn payments_read_english_keys_and_chinese_words() {
        assert_eq!(Payment::parse("stored_value").unwrap(), Payment::StoredValue);
        assert_eq!(Payment::parse(" Stored-Value ").unwrap(), Payment::StoredValue);
        assert_eq!(Payment::parse("").unwrap(), Payment::Unknown);
        assert_eq!(Payment::parse("现金").unwrap(), Payment::Cash);
        assert_eq!(Payment::parse("银行卡").unwrap(), Payment::Card);
        assert_eq!(Payment::parse("支付宝").unwrap(), Payment::Mobile);
        assert_eq!(Payment::parse("储值").unwrap(), Payment::StoredValue);
        assert_eq!(Payment::parse("积分").unwrap(), Payment::Points);
        let e = Payment::parse("cheque").unwrap_err().to_string();
        assert!(e.contains("cheque") && e.contains("stored_value"), "{e}");
    }

    #[test]
    fn a_purchase_is_due_its_points_and_its_payment_from_the_balance() {
        let s = sale(120, Payment::StoredValue);
        assert_eq!((points_due(&s), value_due(&s)), (120, -12_000));
        let cash = sale(120, Payment::Cash);
        assert_eq!(value_due(&cash), 0);
        let back = Purchase {
            id: 8,
            points: -60,
            payment: Payment::StoredValue,
            ..Purchase::refund(&s, day(), Money(6_000), 1).unwrap()
        };
        assert_eq!((points_due(&back), value_due(&back)), (-60, 6_000));
        let mut voided = s.clone();
        voided.void = Some(Void { at: chrono::Utc::now(), by: "x".into(), reason: "typo".into() });
        assert_eq!((points_due(&voided), value_due(&voided)), (0, 0));
    }

    #[test]
    fn returns_take_back_points_in_proportion_and_whole_at_the_end() {
        let s = sale(101, Payment::Cash);
        let first = return_points(&s, &[], Money(4_000));
        assert_eq!(first, -33);
        let r1 = Purchase { id: 9, ..Purchase::refund(&s, day(), Money(4_000), 0).unwrap() };
        let second = return_points(&s, std::slice::from_ref(&r1), Money(4_000));
        let r2 = Purchase { id: 10, ..Purchase::refund(&s, day(), Money(4_000), 0).unwrap() };
        let last = return_points(&s, &[r1, r2], Money(4_000));
        assert_eq!(first + second + last, -101);
        let paid_with_points = sale(-1_200, Payment::Points);
        assert_eq!(return_points(&paid_with_points, &[], Money(12_000)), 1_200);
        assert_eq!(return_points(&sale(0, Payment::Cash), &[], Money(100)), 0);
    }

    #[test]
    fn balances_sum_per_account() {
        let mut e = LedgerEntry::new(1, Account::Points, EntryKind::Earn, 120, day());
        let mut b = Balances::of([&e]);
        e.account = Account::StoredValue;
        e.amount = -500;
        b.add(&e);
        assert_eq!(b, Balances { points: 120, stored: Money(-500) });
        assert_eq!(e.shown(), "-5.00");
    }
}
