//! `cloudtrail.insight.*`: what a CloudTrail Insights event is about. An Insights event is not
//! an API call: it reports an unusual rate of calls (or of errors) to one API, named in
//! `insightDetails`. Its keys stay apart from `event.action`/`event.provider`, so counting and
//! classifying calls never mistakes an insight about `AttachUserPolicy` for the call itself.

use super::{Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

pub(crate) static INSIGHT: Enricher = Enricher {
    name: "insight",
    summary: "For CloudTrail Insights events: the API whose call rate or error rate was unusual, the insight type and whether it starts or ends.",
    reads: &[F::InsightEventName, F::InsightEventSource, F::InsightType, F::InsightState],
    uses: &[],
    writes: &[
        Key { name: "cloudtrail.insight.event_name", meaning: "insightDetails.eventName without its API-version suffix: the API the insight is about" },
        Key { name: "cloudtrail.insight.event_source", meaning: "insightDetails.eventSource: the service of that API" },
        Key { name: "cloudtrail.insight.type", meaning: "insightDetails.insightType: `ApiCallRateInsight` or `ApiErrorRateInsight`" },
        Key { name: "cloudtrail.insight.state", meaning: "insightDetails.state: `Start` or `End` of the unusual activity" },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "the start of an unusual call rate",
            record: r#"{"eventVersion":"1.07","eventType":"AwsCloudTrailInsight","eventCategory":"Insight","insightDetails":{"state":"Start","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy","insightType":"ApiCallRateInsight"}}"#,
            expect: &[
                ("cloudtrail.insight.event_name", r#""AttachUserPolicy""#),
                ("cloudtrail.insight.event_source", r#""iam.amazonaws.com""#),
                ("cloudtrail.insight.type", r#""ApiCallRateInsight""#),
                ("cloudtrail.insight.state", r#""Start""#),
                ("event.action", "null"),
            ],
        },
        Example {
            title: "an ordinary call has no insight keys",
            record: r#"{"eventName":"GetDistribution","eventSource":"cloudfront.amazonaws.com"}"#,
            expect: &[("cloudtrail.insight.event_name", "null"), ("cloudtrail.insight.type", "null")],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    facts.insight_event_name = fields.text(F::InsightEventName).map(|n| match super::action::split_suffix(&n) {
        Some((base, _)) => alloc::borrow::Cow::Owned(alloc::string::String::from(&n[..base])),
        None => n,
    });
    facts.insight_event_source = fields.text(F::InsightEventSource);
    facts.insight_type = fields.text(F::InsightType);
    facts.insight_state = fields.text(F::InsightState);
}

#[cfg(test)]
mod tests {
    use crate::fields::Fields;

    fn facts_of(rec: &str) -> (Option<String>, Option<String>) {
        let fields = Fields::capture(rec.as_bytes());
        let mut facts = super::Facts::default();
        super::run(&fields, &mut facts);
        (facts.insight_event_name.map(|s| s.into_owned()), facts.insight_state.map(|s| s.into_owned()))
    }

    #[test]
    fn insight_table() {
        crate::table_test!(facts_of, [
            ("call rate", r#"{"insightDetails":{"state":"End","eventName":"PutObject"}}"#, (Some("PutObject".to_string()), Some("End".to_string()))),
            ("suffix stripped", r#"{"insightDetails":{"eventName":"UpdateDistribution2020_05_31"}}"#, (Some("UpdateDistribution".to_string()), None::<String>)),
            ("not an insight", r#"{"eventName":"GetDistribution"}"#, (None::<String>, None::<String>)),
            ("details not an object", r#"{"insightDetails":"x"}"#, (None::<String>, None::<String>)),
        ]);
    }
}
