use super::*;
use std::sync::Mutex;

/// A service that records its lifecycle in a shared journal; its worker records its own
/// end (a guard dropped when the task is aborted).
struct Recorder {
    name: &'static str,
    journal: Arc<Mutex<Vec<String>>>,
}

struct OnDrop(Arc<Mutex<Vec<String>>>, String);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(self.1.clone());
    }
}

#[async_trait::async_trait]
impl Service for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }

    fn start(self: Arc<Self>) -> Workers {
        self.journal.lock().unwrap().push(format!("start {}", self.name));
        let guard = OnDrop(self.journal.clone(), format!("worker of {} ended", self.name));
        Workers::none().with(
            "worker",
            tokio::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            }),
        )
    }

    async fn drain(&self) {
        self.journal.lock().unwrap().push(format!("drain {}", self.name));
    }
}

#[tokio::test]
async fn services_start_in_order_and_stop_in_reverse_each_worker_before_its_drain() {
    let journal = Arc::new(Mutex::new(Vec::new()));
    let service = |name| Arc::new(Recorder { name, journal: journal.clone() }) as Arc<dyn Service>;
    let running = Running::start(vec![service("a"), service("b")]);
    assert_eq!(running.names(), ["a", "b"]);
    running.stop().await;
    assert_eq!(
        *journal.lock().unwrap(),
        ["start a", "start b", "worker of b ended", "drain b", "worker of a ended", "drain a"]
    );
}

#[tokio::test]
async fn stopping_waits_for_a_finished_or_panicked_worker_too() {
    let done = tokio::spawn(async {});
    let panicked = tokio::spawn(async { panic!("worker failure") });
    tokio::task::yield_now().await;
    Workers::none().with("done", done).with("panicked", panicked).stop().await;
}
