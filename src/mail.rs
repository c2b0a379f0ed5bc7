//! Outgoing mail: SMTP when `mail.smtp_url` is set, otherwise `.eml` files in
//! `<data_dir>/mail/` with the message logged, so a dev server works without a mail server.

use crate::error::{AppError, AppResult};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Arc<Transport>,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// A message ready to send: both a plain-text and an HTML body.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mailer {
    pub fn new(smtp_url: &str, from: &str, data_dir: &std::path::Path) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("mail.from {from:?}: {e}"))?;
        let transport = if smtp_url.trim().is_empty() {
            Transport::Outbox(data_dir.join("mail"))
        } else {
            let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
                .map_err(|e| format!("mail.smtp_url: {e}"))?
                .timeout(Some(std::time::Duration::from_secs(20)))
                .build();
            Transport::Smtp(smtp)
        };
        Ok(Mailer {
            from,
            transport: Arc::new(transport),
        })
    }

    pub async fn send(&self, mail: Mail) -> AppResult<()> {
        // The address was validated at sign-up; parsing again guards header injection.
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| AppError::invalid("E-mail address is invalid"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html,
            ))
            .map_err(AppError::internal)?;
        match &*self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(AppError::internal)?;
            }
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(AppError::internal)?;
                let name = format!(
                    "{}-{}.eml",
                    time::OffsetDateTime::now_utc().unix_timestamp_nanos(),
                    crate::service::secrets::random_token(6)
                );
                let path = dir.join(name);
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(AppError::internal)?;
                tracing::info!(to = %mail.to, subject = %mail.subject, path = %path.display(),
                    "mail written to the outbox (no SMTP configured):\n{}", mail.text);
            }
        }
        Ok(())
    }
}
