//! GeoIP, offline: `source.geo.*` and `source.as.*` looked up in MaxMind-format databases
//! (`.mmdb`: GeoLite2 / GeoIP2 City or Country, GeoLite2 ASN, DB-IP Lite) the user already has.
//! Nothing is downloaded and no database ships with the library.
//!
//! A database is read once into a [`GeoIp`] (the bytes stay in memory; the reader only checks the
//! metadata and the search tree's layout, so a 60 MB file costs one copy, not a parse per call)
//! and shared by every engine that uses it (`Options::geoip`). The JS shim cannot pass a Rust
//! value in the options text, so it loads the bytes once with [`load`] and names the handle in
//! the options (`"geoip": 1`); [`Options::from_json`](crate::Options::from_json) resolves it.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::IpAddr;

use maxminddb::{path, PathElement, Reader};

use crate::error::{Error, ErrorKind, Result};

/// One MaxMind-format database in memory. Cheap to clone (shared); two values are equal when
/// they are the same loaded database.
#[derive(Clone)]
pub struct GeoIp(Arc<Reader<Vec<u8>>>);

impl GeoIp {
    /// Reads a database from its bytes. Errors (kind `option`) say the `geoip` option's file is
    /// not a MaxMind DB, and why.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<GeoIp> {
        Reader::from_source(bytes)
            .map(|r| GeoIp(Arc::new(r)))
            .map_err(|e| Error::new(ErrorKind::Option, alloc::format!("geoip: not a MaxMind DB (.mmdb) database: {e}")))
    }

    /// The database's own type (`GeoLite2-City`, `GeoLite2-ASN`, `DBIP-City-Lite`...).
    pub fn database_type(&self) -> &str {
        &self.0.metadata().database_type
    }
}

impl PartialEq for GeoIp {
    fn eq(&self, other: &GeoIp) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for GeoIp {}

impl core::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "GeoIp({})", self.database_type())
    }
}

/// What the databases say about one address, in ECS's terms (the names Elastic's geoip
/// processor writes).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Geo {
    pub continent_code: Option<String>,
    pub continent_name: Option<String>,
    pub country_iso_code: Option<String>,
    pub country_name: Option<String>,
    /// ISO 3166-2 as Elastic writes it: the country code, `-`, the subdivision's code (`GB-ENG`).
    pub region_iso_code: Option<String>,
    /// The subdivision's own code (`ENG`): OCSF's `region`.
    pub subdivision_code: Option<String>,
    pub region_name: Option<String>,
    pub city_name: Option<String>,
    pub postal_code: Option<String>,
    pub timezone: Option<String>,
    /// (lat, lon), both finite and in range.
    pub location: Option<(f64, f64)>,
    pub as_number: Option<u32>,
    pub as_organization: Option<String>,
}

impl Geo {
    fn is_empty(&self) -> bool {
        *self == Geo::default()
    }
}

/// Looks `ip` up in every database, in order; a key the first database gives is kept (a City
/// and an ASN database complement each other). `None` when no database knows the address or
/// `ip` is not an address. Damage met in a database's data becomes a note in `errors`.
pub(crate) fn lookup(dbs: &[GeoIp], ip: &str, errors: &mut Vec<String>) -> Option<Box<Geo>> {
    let addr: IpAddr = ip.parse().ok()?;
    let mut geo = Geo::default();
    for db in dbs {
        if let Err(e) = fill(&db.0, addr, &mut geo) {
            errors.push(alloc::format!("geoip: {} ({}): {e}", ip, db.database_type()));
        }
    }
    (!geo.is_empty()).then(|| Box::new(geo))
}

