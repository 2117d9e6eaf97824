//! The handful of record fields enrichment and the profiles read, picked up during the one
//! flattening pass. A tiny trie of `match` statements follows the path as the walker descends, so
//! a member costs one comparison against the keys of interest at its level and nothing elsewhere.
//! Values are kept as raw JSON slices borrowed from the input (strings with their quotes).

/// Every captured field. The order is arbitrary; `COUNT` sizes the capture array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum F {
    EventVersion,
    EventTime,
    EventSource,
    EventName,
    AwsRegion,
    SourceIp,
    UserAgent,
    ErrorCode,
    ErrorMessage,
    RequestParameters,
    ResponseElements,
    AdditionalEventData,
    RequestId,
    EventId,
    ReadOnly,
    EventType,
    ApiVersion,
    ManagementEvent,
    RecipientAccountId,
    SharedEventId,
    VpcEndpointId,
    EventCategory,
    TlsDetails,
    ServiceEventDetails,
    Resources,
    SessionCredentialFromConsole,
    InsightDetails,
    UserIdentity,
    // userIdentity.*
    UiType,
    UiPrincipalId,
    UiArn,
    UiAccountId,
    UiAccessKeyId,
    UiUserName,
    UiInvokedBy,
    UiIdentityProvider,
    UiCredentialId,
    UiOnBehalfOfUserId,
    UiIdentityStoreArn,
    // userIdentity.sessionContext.*
    ScMfaAuthenticated,
    ScCreationDate,
    ScSourceIdentity,
    ScIssuerType,
    ScIssuerPrincipalId,
    ScIssuerArn,
    ScIssuerAccountId,
    ScIssuerUserName,
    ScFederatedProvider,
    // tlsDetails.*
    TlsVersion,
    TlsCipherSuite,
    TlsHostHeader,
    // additionalEventData.* and responseElements.* used by sign-in events
    AedMfaUsed,
    AedLoginTo,
    ReConsoleLogin,
    // CloudFront: the distribution configuration in the request (`distributionConfig`, or inside
    // `distributionConfigWithTags`) and the members the risk checks read, so that enrichment
    // does not scan these payloads again.
    ReqDistConfig,
    DcEnabled,
    DcLogging,
    DcWebAclId,
    DcOrigins,
    DcDefaultCacheBehavior,
    DcCacheBehaviors,
    DcViewerCertificate,
    DcRestrictions,
    ReqInvalidationPaths,
    // responseElements.distribution.* / .invalidation.* / .keyValueStore.*
    RespDistId,
    RespDistArn,
    RespDistLastModified,
    RespInvId,
    RespInvCreateTime,
    RespInvPaths,
    RespKvsArn,
    // insightDetails.*
    InsightState,
    InsightType,
    InsightEventSource,
    InsightEventName,
}

pub(crate) const COUNT: usize = F::InsightEventName as usize + 1;

/// Where the walker is in the trie. `None` means nothing below is of interest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    None,
    Root,
    UserIdentity,
    SessionContext,
    Attributes,
    SessionIssuer,
    WebIdFederation,
    OnBehalfOf,
    Tls,
    Aed,
    Response,
    Request,
    DistConfigWithTags,
    DistConfig,
    InvBatch,
    InvPaths,
    RespDist,
    RespInv,
    RespInvBatch,
    RespInvPaths,
    RespKvs,
    Insight,
}

