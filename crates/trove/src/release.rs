//! `trove release …`, `trove publish` and `trove manifest verify`: the
//! arguments and the printing; every operation is trove-app's.

use std::path::PathBuf;

use clap::Subcommand;
use trove_app::{Newsroom, Progress, ReleaseView, SpanRequest};
use trove_publish::WithholdReason;
use trove_store::SubmissionId;

use crate::print;

#[derive(Subcommand)]
pub enum ReleaseCommand {
    /// Start a release of an accepted submission: every document in it,
    /// but those trove cannot re-render safely.
    New {
        submission: SubmissionId,
        /// The desk user doing it.
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// Mark a release ready to publish: the scheduler places it within the
    /// policy's bound (see `trove schedule`). Topics default to those
    /// triage proposes (watch-list names, the most named people and
    /// organisations); marking it again changes only its topics.
    Ready {
        release: String,
        /// A topic (repeatable); events sharing one never delay it.
        #[arg(long = "topic")]
        topics: Vec<String>,
        /// Ready as of this hour (UTC) instead of now: for drills and tests.
        #[arg(long)]
        now: Option<trove_schedule::Hour>,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// Every release, or a submission's.
    List {
        #[arg(long)]
        submission: Option<SubmissionId>,
    },
    /// A release, or one document of it with its text, redactions and
    /// source-protection flags.
    Show {
        release: String,
        #[arg(long)]
        document: Option<String>,
    },
    /// Hold a document (and everything inside it) back, with a reason code.
    Withhold {
        release: String,
        document: String,
        /// SOURCE_PROTECTION, PRIVACY, LEGAL, NOT_AUTHENTIC, DUPLICATE or
        /// OUT_OF_SCOPE.
        #[arg(long, value_parser = parse_reason)]
        reason: WithholdReason,
        #[arg(long)]
        note: Option<String>,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// Put a held-back document back in.
    Add {
        release: String,
        document: String,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// Propose redactions in every document: contact data, account and id
    /// numbers, addresses, names on protect.txt, flagged metadata values.
    Propose {
        release: String,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// Propose a redaction by hand: every occurrence of --text, or the
    /// byte range --start..--end of the text `show --document` prints.
    Redact {
        release: String,
        document: String,
        #[arg(long, conflicts_with_all = ["start", "end"])]
        text: Option<String>,
        #[arg(long, requires = "end")]
        start: Option<u64>,
        #[arg(long, requires = "start")]
        end: Option<u64>,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// Confirm redactions by their ids (not your own).
    Confirm {
        release: String,
        #[arg(required = true)]
        ids: Vec<u64>,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// Reject redactions by their ids (not your own).
    Reject {
        release: String,
        #[arg(required = true)]
        ids: Vec<u64>,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
    /// Confirm every proposed redaction of a document (not if you proposed
    /// any of them).
    Approve {
        release: String,
        document: String,
        #[arg(long, env = "TROVE_USER")]
        user: String,
    },
}

#[derive(Subcommand)]
pub enum ManifestCommand {
    /// Check a release folder or URL against the log with only the log's
    /// key: complete, or which documents are missing or changed.
    Verify {
        /// A release folder, or the http(s):// URL of one.
        release: String,
        /// The log's verifier key file.
        #[arg(long)]
        log_key: PathBuf,
        /// Also require the statement in this log as served now (a folder
        /// or URL).
        #[arg(long)]
        log: Option<String>,
    },
}

fn parse_reason(text: &str) -> Result<WithholdReason, trove_publish::PublishError> {
    text.parse()
}

fn show(view: &ReleaseView) -> String {
    let mut text = format!(
        "release {}  submission {}  {:?}  by {} on {}\n{} documents, {} held back; redactions: {} proposed, {} confirmed, {} rejected",
        view.id,
        view.submission,
        view.state,
        view.created_by,
        view.created_day,
        view.documents,
        view.withheld.len(),
        view.redactions.proposed,
        view.redactions.confirmed,
        view.redactions.rejected
    );
    for held in &view.withheld {
        text.push_str(&format!(
            "\n  held back  {:<17} {}  {}",
            held.reason, held.document, held.path
        ));
        if let Some(note) = &held.note {
            text.push_str(&format!("  ({note})"));
        }
    }
    if !view.awaiting_review.is_empty() {
        text.push_str(&format!("\n{} documents await review:", view.awaiting_review.len()));
        for document in view.awaiting_review.iter().take(20) {
            text.push_str(&format!("\n  {document}"));
        }
    }
    if let (Some(index), Some(folder)) = (view.log_index, &view.folder) {
        text.push_str(&format!("\npublished: log entry {index}, {}", folder.display()));
    }
    text
}

pub async fn release(newsroom: &Newsroom, command: ReleaseCommand, json: bool) -> anyhow::Result<()> {
    let count = |n: u64, what: &str| format!("{n} {what}");
    match command {
        ReleaseCommand::New { submission, user } => {
            let view = newsroom.new_release(&submission, &user).await?;
            print::report(json, &view, show);
        }
        ReleaseCommand::Ready {
            release,
            topics,
            now,
            user,
        } => {
            let topics = (!topics.is_empty()).then_some(topics);
            let now = match now {
                Some(now) => now,
                None => trove_app::current_hour()?,
            };
            let view = newsroom.mark_ready(&release, topics, &user, now).await?;
            print::report(json, &view, |v| {
                format!(
                    "release {} ready since {}, topics [{}]; `trove schedule plan` places it",
                    v.release,
                    v.ready,
                    v.topics.join(",")
                )
            });
        }
        ReleaseCommand::List { submission } => {
            let views = newsroom.releases(submission.as_ref()).await?;
            print::report(json, &views, |views| {
                views
                    .iter()
                    .map(|v| {
                        format!(
                            "{}  {}  {:?}  {} held back",
                            v.id,
                            v.submission,
                            v.state,
                            v.withheld.len()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ReleaseCommand::Show {
            release,
            document: None,
        } => {
            print::report(json, &newsroom.release(&release).await?, show);
        }
        ReleaseCommand::Show {
            release,
            document: Some(document),
        } => {
            let review = newsroom.release_document(&release, &document).await?;
            print::report(json, &review, |r| {
                let mut text = format!("{}  {}  {}  published as: {}\n", r.document, r.doc_type, r.path, r.plan);
                for flag in &r.flags {
                    text.push_str(&format!("flag  {:?}  {}  {}\n", flag.kind, flag.field, flag.value));
                }
                for span in &r.redactions {
                    let shown = r.text.get(span.start as usize..span.end as usize).unwrap_or("");
                    text.push_str(&format!(
                        "redaction {:>5}  {:<9?}  {:<15} {}..{}  by {}  {:?}\n",
                        span.id, span.state, span.kind, span.start, span.end, span.proposed_by, shown
                    ));
                }
                text.push_str("----\n");
                text.push_str(&r.text);
                text
            });
        }
        ReleaseCommand::Withhold {
            release,
            document,
            reason,
            note,
            user,
        } => {
            let n = newsroom.withhold(&release, &document, reason, note, &user).await?;
            print::report(json, &serde_json::json!({ "held_back": n, "reason": reason }), |_| {
                format!("{} held back as {reason}", count(n, "documents"))
            });
        }
        ReleaseCommand::Add {
            release,
            document,
            user,
        } => {
            let n = newsroom.include(&release, &document, &user).await?;
            print::report(json, &serde_json::json!({ "included": n }), |_| {
                format!("{} back in the release", count(n, "documents"))
            });
        }
        ReleaseCommand::Propose { release, user } => {
            let report = newsroom.propose_redactions(&release, &user).await?;
            print::report(json, &report, |r| {
                let kinds: Vec<String> = r.by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
                format!(
                    "{} new proposals in {} documents ({}); {} documents carry source-protection flags",
                    r.proposed,
                    r.documents,
                    kinds.join(", "),
                    r.flagged_documents
                )
            });
        }
        ReleaseCommand::Redact {
            release,
            document,
            text,
            start,
            end,
            user,
        } => {
            let span = match (text, start, end) {
                (Some(text), _, _) => SpanRequest::Text(text),
                (None, Some(start), Some(end)) => SpanRequest::Range { start, end },
                _ => anyhow::bail!("say what to redact: --text STRING, or --start N --end M"),
            };
            let n = newsroom.add_redaction(&release, &document, span, &user).await?;
            print::report(json, &serde_json::json!({ "proposed": n }), |_| {
                format!("{} proposed; someone else must confirm them", count(n, "redactions"))
            });
        }
        ReleaseCommand::Confirm { release, ids, user } => {
            let n = newsroom.review_redactions(&release, &ids, true, &user).await?;
            print::report(json, &serde_json::json!({ "confirmed": n }), |_| {
                format!("{} confirmed", count(n, "redactions"))
            });
        }
        ReleaseCommand::Reject { release, ids, user } => {
            let n = newsroom.review_redactions(&release, &ids, false, &user).await?;
            print::report(json, &serde_json::json!({ "rejected": n }), |_| {
                format!("{} rejected", count(n, "redactions"))
            });
        }
        ReleaseCommand::Approve {
            release,
            document,
            user,
        } => {
            let n = newsroom.approve_redactions(&release, &document, &user).await?;
            print::report(json, &serde_json::json!({ "confirmed": n }), |_| {
                format!("{} confirmed", count(n, "redactions"))
            });
        }
    }
    Ok(())
}

pub async fn publish(
    newsroom: &Newsroom,
    release: &str,
    editor: &str,
    progress: &dyn Progress,
    json: bool,
) -> anyhow::Result<()> {
    let report = newsroom.publish(release, editor, progress).await?;
    print::report(json, &report, |r| {
        let c = &r.counts;
        let codes: Vec<String> = c.codes.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let mut text = format!(
            "published release {} under log entry {}\n{}\n{} published, {} redacted, {} withheld ({}), {} containers; {} boxes burned; checked with {}",
            r.release,
            r.log_index,
            r.folder.display(),
            c.published,
            c.redacted,
            c.withheld,
            codes.join(", "),
            c.containers,
            r.burned_boxes,
            r.checked_with.join(", ")
        );
        if r.tracking_dot_pages > 0 {
            text.push_str(&format!(
                "\n{} pages carried printer tracking dots (whitened)",
                r.tracking_dot_pages
            ));
        }
        for held in &r.held_at_publish {
            text.push_str(&format!("\nheld back as CANNOT_RENDER: {} ({})", held.path, held.why));
        }
        text
    });
    Ok(())
}

/// `trove manifest verify`: exits non-zero when anything is missing or
/// changed.
pub async fn manifest(command: ManifestCommand, json: bool) -> anyhow::Result<()> {
    let ManifestCommand::Verify { release, log_key, log } = command;
    let key = trove_app::read_vkey(&log_key, trove_keys::KeyAlg::Ed25519)?;
    let check = trove_app::verify_any_release(&release, &key, log.as_deref()).await?;
    print::report(json, &check, |c| {
        let mut text = format!(
            "release {} of submission {}: publication statement at log entry {} (proved at size {}{}), signed by {}\n{} records: {} published, {} redacted, {} withheld, {} containers",
            c.release,
            c.submission,
            c.log_index,
            c.proved_at_size,
            c.found_in_log_of_size
                .map(|s| format!("; in the served log of size {s}"))
                .unwrap_or_default(),
            c.signer,
            c.records,
            c.counts.published,
            c.counts.redacted,
            c.counts.withheld,
            c.counts.containers
        );
        for (code, n) in &c.counts.codes {
            text.push_str(&format!("\n  withheld {code}: {n}"));
        }
        if c.complete() {
            text.push_str("\ncomplete: every published document is present and unchanged");
        }
        for problem in &c.problems {
            text.push_str(&format!(
                "\n{}: record {} {} ({})",
                problem.what,
                problem.index,
                problem.path.as_deref().unwrap_or("-"),
                problem.file
            ));
        }
        text
    });
    if !check.complete() {
        anyhow::bail!(
            "{} documents of the release are missing or changed",
            check.problems.len()
        );
    }
    Ok(())
}
