use super::*;
use crate::domain::{AreaType, ContactPref, Gender, Phone, Source};
use crate::store::legacy::{CustomerV2, InteractionV2, PurchaseV2};
use crate::store::test_support::{self as ts, customer, interaction, purchase};
use chrono::{DateTime, NaiveDate};
use proptest::prelude::*;

/// A version 1 customer with every field set, as the previous kehu would have stored it.
fn v1_customer() -> CustomerV1 {
    CustomerV1 {
        id: 12,
        reference: Some("M0012".into()),
        name: "王秀英".into(),
        phone: Some(Phone::parse("13812345678").unwrap()),
        email: None,
        gender: Gender::Female,
        birthday: NaiveDate::from_ymd_opt(1980, 2, 29),
        province: "浙江".into(),
        city: "杭州".into(),
        area: AreaType::Urban,
        source: Source::Referral,
        referrer: Some(7),
        contact: ContactPref::Wechat,
        tags: vec!["vip".into()],
        notes: "likes tea".into(),
        created: ts::now(),
        updated: ts::now(),
    }
}

/// The bytes of `v1_customer()` in envelope version 1, pinned so that the layout cannot drift.
const V1_CUSTOMER_HEX: &str = concat!(
    "010c01054d3030313209e78e8be7a780e88bb1010b31333831323334353637380001010a31393830",
    "2d30322d323906e6b599e6b19f06e69dade5b79e01040107030103766970096c696b657320746561",
    "14323032332d31312d31345432323a31333a32305a14323032332d31312d31345432323a31333a32",
    "305a",
);

fn v1_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    let mut b = vec![1u8];
    b.extend(raw_payload(v));
    b
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn expected_upgrade() -> Customer {
    let v = v1_customer();
    let mut c = Customer::new(&v.name, ts::now()).unwrap();
    c.id = 12;
    c.reference = v.reference.clone();
    c.phone = v.phone.clone();
    c.gender = Gender::Female;
    c.birthday = v.birthday;
    c.province = v.province.clone();
    c.city = v.city.clone();
    c.area = AreaType::Urban;
    c.source = Source::Referral;
    c.referrer = Some(7);
    c.contact = ContactPref::Wechat;
    c.tags = v.tags.clone();
    c.notes = v.notes.clone();
    c
}

#[test]
fn v1_customer_is_upgraded() {
    let bytes = v1_bytes(&v1_customer());
    let c: Customer = decode(&bytes, At::customer(12)).unwrap();
    assert_eq!(c, expected_upgrade());
    assert_eq!((c.points_redeemed, c.revision), (0, 0));
    assert!(c.custom.is_empty());
}

#[test]
fn v1_customer_pinned_bytes() {
    assert_eq!(hex(&v1_bytes(&v1_customer())), V1_CUSTOMER_HEX, "the version 1 layout changed");
    let c: Customer = decode(&unhex(V1_CUSTOMER_HEX), At::customer(12)).unwrap();
    assert_eq!(c, expected_upgrade());
}

#[test]
fn v1_purchase_and_interaction_decode() {
    let p = ts::new_purchase(3, ts::day(5, 1), 12);
    assert_eq!(decode::<Purchase>(&v1_bytes(&PurchaseV2::of(&p)), At::child(3, 0)).unwrap(), p);
    let i = Interaction::new(3, ts::day(5, 2), crate::domain::InteractionKind::Call, "hi").unwrap();
    assert_eq!(decode::<Interaction>(&v1_bytes(&InteractionV2::of(&i)), At::child(3, 0)).unwrap(), i);
}

