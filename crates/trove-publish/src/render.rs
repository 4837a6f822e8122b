//! How each document is published. Nothing goes out as it came except
//! mail with nothing taken out, whose original bytes are what lets a
//! reader check its DKIM signature; everything else is re-rendered from
//! what remains (text), or drawn to pixels and read back (pages and
//! images), so no original metadata or hidden content can ride along.

use serde_json::Value;

/// What a document becomes in a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Its members are records of their own.
    Container,
    /// The original bytes (mail without redactions, flags or held-back
    /// attachments).
    Original { extension: &'static str },
    /// Its rendered text, with redactions taken out, as UTF-8 text.
    Text,
    /// Pages drawn to pixels, redactions burned in, a text layer from OCR
    /// of the pixels: a new PDF.
    Pixels,
    /// It cannot be published safely; withheld with `CANNOT_RENDER`.
    CannotRender(String),
}

/// What the document is and what happens to it in a release.
pub struct PlanInput<'a> {
    pub doc_type: &'a str,
    /// Ingest read it whole (not failed, encrypted or partial).
    pub readable: bool,
    pub redactions: usize,
    /// Source-protection flags with values (they must not ride along).
    pub flagged: bool,
    /// Every document inside it is published as it came (so the original
    /// bytes hold nothing that was withheld or redacted).
    pub members_unchanged: bool,
}

/// The plan for one document.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    match input.doc_type {
        "mbox" | "zip" | "tar.gz" | "gzip" | "tar" | "bzip2" | "xz" | "7z" => Plan::Container,
        _ if !input.readable => Plan::CannotRender("ingest could not read it whole".into()),
        "email" if input.redactions == 0 && !input.flagged && input.members_unchanged => {
            Plan::Original { extension: "eml" }
        }
        "pdf" | "image" => Plan::Pixels,
        "email" | "msg" | "text" | "html" | "csv" | "docx" | "xlsx" | "pptx" | "odt" | "ods" | "doc" | "xls"
        | "ppt" | "ics" | "vcf" | "dbf" | "empty" => Plan::Text,
        other => Plan::CannotRender(format!("trove has no safe rendering for {other} files")),
    }
}

/// The text a release publishes for a document, which redaction spans
/// index: for mail, its From, To, Cc, Date and Subject lines, then its
/// body (ingest's text is the subject, a blank line, the body); for the
/// rest, ingest's text.
pub fn rendered_text(doc_type: &str, metadata: &Value, text: &str) -> String {
    if !matches!(doc_type, "email" | "msg") {
        return text.to_owned();
    }
    let field = |name: &str| -> Option<String> {
        match metadata.get(name)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Array(items) if !items.is_empty() => {
                Some(items.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", "))
            }
            _ => None,
        }
    };
    let mut out = String::new();
    for (label, name) in [
        ("From", "from"),
        ("To", "to"),
        ("Cc", "cc"),
        ("Date", "date"),
        ("Subject", "subject"),
    ] {
        if let Some(value) = field(name) {
            out.push_str(&format!("{label}: {}\n", value.replace('\n', " ")));
        }
    }
    out.push('\n');
    let subject = field("subject").unwrap_or_default();
    let body = text
        .strip_prefix(subject.as_str())
        .and_then(|rest| rest.strip_prefix("\n\n"))
        .unwrap_or(text);
    out.push_str(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(doc_type: &str) -> PlanInput<'_> {
        PlanInput {
            doc_type,
            readable: true,
            redactions: 0,
            flagged: false,
            members_unchanged: true,
        }
    }

    #[test]
    fn only_untouched_mail_goes_out_as_it_came() {
        assert_eq!(plan(&input("email")), Plan::Original { extension: "eml" });
        let redacted = PlanInput {
            redactions: 1,
            ..input("email")
        };
        assert_eq!(plan(&redacted), Plan::Text);
        let attachment_held_back = PlanInput {
            members_unchanged: false,
            ..input("email")
        };
        assert_eq!(plan(&attachment_held_back), Plan::Text);
        assert_eq!(plan(&input("docx")), Plan::Text);
        assert_eq!(plan(&input("pdf")), Plan::Pixels);
        assert_eq!(plan(&input("zip")), Plan::Container);
        assert!(matches!(plan(&input("binary")), Plan::CannotRender(_)));
        assert!(matches!(
            plan(&PlanInput {
                readable: false,
                ..input("text")
            }),
            Plan::CannotRender(_)
        ));
    }

    #[test]
    fn a_mails_rendered_text_has_its_headers_then_its_body() {
        let metadata = json!({"from": ["Anna <anna@example.org>"], "to": ["bob@example.org"], "subject": "Budget", "date": "2024-01-02T03:04:05+00:00"});
        let text = rendered_text("email", &metadata, "Budget\n\nSee attached.");
        assert_eq!(
            text,
            "From: Anna <anna@example.org>\nTo: bob@example.org\nDate: 2024-01-02T03:04:05+00:00\nSubject: Budget\n\nSee attached."
        );
    }
}
