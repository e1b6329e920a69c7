//! Key handling per view and popup: the parts of [`App::update`] that depend on what is shown.

use super::action::{Action, Effect, FormRequest};
use super::app::{App, Confirm, Prompt, PromptKind, View};
use super::columns::SORTABLE;
use super::layout::table_hit;
use super::segments::{SegmentTab, TABS, filter_label};

/// Moves a table cursor over `n` rows for the movement actions; returns whether `action` was one.
pub(super) fn move_cursor(cursor: &mut usize, n: usize, page: usize, action: &Action) -> bool {
    let last = n.saturating_sub(1);
    *cursor = match action {
        Action::Down | Action::ScrollDown => (*cursor + 1).min(last),
        Action::Up | Action::ScrollUp => cursor.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageDown => (*cursor + page).min(last),
        Action::PageUp => cursor.saturating_sub(page),
        _ => return false,
    };
    true
}

/// The status line while a search is typed.
pub(super) const SEARCH_HINT: &str =
    "type to search name, phone, email, ref, tags · enter opens · esc clears · ctrl-p last search";

impl App {
    pub(super) fn on_list(&mut self, action: Action) -> Vec<Effect> {
        let page = self.page() as isize;
        let body = self.view_body();
        let l = &mut self.list;
        if l.searching {
            match action {
                Action::Input(c) => {
                    l.query.push(c);
                    l.cursor = 0;
                    l.research();
                }
                Action::Backspace => {
                    l.query.pop();
                    l.research();
                }
                Action::ClearInput => {
                    l.query.clear();
                    l.research();
                }
                Action::RecallSearch if !l.last_query.is_empty() => {
                    l.query = l.last_query.clone();
                    l.cursor = 0;
                    l.research();
                }
                Action::Cancel => {
                    l.searching = false;
                    self.status.clear();
                    l.query.clear();
                    l.research();
                }
                Action::Submit => {
                    // A card number that is exactly one customer's ref or phone wins over the
                    // ranking; otherwise the top match opens (a scanner types the card and Enter).
                    let exact = self.exact_card_in_search();
                    let l = &mut self.list;
                    l.searching = false;
                    self.status.clear();
                    if let Some(id) = exact {
                        return self.open_detail(id);
                    }
                    // A card number nobody has now may be one a merge took away.
                    let q = self.list.query.trim().to_string();
                    if self.card_pattern().matches(&q) && self.customers_with_card(&q).is_empty() {
                        self.status = crate::notice!("looking up card {}…", &q);
                        return vec![Effect::FindFormerCard(q)];
                    }
                    let l = &mut self.list;
                    // Enter typed before the answer (a scanner types fast): the top hit of
                    // what was typed opens when it comes, never the one of an older query.
                    if l.query.is_empty() || l.search.open_when_answered() {
                        return vec![];
                    }
                    if let Some(id) = l.current() {
                        return self.open_detail(id);
                    }
                }
                Action::Down => l.move_by(1),
                Action::Up => l.move_by(-1),
                Action::PageDown => l.move_by(page),
                Action::PageUp => l.move_by(-page),
                Action::Quit => return self.quit(),
                _ => {}
            }
            return vec![];
        }
        match action {
            Action::Down | Action::ScrollDown => l.move_by(if action == Action::Down { 1 } else { 3 }),
            Action::Up | Action::ScrollUp => l.move_by(if action == Action::Up { -1 } else { -3 }),
            Action::Top => l.cursor = 0,
            Action::Bottom => l.cursor = l.shown.len().saturating_sub(1),
            Action::PageDown => l.move_by(page),
            Action::PageUp => l.move_by(-page),
            Action::Click(_, y) => {
                if let Some(at) = table_hit(body, 0, l.offset, l.shown.len(), y) {
                    l.cursor = at;
                }
            }
            Action::Open => {
                if let Some(id) = l.current() {
                    return self.open_detail(id);
                }
            }
            Action::StartSearch => {
                // A new search starts empty; the one before is kept for Ctrl-P.
                if !l.query.is_empty() {
                    l.last_query = std::mem::take(&mut l.query);
                    l.cursor = 0;
                    l.research();
                }
                l.searching = true;
                self.status = super::Notice::new(SEARCH_HINT, vec![]);
            }
            Action::Back => {
                if !l.query.is_empty() {
                    l.query.clear();
                    l.research();
                } else if !l.selected.is_empty() {
                    l.selected.clear();
                } else if !l.filter.is_empty() {
                    l.filter.clear();
                    l.rebuild(&self.shop.read().model, &self.shop.read().clf);
                    self.status = crate::notice!("filter cleared");
                }
            }
            Action::ToggleSelect => {
                if let Some(id) = l.current() {
                    if !l.selected.remove(&id) {
                        l.selected.insert(id);
                    }
                    l.move_by(1);
                }
            }
            Action::SelectAll => {
                if l.shown.iter().all(|id| l.selected.contains(id)) {
                    l.selected.clear();
                } else {
                    l.selected.extend(l.shown.iter().copied());
                }
            }
            Action::TagSelected | Action::UntagSelected => {
                let ids: Vec<u64> = if l.selected.is_empty() {
                    l.current().into_iter().collect()
                } else {
                    l.selected.iter().copied().collect()
                };
                if !ids.is_empty() {
                    let kind = if action == Action::TagSelected {
                        PromptKind::Tag(ids)
                    } else {
                        PromptKind::Untag(ids)
                    };
                    self.prompt = Some(Prompt { kind, text: String::new() });
                }
            }
            Action::CycleSort => {
                let at = SORTABLE.iter().position(|c| *c == l.sort).unwrap_or(0);
                l.sort = SORTABLE[(at + 1) % SORTABLE.len()];
                l.rebuild(&self.shop.read().model, &self.shop.read().clf);
                self.status = crate::notice!(
                    "sorted by {}",
                    super::NoticeArg::Term(l.sort.map_or("id", |c| c.title()))
                );
            }
            Action::FlipSort => {
                l.dir = l.dir.flip();
                l.rebuild(&self.shop.read().model, &self.shop.read().clf);
            }
            Action::PickFilter => {
                self.segments.marks = l.filter.clone();
                self.show_segments();
                self.status = crate::notice!("space marks classes, enter filters the list by them");
            }
            Action::ClearFilter => {
                l.filter.clear();
                l.rebuild(&self.shop.read().model, &self.shop.read().clf);
                self.status = crate::notice!("filter cleared");
            }
            Action::AddCustomer => return self.open_form(FormRequest::AddCustomer),
            Action::EditCustomer | Action::RecordPurchase | Action::LogInteraction => {
                if let Some(customer) = l.current() {
                    return self.open_form(form_for(&action, customer));
                }
            }
            Action::TopUp | Action::RedeemPoints => return self.on_till_key(action),
            _ => {}
        }
        vec![]
    }

