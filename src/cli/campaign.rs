//! Campaigns on the command line: `kehu export --kind contacts` makes one (the list of a saved
//! segment or of class filters, for one channel, only customers who said yes on it, a control
//! group held out) and `kehu campaign report NAME` measures it.

use super::Context;
use crate::campaign::export::{Spec, make, write_csv};
use crate::campaign::report::report;
use crate::classify::{Classifier, Dimension};
use crate::domain::ContactChannel;
use crate::i18n::{self, tr, trf};
use crate::store::Store;
use crate::text::{shown_path, terminal_safe};
use crate::ui::{ClassFilter, SavedSegment, filter_ids, filter_label};
use anyhow::{anyhow, bail};
use std::io::Write;
use std::path::Path;

/// What `export --kind contacts` was asked for.
#[derive(Debug, Clone, Default)]
pub struct ContactsArgs {
    /// A saved segment's name.
    pub segment: Option<String>,
    /// `--where DIMENSION=CLASS[|CLASS]`, all of them.
    pub filters: Vec<String>,
    /// The channel.
    pub channel: Option<ContactChannel>,
    /// The campaign's name.
    pub campaign: Option<String>,
    /// Percent held out.
    pub control: u8,
    /// The control group's seed.
    pub seed: Option<u64>,
}

/// Parses `--channel`.
pub fn parse_channel(s: &str) -> Result<ContactChannel, String> {
    s.parse::<ContactChannel>().map_err(|e| e.to_string())
}

/// `tier=gold` or `activity=sleeping|churned` as class filters; a fixed class that the
/// dimension does not have is refused with the ones it has.
pub fn parse_where(text: &str) -> anyhow::Result<Vec<ClassFilter>> {
    let (dim, classes) = text
        .split_once('=')
        .ok_or_else(|| anyhow!("--where {text:?}: write DIMENSION=CLASS, e.g. tier=gold"))?;
    let dimension: Dimension = dim.trim().parse().map_err(|e| anyhow!("--where {text:?}: {e}"))?;
    let mut out = Vec::new();
    for class in classes.split('|').map(str::trim) {
        if class.is_empty() {
            bail!("--where {text:?}: a class is empty");
        }
        if let Some(fixed) = dimension.fixed_classes()
            && !fixed.contains(&class)
        {
            bail!(
                "--where {text:?}: {} has no class {class:?} (it has: {})",
                dimension.key(),
                fixed.join(", ")
            );
        }
        out.push(ClassFilter { dimension, class: class.to_string() });
    }
    Ok(out)
}

