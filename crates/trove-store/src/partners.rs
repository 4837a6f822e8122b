//! Media partners' records (desk side): organisations, which users belong
//! to them, their grants of exclusive early access to releases, and every
//! access they made. The rules (the embargo cap, what a partner may read)
//! belong to the operations layer; this is only where they are kept.

use std::future::Future;

use sqlx::Row;

use crate::repo::db_err;
use crate::{SqlRepo, StoreError};

/// A partner organisation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartnerRow {
    pub name: String,
    /// Its witness verifier key (C2SP note format).
    pub witness_vkey: String,
    pub created_day: String,
}

/// Exclusive early access to one release for one partner.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GrantRow {
    pub release: String,
    pub partner: String,
    pub start_hour: i64,
    pub embargo_until: i64,
    /// SHA-256 (hex) of the written terms.
    pub terms_sha256: String,
    pub paid: bool,
    pub by: String,
    pub log_index: u64,
}

/// What a partner did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessAction {
    View,
    Download,
    Search,
}

impl AccessAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessAction::View => "view",
            AccessAction::Download => "download",
            AccessAction::Search => "search",
        }
    }

    fn parse(text: &str) -> AccessAction {
        match text {
            "download" => AccessAction::Download,
            "search" => AccessAction::Search,
            _ => AccessAction::View,
        }
    }
}

/// One access by a partner user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessRow {
    pub user: String,
    pub partner: String,
    pub release: String,
    pub document: Option<String>,
    pub action: AccessAction,
    pub hour: i64,
}

/// Partners, their members, grants and access log.
pub trait PartnerRepo: Send + Sync {
    /// Adds an organisation; false if the name is taken.
    fn add_partner(&self, partner: &PartnerRow) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn partners(&self) -> impl Future<Output = Result<Vec<PartnerRow>, StoreError>> + Send;

    /// Makes `user` a member of `partner`.
    fn add_member(&self, user: &str, partner: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The organisation a user belongs to.
    fn member_of(&self, user: &str) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Records a grant (signed already); false if this partner already has
    /// one for this release.
    fn add_grant(&self, grant: &GrantRow) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Grants, of one partner or of one release, or all; by start.
    fn grants(
        &self,
        partner: Option<&str>,
        release: Option<&str>,
    ) -> impl Future<Output = Result<Vec<GrantRow>, StoreError>> + Send;

    fn record_access(&self, access: &AccessRow) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The access log, of one partner or all, newest first, at most `limit`.
    fn access_log(
        &self,
        partner: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AccessRow>, StoreError>> + Send;
}

fn grant_from_row(row: &sqlx::any::AnyRow) -> GrantRow {
    GrantRow {
        release: row.get("release_id"),
        partner: row.get("partner"),
        start_hour: row.get("start_hour"),
        embargo_until: row.get("embargo_until"),
        terms_sha256: row.get("terms_sha256"),
        paid: row.get::<i64, _>("paid") != 0,
        by: row.get("by_user"),
        log_index: row.get::<i64, _>("log_index") as u64,
    }
}

impl PartnerRepo for SqlRepo {
    async fn add_partner(&self, partner: &PartnerRow) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO partners (name, witness_vkey, created_day) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(&partner.name)
        .bind(&partner.witness_vkey)
        .bind(&partner.created_day)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("recording partner {:?}", partner.name)))?;
        Ok(done.rows_affected() > 0)
    }

    async fn partners(&self) -> Result<Vec<PartnerRow>, StoreError> {
        let rows = sqlx::query("SELECT name, witness_vkey, created_day FROM partners ORDER BY name")
            .fetch_all(self.pool())
            .await
            .map_err(db_err("listing partners"))?;
        Ok(rows
            .iter()
            .map(|row| PartnerRow {
                name: row.get("name"),
                witness_vkey: row.get("witness_vkey"),
                created_day: row.get("created_day"),
            })
            .collect())
    }

    async fn add_member(&self, user: &str, partner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO partner_members (user_name, partner) VALUES ($1, $2)
             ON CONFLICT (user_name) DO UPDATE SET partner = excluded.partner",
        )
        .bind(user)
        .bind(partner)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("adding {user} to partner {partner:?}")))?;
        Ok(())
    }

    async fn member_of(&self, user: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT partner FROM partner_members WHERE user_name = $1")
            .bind(user)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err(format!("reading the partner of {user}")))?;
        Ok(row.map(|r| r.get("partner")))
    }

    async fn add_grant(&self, grant: &GrantRow) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO partner_grants
               (release_id, partner, start_hour, embargo_until, terms_sha256, paid, by_user, log_index)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT DO NOTHING",
        )
        .bind(&grant.release)
        .bind(&grant.partner)
        .bind(grant.start_hour)
        .bind(grant.embargo_until)
        .bind(&grant.terms_sha256)
        .bind(i64::from(grant.paid))
        .bind(&grant.by)
        .bind(grant.log_index as i64)
        .execute(self.pool())
        .await
        .map_err(db_err(format!(
            "recording the grant of release {} to {:?}",
            grant.release, grant.partner
        )))?;
        Ok(done.rows_affected() > 0)
    }

    async fn grants(&self, partner: Option<&str>, release: Option<&str>) -> Result<Vec<GrantRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT release_id, partner, start_hour, embargo_until, terms_sha256, paid, by_user, log_index
             FROM partner_grants WHERE ($1 IS NULL OR partner = $1) AND ($2 IS NULL OR release_id = $2)
             ORDER BY start_hour, release_id, partner",
        )
        .bind(partner)
        .bind(release)
        .fetch_all(self.pool())
        .await
        .map_err(db_err("reading grants"))?;
        Ok(rows.iter().map(grant_from_row).collect())
    }

    async fn record_access(&self, access: &AccessRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO partner_access (user_name, partner, release_id, document_id, action, hour)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&access.user)
        .bind(&access.partner)
        .bind(&access.release)
        .bind(&access.document)
        .bind(access.action.as_str())
        .bind(access.hour)
        .execute(self.pool())
        .await
        .map_err(db_err("recording a partner's access"))?;
        Ok(())
    }

    async fn access_log(&self, partner: Option<&str>, limit: u32) -> Result<Vec<AccessRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT user_name, partner, release_id, document_id, action, hour FROM partner_access
             WHERE $1 IS NULL OR partner = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(partner)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(db_err("reading the partners' access log"))?;
        Ok(rows
            .iter()
            .map(|row| AccessRow {
                user: row.get("user_name"),
                partner: row.get("partner"),
                release: row.get("release_id"),
                document: row.get("document_id"),
                action: AccessAction::parse(row.get::<&str, _>("action")),
                hour: row.get("hour"),
            })
            .collect())
    }
}
