//! Table definitions: key schema, attribute definitions, billing; and how keys are
//! checked and encoded for the store.

use crate::value::{AttributeValue, Item};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// The type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalarType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

impl ScalarType {
    /// Parses `S`, `N` or `B`.
    pub fn parse(s: &str) -> Result<ScalarType> {
        match s {
            "S" => Ok(ScalarType::S),
            "N" => Ok(ScalarType::N),
            "B" => Ok(ScalarType::B),
            other => Err(Error::Validation(format!(
                "1 validation error detected: Value '{other}' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"
            ))),
        }
    }

    /// `S`, `N` or `B`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

/// One key attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttr {
    /// Its name.
    pub name: String,
    /// Its type.
    pub kind: ScalarType,
}

/// A table's primary key: a partition (hash) key and an optional sort (range) key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySchema {
    /// The partition key.
    pub hash: KeyAttr,
    /// The sort key.
    pub range: Option<KeyAttr>,
}

/// How a table is billed (recorded and reported; Squall does not meter capacity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Billing {
    /// `PAY_PER_REQUEST`.
    PayPerRequest,
    /// `PROVISIONED` with read and write capacity units.
    Provisioned {
        /// Read capacity units.
        read: u64,
        /// Write capacity units.
        write: u64,
    },
}

/// Which attributes an index keeps besides the keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexProjection {
    /// `ALL`.
    All,
    /// `KEYS_ONLY`.
    KeysOnly,
    /// `INCLUDE` these non-key attributes.
    Include(Vec<String>),
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDef {
    /// Its name.
    pub name: String,
    /// Its key (a local index shares the table's partition key).
    pub key: KeySchema,
    /// What it keeps.
    pub projection: IndexProjection,
    /// Global (any keys) or local (the table's partition key, another sort key).
    pub global: bool,
}

/// What CreateTable or UpdateTable asks of one index.
#[derive(Debug, Clone)]
pub struct CreateIndex {
    /// Its name.
    pub name: String,
    /// Key schema elements: (attribute name, `HASH` or `RANGE`).
    pub key_schema: Vec<(String, String)>,
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub projection_type: String,
    /// `NonKeyAttributes` for `INCLUDE`.
    pub non_key: Vec<String>,
    /// Global or local.
    pub global: bool,
}

/// A table as stored: what DescribeTable reports besides live counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDef {
    /// The table's name.
    pub name: String,
    /// Its primary key.
    pub key: KeySchema,
    /// Attribute definitions, as given.
    pub attributes: Vec<KeyAttr>,
    /// Billing.
    pub billing: Billing,
    /// When it was created, ms since the epoch.
    pub created_ms: u64,
    /// A stable id (a UUID).
    pub id: String,
    /// Secondary indexes.
    #[serde(default)]
    pub indexes: Vec<IndexDef>,
    /// The time-to-live attribute, when TTL is enabled.
    #[serde(default)]
    pub ttl: Option<String>,
    /// Its streams, oldest first; only the last may be enabled.
    #[serde(default)]
    pub streams: Vec<crate::stream::StreamDef>,
    /// Its tags.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
}

impl TableDef {
    /// The stream changes are recorded in now, if any.
    pub fn stream(&self) -> Option<&crate::stream::StreamDef> {
        self.streams.last().filter(|s| s.enabled())
    }

    /// The index named `name`.
    pub fn index(&self, name: &str) -> Result<&IndexDef> {
        self.indexes
            .iter()
            .find(|i| i.name == name)
            .ok_or_else(|| Error::Validation(format!("The table does not have the specified index: {name}")))
    }
}

/// Where an index's entries are stored: `<table>#<index>` (`#` cannot be in a table name).
pub fn index_store_name(table: &str, index: &str) -> String {
    format!("{table}#{index}")
}

/// Parses a key schema list: (hash, optional range).
fn key_names<'a>(key_schema: &'a [(String, String)], what: &str) -> Result<(&'a String, Option<&'a String>)> {
    match key_schema {
        [(h, t)] if t == "HASH" => Ok((h, None)),
        [(h, t1), (r, t2)] if t1 == "HASH" && t2 == "RANGE" => {
            if h == r {
                return Err(Error::Validation(format!(
                    "One or more parameter values were invalid: Both the Hash Key and the Range Key element in the KeySchema have the same name{what}"
                )));
            }
            Ok((h, Some(r)))
        }
        [] => Err(Error::Validation(
            "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null".into(),
        )),
        _ => Err(Error::Validation(format!(
            "One or more parameter values were invalid: Invalid KeySchema: The first KeySchemaElement is not a HASH key type{what}"
        ))),
    }
}

