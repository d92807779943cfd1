//! Checks every cmdlet call of a script against Microsoft's cmdlet reference
//! (`exo-cmdlets.json`, parsed from the platyPS help of each Exchange cmdlet).
//!
//! For each call of a catalogued cmdlet: every parameter exists (by name or alias) and may be
//! used in Exchange Online; it gets a value unless it is a switch; all parameters fit in one
//! parameter set that also has every mandatory parameter of that set; enumerated values are
//! valid; GUID-valued parameters hold GUIDs; a scalar parameter gets no list; `-App` never
//! appears with a write-scope parameter. A statement that starts with `-Name` has lost its
//! command name. Any other `Verb-Noun` command must be one of [`ALLOWED_COMMANDS`] or a
//! function the script defines. Variables assigned one literal (`$X = '…'`) are resolved.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::parse::{self, Element, Value};
use crate::token::{tokenize, TokenizeError};
use mailgrant_core::ids::Guid;

/// Core PowerShell commands the generated scripts may call besides the catalogued cmdlets.
pub const ALLOWED_COMMANDS: &[&str] = &[
    "Write-Host",
    "Write-Warning",
    "Where-Object",
    "ForEach-Object",
    "Format-Table",
    "Format-List",
    "Out-String",
    "Out-Null",
];

/// One parameter of a cmdlet, as the catalogue describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct ParameterSpec {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default)]
    pub mandatory_in_sets: Vec<String>,
    #[serde(default)]
    pub parameter_sets: Vec<String>,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default = "yes")]
    pub exchange_online: bool,
    #[serde(default)]
    pub valid_values: Option<Vec<String>>,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    pub reserved_internal: bool,
}

fn yes() -> bool {
    true
}

impl ParameterSpec {
    fn is_switch(&self) -> bool {
        self.type_name == "SwitchParameter"
    }

    fn takes_list(&self) -> bool {
        self.type_name.ends_with("[]") || self.type_name.contains("MultiValue")
    }

    fn position(&self) -> Option<u32> {
        self.position.parse().ok()
    }
}

/// One cmdlet of the catalogue.
#[derive(Debug, Clone, Deserialize)]
pub struct CmdletSpec {
    pub parameters: BTreeMap<String, ParameterSpec>,
    pub parameter_sets: Vec<String>,
    #[serde(default)]
    pub supports_common_parameters: bool,
}

/// The cmdlet reference: cmdlet name → spec, plus the common parameters.
#[derive(Debug, Clone)]
pub struct Catalog {
    cmdlets: BTreeMap<String, (String, CmdletSpec)>,
    common: Vec<String>,
}

/// Why the catalogue could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the cmdlet catalogue is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
}

impl Catalog {
    /// Reads `exo-cmdlets.json`.
    pub fn from_json(text: &str) -> Result<Self, CatalogError> {
        #[derive(Deserialize)]
        struct Meta {
            common_parameters: Vec<String>,
        }
        let mut raw: BTreeMap<String, serde_json::Value> = serde_json::from_str(text)?;
        let meta: Meta = match raw.remove("_meta") {
            Some(m) => serde_json::from_value(m)?,
            None => Meta {
                common_parameters: Vec::new(),
            },
        };
        let mut cmdlets = BTreeMap::new();
        for (name, value) in raw {
            let spec: CmdletSpec = serde_json::from_value(value)?;
            cmdlets.insert(name.to_ascii_lowercase(), (name, spec));
        }
        Ok(Catalog {
            cmdlets,
            common: meta.common_parameters,
        })
    }

    /// The spec of `name` (case-insensitive) and its canonical spelling.
    pub fn cmdlet(&self, name: &str) -> Option<(&str, &CmdletSpec)> {
        self.cmdlets
            .get(&name.to_ascii_lowercase())
            .map(|(n, s)| (n.as_str(), s))
    }

    /// Catalogued cmdlets whose noun is `noun` (for a command whose name was lost).
    fn by_noun(&self, noun: &str) -> Vec<&str> {
        self.cmdlets
            .values()
            .map(|(n, _)| n.as_str())
            .filter(|n| {
                n.split_once('-')
                    .is_some_and(|(_, nn)| nn.eq_ignore_ascii_case(noun))
            })
            .collect()
    }
}

