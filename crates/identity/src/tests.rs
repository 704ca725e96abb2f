use super::*;
use crate::model::KeyStatus;
use squall_iam::{Context, Decision};

async fn open() -> (tempfile::TempDir, Arc<Identities>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&dir.path().join("iam.db")).unwrap());
    let ids = Identities::open(store, Clock::manual(1_000), Cluster::single()).await.unwrap();
    (dir, ids)
}

const ALLOW_GET: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#;

#[tokio::test]
async fn a_key_speaks_for_its_user_with_the_user_and_group_policies() {
    let (_dir, ids) = open().await;
    ids.create_user("ada", None, Vec::new()).await.unwrap();
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
    ids.create_user("bo", None, Vec::new()).await.unwrap();
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
    let ids = Identities::open(store, Clock::manual(0), Cluster::single()).await.unwrap();
    ids.create_user("cy", Some("/ops/"), Vec::new()).await.unwrap();
    let key = ids.create_access_key("cy").await.unwrap();
    assert!(matches!(ids.create_user("CY", None, Vec::new()).await, Err(Error::AlreadyExists(_))));
    assert!(matches!(ids.create_user("no spaces", None, Vec::new()).await, Err(Error::Validation(_))));
    assert!(matches!(
        ids.put_inline_policy(Holder::User, "cy", "p", r#"{"Statement":[]}"#).await,
        Err(Error::MalformedPolicy(_))
    ));
    ids.create_access_key("cy").await.unwrap();
    assert!(matches!(ids.create_access_key("cy").await, Err(Error::LimitExceeded(_))));
    drop(ids);
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&path).unwrap());
    let ids = Identities::open(store, Clock::manual(0), Cluster::single()).await.unwrap();
    assert_eq!(ids.principal(&key.id).unwrap().arn, user_arn("/ops/", "cy"));
}
