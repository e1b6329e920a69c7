//! The stated side of a customer: phone, card, region, source, preferences, tags, notes.

use super::personas::Persona;
use super::rng::{Rng, mix};
use crate::domain::{AreaType, ContactPref, Source};

/// Mobile prefixes of the three carriers (all `1[3-9]x`).
const MOBILE_PREFIXES: &[u32] = &[
    130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173, 177,
    180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 198, 199,
];

/// The mobile number of the customer at `index`: a pure function of seed and index, so that a
/// household member can share an earlier customer's number without the generator keeping a
/// table of them. The 8-digit tail is `index` scrambled by an affine map that is a bijection
/// modulo 10⁸ (the multiplier is odd and not a multiple of 5), so numbers never repeat by chance
/// below 100 million customers.
pub fn mobile(seed: u64, index: u64) -> String {
    let h = mix(seed ^ 0x5EED_F0E5);
    let prefix = MOBILE_PREFIXES[(mix(h ^ index) % MOBILE_PREFIXES.len() as u64) as usize];
    let tail = (index % 100_000_000 * 48_271_013 + h % 100_000_000) % 100_000_000;
    format!("{prefix}{tail:08}")
}

/// A city, its province and how its customers split between urban, suburban and rural areas.
struct City {
    province: &'static str,
    city: &'static str,
    area_weights: [u32; 3],
}

const BIG: [u32; 3] = [75, 20, 5];
const MID: [u32; 3] = [50, 30, 20];
const SMALL: [u32; 3] = [30, 30, 40];

/// The shop is in Guangdong, so most customers are; the rest moved or buy online.
const CITIES: &[(City, u32)] = &[
    (City { province: "广东", city: "广州", area_weights: BIG }, 300),
    (City { province: "广东", city: "佛山", area_weights: MID }, 120),
    (City { province: "广东", city: "深圳", area_weights: BIG }, 90),
    (City { province: "广东", city: "东莞", area_weights: MID }, 60),
    (City { province: "广东", city: "清远", area_weights: SMALL }, 40),
    (City { province: "广东", city: "韶关", area_weights: SMALL }, 20),
    (City { province: "北京", city: "北京", area_weights: BIG }, 25),
    (City { province: "上海", city: "上海", area_weights: BIG }, 25),
    (City { province: "浙江", city: "杭州", area_weights: BIG }, 15),
    (City { province: "浙江", city: "温州", area_weights: MID }, 10),
    (City { province: "江苏", city: "苏州", area_weights: MID }, 15),
    (City { province: "福建", city: "厦门", area_weights: MID }, 12),
    (City { province: "湖南", city: "长沙", area_weights: MID }, 25),
    (City { province: "湖南", city: "郴州", area_weights: SMALL }, 15),
    (City { province: "广西", city: "南宁", area_weights: MID }, 20),
    (City { province: "广西", city: "桂林", area_weights: SMALL }, 12),
    (City { province: "江西", city: "赣州", area_weights: SMALL }, 15),
    (City { province: "四川", city: "成都", area_weights: BIG }, 15),
    (City { province: "湖北", city: "武汉", area_weights: BIG }, 15),
    (City { province: "河南", city: "周口", area_weights: SMALL }, 12),
];
const CITY_WEIGHTS: [u32; CITIES.len()] = {
    let mut w = [0; CITIES.len()];
    let mut i = 0;
    while i < w.len() {
        w[i] = CITIES[i].1;
        i += 1;
    }
    w
};
const AREAS: [AreaType; 3] = [AreaType::Urban, AreaType::Suburban, AreaType::Rural];

/// A place of residence; a few customers never said.
pub fn region(rng: &mut Rng) -> (&'static str, &'static str, AreaType) {
    let (c, _) = &CITIES[rng.weighted(&CITY_WEIGHTS)];
    if rng.chance(40) {
        return (c.province, "", AreaType::Unknown);
    }
    (c.province, c.city, AREAS[rng.weighted(&c.area_weights)])
}

const SOURCES: [Source; 6] =
    [Source::Organic, Source::Paid, Source::Social, Source::Referral, Source::Store, Source::Other];

/// How the customer came; `Referral` is confirmed only once a referrer is found.
pub fn source(rng: &mut Rng, persona: Persona) -> Source {
    let w = match persona {
        // Bargain hunters come from ads and social posts about deals.
        Persona::PromoHunter => [10, 30, 35, 10, 10, 5],
        Persona::Prospect => [20, 25, 30, 10, 10, 5],
        _ => [25, 10, 15, 18, 27, 5],
    };
    SOURCES[rng.weighted(&w)]
}

/// The preferred contact channel; email only when there is an address.
pub fn contact(rng: &mut Rng, has_email: bool, latin: bool) -> ContactPref {
    let email = if !has_email {
        0
    } else if latin {
        40
    } else {
        10
    };
    let w = [30, 20, email, if latin { 15 } else { 40 }, 5];
    [ContactPref::Phone, ContactPref::Sms, ContactPref::Email, ContactPref::Wechat, ContactPref::None]
        [rng.weighted(&w)]
}

/// Free-text notes staff leave on a card.
const NOTES: &[&str] = &[
    "宝宝对牛奶蛋白过敏，推荐深度水解配方",
    "喜欢周末下午来店",
    "只买进口品牌",
    "需要开增值税发票",
    "住得远，偏好快递到家",
    "二胎妈妈，老大在读幼儿园",
    "对价格比较敏感，关注会员日",
    "不要在工作日上午打电话",
    "团购负责人，小区宝妈群采购",
    "双胞胎家庭，用量大",
    "奶奶常代为购买",
    "Prefers English; WeChat is fastest",
    "Works nights, call after 6 pm",
];

/// A note for about a third of customers.
pub fn note(rng: &mut Rng) -> &'static str {
    if rng.chance(330) { rng.pick(NOTES) } else { "" }
}

/// Tags staff would have put on the card, given the persona.
pub fn tags(rng: &mut Rng, persona: Persona, baby: bool, out: &mut Vec<String>) {
    let mut add = |t: &str| out.push(t.to_string());
    if baby && rng.chance(800) {
        add("baby");
        if rng.chance(50) {
            add("twins");
        }
    }
    if persona == Persona::HighSpender && rng.chance(700) {
        add("vip");
    }
    if matches!(persona, Persona::Regular | Persona::Steady) && rng.chance(40) {
        add("wholesale");
    }
    if persona == Persona::PromoHunter && rng.chance(500) {
        add("member-day");
    }
    if rng.chance(200) {
        add("wechat-group");
    }
    if rng.chance(100) {
        add("birthday-club");
    }
    if rng.chance(10) {
        add("staff");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Phone;
    use std::collections::HashSet;

    #[test]
    fn mobiles_are_valid_and_distinct() {
        let mut seen = HashSet::new();
        for i in 0..50_000 {
            let m = mobile(9, i);
            assert_eq!(Phone::parse(&m).map(|p| p.as_str().to_string()), Ok(m.clone()));
            assert!(seen.insert(m[3..].to_string()), "tail of {m} repeats");
        }
        assert_eq!(mobile(9, 5), mobile(9, 5));
        assert_ne!(mobile(9, 5), mobile(10, 5));
    }
}
