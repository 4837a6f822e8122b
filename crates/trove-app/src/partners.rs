//! Media partners: organisations with users of their own, grants of
//! exclusive early access to a release under an embargo the policy caps,
//! each signed into the log, and what a partner may read: the granted
//! releases, as they would be published, and nothing else. Every view,
//! download and search is in an access log the partner and the editors
//! see.
//!
//! An embargo cannot bury a cache: a grant marks its release ready (if an
//! editor had not), and the schedule publishes it when the embargo ends,
//! whatever the partner did.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use trove_keys::StatementRole;
use trove_ledger::statement::Statement;
use trove_schedule::Hour;
use trove_store::{
    AccessAction, AccessRow, Day, DocumentRepo as _, GrantRow, PartnerRepo as _, PartnerRow, RedactionState,
    ReleaseState, ScheduleRepo as _, UserRepo as _,
};

use crate::users::{NewUser, Role};
use crate::{AppError, Newsroom};

/// A new partner organisation and the witness key it was given.
#[derive(Debug, Clone, Serialize)]
pub struct NewPartner {
    pub name: String,
    pub witness_vkey: String,
    /// The witness's signing key, to hand to the partner (it cosigns
    /// checkpoints with `trove log cosign --key FILE`).
    pub key_file: PathBuf,
}

/// What a grant looks like in reports.
#[derive(Debug, Clone, Serialize)]
pub struct GrantView {
    pub release: String,
    pub partner: String,
    pub start: Hour,
    pub embargo_until: Hour,
    pub terms_sha256: String,
    pub paid: bool,
    pub by: String,
    pub log_index: u64,
}

impl From<GrantRow> for GrantView {
    fn from(g: GrantRow) -> GrantView {
        GrantView {
            release: g.release,
            partner: g.partner,
            start: Hour::from_index(g.start_hour),
            embargo_until: Hour::from_index(g.embargo_until),
            terms_sha256: g.terms_sha256,
            paid: g.paid,
            by: g.by,
            log_index: g.log_index,
        }
    }
}

/// A grant to make.
#[derive(Debug, Clone)]
pub struct GrantRequest<'a> {
    pub release: &'a str,
    pub partner: &'a str,
    pub embargo_days: u32,
    pub terms: &'a Path,
    pub paid: bool,
    pub editor: &'a str,
    pub user: &'a str,
    pub now: Hour,
}

/// A document of a granted release, as the partner reads it: the text the
/// release would publish, with every redaction (proposed or confirmed)
/// taken out.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerDocument {
    pub release: String,
    pub document: String,
    pub path: String,
    pub doc_type: String,
    pub text: String,
    pub redactions: usize,
}

/// A document in a granted release's list.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerListed {
    pub document: String,
    pub path: String,
    pub doc_type: String,
}

/// An access as the log shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AccessView {
    pub user: String,
    pub partner: String,
    pub release: String,
    pub document: Option<String>,
    pub action: AccessAction,
    pub at: Hour,
}

fn terms_digest(path: &Path) -> Result<[u8; 32], AppError> {
    let bytes = std::fs::read(path).map_err(AppError::io(path))?;
    Ok(Sha256::digest(&bytes).into())
}

