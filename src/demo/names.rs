//! Names, as a Chinese shop's member list holds them: mostly hanzi, some Latin.

use super::rng::Rng;
use crate::domain::Gender;

/// Surnames with a rough weight (per 10,000 people) and their pinyin for email addresses.
/// Includes polyphonic surnames read differently from the everyday character (曾 zēng, 单 shàn,
/// 解 xiè, 仇 qiú, 区 ōu, 查 zhā) and compound ones, which search and sorting get wrong first.
#[rustfmt::skip]
const SURNAMES: &[(&str, &str, u32)] = &[
    ("王", "wang", 720), ("李", "li", 720), ("张", "zhang", 680), ("刘", "liu", 540), ("陈", "chen", 450),
    ("杨", "yang", 310), ("黄", "huang", 220), ("赵", "zhao", 200), ("吴", "wu", 200), ("周", "zhou", 190),
    ("徐", "xu", 130), ("孙", "sun", 120), ("马", "ma", 110), ("朱", "zhu", 110), ("胡", "hu", 100),
    ("郭", "guo", 100), ("何", "he", 90), ("高", "gao", 90), ("林", "lin", 90), ("罗", "luo", 90),
    ("郑", "zheng", 80), ("梁", "liang", 80), ("谢", "xie", 60), ("宋", "song", 60), ("唐", "tang", 50),
    ("许", "xu", 50), ("韩", "han", 50), ("冯", "feng", 50), ("邓", "deng", 50), ("曹", "cao", 50),
    ("彭", "peng", 40), ("曾", "zeng", 40), ("肖", "xiao", 40), ("田", "tian", 40), ("董", "dong", 40),
    ("袁", "yuan", 40), ("潘", "pan", 30), ("于", "yu", 30), ("蒋", "jiang", 30), ("蔡", "cai", 30),
    ("余", "yu", 30), ("杜", "du", 30), ("叶", "ye", 30), ("程", "cheng", 30), ("苏", "su", 30),
    ("魏", "wei", 30), ("吕", "lv", 30), ("丁", "ding", 30), ("任", "ren", 30), ("沈", "shen", 30),
    ("姚", "yao", 30), ("卢", "lu", 30), ("姜", "jiang", 30), ("崔", "cui", 20), ("钟", "zhong", 20),
    ("谭", "tan", 20), ("陆", "lu", 20), ("汪", "wang", 20), ("范", "fan", 20), ("金", "jin", 20),
    ("石", "shi", 20), ("廖", "liao", 20), ("贾", "jia", 20), ("夏", "xia", 20), ("韦", "wei", 20),
    ("方", "fang", 20), ("白", "bai", 20), ("邹", "zou", 20), ("孟", "meng", 20), ("熊", "xiong", 20),
    ("秦", "qin", 20), ("邱", "qiu", 20), ("江", "jiang", 20), ("尹", "yin", 20), ("薛", "xue", 20),
    ("段", "duan", 20), ("雷", "lei", 20), ("侯", "hou", 20), ("龙", "long", 20), ("史", "shi", 20),
    ("黎", "li", 20), ("贺", "he", 20), ("顾", "gu", 20), ("毛", "mao", 20), ("郝", "hao", 20),
    ("龚", "gong", 20), ("邵", "shao", 20), ("钱", "qian", 20), ("覃", "qin", 10), ("戴", "dai", 10),
    ("莫", "mo", 10), ("孔", "kong", 10), ("单", "shan", 10), ("解", "xie", 10), ("仇", "qiu", 5),
    ("区", "ou", 5), ("查", "zha", 5), ("欧阳", "ouyang", 10), ("司马", "sima", 4), ("上官", "shangguan", 3),
    ("诸葛", "zhuge", 3), ("司徒", "situ", 4),
];

/// Characters common in women's given names, with pinyin.
#[rustfmt::skip]
const FEMALE: &[(&str, &str)] = &[
    ("秀", "xiu"), ("英", "ying"), ("丽", "li"), ("敏", "min"), ("静", "jing"), ("婷", "ting"),
    ("雪", "xue"), ("芳", "fang"), ("娜", "na"), ("玲", "ling"), ("燕", "yan"), ("霞", "xia"),
    ("梅", "mei"), ("琳", "lin"), ("欣", "xin"), ("怡", "yi"), ("佳", "jia"), ("悦", "yue"),
    ("晶", "jing"), ("慧", "hui"), ("雅", "ya"), ("倩", "qian"), ("颖", "ying"), ("萍", "ping"),
    ("红", "hong"), ("丹", "dan"), ("璐", "lu"), ("思", "si"), ("梦", "meng"), ("雨", "yu"),
    ("涵", "han"), ("诗", "shi"), ("可", "ke"), ("馨", "xin"), ("艳", "yan"), ("莉", "li"),
];

