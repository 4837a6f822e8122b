//! The desk's side of the conversation with a source: replies sealed to
//! the source's codename-derived key, and the messages both ways.

use std::str::FromStr;
use trove_store::IntakeRepo as _;

use serde::Serialize;
use trove_store::{BlobSealer, Day, Direction, MessageRecord, SubmissionId};

use crate::{AppError, Newsroom};

/// One message of a conversation. A source's message is opened with the
/// newsroom identity; a reply is sealed to the source and has no text here.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub id: String,
    pub day: String,
    pub from: Direction,
    pub text: Option<String>,
}

impl Newsroom {
    /// The source behind a submission, or an error that says why there is
    /// none.
    async fn source_of(&self, id: &SubmissionId) -> Result<String, AppError> {
        self.submission(id)
            .await?
            .source
            .ok_or_else(|| AppError::NoSource(id.to_string()))
    }

    /// Seals a reply to the source of a submission (its codename-derived
    /// recipient), so that only the codename opens it at rest.
    pub async fn reply(&self, id: &SubmissionId, text: &[u8]) -> Result<MessageRecord, AppError> {
        if std::str::from_utf8(text).is_err() {
            return Err(AppError::ReplyNotUtf8);
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            return Err(AppError::ReplyEmpty);
        }
        let source_id = self.source_of(id).await?;
        let source = self
            .repo()
            .source(&source_id)
            .await?
            .ok_or_else(|| AppError::SourceGone(id.to_string()))?;
        let recipient =
            age::x25519::Recipient::from_str(&source.reply_recipient).map_err(|e| AppError::ReplyKey(e.to_string()))?;
        let sealer = BlobSealer::new(self.dir().backend()?, vec![Box::new(recipient)])?;
        let put = sealer.put(text)?;
        let message = MessageRecord {
            id: SubmissionId::random()?.to_string(),
            source_id,
            direction: Direction::Newsroom,
            blob: put.blob,
            day: Day::today().to_string(),
        };
        self.repo().add_message(&message).await?;
        Ok(message)
    }

    /// The conversation with a submission's source, oldest first.
    pub async fn messages(&self, id: &SubmissionId) -> Result<Vec<Message>, AppError> {
        let source_id = self.source_of(id).await?;
        let opener = self.opener()?;
        let mut list = Vec::new();
        for message in self.repo().messages(&source_id).await? {
            let text = match message.direction {
                Direction::Source => {
                    let mut text = Vec::new();
                    opener.copy_to(&message.blob, &mut text)?;
                    Some(String::from_utf8_lossy(&text).into_owned())
                }
                Direction::Newsroom => None,
            };
            list.push(Message {
                id: message.id,
                day: message.day,
                from: message.direction,
                text,
            });
        }
        Ok(list)
    }
}
