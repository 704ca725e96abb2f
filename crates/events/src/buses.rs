//! CreateEventBus, DeleteEventBus, DescribeEventBus, ListEventBuses.

use crate::model::{Bus, Tag};
use crate::names::{DEFAULT_BUS, bus_arn, bus_of, check_new_bus_name};
use crate::{Error, EventBuses, Result};

/// Most buses an account may have besides the default one (EventBridge's quota).
pub const MAX_BUSES: usize = 100;

fn no_bus(name: &str) -> Error {
    Error::NotFound(format!("Event bus {name} does not exist."))
}

impl EventBuses {
    /// CreateEventBus.
    pub async fn create_bus(&self, name: &str, description: Option<String>, tags: Vec<Tag>) -> Result<Bus> {
        check_new_bus_name(name)?;
        crate::tags::check(&tags)?;
        if description.as_ref().is_some_and(|d| d.chars().count() > 512) {
            return Err(Error::Validation("Description is longer than 512 characters.".into()));
        }
        self.change(|d| {
            if d.buses.contains_key(name) {
                return Err(Error::AlreadyExists(format!("Event bus {name} already exists.")));
            }
            if d.buses.len() > MAX_BUSES {
                return Err(Error::LimitExceeded("The requested resource exceeds the maximum number allowed.".into()));
            }
            let bus =
                Bus { name: name.into(), arn: bus_arn(&self.region, name), description, created_ms: d.now_ms, tags };
            d.put_bus(bus.clone());
            Ok(bus)
        })
        .await
    }

    /// DeleteEventBus: a bus that does not exist is no error; its rules must be gone.
    pub async fn delete_bus(&self, name: &str) -> Result<()> {
        let name = bus_of(Some(name))?;
        if name == DEFAULT_BUS {
            return Err(Error::Validation("Cannot delete event bus default.".into()));
        }
        self.change(|d| {
            if !d.buses.contains_key(&name) {
                return Ok(());
            }
            if d.rules.keys().any(|(bus, _)| *bus == name) {
                return Err(Error::Validation(format!(
                    "Cannot delete event bus {name} because it has rules. Delete the rules first."
                )));
            }
            if d.archives.values().any(|a| a.bus == name) {
                return Err(Error::Validation(format!(
                    "Cannot delete event bus {name} because it has archives. Delete the archives first."
                )));
            }
            d.delete_bus(&name);
            Ok(())
        })
        .await
    }

    /// DescribeEventBus (`None`: the default bus).
    pub fn describe_bus(&self, name: Option<&str>) -> Result<Bus> {
        let name = bus_of(name)?;
        self.snapshot().buses.get(&name).cloned().ok_or_else(|| no_bus(&name))
    }

    /// Whether bus `name` (a name or ARN; `None`: the default) exists, as its name.
    pub fn bus_name(&self, name: Option<&str>) -> Result<String> {
        let name = bus_of(name)?;
        if self.snapshot().buses.contains_key(&name) { Ok(name) } else { Err(no_bus(&name)) }
    }

    /// ListEventBuses: names starting with `prefix`, in name order, `limit` at a time
    /// after the name `after`.
    pub fn list_buses(&self, prefix: Option<&str>, after: Option<&str>, limit: usize) -> (Vec<Bus>, Option<String>) {
        let state = self.snapshot();
        let mut matching = state
            .buses
            .values()
            .filter(|b| prefix.is_none_or(|p| b.name.starts_with(p)))
            .filter(|b| after.is_none_or(|a| b.name.as_str() > a));
        let page: Vec<Bus> = matching.by_ref().take(limit).cloned().collect();
        let next = match matching.next() {
            Some(_) => page.last().map(|b| b.name.clone()),
            None => None,
        };
        (page, next)
    }
}

impl EventBuses {
    /// Deletes every rule, archive (with its events), replay, API destination, connection
    /// and bus but the default one (`squall server --dev`'s reset).
    pub async fn reset(&self) -> Result<()> {
        let archives: Vec<String> = self.snapshot().archives.keys().cloned().collect();
        self.change(|d| {
            for name in d.archives.keys().cloned().collect::<Vec<_>>() {
                d.delete_archive(&name);
            }
            for name in d.replays.keys().cloned().collect::<Vec<_>>() {
                d.delete_replay(&name);
            }
            // Their secrets go with the reset of parameters and secrets.
            for name in d.api_destinations.keys().cloned().collect::<Vec<_>>() {
                d.delete_api_destination(&name);
            }
            for name in d.connections.keys().cloned().collect::<Vec<_>>() {
                d.delete_connection(&name);
            }
            let rules: Vec<(String, String)> = d.rules.keys().cloned().collect();
            for (bus, name) in rules {
                d.delete_rule(&bus, &name);
            }
            let buses: Vec<String> = d.buses.keys().cloned().collect();
            for bus in buses {
                d.delete_bus(&bus);
            }
            d.buses.insert(DEFAULT_BUS.to_string(), EventBuses::default_bus(&self.region));
            Ok(())
        })
        .await?;
        for name in archives {
            self.store().delete_table(&crate::archives::events_table(&name)).await?;
        }
        Ok(())
    }
}
