//! "Did you mean …?" for a misspelt configuration key, value or rule selector: the
//! closest known spelling by edit distance, when it is close enough to be a typo.

/// `"; did you mean `ignore`?"` for the candidate closest to `typed` (case aside), or
/// an empty string when none is within a third of its length in edits.
pub fn did_you_mean<'c>(typed: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    let typed_lower = typed.to_ascii_lowercase();
    let limit = typed.chars().count().div_ceil(3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (strsim::levenshtein(&typed_lower, &candidate.to_ascii_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_candidate_only_when_close() {
        let keys = ["select", "ignore", "exclude"];
        assert_eq!(did_you_mean("ignor", keys), "; did you mean `ignore`?");
        assert_eq!(did_you_mean("SELCT", keys), "; did you mean `select`?");
        assert_eq!(did_you_mean("colour", keys), "");
    }
}
