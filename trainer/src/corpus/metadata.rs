//! Package metadata (wheel `METADATA`, sdist `PKG-INFO`): name and version for provenance, license for the
//! attribution table. Both files use the same email-header format.

/// What the corpus needs to know about a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The name as the package spells it (`Jinja2`, `python-dateutil`).
    pub name: String,
    /// None for a plain folder.
    pub version: Option<String>,
    /// `License-Expression`, else a short `License`, else the license classifiers; None if none is given.
    pub license: Option<String>,
}

impl Metadata {
    pub fn folder(name: String) -> Self {
        Metadata {
            name,
            version: None,
            license: None,
        }
    }

    /// `name==version`, CodeSearchNet's `repo` field for a package (the name alone for a folder).
    pub fn repo(&self) -> String {
        match &self.version {
            Some(v) => format!("{}=={}", self.name, v),
            None => self.name.clone(),
        }
    }

    /// PEP 503 normalized name (`Foo.Bar_baz` -> `foo-bar-baz`): the key packages are sorted, hashed and
    /// compared by, so that the split does not depend on how a name is capitalized.
    pub fn normalized_name(&self) -> String {
        normalize_name(&self.name)
    }
}

pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !last_sep {
                out.push('-');
            }
            last_sep = true;
        } else {
            out.extend(c.to_lowercase());
            last_sep = false;
        }
    }
    out
}

/// Header fields in order, continuation lines joined with `\n`; stops at the first empty line (the body).
/// A line of only spaces is a continuation line: multi-line License texts contain them.
fn headers(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
        } else if let Some((key, value)) = line.split_once(':') {
            fields.push((key.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    fields
}

/// Name and version from an archive's file name (`name-version-...whl`, `name-version.tar.gz`), for
/// archives without metadata.
fn from_file_name(file_name: &str) -> (String, Option<String>) {
    let stem = file_name
        .strip_suffix(".whl")
        .or_else(|| file_name.strip_suffix(".tar.gz"))
        .or_else(|| file_name.strip_suffix(".tgz"))
        .unwrap_or(file_name);
    if file_name.ends_with(".whl") {
        let mut parts = stem.split('-');
        let name = parts.next().unwrap_or(stem).to_string();
        (name, parts.next().map(str::to_string))
    } else {
        match stem.rsplit_once('-') {
            Some((name, version)) => (name.to_string(), Some(version.to_string())),
            None => (stem.to_string(), None),
        }
    }
}

/// Parses METADATA / PKG-INFO text; missing name or version fall back to the archive's file name.
pub fn parse(text: &str, file_name: &str) -> Metadata {
    let fields = headers(text);
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, v)| k == key && !v.is_empty() && v != "UNKNOWN")
            .map(|(_, v)| v.clone())
    };
    let (file_stem_name, file_version) = from_file_name(file_name);
    let classifiers: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "classifier")
        .filter_map(|(_, v)| v.strip_prefix("License ::"))
        .map(|v| v.rsplit("::").next().unwrap_or(v).trim().to_string())
        .collect();
    let short_license = get("license").filter(|l| !l.contains('\n') && l.len() <= 100);
    let license = get("license-expression")
        .or(short_license)
        .or_else(|| (!classifiers.is_empty()).then(|| classifiers.join("; ")))
        .or_else(|| {
            get("license").map(|l| format!("{} ...", l.lines().next().unwrap_or("").trim()))
        });
    Metadata {
        name: get("name").unwrap_or(file_stem_name),
        version: get("version").or(file_version),
        license,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers_and_license_order() {
        let text = "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.2\nLicense: Copyright (c) x\n        \
                    long text\n        \n        more\nClassifier: License :: OSI Approved :: MIT License\n\n\
                    Classifier: License :: body\n";
        let m = parse(text, "foo_bar-1.2-py3-none-any.whl");
        assert_eq!(m.name, "Foo_Bar");
        assert_eq!(m.version.as_deref(), Some("1.2"));
        assert_eq!(m.license.as_deref(), Some("MIT License"));
        assert_eq!(m.normalized_name(), "foo-bar");
        let m = parse(
            "Name: a\nLicense-Expression: BSD-3-Clause\nLicense: BSD\n",
            "a-1.tar.gz",
        );
        assert_eq!(m.license.as_deref(), Some("BSD-3-Clause"));
        assert_eq!(m.version.as_deref(), Some("1"));
        let m = parse("", "python_dateutil-4.0.0-py3-none-any.whl");
        assert_eq!(
            (m.name.as_str(), m.version.as_deref()),
            ("python_dateutil", Some("4.0.0"))
        );
        assert_eq!(m.license, None);
    }
}
