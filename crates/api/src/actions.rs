//! What IAM calls each operation Squall serves, and what it acts on: one table, [`ACTIONS`],
//! for every service of the api port. An adapter authorizes an operation by its name
//! (`ApiRequest::authorize`); the table gives the action policies are matched against and
//! the kind of resource the adapter names. A test checks the table against botocore's
//! service models.

/// The kind of resource an operation acts on, and so the shape of the ARN its adapter
/// passes (`<region>` and `<account>` are the server's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// No one resource: the action is matched against `*` (ListTables, ListQueues…).
    Any,
    /// `arn:aws:dynamodb:<region>:<account>:table/<name>`.
    Table,
    /// The table, or `…:table/<name>/index/<index>` when the request names an index.
    TableOrIndex,
    /// `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`.
    Stream,
    /// `arn:aws:sqs:<region>:<account>:<name>`.
    Queue,
    /// `arn:aws:sns:<region>:<account>:<name>`.
    Topic,
    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    Function,
    /// `arn:aws:lambda:<region>:<account>:layer:<name>` (publishing), or with `:<version>`.
    Layer,
    /// `arn:aws:lambda:<region>:<account>:event-source-mapping:<uuid>`.
    EventSourceMapping,
    /// `arn:aws:s3:::<bucket>`.
    Bucket,
    /// `arn:aws:s3:::<bucket>/<key>`.
    Object,
    /// `arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>`.
    Parameter,
    /// `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>`.
    Secret,
    /// `arn:aws:iam::<account>:user/<path><name>`.
    User,
    /// `arn:aws:iam::<account>:group/<path><name>`.
    Group,
    /// `arn:aws:iam::<account>:policy/<path><name>`.
    Policy,
    /// `arn:aws:iam::<account>:role/<path><name>`.
    Role,
    /// `arn:aws:events:<region>:<account>:event-bus/<name>`.
    Bus,
    /// `arn:aws:events:<region>:<account>:rule/[<bus>/]<name>`.
    Rule,
    /// The resource a tagging operation names by ARN (a bus or a rule).
    Tagged,
    /// `arn:aws:events:<region>:<account>:archive/<name>`.
    Archive,
    /// `arn:aws:events:<region>:<account>:replay/<name>`.
    Replay,
    /// `arn:aws:events:<region>:<account>:connection/<name>`.
    Connection,
    /// `arn:aws:events:<region>:<account>:api-destination/<name>`.
    ApiDestination,
    /// `arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>`.
    Schedule,
    /// `arn:aws:scheduler:<region>:<account>:schedule-group/<name>`.
    ScheduleGroup,
}

/// One operation as IAM sees it.
#[derive(Debug, Clone, Copy)]
pub struct Action {
    /// The service as botocore names its model (`dynamodb`, `dynamodbstreams`, `sqs`,
    /// `sns`, `ssm`, `secretsmanager`, `lambda`, `s3`, `iam`, `sts`).
    pub service: &'static str,
    /// The operation, as botocore names it.
    pub operation: &'static str,
    /// The IAM action policies name (`dynamodb:GetItem`; `s3:ListBucket` for ListObjectsV2).
    pub action: &'static str,
    /// What it acts on.
    pub resource: Resource,
}

