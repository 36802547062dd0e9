//! Context expressions: a tiny boolean language over signal names, compiled
//! once at load and evaluated with three-valued (Kleene) logic.
//!
//! # Grammar
//!
//! ```text
//! expr   := signal | call
//! call   := "all" "(" expr ("," expr)* ")"     -- Kleene AND
//!         | "any" "(" expr ("," expr)* ")"     -- Kleene OR
//!         | "not" "(" expr ")"                 -- Kleene NOT
//! signal := [a-z][a-z0-9_]*                    -- a name from the signal registry
//! ```
//!
//! Spaces, tabs and newlines may appear between tokens. `all`, `any` and `not`
//! are reserved and cannot be signal names. An expression nests at most
//! [`MAX_DEPTH`] deep and a call takes at most 255 arguments.
//!
//! # Semantics
//!
//! Truth values are ordered `False < Unknown < True`; `all` is the minimum,
//! `any` the maximum and `not` swaps `True` and `False` (Kleene's strong
//! three-valued logic). So `all(a, b)` is `False` as soon as one side is known
//! to be `False`, even if the other is `Unknown`.
//!
//! Alongside the value the evaluator returns the set of signals that decided
//! it: for a `False` `all` (or a `True` `any`) only the children that forced
//! the result; for a `True` `all` (or a `False` `any`) every child; for an
//! `Unknown` result the children that were `Unknown`.

use std::fmt;

use serde::{Serialize, Serializer};

use super::signals::{Signal, SignalSet};

/// A three-valued truth value (Kleene logic), ordered `False < Unknown < True`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    False,
    Unknown,
    True,
}

impl std::ops::Not for Truth {
    type Output = Truth;

    /// Kleene negation.
    fn not(self) -> Truth {
        match self {
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
            Truth::True => Truth::False,
        }
    }
}

impl Truth {
    /// Kleene conjunction (minimum).
    pub fn and(self, other: Truth) -> Truth {
        self.min(other)
    }

    /// Kleene disjunction (maximum).
    pub fn or(self, other: Truth) -> Truth {
        self.max(other)
    }

    pub fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    pub fn from_option(b: Option<bool>) -> Truth {
        b.map_or(Truth::Unknown, Truth::from_bool)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Truth::False => "false",
            Truth::Unknown => "unknown",
            Truth::True => "true",
        }
    }
}

impl fmt::Display for Truth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The evaluator's stack size: how many values an expression may need to hold
/// at once (`all(a, all(b, c))` needs 3).
pub const MAX_DEPTH: usize = 16;

/// How many calls may enclose one another.
pub const MAX_NESTING: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Sig(Signal),
    Not,
    All(u8),
    Any(u8),
}

/// A parsed and compiled context expression. It keeps its source text (which
/// is what it serialises as) and a postfix program over signal indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    source: String,
    ops: Vec<Op>,
    signals: SignalSet,
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Why an expression could not be parsed. `Display` gives a plain message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprError {
    UnknownSignal(String),
    Syntax { at: usize, message: String },
    TooDeep,
    TooManyArguments,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExprError::UnknownSignal(name) => write!(f, "unknown signal `{name}`"),
            ExprError::Syntax { at, message } => write!(f, "at character {at}: {message}"),
            ExprError::TooDeep => write!(
                f,
                "too deeply nested (at most {MAX_NESTING} calls and {MAX_DEPTH} pending values)"
            ),
            ExprError::TooManyArguments => write!(f, "a call takes at most 255 arguments"),
        }
    }
}

impl Expr {
    /// Parse and compile `source`. Every name must be a registered signal.
    pub fn parse(source: &str) -> Result<Expr, ExprError> {
        let mut p = Parser {
            src: source.as_bytes(),
            pos: 0,
            ops: Vec::new(),
            signals: SignalSet::EMPTY,
        };
        p.expr(1, 1)?;
        p.skip_ws();
        if p.pos != p.src.len() {
            return Err(p.err("unexpected text after the end of the expression"));
        }
        Ok(Expr {
            source: source.trim().to_string(),
            ops: p.ops,
            signals: p.signals,
        })
    }

    /// The source text, trimmed.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every signal the expression mentions.
    pub fn signals(&self) -> SignalSet {
        self.signals
    }

    /// Evaluate with `value(signal)` giving each signal's truth. Returns the
    /// result and the signals that decided it (see the module docs).
    pub fn eval(&self, value: impl Fn(Signal) -> Truth) -> (Truth, SignalSet) {
        let mut stack = [(Truth::Unknown, SignalSet::EMPTY); MAX_DEPTH];
        let mut top = 0usize;
        for op in &self.ops {
            match *op {
                Op::Sig(s) => {
                    stack[top] = (value(s), SignalSet::single(s));
                    top += 1;
                }
                Op::Not => {
                    let (v, m) = stack[top - 1];
                    stack[top - 1] = (!v, m);
                }
                Op::All(n) | Op::Any(n) => {
                    let n = usize::from(n);
                    let args = &stack[top - n..top];
                    let is_all = matches!(op, Op::All(_));
                    let result = if is_all {
                        args.iter().map(|a| a.0).min()
                    } else {
                        args.iter().map(|a| a.0).max()
                    }
                    .unwrap_or(Truth::Unknown);
                    // Decisive children: those equal to the result when the result is
                    // the absorbing value (False for all, True for any) or Unknown;
                    // every child when the result is the identity value.
                    let identity = if is_all { Truth::True } else { Truth::False };
                    let mut mask = SignalSet::EMPTY;
                    for a in args {
                        if result == identity || a.0 == result {
                            mask = mask.union(a.1);
                        }
                    }
                    top -= n;
                    stack[top] = (result, mask);
                    top += 1;
                }
            }
        }
        if top == 0 {
            (Truth::Unknown, SignalSet::EMPTY)
        } else {
            stack[top - 1]
        }
    }
}

struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
    ops: Vec<Op>,
    signals: SignalSet,
}

impl Parser<'_> {
    fn err(&self, message: &str) -> ExprError {
        ExprError::Syntax {
            at: self.pos + 1,
            message: message.to_string(),
        }
    }

    fn skip_ws(&mut self) {
        while self.pos < self.src.len() && self.src[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn ident(&mut self) -> Result<&str, ExprError> {
        self.skip_ws();
        let start = self.pos;
        match self.src.get(self.pos) {
            Some(c) if c.is_ascii_lowercase() => self.pos += 1,
            Some(_) => return Err(self.err("expected a signal name, `all(`, `any(` or `not(`")),
            None => return Err(self.err("the expression ends too early")),
        }
        while let Some(c) = self.src.get(self.pos) {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        // Identifiers are ASCII by construction.
        std::str::from_utf8(&self.src[start..self.pos]).map_err(|_| self.err("not ASCII"))
    }

    fn expect(&mut self, c: u8) -> Result<(), ExprError> {
        self.skip_ws();
        if self.src.get(self.pos) == Some(&c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected `{}`", c as char)))
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.src.get(self.pos).copied()
    }

    /// Parse one expression; `depth` is the stack height it will occupy and
    /// `nest` how many calls enclose it (bounded so parsing cannot recurse
    /// without limit on hostile input).
    fn expr(&mut self, depth: usize, nest: usize) -> Result<(), ExprError> {
        if depth > MAX_DEPTH || nest > MAX_NESTING {
            return Err(ExprError::TooDeep);
        }
        let name = self.ident()?.to_string();
        match name.as_str() {
            "all" | "any" | "not" => {
                self.expect(b'(')?;
                let mut n: usize = 0;
                loop {
                    self.expr(depth + n, nest + 1)?;
                    n += 1;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b')') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(self.err("expected `,` or `)`")),
                    }
                }
                match name.as_str() {
                    "not" if n != 1 => Err(self.err("`not` takes exactly one argument")),
                    "not" => {
                        self.ops.push(Op::Not);
                        Ok(())
                    }
                    _ => {
                        let n = u8::try_from(n).map_err(|_| ExprError::TooManyArguments)?;
                        self.ops.push(if name == "all" {
                            Op::All(n)
                        } else {
                            Op::Any(n)
                        });
                        Ok(())
                    }
                }
            }
            _ => {
                if self.peek() == Some(b'(') {
                    return Err(self.err(&format!(
                        "`{name}` is not a function; use all(…), any(…) or not(…)"
                    )));
                }
                let s = Signal::from_name(&name).ok_or(ExprError::UnknownSignal(name))?;
                self.signals = self.signals.union(SignalSet::single(s));
                self.ops.push(Op::Sig(s));
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kleene_tables() {
        use Truth::*;
        assert_eq!(False.and(Unknown), False);
        assert_eq!(True.and(Unknown), Unknown);
        assert_eq!(True.or(Unknown), True);
        assert_eq!(False.or(Unknown), Unknown);
        assert_eq!(!Unknown, Unknown);
        assert_eq!(!True, False);
    }

    #[test]
    fn parses_nested() {
        let e = Expr::parse(" all( goals_agreed ,any(beliefs_explored, not(alliance_bond_low)))")
            .unwrap();
        assert_eq!(e.signals().len(), 3);
        let (v, m) = e.eval(|s| match s {
            Signal::GoalsAgreed => Truth::True,
            Signal::BeliefsExplored => Truth::Unknown,
            _ => Truth::False,
        });
        assert_eq!(v, Truth::True);
        assert_eq!(
            m.iter().collect::<Vec<_>>(),
            vec![Signal::GoalsAgreed, Signal::AllianceBondLow]
        );
    }

    #[test]
    fn decisive_false_child() {
        let e = Expr::parse("all(goals_agreed, beliefs_explored)").unwrap();
        let (v, m) = e.eval(|s| match s {
            Signal::GoalsAgreed => Truth::False,
            _ => Truth::Unknown,
        });
        assert_eq!(v, Truth::False);
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![Signal::GoalsAgreed]);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Expr::parse("nope"),
            Err(ExprError::UnknownSignal(_))
        ));
        assert!(matches!(
            Expr::parse("all(goals_agreed"),
            Err(ExprError::Syntax { .. })
        ));
        assert!(matches!(
            Expr::parse("not(goals_agreed, goals_agreed)"),
            Err(ExprError::Syntax { .. })
        ));
        assert!(matches!(
            Expr::parse("goals_agreed x"),
            Err(ExprError::Syntax { .. })
        ));
        assert!(matches!(Expr::parse(""), Err(ExprError::Syntax { .. })));
        assert!(matches!(
            Expr::parse("foo(goals_agreed)"),
            Err(ExprError::Syntax { .. })
        ));
        let deep = format!("{}goals_agreed{}", "not(".repeat(20), ")".repeat(20));
        assert!(Expr::parse(&deep).is_ok(), "not does not grow the stack");
        let deep = format!(
            "{}goals_agreed{}",
            "all(goals_agreed, ".repeat(20),
            ")".repeat(20)
        );
        assert_eq!(Expr::parse(&deep), Err(ExprError::TooDeep));
    }
}
