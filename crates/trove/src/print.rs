//! Reports as people read them; `--json` prints the same values as JSON.

use std::io::Write;

use serde::Serialize;
use trove_app::demo::DemoReport;
use trove_app::{IngestSummary, LogVerification, Message, PullReport};
use trove_keys::PublicKeyInfo;
use trove_triage::TriageReport;
use trove_verify::VerifyReport;

/// A report whose documents come one at a time, printed as they come:
/// `{"documents": [ … ], "summary": …, …}`, one document per line, so a
/// report of millions of documents is never held in memory.
pub struct JsonDocuments {
    out: std::io::BufWriter<std::io::Stdout>,
    first: bool,
}

impl JsonDocuments {
    pub fn start() -> JsonDocuments {
        let mut out = std::io::BufWriter::new(std::io::stdout());
        exit_on_broken_pipe(out.write_all(b"{\"documents\": ["));
        JsonDocuments { out, first: true }
    }

    pub fn document<T: Serialize>(&mut self, document: &T) {
        let separator: &[u8] = if self.first { b"\n" } else { b",\n" };
        self.first = false;
        exit_on_broken_pipe(self.out.write_all(separator));
        exit_on_broken_pipe(serde_json::to_writer(&mut self.out, document).map_err(std::io::Error::from));
    }

    /// Closes the list and adds the other fields of the report.
    pub fn finish(mut self, fields: &[(&str, serde_json::Value)]) {
        exit_on_broken_pipe(self.out.write_all(b"\n]"));
        for (name, value) in fields {
            let field = format!(",\n{}: {}", serde_json::Value::from(*name), value);
            exit_on_broken_pipe(self.out.write_all(field.as_bytes()));
        }
        exit_on_broken_pipe(self.out.write_all(b"}\n"));
        exit_on_broken_pipe(self.out.flush());
    }
}

