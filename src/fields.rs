//! The handful of record fields enrichment and the profiles read, picked up during the one
//! flattening pass. A tiny trie of `match` statements follows the path as the walker descends, so
//! a member costs one comparison against the keys of interest at its level and nothing elsewhere.
//! Values are kept as raw JSON slices borrowed from the input (strings with their quotes).

use crate::json;

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
    /// additionalEventData.UserName: an Identity Center user's name.
    AedUserName,
    ReConsoleLogin,
    // CloudFront: the distribution configuration in the request (`distributionConfig`, or inside
    // `distributionConfigWithTags`) and the members the risk checks read, so that enrichment
    // does not scan these payloads again.
    ReqDistConfig,
    /// `distributionConfigWithTags`: where a captured `distributionConfig` sat, for evidence paths.
    ReqDistConfigWithTags,
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
    RespKvsName,
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

const NODES: usize = Node::Insight as usize + 1;
// `Fields::enter` keeps one bit per node, `forget_under` one bit per field.
const _: () = assert!(NODES <= 32 && COUNT <= 128);

/// The capture trie, written once: `trie!` makes both [`step`] (a `match` per level, what the
/// walkers call) and [`TRIE`] (the same edges as data, for [`capture_spec`]).
macro_rules! trie {
    ($( $node:ident { $( $($key:literal)|+ => ($f:expr, $child:path) ),* $(,)? } )*) => {
        /// Steps from `node` through `key` (the decoded key). Returns the field captured there, if
        /// any, and the node for the member's children.
        #[inline]
        pub(crate) fn step(node: Node, key: &[u8]) -> (Option<F>, Node) {
            use F::*;
            match node {
                Node::None => (None, Node::None),
                $( Node::$node => match key {
                    $( $($key)|+ => ($f, $child), )*
                    _ => (None, Node::None),
                }, )*
            }
        }

        /// Every edge of the trie: (node, keys, field captured, child node).
        #[allow(unused_imports)]
        #[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
        pub(crate) static TRIE: &[(Node, &[&[u8]], Option<F>, Node)] = {
            use F::*;
            &[ $( $( (Node::$node, &[$($key),+], $f, $child), )* )* ]
        };
    };
}

trie! {
    Root {
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
    }
    UserIdentity {
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
    }
    OnBehalfOf {
        b"userId" => (Some(UiOnBehalfOfUserId), Node::None),
        b"identityStoreArn" => (Some(UiIdentityStoreArn), Node::None),
    }
    SessionContext {
        b"attributes" => (None, Node::Attributes),
        b"sessionIssuer" => (None, Node::SessionIssuer),
        b"webIdFederationData" => (None, Node::WebIdFederation),
        b"sourceIdentity" => (Some(ScSourceIdentity), Node::None),
    }
    Attributes {
        b"mfaAuthenticated" => (Some(ScMfaAuthenticated), Node::None),
        b"creationDate" => (Some(ScCreationDate), Node::None),
    }
    SessionIssuer {
        b"type" => (Some(ScIssuerType), Node::None),
        b"principalId" => (Some(ScIssuerPrincipalId), Node::None),
        b"arn" => (Some(ScIssuerArn), Node::None),
        b"accountId" => (Some(ScIssuerAccountId), Node::None),
        b"userName" => (Some(ScIssuerUserName), Node::None),
    }
    WebIdFederation {
        b"federatedProvider" => (Some(ScFederatedProvider), Node::None),
    }
    Tls {
        b"tlsVersion" => (Some(TlsVersion), Node::None),
        b"cipherSuite" => (Some(TlsCipherSuite), Node::None),
        b"clientProvidedHostHeader" => (Some(TlsHostHeader), Node::None),
    }
    Aed {
        b"MFAUsed" => (Some(AedMfaUsed), Node::None),
        b"LoginTo" => (Some(AedLoginTo), Node::None),
        b"UserName" => (Some(AedUserName), Node::None),
    }
    Response {
        b"ConsoleLogin" => (Some(ReConsoleLogin), Node::None),
        b"distribution" => (None, Node::RespDist),
        b"invalidation" => (None, Node::RespInv),
        b"keyValueStore" => (None, Node::RespKvs),
    }
    Request {
        b"distributionConfig" => (Some(ReqDistConfig), Node::DistConfig),
        b"distributionConfigWithTags" => (Some(ReqDistConfigWithTags), Node::DistConfigWithTags),
        b"invalidationBatch" => (None, Node::InvBatch),
    }
    DistConfigWithTags {
        b"distributionConfig" => (Some(ReqDistConfig), Node::DistConfig),
    }
    DistConfig {
        b"enabled" => (Some(DcEnabled), Node::None),
        b"logging" => (Some(DcLogging), Node::None),
        b"webACLId" => (Some(DcWebAclId), Node::None),
        b"origins" => (Some(DcOrigins), Node::None),
        b"defaultCacheBehavior" => (Some(DcDefaultCacheBehavior), Node::None),
        b"cacheBehaviors" => (Some(DcCacheBehaviors), Node::None),
        b"viewerCertificate" => (Some(DcViewerCertificate), Node::None),
        b"restrictions" => (Some(DcRestrictions), Node::None),
    }
    InvBatch {
        b"paths" => (None, Node::InvPaths),
    }
    InvPaths {
        b"items" => (Some(ReqInvalidationPaths), Node::None),
    }
    RespDist {
        b"id" => (Some(RespDistId), Node::None),
        b"aRN" | b"arn" | b"ARN" => (Some(RespDistArn), Node::None),
        b"lastModifiedTime" => (Some(RespDistLastModified), Node::None),
    }
    RespInv {
        b"id" => (Some(RespInvId), Node::None),
        b"createTime" => (Some(RespInvCreateTime), Node::None),
        b"invalidationBatch" => (None, Node::RespInvBatch),
    }
    RespInvBatch {
        b"paths" => (None, Node::RespInvPaths),
    }
    RespInvPaths {
        b"items" => (Some(RespInvPaths), Node::None),
    }
    Insight {
        b"state" => (Some(InsightState), Node::None),
        b"insightType" => (Some(InsightType), Node::None),
        b"eventSource" => (Some(InsightEventSource), Node::None),
        b"eventName" => (Some(InsightEventName), Node::None),
    }
    RespKvs {
        b"aRN" | b"arn" | b"ARN" => (Some(RespKvsArn), Node::None),
        b"name" => (Some(RespKvsName), Node::None),
    }
}