/// Characters common in men's given names, with pinyin.
#[rustfmt::skip]
const MALE: &[(&str, &str)] = &[
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("刚", "gang"), ("平", "ping"),
    ("辉", "hui"), ("鹏", "peng"), ("华", "hua"), ("飞", "fei"), ("鑫", "xin"), ("波", "bo"),
    ("斌", "bin"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"), ("健", "jian"), ("俊", "jun"),
    ("帆", "fan"), ("旭", "xu"), ("宁", "ning"), ("龙", "long"), ("博", "bo"), ("文", "wen"),
    ("志", "zhi"), ("建", "jian"), ("国", "guo"), ("海", "hai"), ("晨", "chen"), ("睿", "rui"),
];

const LATIN_FEMALE: &[&str] = &[
    "Amy", "Emma", "Grace", "Sophie", "Lily", "Olivia", "Chloe", "Hannah", "Mia", "Zoe", "Iris", "Vivian",
    "Cindy", "Jenny", "Linda", "Maria", "Anna", "Julia", "Nina", "Sara",
];
const LATIN_MALE: &[&str] = &[
    "David", "Kevin", "Michael", "Jason", "Tom", "Leo", "Eric", "Daniel", "Peter", "Sam", "Alex", "Ben",
    "Jack", "Lucas", "Mark", "Ryan", "Tony", "Victor", "Oliver", "Henry",
];
/// Family names as written, and an ASCII spelling for email addresses.
const LATIN_FAMILY: &[(&str, &str)] = &[
    ("Chen", "chen"),
    ("Wang", "wang"),
    ("Li", "li"),
    ("Zhang", "zhang"),
    ("Liu", "liu"),
    ("Wong", "wong"),
    ("Lee", "lee"),
    ("Chan", "chan"),
    ("Lam", "lam"),
    ("Ng", "ng"),
    ("Tan", "tan"),
    ("Lim", "lim"),
    ("Smith", "smith"),
    ("Brown", "brown"),
    ("Martin", "martin"),
    ("Müller", "mueller"),
    ("García", "garcia"),
    ("Rossi", "rossi"),
    ("Kim", "kim"),
    ("Park", "park"),
    ("Nguyen", "nguyen"),
    ("Silva", "silva"),
    ("Johnson", "johnson"),
    ("Dubois", "dubois"),
    ("Schmidt", "schmidt"),
    ("O'Brien", "obrien"),
];

/// Where the free mail of Chinese customers lives; QQ mail addresses are QQ numbers.
const MAIL_DOMAINS: &[(&str, u32)] = &[
    ("qq.com", 40),
    ("163.com", 20),
    ("126.com", 8),
    ("foxmail.com", 5),
    ("sina.com", 5),
    ("gmail.com", 12),
    ("outlook.com", 10),
];

const SURNAME_WEIGHTS: [u32; SURNAMES.len()] = {
    let mut w = [0; SURNAMES.len()];
    let mut i = 0;
    while i < w.len() {
        w[i] = SURNAMES[i].2;
        i += 1;
    }
    w
};
const MAIL_WEIGHTS: [u32; MAIL_DOMAINS.len()] = {
    let mut w = [0; MAIL_DOMAINS.len()];
    let mut i = 0;
    while i < w.len() {
        w[i] = MAIL_DOMAINS[i].1;
        i += 1;
    }
    w
};

/// A generated person: the name as displayed and an ASCII form for their email address.
pub struct Person {
    pub name: String,
    pub gender: Gender,
    /// Romanised family name and given name, for email addresses.
    pub ascii: (&'static str, &'static str, &'static str),
    pub latin: bool,
}

/// Draws a name: 70% hanzi (two-character given names four times out of five), 30% Latin.
pub fn person(rng: &mut Rng) -> Person {
    let female = rng.chance(560);
    let gender = if rng.chance(30) {
        Gender::Unknown
    } else if female {
        Gender::Female
    } else {
        Gender::Male
    };
    let mut name = String::with_capacity(24);
    if rng.chance(700) {
        let (family, family_py, _) = SURNAMES[rng.weighted(&SURNAME_WEIGHTS)];
        let pool = if female { FEMALE } else { MALE };
        let (g1, p1) = rng.pick(pool);
        name.push_str(family);
        name.push_str(g1);
        let mut p2 = "";
        if rng.chance(800) {
            let (g2, py) = rng.pick(pool);
            name.push_str(g2);
            p2 = py;
        }
        Person { name, gender, ascii: (family_py, p1, p2), latin: false }
    } else {
        let first = rng.pick(if female { LATIN_FEMALE } else { LATIN_MALE });
        let (family, family_ascii) = rng.pick(LATIN_FAMILY);
        name.push_str(first);
        name.push(' ');
        name.push_str(family);
        Person { name, gender, ascii: (family_ascii, first, ""), latin: true }
    }
}

/// An email address for `p`: `wang.xiuying88@163.com`, `emma.chen@gmail.com`, `12345678@qq.com`.
pub fn email(rng: &mut Rng, p: &Person) -> String {
    let domain = MAIL_DOMAINS[rng.weighted(&MAIL_WEIGHTS)].0;
    let mut s = String::with_capacity(32);
    if domain == "qq.com" {
        let digits = rng.range(6, 10);
        let mut n = u64::from(rng.range(1, 9));
        for _ in 1..digits {
            n = n * 10 + rng.below(10);
        }
        s.push_str(&n.to_string());
    } else {
        let (family, g1, g2) = p.ascii;
        if p.latin {
            s.push_str(&g1.to_ascii_lowercase());
            s.push('.');
            s.push_str(family);
        } else {
            s.push_str(family);
            s.push('.');
            s.push_str(g1);
            s.push_str(g2);
        }
        if rng.chance(500) {
            s.push_str(&rng.range(1, 99).to_string());
        }
    }
    s.push('@');
    s.push_str(domain);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_mix_hanzi_and_latin() {
        let mut r = Rng::stream(3, 0);
        let people: Vec<Person> = (0..2000).map(|_| person(&mut r)).collect();
        let hanzi = people.iter().filter(|p| !p.latin).count();
        assert!((1_250..1_550).contains(&hanzi), "{hanzi}");
        assert!(people.iter().any(|p| p.name.starts_with("欧阳")));
        assert!(people.iter().all(|p| !p.name.trim().is_empty()));
        let mails: Vec<String> = people.iter().map(|p| email(&mut r, p)).collect();
        assert!(mails.iter().all(|m| m.is_ascii() && crate::domain::Email::parse(m).is_ok()), "{mails:?}");
    }
}