/// A reader that stops early (`trove docs list | head`) is not an error.
fn exit_on_broken_pipe(result: std::io::Result<()>) {
    if let Err(error) = result
        && error.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Prints `value` as JSON or as `human` renders it. A reader that stops
/// early (`trove docs list | head`) is not an error.
pub fn report<T: Serialize + ?Sized>(json: bool, value: &T, human: impl FnOnce(&T) -> String) {
    let text = if json {
        serde_json::to_string_pretty(value).expect("reports serialize")
    } else {
        human(value)
    };
    if let Err(error) = writeln!(std::io::stdout().lock(), "{text}")
        && error.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

pub fn keys(keys: &[PublicKeyInfo]) -> String {
    keys.iter()
        .map(|k| format!("{:<16} {:<22} {}", k.role, k.kind, k.public))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn ingest(summary: &IngestSummary) -> String {
    let mut text = format!("{} documents, {} failed\n", summary.documents, summary.failed);
    if !summary.by_type.is_empty() {
        let list: Vec<String> = summary.by_type.iter().map(|(t, n)| format!("{t} {n}")).collect();
        text.push_str(&format!("by type: {}\n", list.join(", ")));
    }
    for problem in &summary.problems {
        text.push_str(&format!(
            "{:<9} {}: {}\n",
            problem.status,
            problem.path,
            problem.reason.as_deref().unwrap_or("")
        ));
    }
    text
}

/// The verification summary, and at most `limit` suspicious documents
/// with their reasons.
pub fn verify(report: &VerifyReport, limit: usize) -> String {
    let summary = &report.summary;
    let mut text = format!("{} documents verified\n", summary.documents);
    for (verdict, share) in &summary.by_verdict {
        text.push_str(&format!(
            "  {verdict:<13} {:>6} documents ({:>5.1}%)  {:>5.1}% of bytes\n",
            share.documents,
            share.share_count * 100.0,
            share.share_bytes * 100.0
        ));
    }
    if !summary.dkim.is_empty() {
        let outcomes: Vec<String> = summary.dkim.iter().map(|(o, n)| format!("{o} {n}")).collect();
        text.push_str(&format!("DKIM signatures: {}\n", outcomes.join(", ")));
    }
    let suspicious: Vec<_> = report
        .documents
        .iter()
        .filter(|d| d.verdict == trove_verify::Verdict::Suspicious)
        .collect();
    if suspicious.len() > limit {
        text.push_str(&format!(
            "{} suspicious documents; the first {limit} (all: trove verify SUBMISSION):\n",
            suspicious.len()
        ));
    }
    for doc in suspicious.into_iter().take(limit) {
        text.push_str(&format!("suspicious {}\n", doc.path));
        for evidence in doc
            .evidence
            .iter()
            .filter(|e| e.strength == trove_verify::Strength::Against)
        {
            text.push_str(&format!("    {}\n", evidence.sentence));
        }
    }
    text
}

pub fn overlap(summary: &trove_overlap::Summary) -> String {
    let mut text = format!("{}\n", summary.sentence);
    let classes: Vec<String> = summary
        .by_class
        .iter()
        .map(|(class, n)| {
            format!(
                "{} {n}",
                serde_json::to_value(class).unwrap_or_default().as_str().unwrap_or("")
            )
        })
        .collect();
    text.push_str(&format!("{} documents: {}\n", summary.documents, classes.join(", ")));
    if summary.quoting > 0 || summary.boilerplate > 0 {
        text.push_str(&format!(
            "{} new documents quote a publication below the partial share; {} share boilerplate with one (not counted)\n",
            summary.quoting, summary.boilerplate
        ));
    }
    for corpus in &summary.by_corpus {
        text.push_str(&format!(
            "  {:<24} {}  exact {:>5}  near {:>5}  partial {:>5}  {:>5.1}% of the text, {:>5.1}% of documents, {:>5.1}% of bytes\n",
            corpus.name,
            corpus.date,
            corpus.exact,
            corpus.near,
            corpus.partial,
            corpus.share_words * 100.0,
            corpus.share_count * 100.0,
            corpus.share_bytes * 100.0
        ));
    }
    text
}

pub fn search(hits: &[trove_app::SearchHit]) -> String {
    let mut text = format!("{} hits", hits.len());
    for hit in hits {
        text.push_str(&format!(
            "\n{}  {}  {}\n    …{}…",
            hit.hit.submission,
            hit.hit.id,
            hit.hit.path,
            hit.snippet.replace('\n', " ")
        ));
    }
    text
}

pub fn triage(report: &TriageReport) -> String {
    let mut text = format!(
        "significance {} of 100; the policy ({}) proposes: {}",
        report.significance.score,
        &report.policy[..12],
        report.proposal.outcome
    );
    for reason in &report.proposal.reasons {
        text.push_str(&format!("\n  {}: {}", reason.code, reason.facts));
    }
    for c in &report.significance.contributions {
        text.push_str(&format!(
            "\n  {:>5.1} / {:>4.0}  {:<24} {}",
            c.points, c.max, c.name, c.facts
        ));
    }
    text
}

pub fn messages(messages: &[Message]) -> String {
    messages
        .iter()
        .map(|m| match &m.text {
            Some(text) => format!("{}  from the source:\n{text}\n", m.day),
            None => format!("{}  reply from the newsroom (sealed to the source)\n", m.day),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn pull(report: &PullReport) -> String {
    format!(
        "pulled {} submissions and {} messages ({} blobs), delivered {} replies; the intake deleted {} submissions and {} messages past retention",
        report.submissions,
        report.messages,
        report.blobs,
        report.replies_delivered,
        report.expired_on_intake.submissions,
        report.expired_on_intake.messages
    )
}

pub fn log_verification(report: &LogVerification) -> String {
    let mut text = format!(
        "verified {}: {} entries, {} tiles, root {}",
        report.origin, report.size, report.tiles_checked, report.root
    );
    if let Some(previous) = report.consistent_with_size {
        text.push_str(&format!(
            "\nconsistent with the checkpoint of size {previous} seen before"
        ));
    }
    if let Some(time) = report.cosigned_at {
        text.push_str(&format!("\ncosigned by the witness at {time}"));
    }
    text
}

/// The demo's run, stage by stage, and where to go next.
pub fn demo(report: &DemoReport, addresses: crate::serve::Addresses, serving: bool) -> String {
    let (intake, desk, archive) = (addresses.intake, addresses.desk, addresses.archive);
    let data = report.data.display();
    let mut text = format!("data directory   {data}\n");
    if let Some(c) = &report.generated {
        text.push_str(&format!(
            "generated corpus {} ({} documents, {:.0}% novel by count)\n",
            report.corpus.display(),
            c.documents,
            c.novel_share_count * 100.0
        ));
    }
    let summary = &report.submission;
    text.push_str(&format!(
        "submitted        {} ({} files, {} bytes, sealed to the newsroom key)\nreceipt          entry {} of the transparency log ({} entries; the demo appends today's receipts at once, a server after the day ends)\n\nnext:\n  trove --data {data} submissions {}\n  trove --data {data} log verify\n",
        summary.submission, summary.files, summary.bytes, report.receipt_index, report.log_size, summary.submission,
    ));
    text.push_str(&format!("\ningest: {}", ingest(&report.ingest)));
    text.push_str(&format!("\nverify: {}", verify(&report.verify, 5)));
    text.push_str(&format!("\noverlap: {}", overlap(&report.overlap)));
    text.push_str(&format!(
        "\nsearch: {} documents of this submission match {} (the index grew as they were ingested); the first: {}\n  trove --data {data} search '{}' --submission {}\n",
        report.search.hits,
        report.search.query,
        report.search.first.as_deref().unwrap_or("none"),
        report.search.query,
        summary.submission
    ));
    text.push_str(&format!("\ntriage: {}\n", triage(&report.triage)));
    let lists = &report.lists;
    let facets: Vec<String> = lists.facets.iter().map(|(g, n)| format!("{g} ({n})")).collect();
    text.push_str(&format!(
        "desk lists: {} documents, paged and sorted, narrowed by {}\n",
        lists.documents,
        facets.join(", ")
    ));
    if let Some(tagged) = &lists.tagged {
        text.push_str(&format!(
            "  chief tagged {tagged} \"lead\", starred it and left a note (desk only: never sent to the intake or the archive): http://{desk}/desk/documents?f=tag/lead\n"
        ));
    }
    let decision = &report.decision;
    text.push_str(&format!(
        "decision: {} {} by chief, signed, log entry {}\n",
        decision.outcome,
        decision.reasons.join(" "),
        decision.log_index
    ));
    if let Some(p) = &report.publication {
        let s = &p.schedule;
        text.push_str(&format!(
            "\nschedule: calendar {}; release ready {} with topics [{}] (proposed from triage)\n  partner: courier may read it first, until {} (a signed grant, log entry {}; the partner portal is under /desk/partner/)\n  placed at {} [{}]: {}\n  signed by chief, log entry {}; the demo skips ahead to that hour, when `trove schedule run` publishes it\n",
            s.events.join(", "),
            s.ready,
            s.topics.join(", "),
            s.grant.embargo_until,
            s.grant.log_index,
            s.at,
            s.codes.join(","),
            s.reason,
            s.log_index
        ));
        let c = &p.published.counts;
        let codes: Vec<String> = c.codes.iter().map(|(k, n)| format!("{k} {n}")).collect();
        text.push_str(&format!(
            "\npublish: release {} - the editor had {} redactions proposed; the reviewer (a second desk user: four eyes) confirmed {} and kept {} officials' addresses in mail with nothing else to redact, which goes out whole with its DKIM keys\n  {} published, {} redacted, {} withheld ({}), {} containers; {} boxes burned into pages drawn as pixels; checked with {}\n  manifest root {} signed by chief, log entry {}\n  sealed in {}\n  manifest verify: {} of {} records checked, {}\n  trove manifest verify {} --log-key {}\n",
            p.release,
            p.proposed,
            p.confirmed,
            p.rejected,
            c.published,
            c.redacted,
            c.withheld,
            if codes.is_empty() { "none".to_owned() } else { codes.join(", ") },
            c.containers,
            p.published.burned_boxes,
            p.published.checked_with.join(", "),
            &p.published.root[..16],
            p.published.log_index,
            p.published.folder.display(),
            p.verified_records,
            p.verified_records,
            if p.complete { "complete" } else { "INCOMPLETE" },
            p.published.folder.display(),
            report.data.join("keys/log.vkey").display()
        ));
        text.push_str(&format!(
            "archive: the public archive serves the release's {} documents (searchable, each with its evidence){}
",
            p.published.archived_documents,
            if serving {
                format!(
                    " at http://{archive}/
  trove archive verify http://{archive}/ --log-key {}
  accountability, computed from the log alone: http://{archive}/accountability (or `trove log stats`)",
                    report.data.join("keys/log.vkey").display()
                )
            } else {
                String::new()
            }
        ));
    }
    if let Some(user) = &report.desk_user {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        text.push_str(&format!(
            "\ndesk: http://{desk}/desk/  name editor, password {}, TOTP secret {} (code now: {}; any authenticator app takes the secret)\n",
            user.password.as_str(),
            user.totp_secret,
            trove_app::users::totp_code(&user.totp_secret, now).unwrap_or_default()
        ));
    }
    if serving {
        text.push_str(&format!(
            "\nEach role has its own listener: a source submits at http://{intake}/ (get a codename, upload, read replies; no JavaScript needed); the desk is at http://{desk}/desk/ and the transparency log at http://{desk}/log/; the public archive is at http://{archive}/ (no script, nothing loaded from elsewhere).\nReply from the desk with:  trove --data {data} reply SUBMISSION --text-file reply.txt\nAn outsider verifies the served log with only its key:\n  trove log verify --from http://{desk}/log/ --vkey {}\n",
            report.data.join("keys/log.vkey").display()
        ));
    }
    text
}

/// `trove log stats`.
pub fn log_stats(stats: &trove_ledger::LogStats) -> String {
    let spread = |s: &trove_ledger::stats::Spread| match (s.median_days, s.worst_days) {
        (Some(median), Some(worst)) => format!("median {median:.1} days, worst {worst} days ({} cases)", s.count),
        _ => "none yet".to_owned(),
    };
    let counts = |map: &std::collections::BTreeMap<String, u64>| {
        if map.is_empty() {
            return "none".to_owned();
        }
        map.iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let d = &stats.decisions;
    let s = &stats.schedule;
    let mut text = format!(
        "{} entries\nreceipts by month: {}\ndecisions (final, {} submissions): {}; codes: {}; {} superseded, {} overrode the policy's proposal, {} without facts\nreceipt to decision: {}\nacceptance to publication: {}\npublications: {}\nschedule: {} releases, {} statements, {} moved; delay from ready: {}; {} past their bound; codes: {}",
        stats.entries,
        counts(&stats.receipts_by_month),
        d.submissions,
        counts(&d.by_outcome),
        counts(&d.by_code),
        d.superseded,
        d.overridden,
        d.without_facts,
        spread(&stats.receipt_to_decision),
        spread(&stats.acceptance_to_publication),
        stats.publications,
        s.releases,
        s.statements,
        s.moved,
        spread(&s.delay),
        s.over_bound,
        counts(&s.by_code),
    );
    for (event, delay) in &s.delays_by_event {
        text.push_str(&format!(
            "\n  delayed for {event}: {} releases, {} days in all",
            delay.releases, delay.days
        ));
    }
    for line in &d.notable {
        text.push_str(&format!(
            "\n  {} {} {}{}: {}",
            &line.submission[..12],
            line.outcome,
            line.codes.join(","),
            if line.overridden {
                format!(
                    " (OVERRIDE of the proposal: {})",
                    line.proposed.as_deref().unwrap_or("?")
                )
            } else {
                String::new()
            },
            line.facts.as_deref().unwrap_or("no facts recorded")
        ));
    }
    text
}

/// A page of a document list, with its facets' counts.
pub fn document_list(found: &trove_app::DocumentListPage) -> String {
    let page = &found.page;
    let mut text = format!("{} documents (page of {})\n", page.total, found.pages);
    for row in &page.rows {
        text.push_str(&format!(
            "{}  {:<7} {:<12} {:<8} {:>10}  {}\n",
            row.id,
            row.doc_type,
            row.verdict.as_deref().unwrap_or("-"),
            row.overlap.as_deref().unwrap_or("-"),
            row.size,
            row.path
        ));
    }
    for (group, values) in &page.facets {
        let values: Vec<String> = values.iter().map(|(v, n)| format!("{v} {n}")).collect();
        text.push_str(&format!("{group}: {}\n", values.join(", ")));
    }
    text.trim_end().to_owned()
}

/// The job queue, one line a job.
pub fn jobs(jobs: &[trove_store::JobRecord]) -> String {
    if jobs.is_empty() {
        return "no jobs".into();
    }
    jobs.iter()
        .map(|job| {
            let state = format!("{:?}", job.state).to_lowercase();
            let mut line = format!(
                "{:>6}  {:<8} {}  {:<8} attempts {}",
                job.id, job.kind, job.submission, state, job.attempts
            );
            if let Some(worker) = &job.worker {
                line.push_str(&format!("  {worker}"));
            }
            if let Some(error) = &job.error {
                line.push_str(&format!("  ({error})"));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One thing a worker did: a JSON line, or a line for people (stderr, so
/// stdout keeps the final report).
pub fn worker_event(json: bool, event: &trove_app::WorkerEvent) {
    use trove_app::WorkerEvent;
    if json {
        println!("{}", serde_json::to_string(event).expect("events serialize"));
        return;
    }
    match event {
        WorkerEvent::Took { job } => eprintln!("job {}: {} of {}", job.id, job.kind, job.submission),
        WorkerEvent::Finished { job, kind, error: None } => eprintln!("job {job}: {kind} done"),
        WorkerEvent::Finished {
            job,
            kind,
            error: Some(error),
        } => eprintln!("job {job}: {kind} failed: {error}"),
        WorkerEvent::LostLease { job } => {
            eprintln!("job {job}: its lease lapsed before it finished; another worker has it")
        }
    }
}
