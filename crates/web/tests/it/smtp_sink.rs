//! A small SMTP server for tests: it speaks enough of RFC 5321 for a real
//! client (EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP, QUIT),
//! records every message it accepts, and can answer `451` (a temporary
//! failure) at the end of DATA for the next K messages. A sink that was
//! stopped leaves its port closed, so a client sees the server down; one
//! started again on the same address picks up from there.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent, dot-unstuffed, CRLF line ends.
    pub data: String,
}

impl Received {
    /// The text with quoted-printable soft line breaks removed, for searching.
    pub fn text(&self) -> String {
        self.data.replace("=\r\n", "")
    }
}

#[derive(Default)]
struct State {
    accepted: Vec<Received>,
    /// Messages refused with 451 so far.
    refused: usize,
    /// Refuse this many more messages with 451.
    fail_next: usize,
}

pub struct SmtpSink {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    pub async fn start_on(addr: SocketAddr) -> SmtpSink {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, shared.clone()));
            }
        });
        SmtpSink { addr, state, task }
    }

    /// An address on which nothing listens (a server that is down).
    pub async fn closed_address() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Answer `451` to the next `k` messages.
    pub fn fail_next(&self, k: usize) {
        self.state.lock().unwrap().fail_next = k;
    }

    pub fn accepted(&self) -> Vec<Received> {
        self.state.lock().unwrap().accepted.clone()
    }

    pub fn refused(&self) -> usize {
        self.state.lock().unwrap().refused
    }
}

/// Dropping the sink stops it: later connections are refused.
impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn reply(w: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) -> bool {
    w.write_all(text.as_bytes()).await.is_ok()
}

fn address_in(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg.rfind('>').unwrap_or(arg.len());
    arg[start..end].to_string()
}

async fn session(stream: TcpStream, state: Arc<Mutex<State>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if !reply(&mut write, "220 sink.test ESMTP ready\r\n").await {
        return;
    }
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let cmd = line.trim_end_matches(['\r', '\n']);
        let upper = cmd.to_ascii_uppercase();
        let answer = if upper.starts_with("EHLO") {
            "250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".to_string()
        } else if upper.starts_with("HELO") {
            "250 sink.test\r\n".to_string()
        } else if upper.starts_with("MAIL FROM:") {
            from = address_in(&cmd[10..]);
            to.clear();
            "250 2.1.0 ok\r\n".to_string()
        } else if upper.starts_with("RCPT TO:") {
            to.push(address_in(&cmd[8..]));
            "250 2.1.5 ok\r\n".to_string()
        } else if upper == "DATA" {
            if !reply(&mut write, "354 end with <CRLF>.<CRLF>\r\n").await {
                return;
            }
            let mut data = String::new();
            loop {
                line.clear();
                match lines.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let l = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(l);
            }
            let mut s = state.lock().unwrap();
            if s.fail_next > 0 {
                s.fail_next -= 1;
                s.refused += 1;
                "451 4.3.0 temporary failure, try again later\r\n".to_string()
            } else {
                s.accepted.push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
                "250 2.0.0 queued\r\n".to_string()
            }
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            "250 2.0.0 ok\r\n".to_string()
        } else if upper == "NOOP" {
            "250 2.0.0 ok\r\n".to_string()
        } else if upper == "QUIT" {
            let _ = reply(&mut write, "221 2.0.0 bye\r\n").await;
            return;
        } else {
            "502 5.5.2 command not recognised\r\n".to_string()
        };
        if !reply(&mut write, &answer).await {
            return;
        }
    }
}
