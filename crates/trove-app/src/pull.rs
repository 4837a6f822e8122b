//! Running the intake on a machine of its own: `intake_kit` writes a data
//! directory with the newsroom's recipients and an API key, and nothing
//! that decrypts; `pull` fetches what arrived there (ciphertext, checked
//! against its ids), records it on the desk, queues the receipts for the
//! desk's log, hands the desk's replies and decisions over, and confirms,
//! which starts the intake's retention clock.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use trove_store::{DecisionRepo as _, IntakeRepo as _, SubmissionRepo as _};

use serde::Serialize;
use trove_intake::server::{
    Confirmation, Confirmed, Decisions, ExpiredCounts, PendingReport, PulledMessage, Recorded, Replies,
};
use trove_store::{
    BlobBackend, BlobId, Channel, DecisionRecord, Direction, MessageRecord, SealedSubmission, SourceRecord,
    SubmissionId, SubmissionRecord, put_ciphertext,
};

use crate::config::TEMPLATE;
use crate::{AppError, CONFIG_FILE, Newsroom};

/// What `intake_kit` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct KitReport {
    pub intake: PathBuf,
    pub api_key_file: PathBuf,
}

/// What one `pull` did.
#[derive(Debug, Clone, Serialize)]
pub struct PullReport {
    pub submissions: usize,
    pub messages: usize,
    pub blobs: usize,
    pub replies_delivered: usize,
    pub decisions_delivered: usize,
    pub expired_on_intake: ExpiredCounts,
}

/// The intake's pull API, spoken with the newsroom's API key.
struct Api {
    agent: ureq::Agent,
    base: String,
    bearer: String,
}

