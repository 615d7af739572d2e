//! `cargo book serve`: build, serve on 127.0.0.1, rebuild on change, reload the browser.
//!
//! In: the project root and an address. Out: a running server until the process is stopped.
//!
//! Pieces, all std: a poll watcher over `book/`, `diagrams/`, `snippets/src` and `theme/`
//! (polling is portable and cheap at this size: about 200 files, checked every 400 ms); a
//! thread-per-connection HTTP/1.1 file server; and a Server-Sent Events stream at
//! [`RELOAD_ENDPOINT`] that tells open pages to reload after each successful rebuild. A failed
//! rebuild keeps the last good pages and serves the diagnostics as an error page until fixed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime};

use crate::mdbook::{BuildOptions, build};

/// Path of the reload event stream, without the leading `/`.
pub const RELOAD_ENDPOINT: &str = "__dsbook/reload";

/// Where and what to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The project root (holding `book/`, `diagrams/`, `snippets/`, `theme/`).
    pub project_root: PathBuf,
    /// Output folder for served builds, kept apart from `cargo book build`'s output so a
    /// build with the reload script is never published.
    pub dest: PathBuf,
    /// Address to listen on; loopback by default.
    pub addr: SocketAddr,
}

#[derive(Default)]
struct State {
    generation: u64,
    error: Option<String>,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// Serves the book until the process ends. Prints one line per rebuild.
pub fn serve(opts: &ServeOptions) -> anyhow::Result<()> {
    let listener = TcpListener::bind(opts.addr)?;
    let shared: Shared = Arc::default();
    let build_opts = BuildOptions {
        book_root: opts.project_root.join("book"),
        dest: Some(opts.dest.clone()),
        live_reload: Some(RELOAD_ENDPOINT.to_owned()),
    };
    rebuild(&build_opts, &shared);
    println!(
        "Serving the book at http://{} (Ctrl-C to stop)",
        listener.local_addr()?
    );

    let watch_roots: Vec<PathBuf> = ["book", "diagrams", "snippets/src", "theme"]
        .iter()
        .map(|d| opts.project_root.join(d))
        .collect();
    {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            let mut last = fingerprint(&watch_roots);
            loop {
                std::thread::sleep(Duration::from_millis(400));
                let now = fingerprint(&watch_roots);
                if now != last {
                    last = now;
                    rebuild(&build_opts, &shared);
                }
            }
        });
    }
    for stream in listener.incoming().flatten() {
        let shared = Arc::clone(&shared);
        let root = opts.dest.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &root, &shared);
        });
    }
    Ok(())
}

fn rebuild(opts: &BuildOptions, shared: &Shared) {
    let result = build(opts);
    let (lock, changed) = &**shared;
    let Ok(mut state) = lock.lock() else { return };
    match result {
        Ok(outcome) => {
            println!("built in {} ms", outcome.elapsed.as_millis());
            for warning in &outcome.report.warnings {
                eprintln!("{warning}");
            }
            state.error = None;
        }
        Err(e) => {
            let message = format!("{e:#}");
            eprintln!("{message}");
            state.error = Some(message);
        }
    }
    state.generation += 1;
    changed.notify_all();
}

/// Modification times and sizes of every file under the roots, skipping dependencies.
fn fingerprint(roots: &[PathBuf]) -> BTreeMap<PathBuf, (SystemTime, u64)> {
    let mut seen = BTreeMap::new();
    for root in roots {
        let walker = walkdir::WalkDir::new(root)
            .into_iter()
            .filter_entry(|e| e.file_name() != "node_modules");
        for entry in walker.filter_map(Result::ok) {
            if let Ok(meta) = entry.metadata()
                && meta.is_file()
            {
                seen.insert(
                    entry.into_path(),
                    (
                        meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                        meta.len(),
                    ),
                );
            }
        }
    }
    seen
}

fn handle(mut stream: TcpStream, root: &Path, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"only GET and HEAD\n",
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    if path.trim_start_matches('/') == RELOAD_ENDPOINT {
        return events(stream, shared);
    }
    let error = shared.0.lock().ok().and_then(|s| s.error.clone());
    if let Some(error) = error
        && (path.ends_with('/') || path.ends_with(".html"))
    {
        return respond(
            &mut stream,
            "500 Internal Server Error",
            "text/html; charset=utf-8",
            error_page(&error).as_bytes(),
        );
    }
    let Some(file) = local_path(root, path) else {
        return respond(&mut stream, "400 Bad Request", "text/plain", b"bad path\n");
    };
    match std::fs::read(&file) {
        Ok(body) => respond(&mut stream, "200 OK", content_type(&file), &body),
        Err(_) => {
            let body =
                std::fs::read(root.join("404.html")).unwrap_or_else(|_| b"not found\n".to_vec());
            respond(
                &mut stream,
                "404 Not Found",
                "text/html; charset=utf-8",
                &body,
            )
        }
    }
}

/// Maps a URL path to a file under `root`, refusing anything that climbs out of it.
fn local_path(root: &Path, url_path: &str) -> Option<PathBuf> {
    let mut file = root.to_path_buf();
    for segment in url_path.split('/') {
        match segment {
            "" | "." => {}
            ".." => return None,
            s if s.contains('\\') => return None,
            s => file.push(crate::html::percent_decode(s)),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)
}

/// Holds the connection open and sends `reload` after every rebuild.
fn events(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\r\n",
    )?;
    let (lock, changed) = &**shared;
    let mut seen = lock.lock().map(|s| s.generation).unwrap_or(0);
    loop {
        let guard = lock.lock().map_err(|_| std::io::Error::other("poisoned"))?;
        let (guard, timeout) = changed
            .wait_timeout_while(guard, Duration::from_secs(15), |s| s.generation == seen)
            .map_err(|_| std::io::Error::other("poisoned"))?;
        let generation = guard.generation;
        drop(guard);
        if timeout.timed_out() {
            // A comment line keeps proxies and the browser from closing an idle stream.
            stream.write_all(b": keep-alive\n\n")?;
        } else {
            seen = generation;
            stream.write_all(b"data: reload\n\n")?;
        }
        stream.flush()?;
    }
}

fn error_page(message: &str) -> String {
    let escaped = crate::html::escape(message);
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title></head>\
         <body style=\"font-family:sans-serif;margin:2rem\"><h1>The book did not build</h1>\
         <p>Fix the problems below; this page reloads by itself when the build succeeds.</p>\
         <pre style=\"white-space:pre-wrap\">{escaped}</pre>\
         <script>new EventSource('/{RELOAD_ENDPOINT}').onmessage = function () {{ location.reload(); }};</script>\
         </body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_root() {
        let root = Path::new("/srv/book");
        assert_eq!(local_path(root, "/../etc/passwd"), None);
        assert_eq!(
            local_path(root, "/a%20b.html"),
            Some(PathBuf::from("/srv/book/a b.html"))
        );
    }
}
