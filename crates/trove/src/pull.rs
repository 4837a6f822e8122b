//! `trove intake-kit` and `trove pull`: running the intake on a machine of
//! its own. The kit is a data directory with the newsroom's recipients and
//! an API key, and nothing that decrypts; `pull` fetches what arrived
//! there (ciphertext, checked against its ids), records it on the desk,
//! appends the receipts to the desk's log, hands the desk's replies over,
//! and confirms, which starts the intake's retention clock.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use serde_json::json;
use trove_intake::server::{Confirmation, Decisions, PendingReport, PulledMessage, Replies};
use trove_store::{
    BlobBackend, BlobId, Channel, Direction, MessageRecord, SourceRecord, SubmissionId, SubmissionRecord,
    put_ciphertext,
};

use crate::datadir::{CONFIG_FILE, DataDir};
use crate::{config, ledger, print_report};

/// Writes a new data directory for an intake machine: configuration, the
/// newsroom's recipients, and the API key the desk pulls with (also kept
/// on the desk). No identity is copied.
pub fn intake_kit(dir: &DataDir, out: &Path, json: bool) -> anyhow::Result<()> {
    if out.join(CONFIG_FILE).exists() {
        bail!(
            "{} is already a trove data directory; choose a new folder",
            out.display()
        );
    }
    let recipients = std::fs::read(dir.keys_dir().join("newsroom.recipients"))
        .context("the desk's keys/newsroom.recipients cannot be read: run `trove init` first")?;
    let desk_key = dir.root.join(&dir.config.intake.api_key_file);
    let key = match trove_keys::read_secret(&desk_key) {
        Ok(key) => key.trim().to_owned(),
        Err(trove_keys::KeyError::Missing { .. }) => {
            let mut bytes = [0u8; 32];
            getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
            let key = hex::encode(bytes);
            trove_keys::write_secret(&desk_key, &key)?;
            key
        }
        Err(e) => return Err(e.into()),
    };
    let keys = out.join("keys");
    std::fs::create_dir_all(&keys).with_context(|| format!("cannot create {}", keys.display()))?;
    std::fs::write(out.join(CONFIG_FILE), config::TEMPLATE)?;
    std::fs::write(keys.join("newsroom.recipients"), recipients)?;
    trove_keys::write_secret(&out.join(&dir.config.intake.api_key_file), &key)?;
    print_report(json, &json!({ "intake": out, "api_key_file": desk_key }), |_| {
        format!(
            "wrote an intake data directory to {} (recipients and API key; no identity).\nOn the intake machine: trove --data {} serve --role intake\nOn the desk:           trove pull --from http://INTAKE/",
            out.display(),
            out.display()
        )
    });
    Ok(())
}

struct Api {
    agent: ureq::Agent,
    base: String,
    bearer: String,
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.base)
    }

    fn check(
        &self,
        what: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> anyhow::Result<ureq::http::Response<ureq::Body>> {
        let mut response =
            response.with_context(|| format!("{what}: the intake at {} cannot be reached", self.base))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.body_mut().read_to_string().unwrap_or_default();
            bail!("{what}: the intake answered {status}: {}", body.trim());
        }
        Ok(response)
    }

    fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let response = self
            .agent
            .get(self.url(path))
            .header("Authorization", &self.bearer)
            .call();
        let mut response = self.check(path, response)?;
        let text = response.body_mut().read_to_string()?;
        serde_json::from_str(&text).with_context(|| format!("{path}: the intake's answer is not what trove expects"))
    }

    fn post_json(&self, path: &str, body: &impl serde::Serialize) -> anyhow::Result<serde_json::Value> {
        let response = self
            .agent
            .post(self.url(path))
            .header("Authorization", &self.bearer)
            .content_type("application/json")
            .send(serde_json::to_vec(body)?);
        let mut response = self.check(path, response)?;
        Ok(serde_json::from_str(&response.body_mut().read_to_string()?)?)
    }

    /// Copies one blob to the desk's store unless it is there already.
    fn fetch_blob(&self, backend: &dyn BlobBackend, id: &BlobId) -> anyhow::Result<bool> {
        if backend.contains(id)? {
            return Ok(false);
        }
        let response = self
            .agent
            .get(self.url(&format!("blobs/{id}")))
            .header("Authorization", &self.bearer)
            .call();
        let mut response = self.check(&format!("blob {id}"), response)?;
        let reader = response.body_mut().with_config().limit(u64::MAX).reader();
        put_ciphertext(backend, id, reader).with_context(|| format!("blob {id} from the intake"))?;
        Ok(true)
    }

    /// Sends a reply's blob (a few hundred KiB at most: replies are text).
    fn put_blob(&self, backend: &dyn BlobBackend, id: &BlobId) -> anyhow::Result<()> {
        let mut bytes = Vec::new();
        backend.open(id)?.read_to_end(&mut bytes)?;
        let response = self
            .agent
            .put(self.url(&format!("blobs/{id}")))
            .header("Authorization", &self.bearer)
            .content_type("application/octet-stream")
            .send(&bytes[..]);
        self.check(&format!("reply blob {id}"), response)?;
        Ok(())
    }
}