/// The record path of a captured field (`userIdentity.sessionContext.attributes.creationDate`),
/// read off [`TRIE`]: the shortest way to it, by each edge's first key. For the generated docs
/// (enricher descriptors, profile mapping tables), so no path is written twice.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn path(f: F) -> &'static str {
    static PATHS: std::sync::OnceLock<[alloc::string::String; COUNT]> = std::sync::OnceLock::new();
    PATHS.get_or_init(|| {
        let mut paths: [alloc::string::String; COUNT] = core::array::from_fn(|_| alloc::string::String::new());
        // Breadth first, so a field reachable two ways (`identityStoreArn`) gets the shorter.
        let mut queue = alloc::collections::VecDeque::from([(Node::Root, alloc::string::String::new())]);
        while let Some((node, prefix)) = queue.pop_front() {
            for (_, keys, f, child) in TRIE.iter().filter(|e| e.0 == node) {
                let mut at = prefix.clone();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(core::str::from_utf8(keys[0]).unwrap_or_default());
                if let Some(f) = f {
                    if paths[*f as usize].is_empty() {
                        paths[*f as usize] = at.clone();
                    }
                }
                if *child != Node::None && at.len() < 256 {
                    queue.push_back((*child, at));
                }
            }
        }
        paths
    })[f as usize]
        .as_str()
}

/// What enrichment reads at a node beyond the trie's own edges.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Others {
    Nothing,
    /// Every string member (`requestParameters`: CloudFront resource ids are found among them).
    Strings,
    /// The string members of every object member (`responseElements`: enrich/cloudfront_resources
    /// reads other resource kinds' ids at `<noun>.id` / `<noun>.name` as strings, `str_at`; a test
    /// below holds its response paths to two levels). Anything else there is read by no enricher:
    /// a > 4 KB response (EC2's `instancesSet`) need not cross whole.
    MemberStrings,
}

#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn others(node: Node) -> Others {
    match node {
        Node::Request => Others::Strings,
        Node::Response => Others::MemberStrings,
        _ => Others::Nothing,
    }
}

/// The parts of a record enrichment reads, as JSON: `{"eventName":1,"userIdentity":{...},...}`.
/// `1` keeps the member whole; an object is a node (used when the record's value is an object,
/// else the member is kept whole); `[shape]` applies `shape` to every element of an array;
/// `"~others"` is `"strings"` (every string member) or, for [`Others::MemberStrings`], a spec
/// applied to every object member not named (other members left out). Only what enrichment reads is named
/// (`enrich::reads`, `enrich::shape`). The JS shim flattens record objects itself and sends the core only this view
/// of them; enrichment of the view equals enrichment of the record (tests/js/transform-object).
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn capture_spec() -> alloc::vec::Vec<u8> {
    let mut out = alloc::vec::Vec::with_capacity(2048);
    if !spec_node(&mut out, Node::Root, 0) {
        out.extend_from_slice(b"{}");
    }
    out
}

