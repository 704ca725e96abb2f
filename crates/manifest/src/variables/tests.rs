use super::*;

fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).unwrap()
}

fn resolved(text: &str, inputs: &Inputs<'_>) -> Value {
    resolve(&yaml(text), inputs).unwrap_or_else(|e| panic!("{e:?}"))
}

fn errors(text: &str, inputs: &Inputs<'_>) -> Vec<Unresolved> {
    resolve(&yaml(text), inputs).unwrap_err()
}

fn at<'v>(v: &'v Value, path: &str) -> &'v Value {
    lookup(v, path).unwrap_or_else(|| panic!("no {path} in {v:?}"))
}

#[test]
fn self_opt_sls_env_and_aws_resolve() {
    let inputs = Inputs {
        stage: Some("prod".into()),
        env: BTreeMap::from([("TOKEN".to_string(), "t0k".to_string())]),
        ..Inputs::default()
    };
    let v = resolved(
        "service: shop
provider:
  stage: ${opt:stage, 'dev'}
  region: eu-west-1
custom:
  tableName: orders-${sls:stage}
  size: 512
  nested: ${self:custom.tableName}
functions:
  f:
    memorySize: ${self:custom.size}
    environment:
      TABLE: ${self:custom.nested}
      NAME: ${self:service}-${self:provider.stage}-f
      TOKEN: ${env:TOKEN}
      ACCOUNT: ${aws:accountId}
      REGION: ${aws:region}
      PARTITION: ${aws:partition}
",
        &inputs,
    );
    assert_eq!(at(&v, "provider.stage"), &Value::from("prod"));
    assert_eq!(at(&v, "functions.f.environment.TABLE"), &Value::from("orders-prod"));
    assert_eq!(at(&v, "functions.f.environment.NAME"), &Value::from("shop-prod-f"));
    assert_eq!(at(&v, "functions.f.environment.TOKEN"), &Value::from("t0k"));
    assert_eq!(at(&v, "functions.f.environment.ACCOUNT"), &Value::from(squall_types::ACCOUNT_ID));
    assert_eq!(at(&v, "functions.f.environment.REGION"), &Value::from("eu-west-1"));
    assert_eq!(at(&v, "functions.f.environment.PARTITION"), &Value::from("aws"));
    // A string that is one variable takes the value's type.
    assert_eq!(at(&v, "functions.f.memorySize"), &Value::from(512));
}

#[test]
fn stages_default_to_the_providers_then_dev() {
    let text = "provider:\n  stage: qa\nx: ${sls:stage}\ny: ${opt:stage, self:provider.stage}\n";
    let v = resolved(text, &Inputs::default());
    assert_eq!((at(&v, "x"), at(&v, "y")), (&Value::from("qa"), &Value::from("qa")));
    let v = resolved("x: ${sls:stage}\nr: ${aws:region}\n", &Inputs::default());
    assert_eq!((at(&v, "x"), at(&v, "r")), (&Value::from("dev"), &Value::from("us-east-1")));
    let inputs = Inputs { region: Some("ap-south-1".into()), ..Inputs::default() };
    assert_eq!(at(&resolved("r: ${aws:region}\no: ${opt:region}\n", &inputs), "o"), &Value::from("ap-south-1"));
}

