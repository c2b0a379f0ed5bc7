//! An in-process SMTP sink for tests: accepts every message over plain SMTP on
//! `127.0.0.1:<random port>` and hands the parsed mails to the test.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailparse::MailHeaderMap;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// One received message: the SMTP envelope plus the decoded content.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `MAIL FROM` envelope address.
    pub from: String,
    /// `RCPT TO` envelope addresses.
    pub to: Vec<String>,
    /// Decoded `Subject` header.
    pub subject: String,
    /// Decoded text/plain part, or the whole decoded body if there is none.
    pub text: String,
    /// Decoded text/html part, if any.
    pub html: Option<String>,
    /// The message exactly as received (dot-stuffing undone).
    pub raw: String,
}

#[derive(Default)]
struct Inbox {
    queue: Mutex<VecDeque<Mail>>,
    arrived: Notify,
}

pub struct SmtpSink {
    addr: SocketAddr,
    inbox: Arc<Inbox>,
    acceptor: JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP sink");
        let addr = listener.local_addr().expect("SMTP sink address");
        let inbox = Arc::new(Inbox::default());
        let shared = inbox.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inbox = shared.clone();
                tokio::spawn(async move {
                    let _ = session(stream, &inbox).await;
                });
            }
        });
        SmtpSink {
            addr,
            inbox,
            acceptor,
        }
    }

    /// `smtp://127.0.0.1:PORT` — plain SMTP, as lettre expects it.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Waits up to `timeout` for the next mail (oldest first).
    pub async fn next_mail(&self, timeout: Duration) -> Option<Mail> {
        self.next_matching(timeout, |_| true).await
    }

    /// Waits for the next mail whose envelope recipients include `rcpt`
    /// (case-insensitive); other mails stay queued.
    pub async fn next_mail_to(&self, rcpt: &str, timeout: Duration) -> Option<Mail> {
        self.next_matching(timeout, |m| {
            m.to.iter().any(|t| t.eq_ignore_ascii_case(rcpt))
        })
        .await
    }

    async fn next_matching(&self, timeout: Duration, want: impl Fn(&Mail) -> bool) -> Option<Mail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register interest before looking, so a mail arriving in between still wakes us.
            let arrived = self.inbox.arrived.notified();
            {
                let mut queue = self.inbox.queue.lock().unwrap();
                if let Some(i) = queue.iter().position(&want) {
                    return queue.remove(i);
                }
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let mut queue = self.inbox.queue.lock().unwrap();
                return queue.iter().position(&want).and_then(|i| queue.remove(i));
            }
        }
    }

    /// Removes and returns every mail received so far, without waiting.
    pub fn try_all(&self) -> Vec<Mail> {
        self.inbox.queue.lock().unwrap().drain(..).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

async fn session(stream: TcpStream, inbox: &Inbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut from = String::new();
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    write
        .write_all(b"220 localhost Starling test SMTP sink\r\n")
        .await?;
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_string();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-localhost\r\n250-SIZE 52428800\r\n250 8BITMIME\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                from.clear();
                to.clear();
                b"250 OK\r\n"
            }
            "MAIL" => {
                from = angle_address(&command);
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                to.push(angle_address(&command));
                b"250 OK\r\n"
            }
            "DATA" if to.is_empty() => b"503 need RCPT first\r\n",
            "DATA" => {
                write
                    .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut raw = Vec::new();
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    // Undo dot-stuffing: a leading "." was doubled by the client.
                    let body_line = if line.starts_with(b".") {
                        &line[1..]
                    } else {
                        &line[..]
                    };
                    raw.extend_from_slice(body_line);
                }
                let mail = parse_mail(std::mem::take(&mut from), std::mem::take(&mut to), raw);
                inbox.queue.lock().unwrap().push_back(mail);
                inbox.arrived.notify_waiters();
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return write.shutdown().await;
            }
            _ => b"502 command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// The address inside `<…>` of `MAIL FROM:<a@b> SIZE=…` / `RCPT TO:<a@b>`.
fn angle_address(command: &str) -> String {
    match (command.find('<'), command.find('>')) {
        (Some(start), Some(end)) if start < end => command[start + 1..end].to_string(),
        _ => command
            .split_once(':')
            .map(|(_, a)| a.trim().to_string())
            .unwrap_or_default(),
    }
}

fn parse_mail(from: String, to: Vec<String>, raw: Vec<u8>) -> Mail {
    let raw_text = String::from_utf8_lossy(&raw).into_owned();
    let (mut subject, mut text, mut html) = (String::new(), None, None);
    // A malformed message is still delivered (raw text only) so the test can look at it.
    if let Ok(parsed) = mailparse::parse_mail(&raw) {
        subject = parsed
            .headers
            .get_first_value("Subject")
            .unwrap_or_default();
        collect_parts(&parsed, &mut text, &mut html);
        if text.is_none() {
            text = parsed.get_body().ok();
        }
    }
    Mail {
        from,
        to,
        subject,
        text: text.unwrap_or_else(|| raw_text.clone()),
        html,
        raw: raw_text,
    }
}

/// First text/plain and text/html leaf parts that are not attachments.
fn collect_parts(
    part: &mailparse::ParsedMail,
    text: &mut Option<String>,
    html: &mut Option<String>,
) {
    if !part.subparts.is_empty() {
        for sub in &part.subparts {
            collect_parts(sub, text, html);
        }
        return;
    }
    if part.get_content_disposition().disposition == mailparse::DispositionType::Attachment {
        return;
    }
    let slot = match part.ctype.mimetype.to_ascii_lowercase().as_str() {
        "text/plain" => text,
        "text/html" => html,
        _ => return,
    };
    if slot.is_none() {
        *slot = part.get_body().ok();
    }
}

/// The first `http(s)://` URL in `text` whose path starts with `path_prefix`
/// (e.g. `/auth/confirmation`). Handles URLs inside HTML attributes (`&amp;`).
pub fn extract_link(text: &str, path_prefix: &str) -> Option<String> {
    let mut rest = text;
    while let Some(start) = rest.find("http") {
        let candidate = &rest[start..];
        rest = &rest[start + 4..];
        if !(candidate.starts_with("http://") || candidate.starts_with("https://")) {
            continue;
        }
        let end = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(candidate.len());
        let url = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']']);
        let url = url.replace("&amp;", "&");
        let after_scheme = &url[url.find("://").unwrap() + 3..];
        let path = after_scheme
            .find('/')
            .map(|i| &after_scheme[i..])
            .unwrap_or("/");
        if path.starts_with(path_prefix) {
            return Some(url);
        }
    }
    None
}
