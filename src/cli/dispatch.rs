//! The commands that work on an open database, run the same way from this process's terminal
//! and, for a client on the same machine, inside the `kehu serve` that holds the database (see
//! [`crate::serve::control`]): [`Io`] says where they write and for whom.

use super::{
    CampaignAction, Command, Context, ExportKind, Format, ReportKind, audit, campaign, correct, export, fit,
    import, ledger, report, segments, show,
};
use crate::classify::Segmented;
use crate::progress::Progress;
use crate::store::Store;
use std::io::Write;

/// Where a command writes, for whom, and what it may do with the terminal.
pub struct Io<'a> {
    /// Standard output: the command's data.
    pub out: &'a mut dyn Write,
    /// Standard error: notes, refusals, questions.
    pub err: &'a mut dyn Write,
    /// Whether `out` is a terminal (an export then shows stored text escaped).
    pub out_terminal: bool,
    /// Who signs what the command saves.
    pub operator: String,
    /// How far long work has come.
    pub progress: &'a dyn Progress,
    /// Whether a question may be asked on the terminal (undo over someone's newer change).
    pub may_ask: bool,
}

/// Whether [`on_store`] runs `command`.
pub fn on_open_store(command: &Command) -> bool {
    matches!(
        command,
        Command::Import { .. }
            | Command::Export { .. }
            | Command::Segments { .. }
            | Command::Report { .. }
            | Command::Fit { .. }
            | Command::ModelCheck { .. }
            | Command::Show { .. }
            | Command::Audit { .. }
            | Command::Void { .. }
            | Command::Refund { .. }
            | Command::Resolve { .. }
            | Command::Undo { .. }
            | Command::Campaign { .. }
            | Command::Points { .. }
            | Command::Topup { .. }
            | Command::Ledger { .. }
    )
}

