//! The rule engine: loads rule files, indexes rules per field, identifies devices.

use crate::builtin::BUILTIN_RULE_FILES;
use crate::combine::{combine, Evidence};
use crate::error::FingerprintError;
use crate::rule::{bounded, Rule, RuleInfo};
use crate::rule_file::{parse_file, ParsedFile};
use crate::vendors::VendorTable;
use camguard_model::{FingerprintInput, Identity};
use regex::{RegexSet, RegexSetBuilder};
use std::collections::HashMap;
use std::path::Path;

/// Compiled-size limit for one field's regex set.
const SET_SIZE_LIMIT: usize = 64 * 1024 * 1024;

/// First pass for one field: a set of all its rules' patterns.
#[derive(Debug)]
struct FieldIndex {
    set: RegexSet,
    /// `rules[i]` is the engine rule index of pattern `i` of the set.
    rules: Vec<usize>,
}

/// The fingerprint engine: rules (data) plus per-field regex sets.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<Rule>,
    vendors: VendorTable,
    /// One entry per [`FingerprintInput::FIELDS`] entry; `None` when no rule reads the field.
    fields: Vec<Option<FieldIndex>>,
}

impl Engine {
    /// An engine without rules: identifies nothing (for scans that never identify, such as a
    /// discovery-only scan, which then skips compiling the built-in rules).
    pub fn empty() -> Engine {
        Engine {
            rules: Vec::new(),
            vendors: VendorTable::default(),
            fields: Vec::new(),
        }
    }

    /// Built-in rules (embedded with include_str! from /work/main/data/fingerprints/*.toml).
    pub fn builtin() -> Result<Engine, FingerprintError> {
        let parsed = BUILTIN_RULE_FILES
            .iter()
            .map(|(name, text)| parse_file(&format!("data/fingerprints/{name}"), text))
            .collect::<Result<Vec<_>, _>>()?;
        let mut engine = Engine {
            rules: Vec::new(),
            vendors: VendorTable::default(),
            fields: Vec::new(),
        };
        engine.absorb(parsed)?;
        Ok(engine)
    }

    /// Also load every rule file in `dir`: `*.toml` (same format) and `*.xml` (Recog
    /// format). Errors name the file and rule. Returns the number of rules added; see
    /// [`Engine::load_dir`] for the warnings about skipped files.
    ///
    /// Files are read in name order. Nothing is added unless every file is valid.
    pub fn add_dir(&mut self, dir: &Path) -> Result<usize, FingerprintError> {
        Ok(self.load_dir(dir)?.rules)
    }

    /// Add parsed files and rebuild the indexes; on error the engine is left unchanged.
    pub(crate) fn absorb(&mut self, files: Vec<ParsedFile>) -> Result<(), FingerprintError> {
        let mut seen: HashMap<&str, &str> = self
            .rules
            .iter()
            .map(|r| (r.id.as_str(), r.file.as_str()))
            .collect();
        for rule in files.iter().flat_map(|f| &f.rules) {
            if let Some(first) = seen.insert(&rule.id, &rule.file) {
                return Err(FingerprintError::DuplicateRule {
                    file: rule.file.clone(),
                    rule: rule.id.clone(),
                    first: first.to_string(),
                });
            }
        }
        let start = self.rules.len();
        let mut vendors = self.vendors.clone();
        let mut new_rules = Vec::new();
        for file in files {
            for v in &file.vendors {
                vendors.add_vendor(&v.name, &v.aliases);
            }
            for u in &file.unbranded {
                vendors.add_unbranded(&u.names);
            }
            new_rules.extend(file.rules);
        }
        let all: Vec<&Rule> = self.rules.iter().chain(&new_rules).collect();
        let fields = build_indexes(&all)?;
        debug_assert_eq!(all.len(), start + new_rules.len());
        self.rules.extend(new_rules);
        self.vendors = vendors;
        self.fields = fields;
        Ok(())
    }

    /// Identify a device from its observation fields.
    pub fn identify(&self, input: &FingerprintInput) -> Identity {
        combine(&self.evidence(input))
    }

    /// The matching rules' evidence, in rule order.
    pub(crate) fn evidence(&self, input: &FingerprintInput) -> Vec<Evidence> {
        let mut evidence = Vec::new();
        for (field_index, index) in self.fields.iter().enumerate() {
            let (Some(index), Some(value)) =
                (index, input.get(FingerprintInput::FIELDS[field_index]))
            else {
                continue;
            };
            let text = bounded(value);
            for hit in index.set.matches(text).iter() {
                let rule = &self.rules[index.rules[hit]];
                if let Some(claims) = rule.apply(text, &self.vendors) {
                    evidence.push((index.rules[hit], rule, claims));
                }
            }
        }
        evidence.sort_by_key(|(i, _, _)| *i);
        evidence
            .into_iter()
            .map(|(_, rule, claims)| Evidence {
                rule: rule.id.clone(),
                weight: rule.weight,
                claims,
            })
            .collect()
    }

    /// Check every rule's examples against the rule itself; returns failures (empty = all good).
    pub fn verify_examples(&self) -> Vec<String> {
        self.rules
            .iter()
            .flat_map(|r| r.verify_examples(&self.vendors))
            .collect()
    }

    /// Number of loaded rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Metadata of the loaded rules, in load order (built-in first).
    pub fn rules(&self) -> impl Iterator<Item = RuleInfo<'_>> {
        self.rules.iter().map(Rule::info)
    }
}

fn build_indexes(rules: &[&Rule]) -> Result<Vec<Option<FieldIndex>>, FingerprintError> {
    FingerprintInput::FIELDS
        .iter()
        .enumerate()
        .map(|(field_index, field)| {
            let members: Vec<usize> = rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.field_index == field_index)
                .map(|(i, _)| i)
                .collect();
            if members.is_empty() {
                return Ok(None);
            }
            let set = RegexSetBuilder::new(members.iter().map(|&i| rules[i].pattern.as_str()))
                .size_limit(SET_SIZE_LIMIT)
                .build()
                .map_err(|e| FingerprintError::RegexSet {
                    field: (*field).to_string(),
                    reason: e.to_string(),
                })?;
            Ok(Some(FieldIndex {
                set,
                rules: members,
            }))
        })
        .collect()
}