/// Writes the spec of `node`; false (and nothing written) when enrichment reads nothing there.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
fn spec_node(out: &mut alloc::vec::Vec<u8>, node: Node, depth: usize) -> bool {
    let mark = out.len();
    out.push(b'{');
    let mut any = false;
    match others(node) {
        Others::Nothing => {}
        Others::Strings => {
            out.extend_from_slice(br#""~others":"strings""#);
            any = true;
        }
        Others::MemberStrings => {
            out.extend_from_slice(br#""~others":{"~others":"strings"}"#);
            any = true;
        }
    }
    for (_, keys, f, child) in TRIE.iter().filter(|e| e.0 == node) {
        let read = f.is_some_and(crate::enrich::reads);
        for key in keys.iter() {
            let at = out.len();
            if any {
                out.push(b',');
            }
            out.push(b'"');
            crate::json::write_str_content(out, key);
            out.extend_from_slice(b"\":");
            // The trie is a few levels deep; the bound only guards against a cycle added by mistake.
            let wrote = if *child != Node::None && depth < 8 && spec_node(out, *child, depth + 1) {
                true
            } else if read {
                match f.and_then(crate::enrich::shape) {
                    Some(shape) => out.extend_from_slice(shape.as_bytes()),
                    None => out.push(b'1'),
                }
                true
            } else {
                false
            };
            if wrote {
                any = true;
            } else {
                out.truncate(at);
            }
        }
    }
    if !any {
        out.truncate(mark);
        return false;
    }
    out.push(b'}');
    true
}

/// The fields captured anywhere below `node`, one bit each.
pub(crate) fn under(node: Node) -> u128 {
    fn compute(node: Node, depth: usize) -> u128 {
        let mut bits = 0u128;
        for (_, _, f, child) in TRIE.iter().filter(|e| e.0 == node) {
            if let Some(f) = f {
                bits |= 1u128 << (*f as u32);
            }
            if *child != Node::None && depth < 8 {
                bits |= compute(*child, depth + 1);
            }
        }
        bits
    }
    static UNDER: std::sync::OnceLock<[u128; NODES]> = std::sync::OnceLock::new();
    UNDER.get_or_init(|| {
        let mut t = [0u128; NODES];
        for (_, _, _, child) in TRIE {
            t[*child as usize] = compute(*child, 0);
        }
        t
    })[node as usize]
}

/// How many members of `requestParameters` are kept (CloudFront resource ids are found among
/// its strings); a request with more is scanned instead.
const REQ_STRS: usize = 16;

/// The captured fields of one record: raw JSON values borrowed from the record's bytes.
#[derive(Clone)]
pub(crate) struct Fields<'a> {
    vals: [Option<&'a [u8]>; COUNT],
    /// Whether `vals[f]` is a string the capture pass found plain (no escape, all ASCII; see
    /// `json::scan_str_plain`): `text` and `boolean` then read its content as it is, with no
    /// second scan. Only `set_plain` sets one; `set` clears its field's.
    plain: [bool; COUNT],
    /// `requestParameters`' own members: (raw key, raw value), duplicates merged as JSON.parse
    /// does (first place, last value).
    req_strs: [(&'a [u8], &'a [u8]); REQ_STRS],
    req_n: usize,
    /// Whether two of those members had the same key (merged in `req_strs`).
    req_merged: bool,
    /// Whether a key pushed there holds a backslash: until one does, keys are the same only
    /// when their bytes are (no escape to decode, so no scan of every key per member).
    req_esc: bool,
    /// The trie nodes (a bit each) whose objects' members `capture_checked` keeps (`kept`).
    keep_nodes: u32,
    kept: Kept,
}

/// A member of an object at a kept trie node, as `capture_checked` read it (offsets from the
/// record's first byte): the start of the object that holds it, its key (start, length) and value
/// (start, end), and the field captured there (its `F`, `NONE` for none, `ESCAPED` when the key
/// has escapes). A member comes after every member of its value's object (post-order).
#[derive(Clone, Copy)]
pub(crate) struct KeptMember {
    pub parent: u32,
    pub key: (u32, u16),
    f: u8,
    pub value: (u32, u32),
}

/// No field is captured at the member: bit 127 is no field's, so `consumed` needs no branch.
const NONE: u8 = 127;
const ESCAPED: u8 = u8::MAX;
const _: () = assert!(COUNT < NONE as usize && ESCAPED & 127 == NONE);

impl KeptMember {
    /// The key has escapes (the field was found from its decoded form).
    pub(crate) fn escaped(&self) -> bool {
        self.f == ESCAPED
    }

    /// Whether the field captured at this member is in `mask` (a bit per `F`); false for none.
    #[inline]
    pub(crate) fn consumed(&self, mask: u128) -> bool {
        mask >> (self.f & 127) & 1 != 0
    }
}

/// The members a capture with `keep_members` kept, for the record at `at` (address, length);
/// `ok` false when there were more than `KEPT_MAX`. Empty (no allocation) for the other profiles.
#[derive(Clone, Default)]
struct Kept {
    /// Where the record starts in the buffer being captured (offsets are from there).
    base: usize,
    at: (usize, usize),
    ok: bool,
    /// Fields whose members are not kept (see `keep_members`), a bit per `F` in two words (a
    /// u128 shift by a variable was ~14 instructions a member).
    skip: [u64; 2],
    members: alloc::vec::Vec<KeptMember>,
}

const KEPT_MAX: usize = 256;

impl<'a> Default for Fields<'a> {
    fn default() -> Self {
        Fields { vals: [None; COUNT], plain: [false; COUNT], req_strs: [(&[], &[]); REQ_STRS], req_n: 0, req_merged: false, req_esc: false, keep_nodes: 0, kept: Kept::default() }
    }
}

impl<'a> Fields<'a> {
    /// Called for each member that leads into the trie (`child` is its node), with a mask kept
    /// per object. JSON.parse keeps the last of duplicate members, so when such a member comes
    /// again in the same object, what its earlier occurrence captured below is forgotten.
    #[inline]
    pub(crate) fn enter(&mut self, seen: &mut u32, child: Node) {
        let bit = 1u32 << (child as u32);
        if *seen & bit != 0 {
            self.forget_under(child);
        }
        *seen |= bit;
    }

    #[cold]
    fn forget_under(&mut self, node: Node) {
        let mut bits = under(node);
        while bits != 0 {
            self.vals[bits.trailing_zeros() as usize] = None;
            self.plain[bits.trailing_zeros() as usize] = false;
            bits &= bits - 1;
        }
        if node == Node::Request {
            self.req_n = 0;
            self.req_merged = false;
            self.req_esc = false;
        }
    }

    /// Notes a member of `requestParameters` (called by the walkers for `Node::Request`).
    // Out of line, as it was before `push_request_member_esc` (inlined, it made the flattening
    // walker's loop slower).
    #[inline(never)]
    pub(crate) fn push_request_member(&mut self, key: &'a [u8], value: &'a [u8]) {
        self.push_request_member_esc(key, value, key.contains(&b'\\'));
    }

    /// `push_request_member` for a caller that knows whether `key` holds a backslash (`esc`).
    #[inline]
    fn push_request_member_esc(&mut self, key: &'a [u8], value: &'a [u8], esc: bool) {
        let n = self.req_n.min(REQ_STRS);
        if self.req_n <= REQ_STRS && merge_member(&mut self.req_strs[..n], key, value, self.req_esc || esc) {
            self.req_merged = true;
            return;
        }
        self.req_esc |= esc;
        if self.req_n < REQ_STRS {
            self.req_strs[self.req_n] = (key, value);
        }
        self.req_n += 1;
    }

    /// `requestParameters`' members (values of any type), or None when there were too many to
    /// keep (then the caller scans the request itself, see [`members_merged`]).
    pub(crate) fn request_members(&self) -> Option<&[(&'a [u8], &'a [u8])]> {
        (self.req_n <= REQ_STRS).then(|| &self.req_strs[..self.req_n])
    }

    /// Makes `capture_checked` keep the members of the objects at these trie nodes (a bit per
    /// `Node`; the root's object is kept only with `Node::Root`'s bit): see `kept`. Members the
    /// reader always leaves out are not kept: those whose value is `null`, and those where a
    /// field of `skip` (a bit per `F`) is captured, unless their key has escapes (the reader
    /// decides about those). Most of a record's members are such: keeping them cost the capture
    /// and the reader a loop turn each.
    pub(crate) fn keep_members(&mut self, nodes: u32, skip: u128) {
        self.keep_nodes = nodes;
        self.kept.skip = [skip as u64, (skip >> 64) as u64];
    }

    /// Gives the capture `buf` to keep members in, and [`Self::take_kept_buffer`] takes it back: an
    /// engine reuses one buffer for record after record instead of allocating one a record.
    pub(crate) fn lend_kept_buffer(&mut self, buf: alloc::vec::Vec<KeptMember>) {
        self.kept.members = buf;
    }

    pub(crate) fn take_kept_buffer(&mut self) -> alloc::vec::Vec<KeptMember> {
        core::mem::take(&mut self.kept.members)
    }

    /// The members `capture_checked` kept from `record` (in the order it read them), or None
    /// when it kept none of this record's (ocsf's `unmapped` reads them instead of walking the
    /// record again). Only the objects at the nodes given to `keep_members` are there, each whole.
    pub(crate) fn kept(&self, record: &[u8]) -> Option<&[KeptMember]> {
        let k = &self.kept;
        (self.keep_nodes != 0 && k.ok && k.at == (record.as_ptr() as usize, record.len())).then_some(&k.members[..])
    }

    /// Whether the members of objects at `node` are kept.
    pub(crate) fn keeps(&self, node: Node) -> bool {
        self.keep_nodes & (1 << node as u32) != 0
    }

    /// `request_members` when no key came twice: each member as the request holds it first
    /// (what `json::get` finds), in order.
    pub(crate) fn request_members_unmerged(&self) -> Option<&[(&'a [u8], &'a [u8])]> {
        self.request_members().filter(|_| !self.req_merged)
    }

    #[inline]
    pub(crate) fn set(&mut self, f: F, raw: &'a [u8]) {
        // Duplicate keys: the last one wins, as with JSON.parse.
        self.vals[f as usize] = Some(raw);
        self.plain[f as usize] = false;
    }

    /// `set`, saying whether `raw` is a plain string (see `plain`).
    #[inline]
    fn set_plain(&mut self, f: F, raw: &'a [u8], plain: bool) {
        self.vals[f as usize] = Some(raw);
        self.plain[f as usize] = plain;
    }

    /// The content of the value of `f` when the capture found it a plain string.
    #[inline]
    fn plain_str(&self, f: F) -> Option<&'a str> {
        match self.vals[f as usize] {
            Some([b'"', inner @ .., b'"']) if self.plain[f as usize] => {
                // SAFETY: a plain string's content is all ASCII (`json::scan_str_plain`), so UTF-8.
                Some(unsafe { core::str::from_utf8_unchecked(inner) })
            }
            _ => None,
        }
    }

    /// The raw JSON value, if present (JSON `null` counts as present).
    #[inline]
    pub(crate) fn raw(&self, f: F) -> Option<&'a [u8]> {
        self.vals[f as usize]
    }

    /// The value as text if it is a non-empty string or a scalar (null and containers: None).
    // Not inlined in the wasm: one copy for its ~70 callers (inlined, the wasm grew by ~2 KB).
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    pub(crate) fn text(&self, f: F) -> Option<alloc::borrow::Cow<'a, str>> {
        if let Some(s) = self.plain_str(f) {
            return (!s.is_empty()).then_some(alloc::borrow::Cow::Borrowed(s));
        }
        text_of(self.raw(f)?)
    }

    pub(crate) fn boolean(&self, f: F) -> Option<bool> {
        self.raw(f).and_then(crate::json::as_bool)
    }

    /// True when the value is present and not `null`.
    pub(crate) fn has(&self, f: F) -> bool {
        matches!(self.raw(f), Some(v) if v != b"null")
    }

    /// Only the fields `keep` (tests: an enricher run on just the fields its descriptor lists).
    #[cfg(test)]
    pub(crate) fn only(&self, keep: &[F]) -> Fields<'a> {
        let mut g = Fields::default();
        for f in keep {
            g.vals[*f as usize] = self.vals[*f as usize];
            g.plain[*f as usize] = self.plain[*f as usize];
        }
        if keep.contains(&F::RequestParameters) {
            (g.req_strs, g.req_n, g.req_merged, g.req_esc) = (self.req_strs, self.req_n, self.req_merged, self.req_esc);
        }
        g
    }

    /// The same fields with `f` set to `v` (tests).
    #[cfg(test)]
    pub(crate) fn replaced(&self, f: F, v: Option<&'a [u8]>) -> Fields<'a> {
        let mut g = self.clone();
        g.vals[f as usize] = v;
        g.plain[f as usize] = false;
        g
    }

    /// Captures from a record's text without flattening (tests; what precedes an error stays).
    #[cfg(test)]
    pub(crate) fn capture(record: &'a [u8]) -> Fields<'a> {
        let mut fields = Fields::default();
        let _ = fields.capture_checked(record, json::skip_ws(record, 0));
        fields
    }

    /// `capture`, keeping the members of the objects at `nodes` but those of `skip` (tests).
    #[cfg(test)]
    pub(crate) fn capture_keeping(record: &'a [u8], nodes: u32, skip: u128) -> Fields<'a> {
        let mut fields = Fields::default();
        fields.keep_members(nodes, skip);
        let _ = fields.capture_checked(record, json::skip_ws(record, 0));
        fields
    }
}

impl<'a> Fields<'a> {
    /// Validates the object at `b[i]` (a `{`) and captures its fields in the same pass, for the
    /// callers that need no flat keys (the nested profiles, the JS shim's record views).
    /// Returns where the object ends.
    pub(crate) fn capture_checked(&mut self, b: &'a [u8], i: usize) -> json::Res<usize> {
        if self.keep_nodes == 0 {
            capture_checked::<LEAN>(self, b, i, Node::Root, 0)
        } else {
            self.capture_keeping_members(b, i)
        }
    }

    /// `capture_checked` with `keep_members` (out of line: one copy for its callers).
    #[inline(never)]
    fn capture_keeping_members(&mut self, b: &'a [u8], i: usize) -> json::Res<usize> {
        let k = &mut self.kept;
        (k.ok, k.base, k.at) = (true, i, (0, 0));
        k.members.clear();
        // 48 members (960 bytes) hold most records' and stay a small allocation.
        k.members.reserve(48);
        let end = capture_checked::<true>(self, b, i, Node::Root, 0);
        if let Ok(end) = end {
            self.kept.at = ((b.as_ptr() as usize).wrapping_add(i), end.saturating_sub(i));
        }
        end
    }
}

/// The `KEEP` of the captures that keep no members: natively `false`, a copy of its own whose loop
/// has none of the keeping code (inlined in the one copy, it cost ECS's capture ~0.5 M
/// instructions on the mix); in the wasm the keeping copy, one copy for both (~560 B less).
const LEAN: bool = cfg!(target_arch = "wasm32");

/// Validates and captures the object at `b[i]` (see `Fields::capture_checked`); with `KEEP`, keeps
/// the members of the objects at the nodes `keep_members` named.
fn capture_checked<'a, const KEEP: bool>(fields: &mut Fields<'a>, b: &'a [u8], i: usize, node: Node, depth: usize) -> json::Res<usize> {
    use json::{fail, skip_ws, Code};
    if depth >= json::MAX_NESTING {
        return fail(Code::TooDeep, i);
    }
    let mut j = skip_ws(b, i + 1);
    if b.get(j) == Some(&b'}') {
        return Ok(j + 1);
    }
    let mut seen = 0u32;
    let keep = KEEP && fields.keep_nodes & (1 << node as u32) != 0;
    loop {
        let json::MemberKey { ks, ke, esc: kesc, value: vs } = json::member_key_inl(b, j)?;
        let (f, child) = if node == Node::None {
            (None, Node::None)
        } else if kesc {
            step(node, json::unescape(&b[ks..ke]).unwrap_or_default().as_bytes())
        } else {
            step(node, &b[ks..ke])
        };
        if child != Node::None {
            fields.enter(&mut seen, child);
        }
        // Strings (most values) scanned here, without the call into `skip_value`.
        let (ve, plain) = if b.get(vs) == Some(&b'"') {
            json::scan_str_plain(b, vs)?
        } else if child != Node::None && b.get(vs) == Some(&b'{') {
            (capture_checked::<KEEP>(fields, b, vs, child, depth + 1)?, false)
        } else if matches!(b.get(vs), Some(b't' | b'f' | b'n')) {
            // `true`, `false`, `null` (`readOnly`, `managementEvent`): no call into `skip_value`.
            (json::scan_literal(b, vs)?, false)
        } else {
            (json::skip_value(b, vs, depth + 1)?, false)
        };
        if let Some(f) = f {
            fields.set_plain(f, &b[vs..ve], plain);
        }
        if node == Node::Request {
            fields.push_request_member_esc(&b[ks..ke], &b[vs..ve], kesc);
        }
        if keep {
            // A value starting with `n` is `null` (it was validated above).
            fields.kept.push(i, (ks, ke, vs, ve), kesc, f, b.get(vs) == Some(&b'n'));
        }
        // Compact JSON: `,"` right after the value, the next member (read here, not through
        // `member_next`'s result in memory).
        if b.get(ve) == Some(&b',') && b.get(ve + 1) == Some(&b'"') {
            j = ve + 1;
            continue;
        }
        match json::member_next(b, ve)? {
            Ok(next) => j = next,
            Err(end) => return Ok(end),
        }
    }
}

impl Kept {
    /// Notes a member of the object at `obj` (its key and value at `m`, positions in the buffer
    /// being captured), with offsets from the record's first byte.
    #[inline]
    fn push(&mut self, obj: usize, m: (usize, usize, usize, usize), esc: bool, f: Option<F>, null: bool) {
        let f = if esc { ESCAPED } else { f.map_or(NONE, |f| f as u8) };
        if !esc && (null || self.skip[f as usize >> 6 & 1] >> (f & 63) & 1 != 0) {
            return;
        }
        // Positions ascend (object, key, value) from the record's start, `base`: when the value's
        // end fits in a u32, so does every offset.
        let at = |x: usize| x.wrapping_sub(self.base);
        let klen = m.1.wrapping_sub(m.0);
        if self.members.len() < KEPT_MAX && at(m.3) <= u32::MAX as usize && klen <= u16::MAX as usize {
            self.members.push(KeptMember { parent: at(obj) as u32, key: (at(m.0) as u32, klen as u16), f, value: (at(m.2) as u32, at(m.3) as u32) });
        } else {
            self.ok = false;
        }
    }
}

/// [`Fields::text`] of a value not known to be plain. Out of line natively, so that `text` itself
/// stays a few instructions; a plain ASCII string is borrowed here with no call into `as_str` (not
/// in the wasm, where that copy of the check cost ~400 B).
#[cfg_attr(not(target_arch = "wasm32"), inline(never))]
fn text_of(v: &[u8]) -> Option<alloc::borrow::Cow<'_, str>> {
    #[cfg(not(target_arch = "wasm32"))]
    if let [b'"', inner @ .., b'"'] = v {
        if json::plain_ascii(inner) {
            // SAFETY: the content is all ASCII.
            return (!inner.is_empty()).then(|| alloc::borrow::Cow::Borrowed(unsafe { core::str::from_utf8_unchecked(inner) }));
        }
    }
    json::as_text(v).filter(|s| !s.is_empty())
}

