//! [`LogStore`]'s contract.

use squall_storage::LogStore;
use squall_types::{LogLine, LogStream};

/// Every check, on an empty store.
pub async fn all(s: &dyn LogStore) {
    let line = |f: &str, m: &str| LogLine {
        seq: 0,
        function: f.into(),
        ts_ms: 5,
        request_id: "r".into(),
        trace_id: "t".into(),
        stream: LogStream::Stdout,
        message: m.into(),
    };
    s.append(vec![line("a", "1"), line("b", "x"), line("a", "2"), line("a", "3")]).await.unwrap();
    s.append(vec![]).await.unwrap();
    let all = s.read("a", 0, 10).await.unwrap();
    assert_eq!(all.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq), "positions increase");
    assert_eq!((all[0].ts_ms, all[0].stream, all[0].request_id.as_str()), (5, LogStream::Stdout, "r"));
    let after = s.read("a", all[0].seq, 1).await.unwrap();
    assert_eq!(after[0].message, "2");
    let tail = s.tail("a", 2).await.unwrap();
    assert_eq!(tail.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(), ["2", "3"]);
    s.delete_function("a").await.unwrap();
    assert!(s.read("a", 0, 10).await.unwrap().is_empty());
    assert_eq!(s.read("b", 0, 10).await.unwrap().len(), 1, "other functions keep theirs");
}