impl CreateIndex {
    /// Checks the index against the table and its attribute definitions.
    pub fn into_def(self, table_key: &KeySchema, attributes: &[KeyAttr]) -> Result<IndexDef> {
        check_table_name(&self.name, "indexName")?;
        let key_attr = |name: &String| -> Result<KeyAttr> {
            attributes.iter().find(|a| &a.name == name).cloned().ok_or_else(|| {
                Error::Validation(format!(
                    "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], AttributeDefinitions: [{}]",
                    attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
                ))
            })
        };
        let (hash, range) = key_names(&self.key_schema, &format!(" for index {}", self.name))?;
        let key = KeySchema { hash: key_attr(hash)?, range: range.map(key_attr).transpose()? };
        if !self.global && (key.hash != table_key.hash || key.range.is_none()) {
            return Err(Error::Validation(format!(
                "One or more parameter values were invalid: Index KeySchema does not have a range key for index: {}, or its hash key is not the table's",
                self.name
            )));
        }
        let projection = match self.projection_type.as_str() {
            "ALL" => IndexProjection::All,
            "KEYS_ONLY" => IndexProjection::KeysOnly,
            "INCLUDE" if !self.non_key.is_empty() => IndexProjection::Include(self.non_key),
            "INCLUDE" => {
                return Err(Error::Validation(
                    "One or more parameter values were invalid: NonKeyAttributes must not be empty when ProjectionType is INCLUDE".into(),
                ));
            }
            other => {
                return Err(Error::Validation(format!(
                    "1 validation error detected: Value '{other}' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"
                )));
            }
        };
        Ok(IndexDef { name: self.name, key, projection, global: self.global })
    }
}

/// What CreateTable asks for.
#[derive(Debug, Clone)]
pub struct CreateTable {
    /// The table's name.
    pub name: String,
    /// Key schema elements: (attribute name, `HASH` or `RANGE`).
    pub key_schema: Vec<(String, String)>,
    /// Attribute definitions.
    pub attributes: Vec<KeyAttr>,
    /// `PAY_PER_REQUEST` or `PROVISIONED` (DynamoDB's default).
    pub billing_mode: Option<String>,
    /// Read and write capacity units.
    pub throughput: Option<(u64, u64)>,
    /// Secondary indexes, global and local.
    pub indexes: Vec<CreateIndex>,
    /// `StreamSpecification` with `StreamEnabled: true`: what the stream's records carry.
    pub stream: Option<crate::stream::ViewType>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
}

