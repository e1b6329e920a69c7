//! The search as the App asks for it: each change of the query is an `Effect::Search` with a
//! generation, answered later by an `Action::Searched`; stale answers are dropped, Enter before
//! the answer opens the answer's best hit, a best-so-far shows until the whole list comes, and
//! an edit made while a search reads the keys leaves that search's keys alone.

mod ui_fixture;

use kehu::search::Answer;
use kehu::ui::{Action, App, AppInit, CardPattern, ConsoleOptions, Effect, Mode, SearchJob, View};
use ui_fixture::*;

/// The one search among `effects`.
fn job(effects: Vec<Effect>) -> SearchJob {
    let mut jobs: Vec<SearchJob> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Search(j) => Some(j),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), 1, "one search per change of the query");
    jobs.remove(0)
}

fn searching(a: &mut App) {
    assert!(a.update(Action::StartSearch).is_empty());
}

#[test]
fn keys_ask_for_numbered_searches_and_stale_answers_are_dropped() {
    let mut a = app();
    searching(&mut a);
    let all = a.list().shown.clone();
    let first = job(a.update(Action::Input('朱')));
    let second = job(a.update(Action::Input('霞')));
    assert!(second.generation > first.generation);
    assert_eq!((first.query.as_str(), second.query.as_str()), ("朱", "朱霞"));
    assert_eq!(a.list().shown, all, "the list waits for the answer");
    assert_eq!(a.list().awaited_search(), Some(second.generation));

    // The first answer arrives late: dropped.
    a.update(first.run_now());
    assert_eq!(a.list().shown, all);
    assert_eq!(a.list().awaited_search(), Some(second.generation));
    a.update(second.run_now());
    assert_eq!(a.list().shown, vec![26]);
    assert_eq!(a.list().awaited_search(), None);
    // Answered twice (a runtime repeating itself): the second is dropped too.
    let before = a.list().shown.clone();
    a.update(Action::Searched { generation: second.generation, answer: Box::new(Answer::default()) });
    assert_eq!(a.list().shown, before);
}

#[test]
fn clearing_the_query_shows_everyone_at_once_and_drops_the_answer_on_its_way() {
    let mut a = app();
    searching(&mut a);
    let j = job(a.update(Action::Input('朱')));
    let effects = a.update(Action::ClearInput);
    assert!(effects.is_empty(), "a blank query needs no search: {effects:?}");
    assert_eq!(a.list().shown.len(), 60);
    a.update(j.run_now());
    assert_eq!(a.list().shown.len(), 60, "the answer for 朱 came too late");
}

#[test]
fn enter_before_the_answer_opens_the_best_hit_of_what_was_typed() {
    let options = ConsoleOptions { card_pattern: CardPattern::Alphanumeric, ..ConsoleOptions::default() };
    let mut a = app_from(AppInit { options, ..init(histories(60)) });
    searching(&mut a);
    for c in "M0000092".chars() {
        job(a.update(Action::Input(c)));
    }
    // A card-shaped query that is one customer's ref opens at once, answer or not...
    let effects = a.update(Action::Submit);
    assert_eq!(effects, vec![Effect::LoadHistory(92)]);
    assert_eq!(a.view(), View::Detail);

    // ...any other query opens the best hit once the answer comes.
    let mut a = app();
    searching(&mut a);
    let j = job(a.update(Action::Input('朱')));
    let j = Some(job(a.update(Action::Input('霞')))).filter(|k| k.generation > j.generation).expect("newer");
    assert!(a.update(Action::Submit).is_empty(), "nothing to open yet");
    assert_eq!((a.view(), a.mode()), (View::List, Mode::List));
    assert_eq!(a.update(j.run_now()), vec![Effect::LoadHistory(26)]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, 26));
}

#[test]
fn a_best_so_far_shows_until_the_whole_answer_comes() {
    let mut a = app();
    searching(&mut a);
    let j = job(a.update(Action::Input('王')));
    let Action::Searched { answer, .. } = j.run_now() else { panic!("an answer") };
    assert!(answer.ids.len() > 2, "several hits: {:?}", answer.ids);
    let best = Answer { ids: answer.ids[..2].to_vec(), highlights: vec![], complete: false };
    a.update(Action::Searched { generation: j.generation, answer: Box::new(best) });
    assert_eq!(a.list().shown, answer.ids[..2].to_vec());
    assert_eq!(a.list().awaited_search(), Some(j.generation), "still waiting for the rest");
    a.update(Action::Searched { generation: j.generation, answer: answer.clone() });
    assert_eq!(a.list().shown, answer.ids);
    assert_eq!(a.list().awaited_search(), None);
}

#[test]
fn an_edit_while_a_search_reads_the_keys_leaves_them_to_it() {
    let hs = histories(60);
    let mut a = app();
    searching(&mut a);
    let j = job(a.update(Action::Input('朱')));
    // A customer renamed (saved elsewhere) while the search thread holds the keys.
    let mut h = hs.iter().find(|h| !h.customer.name.contains('朱')).expect("a customer not named 朱").clone();
    let id = h.customer.id;
    assert!(!h.customer.name.contains('朱'));
    h.customer.name = "朱新名".into();
    h.customer.revision += 1;
    let again = job(a.update(Action::ChangedElsewhere { history: Box::new(h), by: "other".into() }));
    let Action::Searched { answer: old, .. } = j.run_now() else { panic!("an answer") };
    assert!(!old.ids.contains(&id), "the running search sees the keys as they were");
    a.update(j.run_now());
    a.update(again.run_now());
    assert!(a.list().shown.contains(&id), "the search asked for after the edit finds the new name");
}

#[test]
fn each_search_starts_empty_and_ctrl_p_brings_back_the_last() {
    let mut a = app();
    searching(&mut a);
    let j = job(a.update(Action::Input('朱')));
    a.update(j.run_now());
    a.update(Action::Submit);
    assert_eq!(a.view(), View::Detail);
    a.update(Action::Back);
    // The next till customer: `/` starts a blank query, not "朱" to delete first.
    a.update(Action::StartSearch);
    assert_eq!(a.list().query, "");
    assert_eq!(a.list().shown.len(), 60, "a blank query shows everyone");
    let again = job(a.update(Action::RecallSearch));
    assert_eq!(again.query, "朱");
    assert_eq!(a.list().query, "朱");
    let help = kehu::ui::Keymap::default().help(Mode::Search);
    assert!(
        help.iter().any(|(keys, what)| keys.contains("ctrl-p") && *what == "last search again"),
        "{help:?}"
    );
}