    pub(super) fn on_detail(&mut self, action: Action) -> Vec<Effect> {
        if let Some(effects) = self.on_records(&action) {
            return effects;
        }
        // A page is the document's lines on screen: none skipped, none shown twice.
        let page = self.detail_height();
        let d = &mut self.detail;
        match action {
            Action::Down | Action::ScrollDown => d.scroll += 1,
            Action::Up | Action::ScrollUp => d.scroll = d.scroll.saturating_sub(1),
            Action::PageDown => d.scroll += page,
            Action::PageUp => d.scroll = d.scroll.saturating_sub(page),
            Action::Top => d.scroll = 0,
            // Clamped to the last full page below, from the document as drawn: no guess at
            // how many lines come before the records.
            Action::Bottom => d.scroll = usize::MAX,
            Action::Back => self.view = self.back_to,
            Action::Click(_, y) => self.click_detail(y),
            Action::EditCustomer | Action::RecordPurchase | Action::LogInteraction => {
                let id = d.id;
                return self.open_form(form_for(&action, id));
            }
            Action::UntagSelected => {
                self.prompt = Some(Prompt { kind: PromptKind::Untag(vec![d.id]), text: String::new() });
            }
            Action::TopUp | Action::RedeemPoints => return self.on_till_key(action),
            _ => {}
        }
        // Never scroll past the last full page: Up after G must move the view at once.
        self.detail.scroll = self.detail.scroll.min(self.detail_max_scroll());
        vec![]
    }

