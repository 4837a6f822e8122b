//! `trove calendar …`, `trove schedule …` and `trove partners …`: the
//! arguments and the printing; every operation is trove-app's.

use std::path::PathBuf;

use clap::Subcommand;
use trove_app::{EventView, NewEvent, Newsroom, PlanReport, Progress, ScheduledView};
use trove_schedule::{Attention, Hour, Topics};

use crate::print;

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Import the events of an iCalendar (.ics) file: SUMMARY, DTSTART,
    /// DTEND or DURATION, CATEGORIES as topics, X-TROVE-ATTENTION (0 to
    /// 0.95). Events already imported under the same UID are replaced.
    Import {
        file: PathBuf,
        /// The attention of events that do not say theirs.
        #[arg(long, default_value = "0.5", value_parser = parse_attention)]
        attention: Attention,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// Add an event by hand.
    Add {
        #[arg(long)]
        title: String,
        /// First hour (UTC): 2016-08-05 or 2016-08-05T18.
        #[arg(long)]
        start: Hour,
        /// The hour after it (UTC); a day given alone means its start, so
        /// an event of 5 to 21 August ends 2016-08-22.
        #[arg(long)]
        end: Hour,
        /// Comma-separated topics, e.g. sport,olympics.
        #[arg(long, default_value = "")]
        topics: String,
        /// How much of the public's attention it takes, 0 to 0.95.
        #[arg(long, value_parser = parse_attention)]
        attention: Attention,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// The events that have not ended (or all since --from).
    List {
        #[arg(long)]
        from: Option<Hour>,
    },
    /// Remove an event by its UID.
    Remove { uid: String },
}

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// The releases waiting for their hour, where each is placed and why.
    Show,
    /// Place every waiting release, and sign each new or moved placement
    /// into the log.
    Plan {
        /// The editor whose key signs the schedule statements.
        #[arg(long, default_value = "chief")]
        editor: String,
        /// Plan as if it were this hour (UTC) instead of now.
        #[arg(long)]
        now: Option<Hour>,
    },
    /// Plan, then publish every release whose hour has come (run it from
    /// cron, or let `trove serve` do it).
    Run {
        #[arg(long, default_value = "chief")]
        editor: String,
        #[arg(long)]
        now: Option<Hour>,
    },
}

