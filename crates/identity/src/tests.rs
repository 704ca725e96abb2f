use super::*;
use crate::model::KeyStatus;
use sessions::SessionError;
use squall_iam::{Context, Decision};

async fn open() -> (tempfile::TempDir, Arc<Identities>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&dir.path().join("iam.db")).unwrap());
    let ids = Identities::open(store, Clock::manual(1_000), Cluster::single(), squall_auth::Sealer::new(&[3; 32]))
        .await
        .unwrap();
    (dir, ids)
}

const ALLOW_GET: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#;

#[tokio::test]
async fn a_key_speaks_for_its_user_with_the_user_and_group_policies() {
    let (_dir, ids) = open().await;
    ids.create_user("ada", None, Vec::new(), None).await.unwrap();
    let key = ids.create_access_key("ada").await.unwrap();
    let p = ids.principal(&key.id).unwrap();
    assert_eq!(p.arn, format!("arn:aws:iam::{}:user/ada", squall_types::ACCOUNT_ID));
    assert_eq!(p.active_secret(&key.id), Some(key.secret.as_str()));
    let ctx = Context::default();
    assert_eq!(p.decide("dynamodb:GetItem", "arn:t", None, &ctx), Decision::ImplicitDeny);

    ids.create_group("readers", None).await.unwrap();
    ids.put_inline_policy(Holder::Group, "readers", "get", ALLOW_GET).await.unwrap();
    ids.add_user_to_group("readers", "ADA").await.unwrap();
    let p = ids.principal(&key.id).unwrap();
    assert_eq!(p.decide("dynamodb:GetItem", "arn:t", None, &ctx), Decision::Allow);

    ids.update_access_key("ada", &key.id, KeyStatus::Inactive).await.unwrap();
    assert_eq!(ids.principal(&key.id).unwrap().active_secret(&key.id), None);
}

#[tokio::test]
async fn managed_policy_versions_decide_what_attachments_allow() {
    let (_dir, ids) = open().await;
    ids.create_user("bo", None, Vec::new(), None).await.unwrap();
    let key = ids.create_access_key("bo").await.unwrap();
    let deny_all =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;
    let policy = ids.create_policy("p", Some("/team/"), deny_all, None, Vec::new()).await.unwrap();
    let arn = policy_arn(&policy.path, &policy.name);
    ids.attach_policy(Holder::User, "bo", &arn).await.unwrap();
    let ctx = Context::default();
    assert_eq!(ids.principal(&key.id).unwrap().decide("dynamodb:GetItem", "t", None, &ctx), Decision::ImplicitDeny);
    ids.create_policy_version(&arn, ALLOW_GET, true).await.unwrap();
    assert_eq!(ids.principal(&key.id).unwrap().decide("dynamodb:GetItem", "t", None, &ctx), Decision::Allow);
    assert!(matches!(ids.delete_policy_version(&arn, "v2").await, Err(Error::DeleteConflict(_))));
    assert!(matches!(ids.delete_policy(&arn).await, Err(Error::DeleteConflict(_))));
    assert!(matches!(ids.delete_user("bo").await, Err(Error::DeleteConflict(_))));
}

#[tokio::test]
async fn changes_survive_a_reopen_and_bad_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iam.db");
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&path).unwrap());
    let ids =
        Identities::open(store, Clock::manual(0), Cluster::single(), squall_auth::Sealer::new(&[3; 32])).await.unwrap();
    ids.create_user("cy", Some("/ops/"), Vec::new(), None).await.unwrap();
    let key = ids.create_access_key("cy").await.unwrap();
    assert!(matches!(ids.create_user("CY", None, Vec::new(), None).await, Err(Error::AlreadyExists(_))));
    assert!(matches!(ids.create_user("no spaces", None, Vec::new(), None).await, Err(Error::Validation(_))));
    assert!(matches!(
        ids.put_inline_policy(Holder::User, "cy", "p", r#"{"Statement":[]}"#).await,
        Err(Error::MalformedPolicy(_))
    ));
    ids.create_access_key("cy").await.unwrap();
    assert!(matches!(ids.create_access_key("cy").await, Err(Error::LimitExceeded(_))));
    drop(ids);
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&path).unwrap());
    let ids =
        Identities::open(store, Clock::manual(0), Cluster::single(), squall_auth::Sealer::new(&[3; 32])).await.unwrap();
    assert_eq!(ids.principal(&key.id).unwrap().arn, user_arn("/ops/", "cy"));
}

