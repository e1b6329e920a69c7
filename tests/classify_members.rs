//! What a customer states about themselves and their child reaches the classes: a child's
//! birthday gives the child's stage, stated income, education and occupation their own
//! dimensions, and nothing stated is no class.

use chrono::{DateTime, NaiveDate};
use kehu::classify::{ChildStage, Classifier, Rules};
use kehu::domain::{Customer, Education, History, Income};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date")
}

fn customer(id: u64, edit: impl FnOnce(&mut Customer)) -> History {
    let now = DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
    let mut c = Customer::new(&format!("c{id}"), now).expect("valid name");
    c.id = id;
    edit(&mut c);
    History { customer: c, purchases: Vec::new(), interactions: Vec::new(), ledger: Vec::new() }
}

#[test]
fn the_childs_birthday_and_the_stated_fields_are_classified() {
    let mut b = Classifier::builder(Rules::default(), today());
    b.push(&customer(1, |c| {
        c.child_birthday = NaiveDate::from_ymd_opt(2024, 1, 15);
        c.income = Income::From5kTo10k;
        c.education = Education::ALL[2];
        c.occupation = "  teacher ".into();
    }));
    b.push(&customer(2, |c| c.child_birthday = NaiveDate::from_ymd_opt(2022, 3, 1)));
    b.push(&customer(3, |_| {}));
    let clf = b.finish(None);
    let (one, two, three) = (clf.classes(1).unwrap(), clf.classes(2).unwrap(), clf.classes(3).unwrap());
    assert_eq!(one.child_stage, ChildStage::Infant, "five months old");
    assert_eq!(two.child_stage, ChildStage::Toddler, "two years old");
    assert_eq!(one.income.map(|s| s.as_str()), Some("5k_10k"));
    assert_eq!(one.education.map(|s| s.as_str()), Some(Education::ALL[2].key()));
    assert_eq!(one.occupation.map(|s| s.as_str()), Some("teacher"), "spaces tidied");
    assert_eq!(three.income, None, "nothing stated is no class, not \"unknown\"");
    assert_ne!(three.child_stage, ChildStage::Infant);
}
