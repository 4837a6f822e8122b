//! `trove users` and the desk's actions: the web desk triages, decides and
//! replies through the same functions as the command line.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use serde_json::json;
use trove_desk::server::{ActionFuture, DeskActions, DeskDecision};
use trove_desk::{DeskState, Role};
use trove_store::{DecisionRecord, SubmissionId, today_utc};
use trove_triage::Outcome;

use crate::datadir::DataDir;
use crate::{print_report, serve, triage};

/// The binary's side of the desk.
struct Actions {
    root: PathBuf,
}

impl Actions {
    fn dir(&self) -> Result<DataDir, String> {
        DataDir::open(&self.root).map_err(|e| format!("{e:#}"))
    }
}

impl DeskActions for Actions {
    fn triage(&self, submission: SubmissionId) -> ActionFuture<'_, ()> {
        Box::pin(async move {
            let dir = self.dir()?;
            triage::triage(&dir, &submission)
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:#}"))
        })
    }

    fn decide(&self, submission: SubmissionId, decision: DeskDecision) -> ActionFuture<'_, DecisionRecord> {
        Box::pin(async move {
            let dir = self.dir()?;
            let outcome = match decision.outcome.as_str() {
                "accept" => Outcome::Accept,
                "reject" => Outcome::Reject,
                "defer" => Outcome::Defer,
                _ => return Err("choose accept, reject or defer".into()),
            };
            let decision = triage::Decision {
                outcome,
                reasons: decision.codes,
                note: decision.note,
                editor: decision.editor,
            };
            triage::decide(&dir, &submission, decision)
                .await
                .map_err(|e| format!("{e:#}"))
        })
    }

    fn reply(&self, submission: SubmissionId, text: String) -> ActionFuture<'_, ()> {
        Box::pin(async move {
            let dir = self.dir()?;
            serve::send_reply(&dir, &submission.to_string(), text.as_bytes())
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:#}"))
        })
    }
}

/// The desk's state for a data directory (it opens the identity).
pub async fn state(dir: &DataDir) -> anyhow::Result<Arc<DeskState>> {
    let actions = Arc::new(Actions { root: dir.root.clone() });
    Ok(DeskState::new(dir.repo(true).await?, dir.opener()?, actions)?)
}

/// A new desk user; editors and admins get a signing key of their name.
pub async fn add_user(dir: &DataDir, name: &str, role: Role) -> anyhow::Result<trove_desk::NewUser> {
    let user = trove_desk::users::create(name, role, &today_utc())?;
    let repo = dir.repo(true).await?;
    if !repo.add_user(&user.record).await? {
        bail!("there is already a user {name:?}");
    }
    if role.decides() {
        let key_role = trove_keys::StatementRole::Editor(name.to_owned());
        if dir.keyring().verifier_key(&key_role).is_err() {
            dir.keyring().generate_statement_key(&key_role)?;
            crate::ledger::open_log(dir)?;
        }
    }
    Ok(user)
}

pub async fn run_users_add(data: &Path, name: &str, role: &str, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let user = add_user(&dir, name, Role::parse(role)?).await?;
    print_report(
        json,
        &json!({
            "name": name,
            "role": role,
            "password": user.password.as_str(),
            "totp_secret": user.totp_secret,
            "otpauth": user.otpauth_uri("trove"),
        }),
        |_| {
            format!(
                "user {name} ({role}) added. Hand these over once, in person; they are not shown again:\n  password     {}\n  TOTP secret  {}\n  {}",
                user.password.as_str(),
                user.totp_secret,
                user.otpauth_uri("trove")
            )
        },
    );
    Ok(())
}

pub async fn run_users_list(data: &Path, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let users = dir.repo(false).await?.users().await?;
    let list: Vec<_> = users
        .iter()
        .map(|(name, role, day)| json!({ "name": name, "role": role, "created": day }))
        .collect();
    print_report(json, &json!({ "users": list }), |_| {
        users
            .iter()
            .map(|(name, role, day)| format!("{name:<20} {role:<11} {day}"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