fn corrupt_message<T: Record + std::fmt::Debug>(bytes: &[u8]) -> String {
    match decode::<T>(bytes, At::customer(12)) {
        Err(StoreError::Corrupt(m)) => m,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn damage_is_reported_by_name() {
    let mut b = encode(&expected_upgrade(), 12).unwrap();
    let last = b.len() - 1;
    b[last] ^= 0x40;
    assert_eq!(corrupt_message::<Customer>(&b), "customer #12: checksum mismatch");
    assert_eq!(corrupt_message::<Customer>(&[]), "customer #12: empty record");
    assert_eq!(corrupt_message::<Customer>(&[2, 0, 0]), "customer #12: truncated header");
    assert_eq!(corrupt_message::<Customer>(&[0, 1, 2]), "customer #12: unknown record version 0");
    let newer = corrupt_message::<Purchase>(&[8, 1, 2]);
    assert!(newer.contains("newer kehu (purchase record version 8"), "{newer}");
    let chunk_as_record = corrupt_message::<Purchase>(&[4, 1, 2]);
    assert!(chunk_as_record.contains("unknown record version 4"), "{chunk_as_record}");
}

#[test]
fn huge_length_prefix_is_an_error_not_an_abort() {
    // A string length of u64::MAX: without the limit bincode would try to allocate it.
    let payload = [0u8, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    for version in [2u8, 3] {
        let mut b = vec![version];
        b.extend(crc32fast::hash(&payload).to_le_bytes());
        b.extend(payload);
        assert!(corrupt_message::<Customer>(&b).starts_with("customer #12: undecodable payload"));
    }
    let mut v1 = vec![1u8];
    v1.extend(payload);
    assert!(corrupt_message::<Customer>(&v1).starts_with("customer #12: undecodable payload"));
}

#[test]
fn trailing_bytes_are_refused() {
    let mut b = v1_bytes(&PurchaseV2::of(&ts::new_purchase(3, ts::day(5, 1), 12)));
    b.push(0);
    assert!(corrupt_message::<Purchase>(&b).contains("1 trailing bytes"));
}

/// Flips bytes of an encoding and decodes it: any outcome but a panic is fine.
fn flip_and_decode<T: Record>(mut bytes: Vec<u8>, flips: &[(usize, u8)]) {
    for &(at, mask) in flips {
        let i = at % bytes.len();
        bytes[i] ^= mask.max(1);
    }
    let _ = decode::<T>(&bytes, At::child(1, 1));
}

proptest! {
    #[test]
    fn customers_round_trip(c in customer()) {
        prop_assert_eq!(decode::<Customer>(&encode(&c, c.id).unwrap(), At::customer(c.id)).unwrap(), c);
    }

    #[test]
    fn purchases_round_trip(p in purchase()) {
        prop_assert_eq!(decode::<Purchase>(&encode(&p, p.id).unwrap(), At::child(p.customer, p.id)).unwrap(), p);
    }

    #[test]
    fn interactions_round_trip(i in interaction()) {
        prop_assert_eq!(decode::<Interaction>(&encode(&i, i.id).unwrap(), At::child(i.customer, i.id)).unwrap(), i);
    }

    #[test]
    fn flipped_customers_never_panic(c in customer(), flips in proptest::collection::vec(any::<(usize, u8)>(), 1..4)) {
        flip_and_decode::<Customer>(encode(&c, 1).unwrap(), &flips);
        flip_and_decode::<Customer>(v1_bytes(&c), &flips);
        flip_and_decode::<Customer>(v2_bytes(&CustomerV2::of(&c)), &flips);
    }

    #[test]
    fn flipped_purchases_never_panic(p in purchase(), flips in proptest::collection::vec(any::<(usize, u8)>(), 1..4)) {
        flip_and_decode::<Purchase>(encode(&p, 1).unwrap(), &flips);
        flip_and_decode::<Purchase>(v1_bytes(&p), &flips);
        flip_and_decode::<Purchase>(v2_bytes(&PurchaseV2::of(&p)), &flips);
    }

    #[test]
    fn flipped_interactions_never_panic(i in interaction(), flips in proptest::collection::vec(any::<(usize, u8)>(), 1..4)) {
        flip_and_decode::<Interaction>(encode(&i, 1).unwrap(), &flips);
        flip_and_decode::<Interaction>(v1_bytes(&i), &flips);
        flip_and_decode::<Interaction>(v2_bytes(&InteractionV2::of(&i)), &flips);
    }

    #[test]
    fn truncations_never_panic(c in customer(), cut in any::<usize>()) {
        let b = encode(&c, 1).unwrap();
        let keep = cut % b.len();
        prop_assert!(decode::<Customer>(&b[..keep], At::customer(1)).is_err());
    }
}

/// A version 2 purchase and interaction with every field set, as kehu up to format 2 wrote them.
fn v2_fixtures() -> (Customer, Purchase, Interaction) {
    let mut c = expected_upgrade();
    c.email = Some(crate::domain::Email::parse("wang@example.com").unwrap());
    c.custom.insert("shoe size".into(), "38".into());
    c.points_redeemed = -120;
    c.revision = 9;
    c.updated = DateTime::from_timestamp(1_700_000_123, 456_789_000).unwrap();
    let mut p = ts::new_purchase(12, ts::day(5, 1), 12);
    p.id = 40;
    p.category = "tea".into();
    p.channel = crate::domain::Channel::Online;
    p.promo = true;
    let mut i =
        Interaction::new(12, ts::day(5, 2), crate::domain::InteractionKind::Complaint, "late").unwrap();
    i.id = 41;
    i.rating = Some(crate::domain::Rating::new(2).unwrap());
    i.follow_up = Some(ts::day(5, 9));
    i.operator = "li".into();
    (c, p, i)
}

/// The bytes of `v2_fixtures()` in envelope version 2 (customer, purchase, interaction), pinned
/// before version 3 so that databases written up to format 2 keep loading.
const V2_HEX: [&str; 3] = [
    concat!(
        "02124bbd980c01054d3030313209e78e8be7a780e88bb1010b3133383132333435363738011077616e6740",
        "6578616d706c652e636f6d01010a313938302d30322d323906e6b599e6b19f06e69dade5b79e0104010703",
        "0103766970096c696b657320746561010973686f652073697a6502333814323032332d31312d3134543232",
        "3a31333a32305a1b323032332d31312d31345432323a31353a32332e3435363738395aef09",
    ),
    "02d45b2935280c0a323032342d30352d3031fb600901037465610101",
    "023bd89dec290c0a323032342d30352d303206046c617465010201040000010a323032342d30352d3039026c69",
];

#[test]
fn v2_records_pinned_bytes() {
    let (c, p, i) = v2_fixtures();
    assert_eq!(decode::<Customer>(&unhex(V2_HEX[0]), At::customer(12)).unwrap(), c);
    assert_eq!(decode::<Purchase>(&unhex(V2_HEX[1]), At::child(12, 40)).unwrap(), p);
    assert_eq!(decode::<Interaction>(&unhex(V2_HEX[2]), At::child(12, 41)).unwrap(), i);
}

/// The same records in envelope version 3, pinned so that its layout cannot drift either.
const V3_HEX: [&str; 3] = [
    concat!(
        "03eea8a14a01054d3030313209e78e8be7a780e88bb1010b3133383132333435363738011077616e6740",
        "6578616d706c652e636f6d0101fbfe1c06e6b599e6b19f06e69dade5b79e01040107030103766970096c",
        "696b657320746561010973686f652073697a65023338fc00e2a7ca00fcf6e2a7cafc080c3a1bef09",
    ),
    "0359d5d9a2fb089bfb600901037465610101",
    "039610cd73fb0a9b06046c61746501020104000001fb189b026c69",
];

#[test]
fn v3_records_pinned_bytes() {
    let (c, p, i) = v2_fixtures();
    // Customers are written in version 6 now; purchases and interactions only in chunks.
    assert_eq!(hex(&envelope_v3(&crate::store::wire::CustomerV3::from_domain(&c))), V3_HEX[0]);
    assert_eq!(decode::<Customer>(&unhex(V3_HEX[0]), At::customer(12)).unwrap(), c);
    assert_eq!(decode::<Purchase>(&unhex(V3_HEX[1]), At::child(12, 40)).unwrap(), p);
    assert_eq!(decode::<Interaction>(&unhex(V3_HEX[2]), At::child(12, 41)).unwrap(), i);
}

/// The customer of `v2_fixtures()` with consent, a child and stated traits.
fn v6_customer() -> Customer {
    use crate::domain::{Consent, ConsentSource, ContactChannel, Education, Income};
    let (mut c, _, _) = v2_fixtures();
    c.set_consent(ContactChannel::Sms, Consent::Yes, ts::day(3, 1), ConsentSource::Till);
    c.set_consent(ContactChannel::Email, Consent::No, ts::day(4, 2), ConsentSource::Import);
    c.child_birthday = Some(ts::day(1, 15));
    c.income = Income::From5kTo10k;
    c.education = Education::Bachelor;
    c.occupation = "护士".into();
    c
}

/// `v6_customer()` in envelope version 6, pinned so that its layout cannot drift.
const V6_CUSTOMER_HEX: &str = concat!(
    "0688fe341001054d3030313209e78e8be7a780e88bb1010b3133383132333435363738011077616e6740",
    "6578616d706c652e636f6d0101fbfe1c06e6b599e6b19f06e69dade5b79e01040107030103766970096c",
    "696b657320746561010973686f652073697a65023338fc00e2a7ca00fcf6e2a7cafc080c3a1bef090101",
    "fb8e9a030000000000000201fbce9a0201fb329a030506e68aa4e5a3ab",
);

#[test]
fn v6_customer_pinned_bytes() {
    let c = v6_customer();
    assert_eq!(hex(&encode(&c, 12).unwrap()), V6_CUSTOMER_HEX, "the version 6 layout changed");
    assert_eq!(decode::<Customer>(&unhex(V6_CUSTOMER_HEX), At::customer(12)).unwrap(), c);
}

/// Customers stored before version 6 come back with nothing said: consent unknown on every
/// channel, no child, no stated traits; saved again, they are written in version 6.
#[test]
fn older_customers_decode_with_nothing_said() {
    let (c, _, _) = v2_fixtures();
    for bytes in [unhex(V2_HEX[0]), unhex(V3_HEX[0]), v1_bytes(&v1_customer())] {
        let old: Customer = decode(&bytes, At::customer(12)).unwrap();
        assert_eq!(old.consent_sms, crate::domain::ChannelConsent::default());
        assert!(old.child_birthday.is_none() && old.occupation.is_empty());
        assert_eq!(
            (old.income, old.education),
            (crate::domain::Income::Unknown, crate::domain::Education::Unknown)
        );
    }
    assert_eq!(encode(&c, 12).unwrap()[0], 6);
}

#[test]
fn a_newer_customer_or_purchase_is_named_as_such() {
    assert!(corrupt_message::<Customer>(&[7, 1, 2]).contains("newer kehu (customer record version 7"));
    assert!(corrupt_message::<Purchase>(&[8, 1, 2]).contains("newer kehu (purchase record version 8"));
    let entry = corrupt_message::<crate::domain::LedgerEntry>(&[9, 1]);
    assert!(entry.contains("newer kehu (ledger entry record version 9"), "{entry}");
    // A customer was never written in version 5: damage, not a newer kehu.
    assert!(!corrupt_message::<Customer>(&[5, 1, 2]).contains("newer"));
}

#[test]
fn v3_takes_the_ids_from_the_key_and_is_smaller() {
    let (c, p, i) = v2_fixtures();
    let moved: Purchase = decode(&encode(&p, 40).unwrap(), At::child(99, 41)).unwrap();
    assert_eq!((moved.customer, moved.id), (99, 41));
    let v3 = |w: Vec<u8>| w.len();
    let sizes = [
        (
            v3(envelope_v3(&crate::store::wire::CustomerV3::from_domain(&c))),
            v2_bytes(&CustomerV2::of(&c)).len(),
        ),
        (
            v3(envelope_v3(&crate::store::wire::PurchaseV3::from_domain(&p))),
            v2_bytes(&PurchaseV2::of(&p)).len(),
        ),
        (
            v3(envelope_v3(&crate::store::wire::InteractionV3::from_domain(&i))),
            v2_bytes(&InteractionV2::of(&i)).len(),
        ),
    ];
    assert!(sizes.iter().all(|(v3, v2)| v3 < v2), "{sizes:?}");
    // A purchase is mostly its date and ids: more than a third goes (more with real, longer ids).
    assert!(sizes[1].0 * 3 < sizes[1].1 * 2, "{sizes:?}");
}

#[test]
fn v3_refuses_an_impossible_rating_or_date() {
    let (_, p, i) = v2_fixtures();
    let mut wire = crate::store::wire::InteractionV3::from_domain(&i);
    wire.rating = Some(9);
    assert!(corrupt_message::<Interaction>(&envelope_v3(&wire)).contains("rating"));
    let mut wire = crate::store::wire::PurchaseV3::from_domain(&p);
    wire.date = i32::MAX;
    assert!(corrupt_message::<Purchase>(&envelope_v3(&wire)).contains("out of range"));
}

/// A version 3 envelope around any payload.
fn envelope_v3<T: Serialize>(v: &T) -> Vec<u8> {
    let mut b = v2_bytes(v);
    b[0] = 3;
    b
}

/// Bytes of a version 2 envelope around the serde payload of `v`.
fn v2_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    let payload = raw_payload(v);
    let mut b = vec![2u8];
    b.extend(crc32fast::hash(&payload).to_le_bytes());
    b.extend(payload);
    b
}
