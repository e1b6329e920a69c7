//! Running the App's effects against a store, and turning their results back into actions.
//! Every write is one [`Change`] committed for the operator (audited and journaled in the same
//! transaction, flushed before it returns); the customer is then read back so that the App
//! reclassifies what was actually stored.

use crate::change::{Applied, Change};
use crate::domain::History;
use crate::store::{Store, StoreError};
use crate::ui::{Action, Effect, Notice, SavedSegment};

/// Runs one effect; the actions to feed back to the App. `Quit` is the caller's business.
/// Changes are audited as the local login name; [`run_as`] names another operator.
pub fn run(store: &dyn Store, effect: Effect) -> Vec<Action> {
    run_as(store, effect, &super::operator())
}

/// Runs one effect for `operator`, who is named in the audit log of every change it makes.
pub fn run_as(store: &dyn Store, effect: Effect, operator: &str) -> Vec<Action> {
    match execute(store, effect, operator) {
        Ok(actions) => actions,
        Err(e) => match e.downcast_ref::<StoreError>() {
            Some(StoreError::Stale { id, .. }) => {
                conflict(store, *id).unwrap_or_else(|_| vec![Action::Failed(Notice::text(format!("{e:#}")))])
            }
            _ => vec![Action::Failed(Notice::text(format!("{e:#}")))],
        },
    }
}

/// Fits the models on the classifier's customers and stores them for the next start.
pub fn fit(
    input: (Vec<crate::classify::Summary>, chrono::NaiveDate),
    store: &dyn Store,
    operator: &str,
) -> Action {
    let (summaries, today) = input;
    let fitted =
        crate::classify::fit_summaries(&summaries, today).map_err(anyhow::Error::from).and_then(|m| {
            let key = crate::classify::MODEL_SETTING.to_string();
            store.commit(Change::Setting { key, value: Some(m.to_bytes()) }, operator)?;
            Ok(m)
        });
    match fitted {
        Ok(m) => Action::ModelFitted(Box::new(m)),
        Err(e) => Action::Failed(crate::notice!("cannot fit the model: {}", format!("{e:#}"))),
    }
}

