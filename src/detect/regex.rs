//! The `|re` modifier's regular expressions: a small Pike VM (linear time in pattern × text, no
//! backtracking, no recursion at match time). A regex crate cost the wasm about 35 KB gzipped for
//! one SigmaHQ CloudTrail rule; this covers the syntax such rules use — literals, `.`, classes
//! (`[a-z]`, `[^…]`, `\d \w \s` and their negations), groups (`(…)`, `(?:…)`), `|`, `* + ?
//! {m} {m,} {m,n}` (lazy forms too), `^ $`, and the flags `i m s` (as modifiers or a leading
//! `(?i)`) — and refuses anything else with an error.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Clone, Debug)]
enum Inst {
    Char(char),
    /// `.`: any character but `\n` unless the `s` flag.
    Any(bool),
    Class(Vec<(char, char)>, bool),
    Split(usize, usize),
    Jmp(usize),
    Bol,
    Eol,
    Match,
}

#[derive(Clone, Debug)]
pub(crate) struct Regex {
    prog: Vec<Inst>,
    fold: bool,
    multi: bool,
}

#[derive(Clone, Debug)]
enum Node {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Bol,
    Eol,
    Cat(Vec<Node>),
    Alt(Vec<Node>),
    Rep(alloc::boxed::Box<Node>, u32, Option<u32>),
}

const MAX_PROG: usize = 20_000;
const MAX_DEPTH: usize = 64;

impl Regex {
    pub(crate) fn new(pattern: &str, flags: &str) -> Result<Regex, String> {
        let (mut fold, mut multi, mut dotall) = (
            flags.contains('i'),
            flags.contains('m'),
            flags.contains('s'),
        );
        let mut chars: Vec<char> = pattern.chars().collect();
        // A leading inline flag group, `(?i)` / `(?ims)`.
        if chars.starts_with(&['(', '?']) {
            if let Some(end) = chars.iter().position(|&c| c == ')') {
                let inner = &chars[2..end];
                if !inner.is_empty() && inner.iter().all(|c| matches!(c, 'i' | 'm' | 's')) {
                    fold |= inner.contains(&'i');
                    multi |= inner.contains(&'m');
                    dotall |= inner.contains(&'s');
                    chars.drain(..=end);
                }
            }
        }
        let mut p = Parser {
            c: &chars,
            i: 0,
            depth: 0,
        };
        let ast = p.alt()?;
        if p.i != chars.len() {
            return Err(format!("regex: unexpected `{}`", chars[p.i]));
        }
        let mut prog = Vec::new();
        emit(&ast, &mut prog, dotall, fold)?;
        prog.push(Inst::Match);
        Ok(Regex { prog, fold, multi })
    }

    /// Whether the pattern matches anywhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let t: Vec<char> = text
            .chars()
            .map(|c| if self.fold { c.to_ascii_lowercase() } else { c })
            .collect();
        let n = self.prog.len();
        let (mut cur, mut next): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
        let mut seen = alloc::vec![usize::MAX; n];
        let mut stack = Vec::new();
        for pos in 0..=t.len() {
            // Unanchored: a new thread starts at every position.
            if self.closure(0, pos, &t, &mut cur, &mut seen, &mut stack) {
                return true;
            }
            let Some(&c) = t.get(pos) else { break };
            next.clear();
            for &pc in &cur {
                let ok = match &self.prog[pc] {
                    Inst::Char(x) => *x == c,
                    Inst::Any(dotall) => *dotall || c != '\n',
                    Inst::Class(r, neg) => in_class(r, c, self.fold) != *neg,
                    _ => false,
                };
                if ok && self.closure(pc + 1, pos + 1, &t, &mut next, &mut seen, &mut stack) {
                    return true;
                }
            }
            core::mem::swap(&mut cur, &mut next);
        }
        false
    }

    /// Adds the threads reachable from `pc` at `pos` without reading; true when one matches.
    /// `seen[pc] == pos` marks a thread already added at this position.
    fn closure(
        &self,
        pc: usize,
        pos: usize,
        t: &[char],
        list: &mut Vec<usize>,
        seen: &mut [usize],
        stack: &mut Vec<usize>,
    ) -> bool {
        stack.clear();
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if pc >= self.prog.len() || seen[pc] == pos {
                continue;
            }
            seen[pc] = pos;
            match &self.prog[pc] {
                Inst::Match => return true,
                Inst::Jmp(x) => stack.push(*x),
                Inst::Split(a, b) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Inst::Bol => {
                    if pos == 0 || (self.multi && t[pos - 1] == '\n') {
                        stack.push(pc + 1);
                    }
                }
                Inst::Eol => {
                    if pos == t.len() || (self.multi && t[pos] == '\n') {
                        stack.push(pc + 1);
                    }
                }
                _ => list.push(pc),
            }
        }
        false
    }
}