    /// The detail document as the view draws it now (None when the customer is gone).
    pub(super) fn detail_document(&self) -> Option<super::detail::Document> {
        let shop = self.shop.read();
        let row = shop.model.get(self.detail.id)?;
        let profile = shop.clf.profile(self.detail.id);
        let width = self.size.0 as usize;
        let session = super::detail::Session { rules: shop.clf.rules(), today: self.today };
        Some(super::detail::document(
            row,
            profile.as_ref(),
            &self.detail,
            self.phone_mask(),
            width,
            self.lang,
            session,
        ))
    }

    /// The scroll offset that shows the detail document's last line at the bottom.
    fn detail_max_scroll(&self) -> usize {
        let lines = self.detail_document().map_or(0, |d| d.lines.len());
        lines.saturating_sub(self.detail_height())
    }

    /// Where the detail view's parts are on the current screen (as drawn).
    pub(super) fn detail_layout(&self) -> super::layout::DetailLayout {
        let flags = super::detail::flag_rows(&self.shop.read().dupes, self.detail.id);
        super::layout::detail(super::layout::body_of(self.size), flags, self.detail.history.is_some())
    }

    /// Lines of the detail document on screen.
    pub(super) fn detail_height(&self) -> usize {
        (self.detail_layout().doc.height as usize).max(1)
    }

    /// A click in the detail view: on a record's line, the records cursor goes there.
    fn click_detail(&mut self, y: u16) {
        let doc = self.detail_layout().doc;
        if y < doc.y || y >= doc.y + doc.height {
            return;
        }
        let Some(lines) = self.detail_document() else { return };
        // The view draws from the scroll clamped to the last page, as here.
        let scroll = self.detail.scroll.min(lines.lines.len().saturating_sub(doc.height as usize));
        let line = scroll + (y - doc.y) as usize;
        if let Some(at) = lines.records.iter().position(|&l| l == line) {
            self.detail.pick = Some(at);
        }
    }

