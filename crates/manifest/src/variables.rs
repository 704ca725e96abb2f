//! The Serverless Framework's `${...}` variables, resolved before the manifest is read, as
//! the framework v3 does: `self:` (any path of the manifest), `opt:stage` / `opt:region`,
//! `sls:stage`, `env:` (the environment, then with `useDotenv: true` the service's
//! `.env.<stage>` or else `.env`), `param:` (`params.<stage>`, then `params.default`),
//! `aws:accountId` / `aws:region` / `aws:partition`, `file(path)` and `file(path):key`
//! (YAML or JSON), `strToBool(...)`; fallbacks (`${opt:stage, 'dev'}`,
//! `${env:A, self:custom.a}`), nesting (`${self:custom.${sls:stage}.table}`), variables
//! inside strings (`${self:service}-${sls:stage}`) and cycles. A string that is one variable
//! takes the value's type (a mapping, a number); inside a longer string a value must be a
//! scalar. `ssm:` reads Squall's own Parameter Store and Secrets Manager, and `cf:` the
//! outputs of services deployed to it, through readers the caller provides. `s3` is refused
//! by name.

use serde_norway::Value;
use std::collections::BTreeMap;

/// Reads a file a `file(path)` variable names: its text, or why not.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// Reads what an `ssm:` variable names from the server deployed to: a parameter of
/// Parameter Store (decrypted when asked), or for `/aws/reference/secretsmanager/<id>` a
/// secret of Secrets Manager. `Ok(None)` when there is none.
pub type ReadSsm<'a> = &'a dyn Fn(&str, bool) -> Result<Option<Stored>, String>;

/// Reads an output of a deployed service for `cf:stack.Output`: `Ok(None)` when the
/// service or the output does not exist.
pub type ReadOutput<'a> = &'a dyn Fn(&str, &str) -> Result<Option<String>, String>;

/// A value an `ssm:` variable read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A `String` or `SecureString` parameter.
    String(String),
    /// A `StringList` parameter: comma-separated.
    StringList(String),
    /// A secret's `SecretString`.
    Secret(String),
}

/// What variables resolve from, besides the manifest itself.
#[derive(Default)]
pub struct Inputs<'a> {
    /// `--stage` (`opt:stage`); `sls:stage` falls back to `provider.stage`, then `dev`.
    pub stage: Option<String>,
    /// `--region` (`opt:region`); `aws:region` falls back to `provider.region`, then
    /// `us-east-1`.
    pub region: Option<String>,
    /// The environment `env:` reads.
    pub env: BTreeMap<String, String>,
    /// `--param key=value`: what `param:` reads before the manifest's `params`.
    pub params: BTreeMap<String, String>,
    /// Reads a file `file(path)` names, relative to the service directory; `None` refuses
    /// the `file` source.
    pub read_file: Option<ReadFile<'a>>,
    /// Reads parameters and secrets for `ssm:`; `None` refuses the `ssm` source.
    pub read_ssm: Option<ReadSsm<'a>>,
    /// Reads other services' outputs for `cf:`; `None` refuses the `cf` source.
    pub read_output: Option<ReadOutput<'a>>,
}

/// A variable that could not be resolved: the key path of the value holding it, and why.
pub(crate) type Unresolved = (Vec<String>, String);

/// `root` with every variable resolved, or what could not be.
pub(crate) fn resolve(root: &Value, inputs: &Inputs<'_>) -> Result<Value, Vec<Unresolved>> {
    let mut r = Resolver { root, inputs, errors: Vec::new(), stack: Vec::new(), dotenv: None };
    let mut path = Vec::new();
    let out = r.value(root, &mut path);
    if r.errors.is_empty() { Ok(out) } else { Err(r.errors) }
}

struct Resolver<'r, 'a> {
    root: &'r Value,
    inputs: &'r Inputs<'a>,
    errors: Vec<Unresolved>,
    /// The `self:` paths being resolved, to find cycles.
    stack: Vec<String>,
    /// With `useDotenv: true`, the service's `.env` file, read on first use.
    dotenv: Option<BTreeMap<String, String>>,
}

/// At most this many nested resolutions (deeper means a runaway file or cycle).
const MAX_DEPTH: usize = 32;

