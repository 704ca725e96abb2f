//! KMS keys on a manual clock: encryption round trips, states, aliases, AWS-managed keys,
//! the deletion window and its sweep, durability and the material at rest.

use super::{CreateKey, EncryptionContext, KeyManager, KeyState, material_aad};
use crate::tests::{START_MS, open};
use crate::{Error, KEY_LEN, Result, Sealer};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use squall_clock::Clock;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn encrypts_and_decrypts_across_a_reopen_and_the_material_is_sealed_on_disk() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let (blob, id, material) = {
        let p = open(dir.path(), 1, &clock).await?;
        let key = p.keys.create(CreateKey { description: Some("app".into()), ..Default::default() }).await?;
        assert_eq!((key.state, key.manager, key.created_ms), (KeyState::Enabled, KeyManager::Customer, START_MS));
        assert_eq!(key.arn, format!("arn:aws:kms:us-east-1:000000000000:key/{}", key.id));
        let out = p.keys.encrypt(&key.id, b"hello", &ctx(&[("purpose", "test")]))?;
        assert_eq!(out.key_arn, key.arn);
        let sealed = B64.decode(&p.keys.read().keys[&key.id].sealed).expect("base64");
        let material = Sealer::new(&[1; KEY_LEN]).open(&sealed, &material_aad(&key.id)).expect("sealed under key 1");
        assert_eq!(material.len(), 32);
        (out.ciphertext, key.id, material)
    };
    for file in ["params.db", "params.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(material.len()).any(|w| w == material), "{file} holds the key material");
    }
    let p = open(dir.path(), 1, &clock).await?;
    let opened = p.keys.decrypt(&blob, &ctx(&[("purpose", "test")]), None)?;
    assert_eq!((opened.plaintext.as_slice(), opened.key_arn.ends_with(&id)), (&b"hello"[..], true));
    assert!(matches!(p.keys.decrypt(&blob, &ctx(&[]), None), Err(Error::InvalidCiphertext(_))));
    let mut tampered = blob.clone();
    *tampered.last_mut().expect("a tag") ^= 1;
    assert!(matches!(p.keys.decrypt(&tampered, &ctx(&[("purpose", "test")]), None), Err(Error::InvalidCiphertext(_))));
    Ok(())
}

#[tokio::test]
async fn data_keys_decrypt_only_under_their_key_and_context() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let a = p.keys.create(CreateKey::default()).await?;
    let b = p.keys.create(CreateKey::default()).await?;
    p.keys.create_alias("alias/app", &a.id).await?;
    let context = ctx(&[("aws:s3:arn", "arn:aws:s3:::photos/cat.jpg")]);
    let dk = p.keys.generate_data_key("alias/app", &context, 32)?;
    assert_eq!((dk.plaintext.len(), dk.key_arn.as_str()), (32, a.arn.as_str()));
    assert_eq!(p.keys.key_of_ciphertext(&dk.ciphertext).as_deref(), Some(a.arn.as_str()));
    let opened = p.keys.decrypt(&dk.ciphertext, &context, Some(&a.arn))?;
    assert_eq!(opened.plaintext, dk.plaintext);
    assert!(matches!(p.keys.decrypt(&dk.ciphertext, &context, Some(&b.id)), Err(Error::IncorrectKey(_))));
    assert!(matches!(p.keys.decrypt(&dk.ciphertext, &context, Some("alias/none")), Err(Error::NotFound(_))));
    // ReEncrypt moves it under b, with another context.
    let moved = p.keys.re_encrypt(&dk.ciphertext, &context, None, &b.arn, &ctx(&[]))?;
    assert_eq!((moved.source_key_arn.as_str(), moved.key_arn.as_str()), (a.arn.as_str(), b.arn.as_str()));
    assert_eq!(p.keys.decrypt(&moved.ciphertext, &ctx(&[]), Some(&b.id))?.plaintext, dk.plaintext);
    // Counts out of range.
    assert!(matches!(p.keys.generate_data_key(&a.id, &context, 0), Err(Error::Validation(_))));
    assert!(matches!(p.keys.generate_data_key(&a.id, &context, 1025), Err(Error::Validation(_))));
    assert!(matches!(p.keys.encrypt(&a.id, &[0; 4097], &context), Err(Error::Validation(_))));
    assert!(matches!(p.keys.encrypt(&a.id, b"", &context), Err(Error::Validation(_))));
    assert_eq!(p.keys.generate_random(1024)?.len(), 1024);
    Ok(())
}

