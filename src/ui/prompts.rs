//! The popups in front of a view: the one-line prompt (a tag, a segment name, a void's
//! reason…) and the yes/no confirmation, and what their answers do.

use super::action::{Action, Effect};
use super::app::{App, Confirm, Prompt, PromptKind};
use super::segments::{SavedSegment, TABS};

impl App {
    pub(super) fn on_prompt(&mut self, action: Action) -> Vec<Effect> {
        if let (Some(PromptKind::OptOut { customer, source }), Action::Input(c)) =
            (self.prompt.as_ref().map(|p| &p.kind), &action)
        {
            let (customer, source, c) = (*customer, *source, *c);
            return self.answer_opt_out(customer, source, c);
        }
        if let (Some(PromptKind::CampaignChannel(at)), Action::Input(c)) =
            (self.prompt.as_ref().map(|p| &p.kind), &action)
        {
            let (at, c) = (*at, *c);
            return self.answer_campaign_channel(at, c);
        }
        let Some(p) = self.prompt.as_mut() else { return vec![] };
        match action {
            Action::Input(c) => p.text.push(c),
            Action::Backspace => {
                p.text.pop();
            }
            Action::ClearInput => p.text.clear(),
            Action::Cancel | Action::Back => self.prompt = None,
            Action::Quit => return self.quit(),
            Action::Submit => {
                let Some(p) = self.prompt.take() else { return vec![] };
                return self.submit_prompt(p);
            }
            _ => {}
        }
        vec![]
    }

    fn submit_prompt(&mut self, p: Prompt) -> Vec<Effect> {
        let text = p.text.trim().to_string();
        // A pasted page of text is refused here, where the operator can still trim it, rather
        // than by the store after the prompt is gone.
        if let Err(e) = crate::domain::check_len("text", &text, crate::domain::MAX_TEXT) {
            self.status = crate::ui::Notice::text(crate::i18n::domain_error_in(self.lang, &e));
            self.prompt = Some(p);
            return vec![];
        }
        // A resolution needs no note; everything else does.
        if let PromptKind::Resolve(_) = p.kind {
            return self.submit_correction(p.kind, text);
        }
        if text.is_empty() {
            self.status = crate::notice!("nothing typed; nothing changed");
            return vec![];
        }
        match p.kind {
            PromptKind::CampaignChannel(at) => {
                let key = text.chars().next().unwrap_or(' ');
                self.answer_campaign_channel(at, key)
            }
            PromptKind::OptOut { customer, source } => {
                let key = text.chars().next().unwrap_or(' ');
                self.answer_opt_out(customer, source, key)
            }
            PromptKind::Tag(ids) => {
                let mut effects = Vec::new();
                for id in ids {
                    let Some(row) = self.shop.read().model.get(id).cloned() else { continue };
                    let mut c = row.customer.clone();
                    // Same rules as every other tag entry: commas separate, repeats drop.
                    let mut all = c.tags.join(",");
                    all.push(',');
                    all.push_str(&text);
                    c.set_tags(&all);
                    if c.tags != row.customer.tags {
                        effects.push(Effect::SaveCustomer(c));
                    }
                }
                self.status =
                    crate::notice!("tagging {} customer(s) with {}…", effects.len(), format!("{text:?}"));
                self.list.selected.clear();
                effects
            }
            PromptKind::SegmentName(filter) => {
                self.segments.saved.push(SavedSegment { name: text.clone(), filter });
                self.segments.saved_counts = None;
                self.segments.tab = TABS.len() - 1;
                self.segments.cursor = self.segments.saved.len() - 1;
                self.segments.marks.clear();
                self.show_segments();
                self.status = crate::notice!("saved segment {}", format!("{text:?}"));
                vec![Effect::SaveSegments(self.segments.saved.clone())]
            }
            PromptKind::RenameSegment(at) => match self.segments.saved.get_mut(at) {
                Some(seg) => {
                    seg.name = text;
                    vec![Effect::SaveSegments(self.segments.saved.clone())]
                }
                None => vec![],
            },
            PromptKind::Untag(ids) => self.untag(ids, &text),
            PromptKind::RenameTag(from) => {
                let done = crate::notice!("renamed tag {} to {}", &from, &text);
                self.commit(crate::change::Change::RenameTag { from, to: text }, done)
            }
            kind @ (PromptKind::VoidReason(_) | PromptKind::Refund(_) | PromptKind::Resolve(_)) => {
                self.submit_correction(kind, text)
            }
            PromptKind::TopUp { customer, .. } => self.ask_top_up(customer, &text),
            PromptKind::Redeem { customer, .. } => self.ask_redeem(customer, &text),
        }
    }

