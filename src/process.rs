//! The one module that starts other programs (cosign, ffmpeg). Explicit argv
//! through `std::process::Command`, never a shell; each child in its own process
//! group, so that whatever it leaves running can be killed with it; stdin closed;
//! stderr drained on a thread (so a chatty child cannot block on a full pipe) and
//! capped; the group killed when the [`Child`] is dropped, so a run that stops
//! early leaves nothing behind.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The most of a child's stderr kept for an error message.
pub const STDERR_LIMIT: u64 = 16 * 1024;

/// `explicit` (a command-line path), else the path in environment variable `env`,
/// else the first executable `name` on `PATH`. The error says what was searched.
pub fn find_program(name: &str, explicit: Option<&Path>, env: &str) -> Result<PathBuf, String> {
    if let Some(path) = explicit {
        return if is_executable(path) {
            Ok(path.to_path_buf())
        } else {
            Err(format!("the {name} path given, {}, is not an executable file", path.display()))
        };
    }
    if let Some(path) = std::env::var_os(env) {
        let path = PathBuf::from(path);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(format!("{env}={} is not an executable file", path.display()))
        };
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&search)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| format!("no executable `{name}` on PATH"))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// A child's stderr as text fit for a terminal: invalid UTF-8 replaced, control
/// characters other than newline and tab escaped (a binary dump cannot reach the
/// terminal raw), trimmed.
pub fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .flat_map(|c| match c {
            '\n' | '\t' => vec![c],
            c if c.is_control() => c.escape_default().collect(),
            c => vec![c],
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A running child. Dropping it kills its process group and reaps it.
pub struct Child {
    child: std::process::Child,
    group: rustix::process::Pid,
    stderr: Receiver<Vec<u8>>,
    /// What stderr held, once collected.
    said: Option<Vec<u8>>,
}

/// Starts `program` with `args` in its own process group; its stdout is piped
/// when `capture_stdout` (take it with [`Child::take_stdout`]), else discarded.
pub fn spawn(program: &Path, args: &[&OsStr], capture_stdout: bool) -> std::io::Result<Child> {
    let mut command = Command::new(program);
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .args(args)
        .stdin(Stdio::null())
        .stdout(if capture_stdout { Stdio::piped() } else { Stdio::null() })
        .stderr(Stdio::piped())
        .spawn()?;
    // The text comes back through a channel, so that waiting for it is bounded
    // too: a grandchild can hold the pipe open after the child itself exits.
    let mut pipe = child.stderr.take().expect("stderr was piped");
    let (sender, stderr) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = pipe.by_ref().take(STDERR_LIMIT).read_to_end(&mut text);
        let _ = sender.send(text);
    });
    let group = rustix::process::Pid::from_child(&child);
    Ok(Child { child, group, stderr, said: None })
}

impl Child {
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    /// Kills whatever is left of the child's process group.
    pub fn kill_group(&self) {
        let _ = rustix::process::kill_process_group(self.group, rustix::process::Signal::KILL);
    }

    /// Waits for the child to exit until `deadline`; `None` if it is still running
    /// then (the caller decides whether to kill it).
    pub fn wait_until(&mut self, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the child to exit.
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.child.wait()
    }

    /// What the child wrote on stderr (up to [`STDERR_LIMIT`]), waiting for the
    /// pipe to close until `deadline`; then kills the group, so that a grandchild
    /// still holding the pipe is stopped, and keeps what was said.
    pub fn stderr(&mut self, deadline: Instant) -> String {
        if self.said.is_none() {
            let text = match self.stderr.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(text) => text,
                Err(_) => {
                    self.kill_group();
                    self.stderr.recv_timeout(Duration::from_secs(1)).unwrap_or_default()
                }
            };
            self.kill_group();
            self.said = Some(text);
        }
        printable(self.said.as_deref().unwrap_or_default())
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill_group();
        let _ = self.child.wait();
    }
}

/// How a child ended, for messages: its exit code or the signal that stopped it.
pub fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "killed by a signal".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_is_captured_escaped_and_the_group_killed() {
        let sh = Path::new("/bin/sh");
        // A grandchild left running with stderr open: the wait for stderr is bounded
        // and the whole group is killed.
        let args = [OsStr::new("-c"), OsStr::new("printf 'bad\\033[31m input' >&2; sleep 30 & exit 3")];
        let mut child = spawn(sh, &args, false).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(describe(status), "exit code 3");
        let start = Instant::now();
        assert_eq!(child.stderr(Instant::now() + Duration::from_millis(300)), "bad\\u{1b}[31m input");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn dropping_a_running_child_kills_it() {
        let mut child = spawn(Path::new("/bin/sh"), &[OsStr::new("-c"), OsStr::new("echo go; sleep 30")], true).unwrap();
        let mut out = child.take_stdout().unwrap();
        let mut first = [0u8; 3];
        out.read_exact(&mut first).unwrap();
        let start = Instant::now();
        drop(child);
        // The pipe's writer is gone with the group: reading ends, it does not hang.
        let mut rest = Vec::new();
        let _ = out.read_to_end(&mut rest);
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn programs_are_found_as_documented() {
        assert!(find_program("sh", Some(Path::new("/bin/sh")), "TINYVMAF_TEST_UNSET").is_ok());
        let err = find_program("sh", Some(Path::new("/nonexistent/sh")), "TINYVMAF_TEST_UNSET").unwrap_err();
        assert!(err.contains("/nonexistent/sh"), "{err}");
        let err = find_program("surely-not-a-program-here", None, "TINYVMAF_TEST_UNSET").unwrap_err();
        assert_eq!(err, "no executable `surely-not-a-program-here` on PATH");
    }
}