/// JSON.parse's rule for a duplicate member: it keeps the first one's place with the last value.
/// Returns false when `key` is new. `escapes`: whether `key` or any of `members`' keys holds a
/// backslash; until one does, the same key is the same bytes (no scan of each key for one).
fn merge_member<'a>(members: &mut [(&'a [u8], &'a [u8])], key: &'a [u8], value: &'a [u8], escapes: bool) -> bool {
    let same = |k: &[u8]| k == key || (escapes && (k.contains(&b'\\') || key.contains(&b'\\')) && json::unescape_wtf8(k) == json::unescape_wtf8(key));
    match members.iter_mut().find(|(k, _)| same(k)) {
        Some(m) => {
            m.1 = value;
            true
        }
        None => false,
    }
}

/// An object's members with duplicates merged as JSON.parse does (first place, last value).
/// Indexed by the decoded key, so a request with very many members stays linear.
pub(crate) fn members_merged(obj: &[u8]) -> alloc::vec::Vec<(&[u8], &[u8])> {
    use alloc::borrow::Cow;
    let mut out: alloc::vec::Vec<(&[u8], &[u8])> = alloc::vec::Vec::new();
    let mut index: std::collections::HashMap<Cow<'_, [u8]>, usize> = std::collections::HashMap::new();
    for (k, v) in json::members(obj) {
        let key = if k.contains(&b'\\') { Cow::Owned(json::unescape_wtf8(k).unwrap_or_default()) } else { Cow::Borrowed(k) };
        match index.get(&key) {
            Some(&i) => out[i].1 = v,
            None => {
                index.insert(key, out.len());
                out.push((k, v));
            }
        }
    }
    out
}

