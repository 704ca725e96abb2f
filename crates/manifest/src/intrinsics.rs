//! CloudFormation's intrinsic functions, evaluated at parse time over what the service
//! declares: `Ref` and `Fn::GetAtt` (to resources, functions and the pseudo parameters
//! `AWS::Region`, `AWS::AccountId`, `AWS::StackName`, `AWS::Partition`,
//! `AWS::URLSuffix`, `AWS::NoValue`), `Fn::Join`, `Fn::Sub` (both forms), `Fn::Select`,
//! `Fn::Split`, `Fn::If` over `resources.Conditions` (`Fn::Equals`, `Fn::Not`, `Fn::And`,
//! `Fn::Or`, `Condition`), in long form and as YAML short tags (`!Join`, `!Sub`...).

use crate::parse::{Cx, Path};
use crate::resources::Refs;
use serde_norway::Value;

/// An evaluated intrinsic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Evaluated {
    /// A string.
    Text(String),
    /// A list of strings (`Fn::Split`, or a list some function takes).
    List(Vec<String>),
    /// `AWS::NoValue`: the property is left out.
    NoValue,
}

/// The function a node calls, and its argument: `{Fn::Join: x}` or `!Join x`.
fn call_of(v: &Value) -> Option<(String, &Value)> {
    match v {
        Value::Mapping(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next()?;
            let k = k.as_str()?;
            (k == "Ref" || k == "Condition" || k.starts_with("Fn::")).then(|| (k.to_string(), arg))
        }
        Value::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let long = match name {
                "Ref" | "Condition" => name.to_string(),
                other => format!("Fn::{other}"),
            };
            Some((long, &t.value))
        }
        _ => None,
    }
}

