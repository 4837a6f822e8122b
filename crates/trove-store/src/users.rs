//! The desk's users (see `migrations/0007_users.sql`).

use std::future::Future;

use sqlx::Row;

use crate::repo::db_err;
use crate::{SqlRepo, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub totp_secret: String,
    pub created_day: String,
    /// Disabled by an admin: no log-in, and open sessions end.
    pub disabled: bool,
}

/// Desk users.
pub trait UserRepo: Send + Sync {
    /// Adds a user; false if the name is taken.
    fn add_user(&self, user: &UserRecord) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn user(&self, name: &str) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send;

    /// Every user: name, role, creation day.
    fn users(&self) -> impl Future<Output = Result<Vec<(String, String, String)>, StoreError>> + Send;

    /// Records `step` as the user's last TOTP step if it is later than the
    /// last one recorded; false if it is not (the code was used already).
    /// One statement, so two log-ins racing with one code cannot both win.
    fn claim_totp_step(&self, name: &str, step: u64) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Disables or enables a user; false if there is no such user.
    fn set_disabled(&self, name: &str, disabled: bool) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

impl UserRepo for SqlRepo {
    /// Adds a user; false if the name is taken.
    async fn add_user(&self, user: &UserRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO users (name, role, password_hash, totp_secret, created_day) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&user.name)
        .bind(&user.role)
        .bind(&user.password_hash)
        .bind(&user.totp_secret)
        .bind(&user.created_day)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("adding user {}", user.name)))?;
        Ok(done.rows_affected() == 1)
    }

    async fn user(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT name, role, password_hash, totp_secret, created_day, disabled FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(self.pool())
        .await
        .map_err(db_err(format!("reading user {name}")))?;
        Ok(row.map(|row| UserRecord {
            name: row.get(0),
            role: row.get(1),
            password_hash: row.get(2),
            totp_secret: row.get(3),
            created_day: row.get(4),
            disabled: row.get::<i64, _>(5) != 0,
        }))
    }

    /// Every user: name, role, creation day.
    async fn users(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query("SELECT name, role, created_day FROM users ORDER BY name")
            .fetch_all(self.pool())
            .await
            .map_err(db_err("listing users"))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    async fn claim_totp_step(&self, name: &str, step: u64) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE users SET last_step = $1 WHERE name = $2 AND (last_step IS NULL OR last_step < $1)")
                .bind(step as i64)
                .bind(name)
                .execute(self.pool())
                .await
                .map_err(db_err(format!("recording the log-in of {name}")))?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_disabled(&self, name: &str, disabled: bool) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE name = $2")
            .bind(i64::from(disabled))
            .bind(name)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("disabling user {name}")))?;
        Ok(done.rows_affected() == 1)
    }
}