/// What is wrong with one call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the script cannot be read: {0}")]
    Unreadable(TokenizeError),
    #[error("`{written}` is not a command: the cmdlet name is missing{}", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    MissingCommandName {
        written: String,
        suggestion: Option<String>,
    },
    #[error("`{0}` is neither an Exchange Online cmdlet of the reference nor an allowed command")]
    UnknownCommand(String),
    #[error("{cmdlet} has no parameter -{parameter}")]
    UnknownParameter { cmdlet: String, parameter: String },
    #[error("{cmdlet} -{parameter} is given twice")]
    DuplicateParameter { cmdlet: String, parameter: String },
    #[error(
        "{cmdlet} -{parameter} has no value (Missing an argument for parameter '{parameter}')"
    )]
    MissingArgument { cmdlet: String, parameter: String },
    #[error("{cmdlet} -{parameter} is available only in on-premises Exchange")]
    OnPremisesOnly { cmdlet: String, parameter: String },
    #[error("{cmdlet} -{parameter} is deprecated or reserved for Microsoft's internal use")]
    NotForUse { cmdlet: String, parameter: String },
    #[error("{cmdlet} has more positional arguments than positional parameters")]
    TooManyArguments { cmdlet: String },
    #[error("{cmdlet}: no parameter set holds all of {}", .parameters.join(", "))]
    NoParameterSet {
        cmdlet: String,
        parameters: Vec<String>,
    },
    #[error("{cmdlet} needs {} (parameter set {set})", .missing.iter().map(|m| format!("-{m}")).collect::<Vec<_>>().join(", "))]
    MissingMandatory {
        cmdlet: String,
        set: String,
        missing: Vec<String>,
    },
    #[error("{cmdlet} -{parameter} does not accept `{value}`; valid: {}", .valid.join(", "))]
    InvalidValue {
        cmdlet: String,
        parameter: String,
        value: String,
        valid: Vec<String>,
    },
    #[error("{cmdlet} -{parameter} needs a GUID; `{value}` is not one")]
    NotAGuid {
        cmdlet: String,
        parameter: String,
        value: String,
    },
    #[error("{cmdlet} -{parameter} takes one value, not a list")]
    ListForScalar { cmdlet: String, parameter: String },
    #[error(
        "New-ManagementRoleAssignment -App cannot be combined with the write-scope parameter -{0}"
    )]
    AppWithWriteScope(String),
}

/// A problem and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct Finding {
    pub line: usize,
    pub problem: Problem,
}

/// Checks every command call in `script`. No findings means every call fits the reference.
pub fn check(catalog: &Catalog, script: &str) -> Vec<Finding> {
    let tokens = match tokenize(script) {
        Ok(t) => t,
        Err(e) => {
            return vec![Finding {
                line: 0,
                problem: Problem::Unreadable(e),
            }]
        }
    };
    let mut assigned: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value, _) in parse::literal_assignments(&tokens) {
        assigned
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value);
    }
    let variables: HashMap<String, String> = assigned
        .into_iter()
        .filter_map(|(k, mut v)| (v.len() == 1).then(|| (k, v.remove(0))))
        .collect();
    let functions = parse::defined_functions(&tokens);

    let mut findings = Vec::new();
    for command in parse::commands(&tokens) {
        let mut report = |problem| {
            findings.push(Finding {
                line: command.line,
                problem,
            })
        };
        let name = if command.missing_name {
            let noun = command.name.trim_start_matches('-');
            let candidates = catalog.by_noun(noun);
            let suggestion = candidates
                .iter()
                .find(|c| c.starts_with("New-"))
                .or(candidates.first())
                .map(|s| (*s).to_owned());
            report(Problem::MissingCommandName {
                written: command.name.clone(),
                suggestion: suggestion.clone(),
            });
            // Check the rest as the cmdlet it most likely was.
            match suggestion {
                Some(s) => s,
                None => continue,
            }
        } else {
            command.name.clone()
        };
        match catalog.cmdlet(&name) {
            Some((canonical, spec)) => {
                let ctx = Ctx {
                    catalog,
                    cmdlet: canonical,
                    spec,
                    variables: &variables,
                };
                for p in ctx.check_call(&command.elements) {
                    report(p);
                }
            }
            None => {
                let allowed = ALLOWED_COMMANDS
                    .iter()
                    .copied()
                    .chain(functions.iter().map(String::as_str))
                    .any(|a| a.eq_ignore_ascii_case(&name));
                if !allowed {
                    report(Problem::UnknownCommand(name));
                }
            }
        }
    }
    findings
}