/// Steps from `node` through `key` (the decoded key). Returns the field captured there, if any,
/// and the node for the member's children.
#[inline]
pub(crate) fn step(node: Node, key: &[u8]) -> (Option<F>, Node) {
    use F::*;
    match node {
        Node::None => (None, Node::None),
        Node::Root => match key {
            b"eventVersion" => (Some(EventVersion), Node::None),
            b"userIdentity" => (Some(UserIdentity), Node::UserIdentity),
            b"eventTime" => (Some(EventTime), Node::None),
            b"eventSource" => (Some(EventSource), Node::None),
            b"eventName" => (Some(EventName), Node::None),
            b"awsRegion" => (Some(AwsRegion), Node::None),
            b"sourceIPAddress" => (Some(SourceIp), Node::None),
            b"userAgent" => (Some(UserAgent), Node::None),
            b"errorCode" => (Some(ErrorCode), Node::None),
            b"errorMessage" => (Some(ErrorMessage), Node::None),
            b"requestParameters" => (Some(RequestParameters), Node::Request),
            b"responseElements" => (Some(ResponseElements), Node::Response),
            b"additionalEventData" => (Some(AdditionalEventData), Node::Aed),
            b"requestID" => (Some(RequestId), Node::None),
            b"eventID" => (Some(EventId), Node::None),
            b"readOnly" => (Some(ReadOnly), Node::None),
            b"eventType" => (Some(EventType), Node::None),
            b"apiVersion" => (Some(ApiVersion), Node::None),
            b"managementEvent" => (Some(ManagementEvent), Node::None),
            b"recipientAccountId" => (Some(RecipientAccountId), Node::None),
            b"sharedEventID" => (Some(SharedEventId), Node::None),
            b"vpcEndpointId" => (Some(VpcEndpointId), Node::None),
            b"eventCategory" => (Some(EventCategory), Node::None),
            b"tlsDetails" => (Some(TlsDetails), Node::Tls),
            b"serviceEventDetails" => (Some(ServiceEventDetails), Node::None),
            b"resources" => (Some(Resources), Node::None),
            b"sessionCredentialFromConsole" => (Some(SessionCredentialFromConsole), Node::None),
            b"insightDetails" => (Some(InsightDetails), Node::Insight),
            _ => (None, Node::None),
        },
        Node::UserIdentity => match key {
            b"type" => (Some(UiType), Node::None),
            b"principalId" => (Some(UiPrincipalId), Node::None),
            b"arn" => (Some(UiArn), Node::None),
            b"accountId" => (Some(UiAccountId), Node::None),
            b"accessKeyId" => (Some(UiAccessKeyId), Node::None),
            b"userName" => (Some(UiUserName), Node::None),
            b"invokedBy" => (Some(UiInvokedBy), Node::None),
            b"identityProvider" => (Some(UiIdentityProvider), Node::None),
            b"credentialId" => (Some(UiCredentialId), Node::None),
            b"identityStoreArn" => (Some(UiIdentityStoreArn), Node::None),
            b"sessionContext" => (None, Node::SessionContext),
            b"onBehalfOf" => (None, Node::OnBehalfOf),
            _ => (None, Node::None),
        },
        Node::OnBehalfOf => match key {
            b"userId" => (Some(UiOnBehalfOfUserId), Node::None),
            b"identityStoreArn" => (Some(UiIdentityStoreArn), Node::None),
            _ => (None, Node::None),
        },
        Node::SessionContext => match key {
            b"attributes" => (None, Node::Attributes),
            b"sessionIssuer" => (None, Node::SessionIssuer),
            b"webIdFederationData" => (None, Node::WebIdFederation),
            b"sourceIdentity" => (Some(ScSourceIdentity), Node::None),
            _ => (None, Node::None),
        },
        Node::Attributes => match key {
            b"mfaAuthenticated" => (Some(ScMfaAuthenticated), Node::None),
            b"creationDate" => (Some(ScCreationDate), Node::None),
            _ => (None, Node::None),
        },
        Node::SessionIssuer => match key {
            b"type" => (Some(ScIssuerType), Node::None),
            b"principalId" => (Some(ScIssuerPrincipalId), Node::None),
            b"arn" => (Some(ScIssuerArn), Node::None),
            b"accountId" => (Some(ScIssuerAccountId), Node::None),
            b"userName" => (Some(ScIssuerUserName), Node::None),
            _ => (None, Node::None),
        },
        Node::WebIdFederation => match key {
            b"federatedProvider" => (Some(ScFederatedProvider), Node::None),
            _ => (None, Node::None),
        },
        Node::Tls => match key {
            b"tlsVersion" => (Some(TlsVersion), Node::None),
            b"cipherSuite" => (Some(TlsCipherSuite), Node::None),
            b"clientProvidedHostHeader" => (Some(TlsHostHeader), Node::None),
            _ => (None, Node::None),
        },
        Node::Aed => match key {
            b"MFAUsed" => (Some(AedMfaUsed), Node::None),
            b"LoginTo" => (Some(AedLoginTo), Node::None),
            _ => (None, Node::None),
        },
        Node::Response => match key {
            b"ConsoleLogin" => (Some(ReConsoleLogin), Node::None),
            b"distribution" => (None, Node::RespDist),
            b"invalidation" => (None, Node::RespInv),
            b"keyValueStore" => (None, Node::RespKvs),
            _ => (None, Node::None),
        },
        Node::Request => match key {
            b"distributionConfig" => (Some(ReqDistConfig), Node::DistConfig),
            b"distributionConfigWithTags" => (None, Node::DistConfigWithTags),
            b"invalidationBatch" => (None, Node::InvBatch),
            _ => (None, Node::None),
        },
        Node::DistConfigWithTags => match key {
            b"distributionConfig" => (Some(ReqDistConfig), Node::DistConfig),
            _ => (None, Node::None),
        },
        Node::DistConfig => match key {
            b"enabled" => (Some(DcEnabled), Node::None),
            b"logging" => (Some(DcLogging), Node::None),
            b"webACLId" => (Some(DcWebAclId), Node::None),
            b"origins" => (Some(DcOrigins), Node::None),
            b"defaultCacheBehavior" => (Some(DcDefaultCacheBehavior), Node::None),
            b"cacheBehaviors" => (Some(DcCacheBehaviors), Node::None),
            b"viewerCertificate" => (Some(DcViewerCertificate), Node::None),
            b"restrictions" => (Some(DcRestrictions), Node::None),
            _ => (None, Node::None),
        },
        Node::InvBatch => match key {
            b"paths" => (None, Node::InvPaths),
            _ => (None, Node::None),
        },
        Node::InvPaths => match key {
            b"items" => (Some(ReqInvalidationPaths), Node::None),
            _ => (None, Node::None),
        },
        Node::RespDist => match key {
            b"id" => (Some(RespDistId), Node::None),
            b"aRN" | b"arn" | b"ARN" => (Some(RespDistArn), Node::None),
            b"lastModifiedTime" => (Some(RespDistLastModified), Node::None),
            _ => (None, Node::None),
        },
        Node::RespInv => match key {
            b"id" => (Some(RespInvId), Node::None),
            b"createTime" => (Some(RespInvCreateTime), Node::None),
            b"invalidationBatch" => (None, Node::RespInvBatch),
            _ => (None, Node::None),
        },
        Node::RespInvBatch => match key {
            b"paths" => (None, Node::RespInvPaths),
            _ => (None, Node::None),
        },
        Node::RespInvPaths => match key {
            b"items" => (Some(RespInvPaths), Node::None),
            _ => (None, Node::None),
        },
        Node::Insight => match key {
            b"state" => (Some(InsightState), Node::None),
            b"insightType" => (Some(InsightType), Node::None),
            b"eventSource" => (Some(InsightEventSource), Node::None),
            b"eventName" => (Some(InsightEventName), Node::None),
            _ => (None, Node::None),
        },
        Node::RespKvs => match key {
            b"aRN" | b"arn" | b"ARN" => (Some(RespKvsArn), Node::None),
            _ => (None, Node::None),
        },
    }
}