fn in_class(r: &[(char, char)], c: char, fold: bool) -> bool {
    let hit = |c: char| r.iter().any(|&(a, b)| a <= c && c <= b);
    hit(c) || (fold && (hit(c.to_ascii_uppercase()) || hit(c.to_ascii_lowercase())))
}

fn emit(n: &Node, p: &mut Vec<Inst>, dotall: bool, fold: bool) -> Result<(), String> {
    if p.len() > MAX_PROG {
        return Err(String::from("regex: too large"));
    }
    match n {
        Node::Char(c) => p.push(Inst::Char(if fold { c.to_ascii_lowercase() } else { *c })),
        Node::Any => p.push(Inst::Any(dotall)),
        Node::Class(r, neg) => p.push(Inst::Class(r.clone(), *neg)),
        Node::Bol => p.push(Inst::Bol),
        Node::Eol => p.push(Inst::Eol),
        Node::Cat(v) => {
            for x in v {
                emit(x, p, dotall, fold)?;
            }
        }
        Node::Alt(v) => {
            // split L1, next; L1: a; jmp end; next: split ... ; last alternative plain.
            let mut jumps = Vec::new();
            for (i, x) in v.iter().enumerate() {
                if i + 1 < v.len() {
                    let s = p.len();
                    p.push(Inst::Split(s + 1, 0));
                    emit(x, p, dotall, fold)?;
                    jumps.push(p.len());
                    p.push(Inst::Jmp(0));
                    let after = p.len();
                    p[s] = Inst::Split(s + 1, after);
                } else {
                    emit(x, p, dotall, fold)?;
                }
            }
            let end = p.len();
            for j in jumps {
                p[j] = Inst::Jmp(end);
            }
        }
        Node::Rep(x, min, max) => {
            for _ in 0..*min {
                emit(x, p, dotall, fold)?;
            }
            match max {
                None => {
                    // L: split body, end; body; jmp L
                    let s = p.len();
                    p.push(Inst::Split(s + 1, 0));
                    emit(x, p, dotall, fold)?;
                    p.push(Inst::Jmp(s));
                    let end = p.len();
                    p[s] = Inst::Split(s + 1, end);
                }
                Some(max) => {
                    let mut holes = Vec::new();
                    for _ in *min..*max {
                        holes.push(p.len());
                        p.push(Inst::Split(0, 0));
                        let s = p.len();
                        emit(x, p, dotall, fold)?;
                        let h = holes[holes.len() - 1];
                        p[h] = Inst::Split(s, 0);
                    }
                    let end = p.len();
                    for h in holes {
                        if let Inst::Split(a, _) = p[h] {
                            p[h] = Inst::Split(a, end);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

struct Parser<'a> {
    c: &'a [char],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn alt(&mut self) -> Result<Node, String> {
        let mut v = alloc::vec![self.cat()?];
        while self.peek() == Some('|') {
            self.i += 1;
            v.push(self.cat()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Node::Alt(v)
        })
    }

    fn cat(&mut self) -> Result<Node, String> {
        let mut v = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            v.push(self.quantified(atom)?);
        }
        Ok(Node::Cat(v))
    }

    fn quantified(&mut self, mut atom: Node) -> Result<Node, String> {
        loop {
            let (min, max) = match self.peek() {
                Some('*') => (0, None),
                Some('+') => (1, None),
                Some('?') => (0, Some(1)),
                Some('{') => {
                    let close = self.c[self.i..]
                        .iter()
                        .position(|&c| c == '}')
                        .ok_or("regex: unclosed `{`")?;
                    let body: String = self.c[self.i + 1..self.i + close].iter().collect();
                    let num = |s: &str| {
                        s.trim()
                            .parse::<u32>()
                            .map_err(|_| format!("regex: bad repetition {{{body}}}"))
                    };
                    let (min, max) = match body.split_once(',') {
                        None => (num(&body)?, Some(num(&body)?)),
                        Some((a, "")) => (num(a)?, None),
                        Some((a, b)) => (num(a)?, Some(num(b)?)),
                    };
                    if max.is_some_and(|m| m < min) || min > 1000 || max.is_some_and(|m| m > 1000) {
                        return Err(format!("regex: bad repetition {{{body}}}"));
                    }
                    self.i += close;
                    (min, max)
                }
                _ => return Ok(atom),
            };
            if matches!(atom, Node::Bol | Node::Eol) {
                return Err(String::from("regex: repeated anchor"));
            }
            self.i += 1;
            // Laziness changes which match is found, not whether one is.
            if self.peek() == Some('?') {
                self.i += 1;
            }
            atom = Node::Rep(alloc::boxed::Box::new(atom), min, max);
        }
    }

    fn atom(&mut self) -> Result<Node, String> {
        let c = self.peek().ok_or("regex: ends early")?;
        self.i += 1;
        Ok(match c {
            '.' => Node::Any,
            '^' => Node::Bol,
            '$' => Node::Eol,
            '(' => {
                if self.c[self.i..].starts_with(&['?', ':']) {
                    self.i += 2;
                } else if self.peek() == Some('?') {
                    return Err(String::from(
                        "regex: only `(?:…)` and a leading `(?i)` group are supported",
                    ));
                }
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(String::from("regex: nested too deeply"));
                }
                let n = self.alt()?;
                self.depth -= 1;
                if self.peek() != Some(')') {
                    return Err(String::from("regex: missing `)`"));
                }
                self.i += 1;
                n
            }
            '[' => self.class()?,
            '\\' => self.escape(false)?,
            '*' | '+' | '?' | '{' => return Err(format!("regex: nothing to repeat before `{c}`")),
            c => Node::Char(c),
        })
    }

    fn escape(&mut self, in_class: bool) -> Result<Node, String> {
        let c = self.peek().ok_or("regex: trailing `\\`")?;
        self.i += 1;
        const D: &[(char, char)] = &[('0', '9')];
        const W: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
        const S: &[(char, char)] = &[('\t', '\r'), (' ', ' ')];
        Ok(match c {
            'd' => Node::Class(D.to_vec(), false),
            'D' if !in_class => Node::Class(D.to_vec(), true),
            'w' => Node::Class(W.to_vec(), false),
            'W' if !in_class => Node::Class(W.to_vec(), true),
            's' => Node::Class(S.to_vec(), false),
            'S' if !in_class => Node::Class(S.to_vec(), true),
            'n' => Node::Char('\n'),
            't' => Node::Char('\t'),
            'r' => Node::Char('\r'),
            c if c.is_ascii_punctuation() || c == ' ' => Node::Char(c),
            c => return Err(format!("regex: escape `\\{c}` is not supported")),
        })
    }

    fn class(&mut self) -> Result<Node, String> {
        let neg = self.peek() == Some('^');
        if neg {
            self.i += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or("regex: unclosed `[`")?;
            self.i += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                match self.escape(true)? {
                    Node::Char(x) => x,
                    Node::Class(r, _) => {
                        ranges.extend(r);
                        continue;
                    }
                    _ => return Err(String::from("regex: bad class")),
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.c.get(self.i + 1).is_some_and(|&x| x != ']') {
                let hi = self.c[self.i + 1];
                if hi == '\\' || hi < lo {
                    return Err(String::from("regex: bad class range"));
                }
                self.i += 2;
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Node::Class(ranges, neg))
    }
}

#[cfg(test)]
mod tests {
    use super::Regex;

    #[test]
    fn matches_like_a_regex() {
        for (p, f, t, want) in [
            (
                ".+:assumed-role/aws:.+",
                "",
                "arn:aws:sts::1:assumed-role/aws:ec2/i",
                true,
            ),
            (
                ".+:assumed-role/aws:.+",
                "",
                "arn:aws:sts::1:assumed-role/web/i",
                false,
            ),
            ("^abc$", "", "abc", true),
            ("^abc$", "", "xabc", false),
            ("^b", "m", "a\nb", true),
            ("^b", "", "a\nb", false),
            ("a|bc", "", "xbcx", true),
            ("(?:ab)+c", "", "ababc", true),
            ("(ab){2}c", "", "abc", false),
            ("(ab){2,3}c", "", "abababc", true),
            ("a{2,}", "", "a", false),
            ("[a-c]\\d+", "", "zb12", true),
            ("[^a-c]x", "", "ax", false),
            ("\\w+@\\w+\\.com", "", "mail bob@ex.com", true),
            ("AKIA[A-Z0-9]{16}", "", "akia1234567890123456", false),
            ("AKIA[A-Z0-9]{16}", "i", "akia1234567890abcdef", true),
            ("(?i)getobject", "", "GetObject", true),
            ("a.c", "", "a\nc", false),
            ("a.c", "s", "a\nc", true),
            ("x*", "", "", true),
            ("colou?r", "", "color", true),
        ] {
            let re = Regex::new(p, f).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(re.is_match(t), want, "{p} ~ {t:?}");
        }
        for bad in [
            "(", "a)", "*a", "[a", "a{3,1}", "(?<n>a)", "\\p{L}", "a{99999}", "^*",
        ] {
            assert!(Regex::new(bad, "").is_err(), "{bad}");
        }
    }
}
