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