/// How many string members of `requestParameters` are kept (CloudFront resource ids are found
/// among them); a request with more is scanned instead.
const REQ_STRS: usize = 16;

/// The captured fields of one record: raw JSON values borrowed from the record's bytes.
#[derive(Clone)]
pub(crate) struct Fields<'a> {
    vals: [Option<&'a [u8]>; COUNT],
    /// `requestParameters`' own string members: (raw key, raw value).
    req_strs: [(&'a [u8], &'a [u8]); REQ_STRS],
    req_n: usize,
}

impl<'a> Default for Fields<'a> {
    fn default() -> Self {
        Fields { vals: [None; COUNT], req_strs: [(&[], &[]); REQ_STRS], req_n: 0 }
    }
}

impl<'a> Fields<'a> {
    /// Notes a string member of `requestParameters` (called by the walkers for `Node::Request`).
    #[inline]
    pub(crate) fn push_request_string(&mut self, key: &'a [u8], value: &'a [u8]) {
        if self.req_n < REQ_STRS {
            self.req_strs[self.req_n] = (key, value);
        }
        self.req_n += 1;
    }

    /// `requestParameters`' string members, or None when there were too many to keep (then
    /// the caller scans the request itself).
    pub(crate) fn request_strings(&self) -> Option<&[(&'a [u8], &'a [u8])]> {
        (self.req_n <= REQ_STRS).then(|| &self.req_strs[..self.req_n])
    }

