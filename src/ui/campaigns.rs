//! `x` on a saved segment (segments view): a campaign list for the channel the next key names
//! — `s` sms, `w` WeChat, `p` calls, `e` e-mail. The console draws nothing itself: it asks the
//! runtime to make the campaign (recorded and audited first, then the list written as CSV
//! beside the database, phones in full: managers only) and shows where the file went.

use super::action::Effect;
use super::app::{App, Prompt, PromptKind};
use super::segments::{SegmentTab, filter_ids, filter_label};
use crate::campaign::export::{Request, Spec};
use crate::domain::ContactChannel;

/// The channel a key of the campaign prompt names.
fn channel_for(key: char) -> Option<ContactChannel> {
    match super::consent::channels_for(key)? {
        [one] => Some(*one),
        _ => None,
    }
}

impl App {
    /// `x`: asks which channel, when the cursor is on a saved segment.
    pub(super) fn ask_campaign_channel(&mut self) -> Vec<Effect> {
        let s = &self.segments;
        if s.current() != SegmentTab::Saved || s.cursor >= s.saved.len() {
            self.status = crate::notice!(
                "x makes a campaign list of a saved segment: pick one on the saved segments tab"
            );
            return vec![];
        }
        self.prompt = Some(Prompt { kind: PromptKind::CampaignChannel(s.cursor), text: String::new() });
        vec![]
    }

    /// The key naming the channel: the campaign of saved segment `at` is asked of the runtime.
    pub(super) fn answer_campaign_channel(&mut self, at: usize, key: char) -> Vec<Effect> {
        let Some(channel) = channel_for(key) else {
            self.status = crate::notice!("press s (sms), w (WeChat), p (calls) or e (e-mail); Esc cancels");
            return vec![];
        };
        self.prompt = None;
        let Some(seg) = self.segments.saved.get(at).cloned() else { return vec![] };
        let ids: Vec<u64> = self.shop.read().model.ids().to_vec();
        let candidates = filter_ids(&seg.filter, &self.shop.read().clf, &ids);
        let spec = Spec {
            name: String::new(),
            channel,
            segment: seg.name.clone(),
            filter: filter_label(&seg.filter),
            control_percent: crate::campaign::DEFAULT_CONTROL_PERCENT,
            seed: None,
            today: self.today,
        };
        self.status = crate::notice!(
            "making the {} list of segment {}…",
            super::NoticeArg::Term(channel.key()),
            format!("{:?}", seg.name)
        );
        vec![Effect::MakeCampaign(Box::new(Request { spec, candidates }))]
    }
}
