//! libvmaf's log keys for features with options (`feature_name.c`): the feature's
//! name, then `_ALIAS_VALUE` (`_ALIAS` for a true boolean) for each option whose
//! value differs from its default, in the alphabetical order of the options' full
//! names; integers print as `%d`, doubles as C's `%g`, strings as they are. So
//! `cambi` with `cambi_high_res_speedup=1080`, `cambi_max_val=17` and
//! `cambi_vis_lum_threshold=0.06` logs as `cambi_hrs_1080_cmxv_17_vlt_0.06`.

/// One option as the key sees it: full name, alias, and its value printed, or `None`
/// when it has its default value (and so is left out).
pub struct KeyOption {
    pub name: &'static str,
    pub alias: &'static str,
    pub value: Option<String>,
}

impl KeyOption {
    pub fn int(name: &'static str, alias: &'static str, value: i64, default: i64) -> KeyOption {
        KeyOption { name, alias, value: (value != default).then(|| value.to_string()) }
    }

    pub fn double(name: &'static str, alias: &'static str, value: f64, default: f64) -> KeyOption {
        KeyOption { name, alias, value: (value != default).then(|| c_g(value)) }
    }

    /// A boolean: `_ALIAS` alone when it is not the default (either way, as libvmaf writes it).
    pub fn flag(name: &'static str, alias: &'static str, value: bool, default: bool) -> KeyOption {
        KeyOption { name, alias, value: (value != default).then(String::new) }
    }

    pub fn string(name: &'static str, alias: &'static str, value: &str, default: &str) -> KeyOption {
        KeyOption { name, alias, value: (value != default).then(|| value.to_owned()) }
    }
}

/// `base` with the suffixes of the options that differ from their defaults.
pub fn key(base: &str, mut options: Vec<KeyOption>) -> String {
    options.sort_by_key(|o| o.name);
    let mut key = base.to_owned();
    for option in options {
        if let Some(value) = option.value {
            key.push('_');
            key.push_str(option.alias);
            if !value.is_empty() {
                key.push('_');
                key.push_str(&value);
            }
        }
    }
    key
}

/// C's `printf("%g", v)`: six significant digits, fixed notation for exponents
/// from −4 to 5, else `d.ddddde±XX`, trailing zeros (and a bare point) removed.
pub fn c_g(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    if !v.is_finite() {
        return if v.is_nan() { "nan".into() } else if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // The exponent after rounding to six significant digits.
    let scientific = format!("{v:.5e}");
    let (mantissa, exponent) = scientific.split_once('e').expect("{:e} has an exponent");
    let exponent: i32 = exponent.parse().expect("an integer exponent");
    let trim = |s: &str| -> String {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s.to_owned() }
    };
    if (-4..6).contains(&exponent) {
        let decimals = (5 - exponent) as usize;
        trim(&format!("{v:.decimals$}"))
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_g() {
        for (v, g) in [
            (0.06, "0.06"),
            (17.0, "17"),
            (1080.0, "1080"),
            (0.019, "0.019"),
            (1000.0, "1000"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (0.1 + 0.2, "0.3"),
            (2.0 / 3.0, "0.666667"),
            (-1.5, "-1.5"),
            (999999.5, "1e+06"),
        ] {
            assert_eq!(c_g(v), g, "{v}");
        }
    }

    #[test]
    fn options_sort_by_full_name_and_defaults_are_left_out() {
        let key = key(
            "cambi",
            vec![
                KeyOption::double("cambi_vis_lum_threshold", "vlt", 0.06, 0.0),
                KeyOption::int("window_size", "ws", 65, 65),
                KeyOption::double("cambi_max_val", "cmxv", 17.0, 1000.0),
                KeyOption::int("cambi_high_res_speedup", "hrs", 1080, 0),
            ],
        );
        assert_eq!(key, "cambi_hrs_1080_cmxv_17_vlt_0.06");
    }
}