impl Cx<'_> {
    /// Evaluates `v` if it is an intrinsic call: `Ok(None)` when it is not one, `Err(())`
    /// once the problem is recorded.
    pub(crate) fn evaluate(&mut self, path: &Path, v: &Value, refs: &Refs) -> Result<Option<Evaluated>, ()> {
        let Some((name, arg)) = call_of(v) else { return Ok(None) };
        let fail = |cx: &mut Self, msg: String| -> Result<Option<Evaluated>, ()> {
            cx.error(path, msg);
            Err(())
        };
        let out = match name.as_str() {
            "Ref" => {
                let Some(id) = arg.as_str() else { return fail(self, "Ref takes a logical id".into()) };
                self.ref_of(path, id, refs)?
            }
            "Fn::GetAtt" => {
                let (id, attr) = match arg {
                    Value::String(s) => match s.split_once('.') {
                        Some((i, a)) => (i.to_string(), a.to_string()),
                        None => return fail(self, "Fn::GetAtt takes LogicalId.Attribute".into()),
                    },
                    Value::Sequence(s) if s.len() == 2 && s[0].is_string() && s[1].is_string() => {
                        (s[0].as_str().unwrap_or_default().to_string(), s[1].as_str().unwrap_or_default().to_string())
                    }
                    _ => return fail(self, "Fn::GetAtt takes [LogicalId, Attribute]".into()),
                };
                Evaluated::Text(self.attribute_of(path, &id, &attr, refs)?)
            }
            "Fn::Join" => {
                let Some([sep, items]) =
                    arg.as_sequence().map(Vec::as_slice).and_then(|s| <&[Value; 2]>::try_from(s).ok())
                else {
                    return fail(self, "Fn::Join takes [delimiter, [values...]]".into());
                };
                let Some(sep) = sep.as_str() else { return fail(self, "Fn::Join's delimiter must be a string".into()) };
                let items = self.list(path, items, refs)?;
                Evaluated::Text(items.join(sep))
            }
            "Fn::Split" => {
                let Some([sep, text]) =
                    arg.as_sequence().map(Vec::as_slice).and_then(|s| <&[Value; 2]>::try_from(s).ok())
                else {
                    return fail(self, "Fn::Split takes [delimiter, text]".into());
                };
                let (Some(sep), Some(text)) = (sep.as_str().filter(|s| !s.is_empty()), self.text(path, text, refs)?)
                else {
                    return fail(self, "Fn::Split takes a non-empty delimiter and a string".into());
                };
                Evaluated::List(text.split(sep).map(str::to_string).collect())
            }
            "Fn::Select" => {
                let Some([index, items]) =
                    arg.as_sequence().map(Vec::as_slice).and_then(|s| <&[Value; 2]>::try_from(s).ok())
                else {
                    return fail(self, "Fn::Select takes [index, [values...]]".into());
                };
                let index = match index {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                };
                let items = self.list(path, items, refs)?;
                match index.and_then(|i| items.get(i as usize)) {
                    Some(item) => Evaluated::Text(item.clone()),
                    None => return fail(self, format!("Fn::Select: no item at that index of {} items", items.len())),
                }
            }
            "Fn::Sub" => self.sub(path, arg, refs)?,
            "Fn::If" => {
                let Some([cond, yes, no]) =
                    arg.as_sequence().map(Vec::as_slice).and_then(|s| <&[Value; 3]>::try_from(s).ok())
                else {
                    return fail(self, "Fn::If takes [condition, value if true, value if false]".into());
                };
                let Some(cond) = cond.as_str() else { return fail(self, "Fn::If's condition is a name".into()) };
                let branch = if self.condition(path, cond)? { yes } else { no };
                match self.evaluate(path, branch, refs)? {
                    Some(e) => e,
                    None => match branch {
                        Value::Sequence(_) => Evaluated::List(self.list(path, branch, refs)?),
                        _ => match self.scalar(path, branch) {
                            Some(s) => Evaluated::Text(s),
                            None => return Err(()),
                        },
                    },
                }
            }
            "Fn::ImportValue" => {
                return fail(self, "Fn::ImportValue is not supported (squall has no stack exports)".into());
            }
            "Fn::FindInMap" | "Fn::GetAZs" | "Fn::Base64" | "Fn::Cidr" | "Fn::Length" | "Fn::ToJsonString" => {
                return fail(self, format!("{name} is not supported yet"));
            }
            "Condition" | "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => {
                return fail(self, format!("{name} belongs in resources.Conditions"));
            }
            other => return fail(self, format!("{other} is not an intrinsic function squall knows")),
        };
        Ok(Some(out))
    }

    /// `v` evaluated to a string: an intrinsic, or a scalar.
    pub(crate) fn text(&mut self, path: &Path, v: &Value, refs: &Refs) -> Result<Option<String>, ()> {
        match self.evaluate(path, v, refs)? {
            Some(Evaluated::Text(s)) => Ok(Some(s)),
            Some(_) => {
                self.error(path, "must evaluate to a string");
                Err(())
            }
            None => Ok(self.scalar(path, v)),
        }
    }

    /// [`Cx::text`] against the service's own references: a name that may be written with
    /// intrinsics (`QueueName: !Join ['-', [!Ref AWS::StackName, inbox]]`).
    pub(crate) fn resolved_text(&mut self, path: &Path, v: &Value) -> Option<String> {
        let refs = std::mem::take(&mut self.refs);
        let out = self.text(path, v, &refs).ok().flatten();
        self.refs = refs;
        out
    }

    /// [`Cx::resolved_text`] without recording a problem (the caller reads the value again
    /// later, where its problems are reported once).
    pub(crate) fn quiet_text(&mut self, v: &Value) -> Option<String> {
        let errors = self.errors.len();
        let out = self.resolved_text(&[], v);
        self.errors.truncate(errors);
        out
    }

    /// `v` evaluated to a list of strings: a list (of intrinsics or scalars) or an
    /// intrinsic giving one.
    fn list(&mut self, path: &Path, v: &Value, refs: &Refs) -> Result<Vec<String>, ()> {
        match self.evaluate(path, v, refs)? {
            Some(Evaluated::List(l)) => return Ok(l),
            Some(_) => {
                self.error(path, "must evaluate to a list");
                return Err(());
            }
            None => {}
        }
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list");
            return Err(());
        };
        let mut out = Vec::new();
        for item in items {
            match self.evaluate(path, item, refs)? {
                Some(Evaluated::Text(s)) => out.push(s),
                Some(Evaluated::List(l)) => out.extend(l),
                Some(Evaluated::NoValue) => {}
                None => out.push(self.scalar(path, item).ok_or(())?),
            }
        }
        Ok(out)
    }

    /// `Ref` to a pseudo parameter, a resource or a function of the service.
    fn ref_of(&mut self, path: &Path, id: &str, refs: &Refs) -> Result<Evaluated, ()> {
        let pseudo = match id {
            "AWS::Region" => Some(self.region.clone()),
            "AWS::AccountId" => Some(squall_types::ACCOUNT_ID.to_string()),
            "AWS::StackName" => Some(self.stack.clone()),
            "AWS::Partition" => Some("aws".to_string()),
            "AWS::URLSuffix" => Some("amazonaws.com".to_string()),
            "AWS::NoValue" => return Ok(Evaluated::NoValue),
            "AWS::StackId" | "AWS::NotificationARNs" => {
                self.error(path, format!("{id} is not supported (squall has no CloudFormation stacks)"));
                return Err(());
            }
            _ => None,
        };
        if let Some(p) = pseudo {
            return Ok(Evaluated::Text(p));
        }
        match refs.get(id) {
            Some(t) => Ok(Evaluated::Text(t.reference.clone())),
            None => {
                self.error(path, format!("refers to {id}, which is not a resource of this service"));
                Err(())
            }
        }
    }

    fn attribute_of(&mut self, path: &Path, id: &str, attr: &str, refs: &Refs) -> Result<String, ()> {
        let Some(target) = refs.get(id) else {
            self.error(path, format!("refers to {id}, which is not a resource of this service"));
            return Err(());
        };
        if let Some(v) = target.attributes.get(attr) {
            return Ok(v.clone());
        }
        let mut known: Vec<&str> = target.attributes.keys().copied().collect();
        known.sort_unstable();
        let msg = if attr == "StreamArn" {
            "StreamArn is known only once the table exists: use it in a stream event's arn".to_string()
        } else if attr == "RoleId" && target.kind == "AWS::IAM::Role" {
            format!(
                "RoleId of {id} is not supported: IAM makes the id when the deploy creates the role, so references cannot know it (use Arn, or Ref for its name)"
            )
        } else {
            format!("attribute {attr} of {id} is not supported ({} are)", known.join(", "))
        };
        self.error(path, msg);
        Err(())
    }

    /// `Fn::Sub`: `"text ${Name} ${Name.Attr} ${!Literal}"`, or `[text, {Name: value}]`.
    fn sub(&mut self, path: &Path, arg: &Value, refs: &Refs) -> Result<Evaluated, ()> {
        let (template, vars) = match arg {
            Value::String(s) => (s.clone(), Default::default()),
            Value::Sequence(s) if s.len() == 2 && s[0].is_string() => {
                let mut vars = std::collections::HashMap::new();
                for (k, v) in self.entries(path, &s[1]) {
                    let Some(text) = self.text(path, v, refs)? else { return Err(()) };
                    vars.insert(k.to_string(), text);
                }
                (s[0].as_str().unwrap_or_default().to_string(), vars)
            }
            _ => {
                self.error(path, "Fn::Sub takes a string or [string, {variables}]");
                return Err(());
            }
        };
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                self.error(path, format!("Fn::Sub: an unclosed ${{ in {template:?}"));
                return Err(());
            };
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(v);
            } else if let Some((id, attr)) = name.split_once('.').filter(|(id, _)| !id.starts_with("AWS::")) {
                out.push_str(&self.attribute_of(path, id, attr, refs)?);
            } else {
                match self.ref_of(path, name, refs)? {
                    Evaluated::Text(s) => out.push_str(&s),
                    _ => {
                        self.error(path, format!("Fn::Sub: ${{{name}}} is not a string"));
                        return Err(());
                    }
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Evaluated::Text(out))
    }

    /// The value of the condition `name` of `resources.Conditions`.
    pub(crate) fn condition(&mut self, path: &Path, name: &str) -> Result<bool, ()> {
        match self.conditions.get(name) {
            Some(b) => Ok(*b),
            None => {
                self.error(path, format!("no condition {name} in resources.Conditions"));
                Err(())
            }
        }
    }

    /// Evaluates `resources.Conditions` (in any order, each once) into `self.conditions`.
    pub(crate) fn read_conditions(&mut self, v: &Value, refs: &Refs) {
        let base = ["resources", "Conditions"];
        let listed: Vec<(String, Value)> =
            self.entries(&base, v).into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let mut pending = listed;
        // Conditions may refer to each other: evaluate what can be, until nothing moves.
        while !pending.is_empty() {
            let before = pending.len();
            let mut waiting = Vec::new();
            for (name, body) in pending {
                let path = [base[0], base[1], name.as_str()];
                match self.condition_value(&path, &body, refs) {
                    Ok(Some(b)) => {
                        self.conditions.insert(name, b);
                    }
                    Ok(None) => waiting.push((name, body)),
                    Err(()) => {}
                }
            }
            if waiting.len() == before {
                for (name, _) in &waiting {
                    self.error(&[base[0], base[1], name.as_str()], "refers to a condition that is missing or circular");
                }
                break;
            }
            pending = waiting;
        }
    }

    /// A condition's value; `Ok(None)` while a condition it names is not evaluated yet.
    fn condition_value(&mut self, path: &Path, v: &Value, refs: &Refs) -> Result<Option<bool>, ()> {
        let Some((name, arg)) = call_of(v) else {
            self.error(path, "must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition");
            return Err(());
        };
        let args = |cx: &mut Self| -> Result<Vec<Value>, ()> {
            match arg {
                Value::Sequence(s) => Ok(s.clone()),
                _ => {
                    cx.error(path, format!("{name} takes a list"));
                    Err(())
                }
            }
        };
        match name.as_str() {
            "Condition" => match arg.as_str() {
                Some(n) => Ok(self.conditions.get(n).copied()),
                None => {
                    self.error(path, "Condition takes a condition's name");
                    Err(())
                }
            },
            "Fn::Equals" => {
                let a = args(self)?;
                if a.len() != 2 {
                    self.error(path, "Fn::Equals takes two values");
                    return Err(());
                }
                let x = self.text(path, &a[0], refs)?.ok_or(())?;
                let y = self.text(path, &a[1], refs)?.ok_or(())?;
                Ok(Some(x == y))
            }
            "Fn::Not" | "Fn::And" | "Fn::Or" => {
                let mut values = Vec::new();
                for item in args(self)? {
                    match self.condition_value(path, &item, refs)? {
                        Some(b) => values.push(b),
                        None => return Ok(None),
                    }
                }
                match name.as_str() {
                    "Fn::Not" if values.len() == 1 => Ok(Some(!values[0])),
                    "Fn::Not" => {
                        self.error(path, "Fn::Not takes one condition");
                        Err(())
                    }
                    "Fn::And" => Ok(Some(values.iter().all(|b| *b))),
                    _ => Ok(Some(values.iter().any(|b| *b))),
                }
            }
            other => {
                self.error(path, format!("{other} is not a condition function"));
                Err(())
            }
        }
    }
}

#[cfg(test)]
mod tests;
