//! `source.geo.*`, `source.as.*`: where `source.ip` is, from the MaxMind-format databases of the
//! `geoip` option (src/geoip.rs). Runs only with that option, after `source`: only a real IP
//! address is looked up, so service names (`ec2.amazonaws.com`), `AWS Internal` and malformed
//! addresses get no geo keys, and neither does an address no database knows.

use super::{Enricher, Example, Facts, Key};
use crate::fields::Fields;
use crate::GeoIp;

#[cfg_attr(not(test), allow(dead_code))]
pub(crate) static GEOIP: Enricher = Enricher {
    name: "geoip",
    summary: "Only with the `geoip` option (one or more `.mmdb` files: GeoLite2 / GeoIP2 City or Country, GeoLite2 ASN, DB-IP Lite): `source.ip` looked up offline, with the names Elastic's geoip processor writes. Each key comes from the first database that has it; a record whose address no database knows gets none. The examples use the test databases of src/geoip.rs (81.2.69.0/24: London; 192.0.2.0/24: United States only).",
    reads: &[crate::fields::F::SourceIp],
    uses: &["source.ip"],
    writes: &[
        Key { name: "source.geo.continent_code", meaning: "continent code (`EU`)" },
        Key { name: "source.geo.continent_name", meaning: "continent name in English (`Europe`)" },
        Key { name: "source.geo.country_iso_code", meaning: "ISO 3166-1 alpha-2 country code (`GB`)" },
        Key { name: "source.geo.country_name", meaning: "country name in English" },
        Key { name: "source.geo.region_iso_code", meaning: "ISO 3166-2 code of the first subdivision, country code first (`GB-ENG`)" },
        Key { name: "source.geo.region_name", meaning: "first subdivision's name in English (`England`)" },
        Key { name: "source.geo.city_name", meaning: "city name in English" },
        Key { name: "source.geo.postal_code", meaning: "postal code" },
        Key { name: "source.geo.timezone", meaning: "IANA time zone (`Europe/London`)" },
        Key { name: "source.geo.location.lat", meaning: "latitude (a number); written with `lon` or not at all" },
        Key { name: "source.geo.location.lon", meaning: "longitude (a number)" },
        Key { name: "source.as.number", meaning: "autonomous system number (a number), from an ASN database" },
        Key { name: "source.as.organization.name", meaning: "the autonomous system's organization, from an ASN database" },
    ],
    failures: &["a database whose data is damaged where the address leads: `enrich.errors` gets `geoip: <address> (<database type>): <why>`, the keys read before stay"],
    examples: &[
        Example {
            title: "an address the City and ASN databases know",
            record: r#"{"eventVersion":"1.08","sourceIPAddress":"81.2.69.142"}"#,
            expect: &[
                ("source.geo.country_iso_code", r#""GB""#),
                ("source.geo.region_iso_code", r#""GB-ENG""#),
                ("source.geo.city_name", r#""London""#),
                ("source.geo.location.lat", "51.5142"),
                ("source.geo.location.lon", "-0.0931"),
                ("source.as.number", "20712"),
                ("source.as.organization.name", r#""Andrews & Arnold Ltd""#),
            ],
        },
        Example {
            title: "a country-level answer has no city or location",
            record: r#"{"eventVersion":"1.08","sourceIPAddress":"192.0.2.10"}"#,
            expect: &[("source.geo.country_iso_code", r#""US""#), ("source.geo.city_name", "null"), ("source.geo.location.lat", "null"), ("source.as.number", "null")],
        },
        Example {
            title: "an address no database knows",
            record: r#"{"eventVersion":"1.08","sourceIPAddress":"10.1.2.3"}"#,
            expect: &[("source.ip", r#""10.1.2.3""#), ("source.geo.country_iso_code", "null")],
        },
        Example {
            title: "a service is not looked up",
            record: r#"{"eventVersion":"1.08","sourceIPAddress":"cloudformation.amazonaws.com"}"#,
            expect: &[("source.geo.country_iso_code", "null"), ("source.as.number", "null")],
        },
    ],
    // The work needs the option's databases, which enrichers do not see: `run_with` below.
    run: |_, _| {},
};

/// Looks `facts.source_ip` up in `dbs`.
pub(crate) fn run_with(dbs: &[GeoIp], _fields: &Fields<'_>, facts: &mut Facts<'_>) {
    if dbs.is_empty() {
        return;
    }
    if let Some(ip) = facts.source_ip.as_deref() {
        facts.geo = crate::geoip::lookup(dbs, ip, &mut facts.errors);
    }
}
