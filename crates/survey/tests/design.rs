//! Design files: TOML in, the same design as the builder out; bad files name the problem.

use hri_survey::design::{Design, LonelyPsu, ReplicateColumns, ReplicateKind};

#[test]
fn design_file_equals_builder() {
    let d = Design::from_toml_str(
        r#"
weight = "fac"
strata = "ent"
psu = ["upm", "viv"]
fpc = ["n_upm", "n_viv"]
nest = true
lonely_psu = "average"
"#,
    )
    .unwrap();
    let b = Design::builder("fac")
        .strata("ent")
        .stages(["upm", "viv"])
        .fpc(["n_upm", "n_viv"])
        .nest(true)
        .lonely_psu(LonelyPsu::Average)
        .build()
        .unwrap();
    assert_eq!(d, b);
}

#[test]
fn replicate_design_file() {
    let d = Design::from_toml_str(
        r#"
weight = "w"
[replicate]
type = "fay"
prefix = "repw"
fay_rho = 0.5
mse = true
"#,
    )
    .unwrap();
    let r = d.replicates().unwrap();
    assert_eq!(r.kind, ReplicateKind::Fay { rho: 0.5 });
    assert_eq!(r.columns, ReplicateColumns::Prefix("repw".into()));
    assert!(r.mse);
    assert_eq!(r.kind.default_scale(8), Some(1.0 / (8.0 * 0.25)));
}

#[test]
fn bad_design_files_name_the_problem() {
    let e = Design::from_toml_str("weight = \"w\"\nlonely_psu = \"sometimes\"").unwrap_err();
    assert!(e.to_string().contains("sometimes"), "{e}");
    let e = Design::from_toml_str("weight = \"w\"\nstrta = \"s\"").unwrap_err();
    assert!(e.to_string().contains("strta"), "{e}");
    let e = Design::from_toml_str("weight = \"w\"\n[replicate]\ntype = \"fay\"\nprefix = \"r\"")
        .unwrap_err();
    assert!(e.to_string().contains("rho"), "{e}");
    let e = Design::from_toml_str("weight = \"w\"\n[replicate]\ntype = \"brr\"").unwrap_err();
    assert!(e.to_string().contains("prefix"), "{e}");
    let e =
        Design::from_toml_str("weight = \"w\"\npsu = [\"a\"]\nfpc = [\"f1\", \"f2\"]").unwrap_err();
    assert!(e.to_string().contains("fpc"), "{e}");
    let e = Design::from_path(std::path::Path::new("/no/such/design.toml")).unwrap_err();
    assert!(e.to_string().contains("/no/such/design.toml"), "{e}");
}