#[tokio::test]
async fn disabled_and_pending_keys_refuse_crypto_and_the_sweep_deletes_with_aliases() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let k = p.keys.create(CreateKey::default()).await?;
    p.keys.create_alias("alias/doomed", &k.arn).await?;
    let blob = p.keys.encrypt(&k.id, b"x", &ctx(&[]))?.ciphertext;
    p.keys.disable(&k.id).await?;
    assert!(matches!(p.keys.encrypt(&k.id, b"x", &ctx(&[])), Err(Error::Disabled(_))));
    assert!(matches!(p.keys.decrypt(&blob, &ctx(&[]), None), Err(Error::Disabled(_))));
    p.keys.enable(&k.id).await?;
    assert!(matches!(p.keys.cancel_deletion(&k.id).await, Err(Error::InvalidState(_))));
    assert!(matches!(p.keys.schedule_deletion(&k.id, Some(6)).await, Err(Error::Validation(_))));
    assert!(matches!(p.keys.schedule_deletion(&k.id, Some(31)).await, Err(Error::Validation(_))));
    let scheduled = p.keys.schedule_deletion(&k.id, Some(7)).await?;
    assert_eq!(scheduled.deletion_ms, START_MS + 7 * 86_400_000);
    assert_eq!(p.keys.next_deletion(), Some(scheduled.deletion_ms));
    assert!(matches!(p.keys.decrypt(&blob, &ctx(&[]), None), Err(Error::InvalidState(_))));
    assert!(matches!(p.keys.generate_data_key("alias/doomed", &ctx(&[]), 16), Err(Error::InvalidState(_))));
    assert!(matches!(p.keys.enable(&k.id).await, Err(Error::InvalidState(_))));
    // Cancelled, it comes back disabled.
    p.keys.cancel_deletion(&k.id).await?;
    assert_eq!(p.keys.info(&k.id)?.state, KeyState::Disabled);
    p.keys.schedule_deletion(&k.id, None).await?;
    clock.advance(DAY * 29).expect("a manual clock moves");
    assert_eq!(p.keys.sweep(clock.now_ms()).await?, 0);
    clock.advance(DAY).expect("a manual clock moves");
    // Past its date it is gone at once, before the sweep deletes it.
    assert!(matches!(p.keys.info(&k.id), Err(Error::NotFound(_))));
    assert!(matches!(p.keys.decrypt(&blob, &ctx(&[]), None), Err(Error::InvalidCiphertext(_))));
    assert_eq!(p.keys.sweep(clock.now_ms()).await?, 1);
    assert!(p.keys.is_empty());
    assert!(p.keys.list_aliases(None, None, None)?.items.is_empty());
    drop(p);
    let p = open(dir.path(), 1, &clock).await?;
    assert!(p.keys.is_empty() && p.keys.list_aliases(None, None, None)?.items.is_empty());
    Ok(())
}

#[tokio::test]
async fn aliases_follow_kms_rules() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let a = p.keys.create(CreateKey::default()).await?;
    let b = p.keys.create(CreateKey::default()).await?;
    p.keys.create_alias("alias/app", &a.id).await?;
    assert!(matches!(p.keys.create_alias("alias/app", &b.id).await, Err(Error::AlreadyExists(_))));
    assert!(matches!(p.keys.create_alias("alias/aws/app", &b.id).await, Err(Error::NotAuthorized(_))));
    assert!(matches!(p.keys.create_alias("alias/other", "alias/app").await, Err(Error::Validation(_))));
    assert!(matches!(p.keys.create_alias("alias/other", "no-such-key").await, Err(Error::NotFound(_))));
    assert_eq!(p.keys.resolve("alias/app")?, a.arn);
    assert_eq!(p.keys.resolve("arn:aws:kms:us-east-1:000000000000:alias/app")?, a.arn);
    // Settings are changed by key id or ARN, not by alias.
    assert!(matches!(p.keys.disable("alias/app").await, Err(Error::NotFound(_))));
    clock.advance(Duration::from_secs(5)).expect("a manual clock moves");
    p.keys.update_alias("alias/app", &b.arn).await?;
    let listed = p.keys.list_aliases(None, None, None)?.items;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].key_id.as_str(), listed[0].updated_ms), (b.id.as_str(), START_MS + 5000));
    assert!(p.keys.list_aliases(Some(&a.id), None, None)?.items.is_empty());
    assert!(matches!(p.keys.update_alias("alias/none", &b.id).await, Err(Error::NotFound(_))));
    p.keys.delete_alias("alias/app").await?;
    assert!(matches!(p.keys.delete_alias("alias/app").await, Err(Error::NotFound(_))));
    assert!(matches!(p.keys.resolve("alias/app"), Err(Error::NotFound(_))));
    Ok(())
}

