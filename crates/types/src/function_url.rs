//! Lambda function URLs, as a function's record keeps them: one per qualifier (`$LATEST` or
//! an alias), each with its own id (the URL's host label), authorization and CORS.

use crate::Cors;
use serde::{Deserialize, Serialize};

/// How callers of a function URL are authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UrlAuth {
    /// `NONE`: anyone the function's resource policy lets call it
    /// (`lambda:InvokeFunctionUrl` with `lambda:FunctionUrlAuthType` `NONE`).
    None,
    /// `AWS_IAM`: SigV4-signed requests whose identity may `lambda:InvokeFunctionUrl`.
    AwsIam,
}

impl UrlAuth {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            UrlAuth::None => "NONE",
            UrlAuth::AwsIam => "AWS_IAM",
        }
    }

    /// Reads the API's name.
    pub fn parse(s: &str) -> Option<UrlAuth> {
        match s {
            "NONE" => Some(UrlAuth::None),
            "AWS_IAM" => Some(UrlAuth::AwsIam),
            _ => None,
        }
    }
}

/// A function URL a deployment declares (serverless.yml `url`): `AuthType NONE`, open to
/// everyone through the permission the deployment adds, or `AWS_IAM`; with these CORS
/// settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredUrl {
    /// `url.cors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// `url.authorizer: aws_iam`: `AuthType AWS_IAM` (no permission for everyone).
    #[serde(default)]
    pub iam: bool,
    /// `url.invokeMode: RESPONSE_STREAM`.
    #[serde(default)]
    pub streaming: bool,
}

/// One function URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionUrl {
    /// The URL's id: 32 lower-case letters and digits, the first label of its host.
    pub id: String,
    /// `AuthType`.
    pub auth: UrlAuth,
    /// `Cors`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// When it was made, epoch milliseconds.
    pub created_ms: u64,
    /// When it last changed, epoch milliseconds.
    pub modified_ms: u64,
    /// Whether a deployment declared it (a later deploy without it removes it; a URL made
    /// through the API is not a deployment's to remove).
    #[serde(default)]
    pub declared: bool,
    /// `InvokeMode RESPONSE_STREAM`: the response streams as the function writes it (a
    /// `BUFFERED` URL answers once the function is done).
    #[serde(default)]
    pub streaming: bool,
}