/// `kehu export --kind contacts`: makes the campaign, writes its list (CSV) to `file` or `out`,
/// and says on `err` how many it holds and how many were left out.
#[allow(clippy::too_many_arguments)]
pub fn export_contacts(
    ctx: &Context,
    store: &dyn Store,
    args: &ContactsArgs,
    file: Option<&Path>,
    bom: bool,
    operator: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
    out_terminal: bool,
) -> anyhow::Result<i32> {
    let channel =
        args.channel.ok_or_else(|| anyhow!("--kind contacts needs --channel sms, wechat, phone or email"))?;
    anyhow::ensure!(args.control <= 90, "--control {}: hold out at most 90 percent", args.control);
    let mut filter = Vec::new();
    let segment = match &args.segment {
        Some(name) => {
            let all: Vec<SavedSegment> = crate::tui::saved_segments(store)?;
            let Some(s) = all.iter().find(|s| s.name == *name) else {
                let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                bail!(
                    "no saved segment is named {name:?} (saved: {}); save one in the console's segments view",
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                );
            };
            filter.extend(s.filter.iter().cloned());
            name.clone()
        }
        None => String::new(),
    };
    for w in &args.filters {
        filter.extend(parse_where(w)?);
    }
    let clf: Classifier = ctx.load_classifier_to(store, err)?;
    let ids: Vec<u64> = clf.ids().collect();
    let candidates = filter_ids(&filter, &clf, &ids);
    let spec = Spec {
        name: args.campaign.clone().unwrap_or_default(),
        channel,
        segment,
        filter: filter_label(&filter),
        control_percent: args.control,
        seed: args.seed,
        today: ctx.today,
    };
    let made = make(store, &spec, &candidates, operator)?;
    let c = &made.campaign;
    let shown =
        |s: &str| if out_terminal && file.is_none() { terminal_safe(s).into_owned() } else { s.to_string() };
    match file {
        Some(path) => {
            let part = path.with_extension("part");
            let mut f = std::io::BufWriter::new(
                crate::campaign::export::create_private(&part)
                    .map_err(|e| anyhow!("cannot write {}: {e}", shown_path(&part)))?,
            );
            if bom {
                f.write_all("\u{feff}".as_bytes())?;
            }
            write_csv(channel, &made.list, &mut f, &shown)?;
            f.into_inner()
                .map_err(|e| anyhow!("cannot write {}: {}", shown_path(&part), e.error()))?
                .sync_all()?;
            std::fs::rename(&part, path).map_err(|e| anyhow!("cannot write {}: {e}", shown_path(path)))?;
        }
        None => {
            if bom {
                out.write_all("\u{feff}".as_bytes())?;
            }
            write_csv(channel, &made.list, out, &shown)?;
        }
    }
    let ch = tr(channel.key());
    writeln!(
        err,
        "kehu: {}",
        trf(
            "campaign {}: {} customer(s) on the {} list, {} held out as the control group ({}%, seed {})",
            &[
                &format!("{:?}", c.name),
                &c.contacted.len(),
                &ch,
                &c.control.len(),
                &c.control_percent,
                &c.seed
            ],
        )
    )?;
    writeln!(
        err,
        "kehu: {}",
        trf(
            "left out: {} without {} consent, {} who said yes but have no number or address for it",
            &[&c.excluded_no_consent, &ch, &c.excluded_no_address],
        )
    )?;
    if let Some(p) = file {
        writeln!(err, "kehu: {}", trf("wrote {} rows to {}", &[&made.list.len(), &shown_path(p)]))?;
    }
    Ok(0)
}

