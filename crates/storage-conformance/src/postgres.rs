//! A throwaway PostgreSQL server for tests: `initdb` into a temporary directory, started
//! with `pg_ctl` on a free loopback port, stopped and deleted on drop. Found on `PATH` or
//! under `/usr/lib/postgresql/<version>/bin` (Debian's layout); run as the `postgres` user
//! when the tests run as root, since PostgreSQL refuses to.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running throwaway server.
pub struct TempPostgres {
    dir: Dir,
    bin: PathBuf,
    port: u16,
    as_user: Option<&'static str>,
}

/// Where the server's files live: deleted with it, or kept for a later start.
enum Dir {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`.
fn bin_dir() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Ok(dir);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).filter(|b| b.join("initdb").is_file()).collect())
        .unwrap_or_default();
    versions.sort();
    versions.pop().ok_or_else(|| {
        "PostgreSQL's initdb is neither on PATH nor under /usr/lib/postgresql (scripts/setup.sh installs it)".into()
    })
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

impl TempPostgres {
    /// Creates and starts a server in a temporary directory, deleted when it stops; its
    /// only role is `squall`, trusted on loopback.
    pub fn start() -> Result<TempPostgres, String> {
        let dir = tempfile::Builder::new().prefix("squall-pg-").tempdir().map_err(|e| e.to_string())?;
        TempPostgres::launch(Dir::Temp(dir))
    }

    /// Starts a server whose files live in `dir` and stay there when it stops: created
    /// there the first time, started again from them afterwards (a node restarted on the
    /// same data finds its database as it left it).
    pub fn start_in(dir: &Path) -> Result<TempPostgres, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        TempPostgres::launch(Dir::Kept(dir.to_path_buf()))
    }

    fn launch(dir: Dir) -> Result<TempPostgres, String> {
        let bin = bin_dir()?;
        let as_user = is_root().then_some("postgres");
        let pg = TempPostgres { dir, bin, port: free_port()?, as_user };
        if let Some(user) = as_user {
            let status = Command::new("chown").arg(format!("{user}:")).arg(pg.dir()).status();
            if !status.is_ok_and(|s| s.success()) {
                return Err(format!("giving {} to the {user} user failed", pg.dir().display()));
            }
        }
        if !pg.dir().join("data").join("PG_VERSION").exists() {
            pg.run("initdb", &["-D", &pg.data(), "-U", "squall", "--auth=trust", "-E", "UTF8", "--no-sync"])?;
        }
        pg.start_server()?;
        Ok(pg)
    }

    fn data(&self) -> String {
        self.dir().join("data").display().to_string()
    }

    /// Runs one of PostgreSQL's programs (as the `postgres` user when root); its failure's
    /// output as the error.
    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let mut cmd = match self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running {}: {e}", exe.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }

    fn start_server(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir().display()
        );
        let log = self.dir().join("postgres.log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "-t", "60", "start"])
    }

    /// Stops the server at once (`immediate`: as a crash would) and starts it again.
    pub fn restart(&self) -> Result<(), String> {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"])?;
        self.start_server()
    }

    /// Stops the server (`immediate`); [`TempPostgres::start_again`] brings it back.
    pub fn stop(&self) -> Result<(), String> {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"])
    }

    /// Starts a stopped server again, on the same port.
    pub fn start_again(&self) -> Result<(), String> {
        self.start_server()
    }

    /// `postgres://squall@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://squall@127.0.0.1:{}/postgres", self.port)
    }

    /// A new, empty database on this server; its URL.
    pub fn database(&self, name: &str) -> Result<String, String> {
        // Debian puts psql on PATH rather than beside initdb.
        let beside = self.bin.join("psql");
        let psql = if beside.is_file() { beside } else { PathBuf::from("psql") };
        let out = Command::new(&psql)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "squall", "-d", "postgres"])
            .args(["-v", "ON_ERROR_STOP=1", "-c"])
            .arg(format!("CREATE DATABASE \"{name}\""))
            .output()
            .map_err(|e| format!("running {}: {e}", psql.display()))?;
        if !out.status.success() {
            return Err(format!("creating database {name}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(format!("postgres://squall@127.0.0.1:{}/{name}", self.port))
    }

    /// Where the server's data and log live.
    pub fn dir(&self) -> &Path {
        match &self.dir {
            Dir::Temp(t) => t.path(),
            Dir::Kept(p) => p,
        }
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let _ = self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]);
    }
}