    pub(super) fn on_segments(&mut self, action: Action) -> Vec<Effect> {
        let n = self.segments.len(&self.shop.read().clf);
        let page = self.page();
        let body = self.view_body();
        let s = &mut self.segments;
        match action {
            ref a if move_cursor(&mut s.cursor, n, page, a) => {}
            Action::Left | Action::Right => {
                let len = TABS.len();
                s.tab = if action == Action::Right { (s.tab + 1) % len } else { (s.tab + len - 1) % len };
                s.cursor = 0;
                if s.current() == SegmentTab::Saved && s.saved_counts.is_none() {
                    s.recount(&self.shop.read().clf);
                }
            }
            Action::Click(_, y) => {
                // Below the dimension's title line.
                if let Some(at) = table_hit(body, 1, s.offset, n, y) {
                    s.cursor = at;
                }
            }
            Action::MarkClass => {
                if let Some(c) = s.cursor_class(&self.shop.read().clf) {
                    match s.marks.iter().position(|m| *m == c) {
                        Some(at) => {
                            s.marks.remove(at);
                        }
                        None => s.marks.push(c),
                    }
                    self.status = crate::notice!("marked: {}", filter_label(&self.segments.marks));
                }
            }
            Action::Open => {
                let filter = match s.current() {
                    SegmentTab::Saved => match s.saved.get(s.cursor) {
                        Some(seg) => seg.filter.clone(),
                        None => return vec![],
                    },
                    SegmentTab::Dimension(_) if !s.marks.is_empty() => std::mem::take(&mut s.marks),
                    SegmentTab::Dimension(_) => match s.cursor_class(&self.shop.read().clf) {
                        Some(c) => vec![c],
                        None => return vec![],
                    },
                };
                self.status = crate::notice!("filter: {}", filter_label(&filter));
                self.list.filter = filter;
                self.list.query.clear();
                self.list.cursor = 0;
                self.list.rebuild(&self.shop.read().model, &self.shop.read().clf);
                self.view = View::List;
            }
            Action::Refit => {
                self.status = crate::notice!("fitting the P(alive) model on every customer…");
                return vec![Effect::FitModel];
            }
            Action::CampaignList => return self.ask_campaign_channel(),
            Action::NewSegment => {
                let filter = if s.marks.is_empty() { self.list.filter.clone() } else { s.marks.clone() };
                if filter.is_empty() {
                    self.status =
                        crate::notice!("nothing to save: mark classes with space (or filter the list) first");
                } else {
                    self.prompt = Some(Prompt { kind: PromptKind::SegmentName(filter), text: String::new() });
                }
            }
            Action::RenameSegment
                if s.current() == SegmentTab::Dimension(crate::classify::Dimension::Tags) =>
            {
                match s.cursor_class(&self.shop.read().clf) {
                    Some(c) if c.class != crate::classify::NOT_RECORDED => {
                        let text = c.class.clone();
                        self.prompt = Some(Prompt { kind: PromptKind::RenameTag(c.class), text });
                    }
                    _ => self.status = crate::notice!("customers without a tag have no tag to rename"),
                }
            }
            Action::RenameSegment if s.current() == SegmentTab::Saved => {
                if let Some(seg) = s.saved.get(s.cursor) {
                    let text = seg.name.clone();
                    self.prompt = Some(Prompt { kind: PromptKind::RenameSegment(s.cursor), text });
                }
            }
            Action::DeleteSegment if s.current() == SegmentTab::Saved && s.cursor < s.saved.len() => {
                self.confirm = Some(Confirm::DeleteSegment(s.cursor));
            }
            Action::Back => {
                if !s.marks.is_empty() {
                    s.marks.clear();
                } else {
                    self.view = View::List;
                }
            }
            _ => {}
        }
        vec![]
    }

    pub(super) fn on_followups(&mut self, action: Action) -> Vec<Effect> {
        let n = self.followups.shown.len();
        let page = self.page();
        let body = self.view_body();
        let s = &mut self.followups;
        match action {
            ref a if move_cursor(&mut s.cursor, n, page, a) => {}
            Action::Click(_, y) => {
                if let Some(at) = table_hit(body, super::followups::TITLE_ROWS, s.offset, n, y) {
                    s.cursor = at;
                }
            }
            Action::Open => {
                if let Some(id) = s.current() {
                    return self.open_detail(id);
                }
            }
            Action::LogInteraction | Action::RecordPurchase => {
                if let Some(id) = s.current() {
                    return self.open_form(form_for(&action, id));
                }
            }
            Action::FilterByAction => s.next_play(&self.shop.read().clf),
            Action::FilterByChannel => s.next_channel(&self.shop.read().clf),
            Action::ClearFilter => {
                s.clear_filter(&self.shop.read().clf);
            }
            // Esc clears the filter first, then goes back.
            Action::Back if s.filter.is_on() => {
                s.clear_filter(&self.shop.read().clf);
            }
            Action::Back => self.view = View::List,
            _ => {}
        }
        vec![]
    }
}

/// The form a key asks for, about `customer`.
fn form_for(action: &Action, customer: u64) -> FormRequest {
    match action {
        Action::EditCustomer => FormRequest::EditCustomer { customer },
        Action::RecordPurchase => FormRequest::Purchase { customer },
        _ => FormRequest::Interaction { customer },
    }
}