#[derive(Subcommand)]
pub enum PartnersCommand {
    /// Add a partner organisation; gives it a witness key to cosign
    /// checkpoints with (hand the key file over).
    Add { name: String },
    /// The partner organisations.
    List,
    /// Grants: one partner's, or all.
    Grants {
        #[arg(long)]
        partner: Option<String>,
    },
    /// Every view, download and search of partners' users, newest first.
    Access {
        #[arg(long)]
        partner: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

pub async fn partners(newsroom: &Newsroom, command: PartnersCommand, json: bool) -> anyhow::Result<()> {
    match command {
        PartnersCommand::Add { name } => {
            let partner = newsroom.add_partner(&name).await?;
            print::report(json, &partner, |p| {
                format!(
                    "partner {} added; its witness key: {}\n  hand over {} (it cosigns checkpoints with `trove log cosign --key FILE`)",
                    p.name,
                    p.witness_vkey,
                    p.key_file.display()
                )
            });
        }
        PartnersCommand::List => {
            let partners = newsroom.partners().await?;
            print::report(json, &partners, |ps| {
                if ps.is_empty() {
                    return "no partners: add one with `trove partners add NAME`".into();
                }
                ps.iter()
                    .map(|p| format!("{}  since {}  {}", p.name, p.created_day, p.witness_vkey))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PartnersCommand::Grants { partner } => {
            let grants = newsroom.grants(partner.as_deref()).await?;
            print::report(json, &grants, |gs| {
                if gs.is_empty() {
                    return "no grants".into();
                }
                gs.iter()
                    .map(|g| {
                        format!(
                            "{}  {}  {} .. {}  {}  log entry {}",
                            g.release,
                            g.partner,
                            g.start,
                            g.embargo_until,
                            if g.paid { "paid" } else { "unpaid" },
                            g.log_index
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PartnersCommand::Access { partner, limit } => {
            let log = newsroom.partner_access_log(partner.as_deref(), limit).await?;
            print::report(json, &log, |log| {
                if log.is_empty() {
                    return "no access yet".into();
                }
                log.iter()
                    .map(|a| {
                        format!(
                            "{}  {} ({})  {:?}  release {}  {}",
                            a.at,
                            a.user,
                            a.partner,
                            a.action,
                            a.release,
                            a.document.as_deref().unwrap_or("-")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

fn parse_attention(text: &str) -> Result<Attention, String> {
    let value: f64 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
    Attention::new(value).map_err(|e| e.to_string())
}

fn event_line(e: &EventView) -> String {
    format!(
        "{}  {}  attention {:.2}  [{}]  {}",
        e.days,
        e.title,
        e.attention,
        e.topics.join(","),
        e.uid
    )
}

pub fn scheduled_lines(releases: &[ScheduledView]) -> String {
    if releases.is_empty() {
        return "no release is waiting: mark one ready with `trove release ready ID`".into();
    }
    releases
        .iter()
        .map(|r| {
            let placed = match (&r.at, &r.reason) {
                (Some(at), Some(reason)) => format!("at {at} (revision {}): {reason}", r.revision),
                _ => "not placed yet: run `trove schedule plan`".into(),
            };
            format!(
                "{}  ready {}  topics [{}]\n  {placed}",
                r.release,
                r.ready,
                r.topics.join(","),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn plan_text(plan: &PlanReport) -> String {
    format!(
        "{}\n{} placement(s) new or moved, each signed into the log; bound {} days, {} a day, {} a week",
        scheduled_lines(&plan.releases),
        plan.changed.len(),
        plan.limits.max_delay_days,
        plan.limits.per_day,
        plan.limits.per_week
    )
}

pub async fn calendar(newsroom: &Newsroom, command: CalendarCommand, json: bool) -> anyhow::Result<()> {
    match command {
        CalendarCommand::Import { file, attention, user } => {
            let report = newsroom.calendar_import(&file, attention, &user).await?;
            print::report(json, &report, |r| {
                let mut text = format!("{}: {} events imported", r.file, r.added.len());
                for e in &r.added {
                    text.push_str(&format!("\n  {}", event_line(e)));
                }
                for s in &r.skipped {
                    text.push_str(&format!("\n  skipped {}: {}", s.event, s.reason));
                }
                text
            });
        }
        CalendarCommand::Add {
            title,
            start,
            end,
            topics,
            attention,
            user,
        } => {
            let event = NewEvent {
                title,
                start,
                end,
                topics: Topics::parse_list(&topics),
                attention,
            };
            let view = newsroom.calendar_add(event, &user).await?;
            print::report(json, &view, |e| format!("added {}", event_line(e)));
        }
        CalendarCommand::List { from } => {
            let from = match from {
                Some(from) => from,
                None => trove_app::current_hour()?,
            };
            let events = newsroom.calendar(from).await?;
            print::report(json, &events, |events| {
                if events.is_empty() {
                    return "no events: import a calendar with `trove calendar import FILE.ics`".into();
                }
                events.iter().map(event_line).collect::<Vec<_>>().join("\n")
            });
        }
        CalendarCommand::Remove { uid } => {
            let removed = newsroom.calendar_remove(&uid).await?;
            if !removed {
                anyhow::bail!("no calendar event {uid:?} (see `trove calendar list`)");
            }
            print::report(json, &serde_json::json!({ "removed": uid }), |_| {
                format!("removed {uid}")
            });
        }
    }
    Ok(())
}

pub async fn schedule(
    newsroom: &Newsroom,
    command: ScheduleCommand,
    progress: &dyn Progress,
    json: bool,
) -> anyhow::Result<()> {
    match command {
        ScheduleCommand::Show => {
            let releases = newsroom.scheduled().await?;
            print::report(json, &releases, |r| scheduled_lines(r));
        }
        ScheduleCommand::Plan { editor, now } => {
            let now = match now {
                Some(now) => now,
                None => trove_app::current_hour()?,
            };
            let plan = newsroom.plan_schedule(&editor, now).await?;
            print::report(json, &plan, plan_text);
        }
        ScheduleCommand::Run { editor, now } => {
            let now = match now {
                Some(now) => now,
                None => trove_app::current_hour()?,
            };
            let report = newsroom.run_schedule(&editor, now, progress).await?;
            print::report(json, &report, |r| {
                let mut text = plan_text(&r.plan);
                for p in &r.published {
                    text.push_str(&format!(
                        "\npublished release {} under log entry {}",
                        p.release, p.log_index
                    ));
                }
                for (release, why) in &r.failed {
                    text.push_str(&format!("\nrelease {release} is due but could not be published: {why}"));
                }
                text
            });
            if !report.failed.is_empty() {
                anyhow::bail!("{} due release(s) could not be published", report.failed.len());
            }
        }
    }
    Ok(())
}
