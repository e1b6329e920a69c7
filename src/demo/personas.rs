//! Buying behaviours. Each customer follows one persona, which draws their purchase history;
//! the weights are chosen so that every class of every dimension is populated in a few thousand
//! customers (see the coverage test in `tests/demo_shop.rs`).

use super::rng::Rng;
use crate::domain::Channel;
use chrono::{Datelike, Days, NaiveDate};

/// A customer's buying behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persona {
    /// A consumable (formula, diapers) every 25–35 days; some buy more as the baby grows.
    Steady,
    /// Every one to four months, across categories.
    Regular,
    /// Around the shopping festivals (Spring Festival, 618, Mid-Autumn, Double 11…).
    Seasonal,
    /// One purchase, ever.
    OneOff,
    /// Bought a lot one to two years ago, nothing in the last 200+ days.
    Lapsed,
    /// First purchase within the last 90 days.
    New,
    /// Buys on promotion, almost only.
    PromoHunter,
    /// Frequent, large baskets: the gold tier.
    HighSpender,
    /// A regular whose last purchase was 91–180 days ago.
    Drifting,
    /// Registered (a card, a visit, an event) but never bought.
    Prospect,
}

/// The persona mix, in per cent.
pub const MIX: &[(Persona, u32)] = &[
    (Persona::Steady, 14),
    (Persona::Regular, 16),
    (Persona::Seasonal, 10),
    (Persona::OneOff, 14),
    (Persona::Lapsed, 9),
    (Persona::New, 10),
    (Persona::PromoHunter, 8),
    (Persona::HighSpender, 5),
    (Persona::Drifting, 5),
    (Persona::Prospect, 9),
];
const MIX_WEIGHTS: [u32; 10] = {
    let mut w = [0; 10];
    let mut i = 0;
    while i < 10 {
        w[i] = MIX[i].1;
        i += 1;
    }
    w
};

/// A product category with its unit price range in yuan and how many units a basket holds.
pub struct Category {
    /// The key stored in `Purchase::category`.
    pub key: &'static str,
    lo: u32,
    hi: u32,
    max_qty: u32,
    /// Weight when a customer buys outside their favourite category.
    weight: u32,
}

/// Category keys as stored in `Purchase::category`, with realistic shelf prices.
pub const CATEGORIES: &[Category] = &[
    Category { key: "formula", lo: 198, hi: 468, max_qty: 3, weight: 12 },
    Category { key: "diapers", lo: 79, hi: 199, max_qty: 3, weight: 14 },
    Category { key: "toys", lo: 29, hi: 599, max_qty: 2, weight: 14 },
    Category { key: "clothing", lo: 49, hi: 459, max_qty: 3, weight: 16 },
    Category { key: "snacks", lo: 9, hi: 89, max_qty: 5, weight: 18 },
    Category { key: "skincare", lo: 59, hi: 899, max_qty: 2, weight: 12 },
    Category { key: "babycare", lo: 19, hi: 159, max_qty: 3, weight: 10 },
    Category { key: "supplements", lo: 89, hi: 499, max_qty: 2, weight: 6 },
];
const FORMULA: u8 = 0;
const DIAPERS: u8 = 1;
const CATEGORY_WEIGHTS: [u32; 8] = {
    let mut w = [0; 8];
    let mut i = 0;
    while i < 8 {
        w[i] = CATEGORIES[i].weight;
        i += 1;
    }
    w
};

const CHANNELS: [Channel; 4] = [Channel::Store, Channel::Online, Channel::Phone, Channel::Other];
const CHANNEL_WEIGHTS: [u32; 4] = [55, 35, 5, 5];
/// Promotion prices as a share of the shelf price, per mille (九五折 … 七折).
const DISCOUNTS: [i64; 7] = [950, 900, 880, 850, 800, 750, 700];
/// Shopping festivals: month, first day, length in days.
const SEASONS: [(u32, u32, u64); 6] =
    [(1, 8, 30), (6, 1, 18), (8, 20, 16), (9, 10, 25), (11, 1, 11), (12, 8, 10)];

/// One planned purchase, `ago` days before today.
#[derive(Debug, Clone, Copy)]
pub struct Buy {
    pub ago: u32,
    /// Index into [`CATEGORIES`].
    pub category: u8,
    pub quantity: u32,
    /// Fen, never negative.
    pub amount: i64,
    pub channel: Channel,
    pub promo: bool,
}

/// What a persona decided beyond the purchases.
pub struct Plan {
    /// The day (days before today) the customer joined, never after their first purchase.
    pub since: u32,
    /// The category the customer is loyal to.
    pub favourite: u8,
}