impl Resolver<'_, '_> {
    fn value(&mut self, v: &Value, path: &mut Vec<String>) -> Value {
        match v {
            Value::String(s) if s.contains("${") => match self.string(s) {
                Ok(v) => v,
                Err(e) => {
                    self.errors.push((path.clone(), e));
                    Value::Null
                }
            },
            Value::Mapping(m) => {
                let mut out = serde_norway::Mapping::new();
                for (k, v) in m {
                    path.push(k.as_str().map_or_else(|| format!("{k:?}"), str::to_string));
                    let resolved = self.value(v, path);
                    path.pop();
                    out.insert(k.clone(), resolved);
                }
                Value::Mapping(out)
            }
            Value::Sequence(items) => Value::Sequence(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        path.push(i.to_string());
                        let resolved = self.value(item, path);
                        path.pop();
                        resolved
                    })
                    .collect(),
            ),
            Value::Tagged(t) => {
                let mut t = (**t).clone();
                t.value = self.value(&t.value, path);
                Value::Tagged(Box::new(t))
            }
            other => other.clone(),
        }
    }

    /// A string holding variables: the value of the one variable it is, or the text with
    /// each variable's value written in.
    fn string(&mut self, s: &str) -> Result<Value, String> {
        if self.stack.len() > MAX_DEPTH {
            return Err(format!("{s}: variables nest deeper than {MAX_DEPTH}"));
        }
        let parts = split_variables(s)?;
        if let [Part::Variable(expr)] = parts.as_slice() {
            return self.expression(expr);
        }
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Variable(expr) => match self.expression(expr)? {
                    Value::String(v) => out.push_str(&v),
                    Value::Number(n) => out.push_str(&n.to_string()),
                    Value::Bool(b) => out.push_str(&b.to_string()),
                    _ => return Err(format!("${{{expr}}}: a mapping or list cannot be written into a string")),
                },
            }
        }
        Ok(Value::String(out))
    }

    /// `source:address, fallback, …`: the first candidate that gives a value. A candidate
    /// may be a literal, a reference, a whole nested variable, or a reference built by one
    /// (`self:custom.${sls:stage}.table`).
    fn expression(&mut self, expr: &str) -> Result<Value, String> {
        let mut last_missing = None;
        for candidate in split_top_level(expr) {
            let candidate = candidate.trim();
            if let Some(literal) = literal(candidate) {
                return Ok(literal);
            }
            if let [Part::Variable(inner)] = split_variables(candidate)?.as_slice() {
                match self.expression(inner) {
                    Ok(v) => return Ok(v),
                    Err(e) => {
                        last_missing = Some(e);
                        continue;
                    }
                }
            }
            let reference = match candidate.contains("${") {
                true => match self.string(candidate)? {
                    Value::String(s) => s,
                    _ => return Err(format!("${{{expr}}}: a nested variable must give a string")),
                },
                false => candidate.to_string(),
            };
            match self.source(&reference)? {
                Some(v) => return Ok(v),
                None => last_missing = Some(format!("{reference} resolves to nothing")),
            }
        }
        let why = last_missing.unwrap_or_default();
        Err(format!("${{{expr}}}: {why} (a fallback gives a default: ${{{expr}, 'value'}})"))
    }

    /// One variable reference; `Ok(None)` when its source has no such value.
    fn source(&mut self, reference: &str) -> Result<Option<Value>, String> {
        if let Some(inner) = reference.strip_prefix("strToBool(").and_then(|r| r.strip_suffix(')')) {
            let text = match literal(inner.trim()) {
                Some(Value::String(s)) => s,
                Some(v) => scalar_text(&v).unwrap_or_default(),
                None => inner.trim().to_string(),
            };
            return match text.trim() {
                "true" | "1" => Ok(Some(Value::Bool(true))),
                "false" | "0" => Ok(Some(Value::Bool(false))),
                other => Err(format!("strToBool({other}): not true, false, 1 or 0")),
            };
        }
        if let Some(rest) = reference.strip_prefix("file(") {
            let (file, key) = match rest.split_once(')') {
                Some((file, rest)) => (file.trim(), rest.strip_prefix(':')),
                None => return Err(format!("{reference}: file( needs its closing parenthesis")),
            };
            return self.file(file, key).map(Some);
        }
        if let Some(rest) = reference.strip_prefix("ssm") {
            return self.ssm(reference, rest);
        }
        if let Some(rest) = reference.strip_prefix("cf") {
            return self.cf(reference, rest);
        }
        let Some((source, address)) = reference.split_once(':') else {
            return Err(format!("{reference}: not a variable (source:address) nor a quoted literal"));
        };
        let address = address.trim();
        let provider = |key: &str| self.root.get("provider").and_then(|p| p.get(key)).cloned();
        match source.trim() {
            "self" => self.self_path(address),
            "opt" => Ok(match address {
                "stage" => self.inputs.stage.clone().map(Value::String),
                "region" => self.inputs.region.clone().map(Value::String),
                _ => None,
            }),
            "sls" => match address {
                "stage" => self.stage().map(|s| Some(Value::String(s))),
                "instanceId" => Ok(Some(Value::String(instance_id()))),
                other => Err(format!("sls:{other}: unknown (sls:stage and sls:instanceId are)")),
            },
            "env" => match self.inputs.env.get(address) {
                Some(v) => Ok(Some(Value::String(v.clone()))),
                None => Ok(self.dotenv()?.get(address).cloned().map(Value::String)),
            },
            "param" => {
                if let Some(v) = self.inputs.params.get(address) {
                    return Ok(Some(Value::String(v.clone())));
                }
                let stage = self.stage()?;
                let params = self.root.get("params");
                let found = [stage.as_str(), "default"]
                    .iter()
                    .find_map(|s| params.and_then(|p| p.get(*s)).and_then(|p| p.get(address)).cloned());
                self.resolved(found)
            }
            "aws" => match address {
                "accountId" => Ok(Some(Value::String(squall_types::ACCOUNT_ID.to_string()))),
                "partition" => Ok(Some(Value::String("aws".into()))),
                "region" => match &self.inputs.region {
                    Some(r) => Ok(Some(Value::String(r.clone()))),
                    None => self
                        .resolved(provider("region"))
                        .map(|v| Some(v.unwrap_or_else(|| squall_types::DEFAULT_REGION.into()))),
                },
                other => Err(format!("aws:{other}: unknown (aws:accountId, aws:region and aws:partition are)")),
            },
            other @ "s3" => {
                Err(format!("{reference}: the {other} variable source is not supported yet; write the value out"))
            }
            other => Err(format!("{reference}: unknown variable source {other:?}")),
        }
    }

    /// `ssm:/name`, `ssm(raw):...`, `ssm(<region>, raw):...`, `ssm(noDecrypt):...`, the
    /// framework v1's `~true` suffix; `/aws/reference/secretsmanager/<id>` reads a secret.
    /// Unless `raw`, a `StringList` becomes a list and a JSON secret its document.
    fn ssm(&mut self, reference: &str, rest: &str) -> Result<Option<Value>, String> {
        let (options, name) = match rest.strip_prefix('(') {
            Some(r) => match r.split_once("):") {
                Some((options, name)) => (options, name),
                None => return Err(format!("{reference}: ssm( needs its closing parenthesis and a name")),
            },
            None => match rest.strip_prefix(':') {
                Some(name) => ("", name),
                None => return Err(format!("{reference}: unknown variable source")),
            },
        };
        let (mut raw, mut decrypt) = (false, true);
        for option in options.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            match option {
                "raw" => raw = true,
                "noDecrypt" => decrypt = false,
                // Squall keeps one store of parameters, whatever region names it.
                region if region.split('-').count() >= 3 => {}
                other => return Err(format!("{reference}: unknown ssm option {other:?} (raw, noDecrypt or a region)")),
            }
        }
        let name = name.trim().strip_suffix("~true").unwrap_or(name.trim());
        let Some(read) = self.inputs.read_ssm else {
            return Err(format!("{reference}: the ssm variable source needs a server to read from"));
        };
        let stored = read(name, decrypt).map_err(|e| format!("{reference}: {e}"))?;
        Ok(stored.map(|s| match s {
            Stored::String(v) => Value::String(v),
            Stored::StringList(v) if raw => Value::String(v),
            Stored::StringList(v) => Value::Sequence(v.split(',').map(|i| Value::String(i.to_string())).collect()),
            Stored::Secret(v) if raw => Value::String(v),
            Stored::Secret(v) => match serde_json::from_str::<serde_json::Value>(&v) {
                Ok(doc @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
                    serde_norway::to_value(doc).unwrap_or(Value::String(v))
                }
                _ => Value::String(v),
            },
        }))
    }

    /// `cf:stack.Output` or `cf(<region>):stack.Output`: an output of a service deployed
    /// to this server (its stack name is `<service>-<stage>`).
    fn cf(&mut self, reference: &str, rest: &str) -> Result<Option<Value>, String> {
        let address = match rest.strip_prefix('(') {
            Some(r) => match r.split_once("):") {
                Some((region, address)) if region.trim().split('-').count() >= 3 => address,
                _ => return Err(format!("{reference}: expected cf(<region>):stack.Output")),
            },
            None => match rest.strip_prefix(':') {
                Some(address) => address,
                None => return Err(format!("{reference}: unknown variable source")),
            },
        };
        let Some((stack, output)) = address.trim().split_once('.') else {
            return Err(format!("{reference}: expected cf:stack.Output"));
        };
        let Some(read) = self.inputs.read_output else {
            return Err(format!("{reference}: the cf variable source needs a server to read from"));
        };
        Ok(read(stack, output).map_err(|e| format!("{reference}: {e}"))?.map(Value::String))
    }

    /// The stage: `--stage`, else `provider.stage`, else `dev`.
    fn stage(&mut self) -> Result<String, String> {
        if let Some(s) = &self.inputs.stage {
            return Ok(s.clone());
        }
        let declared = self.root.get("provider").and_then(|p| p.get("stage")).cloned();
        match self.resolved(declared)? {
            Some(v) => scalar_text(&v).ok_or_else(|| "provider.stage: must be a string".to_string()),
            None => Ok("dev".to_string()),
        }
    }

    /// With `useDotenv: true`: `.env.<stage>` if the service has one, else `.env`, as the
    /// framework reads them (values already in the environment win).
    fn dotenv(&mut self) -> Result<&BTreeMap<String, String>, String> {
        if self.dotenv.is_none() {
            let mut vars = BTreeMap::new();
            if self.root.get("useDotenv") == Some(&Value::Bool(true))
                && let Some(read) = self.inputs.read_file
            {
                let stage = self.stage()?;
                let candidates = [format!(".env.{stage}"), ".env".to_string()];
                if let Some((name, text)) = candidates.iter().find_map(|n| read(n).ok().map(|t| (n, t))) {
                    for item in dotenvy::from_read_iter(text.as_bytes()) {
                        let (k, v) = item.map_err(|e| format!("{name}: {e}"))?;
                        vars.insert(k, v);
                    }
                }
            }
            self.dotenv = Some(vars);
        }
        Ok(self.dotenv.get_or_insert_with(BTreeMap::new))
    }

    /// A value found in the manifest, its own variables resolved.
    fn resolved(&mut self, v: Option<Value>) -> Result<Option<Value>, String> {
        let Some(v) = v else { return Ok(None) };
        let mut path = Vec::new();
        let before = self.errors.len();
        let out = self.value(&v, &mut path);
        match self.errors.len() > before {
            true => Err(self.errors.drain(before..).map(|(_, e)| e).collect::<Vec<_>>().join("; ")),
            false => Ok(Some(out)),
        }
    }

    /// `self:a.b.0.c`: that path of the manifest, resolved (`self:` alone is the whole
    /// manifest).
    fn self_path(&mut self, address: &str) -> Result<Option<Value>, String> {
        if self.stack.iter().any(|p| p == address) {
            let cycle = [&self.stack[..], &[address.to_string()]].concat().join(" -> self:");
            return Err(format!("self:{address}: the variables refer to each other (self:{cycle})"));
        }
        let segments: Vec<&str> = address.split('.').filter(|s| !s.is_empty()).collect();
        let mut at = self.root.clone();
        for (i, seg) in segments.iter().enumerate() {
            // A value that is itself a variable (`${ssm:...}` holding a document) is
            // resolved before the path goes into it.
            if matches!(&at, Value::String(s) if s.contains("${")) {
                let prefix = segments[..i].join(".");
                self.stack.push(prefix);
                let resolved = self.resolved(Some(at));
                self.stack.pop();
                match resolved? {
                    Some(v) => at = v,
                    None => return Ok(None),
                }
            }
            let Some(next) = lookup(&at, seg) else { return Ok(None) };
            at = next.clone();
        }
        self.stack.push(address.to_string());
        let out = self.resolved(Some(at));
        self.stack.pop();
        out
    }

    /// `file(path)` or `file(path):key`.
    fn file(&mut self, file: &str, key: Option<&str>) -> Result<Value, String> {
        let shown = format!("file({file})");
        if [".js", ".cjs", ".mjs", ".ts"].iter().any(|ext| file.ends_with(ext)) {
            return Err(format!("{shown}: JavaScript files are not run; put the values in a YAML or JSON file"));
        }
        let Some(read) = self.inputs.read_file else {
            return Err(format!("{shown}: files cannot be read here"));
        };
        let text = read(file).map_err(|e| format!("{shown}: {e}"))?;
        let doc: Value = serde_norway::from_str(&text).map_err(|e| format!("{shown}: not YAML or JSON: {e}"))?;
        let found = match key {
            Some(k) => lookup(&doc, k.trim()).cloned().ok_or_else(|| format!("{shown}:{k}: no such key"))?,
            None => doc,
        };
        self.resolved(Some(found)).map(Option::unwrap_or_default)
    }
}

