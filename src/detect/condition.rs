//! Sigma conditions: `a and not (b or c)`, `1 of selection_*`, `all of them`. Aggregations
//! (`| count() > 5`) need many records and are refused (docs/DETECTIONS.md).

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Clone, Debug)]
pub(crate) enum Cond {
    Sel(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    pub(crate) fn eval(&self, sel: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Cond::Sel(i) => sel(*i),
            Cond::Not(c) => !c.eval(sel),
            Cond::And(v) => v.iter().all(|c| c.eval(sel)),
            Cond::Or(v) => v.iter().any(|c| c.eval(sel)),
        }
    }
}

/// Deeper nesting than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Open,
    Close,
    Word(&'a str),
}

fn tokens(s: &str) -> Result<Vec<Tok<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else {
            return Ok(out);
        };
        match c {
            '(' => out.push(Tok::Open),
            ')' => out.push(Tok::Close),
            '|' => {
                return Err(String::from(
                    "aggregation conditions (`|`) need many records: not supported",
                ))
            }
            _ if c.is_alphanumeric() || c == '_' || c == '*' || c == '-' || c == '.' => {
                let end = rest
                    .find(|c: char| {
                        !(c.is_alphanumeric() || c == '_' || c == '*' || c == '-' || c == '.')
                    })
                    .unwrap_or(rest.len());
                out.push(Tok::Word(&rest[..end]));
                rest = &rest[end..];
                continue;
            }
            _ => return Err(format!("unexpected {c:?} in condition")),
        }
        rest = &rest[c.len_utf8()..];
    }
}

/// Parses `text` against the selection `names` (their index is what `Cond::Sel` holds).
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Cond, String> {
    let toks = tokens(text)?;
    let mut p = Parser {
        toks,
        i: 0,
        names,
        depth: 0,
    };
    let c = p.or()?;
    if p.i != p.toks.len() {
        return Err(format!("unexpected {:?} in condition", p.toks[p.i]));
    }
    Ok(c)
}

struct Parser<'a> {
    toks: Vec<Tok<'a>>,
    i: usize,
    names: &'a [String],
    depth: usize,
}

impl<'a> Parser<'a> {
    fn word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.i), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut v = alloc::vec![self.and()?];
        while self.word("or") {
            self.i += 1;
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Cond::Or(v)
        })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut v = alloc::vec![self.not()?];
        while self.word("and") {
            self.i += 1;
            v.push(self.not()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Cond::And(v)
        })
    }

    fn not(&mut self) -> Result<Cond, String> {
        if self.word("not") {
            self.i += 1;
            self.deeper()?;
            let c = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(c)));
        }
        self.atom()
    }

    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(String::from("condition nested too deeply"));
        }
        Ok(())
    }

    fn atom(&mut self) -> Result<Cond, String> {
        match self.toks.get(self.i) {
            Some(Tok::Open) => {
                self.i += 1;
                self.deeper()?;
                let c = self.or()?;
                self.depth -= 1;
                if self.toks.get(self.i) != Some(&Tok::Close) {
                    return Err(String::from("missing `)` in condition"));
                }
                self.i += 1;
                Ok(c)
            }
            Some(Tok::Word(w)) => {
                let w = *w;
                self.i += 1;
                let quant = if w == "1" || w.eq_ignore_ascii_case("any") {
                    Some(false)
                } else if w.eq_ignore_ascii_case("all") {
                    Some(true)
                } else {
                    None
                };
                if let Some(all) = quant {
                    if self.word("of") {
                        self.i += 1;
                        let Some(Tok::Word(pat)) = self.toks.get(self.i) else {
                            return Err(String::from("`of` needs a selection pattern or `them`"));
                        };
                        let pat = *pat;
                        self.i += 1;
                        let picked: Vec<Cond> = (0..self.names.len())
                            .filter(|&i| {
                                let n = &self.names[i];
                                if pat.eq_ignore_ascii_case("them") {
                                    !n.starts_with('_')
                                } else {
                                    crate::detect::glob::name_matches(pat, n)
                                }
                            })
                            .map(Cond::Sel)
                            .collect();
                        if picked.is_empty() {
                            return Err(format!("no selection matches `{pat}`"));
                        }
                        return Ok(if all {
                            Cond::And(picked)
                        } else {
                            Cond::Or(picked)
                        });
                    }
                }
                match self.names.iter().position(|n| n == w) {
                    Some(i) => Ok(Cond::Sel(i)),
                    None => Err(format!("unknown selection `{w}` in condition")),
                }
            }
            Some(Tok::Close) => Err(String::from("unexpected `)` in condition")),
            None => Err(String::from("condition ends too early")),
        }
    }
}
