//! The operations of KMS's model that Squall does not serve, each with the reason its
//! refusal gives (`UnsupportedOperationException`, never silence or a 5xx).

/// Why `op` is refused, if it is one of KMS's operations Squall does not serve.
pub(crate) fn reason(op: &str) -> Option<&'static str> {
    Some(match op {
        "ConnectCustomKeyStore"
        | "CreateCustomKeyStore"
        | "DeleteCustomKeyStore"
        | "DescribeCustomKeyStores"
        | "DisconnectCustomKeyStore"
        | "UpdateCustomKeyStore" => {
            "custom key stores (CloudHSM, external) are not supported; keys live in Squall's store"
        }
        "CreateGrant" | "ListGrants" | "ListRetirableGrants" | "RetireGrant" | "RevokeGrant" => {
            "grants are not supported; authorize with IAM policies"
        }
        "DeleteImportedKeyMaterial" | "GetParametersForImport" | "ImportKeyMaterial" => {
            "imported key material is not supported; Squall generates every key's material"
        }
        "DeriveSharedSecret"
        | "GenerateDataKeyPair"
        | "GenerateDataKeyPairWithoutPlaintext"
        | "GetPublicKey"
        | "Sign"
        | "Verify" => "asymmetric keys are not supported; Squall makes symmetric encryption keys only",
        "GenerateMac" | "VerifyMac" => "HMAC keys are not supported; Squall makes symmetric encryption keys only",
        "ListKeyRotations" | "RotateKeyOnDemand" => "rotation is not supported; Squall never rotates key material",
        "PutKeyPolicy" => {
            "key policies are not supported; every key has the default policy, under which IAM policies decide"
        }
        "ReplicateKey" | "UpdatePrimaryRegion" => "multi-Region keys are not supported; there is one region",
        "GetKeyLastUsage" => "key usage tracking is not supported",
        _ => return None,
    })
}