    /// Takes tag `tag` off these customers (those who have it).
    fn untag(&mut self, ids: Vec<u64>, tag: &str) -> Vec<Effect> {
        let mut effects = Vec::new();
        for id in ids {
            let Some(row) = self.shop.read().model.get(id).cloned() else { continue };
            let mut c = row.customer.clone();
            c.tags.retain(|t| !t.eq_ignore_ascii_case(tag));
            if c.tags != row.customer.tags {
                effects.push(Effect::SaveCustomer(c));
            }
        }
        self.status = if effects.is_empty() {
            crate::notice!("nobody selected has tag {}", tag)
        } else {
            crate::notice!("removing tag {} from {} customer(s)…", format!("{tag:?}"), effects.len())
        };
        self.list.selected.clear();
        effects
    }

    pub(super) fn on_confirm(&mut self, action: Action) -> Vec<Effect> {
        match action {
            // The customer the form resembles opens instead (the form's typing is dropped).
            Action::Open if matches!(self.confirm, Some(Confirm::LooksLike { .. })) => {
                let Some(Confirm::LooksLike { others, .. }) = self.confirm.take() else { return vec![] };
                self.form = None;
                self.status = crate::notice!("not saved; this is the customer already stored");
                match others.first() {
                    Some((id, _)) => self.open_detail(*id),
                    None => vec![],
                }
            }
            Action::Confirm => match self.confirm.take() {
                Some(Confirm::Commit { commit, .. }) => self.commit(commit.change, commit.done),
                Some(Confirm::Undo { .. }) => {
                    self.status = crate::notice!("undoing…");
                    vec![Effect::Undo { consent: true }]
                }
                Some(Confirm::Till(p)) => self.save_purchase(*p),
                Some(Confirm::LooksLike { customer, .. }) => self.save_customer(*customer),
                Some(Confirm::Merge { survivor, loser }) => self.confirm_merge(*survivor, loser),
                Some(Confirm::Reload { stored, .. }) => self.reload_form(stored),
                Some(Confirm::DeleteSegment(at)) if at < self.segments.saved.len() => {
                    let gone = self.segments.saved.remove(at);
                    self.segments.saved_counts = None;
                    self.segments.recount(&self.shop.read().clf);
                    self.segments.cursor =
                        self.segments.cursor.min(self.segments.saved.len().saturating_sub(1));
                    self.status = crate::notice!("deleted segment {}", format!("{:?}", gone.name));
                    vec![Effect::SaveSegments(self.segments.saved.clone())]
                }
                _ => vec![],
            },
            Action::Cancel | Action::Back => {
                match self.confirm.take() {
                    Some(Confirm::Reload { stored, by, .. }) => self.keep_edit(stored, by.as_deref()),
                    Some(Confirm::Till(_) | Confirm::LooksLike { .. }) => {
                        // Back to the form, everything typed still there.
                        if let Some(f) = self.form.as_mut() {
                            f.saving = false;
                        }
                        self.status = crate::notice!("not saved; the form is as you left it");
                    }
                    _ => self.status = crate::notice!("nothing changed"),
                }
                vec![]
            }
            Action::Quit => self.quit(),
            _ => vec![],
        }
    }
}