/// Every operation Squall serves on the api port.
///
/// Where AWS authorizes an operation as another action, the row says so: S3's ListObjectsV2
/// and HeadBucket are `s3:ListBucket`, SQS's and SNS's batches are their single actions,
/// Lambda's Invoke is `lambda:InvokeFunction`.
///
/// Some operations are authorized once per resource or item they name, which one row cannot
/// say all of: BatchGetItem and BatchWriteItem once per table, GetParameters and
/// DeleteParameters once per parameter, DeleteObjects once per key, CopyObject and
/// UploadPartCopy also as `s3:GetObject` on their source; TransactGetItems and
/// TransactWriteItems once per item, as its kind's action (Get → `dynamodb:GetItem`, Put →
/// `dynamodb:PutItem`, Update → `dynamodb:UpdateItem`, Delete → `dynamodb:DeleteItem`,
/// ConditionCheck → `dynamodb:ConditionCheckItem`), so their rows name only the commonest.
pub static ACTIONS: &[Action] = &[
    // DynamoDB
    row("dynamodb", "BatchGetItem", "dynamodb:BatchGetItem", Resource::Table),
    row("dynamodb", "BatchWriteItem", "dynamodb:BatchWriteItem", Resource::Table),
    row("dynamodb", "CreateTable", "dynamodb:CreateTable", Resource::Table),
    row("dynamodb", "DeleteItem", "dynamodb:DeleteItem", Resource::Table),
    row("dynamodb", "DeleteTable", "dynamodb:DeleteTable", Resource::Table),
    row("dynamodb", "DescribeLimits", "dynamodb:DescribeLimits", Resource::Any),
    row("dynamodb", "DescribeTable", "dynamodb:DescribeTable", Resource::Table),
    row("dynamodb", "DescribeTimeToLive", "dynamodb:DescribeTimeToLive", Resource::Table),
    row("dynamodb", "GetItem", "dynamodb:GetItem", Resource::Table),
    row("dynamodb", "ListTables", "dynamodb:ListTables", Resource::Any),
    row("dynamodb", "ListTagsOfResource", "dynamodb:ListTagsOfResource", Resource::Table),
    row("dynamodb", "PutItem", "dynamodb:PutItem", Resource::Table),
    row("dynamodb", "Query", "dynamodb:Query", Resource::TableOrIndex),
    row("dynamodb", "Scan", "dynamodb:Scan", Resource::TableOrIndex),
    row("dynamodb", "TagResource", "dynamodb:TagResource", Resource::Table),
    row("dynamodb", "TransactGetItems", "dynamodb:GetItem", Resource::Table),
    row("dynamodb", "TransactWriteItems", "dynamodb:PutItem", Resource::Table),
    row("dynamodb", "UntagResource", "dynamodb:UntagResource", Resource::Table),
    row("dynamodb", "UpdateItem", "dynamodb:UpdateItem", Resource::Table),
    row("dynamodb", "UpdateTable", "dynamodb:UpdateTable", Resource::Table),
    row("dynamodb", "UpdateTimeToLive", "dynamodb:UpdateTimeToLive", Resource::Table),
    // DynamoDB Streams
    row("dynamodbstreams", "DescribeStream", "dynamodb:DescribeStream", Resource::Stream),
    row("dynamodbstreams", "GetRecords", "dynamodb:GetRecords", Resource::Stream),
    row("dynamodbstreams", "GetShardIterator", "dynamodb:GetShardIterator", Resource::Stream),
    row("dynamodbstreams", "ListStreams", "dynamodb:ListStreams", Resource::Any),
    // SQS
    row("sqs", "CancelMessageMoveTask", "sqs:CancelMessageMoveTask", Resource::Queue),
    row("sqs", "ChangeMessageVisibility", "sqs:ChangeMessageVisibility", Resource::Queue),
    row("sqs", "ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility", Resource::Queue),
    row("sqs", "CreateQueue", "sqs:CreateQueue", Resource::Queue),
    row("sqs", "DeleteMessage", "sqs:DeleteMessage", Resource::Queue),
    row("sqs", "DeleteMessageBatch", "sqs:DeleteMessage", Resource::Queue),
    row("sqs", "DeleteQueue", "sqs:DeleteQueue", Resource::Queue),
    row("sqs", "GetQueueAttributes", "sqs:GetQueueAttributes", Resource::Queue),
    row("sqs", "GetQueueUrl", "sqs:GetQueueUrl", Resource::Queue),
    row("sqs", "ListDeadLetterSourceQueues", "sqs:ListDeadLetterSourceQueues", Resource::Queue),
    row("sqs", "ListMessageMoveTasks", "sqs:ListMessageMoveTasks", Resource::Queue),
    row("sqs", "ListQueueTags", "sqs:ListQueueTags", Resource::Queue),
    row("sqs", "ListQueues", "sqs:ListQueues", Resource::Any),
    row("sqs", "PurgeQueue", "sqs:PurgeQueue", Resource::Queue),
    row("sqs", "ReceiveMessage", "sqs:ReceiveMessage", Resource::Queue),
    row("sqs", "SendMessage", "sqs:SendMessage", Resource::Queue),
    row("sqs", "SendMessageBatch", "sqs:SendMessage", Resource::Queue),
    row("sqs", "SetQueueAttributes", "sqs:SetQueueAttributes", Resource::Queue),
    row("sqs", "StartMessageMoveTask", "sqs:StartMessageMoveTask", Resource::Queue),
    row("sqs", "TagQueue", "sqs:TagQueue", Resource::Queue),
    row("sqs", "UntagQueue", "sqs:UntagQueue", Resource::Queue),
    // SNS (subscription operations name no resource type in IAM: they match `*`)
    row("sns", "ConfirmSubscription", "sns:ConfirmSubscription", Resource::Topic),
    row("sns", "CreateTopic", "sns:CreateTopic", Resource::Topic),
    row("sns", "DeleteTopic", "sns:DeleteTopic", Resource::Topic),
    row("sns", "GetSubscriptionAttributes", "sns:GetSubscriptionAttributes", Resource::Any),
    row("sns", "GetTopicAttributes", "sns:GetTopicAttributes", Resource::Topic),
    row("sns", "ListSubscriptions", "sns:ListSubscriptions", Resource::Any),
    row("sns", "ListSubscriptionsByTopic", "sns:ListSubscriptionsByTopic", Resource::Topic),
    row("sns", "ListTagsForResource", "sns:ListTagsForResource", Resource::Topic),
    row("sns", "ListTopics", "sns:ListTopics", Resource::Any),
    row("sns", "Publish", "sns:Publish", Resource::Topic),
    row("sns", "PublishBatch", "sns:Publish", Resource::Topic),
    row("sns", "SetSubscriptionAttributes", "sns:SetSubscriptionAttributes", Resource::Any),
    row("sns", "SetTopicAttributes", "sns:SetTopicAttributes", Resource::Topic),
    row("sns", "Subscribe", "sns:Subscribe", Resource::Topic),
    row("sns", "TagResource", "sns:TagResource", Resource::Topic),
    row("sns", "Unsubscribe", "sns:Unsubscribe", Resource::Any),
    row("sns", "UntagResource", "sns:UntagResource", Resource::Topic),
    // Systems Manager (Parameter Store)
    row("ssm", "AddTagsToResource", "ssm:AddTagsToResource", Resource::Parameter),
    row("ssm", "DeleteParameter", "ssm:DeleteParameter", Resource::Parameter),
    row("ssm", "DeleteParameters", "ssm:DeleteParameters", Resource::Parameter),
    row("ssm", "DescribeParameters", "ssm:DescribeParameters", Resource::Any),
    row("ssm", "GetParameter", "ssm:GetParameter", Resource::Parameter),
    row("ssm", "GetParameterHistory", "ssm:GetParameterHistory", Resource::Parameter),
    row("ssm", "GetParameters", "ssm:GetParameters", Resource::Parameter),
    row("ssm", "GetParametersByPath", "ssm:GetParametersByPath", Resource::Parameter),
    row("ssm", "LabelParameterVersion", "ssm:LabelParameterVersion", Resource::Parameter),
    row("ssm", "ListTagsForResource", "ssm:ListTagsForResource", Resource::Parameter),
    row("ssm", "PutParameter", "ssm:PutParameter", Resource::Parameter),
    row("ssm", "RemoveTagsFromResource", "ssm:RemoveTagsFromResource", Resource::Parameter),
    row("ssm", "UnlabelParameterVersion", "ssm:UnlabelParameterVersion", Resource::Parameter),
    // Secrets Manager
    row("secretsmanager", "CreateSecret", "secretsmanager:CreateSecret", Resource::Secret),
    row("secretsmanager", "DeleteSecret", "secretsmanager:DeleteSecret", Resource::Secret),
    row("secretsmanager", "DescribeSecret", "secretsmanager:DescribeSecret", Resource::Secret),
    row("secretsmanager", "GetRandomPassword", "secretsmanager:GetRandomPassword", Resource::Any),
    row("secretsmanager", "GetSecretValue", "secretsmanager:GetSecretValue", Resource::Secret),
    row("secretsmanager", "ListSecretVersionIds", "secretsmanager:ListSecretVersionIds", Resource::Secret),
    row("secretsmanager", "ListSecrets", "secretsmanager:ListSecrets", Resource::Any),
    row("secretsmanager", "PutSecretValue", "secretsmanager:PutSecretValue", Resource::Secret),
    row("secretsmanager", "RestoreSecret", "secretsmanager:RestoreSecret", Resource::Secret),
    row("secretsmanager", "TagResource", "secretsmanager:TagResource", Resource::Secret),
    row("secretsmanager", "UntagResource", "secretsmanager:UntagResource", Resource::Secret),
    row("secretsmanager", "UpdateSecret", "secretsmanager:UpdateSecret", Resource::Secret),
    row("secretsmanager", "UpdateSecretVersionStage", "secretsmanager:UpdateSecretVersionStage", Resource::Secret),
    // Lambda
    row("lambda", "AddPermission", "lambda:AddPermission", Resource::Function),
    row("lambda", "CreateEventSourceMapping", "lambda:CreateEventSourceMapping", Resource::Any),
    row("lambda", "DeleteEventSourceMapping", "lambda:DeleteEventSourceMapping", Resource::EventSourceMapping),
    row("lambda", "GetEventSourceMapping", "lambda:GetEventSourceMapping", Resource::EventSourceMapping),
    row("lambda", "ListEventSourceMappings", "lambda:ListEventSourceMappings", Resource::Any),
    row("lambda", "UpdateEventSourceMapping", "lambda:UpdateEventSourceMapping", Resource::EventSourceMapping),
    row("lambda", "AddLayerVersionPermission", "lambda:AddLayerVersionPermission", Resource::Layer),
    row("lambda", "DeleteLayerVersion", "lambda:DeleteLayerVersion", Resource::Layer),
    row("lambda", "GetLayerVersion", "lambda:GetLayerVersion", Resource::Layer),
    row("lambda", "GetLayerVersionByArn", "lambda:GetLayerVersion", Resource::Layer),
    row("lambda", "GetLayerVersionPolicy", "lambda:GetLayerVersionPolicy", Resource::Layer),
    row("lambda", "ListLayers", "lambda:ListLayers", Resource::Any),
    row("lambda", "ListLayerVersions", "lambda:ListLayerVersions", Resource::Any),
    row("lambda", "PublishLayerVersion", "lambda:PublishLayerVersion", Resource::Layer),
    row("lambda", "RemoveLayerVersionPermission", "lambda:RemoveLayerVersionPermission", Resource::Layer),
    row("lambda", "CreateAlias", "lambda:CreateAlias", Resource::Function),
    row("lambda", "DeleteAlias", "lambda:DeleteAlias", Resource::Function),
    row("lambda", "GetAlias", "lambda:GetAlias", Resource::Function),
    row("lambda", "ListAliases", "lambda:ListAliases", Resource::Function),
    row("lambda", "ListTags", "lambda:ListTags", Resource::Function),
    row("lambda", "ListVersionsByFunction", "lambda:ListVersionsByFunction", Resource::Function),
    row("lambda", "PublishVersion", "lambda:PublishVersion", Resource::Function),
    row("lambda", "TagResource", "lambda:TagResource", Resource::Function),
    row("lambda", "UntagResource", "lambda:UntagResource", Resource::Function),
    row("lambda", "UpdateAlias", "lambda:UpdateAlias", Resource::Function),
    row("lambda", "CreateFunction", "lambda:CreateFunction", Resource::Function),
    row("lambda", "CreateFunctionUrlConfig", "lambda:CreateFunctionUrlConfig", Resource::Function),
    row("lambda", "DeleteFunction", "lambda:DeleteFunction", Resource::Function),
    row("lambda", "DeleteFunctionConcurrency", "lambda:DeleteFunctionConcurrency", Resource::Function),
    row("lambda", "DeleteFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig", Resource::Function),
    row("lambda", "DeleteFunctionUrlConfig", "lambda:DeleteFunctionUrlConfig", Resource::Function),
    row("lambda", "GetPolicy", "lambda:GetPolicy", Resource::Function),
    row("lambda", "GetFunction", "lambda:GetFunction", Resource::Function),
    row("lambda", "GetFunctionConcurrency", "lambda:GetFunctionConcurrency", Resource::Function),
    row("lambda", "GetAccountSettings", "lambda:GetAccountSettings", Resource::Any),
    row("lambda", "GetFunctionRecursionConfig", "lambda:GetFunctionRecursionConfig", Resource::Function),
    row("lambda", "PutFunctionRecursionConfig", "lambda:PutFunctionRecursionConfig", Resource::Function),
    row("lambda", "GetRuntimeManagementConfig", "lambda:GetRuntimeManagementConfig", Resource::Function),
    row("lambda", "PutRuntimeManagementConfig", "lambda:PutRuntimeManagementConfig", Resource::Function),
    row("lambda", "GetFunctionConfiguration", "lambda:GetFunctionConfiguration", Resource::Function),
    row("lambda", "GetFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig", Resource::Function),
    row("lambda", "GetFunctionUrlConfig", "lambda:GetFunctionUrlConfig", Resource::Function),
    row("lambda", "Invoke", "lambda:InvokeFunction", Resource::Function),
    row("lambda", "InvokeWithResponseStream", "lambda:InvokeFunction", Resource::Function),
    row("lambda", "InvokeAsync", "lambda:InvokeFunction", Resource::Function),
    row("lambda", "PutProvisionedConcurrencyConfig", "lambda:PutProvisionedConcurrencyConfig", Resource::Function),
    row("lambda", "GetProvisionedConcurrencyConfig", "lambda:GetProvisionedConcurrencyConfig", Resource::Function),
    row(
        "lambda",
        "DeleteProvisionedConcurrencyConfig",
        "lambda:DeleteProvisionedConcurrencyConfig",
        Resource::Function,
    ),
    row("lambda", "ListProvisionedConcurrencyConfigs", "lambda:ListProvisionedConcurrencyConfigs", Resource::Function),
    row("lambda", "ListFunctionEventInvokeConfigs", "lambda:ListFunctionEventInvokeConfigs", Resource::Function),
    row("lambda", "ListFunctionUrlConfigs", "lambda:ListFunctionUrlConfigs", Resource::Function),
    row("lambda", "ListFunctions", "lambda:ListFunctions", Resource::Any),
    row("lambda", "PutFunctionConcurrency", "lambda:PutFunctionConcurrency", Resource::Function),
    row("lambda", "PutFunctionEventInvokeConfig", "lambda:PutFunctionEventInvokeConfig", Resource::Function),
    row("lambda", "RemovePermission", "lambda:RemovePermission", Resource::Function),
    row("lambda", "UpdateFunctionCode", "lambda:UpdateFunctionCode", Resource::Function),
    row("lambda", "UpdateFunctionConfiguration", "lambda:UpdateFunctionConfiguration", Resource::Function),
    row("lambda", "UpdateFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig", Resource::Function),
    row("lambda", "UpdateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig", Resource::Function),
    // S3
    row("s3", "AbortMultipartUpload", "s3:AbortMultipartUpload", Resource::Object),
    row("s3", "CompleteMultipartUpload", "s3:PutObject", Resource::Object),
    row("s3", "CopyObject", "s3:PutObject", Resource::Object),
    row("s3", "CreateBucket", "s3:CreateBucket", Resource::Bucket),
    row("s3", "CreateMultipartUpload", "s3:PutObject", Resource::Object),
    row("s3", "DeleteBucket", "s3:DeleteBucket", Resource::Bucket),
    row("s3", "DeleteBucketPolicy", "s3:DeleteBucketPolicy", Resource::Bucket),
    row("s3", "DeleteBucketCors", "s3:PutBucketCORS", Resource::Bucket),
    row("s3", "DeleteBucketTagging", "s3:PutBucketTagging", Resource::Bucket),
    row("s3", "DeleteBucketWebsite", "s3:DeleteBucketWebsite", Resource::Bucket),
    row("s3", "DeleteObject", "s3:DeleteObject", Resource::Object),
    row("s3", "DeleteObjectTagging", "s3:DeleteObjectTagging", Resource::Object),
    row("s3", "DeleteObjects", "s3:DeleteObject", Resource::Object),
    row("s3", "GetBucketPolicy", "s3:GetBucketPolicy", Resource::Bucket),
    row("s3", "GetBucketCors", "s3:GetBucketCORS", Resource::Bucket),
    row("s3", "GetBucketLocation", "s3:GetBucketLocation", Resource::Bucket),
    row("s3", "GetBucketNotificationConfiguration", "s3:GetBucketNotification", Resource::Bucket),
    row("s3", "GetBucketTagging", "s3:GetBucketTagging", Resource::Bucket),
    row("s3", "GetBucketVersioning", "s3:GetBucketVersioning", Resource::Bucket),
    row("s3", "GetBucketWebsite", "s3:GetBucketWebsite", Resource::Bucket),
    row("s3", "GetObject", "s3:GetObject", Resource::Object),
    row("s3", "GetObjectTagging", "s3:GetObjectTagging", Resource::Object),
    row("s3", "GetObjectAttributes", "s3:GetObjectAttributes", Resource::Object),
    row("s3", "GetBucketAccelerateConfiguration", "s3:GetAccelerateConfiguration", Resource::Bucket),
    row("s3", "GetBucketRequestPayment", "s3:GetBucketRequestPayment", Resource::Bucket),
    row("s3", "PutBucketRequestPayment", "s3:PutBucketRequestPayment", Resource::Bucket),
    row("s3", "GetBucketReplication", "s3:GetReplicationConfiguration", Resource::Bucket),
    row("s3", "PutBucketEncryption", "s3:PutEncryptionConfiguration", Resource::Bucket),
    row("s3", "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration", Resource::Bucket),
    row("s3", "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", Resource::Bucket),
    row("s3", "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration", Resource::Bucket),
    row("s3", "GetBucketAcl", "s3:GetBucketAcl", Resource::Bucket),
    row("s3", "PutBucketAcl", "s3:PutBucketAcl", Resource::Bucket),
    row("s3", "GetObjectAcl", "s3:GetObjectAcl", Resource::Object),
    row("s3", "PutObjectAcl", "s3:PutObjectAcl", Resource::Object),
    row("s3", "GetBucketOwnershipControls", "s3:GetBucketOwnershipControls", Resource::Bucket),
    row("s3", "PutBucketOwnershipControls", "s3:PutBucketOwnershipControls", Resource::Bucket),
    row("s3", "DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls", Resource::Bucket),
    row("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", Resource::Bucket),
    row("s3", "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock", Resource::Bucket),
    row("s3", "DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock", Resource::Bucket),
    row("s3", "GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", Resource::Bucket),
    row("s3", "PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration", Resource::Bucket),
    row("s3", "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration", Resource::Bucket),
    row("s3", "PutObjectRetention", "s3:PutObjectRetention", Resource::Object),
    row("s3", "GetObjectRetention", "s3:GetObjectRetention", Resource::Object),
    row("s3", "PutObjectLegalHold", "s3:PutObjectLegalHold", Resource::Object),
    row("s3", "GetObjectLegalHold", "s3:GetObjectLegalHold", Resource::Object),
    row("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration", Resource::Bucket),
    row("s3", "DeleteBucketEncryption", "s3:PutEncryptionConfiguration", Resource::Bucket),
    row("s3", "HeadBucket", "s3:ListBucket", Resource::Bucket),
    row("s3", "HeadObject", "s3:GetObject", Resource::Object),
    row("s3", "ListBuckets", "s3:ListAllMyBuckets", Resource::Any),
    row("s3", "ListMultipartUploads", "s3:ListBucketMultipartUploads", Resource::Bucket),
    row("s3", "ListObjects", "s3:ListBucket", Resource::Bucket),
    row("s3", "ListObjectsV2", "s3:ListBucket", Resource::Bucket),
    row("s3", "ListObjectVersions", "s3:ListBucketVersions", Resource::Bucket),
    row("s3", "ListParts", "s3:ListMultipartUploadParts", Resource::Object),
    row("s3", "PutBucketPolicy", "s3:PutBucketPolicy", Resource::Bucket),
    row("s3", "PutBucketCors", "s3:PutBucketCORS", Resource::Bucket),
    row("s3", "PutBucketNotificationConfiguration", "s3:PutBucketNotification", Resource::Bucket),
    row("s3", "PutBucketTagging", "s3:PutBucketTagging", Resource::Bucket),
    row("s3", "PutBucketWebsite", "s3:PutBucketWebsite", Resource::Bucket),
    row("s3", "PutBucketVersioning", "s3:PutBucketVersioning", Resource::Bucket),
    row("s3", "PutObject", "s3:PutObject", Resource::Object),
    row("s3", "PutObjectTagging", "s3:PutObjectTagging", Resource::Object),
    row("s3", "UploadPart", "s3:PutObject", Resource::Object),
    row("s3", "UploadPartCopy", "s3:PutObject", Resource::Object),
    // EventBridge
    row("events", "CreateEventBus", "events:CreateEventBus", Resource::Bus),
    row("events", "DeleteEventBus", "events:DeleteEventBus", Resource::Bus),
    row("events", "DescribeEventBus", "events:DescribeEventBus", Resource::Bus),
    row("events", "ListEventBuses", "events:ListEventBuses", Resource::Any),
    row("events", "PutRule", "events:PutRule", Resource::Rule),
    row("events", "DescribeRule", "events:DescribeRule", Resource::Rule),
    row("events", "DeleteRule", "events:DeleteRule", Resource::Rule),
    row("events", "EnableRule", "events:EnableRule", Resource::Rule),
    row("events", "DisableRule", "events:DisableRule", Resource::Rule),
    row("events", "ListRules", "events:ListRules", Resource::Any),
    row("events", "ListRuleNamesByTarget", "events:ListRuleNamesByTarget", Resource::Any),
    row("events", "PutTargets", "events:PutTargets", Resource::Rule),
    row("events", "RemoveTargets", "events:RemoveTargets", Resource::Rule),
    row("events", "ListTargetsByRule", "events:ListTargetsByRule", Resource::Rule),
    row("events", "PutEvents", "events:PutEvents", Resource::Bus),
    row("events", "TestEventPattern", "events:TestEventPattern", Resource::Any),
    row("events", "TagResource", "events:TagResource", Resource::Tagged),
    row("events", "UntagResource", "events:UntagResource", Resource::Tagged),
    row("events", "ListTagsForResource", "events:ListTagsForResource", Resource::Tagged),
    row("events", "CreateArchive", "events:CreateArchive", Resource::Archive),
    row("events", "DescribeArchive", "events:DescribeArchive", Resource::Archive),
    row("events", "UpdateArchive", "events:UpdateArchive", Resource::Archive),
    row("events", "DeleteArchive", "events:DeleteArchive", Resource::Archive),
    row("events", "ListArchives", "events:ListArchives", Resource::Any),
    row("events", "StartReplay", "events:StartReplay", Resource::Archive),
    row("events", "DescribeReplay", "events:DescribeReplay", Resource::Replay),
    row("events", "CancelReplay", "events:CancelReplay", Resource::Replay),
    row("events", "ListReplays", "events:ListReplays", Resource::Any),
    row("events", "CreateConnection", "events:CreateConnection", Resource::Connection),
    row("events", "DescribeConnection", "events:DescribeConnection", Resource::Connection),
    row("events", "UpdateConnection", "events:UpdateConnection", Resource::Connection),
    row("events", "DeleteConnection", "events:DeleteConnection", Resource::Connection),
    row("events", "DeauthorizeConnection", "events:DeauthorizeConnection", Resource::Connection),
    row("events", "ListConnections", "events:ListConnections", Resource::Any),
    row("events", "CreateApiDestination", "events:CreateApiDestination", Resource::ApiDestination),
    row("events", "DescribeApiDestination", "events:DescribeApiDestination", Resource::ApiDestination),
    row("events", "UpdateApiDestination", "events:UpdateApiDestination", Resource::ApiDestination),
    row("events", "DeleteApiDestination", "events:DeleteApiDestination", Resource::ApiDestination),
    row("events", "ListApiDestinations", "events:ListApiDestinations", Resource::Any),
    // EventBridge Scheduler (CreateSchedule and UpdateSchedule also need iam:PassRole on the
    // target's role)
    row("scheduler", "CreateSchedule", "scheduler:CreateSchedule", Resource::Schedule),
    row("scheduler", "GetSchedule", "scheduler:GetSchedule", Resource::Schedule),
    row("scheduler", "UpdateSchedule", "scheduler:UpdateSchedule", Resource::Schedule),
    row("scheduler", "DeleteSchedule", "scheduler:DeleteSchedule", Resource::Schedule),
    row("scheduler", "ListSchedules", "scheduler:ListSchedules", Resource::Any),
    row("scheduler", "CreateScheduleGroup", "scheduler:CreateScheduleGroup", Resource::ScheduleGroup),
    row("scheduler", "GetScheduleGroup", "scheduler:GetScheduleGroup", Resource::ScheduleGroup),
    row("scheduler", "DeleteScheduleGroup", "scheduler:DeleteScheduleGroup", Resource::ScheduleGroup),
    row("scheduler", "ListScheduleGroups", "scheduler:ListScheduleGroups", Resource::Any),
    row("scheduler", "TagResource", "scheduler:TagResource", Resource::ScheduleGroup),
    row("scheduler", "UntagResource", "scheduler:UntagResource", Resource::ScheduleGroup),
    row("scheduler", "ListTagsForResource", "scheduler:ListTagsForResource", Resource::ScheduleGroup),
    // STS
    row("sts", "AssumeRole", "sts:AssumeRole", Resource::Role),
    row("sts", "GetCallerIdentity", "sts:GetCallerIdentity", Resource::Any),
    // IAM: users and their access keys and policies
    row("iam", "CreateUser", "iam:CreateUser", Resource::User),
    row("iam", "GetUser", "iam:GetUser", Resource::User),
    row("iam", "DeleteUser", "iam:DeleteUser", Resource::User),
    row("iam", "PutUserPermissionsBoundary", "iam:PutUserPermissionsBoundary", Resource::User),
    row("iam", "DeleteUserPermissionsBoundary", "iam:DeleteUserPermissionsBoundary", Resource::User),
    row("iam", "ListUsers", "iam:ListUsers", Resource::Any),
    row("iam", "TagUser", "iam:TagUser", Resource::User),
    row("iam", "UntagUser", "iam:UntagUser", Resource::User),
    row("iam", "ListUserTags", "iam:ListUserTags", Resource::User),
    row("iam", "CreateAccessKey", "iam:CreateAccessKey", Resource::User),
    row("iam", "UpdateAccessKey", "iam:UpdateAccessKey", Resource::User),
    row("iam", "DeleteAccessKey", "iam:DeleteAccessKey", Resource::User),
    row("iam", "ListAccessKeys", "iam:ListAccessKeys", Resource::User),
    row("iam", "PutUserPolicy", "iam:PutUserPolicy", Resource::User),
    row("iam", "GetUserPolicy", "iam:GetUserPolicy", Resource::User),
    row("iam", "DeleteUserPolicy", "iam:DeleteUserPolicy", Resource::User),
    row("iam", "ListUserPolicies", "iam:ListUserPolicies", Resource::User),
    row("iam", "AttachUserPolicy", "iam:AttachUserPolicy", Resource::User),
    row("iam", "DetachUserPolicy", "iam:DetachUserPolicy", Resource::User),
    row("iam", "ListAttachedUserPolicies", "iam:ListAttachedUserPolicies", Resource::User),
    // IAM: managed policies
    row("iam", "CreatePolicy", "iam:CreatePolicy", Resource::Policy),
    row("iam", "GetPolicy", "iam:GetPolicy", Resource::Policy),
    row("iam", "DeletePolicy", "iam:DeletePolicy", Resource::Policy),
    row("iam", "CreatePolicyVersion", "iam:CreatePolicyVersion", Resource::Policy),
    row("iam", "GetPolicyVersion", "iam:GetPolicyVersion", Resource::Policy),
    row("iam", "DeletePolicyVersion", "iam:DeletePolicyVersion", Resource::Policy),
    row("iam", "ListPolicyVersions", "iam:ListPolicyVersions", Resource::Policy),
    row("iam", "SetDefaultPolicyVersion", "iam:SetDefaultPolicyVersion", Resource::Policy),
    row("iam", "ListPolicies", "iam:ListPolicies", Resource::Any),
    row("iam", "ListEntitiesForPolicy", "iam:ListEntitiesForPolicy", Resource::Policy),
    // IAM: groups
    row("iam", "CreateGroup", "iam:CreateGroup", Resource::Group),
    row("iam", "GetGroup", "iam:GetGroup", Resource::Group),
    row("iam", "DeleteGroup", "iam:DeleteGroup", Resource::Group),
    row("iam", "AddUserToGroup", "iam:AddUserToGroup", Resource::Group),
    row("iam", "RemoveUserFromGroup", "iam:RemoveUserFromGroup", Resource::Group),
    row("iam", "PutGroupPolicy", "iam:PutGroupPolicy", Resource::Group),
    row("iam", "GetGroupPolicy", "iam:GetGroupPolicy", Resource::Group),
    row("iam", "DeleteGroupPolicy", "iam:DeleteGroupPolicy", Resource::Group),
    row("iam", "ListGroupPolicies", "iam:ListGroupPolicies", Resource::Group),
    row("iam", "AttachGroupPolicy", "iam:AttachGroupPolicy", Resource::Group),
    row("iam", "DetachGroupPolicy", "iam:DetachGroupPolicy", Resource::Group),
    row("iam", "ListAttachedGroupPolicies", "iam:ListAttachedGroupPolicies", Resource::Group),
    row("iam", "ListGroups", "iam:ListGroups", Resource::Any),
    row("iam", "ListGroupsForUser", "iam:ListGroupsForUser", Resource::User),
    // IAM: roles
    row("iam", "CreateRole", "iam:CreateRole", Resource::Role),
    row("iam", "PutRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", Resource::Role),
    row("iam", "DeleteRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", Resource::Role),
    row("iam", "GetRole", "iam:GetRole", Resource::Role),
    row("iam", "DeleteRole", "iam:DeleteRole", Resource::Role),
    row("iam", "UpdateAssumeRolePolicy", "iam:UpdateAssumeRolePolicy", Resource::Role),
    row("iam", "PutRolePolicy", "iam:PutRolePolicy", Resource::Role),
    row("iam", "GetRolePolicy", "iam:GetRolePolicy", Resource::Role),
    row("iam", "DeleteRolePolicy", "iam:DeleteRolePolicy", Resource::Role),
    row("iam", "ListRolePolicies", "iam:ListRolePolicies", Resource::Role),
    row("iam", "AttachRolePolicy", "iam:AttachRolePolicy", Resource::Role),
    row("iam", "DetachRolePolicy", "iam:DetachRolePolicy", Resource::Role),
    row("iam", "ListAttachedRolePolicies", "iam:ListAttachedRolePolicies", Resource::Role),
    row("iam", "TagRole", "iam:TagRole", Resource::Role),
    row("iam", "UntagRole", "iam:UntagRole", Resource::Role),
    row("iam", "ListRoleTags", "iam:ListRoleTags", Resource::Role),
    row("iam", "ListRoles", "iam:ListRoles", Resource::Any),
    // IAM: policy simulation
    row("iam", "SimulatePrincipalPolicy", "iam:SimulatePrincipalPolicy", Resource::User),
    row("iam", "SimulateCustomPolicy", "iam:SimulateCustomPolicy", Resource::Any),
];

/// One row of [`ACTIONS`].
const fn row(service: &'static str, operation: &'static str, action: &'static str, resource: Resource) -> Action {
    Action { service, operation, action, resource }
}

/// The table's row for `operation` of `service`.
pub fn find(service: &str, operation: &str) -> Option<&'static Action> {
    type Index = std::collections::HashMap<(&'static str, &'static str), &'static Action>;
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    INDEX
        .get_or_init(|| ACTIONS.iter().map(|a| ((a.service, a.operation), a)).collect())
        .get(&(service, operation))
        .copied()
}