/// `trove pull --from URL`.
pub async fn pull(data: &Path, from: &str, api_key_file: Option<&PathBuf>, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let key_path = api_key_file
        .cloned()
        .unwrap_or_else(|| dir.root.join(&dir.config.intake.api_key_file));
    let key = std::fs::read_to_string(&key_path).with_context(|| {
        format!(
            "cannot read the API key {} (`trove intake-kit` writes it)",
            key_path.display()
        )
    })?;
    let api = Api {
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent(),
        base: from.trim_end_matches('/').to_owned(),
        bearer: format!("Bearer {}", key.trim()),
    };
    let repo = dir.repo(false).await?;
    let backend = dir.backend()?;

    // Replies first, so a source sees them as soon as possible.
    let replies = repo.undelivered_replies().await?;
    let mut delivered = Vec::new();
    for reply in &replies {
        api.put_blob(&backend, &reply.blob)?;
        delivered.push(PulledMessage {
            id: reply.id.clone(),
            source: reply.source_id.clone(),
            day: reply.day.clone(),
            blob: reply.blob.to_hex(),
        });
    }
    if !delivered.is_empty() {
        api.post_json("replies", &Replies { replies: delivered })?;
        let ids: Vec<String> = replies.iter().map(|r| r.id.clone()).collect();
        repo.delivered(&ids).await?;
    }

    let pending: PendingReport = api.get_json("pending")?;
    for source in &pending.sources {
        repo.add_source(&SourceRecord {
            id: source.id.clone(),
            reply_recipient: source.reply_recipient.clone(),
            created_day: source.created_day.clone(),
            stored_bytes: 0,
        })
        .await?;
    }
    let mut confirmation = Confirmation::default();
    let mut new_submissions = 0;
    let mut blobs = 0;
    for submission in &pending.submissions {
        let parse = |hex: &str| BlobId::from_str(hex).with_context(|| format!("submission {}", submission.id));
        let manifest = parse(&submission.manifest)?;
        let files: Vec<BlobId> = submission
            .blobs
            .iter()
            .map(|b| parse(b))
            .collect::<anyhow::Result<_>>()?;
        for blob in std::iter::once(&manifest).chain(&files) {
            blobs += usize::from(api.fetch_blob(&backend, blob)?);
        }
        let record = SubmissionRecord {
            id: SubmissionId::from_str(&submission.id)?,
            received_day: submission.day.clone(),
            channel: Channel::Intake,
            source: submission.source.clone(),
            manifest,
            blobs: files,
        };
        if repo.import_submission(&record).await? {
            new_submissions += 1;
            ledger::append_receipt_of(&dir, &submission.id).await?;
        }
        confirmation.submissions.push(submission.id.clone());
    }
    let mut new_messages = 0;
    for message in &pending.messages {
        let blob = BlobId::from_str(&message.blob).with_context(|| format!("message {}", message.id))?;
        blobs += usize::from(api.fetch_blob(&backend, &blob)?);
        let record = MessageRecord {
            id: message.id.clone(),
            source_id: message.source.clone(),
            direction: Direction::Source,
            blob,
            day: message.day.clone(),
        };
        new_messages += usize::from(repo.add_message(&record).await?);
        confirmation.messages.push(message.id.clone());
    }
    // Decisions before confirming: a submission confirmed now may be gone
    // from the intake after retention, with its source's view of it.
    let decisions = repo.intake_decisions().await?;
    let told = if decisions.is_empty() {
        0
    } else {
        api.post_json("decisions", &Decisions { decisions })?["recorded"]
            .as_u64()
            .unwrap_or(0)
    };
    let confirmed = api.post_json("confirm", &confirmation)?;
    let report = json!({
        "submissions": new_submissions,
        "messages": new_messages,
        "blobs": blobs,
        "replies_delivered": replies.len(),
        "decisions_delivered": told,
        "expired_on_intake": confirmed["expired"],
    });
    print_report(json, &report, |r| {
        format!(
            "pulled {} submissions and {} messages ({} blobs), delivered {} replies; the intake deleted {} submissions and {} messages past retention",
            r["submissions"],
            r["messages"],
            r["blobs"],
            r["replies_delivered"],
            r["expired_on_intake"]["submissions"],
            r["expired_on_intake"]["messages"]
        )
    });
    Ok(())
}
