//! The template compiler's tests.

use super::*;

#[test]
fn embedded_templates_compile() {
    let all = Templates::embedded();
    assert_eq!(all.0.len(), 6);
    for (kind, t) in &all.0 {
        assert!(t.elements.iter().any(|e| matches!(e, Element::Qr { .. })), "{kind}");
        assert_eq!(&t.kind, kind);
    }
    let fc = all.get("family_card").unwrap();
    assert!(fc.width_mm > fc.height_mm, "the family card is landscape");
    assert!(fc.table().is_some());
}

#[test]
fn unknown_field_is_refused_with_its_line() {
    let (_, birth) = EMBEDDED[0];
    let bad = birth.replacen("{child_name", "{chld_name", 1);
    let e = Template::parse(&bad, Path::new("b.toml"), "birth").unwrap_err().to_string();
    assert!(e.contains("b.toml") && e.contains("line ") && e.contains("chld_name"), "{e}");
    let bad = birth.replacen("type = \"qr\"", "type = \"qrr\"", 1);
    let e = Template::parse(&bad, Path::new("b.toml"), "birth").unwrap_err().to_string();
    assert!(e.contains("line "), "{e}");
    let bad = birth.replacen("nik = \"{child_nik}\"", "nik = \"{chld_nik}\"", 1);
    let e = Template::parse(&bad, Path::new("b.toml"), "birth").unwrap_err().to_string();
    assert!(e.contains("record.nik") && e.contains("chld_nik") && e.contains("line "), "{e}");
}

#[test]
fn kind_from_header() {
    let all = Templates::embedded();
    for (kind, t) in &all.0 {
        let header: Vec<String> = t.schema.names().map(str::to_string).collect();
        assert_eq!(&all.kind_of_header(&header).unwrap().kind, kind);
    }
    let e = all.kind_of_header(&["application_id".into(), "child_name".into()]).unwrap_err();
    assert!(e.0.contains("missing required"), "{e}");
}

#[test]
fn formats() {
    let f = |fmt: Format, v: &str| {
        let mut s = String::new();
        fmt.apply(v, &mut s);
        s
    };
    assert_eq!(f(Format::DateWords, "2021-06-23"), "dua puluh tiga Juni dua ribu dua puluh satu");
    assert_eq!(f(Format::Ordinal, "1"), "PERTAMA");
    assert_eq!(f(Format::Ordinal, "3"), "KETIGA");
    assert_eq!(f(Format::Sex, "P"), "PEREMPUAN");
    assert_eq!(f(Format::Upper, "Łucja Søren Müller"), "ŁUCJA SØREN MÜLLER");
    let fields = vec!["x".to_string()];
    assert_eq!(
        compile_text("a {x|upper} b", &fields).unwrap(),
        Text(vec![Part::Lit("a ".into()), Part::Field { index: 0, format: Format::Upper }, Part::Lit(" b".into())])
    );
}

#[test]
fn a_signed_value_printed_in_a_form_that_cannot_be_compared_is_refused() {
    let (_, birth) = EMBEDDED[0];
    let refused = |text: &str, kind: &str, path: &str| Template::parse(text, Path::new(path), kind).unwrap_err().to_string();
    // The name is signed upper-cased: printed as typed, it cannot be compared.
    let e = refused(&birth.replacen("text = \": {child_name|upper}\"", "text = \": {child_name}\"", 1), "birth", "b.toml");
    assert!(e.contains("b.toml") && e.contains("line ") && e.contains("{child_name}") && e.contains("upper-case"), "{e}");
    // A signed value glued to an unsigned one.
    let e = refused(&birth.replacen("text = \": {birth_order|ordinal}, {sex|sex}\"", "text = \": {father_name}{sex|sex}\"", 1), "birth", "b.toml");
    assert!(e.contains("right next to the unsigned `{father_name}`"), "{e}");
    // A record text that cannot be split back into the fields the page prints.
    let (_, card) = EMBEDDED[2];
    let e = refused(&card.replacen("text = \"{village_code} RT {rt} RW {rw}\"", "text = \"{village_code}{rt} RW {rw}\"", 1), "family_card", "kk.toml");
    assert!(e.contains("kk.toml") && e.contains("cannot be read back") && e.contains("no text between"), "{e}");
    // Every embedded template prints only what it can compare.
    for (kind, text) in EMBEDDED {
        assert!(Template::parse(text, Path::new("t.toml"), kind.name()).is_ok(), "{}", kind.name());
    }
}

#[test]
fn record_texts_split_back_into_their_fields() {
    let t = Template::embedded("family_card").unwrap();
    let (_, text, _) = t.record.extra.iter().find(|(k, _, _)| *k == 11).unwrap();
    assert_eq!(signed::split(text, "3506012001 RT 5 RW 13"), Some(vec!["3506012001".to_string(), "5".into(), "13".into()]));
    assert_eq!(signed::split(text, "3506012001 RT 5"), None);
    // The village code fixes its areas' names; RT and RW are signed.
    let at = |f: &str| t.signed[t.field(f).unwrap()];
    assert!(matches!(at("village_code.village"), Some(signed::Fixed::Area { part: signed::AreaPart::Village, .. })));
    assert!(matches!(at("rt"), Some(signed::Fixed::Record { part: 1, upper: false, .. })));
    assert_eq!(at("address"), None);
    let ktp = Template::embedded("ktp").unwrap();
    assert!(matches!(ktp.signed[ktp.field("name").unwrap()], Some(signed::Fixed::Record { upper: true, .. })));
    assert!(matches!(ktp.signed[ktp.field("sex").unwrap()], Some(signed::Fixed::Record { upper: false, .. })));
}