fn fill(r: &Reader<Vec<u8>>, addr: IpAddr, g: &mut Geo) -> core::result::Result<(), maxminddb::MaxMindDbError> {
    // An IPv6 address in an IPv4-only database is no match, not damage.
    if addr.is_ipv6() && r.metadata().ip_version == 4 {
        return Ok(());
    }
    let found = r.lookup(addr)?;
    if !found.has_data() {
        return Ok(());
    }
    let text = |p: &[PathElement<'_>]| -> core::result::Result<Option<String>, maxminddb::MaxMindDbError> {
        Ok(found.decode_path::<String>(p)?.filter(|s| !s.is_empty()))
    };
    let set = |slot: &mut Option<String>, v: Option<String>| {
        if slot.is_none() {
            *slot = v;
        }
    };
    set(&mut g.continent_code, text(&path!["continent", "code"])?);
    set(&mut g.continent_name, text(&path!["continent", "names", "en"])?);
    let country = text(&path!["country", "iso_code"])?;
    set(&mut g.country_name, text(&path!["country", "names", "en"])?);
    let sub = text(&path!["subdivisions", 0, "iso_code"])?;
    if g.region_iso_code.is_none() {
        if let (Some(c), Some(s)) = (country.as_deref().or(g.country_iso_code.as_deref()), sub.as_deref()) {
            g.region_iso_code = Some(alloc::format!("{c}-{s}"));
        }
    }
    set(&mut g.country_iso_code, country);
    set(&mut g.subdivision_code, sub);
    set(&mut g.region_name, text(&path!["subdivisions", 0, "names", "en"])?);
    set(&mut g.city_name, text(&path!["city", "names", "en"])?);
    set(&mut g.postal_code, text(&path!["postal", "code"])?);
    set(&mut g.timezone, text(&path!["location", "time_zone"])?);
    if g.location.is_none() {
        let lat = found.decode_path::<f64>(&path!["location", "latitude"])?;
        let lon = found.decode_path::<f64>(&path!["location", "longitude"])?;
        if let (Some(lat), Some(lon)) = (lat, lon) {
            if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 {
                g.location = Some((lat, lon));
            }
        }
    }
    if g.as_number.is_none() {
        // uint32 in MaxMind's and DB-IP's ASN databases (the reader does not widen types).
        g.as_number = found.decode_path::<u32>(&path!["autonomous_system_number"])?;
    }
    set(&mut g.as_organization, text(&path!["autonomous_system_organization"])?);
    Ok(())
}

/// A number as JSON text (`51.5142`, `-0.0931`): finite values only reach here.
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(v.to_string().as_bytes());
}

std::thread_local! {
    /// Databases loaded by handle for the options text (the JS shim's way in); never reused.
    static LOADED: core::cell::RefCell<(u32, Vec<(u32, GeoIp)>)> = const { core::cell::RefCell::new((0, Vec::new())) };
}

/// Reads a database (see [`GeoIp::from_bytes`]) and keeps it under a new handle for the
/// options text's `"geoip"`.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn load(bytes: Vec<u8>) -> Result<u32> {
    let db = GeoIp::from_bytes(bytes)?;
    Ok(LOADED.with(|cell| {
        let mut l = cell.borrow_mut();
        l.0 += 1;
        let id = l.0;
        l.1.push((id, db));
        id
    }))
}

/// Forgets a handle (its memory goes once no engine's options hold it). Unknown handles are
/// ignored.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn unload(id: u32) {
    LOADED.with(|cell| cell.borrow_mut().1.retain(|(i, _)| *i != id));
}

/// The database loaded under `id`.
pub(crate) fn loaded(id: u32) -> Result<GeoIp> {
    LOADED.with(|cell| cell.borrow().1.iter().find(|(i, _)| *i == id).map(|(_, db)| db.clone())).ok_or_else(|| {
        Error::new(ErrorKind::Option, alloc::format!("geoip: no database is loaded as {id} (load the .mmdb file's bytes first)"))
    })
}

/// A MaxMind DB writer for tests: IPv6 trees (IPv4 networks under `::/96`), 32-bit records, the
/// data types GeoLite2 uses. Written from the format's specification
/// (maxmind.github.io/MaxMind-DB), so the reader meets databases it did not write itself.
#[cfg(test)]
pub(crate) mod writer {
    use alloc::string::String;
    use alloc::vec::Vec;

