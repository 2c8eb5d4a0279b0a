//! PINs out of texts that came off the wire.

/// Replaces each standalone run of 4 to 12 digits (a PIN's length; not digits inside ids) with
/// `[pin]`.
pub fn redact_pins(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let standalone_start = chars[i].is_ascii_digit() && (i == 0 || !is_word(chars[i - 1]));
        if standalone_start {
            let end = chars[i..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(chars.len(), |n| i + n);
            let standalone_end = end == chars.len() || !is_word(chars[end]);
            if standalone_end && (4..=12).contains(&(end - i)) {
                out.push_str("[pin]");
                i = end;
                continue;
            }
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}