impl<'a> Fields<'a> {
    /// Captures from a subtree that starts at trie node `node` (a subtree cut by a limit).
    pub(crate) fn capture_sub(obj: &'a [u8], node: Node) -> Fields<'a> {
        let mut fields = Fields::default();
        // Cold (limits only), and `obj` was validated already: the result cannot be an error.
        let _ = capture_checked::<LEAN>(&mut fields, obj, 0, node, 0);
        fields
    }

    /// Takes every field `other` has.
    pub(crate) fn merge(&mut self, other: &Fields<'a>) {
        for (f, theirs) in other.vals.iter().enumerate() {
            if theirs.is_some() {
                self.vals[f] = *theirs;
                self.plain[f] = other.plain[f];
            }
        }
        if other.req_n > 0 {
            self.req_strs = other.req_strs;
            self.req_n = other.req_n;
            self.req_merged = other.req_merged;
            self.req_esc = other.req_esc;
        }
    }
}

// Native only: uses proptest (a native-only dev-dependency).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod spec_tests {
    //! The capture spec is what the JS shim sends the core for a record object: these tests
    //! show that enrichment of the view it describes equals enrichment of the whole record.
    use alloc::format;
    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;
    use serde_json::{Map, Value};

    use super::{capture_spec, Fields, COUNT, F, TRIE};
    use crate::enrich::{enrich, reads, ENRICHERS};