fn execute(store: &dyn Store, effect: Effect, operator: &str) -> anyhow::Result<Vec<Action>> {
    Ok(match effect {
        Effect::SaveCustomer(c) => {
            let mut c = *c;
            // The App has no clock; the runtime stamps the edit (and the creation of a new one).
            c.updated = chrono::Utc::now();
            if c.id == 0 {
                c.created = c.updated;
            }
            let id = match store.commit(Change::SaveCustomer(c), operator)?.applied {
                Applied::Customer(saved) => saved.id,
                other => anyhow::bail!("the store answered a saved customer with {other:?}"),
            };
            saved_history(store, id)?
        }
        Effect::SavePurchase(p) => {
            let customer = p.customer;
            store.commit(Change::AddPurchase(p), operator)?;
            saved_history(store, customer)?
        }
        Effect::SaveInteraction(i) => {
            let customer = i.customer;
            store.commit(Change::AddInteraction(i), operator)?;
            saved_history(store, customer)?
        }
        Effect::Merge { survivor, loser, referred } => {
            let mut survivor = *survivor;
            survivor.updated = chrono::Utc::now();
            let id = survivor.id;
            store.commit(Change::Merge { survivor, loser }, operator)?;
            let merged = store.history(id)?.ok_or(StoreError::NoSuchCustomer(id))?;
            // The store pointed the loser's referrals at the survivor; read them back so that
            // the App's copies carry their new revisions.
            let mut again = Vec::new();
            for id in referred {
                again.extend(store.history(id)?);
            }
            vec![Action::Merged { survivor: Box::new(merged), loser, referred: again }]
        }
        Effect::LoadHistory(id) => match store.history(id)? {
            Some(h) => vec![Action::HistoryLoaded(Box::new(h))],
            None => vec![Action::Failed(crate::notice!("customer #{} no longer exists", id))],
        },
        Effect::SaveSegments(list) => {
            let key = crate::ui::segments_settings_key().to_string();
            store.commit(Change::Setting { key, value: Some(serde_json::to_vec(&list)?) }, operator)?;
            vec![]
        }
        Effect::LoadDemo { customers, seed, today, rules } => {
            if store.customer_count()? > 0 {
                return Ok(vec![Action::Failed(crate::notice!(
                    "the database is not empty; demo data goes into an empty one"
                ))]);
            }
            crate::demo::fill_store(store, customers, seed, today, operator)?;
            vec![Action::Loaded(Box::new(super::loader::read_all(store, *rules, today)?))]
        }
        // The reveal names its operator itself (the App's); the audit log keeps it.
        Effect::AuditReveal { customer, operator } => {
            store.commit(Change::RevealPhone { customer }, &operator)?;
            vec![]
        }
        // A refusal names its operator itself, like a reveal.
        Effect::AuditRefusal { customer, operator, what, needs, role } => {
            store.commit(Change::Refused { customer, what: what.to_string(), needs, role }, &operator)?;
            vec![]
        }
        Effect::LoadRecorders(customer) => vec![recorders(store, customer)?],
        Effect::LoadDayClose(date) => {
            let mut book = crate::report::day::DayBook::new(date);
            store.for_each_history(&mut |h| book.push(&h))?;
            vec![Action::DayCloseLoaded(Box::new(book.finish(0)))]
        }
        Effect::Commit(c) => {
            let change = stamped(c.change);
            let done = store.commit(change.clone(), operator)?;
            vec![crate::ui::commit_answer(&change, &done, &mut |id| store.history(id), c.done)?]
        }
        Effect::Undo { consent } => undo(store, operator, consent)?,
        Effect::MakeCampaign(request) => vec![make_campaign(store, &request, operator)?],
        Effect::LoadChanges(customer) => {
            vec![Action::ChangesLoaded { customer, entries: store.audit_entries(Some(customer))? }]
        }
        Effect::FindFormerCard(card) => {
            let by_ref = store.former_ref(card.trim())?;
            let id = match by_ref {
                Some(id) => Some(id),
                None => match crate::domain::Phone::parse(&card) {
                    Ok(phone) => store.former_phone(&phone)?,
                    Err(_) => None,
                },
            };
            vec![Action::FormerCard { card, id }]
        }
        // The runtimes run searches on their search thread; run here, it answers at once.
        Effect::Search(job) => vec![job.run_now()],
        // Quit ends the loop and FitModel needs the App's classifier: `dispatch` handles both.
        Effect::Quit | Effect::FitModel => vec![],
    })
}

/// Who recorded each purchase of `customer`: the operator of the oldest audit entry that added
/// it, wherever it was added (a merge moves purchases with their ids); None for purchases no
/// entry added (imports and demo data log one entry for the whole batch).
fn recorders(store: &dyn Store, customer: u64) -> anyhow::Result<Action> {
    let Some(h) = store.history(customer)? else {
        return Ok(Action::Failed(crate::notice!("customer #{} no longer exists", customer)));
    };
    let mut recorders: crate::ui::role::Recorders = h.purchases.iter().map(|p| (p.id, None)).collect();
    for e in store.audit_entries(None)? {
        if let Some(id) = e.added_purchase()
            && let Some(by) = recorders.get_mut(&id)
            && by.is_none()
        {
            *by = Some(e.operator);
        }
    }
    Ok(Action::RecordersLoaded { customer, recorders })
}

/// Takes back the operator's last change, or says why not.
fn undo(store: &dyn Store, operator: &str, consent: bool) -> anyhow::Result<Vec<Action>> {
    let Some(u) = crate::change::undo::last(store, Some(operator))? else {
        return Ok(vec![Action::Notice(crate::notice!("nothing of {}'s to undo", operator))]);
    };
    let what = u.entry.what.clone();
    match crate::change::undo::apply(store, &u, operator, consent) {
        Ok(done) => {
            let change = Change::Undo { seq: u.entry.seq, what: what.clone(), change: Box::new(u.inverse) };
            let note = crate::notice!(
                "took back: {} (#{} by {})",
                crate::ui::NoticeArg::Change(what.clone()),
                u.entry.customer,
                crate::text::terminal_safe(&u.entry.operator)
            );
            Ok(vec![crate::ui::commit_answer(&change, &done, &mut |id| store.history(id), note)?])
        }
        Err(StoreError::NeedsConsent(since)) => Ok(vec![Action::UndoAsks { what, since }]),
        Err(e) => Ok(vec![Action::Failed(crate::notice!(
            "cannot undo {}: {}",
            crate::ui::NoticeArg::Change(what.clone()),
            e
        ))]),
    }
}

