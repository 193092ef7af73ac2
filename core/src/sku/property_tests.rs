//! Property tests: valid codes survive round trips, one changed digit is always caught, and no
//! input makes the parsers panic.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::check_digit::{gs1_check_digit, mod11_check};
use super::upce::{compress, expand, is_canonical};
use super::*;

fn text(values: &[u8]) -> String {
    values.iter().map(|d| char::from(b'0' + d)).collect()
}

/// A valid GTIN of length 8, 12, 13 or 14, as digit values.
fn gtin() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![Just(8usize), Just(12), Just(13), Just(14)]
        .prop_flat_map(|len| proptest::collection::vec(0u8..10, len - 1))
        .prop_map(|mut data| {
            data.push(gs1_check_digit(&data));
            data
        })
}

proptest! {
    #[test]
    fn valid_gtins_round_trip(code in gtin(), sep in prop_oneof![Just(" "), Just("-"), Just("\t")]) {
        let raw = text(&code);
        let g = normalize_gtin(&raw, Mode::Strict).unwrap().gtin;
        prop_assert_eq!(g.as_str(), format!("{raw:0>14}"));
        // Its own short form and the GTIN-14 give the same key again.
        prop_assert_eq!(normalize_gtin14(g.short_form()).unwrap(), g);
        prop_assert_eq!(normalize_gtin14(g.as_str()).unwrap(), g);
        // Separators between every digit change nothing in lenient mode.
        let spaced: Vec<String> = raw.chars().map(String::from).collect();
        prop_assert_eq!(normalize_gtin14(&spaced.join(sep)).unwrap(), g);
    }

    #[test]
    fn one_changed_digit_is_caught(code in gtin(), pos in any::<prop::sample::Index>(), delta in 1u8..10) {
        let mut wrong = code.clone();
        let i = pos.index(wrong.len());
        wrong[i] = (wrong[i] + delta) % 10;
        let e = normalize_gtin(&text(&wrong), Mode::Strict).unwrap_err();
        prop_assert!(matches!(e, SkuError::CheckDigit { .. }), "{}", e);
    }

    #[test]
    fn upce_round_trips(ns in 0u8..2, six in proptest::array::uniform6(0u8..10)) {
        prop_assume!(is_canonical(six));
        let data = expand(ns, six);
        let mut upca = [0u8; 12];
        upca[..11].copy_from_slice(&data);
        upca[11] = gs1_check_digit(&data);
        let upce = compress(&upca).expect("canonical UPC-E compresses back");
        prop_assert_eq!(&upce[1..7], &six[..]);
        prop_assert_eq!(upce_to_upca(&text(&upce), Mode::Strict).unwrap(), text(&upca));
    }

    #[test]
    fn upce_digit_change_is_caught(ns in 0u8..2, six in proptest::array::uniform6(0u8..10),
                                   pos in prop::sample::select(vec![0usize, 1, 2, 3, 4, 5, 7]), delta in 1u8..10) {
        // d6 (position 6) moves zeros around, so it is not a single-digit change of the UPC-A.
        let data = expand(ns, six);
        let mut code: Vec<u8> = std::iter::once(ns).chain(six).collect();
        code.push(gs1_check_digit(&data));
        code[pos] = (code[pos] + delta) % 10;
        prop_assert!(upce_to_upca(&text(&code), Mode::Lenient).is_err());
    }

    #[test]
    fn isbn10_round_trips_and_catches_changes(body in proptest::collection::vec(0u8..10, 9),
                                              pos in 0usize..9, delta in 1u8..10) {
        let check = mod11_check(&body, 10);
        let mut raw = text(&body);
        raw.push(if check == 10 { 'X' } else { char::from(b'0' + check) });
        let g = normalize_gtin(&raw, Mode::Strict).unwrap().gtin;
        prop_assert!(g.as_str().starts_with("0978"));
        prop_assert_eq!(&g.as_str()[4..13], &raw[..9]);
        let mut wrong = body.clone();
        wrong[pos] = (wrong[pos] + delta) % 10;
        let mut wrong_raw = text(&wrong);
        wrong_raw.push_str(&raw[9..]);
        prop_assert!(normalize_gtin(&wrong_raw, Mode::Strict).is_err());
    }

    #[test]
    fn plu_keys_round_trip(base in 3000u32..5000, organic: bool, pad in 6usize..15) {
        let key = if organic { format!("9{base}") } else { base.to_string() };
        for raw in [key.clone(), format!("{key:0>pad$}")] {
            let b = parse_barcode(&raw, &Scheme::gs1_default(), Mode::Lenient);
            prop_assert_eq!(b.kind, BarcodeKind::Plu);
            prop_assert_eq!(b.plu.unwrap(), Plu { number: base, organic });
            prop_assert_eq!(normalize_item_id(&raw).sku, key.clone());
        }
    }

    #[test]
    fn variable_measure_key_ignores_the_value(item in 0u32..100_000, p1 in 0u32..10_000, p2 in 0u32..10_000) {
        let label = |price: u32| {
            let digits: Vec<u8> = format!("{price:04}").bytes().map(|b| b - b'0').collect();
            let c = variable_measure::value_check_digit(&digits).unwrap();
            let data = format!("2{item:05}{c}{price:04}");
            let values: Vec<u8> = data.bytes().map(|b| b - b'0').collect();
            format!("{data}{}", gs1_check_digit(&values))
        };
        let (a, b) = (normalize_item_id(&label(p1)), normalize_item_id(&label(p2)));
        prop_assert_eq!(a.kind, ItemKind::VariableMeasure);
        prop_assert_eq!(&a.sku, &b.sku);
        prop_assert_eq!(a.embedded_price, Some(Decimal::new(i64::from(p1), 2)));
    }

    #[test]
    fn sku_key_is_idempotent(raw in "\\PC{0,24}") {
        let key = sku_key(&raw);
        prop_assert_eq!(sku_key(&key), key.clone());
        prop_assert!(!key.starts_with('-') && !key.ends_with('-'));
    }

    #[test]
    fn element_strings_never_panic(
        raw in "(\\]C1|\\]e0|\\]d2|\\]E0|https://x/01/|)[0-9()\u{1d}%/?=&A-F.x]{0,60}"
    ) {
        let b = parse_barcode(&raw, &Scheme::gs1_default(), Mode::Lenient);
        prop_assert!(b.valid || b.reason.is_some());
    }

    #[test]
    fn nothing_panics(raw in "\\PC{0,40}") {
        let item = normalize_item_id(&raw);
        prop_assert_eq!(item.sku.is_empty(), item.kind == ItemKind::Empty);
        let b = parse_barcode(&raw, &Scheme::gs1_default(), Mode::Strict);
        // Valid codes carry a key; invalid ones a reason and no key.
        prop_assert_eq!(b.valid, b.gtin14.is_some() || b.plu.is_some());
        prop_assert!(b.valid || b.reason.is_some());
        let _ = upce_to_upca(&raw, Mode::Lenient);
    }
}