/// The value at a dotted path (`custom.tables.0.name`); list items by number.
fn lookup<'v>(root: &'v Value, address: &str) -> Option<&'v Value> {
    let mut at = root;
    for seg in address.split('.').filter(|s| !s.is_empty()) {
        at = match at {
            Value::Sequence(items) => items.get(seg.parse::<usize>().ok()?)?,
            Value::Tagged(t) => t.value.get(seg)?,
            other => other.get(seg)?,
        };
    }
    Some(at)
}

/// `'text'`, `"text"`, a number, `true` or `false`.
fn literal(candidate: &str) -> Option<Value> {
    for q in ['\'', '"'] {
        if let Some(inner) = candidate.strip_prefix(q).and_then(|c| c.strip_suffix(q)) {
            return Some(Value::String(inner.to_string()));
        }
    }
    match candidate {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        _ => serde_norway::from_str::<serde_norway::Number>(candidate).ok().map(Value::Number),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A deploy's `sls:instanceId`: a fresh id per resolution, as the framework makes one per run.
fn instance_id() -> String {
    format!("{:x}", squall_types::random_u64())
}

enum Part<'s> {
    Text(&'s str),
    /// The text between `${` and its matching `}`.
    Variable(&'s str),
}

/// Splits text into literal runs and top-level `${...}` variables.
fn split_variables(s: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            parts.push(Part::Text(&rest[..start]));
        }
        let body = &rest[start + 2..];
        let (mut depth, mut end) = (1usize, None);
        let bytes = body.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
                depth += 1;
                i += 2;
                continue;
            }
            if bytes[i] == b'}' {
                depth -= 1;
                if depth == 0 {
                    end = Some(i);
                    break;
                }
            }
            i += 1;
        }
        let end = end.ok_or_else(|| format!("{s}: a ${{ without its closing }}"))?;
        let inner = &body[..end];
        if is_cloudformation(inner) {
            // `Fn::Sub`'s own placeholders (`${AWS::Region}`, `${Bucket.Arn}`) stay as written.
            parts.push(Part::Text(&rest[start..start + 2 + end + 1]));
        } else {
            parts.push(Part::Variable(inner));
        }
        rest = &body[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// Whether `${inner}` is a CloudFormation `Fn::Sub` placeholder rather than a framework
/// variable: a pseudo parameter (`AWS::Region`) or a resource reference (`Bucket`,
/// `Bucket.Arn`), which name no `source:`.
fn is_cloudformation(inner: &str) -> bool {
    let inner = inner.trim();
    inner.starts_with("AWS::")
        || (!inner.contains(':') && !inner.contains('(') && !inner.contains("${") && !inner.is_empty())
}

/// Splits a variable's body at the commas outside quotes, parentheses and nested variables.
fn split_top_level(expr: &str) -> Vec<&str> {
    let (mut out, mut start, mut depth, mut quote) = (Vec::new(), 0, 0i32, None);
    for (i, c) in expr.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '{') => depth += 1,
            (None, ')' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&expr[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&expr[start..]);
    out
}

/// What serverless-dotenv-plugin puts in every function's environment: the first of
/// `.env.<stage>.local`, `.env.<stage>`, `.env.local` and `.env` to set a name wins.
pub(crate) fn dotenv_plugin(inputs: &Inputs<'_>, stage: &str) -> Result<BTreeMap<String, String>, String> {
    let mut vars = BTreeMap::new();
    let Some(read) = inputs.read_file else { return Ok(vars) };
    for name in [format!(".env.{stage}.local"), format!(".env.{stage}"), ".env.local".to_string(), ".env".to_string()] {
        let Ok(text) = read(&name) else { continue };
        for item in dotenvy::from_read_iter(text.as_bytes()) {
            let (k, v) = item.map_err(|e| format!("{name}: {e}"))?;
            vars.entry(k).or_insert(v);
        }
    }
    Ok(vars)
}

#[cfg(test)]
mod tests;
