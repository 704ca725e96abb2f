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
        let (hash, range) = match self.key_schema.as_slice() {
            [(h, t)] if t == "HASH" => (h, None),
            [(h, t1), (r, t2)] if t1 == "HASH" && t2 == "RANGE" => (h, Some(r)),
            [] => return Err(Error::Validation("1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null".into())),
            _ => return invalid("Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
        };
        if range == Some(hash) {
            return invalid("Both the Hash Key and the Range Key element in the KeySchema have the same name");
        }
        let mut names: Vec<&str> = self.attributes.iter().map(|a| a.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return invalid("Duplicate AttributeName in AttributeDefinitions");
        }
        let used = 1 + usize::from(range.is_some());
        if self.attributes.len() != used {
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
        Ok(TableDef { name: self.name, key, attributes: self.attributes, billing, created_ms, id })
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