impl Newsroom {
    /// Adds a partner organisation and gives it a witness key.
    pub async fn add_partner(&self, name: &str) -> Result<NewPartner, AppError> {
        if name.len() < 2
            || name.len() > 32
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(AppError::Partner(format!(
                "{name:?} is not a partner name: use 2 to 32 letters, digits, '-' or '_'"
            )));
        }
        if self.repo().partners().await?.iter().any(|p| p.name == name) {
            return Err(AppError::Partner(format!("there is already a partner {name:?}")));
        }
        let (witness_vkey, key_file) = self.add_witness_key(name)?;
        let row = PartnerRow {
            name: name.to_owned(),
            witness_vkey: witness_vkey.clone(),
            created_day: Day::today().to_string(),
        };
        self.repo().add_partner(&row).await?;
        Ok(NewPartner {
            name: name.to_owned(),
            witness_vkey,
            key_file,
        })
    }

    pub async fn partners(&self) -> Result<Vec<PartnerRow>, AppError> {
        Ok(self.repo().partners().await?)
    }

    async fn partner_row(&self, name: &str) -> Result<PartnerRow, AppError> {
        self.repo()
            .partners()
            .await?
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| AppError::Partner(format!("no partner {name:?}: see `trove partners list`")))
    }

    /// Adds a user of the partner role to an organisation.
    pub async fn add_partner_user(&self, name: &str, partner: &str) -> Result<NewUser, AppError> {
        self.partner_row(partner).await?;
        let user = self.add_user(name, Role::Partner).await?;
        self.repo().add_member(name, partner).await?;
        Ok(user)
    }

    /// The organisation of a partner user (enabled, of the partner role).
    pub async fn partner_of(&self, user: &str) -> Result<String, AppError> {
        let record = self.repo().user(user).await?.filter(|u| !u.disabled);
        if record.is_none_or(|u| u.role != Role::Partner.as_str()) {
            return Err(AppError::NoUser(user.to_owned()));
        }
        self.repo()
            .member_of(user)
            .await?
            .ok_or_else(|| AppError::Partner(format!("{user} belongs to no partner")))
    }

    /// Grants a partner exclusive early access to a release, from `now`
    /// until the embargo ends (at most the policy's `max_embargo_days`),
    /// signed into the log by `editor`. The release is marked ready if it
    /// was not, and is not published before the embargo ends; the
    /// schedule publishes it then, whatever the partner did.
    pub async fn grant(&self, request: GrantRequest<'_>) -> Result<GrantView, AppError> {
        self.desk_user(request.user).await?;
        let record = self.draft(request.release).await?;
        self.check_accepted(&record.submission).await?;
        let partner = self.partner_row(request.partner).await?;
        let cap = self.dir().policy()?.schedule.max_embargo_days;
        if request.embargo_days == 0 || request.embargo_days > cap {
            return Err(AppError::Partner(format!(
                "an embargo of {} days: the policy allows 1 to {cap} (schedule.max_embargo_days)",
                request.embargo_days
            )));
        }
        let terms = terms_digest(request.terms)?;
        let witness = trove_keys::NoteVerifierKey::parse(&partner.witness_vkey)
            .map_err(|e| AppError::Partner(format!("the witness key of {}: {e}", partner.name)))?;
        // The embargo ends at the start of a day: the statement says which.
        let until = Hour::start_of_day(request.now.day() + i64::from(request.embargo_days));
        let role = StatementRole::Editor(request.editor.to_owned());
        let key_id = self
            .dir()
            .keyring()
            .verifier_key(&role)
            .map_err(|_| AppError::NoEditorKey(request.editor.to_owned()))?
            .id();
        let mut release_id = [0u8; 16];
        hex::decode_to_slice(&record.id, &mut release_id).map_err(|_| AppError::NoRelease(record.id.clone()))?;
        if !self
            .repo()
            .grants(Some(request.partner), Some(request.release))
            .await?
            .is_empty()
        {
            return Err(AppError::Partner(format!(
                "{} already has a grant for release {}",
                request.partner, request.release
            )));
        }
        if self.repo().schedule_row(request.release).await?.is_none() {
            self.mark_ready(request.release, None, request.user, request.now)
                .await?;
        }
        let statement = Statement::Grant {
            release: release_id,
            partner: hex::encode(witness.id()),
            start: Day::from_unix(request.now.unix()),
            embargo_until: Day::from_unix(until.unix()),
            terms,
            paid: request.paid,
            editor: hex::encode(key_id),
        };
        let ledger = self.dir().ledger();
        let log_index = tokio::task::spawn_blocking(move || ledger.append(&statement, &role))
            .await
            .map_err(|e| AppError::Join(e.to_string()))??;
        let row = GrantRow {
            release: request.release.to_owned(),
            partner: request.partner.to_owned(),
            start_hour: request.now.index(),
            embargo_until: until.index(),
            terms_sha256: hex::encode(terms),
            paid: request.paid,
            by: request.user.to_owned(),
            log_index,
        };
        self.repo().add_grant(&row).await?;
        self.repo().set_embargo(request.release, until.index()).await?;
        Ok(row.into())
    }

    /// Grants: one partner's, or all.
    pub async fn grants(&self, partner: Option<&str>) -> Result<Vec<GrantView>, AppError> {
        Ok(self
            .repo()
            .grants(partner, None)
            .await?
            .into_iter()
            .map(GrantView::from)
            .collect())
    }

    /// The releases a partner user may read now: granted to its
    /// organisation, started, and not yet published (a published release
    /// is the public archive's).
    pub async fn partner_releases(&self, user: &str, now: Hour) -> Result<Vec<GrantView>, AppError> {
        let partner = self.partner_of(user).await?;
        let mut out = Vec::new();
        for grant in self.repo().grants(Some(&partner), None).await? {
            let release = self.release_record(&grant.release).await?;
            if grant.start_hour <= now.index() && release.state != ReleaseState::Published {
                out.push(grant.into());
            }
        }
        Ok(out)
    }

    /// The grant that lets `user` read `release` now; an error otherwise
    /// (the same error whether the release exists or not).
    async fn partner_grant(&self, user: &str, release: &str, now: Hour) -> Result<(String, GrantView), AppError> {
        let partner = self.partner_of(user).await?;
        let grant = self
            .partner_releases(user, now)
            .await?
            .into_iter()
            .find(|g| g.release == release)
            .ok_or_else(|| AppError::NoRelease(release.to_owned()))?;
        Ok((partner, grant))
    }

    async fn log_access(
        &self,
        user: &str,
        partner: &str,
        release: &str,
        document: Option<&str>,
        action: AccessAction,
        now: Hour,
    ) -> Result<(), AppError> {
        let row = AccessRow {
            user: user.to_owned(),
            partner: partner.to_owned(),
            release: release.to_owned(),
            document: document.map(str::to_owned),
            action,
            hour: now.index(),
        };
        Ok(self.repo().record_access(&row).await?)
    }

    /// A release `user` may read now: its partner, its record, and the
    /// documents it holds back (which a partner never sees).
    async fn granted_release(
        &self,
        user: &str,
        release: &str,
        now: Hour,
    ) -> Result<(String, trove_store::ReleaseRecord, std::collections::HashSet<String>), AppError> {
        let (partner, _) = self.partner_grant(user, release, now).await?;
        let record = self.release_record(release).await?;
        Ok((partner, record, self.held_back(release).await?))
    }

    /// The documents of a granted release a partner may read (those held
    /// back are not listed), in path order; logged as a view.
    pub async fn partner_release_documents(
        &self,
        user: &str,
        release: &str,
        now: Hour,
    ) -> Result<Vec<PartnerListed>, AppError> {
        let (partner, record, held) = self.granted_release(user, release, now).await?;
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let page = self.repo().documents_page(&record.submission, &after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.path.clone();
            out.extend(
                page.into_iter()
                    .filter(|d| !held.contains(&d.id))
                    .map(|d| PartnerListed {
                        document: d.id,
                        path: d.path,
                        doc_type: d.doc_type,
                    }),
            );
        }
        self.log_access(user, &partner, release, None, AccessAction::View, now)
            .await?;
        Ok(out)
    }

    /// One document of a granted release, with every redaction taken out;
    /// logged as a view (or a download).
    pub async fn partner_document(
        &self,
        user: &str,
        release: &str,
        document: &str,
        download: bool,
        now: Hour,
    ) -> Result<PartnerDocument, AppError> {
        let (partner, _) = self.partner_grant(user, release, now).await?;
        if self.held_back(release).await?.contains(document) {
            return Err(AppError::NoDocument(document.to_owned()));
        }
        let review = self.release_document(release, document).await?;
        let spans: Vec<trove_publish::Span> = review
            .redactions
            .iter()
            .filter(|r| r.state != RedactionState::Rejected)
            .map(|r| trove_publish::Span {
                start: r.start as usize,
                end: r.end as usize,
                kind: trove_publish::SpanKind::parse(&r.kind).unwrap_or(trove_publish::SpanKind::Manual),
            })
            .collect();
        let text = trove_publish::redact::apply(&review.text, &spans).map_err(|source| AppError::Redaction {
            document: review.path.clone(),
            source,
        })?;
        let action = if download {
            AccessAction::Download
        } else {
            AccessAction::View
        };
        self.log_access(user, &partner, release, Some(document), action, now)
            .await?;
        Ok(PartnerDocument {
            release: release.to_owned(),
            document: document.to_owned(),
            path: review.path,
            doc_type: review.doc_type,
            text,
            redactions: spans.len(),
        })
    }

    /// A search within a granted release (the desk's index, the release's
    /// submission, without the documents held back); logged.
    pub async fn partner_search(
        &self,
        user: &str,
        release: &str,
        query: &str,
        now: Hour,
    ) -> Result<Vec<PartnerListed>, AppError> {
        let (partner, record, held) = self.granted_release(user, release, now).await?;
        let hits = self
            .search(&trove_search::Query {
                text: query.to_owned(),
                submission: Some(record.submission.to_string()),
                limit: 100,
            })
            .await?;
        let ids: Vec<&str> = hits
            .iter()
            .map(|h| h.hit.id.as_str())
            .filter(|id| !held.contains(*id))
            .collect();
        let documents = self.repo().documents_by_ids(&ids).await?;
        self.log_access(user, &partner, release, None, AccessAction::Search, now)
            .await?;
        Ok(ids
            .iter()
            .filter_map(|id| documents.iter().find(|d| d.id == *id))
            .map(|d| PartnerListed {
                document: d.id.clone(),
                path: d.path.clone(),
                doc_type: d.doc_type.clone(),
            })
            .collect())
    }

    /// The access log: one partner's, or all (editors), newest first.
    pub async fn partner_access_log(&self, partner: Option<&str>, limit: u32) -> Result<Vec<AccessView>, AppError> {
        Ok(self
            .repo()
            .access_log(partner, limit)
            .await?
            .into_iter()
            .map(|a| AccessView {
                user: a.user,
                partner: a.partner,
                release: a.release,
                document: a.document,
                action: a.action,
                at: Hour::from_index(a.hour),
            })
            .collect())
    }
}