    /// The view of `v` that spec `s` names (the JS shim's `prune`, js/flatten.mjs).
    fn prune(v: &Value, s: &Value) -> Value {
        match (s, v) {
            (Value::Array(el), Value::Array(items)) => Value::Array(items.iter().map(|x| prune(x, &el[0])).collect()),
            (Value::Object(spec), Value::Object(o)) => {
                let others = spec.get("~others");
                let mut out = Map::new();
                for (k, x) in o {
                    match spec.get(k).filter(|_| k != "~others") {
                        Some(t) => {
                            out.insert(k.clone(), prune(x, t));
                        }
                        None if others.and_then(Value::as_str) == Some("strings") && x.is_string() => {
                            out.insert(k.clone(), x.clone());
                        }
                        None if others.is_some_and(Value::is_object) && x.is_object() => {
                            out.insert(k.clone(), prune(x, others.unwrap_or(&Value::Null)));
                        }
                        None => {}
                    }
                }
                Value::Object(out)
            }
            _ => v.clone(),
        }
    }

    fn facts_of(rec: &[u8]) -> String {
        let mut fields = Fields::default();
        match fields.capture_checked(rec, 0) {
            Ok(_) => format!("{:?}", enrich(&fields)),
            Err(f) => format!("error {f:?}"),
        }
    }

    fn spec() -> Value {
        serde_json::from_slice(&capture_spec()).expect("the spec is JSON")
    }

    /// Every record the repo's fixtures hold, plus every enricher's documented example.
    fn records() -> Vec<String> {
        let mut out = Vec::new();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/enrich");
        for entry in std::fs::read_dir(dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            let doc: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("fixture JSON");
            for r in doc["Records"].as_array().expect("Records") {
                out.push(serde_json::to_string(r).expect("record"));
            }
        }
        let sample: Value = serde_json::from_slice(include_bytes!("../examples/cloudfront-sample.json")).expect("sample");
        for r in sample["Records"].as_array().expect("Records") {
            out.push(serde_json::to_string(r).expect("record"));
        }
        for e in ENRICHERS {
            out.extend(e.examples.iter().map(|x| String::from(x.record)));
        }
        assert!(out.len() > 40, "{} records", out.len());
        out
    }

    fn same_facts_on_view(rec: &str, spec: &Value) -> Result<(), String> {
        let v: Value = serde_json::from_str(rec).map_err(|e| format!("{e}"))?;
        let view = serde_json::to_string(&prune(&v, spec)).expect("view");
        let (a, b) = (facts_of(rec.as_bytes()), facts_of(view.as_bytes()));
        if a == b {
            Ok(())
        } else {
            Err(format!("record {rec}\nview {view}\nfacts {a}\nfrom view {b}"))
        }
    }