/// A customer's habits, fixed once so that their history is consistent (one formula brand,
/// one usual channel).
struct Habits {
    favourite: u8,
    favourite_price: i64,
    channel: Channel,
    promo_per_mille: u32,
    premium: bool,
}

/// Draws a persona from the mix.
pub fn pick(rng: &mut Rng) -> Persona {
    MIX[rng.weighted(&MIX_WEIGHTS)].0
}

fn price(rng: &mut Rng, category: u8, premium: bool) -> i64 {
    let c = &CATEGORIES[usize::from(category)];
    let lo = if premium { (c.lo + c.hi) / 2 } else { c.lo };
    let yuan = i64::from(rng.range(lo, c.hi));
    yuan * 100 - rng.pick(&[0, 0, 10, 20, 50])
}

impl Habits {
    fn new(favourite: u8, promo_per_mille: u32, premium: bool, rng: &mut Rng) -> Habits {
        Habits {
            favourite,
            favourite_price: price(rng, favourite, premium),
            channel: CHANNELS[rng.weighted(&CHANNEL_WEIGHTS)],
            promo_per_mille,
            premium,
        }
    }

    /// One purchase; `category` None means the favourite half of the time, else any.
    fn buy(&self, ago: u32, category: Option<u8>, quantity: u32, rng: &mut Rng) -> Buy {
        let category = category.unwrap_or_else(|| {
            if rng.chance(500) { self.favourite } else { rng.weighted(&CATEGORY_WEIGHTS) as u8 }
        });
        let max_qty = CATEGORIES[usize::from(category)].max_qty;
        let quantity = quantity.clamp(1, max_qty.max(1));
        let unit = if category == self.favourite {
            self.favourite_price
        } else {
            price(rng, category, self.premium)
        };
        let promo = rng.chance(self.promo_per_mille);
        let mut amount = unit * i64::from(quantity);
        if promo {
            // A few promotional baskets are free gifts (赠品), which spend totals must survive.
            amount = if rng.chance(3) { 0 } else { (amount * rng.pick(&DISCOUNTS) / 1000 + 5) / 10 * 10 };
        }
        let channel = if rng.chance(750) { self.channel } else { CHANNELS[rng.weighted(&CHANNEL_WEIGHTS)] };
        Buy { ago, category, quantity, amount, channel, promo }
    }
}

