//! `memorySize` for a function's processes.
//!
//! Where the machine lets Squall create cgroups, each process tree gets its own: cgroup v2
//! `memory.max` (swap off), or v1 `memory.limit_in_bytes`. The kernel then enforces the
//! limit (its OOM killer stops the tree), reports the peak, and lets Squall kill every
//! process of the tree, daemonized or not. Elsewhere each process gets `RLIMIT_DATA` and
//! the worker samples resident memory while an invocation runs.
//!
//! The process joins its cgroup between fork and exec, so nothing it starts escapes it.
//! That needs `pre_exec`, the one `unsafe` of this crate, kept to async-signal-safe calls.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where this server makes its process cgroups.
#[derive(Debug)]
pub struct Cgroups {
    /// `<our cgroup>/squall-<pid>`, made at startup.
    root: PathBuf,
    v2: bool,
    next: AtomicU64,
}

/// How one process tree's memory is limited and measured.
pub(crate) enum Memory {
    /// The kernel enforces the limit and keeps the peak.
    Cgroup(Cgroup),
    /// `RLIMIT_DATA` per process, and resident memory sampled from `/proc`, measured
    /// from `pid` (the function's own process once it is known) down.
    Rlimit { limit_mb: u32, pid: u32 },
}

impl Memory {
    /// A cgroup from `cgroups` when there is one to be had, else the rlimit.
    pub(crate) fn new(cgroups: Option<&Cgroups>, limit_mb: u32) -> Memory {
        match cgroups.map(|c| c.create(limit_mb)) {
            Some(Ok(cg)) => Memory::Cgroup(cg),
            Some(Err(e)) => {
                tracing::warn!("no cgroup for a process ({e}); limiting its memory with an rlimit");
                Memory::Rlimit { limit_mb, pid: 0 }
            }
            None => Memory::Rlimit { limit_mb, pid: 0 },
        }
    }

    /// Applies the limit to what `cmd` starts.
    pub(crate) fn apply(&self, cmd: &mut tokio::process::Command) -> io::Result<()> {
        match self {
            Memory::Cgroup(cg) => cg.join_on_exec(cmd.as_std_mut()),
            Memory::Rlimit { limit_mb, .. } => {
                rlimit_on_exec(cmd, *limit_mb);
                Ok(())
            }
        }
    }

    /// The process started (`pid`) or finished its init (`ready`: the function's own
    /// process is now running under whatever wrappers started it).
    pub(crate) fn started(&mut self, started: u32, ready: bool) {
        if let Memory::Rlimit { pid, .. } = self {
            *pid = if ready { innermost(started) } else { started };
        }
    }

    /// Whether the worker must watch resident memory itself while an invocation runs.
    pub(crate) fn sampled(&self) -> bool {
        matches!(self, Memory::Rlimit { .. })
    }

    /// Resident memory now, MiB, when it is past the limit.
    pub(crate) fn over_limit(&self) -> Option<u64> {
        match self {
            Memory::Cgroup(_) => None,
            Memory::Rlimit { limit_mb, pid } => {
                Some(tree_kb(*pid, "VmRSS:").div_ceil(1024)).filter(|used| *used > u64::from(*limit_mb))
            }
        }
    }

    /// Peak memory of the function's processes, MiB.
    pub(crate) fn peak_mb(&self) -> u64 {
        match self {
            Memory::Cgroup(cg) => cg.peak_mb(),
            Memory::Rlimit { pid, .. } => tree_kb(*pid, "VmHWM:").div_ceil(1024),
        }
    }

    /// What the tree used when the kernel stopped it: at least the limit (a kernel
    /// without a peak counter reports usage after the kill).
    pub(crate) fn used_at_oom_mb(&self) -> u64 {
        match self {
            Memory::Cgroup(cg) => cg.peak_mb().max(u64::from(cg.limit_mb)),
            Memory::Rlimit { .. } => self.peak_mb(),
        }
    }

    /// Whether the kernel stopped a process of the tree for want of memory (over the
    /// cgroup's life: asked only when the process is gone).
    pub(crate) fn oom_killed(&self) -> bool {
        matches!(self, Memory::Cgroup(cg) if cg.oom_killed())
    }
}

/// A `kB` field of `/proc/<pid>/status`.
fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

/// The process that runs the function: past wrappers (bubblewrap and its init) that have
/// exactly one child each.
fn innermost(pid: u32) -> u32 {
    let mut p = pid;
    for _ in 0..4 {
        let Ok(children) = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")) else { break };
        let mut it = children.split_whitespace();
        match (it.next().and_then(|c| c.parse().ok()), it.next()) {
            (Some(only), None) => p = only,
            _ => break,
        }
    }
    p
}

/// A `kB` field summed over `pid` and its descendants (a sandbox or a bootstrap may run the
/// function in a child process).
fn tree_kb(pid: u32, field: &str) -> u64 {
    let mut total = 0;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        total += proc_status_kb(p, field).unwrap_or(0);
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")) {
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    total
}