    #[test]
    fn view_enriches_like_the_record() {
        let spec = spec();
        for rec in records() {
            same_facts_on_view(&rec, &spec).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, .. ProptestConfig::default() })]
        #[test]
        fn view_enriches_like_generated_records(rec in crate::enrich::docs::no_panic::record()) {
            let r = same_facts_on_view(&rec, &spec());
            prop_assert!(r.is_ok(), "{}", r.err().unwrap_or_default());
        }
    }

    /// `enrich::reads` says which captured fields enrichment reads; blanking or changing any
    /// other one must not change a fact (so the spec may leave them out).
    #[test]
    fn unread_fields_change_nothing() {
        let odd: [&[u8]; 5] = [b"\"x\"", b"\"\"", b"{}", b"[\"/*\"]", b"true"];
        let mut checked = 0;
        for rec in records() {
            let mut fields = Fields::default();
            fields.capture_checked(rec.as_bytes(), 0).expect("fixture records are JSON objects");
            let want = format!("{:?}", enrich(&fields));
            for i in 0..COUNT {
                let f = TRIE.iter().filter_map(|e| e.2).find(|f| *f as usize == i);
                let Some(f) = f.filter(|f| !reads(*f)) else { continue };
                let mut alts: Vec<Option<&[u8]>> = odd.iter().map(|v| Some(*v)).collect();
                alts.push(None);
                for alt in alts {
                    let mut g = fields.clone();
                    g.vals[f as usize] = alt;
                    assert_eq!(want, format!("{:?}", enrich(&g)), "{f:?} = {alt:?} changed the facts of {rec}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 100);
    }

    /// [`super::Others::MemberStrings`] keeps, under `responseElements`, only the string members
    /// of its object members: enough while every response path in enrich/cloudfront_resources's
    /// `KINDS` is `[<noun>, <key>]` (read with `str_at`, as a string). Read from that file's text
    /// (`KINDS` is private there), so a deeper path added one day fails here rather than making
    /// the facts of the JS route's view differ from the record's.
    #[test]
    fn response_paths_are_two_deep() {
        let src = include_str!("enrich/cloudfront_resources.rs");
        let mut kinds = 0;
        for line in src.lines().map(str::trim_start).filter(|l| l.starts_with("k(\"")) {
            let (_, path) = line.rsplit_once("&[").unwrap_or_else(|| panic!("no response path literal: {line}"));
            let path = path.split(']').next().unwrap_or_default();
            assert_eq!(path.split(',').filter(|k| !k.trim().is_empty()).count(), 2, "{line}");
            kinds += 1;
        }
        assert!(kinds > 30, "{kinds} kinds found");
    }

    #[test]
    fn spec_names_every_read_field_and_no_other() {
        let text = String::from_utf8(capture_spec()).expect("UTF-8");
        let spec = spec();
        // Every trie edge whose field enrichment reads is reachable in the spec from the root.
        fn has_key(v: &Value, key: &str) -> bool {
            match v {
                Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
                Value::Array(a) => a.iter().any(|x| has_key(x, key)),
                _ => false,
            }
        }
        for (_, keys, f, _) in TRIE {
            if let Some(f) = f.filter(|f| reads(*f)) {
                for k in keys.iter() {
                    let k = core::str::from_utf8(k).expect("key");
                    assert!(has_key(&spec, k), "{f:?} ({k}) missing from {text}");
                }
            }
        }
        // Members the flat profile's enrichment never reads stay out.
        for k in ["eventID", "requestID", "resources", "tlsDetails", "serviceEventDetails"] {
            assert!(spec.get(k).is_none(), "{k} in {text}");
        }
        assert_eq!(spec["requestParameters"]["~others"], "strings");
        assert_eq!(spec["responseElements"]["~others"], serde_json::json!({"~others": "strings"}));
        let _ = F::EventName;
    }
}
#[cfg(test)]
mod capture_tests {
    use super::{Fields, Node, F};
    use crate::json::tests::skip_value_ref;

    /// `requestParameters`' members as the capture merges them (first place, last value, keys
    /// compared decoded) are `members_merged`'s, with escaped and plain spellings of one key in
    /// every order and position, and the capture merges exactly when a key came twice.
    #[test]
    fn request_members_merge_as_members_merged() {
        let spellings = [r#""a""#, r#""\u0061""#, r#""b""#, r#""\u0062""#, r#""ab""#, r#""a\u0062""#, r#""\\""#, r#""\u005c""#];
        let mut n = 0;
        for x in spellings {
            for y in spellings {
                for z in spellings {
                    let req = format!(r#"{{"k":1,{x}:2,{y}:3,"c":4,{z}:5}}"#);
                    let rec = format!(r#"{{"requestParameters":{req}}}"#);
                    let f = Fields::capture(rec.as_bytes());
                    let want = super::members_merged(req.as_bytes());
                    assert_eq!(f.request_members(), Some(&want[..]), "{req}");
                    assert_eq!(f.request_members_unmerged().is_none(), want.len() < 5, "{req}");
                    n += usize::from(want.len() < 5);
                }
            }
        }
        assert!(n > 100);
    }

    /// `text` and `boolean` of captured values are `as_text` (empty as None) and `as_bool` of the
    /// raw value, whether the capture found a string plain (read as it is) or not: escapes,
    /// non-ASCII, empty strings, scalars, containers, and a field captured twice (the last value
    /// wins, and so does its plainness).
    #[test]
    fn text_of_plain_and_other_values() {
        use crate::json::{as_bool, as_text};
        let values = [r#""GetObject""#, r#""""#, r#""a\"b""#, r#""caf\u00e9""#, "\"caf\u{e9}\"", r#""TRUE""#, r#""false""#, "true", "12", "null", "{}", r#"["x"]"#];
        let mut plain_seen = 0;
        for x in values {
            for y in [None, Some(r#""plain""#), Some(r#""\u0041""#), Some("\"\u{e9}\"")] {
                let dup = |k: &str| y.map(|y| format!(r#","{k}":{y}"#)).unwrap_or_default();
                let rec = format!(
                    r#"{{"eventName":{x}{},"userIdentity":{{"type":{x}{}}},"userIdentity":{{"sessionContext":{{"attributes":{{"mfaAuthenticated":{x}{}}}}}}}}}"#,
                    dup("eventName"),
                    dup("type"),
                    dup("mfaAuthenticated")
                );
                let f = Fields::capture(rec.as_bytes());
                for field in [F::EventName, F::UiType, F::ScMfaAuthenticated] {
                    let raw = f.raw(field);
                    let want = raw.and_then(as_text).filter(|s| !s.is_empty());
                    assert_eq!(f.text(field), want, "{field:?} of {rec}");
                    assert_eq!(f.boolean(field), raw.and_then(as_bool), "{field:?} of {rec}");
                    plain_seen += usize::from(f.plain[field as usize]);
                }
                // The second userIdentity replaced the first: its `type` is gone.
                assert_eq!((f.raw(F::UiType), f.text(F::UiType)), (None, None), "{rec}");
            }
        }
        assert!(plain_seen > 20, "{plain_seen}");
        // A value `set` over a plain one is read as what it is.
        let mut f = Fields::capture(br#"{"eventName":"plain"}"#);
        f.set(F::EventName, br#""a\u0041""#);
        assert_eq!(f.text(F::EventName).as_deref(), Some("aA"));
    }

    /// A capture keeping members keeps those of the objects at the nodes asked for, in post-order,
    /// but the `null` ones and those where a field of `skip` is captured, unless their key has
    /// escapes (the reader decides about those).
    #[test]
    fn kept_members_leave_out_nulls_and_skipped_fields() {
        let rec = br#"{"eventName":"X","n":null,"userIdentity":{"type":"T","arn":"a","x":1,"sessionContext":{"attributes":{"creationDate":"c"}}},"ev\u0065ntTime":"t","eventTime":null,"eventN\u0061me":null,"readOnly":false}"#;
        let skip = 1u128 << F::EventName as u32 | 1u128 << F::UiArn as u32;
        let nodes = 1 << Node::Root as u32 | 1 << Node::UserIdentity as u32;
        let f = Fields::capture_keeping(rec, nodes, skip);
        let kept = f.kept(rec).unwrap();
        let keys: Vec<&str> = kept.iter().map(|m| core::str::from_utf8(&rec[m.key.0 as usize..][..m.key.1 as usize]).unwrap()).collect();
        assert_eq!(keys, ["type", "x", "sessionContext", "userIdentity", r"ev\u0065ntTime", r"eventN\u0061me", "readOnly"]);
        let values: Vec<&[u8]> = kept.iter().map(|m| &rec[m.value.0 as usize..m.value.1 as usize]).collect();
        assert_eq!(values[..2], [&b"\"T\""[..], b"1"]);
        assert!(kept[0].consumed(1 << F::UiType as u32) && !kept[0].consumed(!(1 << F::UiType as u32)));
        assert!(kept[3].consumed(1 << F::UserIdentity as u32) && kept[6].consumed(1 << F::ReadOnly as u32));
        assert!([1, 2, 4, 5].iter().all(|&i| !kept[i].consumed(u128::MAX >> 1)), "no field there, or an escaped key");
        assert!(kept[4].escaped() && !kept[6].escaped());
        // No field skipped: every member of those objects (eleven) but the two `null`s.
        let f = Fields::capture_keeping(rec, nodes, 0);
        assert_eq!(f.kept(rec).unwrap().len(), 9);
    }

    /// The capture pass validates exactly as the recursive `skip_value` did (the same end, or the
    /// same error code at the same byte) on records that walk the trie (nested nodes, escaped and
    /// duplicate keys, strings, numbers, literals and containers where fields are captured and
    /// where nothing is), and on every damaged copy of them: each byte replaced by each byte that
    /// matters to the scanner, each byte removed, each prefix.
    #[test]
    fn capture_fails_where_skip_value_did() {
        let records: &[&[u8]] = &[
            br#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"a","sessionContext":{"attributes":{"mfaAuthenticated":"false"},"sessionIssuer":{"userName":"r"}}},"eventTime":"2024-01-01T00:00:00Z","requestParameters":{"distributionConfigWithTags":{"distributionConfig":{"enabled":true,"origins":{"quantity":1,"items":[{"id":"o"}]},"logging":null}},"invalidationBatch":{"paths":{"items":["/*"]}},"n":-1.5e3},"responseElements":{"distribution":{"id":"E1","aRN":"x"}},"readOnly":false,"resources":[{"ARN":"r"}],"eventName":"X"}"#,
            b"{ \"userIdentity\" : { \"t\\u0079pe\" : \"IAMUser\" , \"type\":\"Root\" } ,\n\"userIdentity\":{\"arn\":\"b\"},\"requestParameters\":{\"a\":[1,{\"b\":[]},\"\\n\"],\"c\":{}},\"tlsDetails\":{}}",
        ];
        let bytes: &[u8] = b"{}[]\",:\\ \n-.0123456789etfnul/\x00\x1f";
        let mut checked = 0;
        let mut agree = |t: &[u8]| {
            if t.first() == Some(&b'{') {
                let mut fields = Fields::default();
                let want = skip_value_ref(t, 0, 0);
                assert_eq!(fields.capture_checked(t, 0), want, "{:?}", String::from_utf8_lossy(t));
                // The copy that keeps members (every node's, none skipped) validates the same.
                let mut fields = Fields::default();
                fields.keep_members(u32::MAX, 0);
                assert_eq!(fields.capture_checked(t, 0), want, "kept: {:?}", String::from_utf8_lossy(t));
                checked += 1;
            }
        };
        for rec in records {
            crate::json::tests::each_damaged(rec, bytes, &mut agree);
        }
        assert!(checked > 10_000, "{checked}");
        // And the fields of the valid ones.
        let fields = Fields::capture(records[0]);
        assert_eq!(fields.raw(F::ScMfaAuthenticated), Some(&b"\"false\""[..]));
        assert_eq!(fields.raw(F::DcEnabled), Some(&b"true"[..]));
        assert_eq!(fields.raw(F::ReqInvalidationPaths), Some(&br#"["/*"]"#[..]));
        assert_eq!(fields.raw(F::RespDistArn), Some(&b"\"x\""[..]));
        let fields = Fields::capture(records[1]);
        assert_eq!((fields.raw(F::UiType), fields.raw(F::UiArn)), (None, Some(&b"\"b\""[..])));
    }
}

#[cfg(test)]
mod path_tests {
    use super::{path, COUNT, F, TRIE};

    #[test]
    fn paths_come_from_the_trie() {
        crate::table_test!(
            path,
            [
                ("top level", F::EventName, "eventName"),
                ("nested", F::ScCreationDate, "userIdentity.sessionContext.attributes.creationDate"),
                ("two ways, the shorter", F::UiIdentityStoreArn, "userIdentity.identityStoreArn"),
                ("two ways, the shorter", F::ReqDistConfig, "requestParameters.distributionConfig"),
                ("several keys, the first", F::RespDistArn, "responseElements.distribution.aRN"),
                ("under a node without a field", F::RespInvPaths, "responseElements.invalidation.invalidationBatch.paths.items"),
            ]
        );
    }

    #[test]
    fn every_field_has_one_path() {
        let mut fields: alloc::vec::Vec<F> = TRIE.iter().filter_map(|e| e.2).collect();
        fields.sort_by_key(|f| *f as usize);
        fields.dedup();
        assert_eq!(fields.len(), COUNT, "a field the trie never captures");
        let mut paths: alloc::vec::Vec<&str> = fields.iter().map(|f| path(*f)).collect();
        assert!(paths.iter().all(|p| !p.is_empty()));
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), COUNT, "two fields at one path");
    }
}