struct Ctx<'a> {
    catalog: &'a Catalog,
    cmdlet: &'a str,
    spec: &'a CmdletSpec,
    variables: &'a HashMap<String, String>,
}

/// A parameter bound in a call.
struct Bound<'a> {
    name: &'a str,
    spec: Option<&'a ParameterSpec>,
    value: Option<Value>,
}

impl<'a> Ctx<'a> {
    fn find(&self, written: &str) -> Option<(&'a str, Option<&'a ParameterSpec>)> {
        for (name, p) in &self.spec.parameters {
            if name.eq_ignore_ascii_case(written)
                || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(written))
            {
                return Some((name.as_str(), Some(p)));
            }
        }
        if self.spec.supports_common_parameters {
            if let Some(c) = self
                .catalog
                .common
                .iter()
                .find(|c| c.eq_ignore_ascii_case(written))
            {
                return Some((c.as_str(), None));
            }
        }
        None
    }

    fn problem_param(&self, parameter: &str) -> (String, String) {
        (self.cmdlet.to_owned(), parameter.to_owned())
    }

    fn check_call(&self, elements: &[Element]) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut bound: Vec<Bound<'a>> = Vec::new();
        let mut positional: Vec<Value> = Vec::new();
        let mut i = 0;
        while i < elements.len() {
            match &elements[i] {
                Element::Argument(v) => positional.push(v.clone()),
                Element::Parameter { name, value } => {
                    let Some((canonical, spec)) = self.find(name) else {
                        let (cmdlet, parameter) = self.problem_param(name);
                        problems.push(Problem::UnknownParameter { cmdlet, parameter });
                        i += 1;
                        continue;
                    };
                    if bound.iter().any(|b| b.name == canonical) {
                        let (cmdlet, parameter) = self.problem_param(canonical);
                        problems.push(Problem::DuplicateParameter { cmdlet, parameter });
                    }
                    let is_switch = spec.is_some_and(ParameterSpec::is_switch);
                    let mut value = value.clone();
                    if value.is_none() && !is_switch {
                        match elements.get(i + 1) {
                            Some(Element::Argument(v)) => {
                                value = Some(v.clone());
                                i += 1;
                            }
                            _ => {
                                let (cmdlet, parameter) = self.problem_param(canonical);
                                problems.push(Problem::MissingArgument { cmdlet, parameter });
                            }
                        }
                    }
                    bound.push(Bound {
                        name: canonical,
                        spec,
                        value,
                    });
                }
            }
            i += 1;
        }
        self.bind_positional(positional, &mut bound, &mut problems);
        for b in &bound {
            self.check_parameter(b, &mut problems);
        }
        self.check_sets(&bound, &mut problems);
        problems
    }

    /// Binds positional arguments to the positional parameters not named, lowest position first.
    fn bind_positional(
        &self,
        positional: Vec<Value>,
        bound: &mut Vec<Bound<'a>>,
        problems: &mut Vec<Problem>,
    ) {
        if positional.is_empty() {
            return;
        }
        let mut slots: Vec<(u32, &'a str, &'a ParameterSpec)> = self
            .spec
            .parameters
            .iter()
            .filter_map(|(n, p)| p.position().map(|pos| (pos, n.as_str(), p)))
            .filter(|(_, n, _)| !bound.iter().any(|b| b.name == *n))
            .collect();
        slots.sort_by_key(|(pos, n, _)| (*pos, *n));
        slots.dedup_by_key(|(pos, _, _)| *pos);
        let mut slots = slots.into_iter();
        for value in positional {
            match slots.next() {
                Some((_, name, spec)) => bound.push(Bound {
                    name,
                    spec: Some(spec),
                    value: Some(value),
                }),
                None => {
                    problems.push(Problem::TooManyArguments {
                        cmdlet: self.cmdlet.to_owned(),
                    });
                    return;
                }
            }
        }
    }

    fn resolve(&self, v: &Value) -> Option<String> {
        match v {
            Value::Literal(s) => Some(s.clone()),
            Value::Variable(n) => self.variables.get(&n.to_ascii_lowercase()).cloned(),
            Value::List(_) | Value::Expression => None,
        }
    }

    fn check_parameter(&self, b: &Bound<'a>, problems: &mut Vec<Problem>) {
        let Some(spec) = b.spec else { return };
        let (cmdlet, parameter) = self.problem_param(b.name);
        if !spec.exchange_online {
            problems.push(Problem::OnPremisesOnly { cmdlet, parameter });
            return;
        }
        if spec.deprecated || spec.reserved_internal {
            problems.push(Problem::NotForUse { cmdlet, parameter });
            return;
        }
        let Some(value) = &b.value else { return };
        if spec.is_switch() {
            return;
        }
        let values: Vec<&Value> = match value {
            Value::List(items) => {
                if !spec.takes_list() {
                    problems.push(Problem::ListForScalar {
                        cmdlet: cmdlet.clone(),
                        parameter: parameter.clone(),
                    });
                }
                items.iter().collect()
            }
            other => vec![other],
        };
        for v in values {
            let Some(text) = self.resolve(v) else {
                continue;
            };
            if let Some(valid) = &spec.valid_values {
                if !valid.iter().any(|x| x.eq_ignore_ascii_case(&text)) {
                    problems.push(Problem::InvalidValue {
                        cmdlet: cmdlet.clone(),
                        parameter: parameter.clone(),
                        value: text.clone(),
                        valid: valid.clone(),
                    });
                }
            }
            if self.needs_guid(b.name) && Guid::parse(&text).is_err() && text != "*" {
                problems.push(Problem::NotAGuid {
                    cmdlet: cmdlet.clone(),
                    parameter: parameter.clone(),
                    value: text,
                });
            }
        }
    }

    /// `-AppId` (a client id) everywhere, and `New-ServicePrincipal -ObjectId`. `*` ("all
    /// apps") is accepted by New-ApplicationAccessPolicy only; it is let through here and is
    /// never generated.
    fn needs_guid(&self, parameter: &str) -> bool {
        parameter.eq_ignore_ascii_case("AppId")
            || (self.cmdlet.eq_ignore_ascii_case("New-ServicePrincipal")
                && parameter.eq_ignore_ascii_case("ObjectId"))
    }

    fn check_sets(&self, bound: &[Bound<'a>], problems: &mut Vec<Problem>) {
        let named: Vec<&Bound<'a>> = bound.iter().filter(|b| b.spec.is_some()).collect();
        if named.iter().any(|b| b.name == "App") {
            for b in &named {
                if b.name.contains("WriteScope") || b.name.eq_ignore_ascii_case("UnScopedTopLevel")
                {
                    problems.push(Problem::AppWithWriteScope(b.name.to_owned()));
                }
            }
        }
        let candidates: Vec<&String> = self
            .spec
            .parameter_sets
            .iter()
            .filter(|set| {
                named
                    .iter()
                    .all(|b| b.spec.is_some_and(|s| s.parameter_sets.contains(set)))
            })
            .collect();
        if candidates.is_empty() {
            if !problems
                .iter()
                .any(|p| matches!(p, Problem::AppWithWriteScope(_)))
            {
                problems.push(Problem::NoParameterSet {
                    cmdlet: self.cmdlet.to_owned(),
                    parameters: named.iter().map(|b| b.name.to_owned()).collect(),
                });
            }
            return;
        }
        // The set that lacks the fewest mandatory parameters; deprecated ones never count.
        let mut best: Option<(&String, Vec<String>)> = None;
        for set in candidates {
            let missing: Vec<String> = self
                .spec
                .parameters
                .iter()
                .filter(|(_, p)| p.mandatory_in_sets.contains(set) && !p.deprecated)
                .filter(|(n, _)| !bound.iter().any(|b| b.name == n.as_str()))
                .map(|(n, _)| n.clone())
                .collect();
            if missing.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|(_, m)| missing.len() < m.len()) {
                best = Some((set, missing));
            }
        }
        if let Some((set, missing)) = best {
            problems.push(Problem::MissingMandatory {
                cmdlet: self.cmdlet.to_owned(),
                set: set.clone(),
                missing,
            });
        }
    }
}