#[tokio::test]
async fn sessions_carry_their_role_narrowed_and_end_on_time_or_with_the_role() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&dir.path().join("iam.db")).unwrap());
    let clock = Clock::manual(1_000);
    let ids =
        Identities::open(store, clock.clone(), Cluster::single(), squall_auth::Sealer::new(&[3; 32])).await.unwrap();
    ids.create_user("ada", None, Vec::new(), None).await.unwrap();
    let key = ids.create_access_key("ada").await.unwrap();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole"}]}"#;
    let new = NewRole { trust: trust.into(), ..Default::default() };
    ids.create_role("worker", new).await.unwrap();
    let everything =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","s3:*"],"Resource":"*"}]}"#;
    ids.put_inline_policy(Holder::Role, "worker", "all", everything).await.unwrap();
    let ask = |policy: Option<&str>| sessions::AssumeRole {
        role_arn: "arn:aws:iam::000000000000:role/worker".into(),
        session_name: "job".into(),
        policy: policy.map(str::to_string),
        ..Default::default()
    };
    let ada = ids.principal(&key.id).unwrap();
    let ctx = Context::default();
    // The trust policy names the account: ada's own policies must allow it too.
    assert!(matches!(ids.assume_role(&ada, &ctx, ask(None)), Err(Error::AccessDenied(_))));
    let may_assume = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::000000000000:role/worker"}]}"#;
    ids.put_inline_policy(Holder::User, "ada", "assume", may_assume).await.unwrap();
    let ada = ids.principal(&key.id).unwrap();
    let only_s3 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let creds = ids.assume_role(&ada, &ctx, ask(Some(only_s3))).unwrap();
    assert!(creds.access_key_id.starts_with("ASIA"));
    assert_eq!(creds.arn, "arn:aws:sts::000000000000:assumed-role/worker/job");
    let s = ids.session(&creds.access_key_id, &creds.session_token).unwrap();
    assert_eq!(s.active_secret(&creds.access_key_id), Some(creds.secret_access_key.as_str()));
    assert_eq!(s.decide("s3:GetObject", "arn:aws:s3:::b/k", None, &ctx), Decision::Allow);
    assert_eq!(s.decide("dynamodb:GetItem", "t", None, &ctx), Decision::ImplicitDeny, "the session policy narrows");
    assert_eq!(ids.session(&creds.access_key_id, "bm90IGEgdG9rZW4=").map(|_| ()), Err(SessionError::Invalid));
    assert_eq!(ids.session("ASIAOTHER", &creds.session_token).map(|_| ()), Err(SessionError::Invalid));

    clock.advance(std::time::Duration::from_secs(3600)).unwrap();
    assert_eq!(ids.session(&creds.access_key_id, &creds.session_token).map(|_| ()), Err(SessionError::Expired));

    let fresh = ids.assume_role(&ada, &ctx, ask(None)).unwrap();
    assert!(ids.session(&fresh.access_key_id, &fresh.session_token).is_ok());
    ids.delete_inline_policy(Holder::Role, "worker", "all").await.unwrap();
    ids.delete_role("worker").await.unwrap();
    ids.create_role("worker", NewRole { trust: trust.into(), ..Default::default() }).await.unwrap();
    assert_eq!(
        ids.session(&fresh.access_key_id, &fresh.session_token).map(|_| ()),
        Err(SessionError::Invalid),
        "a role made again under the same name does not revive its sessions"
    );
}

#[tokio::test]
async fn update_role_changes_the_description_and_the_session_maximum() {
    let (_dir, ids) = open().await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let new = NewRole { trust: trust.into(), description: Some("first".into()), ..Default::default() };
    ids.create_role("flow", new).await.unwrap();
    let r = ids.update_role("flow", Some("second"), Some(7200)).await.unwrap();
    assert_eq!((r.description.as_deref(), r.max_session_s), (Some("second"), 7200));
    // Only what is given changes; an empty description clears it.
    let r = ids.update_role("flow", None, None).await.unwrap();
    assert_eq!((r.description.as_deref(), r.max_session_s), (Some("second"), 7200));
    let r = ids.update_role("flow", Some(""), None).await.unwrap();
    assert_eq!((r.description, r.max_session_s), (None, 7200));
    assert!(matches!(ids.update_role("flow", None, Some(60)).await, Err(Error::Validation(_))));
    assert!(matches!(ids.update_role("flow", Some(&"x".repeat(1001)), None).await, Err(Error::Validation(_))));
    assert!(matches!(ids.update_role("nobody", Some("d"), None).await, Err(Error::NoSuchEntity(_))));
    assert_eq!(ids.snapshot().role("flow").unwrap().max_session_s, 7200);
}
