//! Every section reference in the repository (`api.md §N`) names a section
//! of `docs/api.md`, and none points at a document outside the repository.

use std::path::Path;

use cli_auth_tests::template::repository_root;

/// Files that may cite the reference, below the repository root.
fn cited_in(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | ".tools" | "node_modules" | ".git") {
                cited_in(&path, out);
            }
        } else if ["rs", "md", "sh", "mjs", "js", "py", "html", "yaml", "toml"]
            .iter()
            .any(|x| name.ends_with(&format!(".{x}")))
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            out.push((path.display().to_string(), text));
        }
    }
}

/// The section numbers `text` cites after `marker`.
fn cited_sections<'a>(text: &'a str, marker: &'a str) -> impl Iterator<Item = u32> + 'a {
    text.match_indices(marker).filter_map(move |(at, _)| {
        let digits: String = text[at + marker.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

#[test]
fn every_section_reference_names_a_section_of_docs_api_md() {
    let root = repository_root();
    let reference = std::fs::read_to_string(root.join("docs/api.md")).expect("docs/api.md");
    let sections: Vec<u32> = reference
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|l| l.split('.').next()?.parse().ok())
        .collect();
    assert!(sections.len() >= 8, "{sections:?}");
    let mut files = Vec::new();
    cited_in(&root, &mut files);
    let mut citations = 0;
    let mut broken = Vec::new();
    for (file, text) in &files {
        // The old citations named the team handbook's contract.
        if text.contains(&["contract", " §"].concat()) {
            broken.push(format!("{file}: cites the contract, not docs/api.md"));
        }
        for n in cited_sections(text, "api.md §") {
            citations += 1;
            if !sections.contains(&n) {
                broken.push(format!("{file}: api.md §{n} is no section"));
            }
        }
    }
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
    assert!(citations > 50, "only {citations} citations read");
}