    #[inline]
    pub(crate) fn set(&mut self, f: F, raw: &'a [u8]) {
        // Duplicate keys: the last one wins, as with JSON.parse.
        self.vals[f as usize] = Some(raw);
    }

    /// The raw JSON value, if present (JSON `null` counts as present).
    #[inline]
    pub(crate) fn raw(&self, f: F) -> Option<&'a [u8]> {
        self.vals[f as usize]
    }

    /// The value as text if it is a non-empty string or a scalar (null and containers: None).
    pub(crate) fn text(&self, f: F) -> Option<alloc::borrow::Cow<'a, str>> {
        self.raw(f).and_then(crate::json::as_text).filter(|s| !s.is_empty())
    }

    pub(crate) fn boolean(&self, f: F) -> Option<bool> {
        self.raw(f).and_then(crate::json::as_bool)
    }

    /// True when the value is present and not `null`.
    pub(crate) fn has(&self, f: F) -> bool {
        matches!(self.raw(f), Some(v) if v != b"null")
    }

    /// Captures from a parsed record without flattening (used by the profiles and tests).
    pub(crate) fn capture(record: &'a [u8]) -> Fields<'a> {
        let mut fields = Fields::default();
        capture_into(&mut fields, record, Node::Root, 0);
        fields
    }
}

fn capture_into<'a>(fields: &mut Fields<'a>, obj: &'a [u8], node: Node, depth: usize) {
    if depth > 6 {
        return;
    }
    for (key, value) in crate::json::members(obj) {
        let raw_key = key;
        let decoded;
        let key: &[u8] = if key.contains(&b'\\') {
            decoded = crate::json::unescape(key).unwrap_or_default();
            decoded.as_bytes()
        } else {
            key
        };
        let (f, child) = step(node, key);
        if let Some(f) = f {
            fields.set(f, value);
        }
        if node == Node::Request && value.first() == Some(&b'"') {
            fields.push_request_string(raw_key, value);
        }
        if child != Node::None && value.first() == Some(&b'{') {
            capture_into(fields, value, child, depth + 1);
        }
    }
}

impl<'a> Fields<'a> {
    /// Captures from a subtree that starts at trie node `node` (a subtree cut by a limit).
    pub(crate) fn capture_sub(obj: &'a [u8], node: Node) -> Fields<'a> {
        let mut fields = Fields::default();
        capture_into(&mut fields, obj, node, 0);
        fields
    }

    /// Takes every field `other` has.
    pub(crate) fn merge(&mut self, other: &Fields<'a>) {
        for (mine, theirs) in self.vals.iter_mut().zip(other.vals.iter()) {
            if theirs.is_some() {
                *mine = *theirs;
            }
        }
        if other.req_n > 0 {
            self.req_strs = other.req_strs;
            self.req_n = other.req_n;
        }
    }
}