/// Runs `command` (one that [`on_open_store`] names) on `store`.
pub fn on_store(ctx: &Context, store: &dyn Store, command: Command, io: &mut Io) -> anyhow::Result<i32> {
    let me = io.operator.clone();
    match command {
        Command::Import { kind, file, create_missing, dry_run, mode, encoding } => {
            let rules = ctx.rules.clone();
            let opts = import::Options {
                kind,
                create_missing,
                dry_run,
                mode,
                today: ctx.today,
                encoding,
                rules,
                branch: ctx.branch.clone(),
            };
            import::run_as(store, &file, &opts, &me, io.out, io.err, io.progress)
        }
        Command::Export { kind: ExportKind::Contacts, format, out: file, bom, contacts } => {
            anyhow::ensure!(format == Format::Csv, "a contact list is CSV (--format csv)");
            let args = campaign::ContactsArgs {
                segment: contacts.segment,
                filters: contacts.filters,
                channel: contacts.channel,
                campaign: contacts.campaign,
                control: contacts.control,
                seed: contacts.seed,
            };
            let (out, err, terminal) = (&mut *io.out, &mut *io.err, io.out_terminal);
            campaign::export_contacts(ctx, store, &args, file.as_deref(), bom, &me, out, err, terminal)
        }
        Command::Export { kind, format, out: file, bom, contacts } => {
            anyhow::ensure!(!(bom && format == Format::Json), "--bom is for CSV; JSON is always plain UTF-8");
            anyhow::ensure!(
                contacts.segment.is_none() && contacts.filters.is_empty() && contacts.channel.is_none(),
                "--segment, --where and --channel are for --kind contacts"
            );
            export::run(ctx, store, kind, format, bom, file.as_deref(), io.out, io.err, io.out_terminal)
        }
        Command::Campaign { action: CampaignAction::List } => campaign::print_list(store, io.out),
        Command::Campaign { action: CampaignAction::Report { name, days, json } } => {
            campaign::print_report(ctx, store, &name, days, json, io.out)
        }
        Command::Segments { dimension, json, all_branches } if !ctx.branch.is_empty() && !all_branches => {
            // A branch's counts: its customers' classes, from the kept classes when they hold.
            let clf = ctx.load_classifier_to(store, io.err)?;
            let counts = Segmented::of_branch(&clf, 0, crate::intern::Sym::new(&ctx.branch));
            segments::print(&counts, dimension.as_deref(), json, Some(&ctx.branch), io.out)?;
            Ok(0)
        }
        Command::Segments { dimension, json, .. } => {
            // The counts kept by whoever classified the shop last, when they still hold.
            let counts = match ctx.kept_segments(store) {
                Some(kept) => {
                    if let Some(note) = &kept.note {
                        writeln!(io.err, "kehu: {note}")?;
                    }
                    kept
                }
                None => Segmented::of(&ctx.load_classifier_to(store, io.err)?, 0, None),
            };
            segments::print(&counts, dimension.as_deref(), json, None, io.out)?;
            Ok(0)
        }
        Command::Report { report: ReportKind::Day { date, json } } => {
            report::day(ctx, store, date, json, io.out, io.err)
        }
        Command::Fit { model } => fit::run(ctx, store, model, io.progress, &me, io.out),
        Command::ModelCheck { calibration_end, json } => {
            super::model_check::run(ctx, store, calibration_end, json, io.progress, io.out)
        }
        Command::Show { query, json } => show::run(ctx, store, &query, json, io.out, io.err),
        Command::Audit { customer } => audit::run(store, customer.as_deref(), io.out, io.err),
        Command::Void { what, id, reason } => correct::void(store, what, id, &reason, &me, io.out),
        Command::Refund { purchase_id, amount, quantity, date } => {
            let date = date.unwrap_or(ctx.today);
            let asked = correct::ReturnOf {
                id: purchase_id,
                amount: amount.as_deref(),
                quantity,
                date,
                branch: &ctx.branch,
            };
            correct::refund(store, asked, &me, io.out)
        }
        Command::Resolve { interaction_id, note } => {
            correct::resolve(store, interaction_id, &note, ctx.today, &me, io.out)
        }
        Command::Undo { operator, yes } => {
            // Another's change is taken back in their name only to find it; the undo is signed by you.
            let whose = operator.unwrap_or_else(|| me.clone());
            correct::run_undo_of(store, &whose, &me, (yes, io.may_ask), io.out, io.err)
        }
        Command::Points { query, redeem, gift, expire, key } => {
            let args = ledger::PointsArgs {
                query: query.as_deref(),
                redeem,
                gift: gift.as_deref(),
                key: key.as_deref(),
                expire,
            };
            ledger::points(ctx, store, &args, &me, io.out, io.err)
        }
        Command::Topup { query, amount, key } => {
            let args = ledger::TopupArgs { query: &query, amount: &amount, key: key.as_deref() };
            ledger::topup(ctx, store, &args, &me, io.out, io.err)
        }
        Command::Ledger { query, summary, adjust_points, adjust_value, reason, key } => {
            match (query.as_deref(), adjust_points, adjust_value.as_deref()) {
                (Some(q), points, value) if points.is_some() || value.is_some() => {
                    let args = ledger::AdjustArgs {
                        query: q,
                        points,
                        value,
                        reason: reason.as_deref().unwrap_or(""),
                        key: key.as_deref(),
                    };
                    ledger::adjust(ctx, store, &args, &me, io.out, io.err)
                }
                _ => ledger::ledger(ctx, store, query.as_deref(), summary, io.out, io.err),
            }
        }
        other => anyhow::bail!("kehu {} does not run on an open database", name(&other)),
    }
}

/// The subcommand's name as typed, e.g. `import`.
pub fn name(command: &Command) -> &'static str {
    match command {
        Command::Demo { .. } => "demo",
        Command::Import { .. } => "import",
        Command::Export { .. } => "export",
        Command::Segments { .. } => "segments",
        Command::Report { .. } => "report",
        Command::Fit { .. } => "fit",
        Command::ModelCheck { .. } => "model-check",
        Command::Show { .. } => "show",
        Command::Check => "check",
        Command::Backup { .. } => "backup",
        Command::Restore { .. } => "restore",
        Command::Salvage { .. } => "salvage",
        Command::Serve { .. } => "serve",
        Command::Void { .. } => "void",
        Command::Refund { .. } => "refund",
        Command::Resolve { .. } => "resolve",
        Command::Undo { .. } => "undo",
        Command::Audit { .. } => "audit",
        Command::Torture { .. } => "torture",
        Command::Migrate { .. } => "migrate",
        Command::Campaign { .. } => "campaign",
        Command::Points { .. } => "points",
        Command::Topup { .. } => "topup",
        Command::Ledger { .. } => "ledger",
    }
}