/// The change with the clock's time on what the App could not stamp (a void's time).
fn stamped(change: Change) -> Change {
    let now = chrono::Utc::now();
    let stamp = |v: &mut Option<crate::domain::Void>| {
        if let Some(v) = v.as_mut()
            && v.at == chrono::DateTime::UNIX_EPOCH
        {
            v.at = now;
        }
    };
    match change {
        Change::ReplacePurchase { before, mut after } => {
            stamp(&mut after.void);
            Change::ReplacePurchase { before, after }
        }
        Change::ReplaceInteraction { before, mut after } => {
            stamp(&mut after.void);
            Change::ReplaceInteraction { before, after }
        }
        Change::SaveCustomer(mut c) => {
            c.updated = now;
            Change::SaveCustomer(c)
        }
        other => other,
    }
}

/// The answer to a save refused as stale: the stored version and who changed it last.
fn conflict(store: &dyn Store, id: u64) -> anyhow::Result<Vec<Action>> {
    let Some(current) = store.history(id)? else {
        return Ok(vec![Action::Failed(crate::notice!("customer #{} no longer exists", id))]);
    };
    let by = store.audit_entries(Some(id))?.pop().map(|e| e.operator);
    Ok(vec![Action::Conflict { current: Box::new(current), by }])
}

fn saved_history(store: &dyn Store, id: u64) -> anyhow::Result<Vec<Action>> {
    match store.history(id)? {
        Some(h) => Ok(vec![Action::Saved(Box::new(h))]),
        None => Ok(vec![Action::Failed(crate::notice!("customer #{} vanished after saving", id))]),
    }
}

/// Every customer's history, in id order.
pub fn all_histories(store: &dyn Store) -> anyhow::Result<Vec<History>> {
    let mut out = Vec::new();
    store.for_each_history(&mut |h| out.push(h))?;
    Ok(out)
}

/// The saved segments from the store's settings (none when unset or unreadable).
pub fn saved_segments(store: &dyn Store) -> anyhow::Result<Vec<SavedSegment>> {
    Ok(match store.setting(crate::ui::segments_settings_key())? {
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        None => Vec::new(),
    })
}

/// Makes the campaign the console asked for and writes its list beside the database
/// (`DIR.campaigns/NAME.csv`, where `DIR` is the database directory); the notice says where
/// and how many were left out for want of consent.
fn make_campaign(
    store: &dyn Store,
    request: &crate::campaign::export::Request,
    operator: &str,
) -> anyhow::Result<Action> {
    use std::io::Write;
    let db = store
        .location()
        .ok_or_else(|| anyhow::anyhow!("this database has no directory to write a list beside"))?;
    let dir = campaign_dir(&db);
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot make {}: {e}", crate::text::shown_path(&dir)))?;
    let made = crate::campaign::export::make(store, &request.spec, &request.candidates, operator)?;
    let c = &made.campaign;
    let path = dir.join(format!("{}.csv", file_name(&c.name)));
    let part = path.with_extension("part");
    let mut f = std::io::BufWriter::new(
        crate::campaign::export::create_private(&part)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", crate::text::shown_path(&part)))?,
    );
    crate::campaign::export::write_csv(c.channel, &made.list, &mut f, &|s| s.to_string())?;
    f.flush()?;
    f.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error()))?.sync_all()?;
    std::fs::rename(&part, &path)?;
    Ok(Action::Notice(crate::notice!(
        "campaign {}: {} on the list, {} held out, {} left out without consent; written to {}",
        format!("{:?}", c.name),
        c.contacted.len(),
        c.control.len(),
        c.excluded_no_consent,
        crate::text::shown_path(&path)
    )))
}

/// Where the console writes campaign lists: `DIR.campaigns` beside the database directory
/// (never inside it: backups and salvage own what is there).
pub fn campaign_dir(db: &std::path::Path) -> std::path::PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "kehu".into());
    name.push(".campaigns");
    db.with_file_name(name)
}

/// A campaign name as a file name: path separators, control characters and the characters
/// Windows refuses become `_`.
fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect()
}