#[test]
fn fallbacks_literals_and_nesting() {
    let text = "
custom:
  dev: {table: t-dev}
  prod: {table: t-prod}
  flag: 'true'
a: ${opt:stage, \"dev\"}
b: ${env:MISSING, self:custom.dev.table}
c: ${self:custom.${opt:stage, 'prod'}.table}
d: ${env:MISSING, 42}
e: ${env:MISSING, ${self:custom.dev.table}}
f: ${strToBool(${self:custom.flag})}
g: ${self:custom.dev}
";
    let v = resolved(text, &Inputs::default());
    assert_eq!(at(&v, "a"), &Value::from("dev"));
    assert_eq!(at(&v, "b"), &Value::from("t-dev"));
    assert_eq!(at(&v, "c"), &Value::from("t-prod"));
    assert_eq!(at(&v, "d"), &Value::from(42));
    assert_eq!(at(&v, "e"), &Value::from("t-dev"));
    assert_eq!(at(&v, "f"), &Value::Bool(true));
    assert_eq!(at(&v, "g.table"), &Value::from("t-dev"));
}

#[test]
fn files_are_read_as_yaml_or_json() {
    let read = |path: &str| match path {
        "./config.yml" => Ok("tables:\n  orders: orders-${sls:stage}\n".to_string()),
        "config.json" => Ok(r#"{"memory": 1024}"#.to_string()),
        other => Err(format!("{other}: no such file")),
    };
    let inputs = Inputs { read_file: Some(&read), ..Inputs::default() };
    let v = resolved(
        "t: ${file(./config.yml):tables.orders}\nall: ${file(config.json)}\nm: ${file(config.json):memory}\n",
        &inputs,
    );
    assert_eq!(at(&v, "t"), &Value::from("orders-dev"));
    assert_eq!(at(&v, "all.memory"), &Value::from(1024));
    assert_eq!(at(&v, "m"), &Value::from(1024));
    let e = errors("a: ${file(./config.js):x}\nb: ${file(missing.yml)}\nc: ${file(config.json):nope}\n", &inputs);
    let messages: Vec<&str> = e.iter().map(|(_, m)| m.as_str()).collect();
    assert!(messages[0].contains("JavaScript files are not run"), "{messages:?}");
    assert!(messages[1].contains("missing.yml: no such file"), "{messages:?}");
    assert!(messages[2].contains("nope: no such key"), "{messages:?}");
}

#[test]
fn what_cannot_be_resolved_is_refused_with_its_path() {
    let text = "
custom:
  a: ${self:custom.b}
  b: ${self:custom.a}
  m: {k: v}
functions:
  f:
    environment:
      X: ${self:custom.missing}
      Y: ${ssm:/app/key}
      Z: ${env:NOPE}
      W: ${nonsense:x}
      V: ${opt:stage
      U: prefix-${self:custom.m}
";
    let e = errors(text, &Inputs::default());
    let find = |key: &str| {
        e.iter()
            .find(|(p, _)| p.join(".") == key)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("no error at {key}: {e:?}"))
    };
    assert!(find("custom.a").contains("refer to each other"), "{e:?}");
    assert!(find("functions.f.environment.X").contains("self:custom.missing resolves to nothing"), "{e:?}");
    assert!(find("functions.f.environment.Y").contains("the ssm variable source needs a server"), "{e:?}");
    assert!(find("functions.f.environment.Z").contains("env:NOPE resolves to nothing"), "{e:?}");
    assert!(find("functions.f.environment.W").contains("unknown variable source"), "{e:?}");
    assert!(find("functions.f.environment.V").contains("closing }"), "{e:?}");
    assert!(find("functions.f.environment.U").contains("cannot be written into a string"), "{e:?}");
}

#[test]
fn cloudformation_placeholders_are_left_for_fn_sub() {
    let v = resolved(
        "a: arn:aws:s3:::${Bucket}/*\nb: ${AWS::Region}-${self:c}\nc: x\nd: ${Bucket.Arn}\n",
        &Inputs::default(),
    );
    assert_eq!(at(&v, "a"), &Value::from("arn:aws:s3:::${Bucket}/*"));
    assert_eq!(at(&v, "b"), &Value::from("${AWS::Region}-x"));
    assert_eq!(at(&v, "d"), &Value::from("${Bucket.Arn}"));
}

#[test]
fn params_follow_the_stage_then_default() {
    let text = "
params:
  default: {table: t-default, size: 128}
  prod: {table: t-prod}
a: ${param:table}
b: ${param:size}
c: ${param:missing, 'none'}
";
    let v = resolved(text, &Inputs::default());
    assert_eq!(
        (at(&v, "a"), at(&v, "b"), at(&v, "c")),
        (&Value::from("t-default"), &Value::from(128), &Value::from("none"))
    );
    let prod = Inputs { stage: Some("prod".into()), ..Inputs::default() };
    assert_eq!(at(&resolved(text, &prod), "a"), &Value::from("t-prod"));
    // `--param` comes first.
    let given = Inputs { params: BTreeMap::from([("table".to_string(), "t-cli".to_string())]), ..Inputs::default() };
    assert_eq!(at(&resolved(text, &given), "a"), &Value::from("t-cli"));
}

#[test]
fn dotenv_files_are_read_when_asked_for() {
    let read = |path: &str| match path {
        ".env" => Ok("A=from-dotenv\nB=dotenv\n".to_string()),
        ".env.prod" => Ok("A=from-prod\n".to_string()),
        other => Err(format!("{other}: no such file")),
    };
    let text = "useDotenv: true\na: ${env:A}\nb: ${env:B, 'unset'}\n";
    let inputs = Inputs { read_file: Some(&read), ..Inputs::default() };
    let v = resolved(text, &inputs);
    assert_eq!((at(&v, "a"), at(&v, "b")), (&Value::from("from-dotenv"), &Value::from("dotenv")));
    // `.env.<stage>` instead of `.env`, not on top of it.
    let inputs = Inputs { stage: Some("prod".into()), read_file: Some(&read), ..Inputs::default() };
    let v = resolved(text, &inputs);
    assert_eq!((at(&v, "a"), at(&v, "b")), (&Value::from("from-prod"), &Value::from("unset")));
    // The environment wins; without useDotenv nothing is read.
    let env = BTreeMap::from([("A".to_string(), "from-env".to_string())]);
    let inputs = Inputs { env, read_file: Some(&read), ..Inputs::default() };
    assert_eq!(at(&resolved(text, &inputs), "a"), &Value::from("from-env"));
    let inputs = Inputs { read_file: Some(&read), ..Inputs::default() };
    assert_eq!(at(&resolved("a: ${env:A, 'no'}\n", &inputs), "a"), &Value::from("no"));
}

#[test]
fn ssm_variables_read_parameters_and_secrets() {
    use crate::Stored;
    let read = |name: &str, decrypt: bool| -> Result<Option<Stored>, String> {
        Ok(match name {
            "/app/url" => Some(Stored::String("https://x".into())),
            "/app/key" if decrypt => Some(Stored::String("plain".into())),
            "/app/key" => Some(Stored::String("AQICAH...".into())),
            "/app/hosts" => Some(Stored::StringList("a,b".into())),
            "/aws/reference/secretsmanager/db" => Some(Stored::Secret(r#"{"user":"u","port":5432}"#.into())),
            "/broken" => return Err("AccessDeniedException: no".into()),
            _ => None,
        })
    };
    let inputs = Inputs { read_ssm: Some(&read), ..Default::default() };
    let text = "
a: ${ssm:/app/url}
b: ${ssm:/app/key~true}
c: ${ssm(noDecrypt):/app/key}
d: ${ssm:/app/hosts}
e: ${ssm(raw):/app/hosts}
f: ${ssm:/aws/reference/secretsmanager/db}
g: ${ssm(eu-west-1, raw):/aws/reference/secretsmanager/db}
h: ${ssm:/missing, 'fallback'}
i: ${self:f.user}-${ssm:/app/url}
";
    let v = resolved(text, &inputs);
    let get = |k: &str| v.get(k).cloned().unwrap();
    assert_eq!(get("a"), Value::from("https://x"));
    assert_eq!(get("b"), Value::from("plain"));
    assert_eq!(get("c"), Value::from("AQICAH..."));
    assert_eq!(get("d"), Value::Sequence(vec![Value::from("a"), Value::from("b")]));
    assert_eq!(get("e"), Value::from("a,b"));
    assert_eq!(get("f").get("port").and_then(Value::as_u64), Some(5432), "a JSON secret is its document");
    assert_eq!(get("g"), Value::from(r#"{"user":"u","port":5432}"#));
    assert_eq!(get("h"), Value::from("fallback"));
    assert_eq!(get("i"), Value::from("u-https://x"));
    let e = errors("x: ${ssm:/missing}\ny: ${ssm:/broken}\nz: ${ssm(bogus):/a}\n", &inputs);
    let messages: Vec<&str> = e.iter().map(|(_, m)| m.as_str()).collect();
    assert!(messages[0].contains("resolves to nothing"), "{messages:?}");
    assert!(messages[1].contains("AccessDeniedException: no"), "{messages:?}");
    assert!(messages[2].contains("unknown ssm option \"bogus\""), "{messages:?}");
}