/// `kehu campaign report NAME [--days N] [--json]`.
pub fn print_report(
    ctx: &Context,
    store: &dyn Store,
    name: &str,
    days: u32,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Some(c) = store.campaign(name)? else {
        let names: Vec<String> = store.campaigns()?.into_iter().map(|c| c.name).collect();
        bail!(
            "no campaign is named {name:?} (campaigns: {})",
            if names.is_empty() { "none yet".to_string() } else { names.join(", ") }
        );
    };
    let r = report(&c, days, ctx.today, &mut |id| Ok(store.history(id)?))?;
    let lift = |d: Option<crate::campaign::stats::Difference>| {
        d.map(|d| serde_json::json!({ "estimate": round2(d.estimate), "low": round2(d.low), "high": round2(d.high), "df": round2(d.df) }))
    };
    if json {
        let group = |g: &crate::campaign::report::Group| {
            serde_json::json!({
                "customers": g.customers, "buyers": g.buyers, "purchases": g.purchases,
                "revenue": g.revenue.to_string(), "revenue_per_customer": round2(g.revenue_per_customer()),
                "purchases_per_customer": round4(g.purchases_per_customer()), "missing": g.missing,
            })
        };
        let doc = serde_json::json!({
            "campaign": c.name, "channel": c.channel.key(), "target": c.target(), "date": c.date.to_string(),
            "from": r.from.to_string(), "to": r.to.to_string(), "days": r.days, "open": r.open,
            "contacted": group(&r.contacted), "control": group(&r.control),
            "revenue_lift_per_customer": lift(r.revenue_lift),
            "purchases_lift_per_customer": lift(r.purchases_lift),
            "relative_revenue_lift": r.relative_lift().map(round4),
            "incremental_revenue": r.incremental_revenue().map(round2),
            "method": "Welch t interval, 95%, on per-customer figures",
        });
        super::json::write_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        return Ok(0);
    }
    let lang = i18n::current();
    let day = |d| i18n::date(lang, d);
    writeln!(
        out,
        "{}",
        trf(
            "campaign {} — {} by {}, {}; {} contacted, {} held out",
            &[
                &terminal_safe(&c.name),
                &terminal_safe(&c.target()),
                &tr(c.channel.key()),
                &day(c.date),
                &c.contacted.len(),
                &c.control.len()
            ],
        )
    )?;
    let window = trf("purchases from {} to {} ({} days)", &[&day(r.from), &day(r.to), &r.days]);
    let open =
        if r.open { format!(" — {}", tr("still open: the figures are so far")) } else { String::new() };
    writeln!(out, "{window}{open}\n")?;
    let money = |yuan: f64| format!("{yuan:.2}");
    // Padded by display width: a Chinese heading is twice as wide as its characters.
    const WIDTHS: [usize; 7] = [12, 9, 8, 10, 12, 14, 14];
    let row = |cells: [String; 7]| {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(WIDTHS).enumerate() {
            let pad = " ".repeat(w.saturating_sub(unicode_width::UnicodeWidthStr::width(cell.as_str())));
            if i == 0 {
                line += &format!("{cell}{pad}");
            } else {
                line += &format!(" {pad}{cell}");
            }
        }
        line
    };
    let heads = ["group", "customers", "bought", "purchases", "revenue", "per customer", "purchases/cust"];
    writeln!(out, "{}", row(heads.map(|h| tr(h).to_string())))?;
    for (label, g) in [(tr("contacted"), &r.contacted), (tr("control"), &r.control)] {
        let cells = [
            label.to_string(),
            g.customers.to_string(),
            format!("{:.1}%", g.buyer_share() * 100.0),
            g.purchases.to_string(),
            g.revenue.to_string(),
            money(g.revenue_per_customer()),
            format!("{:.3}", g.purchases_per_customer()),
        ];
        writeln!(out, "{}", row(cells))?;
    }
    writeln!(out)?;
    match r.revenue_lift {
        Some(d) => {
            let rel = r.relative_lift().map(|x| format!(" ({:+.1}%)", x * 100.0)).unwrap_or_default();
            writeln!(
                out,
                "{}",
                trf(
                    "revenue lift per customer: {}{}, 95% interval {} to {}",
                    &[&format!("{:+.2}", d.estimate), &rel, &money(d.low), &money(d.high)],
                )
            )?;
            if let Some(extra) = r.incremental_revenue() {
                writeln!(
                    out,
                    "{}",
                    trf(
                        "incremental revenue: {} over {} contacted",
                        &[&money(extra), &r.contacted.customers]
                    )
                )?;
            }
        }
        None => {
            writeln!(out, "{}", tr("too few customers in a group for an interval (two or more in each)"))?
        }
    }
    if let Some(d) = r.purchases_lift {
        writeln!(
            out,
            "{}",
            trf(
                "purchases per customer: {}, 95% interval {} to {}",
                &[&format!("{:+.3}", d.estimate), &format!("{:.3}", d.low), &format!("{:.3}", d.high)],
            )
        )?;
    }
    if d_excludes_zero(r.revenue_lift) {
        writeln!(out, "{}", tr("the interval leaves out zero: the difference is unlikely to be chance"))?;
    } else if r.revenue_lift.is_some() {
        writeln!(out, "{}", tr("the interval includes zero: no difference shown"))?;
    }
    let gone = r.contacted.missing + r.control.missing;
    if gone > 0 {
        writeln!(
            out,
            "{}",
            trf("{} member(s) no longer in the database, counted with nothing bought", &[&gone])
        )?;
    }
    writeln!(out, "{}", tr("method: Welch's t interval on per-customer figures, net of returns"))?;
    Ok(0)
}

fn d_excludes_zero(d: Option<crate::campaign::stats::Difference>) -> bool {
    d.is_some_and(|d| d.low > 0.0 || d.high < 0.0)
}

/// `kehu campaign list`: every campaign, oldest first.
pub fn print_list(store: &dyn Store, out: &mut dyn Write) -> anyhow::Result<i32> {
    let mut all = store.campaigns()?;
    all.sort_by(|a, b| (a.date, &a.name).cmp(&(b.date, &b.name)));
    if all.is_empty() {
        writeln!(out, "{}", tr("no campaigns yet (kehu export --kind contacts makes one)"))?;
    }
    for c in all {
        writeln!(
            out,
            "{}  {:<6}  {}  {}  {}",
            c.date,
            c.channel.key(),
            terminal_safe(&c.name),
            terminal_safe(&c.target()),
            trf(
                "{} contacted, {} held out, {} without consent",
                &[&c.contacted.len(), &c.control.len(), &c.excluded_no_consent]
            )
        )?;
    }
    Ok(0)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
