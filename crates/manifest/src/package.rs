//! `package` (service and function level) and `plugins`: what goes into each function's
//! code package, and which of the framework's plugins Squall does the work of.

use crate::parse::{Cx, Path};
use serde_norway::Value;

/// How a service or a function is packaged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageSpec {
    /// Globs applied in order to the service directory's files: a pattern adds what it
    /// matches, `!pattern` removes it (the framework's `patterns`; `exclude` and `include`
    /// become `!exclude...` then `include...`).
    pub patterns: Vec<String>,
    /// `individually: true`: one package per function.
    pub individually: bool,
    /// `artifact`: a prebuilt zip, used as it is.
    pub artifact: Option<String>,
}

/// The plugins whose work `squall deploy` does itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plugins {
    /// serverless-python-requirements: the requirements file (`custom.pythonRequirements.fileName`,
    /// default `requirements.txt`) installed with pip into Python functions' packages.
    pub python_requirements: Option<String>,
    /// serverless-esbuild or serverless-plugin-typescript: TypeScript handlers are bundled
    /// with these settings.
    pub typescript: Option<Esbuild>,
    /// serverless-dotenv-plugin: `.env` files go into every function's environment.
    pub dotenv: bool,
    /// serverless-wsgi: the WSGI app (`module.attribute`) `wsgi_handler.handler` serves.
    pub wsgi_app: Option<String>,
}

/// How TypeScript handlers are bundled (`custom.esbuild`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Esbuild {
    /// Modules left out of the bundle (`external`; the framework's AWS SDK v3 too).
    pub external: Vec<String>,
    /// `minify`.
    pub minify: bool,
    /// `sourcemap`: a source map beside each bundle.
    pub sourcemap: bool,
    /// `target` (else the function's Node.js version).
    pub target: Option<String>,
}

/// Plugins Squall needs not run: their work is done natively or means nothing here.
const QUIET: &[&str] = &[
    "serverless-offline",
    "serverless-prune-plugin",
    "serverless-iam-roles-per-function",
    "serverless-dotenv-plugin",
    "serverless-python-requirements",
    "serverless-esbuild",
    "serverless-plugin-typescript",
    "serverless-wsgi",
    "serverless-step-functions",
];