/// One process tree's cgroup, removed (after killing what is left in it) on drop.
#[derive(Debug)]
pub(crate) struct Cgroup {
    dir: PathBuf,
    v2: bool,
    /// The peak usage file, kept open: read once per invocation for its REPORT.
    peak: Option<std::fs::File>,
    limit_mb: u32,
}

impl Cgroups {
    /// The memory cgroup hierarchy this process is in, if Squall may create cgroups
    /// beneath it. Leftovers of earlier servers that are gone are removed.
    pub fn detect() -> Option<Cgroups> {
        let (mount, mount_root, v2) = memory_mount()?;
        let own = own_cgroup(v2)?;
        // Without a cgroup namespace the mount shows only a subtree of the hierarchy.
        let own = own.strip_prefix(mount_root.as_str()).unwrap_or(&own);
        let parent = mount.join(own.trim_start_matches('/'));
        sweep_stale(&parent, v2);
        let root = parent.join(format!("squall-{}", std::process::id()));
        std::fs::create_dir(&root).ok()?;
        let cg = Cgroups { root, v2, next: AtomicU64::new(0) };
        if v2 && !cg.enable_v2_memory(&parent) {
            let _ = std::fs::remove_dir(&cg.root);
            return None;
        }
        // Prove the whole path works, a process joining included, before relying on it.
        let probe = cg.create(64).ok()?;
        let mut cmd = std::process::Command::new("true");
        probe.join_on_exec(&mut cmd).ok()?;
        let joined = cmd.status().is_ok_and(|s| s.success());
        drop(probe);
        joined.then_some(cg)
    }

    /// v2 delegates a controller to children only through `cgroup.subtree_control`, and a
    /// cgroup with processes of its own (ours) may not do that ("no internal processes").
    /// When that is why it fails and this server is alone in its cgroup, it moves into a
    /// leaf beside its workers; otherwise (others share the cgroup) it leaves things be.
    fn enable_v2_memory(&self, parent: &Path) -> bool {
        let enable = |dir: &Path| std::fs::write(dir.join("cgroup.subtree_control"), "+memory").is_ok();
        if !enable(parent) {
            let me = std::process::id().to_string();
            let procs = std::fs::read_to_string(parent.join("cgroup.procs")).unwrap_or_default();
            if procs.split_whitespace().ne([me.as_str()]) {
                return false;
            }
            let leaf = parent.join(format!("squall-server-{me}"));
            let moved = std::fs::create_dir(&leaf).is_ok() && std::fs::write(leaf.join("cgroup.procs"), &me).is_ok();
            if !moved || !enable(parent) {
                let _ = std::fs::write(parent.join("cgroup.procs"), &me);
                let _ = std::fs::remove_dir(&leaf);
                return false;
            }
        }
        enable(&self.root)
    }

    /// A new cgroup limited to `limit_mb`.
    pub(crate) fn create(&self, limit_mb: u32) -> io::Result<Cgroup> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let dir = self.root.join(n.to_string());
        std::fs::create_dir(&dir)?;
        let peak = ["memory.peak", "memory.max_usage_in_bytes", "memory.current"]
            .iter()
            .find_map(|f| std::fs::File::open(dir.join(f)).ok());
        let cg = Cgroup { dir, v2: self.v2, peak, limit_mb };
        let bytes = (u64::from(limit_mb) << 20).to_string();
        if self.v2 {
            std::fs::write(cg.dir.join("memory.max"), &bytes)?;
            // Absent without swap accounting; the limit then covers all there is.
            let _ = std::fs::write(cg.dir.join("memory.swap.max"), "0");
        } else {
            std::fs::write(cg.dir.join("memory.limit_in_bytes"), &bytes)?;
            let _ = std::fs::write(cg.dir.join("memory.memsw.limit_in_bytes"), &bytes);
        }
        Ok(cg)
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.root);
    }
}

impl Cgroup {
    /// Peak memory of the tree so far, MiB.
    pub(crate) fn peak_mb(&self) -> u64 {
        use std::os::unix::fs::FileExt;
        let mut buf = [0u8; 32];
        let n = self.peak.as_ref().and_then(|f| f.read_at(&mut buf, 0).ok()).unwrap_or(0);
        let bytes: u64 = std::str::from_utf8(&buf[..n]).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0);
        bytes.div_ceil(1 << 20)
    }

    /// Whether the kernel's OOM killer stopped a process of this tree.
    pub(crate) fn oom_killed(&self) -> bool {
        let file = if self.v2 { "memory.events" } else { "memory.oom_control" };
        std::fs::read_to_string(self.dir.join(file)).is_ok_and(|text| {
            text.lines().any(|l| l.strip_prefix("oom_kill ").is_some_and(|n| n.trim().parse().unwrap_or(0u64) > 0))
        })
    }

    /// Makes a command's process join this cgroup before it runs its program.
    pub(crate) fn join_on_exec(&self, cmd: &mut std::process::Command) -> io::Result<()> {
        use std::os::unix::process::CommandExt;
        let path = CString::new(self.dir.join("cgroup.procs").as_os_str().as_bytes())?;
        // SAFETY: the closure runs in the forked child and only calls open/write/close on
        // memory prepared before the fork: async-signal-safe, no allocation.
        unsafe {
            cmd.pre_exec(move || {
                let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(io::Error::last_os_error());
                }
                // "0" is the writing process itself, in v1 and v2 alike.
                let n = libc::write(fd, b"0".as_ptr().cast(), 1);
                let err = io::Error::last_os_error();
                libc::close(fd);
                if n == 1 { Ok(()) } else { Err(err) }
            });
        }
        Ok(())
    }
}