#[tokio::test]
async fn the_managed_key_is_made_once_and_no_one_changes_it() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let arn = p.keys.managed("s3").await?;
    assert_eq!(p.keys.managed("s3").await?, arn);
    assert_eq!(p.keys.describe("alias/aws/s3").await?.arn, arn);
    let info = p.keys.info(&arn)?;
    assert_eq!(info.manager, KeyManager::Aws);
    assert_eq!(info.description, "Default key that protects my S3 objects when no other key is defined");
    assert!(matches!(p.keys.disable(&arn).await, Err(Error::AccessDenied(_))));
    assert!(matches!(p.keys.schedule_deletion(&arn, None).await, Err(Error::AccessDenied(_))));
    assert!(matches!(p.keys.tag(&arn, vec![("a".into(), "b".into())]).await, Err(Error::AccessDenied(_))));
    assert!(matches!(p.keys.create_alias("alias/mine", &arn).await, Err(Error::AccessDenied(_))));
    assert!(matches!(p.keys.delete_alias("alias/aws/s3").await, Err(Error::NotAuthorized(_))));
    assert!(matches!(p.keys.managed("nosuch").await, Err(Error::Validation(_))));
    // Another service's alias is not made by asking.
    assert!(matches!(p.keys.describe("alias/aws/nosuch").await, Err(Error::NotFound(_))));
    assert!(p.keys.policy(&arn, None)?.contains("kms:ViaService"));
    drop(p);
    let p = open(dir.path(), 1, &clock).await?;
    assert_eq!(p.keys.managed("s3").await?, arn, "kept across a restart");
    Ok(())
}

#[tokio::test]
async fn only_symmetric_keys_are_made_and_listings_page() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let refused = |spec: &str| CreateKey { key_spec: Some(spec.into()), ..Default::default() };
    assert!(matches!(p.keys.create(refused("RSA_2048")).await, Err(Error::Unsupported(_))));
    assert!(matches!(p.keys.create(refused("AES")).await, Err(Error::Validation(_))));
    let usage = CreateKey { key_usage: Some("SIGN_VERIFY".into()), ..Default::default() };
    assert!(matches!(p.keys.create(usage).await, Err(Error::Unsupported(_))));
    let origin = CreateKey { origin: Some("EXTERNAL".into()), ..Default::default() };
    assert!(matches!(p.keys.create(origin).await, Err(Error::Unsupported(_))));
    let tags = CreateKey { tags: vec![("aws:x".into(), "v".into())], ..Default::default() };
    assert!(matches!(p.keys.create(tags).await, Err(Error::Tag(_))));
    assert!(p.keys.is_empty());
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            p.keys.create(CreateKey { key_spec: Some("SYMMETRIC_DEFAULT".into()), ..Default::default() }).await?.id,
        );
    }
    ids.sort();
    let first = p.keys.list_keys(Some(2), None)?;
    let second = p.keys.list_keys(Some(2), first.next_marker.as_deref())?;
    let third = p.keys.list_keys(Some(2), second.next_marker.as_deref())?;
    let seen: Vec<String> = [first.items, second.items, third.items].concat().into_iter().map(|k| k.id).collect();
    assert_eq!((seen, third.next_marker), (ids.clone(), None));
    assert!(matches!(p.keys.list_keys(Some(0), None), Err(Error::Validation(_))));
    assert!(matches!(p.keys.list_keys(None, Some("bogus")), Err(Error::InvalidNextToken)));
    p.keys.tag(&ids[0], vec![("b".into(), "2".into()), ("a".into(), "1".into())]).await?;
    p.keys.tag(&ids[0], vec![("a".into(), "one".into())]).await?;
    let tags = p.keys.list_tags(&ids[0], Some(1), None)?;
    assert_eq!(tags.items, [("a".to_string(), "one".to_string())]);
    let rest = p.keys.list_tags(&ids[0], None, tags.next_marker.as_deref())?;
    assert_eq!(rest.items, [("b".to_string(), "2".to_string())]);
    p.keys.untag(&ids[0], &["a".into()]).await?;
    assert_eq!(p.keys.info(&ids[0])?.tags, [("b".to_string(), "2".to_string())]);
    Ok(())
}

#[tokio::test]
async fn the_lifecycle_sweeper_deletes_keys_when_the_clock_passes_the_date() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let workers = squall_lifecycle::Service::start(p.clone());
    let k = p.keys.create(CreateKey::default()).await?;
    p.keys.schedule_deletion(&k.id, Some(7)).await?;
    clock.advance(DAY * 7).expect("a manual clock moves");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !p.keys.is_empty() {
        assert!(std::time::Instant::now() < deadline, "the sweeper did not delete the key");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    workers.stop().await;
    Ok(())
}
