//! The manifest reader and the scanner never panic, whatever the bytes, and every position
//! they report lies inside the file.
#![cfg(feature = "yaml")]

use proptest::prelude::*;
use shortnames::kube;
use shortnames::scan::{fix, NodeProfile};

fn yamlish() -> impl Strategy<Value = Vec<u8>> {
    let atoms = prop::sample::select(vec![
        "---\n",
        "--- # c\n",
        "---x\n",
        "...\n",
        "\n",
        "  ",
        "\t",
        "- ",
        "? ",
        ": ",
        ":",
        ",",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a",
        "&b ",
        "*b",
        "!!str ",
        "!t ",
        "<<: ",
        "'",
        "\"",
        "\\",
        "|",
        ">-",
        "#c",
        "image: ",
        "apiVersion: v1\n",
        "kind: Pod\n",
        "kind: List\n",
        "items:\n",
        "spec:\n",
        "  containers:\n",
        "  - image: nginx\n",
        "x",
        "é",
        "ü:",
        "\r\n",
        "0x1F",
        "yes",
        "~",
        "\u{feff}",
    ]);
    prop_oneof![
        prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reader_never_panics_and_positions_are_in_bounds(bytes in yamlish()) {
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        for doc in kube::read_stream(&bytes) {
            match doc {
                Ok(d) => {
                    prop_assert!(d.root.pos.start <= d.root.pos.end && d.root.pos.end <= bytes.len());
                    prop_assert!(d.line_start >= 1 && d.line_end <= lines);
                    let _ = d.root.to_json();
                }
                Err(e) => {
                    prop_assert!(e.line >= 1 && e.line <= lines + 1 && e.column >= 1, "{e:?}");
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn scan_and_fix_never_panic(bytes in yamlish()) {
        let node = NodeProfile::builtin("kubeadm-ubuntu-2025-09").unwrap().unwrap();
        let report = node.scan_bytes("f", &bytes);
        for i in &report.images {
            prop_assert!(i.span.0 <= i.span.1 && i.span.1 <= bytes.len());
        }
        let out = fix::apply(&bytes, &report);
        let again = fix::apply(&out.fixed, &node.scan_bytes("f", &out.fixed));
        prop_assert!(!again.changed());
    }
}