impl Cx<'_> {
    /// `package` at `path` (`["package"]` or `["functions", f, "package"]`).
    pub(crate) fn package(&mut self, path: &Path, v: &Value) -> PackageSpec {
        let mut p = PackageSpec::default();
        let (mut include, mut exclude) = (Vec::new(), Vec::new());
        for (key, val) in self.entries(path, v) {
            let kp = [path, &[key]].concat();
            match key {
                "patterns" => p.patterns = self.strings(&kp, val),
                "include" => include = self.strings(&kp, val),
                "exclude" => exclude = self.strings(&kp, val),
                "individually" => match val {
                    Value::Bool(b) => p.individually = *b,
                    _ => self.error(&kp, "must be true or false"),
                },
                "artifact" => p.artifact = self.string(&kp, val),
                "excludeDevDependencies" => {
                    if val == &Value::Bool(true) {
                        self.warn(&kp, "ignored: node_modules is packaged as it is, devDependencies included");
                    }
                }
                other => self.error(&kp, format!("package setting {other} is not supported yet")),
            }
        }
        // The framework's deprecated `exclude`/`include` are patterns: excludes, then
        // includes that bring files back.
        let mut patterns: Vec<String> = exclude.into_iter().map(|e| format!("!{e}")).collect();
        patterns.extend(include);
        patterns.append(&mut p.patterns);
        p.patterns = patterns;
        p
    }

    /// `plugins`: a list, or `{localPath, modules}`.
    pub(crate) fn plugins(&mut self, v: &Value, custom: Option<&Value>) -> Plugins {
        let names: Vec<(String, Vec<String>)> = match v {
            Value::Sequence(_) => {
                let listed = self.strings(&["plugins"], v);
                listed.into_iter().enumerate().map(|(i, n)| (n, vec!["plugins".into(), i.to_string()])).collect()
            }
            Value::Mapping(_) => {
                let mut out = Vec::new();
                for (key, val) in self.entries(&["plugins"], v) {
                    match key {
                        "modules" => {
                            let listed = self.strings(&["plugins", "modules"], val);
                            out.extend(
                                listed
                                    .into_iter()
                                    .enumerate()
                                    .map(|(i, n)| (n, vec!["plugins".into(), "modules".into(), i.to_string()])),
                            );
                        }
                        "localPath" => {}
                        other => self.error(&["plugins", other], "unknown key"),
                    }
                }
                out
            }
            _ => {
                self.error(&["plugins"], "must be a list");
                vec![]
            }
        };
        let mut plugins = Plugins::default();
        for (name, path) in names {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            match name.as_str() {
                "serverless-python-requirements" => {
                    plugins.python_requirements = Some(self.python_requirements(custom));
                }
                "serverless-esbuild" | "serverless-plugin-typescript" => {
                    plugins.typescript = Some(self.esbuild(custom));
                }
                "serverless-dotenv-plugin" => plugins.dotenv = true,
                "serverless-wsgi" => {
                    let (app, pack) = self.wsgi(custom);
                    plugins.wsgi_app = app;
                    // The plugin installs requirements.txt itself unless told not to.
                    if pack && plugins.python_requirements.is_none() {
                        plugins.python_requirements = Some("requirements.txt".into());
                    }
                }
                n if QUIET.contains(&n) => {}
                other => self.warn(&path, &format!("the plugin {other} does not run under squall; ignored")),
            }
        }
        plugins
    }

    /// `custom.wsgi`: the app (required) and whether requirements are installed.
    fn wsgi(&mut self, custom: Option<&Value>) -> (Option<String>, bool) {
        let base = ["custom", "wsgi"];
        let Some(settings) = custom.and_then(|c| c.get("wsgi")) else {
            self.error(&["plugins"], "serverless-wsgi needs custom.wsgi.app (module.attribute of the WSGI app)");
            return (None, false);
        };
        let (mut app, mut pack) = (None, true);
        for (key, val) in self.entries(&base, settings) {
            let p = [base[0], base[1], key];
            match key {
                "app" => app = self.string(&p, val),
                "packRequirements" => pack = val != &Value::Bool(false),
                "pythonBin" | "textMimeTypes" | "pipArgs" => self.warn(&p, "ignored by squall's WSGI adapter"),
                other => self.error(&p, format!("wsgi setting {other} is not supported yet")),
            }
        }
        match app {
            Some(a) if a.contains('.') => (Some(a), pack),
            Some(a) => {
                self.error(&[base[0], base[1], "app"], format!("{a:?} must be module.attribute (app.app)"));
                (None, pack)
            }
            None => {
                self.error(&base, "needs app (module.attribute of the WSGI app)");
                (None, pack)
            }
        }
    }

    /// `custom.esbuild`: what of serverless-esbuild's settings Squall applies.
    fn esbuild(&mut self, custom: Option<&Value>) -> Esbuild {
        let mut e = Esbuild::default();
        let Some(settings) = custom.and_then(|c| c.get("esbuild")) else { return e };
        let base = ["custom", "esbuild"];
        for (key, val) in self.entries(&base, settings) {
            let p = [base[0], base[1], key];
            match key {
                "external" | "exclude" => e.external.extend(self.strings(&p, val)),
                "minify" => e.minify = val == &Value::Bool(true),
                "sourcemap" => e.sourcemap = !matches!(val, Value::Bool(false) | Value::Null),
                "target" => e.target = self.string(&p, val),
                "bundle" | "platform" | "format"
                    if matches!(val.as_str(), Some("node" | "cjs")) || val == &Value::Bool(true) => {}
                "packager"
                | "packagerOptions"
                | "concurrency"
                | "watch"
                | "keepOutputDirectory"
                | "installExtraArgs" => {
                    self.warn(&p, "ignored: squall bundles with esbuild alone and installs no packages")
                }
                other => self.warn(&p, &format!("ignored: esbuild setting {other}")),
            }
        }
        e
    }

    /// `custom.pythonRequirements`: the requirements file; options that change how pip
    /// runs on AWS's build machines are warned about.
    fn python_requirements(&mut self, custom: Option<&Value>) -> String {
        let mut file = "requirements.txt".to_string();
        let Some(settings) = custom.and_then(|c| c.get("pythonRequirements")) else { return file };
        let base = ["custom", "pythonRequirements"];
        for (key, val) in self.entries(&base, settings) {
            let p = [base[0], base[1], key];
            match key {
                "fileName" => file = self.string(&p, val).unwrap_or(file),
                "dockerizePip"
                | "dockerImage"
                | "dockerFile"
                | "dockerSsh"
                | "useDownloadCache"
                | "useStaticCache"
                | "cacheLocation"
                | "staticCacheMaxVersions"
                | "pipCmdExtraArgs" => {
                    self.warn(&p, "ignored: squall installs requirements with the local pip, cached by the file's hash")
                }
                "slim" | "strip" | "slimPatterns" | "slimPatternsAppendDefaults" | "noDeploy" => {
                    self.warn(&p, "ignored: installed packages are deployed whole")
                }
                "zip" | "layer" => {
                    self.error(&p, "is not supported yet; remove it to install the requirements into the package")
                }
                "usePoetry" | "usePipenv" if val == &Value::Bool(false) => {}
                "usePoetry" | "usePipenv" | "invalidateCaches" => {
                    self.warn(&p, "ignored: squall reads the requirements file only")
                }
                other => self.warn(&p, &format!("ignored: pythonRequirements setting {other}")),
            }
        }
        file
    }
}
