//! An edit reaches every view at once: after `Saved(History)` with a new purchase, the list, the
//! detail view and the segment counts all show the customer's new classes.

mod ui_fixture;
use kehu::classify::Dimension;
use kehu::domain::{Money, Purchase};
use kehu::ui::{Action, Effect, View};
use ui_fixture::*;

fn count(a: &kehu::ui::App, dim: Dimension, class: &str) -> u64 {
    a.classifier().segments(dim).iter().find(|r| r.class == class).map_or(0, |r| r.count)
}

#[test]
fn a_new_purchase_changes_classes_in_list_detail_and_segments() {
    let hs = histories(60);
    let ben = hs.iter().find(|h| h.customer.name == "Ben Chen").expect("fixture customer").clone();
    assert!(ben.purchases.is_empty());
    let id = ben.customer.id;
    let mut a = app_with(hs.clone());
    let row = a.model().get(id).unwrap().facts;
    assert_eq!((row.lifecycle.key(), row.activity.key(), row.tier.key()), ("potential", "never", "normal"));
    let (potential, new, gold) = (
        count(&a, Dimension::Lifecycle, "potential"),
        count(&a, Dimension::Lifecycle, "new"),
        count(&a, Dimension::Tier, "gold"),
    );

    // Open the detail view, as staff would before ringing up the sale.
    a.update(Action::StartSearch);
    feed(&mut a, &hs, &typed("ben chen"));
    feed(&mut a, &hs, &[Action::Submit]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, id));
    let before = screen(&draw(&mut a, 100, 40));
    assert!(before.contains("potential —"), "{before}");

    // The purchase form (later) emits this effect; the runtime saves it and reads the history back.
    let mut p = Purchase::new(id, today(), Money::units(9_000), 1).unwrap();
    p.id = 99_999;
    let effect = Effect::SavePurchase(p.clone());
    assert!(matches!(effect, Effect::SavePurchase(_)));
    let mut after_h = ben.clone();
    after_h.purchases.push(p);
    a.update(Action::Saved(Box::new(after_h)));

    // Detail: the new classes and the purchase.
    let detail = screen(&draw(&mut a, 100, 40));
    // Gold at once, held to the end of the year.
    assert!(
        detail.contains("new —") && detail.contains("gold until 2024-12-31 — reached 9000.00 on 2024-06-30"),
        "{detail}"
    );
    assert!(detail.contains("9000.00"), "{detail}");
    // List: the row shows the new tier, lifecycle and activity.
    a.update(Action::Back);
    let f = a.model().get(id).unwrap().facts;
    assert_eq!((f.lifecycle.key(), f.activity.key(), f.tier.key()), ("new", "active", "gold"));
    let list = screen(&draw(&mut a, 80, 24));
    let line = list.lines().find(|l| l.contains("Ben Chen")).expect("row shown");
    assert!(line.contains("gold") && line.contains("new") && line.contains("active"), "{line}");
    // Segments: the counts moved.
    assert_eq!(count(&a, Dimension::Lifecycle, "potential"), potential - 1);
    assert_eq!(count(&a, Dimension::Lifecycle, "new"), new + 1);
    assert_eq!(count(&a, Dimension::Tier, "gold"), gold + 1);
    a.update(Action::ShowSegments);
    let seg = screen(&draw(&mut a, 80, 24));
    let line = seg.lines().find(|l| l.contains(" new ")).expect("new row");
    assert!(line.contains(&(new + 1).to_string()), "{line}");
    // A filter on the old class no longer lists the customer.
    a.update(Action::Open);
    assert!(!a.list().shown.contains(&id));
}

#[test]
fn a_saved_tag_is_searchable_at_once() {
    let hs = histories(20);
    let mut a = app_with(hs.clone());
    let mut h = hs[3].clone();
    h.customer.tags.push("团购".into());
    a.update(Action::Saved(Box::new(h.clone())));
    a.update(Action::StartSearch);
    feed(&mut a, &hs, &typed("团购"));
    assert_eq!(a.list().shown, vec![h.customer.id]);
}