/// Replaces `buys` with the purchases of a customer with `persona` (in no particular order).
pub fn plan(persona: Persona, rng: &mut Rng, today: NaiveDate, buys: &mut Vec<Buy>) -> Plan {
    buys.clear();
    let any = || None;
    let (since, favourite) = match persona {
        Persona::Steady => {
            let fav = if rng.chance(600) { FORMULA } else { DIAPERS };
            let h = Habits::new(fav, rng.range(50, 450), false, rng);
            let since = rng.range(60, 1400);
            // A quarter stop: the baby moved on to other food, or a cheaper shop won them.
            let stop = if since > 300 && rng.chance(250) { rng.range(91, (since - 150).min(700)) } else { 0 };
            let base = rng.range(25, 35);
            let rising = rng.chance(300);
            let mut t = i64::from(since);
            while t >= i64::from(stop) {
                let ago = t as u32;
                let progress = (since - ago) * 100 / (since - stop + 1);
                let qty =
                    if rising { 1 + progress * 3 / 100 } else { 1 + rng.weighted(&[50, 35, 15]) as u32 };
                buys.push(h.buy(ago, Some(fav), qty, rng));
                if rng.chance(250) {
                    let extra = rng.pick(&[2u8, 3, 4, 6]);
                    buys.push(h.buy(ago.saturating_sub(rng.range(0, 3)), Some(extra), rng.range(1, 2), rng));
                }
                let step = if rising { base + 3 - progress * 6 / 100 } else { rng.range(base - 3, base + 3) };
                t -= i64::from(step.max(20));
            }
            (since, fav)
        }
        Persona::Regular => {
            let fav = rng.weighted(&CATEGORY_WEIGHTS) as u8;
            let h = Habits::new(fav, rng.range(100, 500), false, rng);
            let since = rng.range(200, 1500);
            let stop = if rng.chance(200) { rng.range(0, since / 2) } else { 0 };
            let mean = rng.range(35, 110);
            let mut t = i64::from(since - rng.range(0, 20));
            while t >= i64::from(stop) {
                buys.push(h.buy(t as u32, any(), 1 + rng.weighted(&[60, 30, 10]) as u32, rng));
                t -= i64::from(rng.range(mean * 6 / 10, mean * 14 / 10));
            }
            (since, fav)
        }
        Persona::Seasonal => {
            let fav = rng.pick(&[2u8, 3, 4, 5]);
            let h = Habits::new(fav, rng.range(300, 800), false, rng);
            let horizon = rng.range(400, 1400);
            let first = rng.below(SEASONS.len() as u64) as usize;
            let second = if rng.chance(400) { rng.below(SEASONS.len() as u64) as usize } else { first };
            let chosen = [first, second];
            for year in today.year() - 4..=today.year() {
                for s in &chosen[..if first == second { 1 } else { 2 }] {
                    let (month, day, len) = SEASONS[*s];
                    if rng.chance(200) {
                        continue;
                    }
                    for _ in 0..rng.range(1, 3) {
                        let date = NaiveDate::from_ymd_opt(year, month, day)
                            .and_then(|d| d.checked_add_days(Days::new(rng.below(len))));
                        let ago = date.map(|d| (today - d).num_days()).unwrap_or(-1);
                        if (0..=i64::from(horizon)).contains(&ago) {
                            buys.push(h.buy(ago as u32, any(), rng.range(1, 3), rng));
                        }
                    }
                }
            }
            if buys.is_empty() {
                buys.push(h.buy(rng.range(30, 400), any(), 1, rng));
            }
            let oldest = buys.iter().map(|b| b.ago).max().unwrap_or(0);
            (oldest + rng.range(0, 30), fav)
        }
        Persona::OneOff => {
            let fav = rng.weighted(&CATEGORY_WEIGHTS) as u8;
            let h = Habits::new(fav, rng.range(100, 600), false, rng);
            let ago = rng.range(0, 1100);
            buys.push(h.buy(ago, Some(fav), rng.range(1, 2), rng));
            (ago + if rng.chance(200) { rng.range(1, 60) } else { 0 }, fav)
        }
        Persona::Lapsed => {
            let fav = rng.weighted(&CATEGORY_WEIGHTS) as u8;
            let h = Habits::new(fav, rng.range(100, 500), rng.chance(400), rng);
            let end = rng.range(200, 700);
            let start = end + rng.range(150, 400);
            let interval = rng.range(10, 35);
            let mut t = i64::from(start);
            while t >= i64::from(end) {
                buys.push(h.buy(t as u32, any(), rng.range(1, 4), rng));
                t -= i64::from(rng.range(interval * 7 / 10, interval * 13 / 10));
            }
            (start + rng.range(0, 30), fav)
        }
        Persona::New => {
            let fav = rng.weighted(&CATEGORY_WEIGHTS) as u8;
            let h = Habits::new(fav, rng.range(100, 600), false, rng);
            let first = rng.range(0, 89);
            buys.push(h.buy(first, Some(fav), rng.range(1, 2), rng));
            let mut t = i64::from(first);
            for _ in 0..rng.range(0, 3) {
                t -= i64::from(rng.range(7, 35));
                if t < 0 {
                    break;
                }
                buys.push(h.buy(t as u32, any(), 1, rng));
            }
            (first, fav)
        }
        Persona::PromoHunter => {
            let fav = rng.pick(&[1u8, 3, 4, 5]);
            let h = Habits::new(fav, rng.range(750, 950), false, rng);
            let since = rng.range(120, 1000);
            let stop = if rng.chance(150) { rng.range(91, since / 2 + 91) } else { 0 };
            let mut t = i64::from(since);
            while t >= i64::from(stop) {
                buys.push(h.buy(t as u32, any(), rng.range(1, 4), rng));
                t -= i64::from(rng.range(12, 45));
            }
            (since, fav)
        }
        Persona::HighSpender => {
            let fav = rng.pick(&[0u8, 2, 3, 5, 7]);
            let h = Habits::new(fav, rng.range(0, 250), true, rng);
            let since = rng.range(400, 1500);
            let stop = if rng.chance(120) { rng.range(100, 300) } else { 0 };
            let mut t = i64::from(since);
            while t >= i64::from(stop) {
                buys.push(h.buy(t as u32, any(), 1 + rng.weighted(&[50, 30, 15, 5]) as u32, rng));
                t -= i64::from(rng.range(6, 22));
            }
            (since, fav)
        }
        Persona::Drifting => {
            let fav = rng.weighted(&CATEGORY_WEIGHTS) as u8;
            let h = Habits::new(fav, rng.range(100, 600), false, rng);
            let since = rng.range(300, 1200);
            let mut t = rng.range(91, 180);
            while t <= since {
                buys.push(h.buy(t, any(), rng.range(1, 2), rng));
                t += rng.range(20, 70);
            }
            (since, fav)
        }
        Persona::Prospect => (rng.range(0, 700), rng.weighted(&CATEGORY_WEIGHTS) as u8),
    };
    let oldest = buys.iter().map(|b| b.ago).max().unwrap_or(0);
    Plan { since: since.max(oldest), favourite }
}