/// DynamoDB's rule for table (and index) names.
pub fn check_table_name(name: &str, field: &str) -> Result<()> {
    let fail = |c: &str| {
        Err(Error::Validation(format!(
            "1 validation error detected: Value '{name}' at '{field}' failed to satisfy constraint: {c}"
        )))
    };
    if name.len() < 3 {
        return fail("Member must have length greater than or equal to 3");
    }
    if name.len() > 255 {
        return fail("Member must have length less than or equal to 255");
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        return fail("Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    }
    Ok(())
}

impl CreateTable {
    /// Checks the request as DynamoDB does and builds the definition.
    pub fn into_def(self, created_ms: u64, id: String) -> Result<TableDef> {
        check_table_name(&self.name, "tableName")?;
        let invalid = |m: &str| Err(Error::Validation(format!("One or more parameter values were invalid: {m}")));
        let kind_of = |name: &str| self.attributes.iter().find(|a| a.name == name).map(|a| a.kind);
        let (hash, range) = key_names(&self.key_schema, "")?;
        let mut names: Vec<&str> = self.attributes.iter().map(|a| a.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return invalid("Duplicate AttributeName in AttributeDefinitions");
        }
        let mut used: Vec<&String> = std::iter::once(hash).chain(range).collect();
        for i in &self.indexes {
            used.extend(i.key_schema.iter().map(|(n, _)| n));
        }
        used.sort_unstable();
        used.dedup();
        if self.attributes.len() != used.len() {
            return invalid(
                "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
            );
        }
        let key_attr = |name: &String| -> Result<KeyAttr> {
            match kind_of(name) {
                Some(kind) => Ok(KeyAttr { name: name.clone(), kind }),
                None => Err(Error::Validation(format!(
                    "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], AttributeDefinitions: [{}]",
                    self.attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
                ))),
            }
        };
        let key = KeySchema { hash: key_attr(hash)?, range: range.map(key_attr).transpose()? };
        let billing = match (self.billing_mode.as_deref().unwrap_or("PROVISIONED"), self.throughput) {
            ("PAY_PER_REQUEST", None) => Billing::PayPerRequest,
            ("PAY_PER_REQUEST", Some(_)) => {
                return invalid(
                    "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                );
            }
            ("PROVISIONED", Some((read, write))) if read >= 1 && write >= 1 => Billing::Provisioned { read, write },
            ("PROVISIONED", Some(_)) => {
                return invalid("ReadCapacityUnits and WriteCapacityUnits must both be at least 1");
            }
            ("PROVISIONED", None) => {
                return invalid(
                    "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
                );
            }
            (other, _) => {
                return Err(Error::Validation(format!(
                    "1 validation error detected: Value '{other}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"
                )));
            }
        };
        let (globals, locals) =
            self.indexes.iter().fold((0, 0), |(g, l), i| if i.global { (g + 1, l) } else { (g, l + 1) });
        if globals > 20 || locals > 5 {
            return invalid("A table may have at most 20 global and 5 local secondary indexes");
        }
        let mut indexes: Vec<IndexDef> = Vec::with_capacity(self.indexes.len());
        for i in self.indexes {
            let def = i.into_def(&key, &self.attributes)?;
            if indexes.iter().any(|d| d.name == def.name) {
                return invalid(&format!("Duplicate index name: {}", def.name));
            }
            indexes.push(def);
        }
        let streams = self.stream.map(|view| crate::stream::StreamDef::new(view, created_ms)).into_iter().collect();
        let mut tags = std::collections::BTreeMap::new();
        crate::tags::merge_tags(&mut tags, self.tags)?;
        Ok(TableDef {
            name: self.name,
            key,
            attributes: self.attributes,
            billing,
            created_ms,
            id,
            indexes,
            ttl: None,
            streams,
            tags,
        })
    }
}

/// Most bytes of a partition key value; of a sort key value.
const MAX_HASH_KEY: usize = 2048;
const MAX_RANGE_KEY: usize = 1024;

impl KeySchema {
    /// The stored key bytes of an item or a key: DynamoDB's checks on the key attributes.
    /// `exact` (a `Key` parameter) also refuses attributes that are not key attributes.
    pub fn encode(&self, item: &Item, exact: bool) -> Result<(Vec<u8>, Vec<u8>)> {
        if exact && item.len() != 1 + usize::from(self.range.is_some()) {
            return Err(Error::Validation("The provided key element does not match the schema".into()));
        }
        let pk = encode_one(&self.hash, item, exact, MAX_HASH_KEY)?;
        let sk = match &self.range {
            Some(r) => encode_one(r, item, exact, MAX_RANGE_KEY)?,
            None => Vec::new(),
        };
        Ok((pk, sk))
    }

    /// The key attributes of `item` (for LastEvaluatedKey and returned keys).
    pub fn key_of(&self, item: &Item) -> Item {
        std::iter::once(&self.hash)
            .chain(self.range.as_ref())
            .filter_map(|k| item.get(&k.name).map(|v| (k.name.clone(), v.clone())))
            .collect()
    }

    /// Whether `name` is a key attribute.
    pub fn is_key(&self, name: &str) -> bool {
        self.hash.name == name || self.range.as_ref().is_some_and(|r| r.name == name)
    }
}

fn encode_one(attr: &KeyAttr, item: &Item, exact: bool, max: usize) -> Result<Vec<u8>> {
    let Some(v) = item.get(&attr.name) else {
        return Err(Error::Validation(if exact {
            "The provided key element does not match the schema".into()
        } else {
            format!("One or more parameter values were invalid: Missing the key {} in the item", attr.name)
        }));
    };
    let mismatch = || {
        Error::Validation(format!(
            "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
            attr.name,
            attr.kind.as_str(),
            v.type_name()
        ))
    };
    let bytes = scalar_key(v, attr.kind).ok_or_else(mismatch)?;
    if bytes.is_empty() {
        return Err(Error::Validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {}",
            if attr.kind == ScalarType::S { "string" } else { "binary" },
            attr.name
        )));
    }
    if bytes.len() > max {
        return Err(Error::Validation(format!(
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of {max} bytes"
        )));
    }
    Ok(bytes)
}

/// The order-preserving bytes of a key value of type `kind`, if it is one.
pub fn scalar_key(v: &AttributeValue, kind: ScalarType) -> Option<Vec<u8>> {
    match (v, kind) {
        (AttributeValue::S(s), ScalarType::S) => Some(s.as_bytes().to_vec()),
        (AttributeValue::N(n), ScalarType::N) => Some(n.order_key()),
        (AttributeValue::B(b), ScalarType::B) => Some(b.clone()),
        _ => None,
    }
}