#[test]
fn pinyin_initials_and_exact_card_find_the_customer_first() {
    let hs = histories(40);
    let mut a = app_with(hs.clone());
    let mut h = hs[5].clone();
    h.customer.name = "王秀英".into();
    h.customer.reference = Some("88001234".into());
    a.update(Action::Saved(Box::new(h.clone())));
    for query in ["wangxiuy", "wxiuy", "wangxiuying", "88001234"] {
        a.update(Action::StartSearch);
        feed(&mut a, &hs, &typed(query));
        assert_eq!(a.list().shown.first(), Some(&h.customer.id), "{query}");
        a.update(Action::Cancel);
    }
    // Initials alone may fit other names too (王欣怡…): ours is among the first few.
    a.update(Action::StartSearch);
    feed(&mut a, &hs, &typed("wxy"));
    let at = a.list().shown.iter().position(|id| *id == h.customer.id);
    assert!(at.is_some_and(|i| i < 5), "{at:?}");
}

/// The edit form of `id` with " B" typed after the name and saved: the save effect.
fn edit_and_save(a: &mut kehu::ui::App, id: u64) {
    use kehu::ui::form::FormKey;
    a.act(Action::OpenForm(kehu::ui::FormRequest::EditCustomer { customer: id }));
    for k in [FormKey::End, FormKey::Char(' '), FormKey::Char('B')] {
        a.act(Action::FormKey(k));
    }
    let effects = a.act(Action::FormKey(FormKey::CtrlS));
    assert!(matches!(effects.as_slice(), [Effect::SaveCustomer(_)]), "{effects:?}");
}

#[test]
fn a_conflict_shows_their_stored_values_beside_the_edit_field_by_field() {
    use kehu::i18n::Lang;
    use kehu::ui::Confirm;
    let hs = histories(60);
    for (lang, who) in [(Lang::En, "Grace Smith"), (Lang::Zh, "朱霞芳")] {
        let h = hs.iter().find(|h| h.customer.name == who).expect("fixture customer").clone();
        let (id, name) = (h.customer.id, h.customer.name.clone());
        let old_phone = h.customer.phone.as_ref().map(|p| p.as_str().to_string()).expect("a phone");
        let mut a = app_with(hs.clone());
        a.set_lang(lang);
        edit_and_save(&mut a, id);
        // Meanwhile alice renamed the customer and gave them a new phone.
        let mut theirs = h.clone();
        theirs.customer.name = format!("{name} A");
        theirs.customer.phone = Some(kehu::domain::Phone::parse("13900001111").unwrap());
        theirs.customer.revision += 1;
        a.act(Action::Conflict { current: Box::new(theirs), by: Some("alice".into()) });

        // The question holds both sides of each field that differs, and only those.
        let Some(Confirm::Reload { fields, .. }) = a.confirm() else { panic!("{:?}", a.confirm()) };
        let shown: Vec<(&str, &str, &str)> =
            fields.iter().map(|d| (d.label, d.theirs.as_str(), d.yours.as_str())).collect();
        let (theirs_name, yours_name) = (format!("{name} A"), format!("{name} B"));
        assert_eq!(
            shown,
            vec![
                ("Name", theirs_name.as_str(), yours_name.as_str()),
                ("Phone", "13900001111", old_phone.as_str())
            ],
            "{lang:?}"
        );

        // Drawn at 80x24: a row per field, theirs then yours, under the question.
        let s = screen(&draw(&mut a, 80, 24));
        let row = |what: &str| s.lines().find(|l| l.contains(what)).unwrap_or_else(|| panic!("{what}\n{s}"));
        assert!(row(&theirs_name).contains(&yours_name), "{lang:?}\n{s}");
        let phone_row = row("13900001111");
        assert!(phone_row.contains(&old_phone), "{lang:?}\n{s}");
        let label = if lang == Lang::En { "Phone" } else { "电话" };
        assert!(phone_row.contains(label), "{lang:?}: {phone_row}");
        assert!(s.contains("alice"), "{lang:?}\n{s}");
        // The headings say which side is which.
        let (t, y) = if lang == Lang::En { ("theirs", "yours") } else { ("对方", "你的") };
        assert!(row(t).contains(y), "{lang:?}\n{s}");
        insta::assert_snapshot!(format!("conflict_{lang:?}_80x24"), draw(&mut a, 80, 24).backend());
    }
}