/// Kills every process in the cgroup at `dir`.
fn kill_all(dir: &Path, v2: bool) {
    if v2 && std::fs::write(dir.join("cgroup.kill"), "1").is_ok() {
        return;
    }
    let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
    for pid in procs.split_whitespace().filter_map(|p| p.parse::<i32>().ok()) {
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Kills what is in the cgroup at `dir` and removes it, retrying while processes exit
/// (and killing again: on v1 a process may fork between a read of its list and the kill).
fn remove_cgroup(dir: &Path, v2: bool) {
    for _ in 0..100 {
        kill_all(dir, v2);
        if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        kill_all(&self.dir, self.v2);
        // A cgroup can be removed only once its processes are gone, which takes the
        // kernel a moment after SIGKILL.
        if std::fs::remove_dir(&self.dir).is_err() {
            let (dir, v2) = (std::mem::take(&mut self.dir), self.v2);
            let remove = move || remove_cgroup(&dir, v2);
            match tokio::runtime::Handle::try_current() {
                Ok(h) => drop(h.spawn_blocking(remove)),
                Err(_) => remove(),
            }
        }
    }
}

/// Limits each process a command starts to `limit_mb` of data.
fn rlimit_on_exec(cmd: &mut tokio::process::Command, limit_mb: u32) {
    let bytes = u64::from(limit_mb) << 20;
    // SAFETY: setrlimit is async-signal-safe and the closure allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_DATA, &lim) == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
        });
    }
}

/// The mount point of the hierarchy with the memory controller, the hierarchy path it
/// shows, and whether it is v2.
fn memory_mount() -> Option<(PathBuf, String, bool)> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut v2 = None;
    for line in info.lines() {
        // `id parent major:minor root mountpoint options … - fstype source superoptions`
        let (left, right) = line.split_once(" - ")?;
        let mut fields = left.split(' ');
        let root = fields.nth(3)?.to_string();
        let mountpoint = PathBuf::from(fields.next()?);
        let mut right = right.split(' ');
        let (fstype, superopts) = (right.next()?, right.nth(1).unwrap_or(""));
        if fstype == "cgroup" && superopts.split(',').any(|o| o == "memory") {
            return Some((mountpoint, root, false));
        }
        if fstype == "cgroup2" && v2.is_none() {
            let controllers = std::fs::read_to_string(mountpoint.join("cgroup.controllers")).unwrap_or_default();
            if controllers.split_whitespace().any(|c| c == "memory") {
                v2 = Some((mountpoint, root));
            }
        }
    }
    v2.map(|(m, root)| (m, root, true))
}

/// This process's cgroup path in the memory hierarchy (v1) or the unified one (v2).
fn own_cgroup(v2: bool) -> Option<String> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    text.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let ours = if v2 { id == "0" && controllers.is_empty() } else { controllers.split(',').any(|c| c == "memory") };
        ours.then(|| path.to_string())
    })
}

/// Removes `squall-<pid>` cgroups (and `squall-server-<pid>` leaves) of servers that are
/// no longer running, killing what their functions left behind.
fn sweep_stale(parent: &Path, v2: bool) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("squall-")) else { continue };
        let Ok(pid) = rest.strip_prefix("server-").unwrap_or(rest).parse::<u32>() else { continue };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        if let Ok(children) = std::fs::read_dir(e.path()) {
            for c in children.flatten().filter(|c| c.path().is_dir()) {
                remove_cgroup(&c.path(), v2);
            }
        }
        remove_cgroup(&e.path(), v2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_in_a_limited_cgroup_is_killed_by_the_kernel_and_cleaned_up() {
        let Some(cgroups) = Cgroups::detect() else {
            eprintln!("no writable memory cgroup here; the rlimit path is used instead");
            return;
        };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let cg = cgroups.create(32).unwrap();
            let mut cmd = tokio::process::Command::new("python3");
            cmd.args(["-c", "x = bytearray(200 << 20)"]);
            cg.join_on_exec(cmd.as_std_mut()).unwrap();
            let status = cmd.status().await.unwrap();
            assert!(!status.success());
            assert!(cg.oom_killed(), "the kernel's OOM kill is seen");
            assert!(cg.peak_mb() >= 16, "peak {}", cg.peak_mb());
            let dir = cg.dir.clone();
            drop(cg);
            for _ in 0..100 {
                if !dir.exists() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert!(!dir.exists(), "the cgroup is removed");
        });
    }
}
