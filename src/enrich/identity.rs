//! `user.name`, `user.id`, `cloudtrail.role.name`, `cloudtrail.identity.type`: the meaningful
//! principal behind the call, for every userIdentity type CloudTrail writes.

use alloc::borrow::Cow;
use alloc::string::String;

use super::{Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

pub(crate) static IDENTITY: Enricher = Enricher {
    name: "identity",
    summary: "Who made the call, for every userIdentity type (and a best inference when the type is missing).",
    reads: &[F::UserIdentity, F::UiType, F::UiPrincipalId, F::UiArn, F::UiUserName, F::UiInvokedBy, F::UiOnBehalfOfUserId, F::AedUserName, F::ScIssuerUserName, F::ScIssuerArn],
    uses: &[],
    writes: &[
        Key {
            name: "user.name",
            meaning: "IAMUser/SAMLUser/WebIdentityUser: userName; AssumedRole: role session name (after the last `/` of the arn); FederatedUser: federated user name; Root: `root`; AWSService: invokedBy; IdentityCenterUser: additionalEventData.UserName, else userName, else onBehalfOf.userId",
        },
        Key {
            name: "user.email",
            meaning: "user.name, userIdentity.userName or the Identity Center user name when it is an e-mail address (`alice@example.com`; an SSO session name often is)",
        },
        Key { name: "user.id", meaning: "principalId (IdentityCenterUser: onBehalfOf.userId)" },
        Key { name: "cloudtrail.role.name", meaning: "AssumedRole: sessionIssuer.userName, else the role name from the arn" },
        Key {
            name: "cloudtrail.identity.type",
            meaning: "userIdentity.type; when missing, inferred from the arn (`:root`, `:user/`, `:assumed-role/`, `:federated-user/`) or invokedBy (AWSService)",
        },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "an assumed role: the session name is the user",
            record: r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::111122223333:assumed-role/Deployer/alice","sessionContext":{"sessionIssuer":{"type":"Role","userName":"Deployer"}}}}"#,
            expect: &[
                ("user.name", r#""alice""#),
                ("user.id", r#""AROAEXAMPLE:alice""#),
                ("cloudtrail.role.name", r#""Deployer""#),
                ("cloudtrail.identity.type", r#""AssumedRole""#),
            ],
        },
        Example {
            title: "an Identity Center user: the name people know, and the e-mail it is",
            record: r#"{"eventVersion":"1.09","userIdentity":{"type":"IdentityCenterUser","accountId":"111122223333","onBehalfOf":{"userId":"906744a8-1011-70f6-c9b5-6b2f8example","identityStoreArn":"arn:aws:identitystore::111122223333:identitystore/d-9067example"},"credentialId":"EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE"},"additionalEventData":{"UserName":"alice@example.com"}}"#,
            expect: &[
                ("user.name", r#""alice@example.com""#),
                ("user.email", r#""alice@example.com""#),
                ("user.id", r#""906744a8-1011-70f6-c9b5-6b2f8example""#),
            ],
        },
        Example {
            title: "a service acting on its own",
            record: r#"{"eventVersion":"1.08","userIdentity":{"type":"AWSService","invokedBy":"cloudformation.amazonaws.com"}}"#,
            expect: &[("user.name", r#""cloudformation.amazonaws.com""#), ("cloudtrail.identity.type", r#""AWSService""#)],
        },
        Example {
            title: "a service event without a type: inferred from invokedBy",
            record: r#"{"eventVersion":"1.08","userIdentity":{"accountId":"111122223333","invokedBy":"ec2.amazonaws.com"},"eventType":"AwsServiceEvent"}"#,
            expect: &[("user.name", r#""ec2.amazonaws.com""#), ("cloudtrail.identity.type", r#""AWSService""#)],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    if !fields.has(F::UserIdentity) {
        return;
    }
    let arn = fields.text(F::UiArn);
    let ty = fields.text(F::UiType).or_else(|| infer_type(arn.as_deref(), fields.has(F::UiInvokedBy)).map(Cow::Borrowed));
    let principal = fields.text(F::UiPrincipalId);
    let user_name = fields.text(F::UiUserName);
    let (name, id, role) = match ty.as_deref() {
        Some("Root") => (user_name.or(Some(Cow::Borrowed("root"))), principal, None),
        Some("IAMUser") => (user_name.or_else(|| arn.as_deref().and_then(|a| after(a, ":user/")).map(|u| owned(last_segment(u)))), principal, None),
        Some("AssumedRole") => {
            let session = arn.as_deref().and_then(|a| after(a, ":assumed-role/")).and_then(|r| r.rsplit_once('/')).map(|(_, s)| owned(s));
            let role = fields
                .text(F::ScIssuerUserName)
                .or_else(|| arn.as_deref().and_then(|a| after(a, ":assumed-role/")).and_then(|r| r.rsplit_once('/')).map(|(r, _)| owned(last_segment(r))))
                .or_else(|| fields.text(F::ScIssuerArn).as_deref().and_then(|a| after(a, ":role/")).map(|r| owned(last_segment(r))));
            // No arn (some service-linked records): the part after ':' of the principalId.
            let session = session.or_else(|| principal.as_deref().and_then(|p| p.split_once(':')).map(|(_, s)| owned(s)).filter(|s| !s.is_empty()));
            (session.or(user_name), principal, role)
        }
        Some("FederatedUser") => {
            let fed = arn.as_deref().and_then(|a| after(a, ":federated-user/")).map(owned);
            let fed = fed.or_else(|| principal.as_deref().and_then(|p| p.split_once(':')).map(|(_, s)| owned(s)));
            (fed.or(user_name), principal, None)
        }
        Some("AWSService") => (fields.text(F::UiInvokedBy).or(user_name), principal, None),
        Some("IdentityCenterUser") => {
            // onBehalfOf.userId is an opaque id; the sign-in name is in additionalEventData.
            let uid = fields.text(F::UiOnBehalfOfUserId);
            (fields.text(F::AedUserName).or(user_name).or_else(|| uid.clone()), uid.or(principal), None)
        }
        Some("SAMLUser") | Some("WebIdentityUser") => {
            let n = user_name.or_else(|| principal.as_deref().and_then(|p| p.rsplit_once(':')).map(|(_, s)| owned(s)));
            (n, principal, None)
        }
        // AWSAccount, Unknown and future types: what the record names, nothing guessed.
        _ => (user_name.or_else(|| fields.text(F::UiInvokedBy)), principal, None),
    };
    facts.user_email = [name.as_ref(), fields.text(F::UiUserName).as_ref()].into_iter().flatten().find(|n| is_email(n)).cloned();
    facts.user_name = name;
    facts.user_id = id;
    facts.role_name = role;
    facts.identity_type = ty;
}

/// `local@domain.tld`: one `@`, both sides non-empty, a dot inside the domain, nothing that
/// cannot be in an address (spaces, `/`, `:`). Not a full RFC 5322 check: enough to tell an
/// address from a role session name or an id.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    let ok = |c: char| !c.is_whitespace() && !c.is_control() && !matches!(c, '@' | '/' | ':' | '\\' | ',' | ';' | '<' | '>' | '"');
    !local.is_empty()
        && s.len() <= 254
        && local.chars().all(ok)
        && domain.chars().all(ok)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|l| !l.is_empty())
}

fn owned<'a>(s: &str) -> Cow<'a, str> {
    Cow::Owned(String::from(s))
}

/// The text after `marker` (a few bytes) when it is non-empty. A byte search: `str::split_once`
/// with a string pattern builds a two-way searcher each call (~1,100 instructions, callgrind).
fn after<'s>(s: &'s str, marker: &str) -> Option<&'s str> {
    let m = marker.as_bytes();
    let at = s.as_bytes().windows(m.len()).position(|w| w[0] == m[0] && w == m)?;
    s.get(at + m.len()..).filter(|r| !r.is_empty())
}

/// IAM names may carry a path (`role/path/to/Name`): the name is the last segment.
fn last_segment(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The identity type when userIdentity has no `type`.
fn infer_type(arn: Option<&str>, invoked_by: bool) -> Option<&'static str> {
    if let Some(arn) = arn {
        const BY_ARN: &[(&str, &str)] =
            &[(":assumed-role/", "AssumedRole"), (":federated-user/", "FederatedUser"), (":user/", "IAMUser")];
        if arn.ends_with(":root") {
            return Some("Root");
        }
        if let Some((_, t)) = BY_ARN.iter().find(|(m, _)| arn.contains(m)) {
            return Some(t);
        }
    }
    invoked_by.then_some("AWSService")
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    type Who = (Option<String>, Option<String>, Option<String>, Option<String>);

    fn who(rec: &str) -> Who {
        let fields = Fields::capture(rec.as_bytes());
        let mut facts = Facts::default();
        run(&fields, &mut facts);
        let s = |c: Option<Cow<'_, str>>| c.map(|c| c.to_string());
        (s(facts.user_name), s(facts.user_id), s(facts.role_name), s(facts.identity_type))
    }

    fn w(n: Option<&str>, i: Option<&str>, r: Option<&str>, t: Option<&str>) -> Who {
        (n.map(Into::into), i.map(Into::into), r.map(Into::into), t.map(Into::into))
    }

    #[test]
    fn email_table() {
        crate::table_test!(is_email, [
            ("plain", "alice@example.com", true),
            ("subdomain and plus", "a.b+ops@mail.example.co.uk", true),
            ("no at", "alice", false),
            ("no dot", "alice@localhost", false),
            ("two ats", "a@b@example.com", false),
            ("empty local", "@example.com", false),
            ("empty label", "a@example..com", false),
            ("space", "al ice@example.com", false),
            ("arn", "arn:aws:iam::1:user/a@example.com", false),
        ]);
    }

    fn email(rec: &str) -> Option<String> {
        let fields = Fields::capture(rec.as_bytes());
        let mut facts = Facts::default();
        run(&fields, &mut facts);
        facts.user_email.map(|c| c.to_string())
    }

    #[test]
    fn user_email_table() {
        crate::table_test!(email, [
            ("sso session name", r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_0123/ops@example.com"}}"#, Some(String::from("ops@example.com"))),
            ("unknown type with an address as userName", r#"{"userIdentity":{"type":"Unknown","userName":"johndoe@example.com"}}"#, Some(String::from("johndoe@example.com"))),
            ("identity center name", r#"{"userIdentity":{"type":"IdentityCenterUser","onBehalfOf":{"userId":"u-1"}},"additionalEventData":{"UserName":"jo@example.com"}}"#, Some(String::from("jo@example.com"))),
            ("plain user name", r#"{"userIdentity":{"type":"IAMUser","userName":"bob"}}"#, None::<String>),
        ]);
    }

    #[test]
    fn identity_table() {
        crate::table_test!(who, [
            ("root", r#"{"userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root"}}"#,
                w(Some("root"), Some("111122223333"), None, Some("Root"))),
            ("iam user", r#"{"userIdentity":{"type":"IAMUser","principalId":"AIDAEX","userName":"smithj"}}"#,
                w(Some("smithj"), Some("AIDAEX"), None, Some("IAMUser"))),
            ("iam user name from arn", r#"{"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/ops/bob"}}"#,
                w(Some("bob"), None, None, Some("IAMUser"))),
            ("assumed role with path in issuer arn", r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/s","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/p/R"}}}}"#,
                w(Some("s"), None, Some("R"), Some("AssumedRole"))),
            ("assumed role session with slash-free arn", r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/OnlyRole"}}"#,
                w(None, None, None, Some("AssumedRole"))),
            ("assumed role without arn", r#"{"userIdentity":{"type":"AssumedRole","principalId":"AROA:sess"}}"#,
                w(Some("sess"), Some("AROA:sess"), None, Some("AssumedRole"))),
            ("federated", r#"{"userIdentity":{"type":"FederatedUser","principalId":"1:bob","arn":"arn:aws:sts::1:federated-user/bob"}}"#,
                w(Some("bob"), Some("1:bob"), None, Some("FederatedUser"))),
            ("aws service", r#"{"userIdentity":{"type":"AWSService","invokedBy":"cloudformation.amazonaws.com"}}"#,
                w(Some("cloudformation.amazonaws.com"), None, None, Some("AWSService"))),
            ("aws account", r#"{"userIdentity":{"type":"AWSAccount","principalId":"AIDAX","accountId":"444455556666"}}"#,
                w(None, Some("AIDAX"), None, Some("AWSAccount"))),
            ("saml", r#"{"userIdentity":{"type":"SAMLUser","principalId":"SAMLIdP:jane","userName":"jane"}}"#,
                w(Some("jane"), Some("SAMLIdP:jane"), None, Some("SAMLUser"))),
            ("web identity from principal", r#"{"userIdentity":{"type":"WebIdentityUser","principalId":"accounts.google.com:1234"}}"#,
                w(Some("1234"), Some("accounts.google.com:1234"), None, Some("WebIdentityUser"))),
            ("identity center", r#"{"userIdentity":{"type":"IdentityCenterUser","arn":"","onBehalfOf":{"userId":"u-1"}}}"#,
                w(Some("u-1"), Some("u-1"), None, Some("IdentityCenterUser"))),
            ("identity center with its user name", r#"{"userIdentity":{"type":"IdentityCenterUser","onBehalfOf":{"userId":"u-1"}},"additionalEventData":{"UserName":"jdoe"}}"#,
                w(Some("jdoe"), Some("u-1"), None, Some("IdentityCenterUser"))),
            ("unknown", r#"{"userIdentity":{"type":"Unknown","principalId":"x","userName":"y"}}"#,
                w(Some("y"), Some("x"), None, Some("Unknown"))),
            ("missing type, root arn", r#"{"userIdentity":{"arn":"arn:aws:iam::1:root"}}"#,
                w(Some("root"), None, None, Some("Root"))),
            ("missing type, invokedBy", r#"{"userIdentity":{"invokedBy":"ec2.amazonaws.com"}}"#,
                w(Some("ec2.amazonaws.com"), None, None, Some("AWSService"))),
            ("missing type, nothing to go on", r#"{"userIdentity":{"accountId":"1"}}"#, w(None, None, None, None)),
            ("no userIdentity", r#"{"eventName":"x"}"#, w(None, None, None, None)),
            ("identity not an object", r#"{"userIdentity":"weird"}"#, w(None, None, None, None)),
        ]);
    }
}