type HttpResponse = ureq::http::Response<ureq::Body>;

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.base)
    }

    fn check(&self, what: &str, response: Result<HttpResponse, ureq::Error>) -> Result<HttpResponse, AppError> {
        let mut response = response.map_err(|e| AppError::IntakeUnreachable {
            what: what.to_owned(),
            base: self.base.clone(),
            reason: e.to_string(),
        })?;
        let status = response.status();
        if !status.is_success() {
            let body = response.body_mut().read_to_string().unwrap_or_default();
            return Err(AppError::IntakeRefused {
                what: what.to_owned(),
                status: status.as_u16(),
                body: body.trim().to_owned(),
            });
        }
        Ok(response)
    }

    fn answer<T: serde::de::DeserializeOwned>(&self, what: &str, mut response: HttpResponse) -> Result<T, AppError> {
        let bad = |reason: String| AppError::IntakeAnswer {
            what: what.to_owned(),
            reason,
        };
        let text = response.body_mut().read_to_string().map_err(|e| bad(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
    }

    fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, AppError> {
        let response = self
            .agent
            .get(self.url(path))
            .header("Authorization", &self.bearer)
            .call();
        let response = self.check(path, response)?;
        self.answer(path, response)
    }

    fn post_json<T: serde::de::DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, AppError> {
        let response = self
            .agent
            .post(self.url(path))
            .header("Authorization", &self.bearer)
            .content_type("application/json")
            .send(serde_json::to_vec(body).expect("wire records serialize"));
        let response = self.check(path, response)?;
        self.answer(path, response)
    }

    /// Copies one blob to the desk's store unless it is there already.
    fn fetch_blob(&self, backend: &dyn BlobBackend, id: &BlobId) -> Result<bool, AppError> {
        if backend.contains(id)? {
            return Ok(false);
        }
        let what = format!("blob {id}");
        let response = self
            .agent
            .get(self.url(&format!("blobs/{id}")))
            .header("Authorization", &self.bearer)
            .call();
        let mut response = self.check(&what, response)?;
        let reader = response.body_mut().with_config().limit(u64::MAX).reader();
        put_ciphertext(backend, id, reader)?;
        Ok(true)
    }

    /// Sends a reply's blob (a few hundred KiB at most: replies are text).
    fn put_blob(&self, backend: &dyn BlobBackend, id: &BlobId) -> Result<(), AppError> {
        let mut bytes = Vec::new();
        backend
            .open(id)?
            .read_to_end(&mut bytes)
            .map_err(|e| AppError::Store(trove_store::StoreError::Output(e)))?;
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

impl Newsroom {
    /// Writes a new data directory for an intake machine: configuration,
    /// the newsroom's recipients, and the API key the desk pulls with
    /// (also kept on the desk). No identity is copied.
    pub fn intake_kit(&self, out: &Path) -> Result<KitReport, AppError> {
        if out.join(CONFIG_FILE).exists() {
            return Err(AppError::KitExists(out.into()));
        }
        let recipients =
            std::fs::read(self.dir().keys_dir().join("newsroom.recipients")).map_err(|_| AppError::NoRecipients)?;
        let desk_key = self.dir().api_key_file();
        let key = match trove_keys::read_secret(&desk_key) {
            Ok(key) => key.trim().to_owned(),
            Err(trove_keys::KeyError::Missing { .. }) => {
                let mut bytes = [0u8; 32];
                getrandom::getrandom(&mut bytes).map_err(|e| AppError::Random(e.to_string()))?;
                let key = hex::encode(bytes);
                trove_keys::write_secret(&desk_key, &key)?;
                key
            }
            Err(e) => return Err(e.into()),
        };
        crate::datadir::create_private_dir(out)?;
        let keys = out.join("keys");
        std::fs::create_dir_all(&keys).map_err(AppError::io(&keys))?;
        let config = out.join(CONFIG_FILE);
        trove_keys::write_secret(&config, TEMPLATE)?;
        let recipients_file = keys.join("newsroom.recipients");
        std::fs::write(&recipients_file, recipients).map_err(AppError::io(&recipients_file))?;
        trove_keys::write_secret(&out.join(&self.dir().config.intake.api_key_file), &key)?;
        Ok(KitReport {
            intake: out.to_owned(),
            api_key_file: desk_key,
        })
    }

    /// Pulls from the intake at `from`: replies out first (so a source sees
    /// them soon), then new sources, submissions and messages in, decisions
    /// out, and a confirmation of what the desk now holds.
    pub async fn pull(&self, from: &str, api_key_file: Option<&Path>) -> Result<PullReport, AppError> {
        let key_path = api_key_file.map_or_else(|| self.dir().api_key_file(), Path::to_owned);
        let key = std::fs::read_to_string(&key_path).map_err(|_| AppError::ApiKey(key_path.clone().into()))?;
        let api = Api {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .new_agent(),
            base: from.trim_end_matches('/').to_owned(),
            bearer: format!("Bearer {}", key.trim()),
        };
        let repo = self.repo();
        let backend = self.dir().backend()?;

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
            let _: trove_intake::server::Accepted = api.post_json("replies", &Replies { replies: delivered })?;
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
            let manifest = BlobId::from_str(&submission.manifest)?;
            let files: Vec<BlobId> = submission
                .blobs
                .iter()
                .map(|b| BlobId::from_str(b))
                .collect::<Result<_, _>>()?;
            for blob in std::iter::once(&manifest).chain(&files) {
                blobs += usize::from(api.fetch_blob(&backend, blob)?);
            }
            let id = SubmissionId::from_str(&submission.id)?;
            let sealed = SealedSubmission {
                record: SubmissionRecord {
                    id,
                    received_day: submission.day,
                    channel: Channel::Intake,
                    source: submission.source.clone(),
                    manifest,
                },
                blobs: files,
            };
            if repo.import_submission(&sealed).await? {
                new_submissions += 1;
                self.queue_receipt_of(&id).await?;
            }
            confirmation.submissions.push(submission.id.clone());
        }
        let mut new_messages = 0;
        for message in &pending.messages {
            let blob = BlobId::from_str(&message.blob)?;
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
        let decisions: Vec<_> = repo
            .intake_decisions()
            .await?
            .iter()
            .map(DecisionRecord::for_source)
            .collect();
        let told = if decisions.is_empty() {
            0
        } else {
            api.post_json::<Recorded>("decisions", &Decisions { decisions })?
                .recorded
        };
        let confirmed: Confirmed = api.post_json("confirm", &confirmation)?;
        Ok(PullReport {
            submissions: new_submissions,
            messages: new_messages,
            blobs,
            replies_delivered: replies.len(),
            decisions_delivered: told,
            expired_on_intake: confirmed.expired,
        })
    }
}