    /// A value of the format's data section.
    pub(crate) enum V {
        S(&'static str),
        F64(f64),
        U32(u32),
        Map(Vec<(&'static str, V)>),
        Arr(Vec<V>),
    }

    fn control(out: &mut Vec<u8>, ty: u8, size: usize) {
        let (bits, extra): (u8, Vec<u8>) = match size {
            0..=28 => (size as u8, Vec::new()),
            29..=284 => (29, alloc::vec![(size - 29) as u8]),
            _ => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        };
        if ty <= 7 {
            out.push(ty << 5 | bits);
        } else {
            out.push(bits);
            out.push(ty - 7);
        }
        out.extend_from_slice(&extra);
    }

    pub(crate) fn encode(out: &mut Vec<u8>, v: &V) {
        match v {
            V::S(s) => {
                control(out, 2, s.len());
                out.extend_from_slice(s.as_bytes());
            }
            V::F64(x) => {
                control(out, 3, 8);
                out.extend_from_slice(&x.to_be_bytes());
            }
            V::U32(n) => {
                let b = n.to_be_bytes();
                let skip = b.iter().take_while(|x| **x == 0).count();
                control(out, 6, 4 - skip);
                out.extend_from_slice(&b[skip..]);
            }
            V::Map(m) => {
                control(out, 7, m.len());
                for (k, x) in m {
                    encode(out, &V::S(k));
                    encode(out, x);
                }
            }
            V::Arr(a) => {
                control(out, 11, a.len());
                for x in a {
                    encode(out, x);
                }
            }
        }
    }

    #[derive(Clone, Copy)]
    enum Rec {
        Empty,
        Node(usize),
        Data(usize),
    }

    /// `networks`: (address text, prefix length, record). Returns the database's bytes.
    pub(crate) fn database(database_type: &str, networks: Vec<(&str, u8, V)>) -> Vec<u8> {
        let mut nodes: Vec<[Rec; 2]> = alloc::vec![[Rec::Empty; 2]];
        let mut data = Vec::new();
        for (addr, len, value) in networks {
            let (bits, len): (u128, u8) = match addr.parse::<core::net::IpAddr>().expect("an address") {
                core::net::IpAddr::V4(a) => (u128::from(u32::from(a)), len + 96),
                core::net::IpAddr::V6(a) => (u128::from(a), len),
            };
            let offset = data.len();
            encode(&mut data, &value);
            let mut node = 0;
            for depth in 0..len {
                let bit = ((bits >> (127 - depth)) & 1) as usize;
                if depth + 1 == len {
                    nodes[node][bit] = Rec::Data(offset);
                } else {
                    node = match nodes[node][bit] {
                        Rec::Node(n) => n,
                        _ => {
                            nodes.push([Rec::Empty; 2]);
                            let n = nodes.len() - 1;
                            nodes[node][bit] = Rec::Node(n);
                            n
                        }
                    };
                }
            }
        }
        let count = nodes.len();
        let mut out = Vec::new();
        for pair in &nodes {
            for r in pair {
                let v = match *r {
                    Rec::Empty => count,
                    Rec::Node(n) => n,
                    Rec::Data(o) => count + 16 + o,
                };
                out.extend_from_slice(&(v as u32).to_be_bytes());
            }
        }
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
        let u16v = |n: u16| {
            let mut b = Vec::new();
            control(&mut b, 5, 2);
            b.extend_from_slice(&n.to_be_bytes());
            b
        };
        let mut meta = Vec::new();
        control(&mut meta, 7, 9);
        let mut put = |k: &'static str, raw: Vec<u8>| {
            encode(&mut meta, &V::S(k));
            meta.extend_from_slice(&raw);
        };
        let enc = |v: V| {
            let mut b = Vec::new();
            encode(&mut b, &v);
            b
        };
        put("node_count", enc(V::U32(count as u32)));
        put("record_size", u16v(32));
        put("ip_version", u16v(6));
        put("database_type", enc(V::S(String::from(database_type).leak())));
        put("languages", enc(V::Arr(alloc::vec![V::S("en")])));
        put("binary_format_major_version", u16v(2));
        put("binary_format_minor_version", u16v(0));
        put("build_epoch", {
            let mut b = Vec::new();
            control(&mut b, 9, 4);
            b.extend_from_slice(&1_700_000_000u32.to_be_bytes());
            b
        });
        put("description", enc(V::Map(alloc::vec![("en", V::S("cloudfront-trail test database"))])));
        out.extend_from_slice(&meta);
        out
    }

    fn names(en: &'static str) -> V {
        V::Map(alloc::vec![("en", V::S(en)), ("de", V::S("(de)"))])
    }

    /// The City database the tests and the documented examples use (docs/SCHEMA.md, `geoip`).
    pub(crate) fn city() -> Vec<u8> {
        database(
            "Test-City",
            alloc::vec![
                ("81.2.69.0", 24, V::Map(alloc::vec![
                    ("city", V::Map(alloc::vec![("geoname_id", V::U32(2643743)), ("names", names("London"))])),
                    ("continent", V::Map(alloc::vec![("code", V::S("EU")), ("names", names("Europe"))])),
                    ("country", V::Map(alloc::vec![("iso_code", V::S("GB")), ("names", names("United Kingdom"))])),
                    ("location", V::Map(alloc::vec![("latitude", V::F64(51.5142)), ("longitude", V::F64(-0.0931)), ("time_zone", V::S("Europe/London"))])),
                    ("postal", V::Map(alloc::vec![("code", V::S("EC2V"))])),
                    ("subdivisions", V::Arr(alloc::vec![V::Map(alloc::vec![("iso_code", V::S("ENG")), ("names", names("England"))])])),
                ])),
                // A country-level answer only.
                ("192.0.2.0", 24, V::Map(alloc::vec![
                    ("continent", V::Map(alloc::vec![("code", V::S("NA")), ("names", names("North America"))])),
                    ("country", V::Map(alloc::vec![("iso_code", V::S("US")), ("names", names("United States"))])),
                ])),
                ("2001:db8:1::", 48, V::Map(alloc::vec![
                    ("city", V::Map(alloc::vec![("names", names("Tokyo"))])),
                    ("continent", V::Map(alloc::vec![("code", V::S("AS")), ("names", names("Asia"))])),
                    ("country", V::Map(alloc::vec![("iso_code", V::S("JP")), ("names", names("Japan"))])),
                    ("location", V::Map(alloc::vec![("latitude", V::F64(35.6893)), ("longitude", V::F64(139.6899)), ("time_zone", V::S("Asia/Tokyo"))])),
                    ("subdivisions", V::Arr(alloc::vec![V::Map(alloc::vec![("iso_code", V::S("13")), ("names", names("Tokyo"))])])),
                ])),
            ],
        )
    }

    /// The ASN database the tests use.
    pub(crate) fn asn() -> Vec<u8> {
        database(
            "Test-ASN",
            alloc::vec![
                ("81.2.69.0", 24, V::Map(alloc::vec![("autonomous_system_number", V::U32(20712)), ("autonomous_system_organization", V::S("Andrews & Arnold Ltd"))])),
                ("2001:db8:1::", 48, V::Map(alloc::vec![("autonomous_system_number", V::U32(64500)), ("autonomous_system_organization", V::S("Example Tokyo Net"))])),
            ],
        )
    }

    /// Both test databases, loaded.
    pub(crate) fn both() -> Vec<super::GeoIp> {
        alloc::vec![super::GeoIp::from_bytes(city()).expect("city"), super::GeoIp::from_bytes(asn()).expect("asn")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_in_a_city_and_an_asn_database() {
        let dbs = writer::both();
        let mut errors = Vec::new();
        let g = lookup(&dbs, "81.2.69.142", &mut errors).expect("a match");
        assert_eq!(g.country_iso_code.as_deref(), Some("GB"));
        assert_eq!(g.region_iso_code.as_deref(), Some("GB-ENG"));
        assert_eq!(g.subdivision_code.as_deref(), Some("ENG"));
        assert_eq!(g.region_name.as_deref(), Some("England"));
        assert_eq!(g.city_name.as_deref(), Some("London"));
        assert_eq!(g.location, Some((51.5142, -0.0931)));
        assert_eq!(g.as_number, Some(20712));
        assert_eq!(g.as_organization.as_deref(), Some("Andrews & Arnold Ltd"));
        let v6 = lookup(&dbs, "2001:db8:1::7", &mut errors).expect("a v6 match");
        assert_eq!((v6.city_name.as_deref(), v6.as_number), (Some("Tokyo"), Some(64500)));
        let country_only = lookup(&dbs, "192.0.2.1", &mut errors).expect("a country match");
        assert_eq!((country_only.country_iso_code.as_deref(), country_only.city_name.as_deref(), country_only.location), (Some("US"), None, None));
        for nothing in ["10.0.0.1", "2001:db8:2::1", "AWS Internal", "ec2.amazonaws.com", "", "81.2.69"] {
            assert_eq!(lookup(&dbs, nothing, &mut errors), None, "{nothing}");
        }
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn a_file_that_is_no_database_is_an_option_error() {
        for bytes in [Vec::new(), b"not a database".to_vec(), writer::city()[..200].to_vec()] {
            let e = GeoIp::from_bytes(bytes).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Option);
            assert!(e.to_string().starts_with("option: geoip: not a MaxMind DB (.mmdb) database"), "{e}");
        }
    }

    /// A damaged database (every byte in turn replaced) never panics: it is refused when read,
    /// or its lookups give what they can and notes in `errors`.
    #[test]
    fn damaged_databases_never_panic() {
        let good = writer::city();
        let mut noted = 0;
        for i in 0..good.len() {
            for b in [0x00, 0xff, good[i] ^ 0x20] {
                let mut bytes = good.clone();
                bytes[i] = b;
                if let Ok(db) = GeoIp::from_bytes(bytes) {
                    let mut errors = Vec::new();
                    for ip in ["81.2.69.142", "192.0.2.1", "2001:db8:1::7", "10.0.0.1"] {
                        let _ = lookup(core::slice::from_ref(&db), ip, &mut errors);
                    }
                    noted += usize::from(!errors.is_empty());
                    assert!(errors.iter().all(|e| e.starts_with("geoip: ")), "{errors:?}");
                }
            }
        }
        assert!(noted > 0, "some damage is only found by a lookup, and noted");
    }

    #[test]
    fn handles_load_resolve_and_unload() {
        let id = load(writer::city()).unwrap();
        assert_eq!(loaded(id).unwrap().database_type(), "Test-City");
        assert_ne!(load(writer::asn()).unwrap(), id);
        unload(id);
        assert!(loaded(id).unwrap_err().to_string().contains("no database is loaded as"));
        assert_eq!(load(b"x".to_vec()).unwrap_err().kind(), ErrorKind::Option);
    }

    fn doc(ip: &str, profile: crate::Profile) -> serde_json::Value {
        let rec = alloc::format!(r#"{{"eventVersion":"1.08","eventTime":"2024-03-01T10:00:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"GetDistribution2020_05_31","sourceIPAddress":"{ip}"}}"#);
        let opts = crate::Options { profile, geoip: writer::both(), ..crate::Options::default() };
        serde_json::from_str(&crate::transform(rec.as_bytes(), &opts).unwrap()).unwrap()
    }

    /// The same lookup in the three profiles: flat keys, ECS `source.geo`/`source.as`, OCSF
    /// `src_endpoint.location`; nothing for an address no database knows, a service, or text
    /// that is no address.
    #[test]
    fn every_profile_writes_the_lookup() {
        use crate::Profile::{Ecs, Flat, Ocsf};
        let flat = doc("81.2.69.142", Flat);
        for (k, v) in [
            ("source.geo.continent_code", "\"EU\""),
            ("source.geo.continent_name", "\"Europe\""),
            ("source.geo.country_iso_code", "\"GB\""),
            ("source.geo.country_name", "\"United Kingdom\""),
            ("source.geo.region_iso_code", "\"GB-ENG\""),
            ("source.geo.region_name", "\"England\""),
            ("source.geo.city_name", "\"London\""),
            ("source.geo.postal_code", "\"EC2V\""),
            ("source.geo.timezone", "\"Europe/London\""),
            ("source.geo.location.lat", "51.5142"),
            ("source.geo.location.lon", "-0.0931"),
            ("source.as.number", "20712"),
            ("source.as.organization.name", "\"Andrews & Arnold Ltd\""),
        ] {
            assert_eq!(flat.get(k).map(|x| x.to_string()).as_deref(), Some(v), "{k}");
        }
        let ecs = doc("81.2.69.142", Ecs);
        assert_eq!(ecs["source"]["geo"]["location"], serde_json::json!({"lat": 51.5142, "lon": -0.0931}));
        assert_eq!(ecs["source"]["geo"]["region_iso_code"], "GB-ENG");
        assert_eq!(ecs["source"]["as"], serde_json::json!({"number": 20712, "organization": {"name": "Andrews & Arnold Ltd"}}));
        let ocsf = doc("81.2.69.142", Ocsf);
        assert_eq!(
            ocsf["src_endpoint"],
            serde_json::json!({"ip": "81.2.69.142", "location": {"city": "London", "continent": "Europe", "coordinates": [-0.0931, 51.5142], "country": "GB", "postal_code": "EC2V", "region": "ENG"}})
        );
        let v6 = doc("2001:db8:1::7", Ocsf);
        assert_eq!(v6["src_endpoint"]["location"]["region"], "13");
        assert_eq!(doc("2001:db8:1::7", Ecs)["source"]["as"]["number"], 64500);
        for none in ["10.1.2.3", "ec2.amazonaws.com", "AWS Internal", "81.2.69.1420", "x81.2.69.142", "2001:db8:1::7%eth0"] {
            let flat = doc(none, Flat);
            assert!(flat.as_object().unwrap().keys().all(|k| !k.starts_with("source.geo") && !k.starts_with("source.as")), "{none}: {flat}");
            assert!(doc(none, Ecs)["source"].get("geo").is_none() && doc(none, Ecs)["source"].get("as").is_none(), "{none}");
            assert!(doc(none, Ocsf)["src_endpoint"].get("location").is_none(), "{none}");
        }
    }
}
